-- Town-wide announcements staff post (お知らせ): shown as a banner to everyone in the town from
-- `starts_at` to `ends_at`. Deleted 30 days after they end.
CREATE TABLE announcements (
    id          INTEGER PRIMARY KEY,
    text        TEXT    NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL CHECK (ends_at > starts_at),
    created_by  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);
