-- Blocks a person made: the two are never introduced and do not see each other's lines. Kept
-- until the person who made it removes it; goes with either account.
CREATE TABLE blocks (
    blocker     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    blocked     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (blocker, blocked),
    CHECK (blocker != blocked)
);
