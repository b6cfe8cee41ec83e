-- Accounts, invites and sessions. No conversation content is ever stored.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    nickname    TEXT    NOT NULL,
    avatar      INTEGER NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('participant', 'facilitator', 'counselor', 'staff')),
    created_at  INTEGER NOT NULL
);

-- Only the SHA-256 of an invite token is kept; the token itself exists only in the link.
CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,
    role        TEXT    NOT NULL CHECK (role IN ('participant', 'facilitator', 'counselor', 'staff')),
    note        TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES accounts(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    used_by     INTEGER REFERENCES accounts(id)
);

-- Only the SHA-256 of a session token is kept; the token lives in an HttpOnly cookie.
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE INDEX sessions_by_account ON sessions(account_id);
