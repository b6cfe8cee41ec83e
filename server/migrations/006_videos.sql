-- The gallery's videos. The files live in the data folder under videos/<id>/ (video.mp4 or
-- video.webm, poster.jpg, captions.vtt); this is their catalog. `position` orders the gallery;
-- hidden videos are kept for staff but not shown. A deleted video's row and files go together.
CREATE TABLE videos (
    id           INTEGER PRIMARY KEY,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    program      TEXT,
    container    TEXT    NOT NULL CHECK (container IN ('mp4', 'webm')),
    duration_ms  INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    captions     INTEGER NOT NULL DEFAULT 0,
    position     INTEGER NOT NULL,
    hidden       INTEGER NOT NULL DEFAULT 0,
    uploaded_by  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    uploaded_at  INTEGER NOT NULL
);
