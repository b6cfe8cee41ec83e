-- When each session was last used: sessions unused for the idle time end (and the cookie is
-- renewed while in use).
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;
