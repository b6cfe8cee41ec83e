-- Programs staff schedule in the halls. Facilitators are written as staff name them (no
-- account link). `noticed` records that the ten-minute notice went out, so that a restart
-- does not send it twice. Rows are deleted 30 days after the program ended.
CREATE TABLE programs (
    id                INTEGER PRIMARY KEY,
    title             TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    hall              TEXT    NOT NULL,
    starts_at         INTEGER NOT NULL,
    ends_at           INTEGER NOT NULL CHECK (ends_at > starts_at),
    facilitators      TEXT    NOT NULL,
    watching_welcome  INTEGER NOT NULL DEFAULT 0,
    notes             TEXT    NOT NULL,
    noticed           INTEGER NOT NULL DEFAULT 0,
    created_by        INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL
);

CREATE INDEX programs_by_time ON programs(starts_at);
