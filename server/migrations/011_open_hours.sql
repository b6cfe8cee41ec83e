-- Open hours: recurring rules (a weekday, every week or on some weeks of the month) and one-day
-- exceptions (closed, or an extra opening), in the city's time zone; and the message staff
-- write for the page people see while ibasho is closed. Exceptions go once their day is past.
CREATE TABLE open_hour_rules (
    id             INTEGER PRIMARY KEY,
    weekday        INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    weeks          TEXT    NOT NULL,
    starts_minute  INTEGER NOT NULL CHECK (starts_minute BETWEEN 0 AND 1439),
    ends_minute    INTEGER NOT NULL CHECK (ends_minute > starts_minute AND ends_minute <= 1440),
    created_at     INTEGER NOT NULL
);
CREATE TABLE open_hour_exceptions (
    id             INTEGER PRIMARY KEY,
    day            TEXT    NOT NULL,
    closed         INTEGER NOT NULL CHECK (closed IN (0, 1)),
    starts_minute  INTEGER,
    ends_minute    INTEGER,
    created_at     INTEGER NOT NULL,
    CHECK (closed = 1 OR (starts_minute >= 0 AND ends_minute > starts_minute AND ends_minute <= 1440))
);
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
