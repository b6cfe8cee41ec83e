-- 記録: what staff did (who, what, to which account or thing, when), never what anyone said.
-- The actor's nickname is kept as it was, so a row still reads after the account is gone.
-- Deleted 30 days after it was written.
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    actor           INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    actor_nickname  TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    target          TEXT    NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
