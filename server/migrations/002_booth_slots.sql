-- Counseling times a counselor publishes, and who booked them (by account: a nickname, no real
-- name). The only booth data stored; rows are deleted 30 days after their time.
CREATE TABLE booth_slots (
    id            INTEGER PRIMARY KEY,
    booth         TEXT    NOT NULL,
    counselor_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    starts_at     INTEGER NOT NULL,
    minutes       INTEGER NOT NULL CHECK (minutes BETWEEN 10 AND 120),
    booked_by     INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL
);

CREATE INDEX booth_slots_by_time ON booth_slots(starts_at);
