-- Staff may suspend an account (一時停止): its sessions stop working at once, and it cannot enter
-- until staff reinstate it. NULL: not suspended.
ALTER TABLE accounts ADD COLUMN suspended_at INTEGER;
