-- The live town as kept across a restart (one row, rewritten every second while it changes):
-- who is present and where, introductions, booth queues without knock notes, calls for help
-- without text. People leave it when they leave the town; it is read back only within the
-- grace period (2 minutes).
CREATE TABLE town_snapshot (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    saved_at INTEGER NOT NULL,
    body     TEXT    NOT NULL
);
