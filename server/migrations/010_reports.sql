-- Reports a person made to staff about someone (or a moment): where and when, and the note
-- they wrote, never anything else said. Deleted after 30 days.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    reporter    INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    reported    INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    place       TEXT    NOT NULL,
    note        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
