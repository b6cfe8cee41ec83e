//! The SQLite store: accounts, invites and sessions (WAL, synchronous=FULL, migrations in
//! `server/migrations`). Conversation content never reaches it.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use protocol::{AvatarId, ParticipantId, Role};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::AppError;
use crate::tokens::{hash_token, new_token};

/// Migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/001_init.sql"),
    include_str!("../migrations/002_booth_slots.sql"),
    include_str!("../migrations/003_town_snapshot.sql"),
    include_str!("../migrations/004_session_last_seen.sql"),
    include_str!("../migrations/005_programs.sql"),
    include_str!("../migrations/006_videos.sql"),
    include_str!("../migrations/007_blocks.sql"),
    include_str!("../migrations/008_announcements.sql"),
    include_str!("../migrations/009_suspensions.sql"),
    include_str!("../migrations/010_reports.sql"),
    include_str!("../migrations/011_open_hours.sql"),
    include_str!("../migrations/012_audit_log.sql"),
];

/// How long a booth reservation is kept after its time, in seconds (30 days).
pub const SLOT_RETENTION_SECONDS: i64 = 30 * 24 * 3600;

/// A counseling time a counselor published, as the store has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Its id.
    pub id: i64,
    /// The booth (`PlaceId`).
    pub booth: String,
    /// The counselor who receives then.
    pub counselor: ParticipantId,
    /// Their nickname.
    pub counselor_nickname: String,
    /// Start, Unix seconds.
    pub starts_at: i64,
    /// Length in minutes.
    pub minutes: i64,
    /// Who booked it, with their nickname.
    pub booked_by: Option<(ParticipantId, String)>,
}

/// How long a session cookie lasts, in seconds (180 days).
pub const SESSION_SECONDS: i64 = 180 * 24 * 3600;
/// How long a session may go unused before it ends, in seconds (30 days), by default.
pub const SESSION_IDLE_SECONDS: i64 = 30 * 24 * 3600;

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long ends (seconds).
    pub idle: i64,
    /// A session ends this long after it began, used or not (seconds).
    pub lifetime: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy { idle: SESSION_IDLE_SECONDS, lifetime: SESSION_SECONDS }
    }
}

impl SessionPolicy {
    /// A session's use is written down (and its cookie renewed) at most this often.
    fn renew_after(&self) -> i64 {
        (self.idle / 2).clamp(1, 60)
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A registered person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    /// Account id.
    pub id: ParticipantId,
    /// Nickname.
    pub nickname: String,
    /// Avatar look.
    pub avatar: AvatarId,
    /// Role.
    pub role: Role,
}

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Session id (not the token).
    pub id: i64,
    /// Whose session it is.
    pub account: Account,
}

/// What staff see of an invite: never its token.
#[derive(Debug, Clone, Serialize)]
pub struct InviteSummary {
    /// Invite id.
    pub id: i64,
    /// Role it grants.
    pub role: Role,
    /// Staff note.
    pub note: String,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Expiry time (Unix seconds).
    pub expires_at: i64,
    /// When it was used, if it was.
    pub used_at: Option<i64>,
}

/// What staff see of a session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    /// Session id.
    pub id: i64,
    /// Account id.
    pub account_id: ParticipantId,
    /// Nickname.
    pub nickname: String,
    /// Role.
    pub role: Role,
    /// Creation time (Unix seconds).
    pub created_at: i64,
}

/// A new invite: the token appears here once and is never stored.
#[derive(Debug, Clone)]
pub struct NewInvite {
    /// Invite id.
    pub id: i64,
    /// The secret for the link.
    pub token: String,
    /// Expiry time (Unix seconds).
    pub expires_at: i64,
}

/// The state of an invite token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteStatus {
    /// Can be used; grants this role.
    Usable(Role),
    /// No invite has this token.
    Unknown,
    /// Already used.
    Used,
    /// Past its expiry.
    Expired,
}

/// Shared handle to the database.
#[derive(Clone)]
pub struct Store {
    connection: Arc<Mutex<Connection>>,
    sessions: SessionPolicy,
}

impl Store {
    /// Opens (creating if needed) the database file and applies migrations.
    pub fn open(path: &Path) -> Result<Store, rusqlite::Error> {
        Self::prepare(Connection::open(path)?)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Store, rusqlite::Error> {
        Self::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut connection: Connection) -> Result<Store, rusqlite::Error> {
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        let applied: usize = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = connection.transaction()?;
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", index + 1)?;
            tx.commit()?;
        }
        Ok(Store { connection: Arc::new(Mutex::new(connection)), sessions: SessionPolicy::default() })
    }

    /// Copies the database at `database` into a new file `into`, online and consistent (SQLite's
    /// backup API, page by page, while the server keeps writing), then checks the copy's
    /// integrity. The copy is written beside `into` and renamed into place only when whole.
    /// Returns how many accounts the copy holds.
    pub fn backup(database: &Path, into: &Path) -> Result<i64, String> {
        use rusqlite::OpenFlags;
        if into.exists() {
            return Err(format!("{} already exists; choose a new file", into.display()));
        }
        let source = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("cannot open {}: {e}", database.display()))?;
        let partial = into.with_extension("partial");
        let _ = std::fs::remove_file(&partial);
        let mut copy = Connection::open(&partial).map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
        let mut run = || -> Result<i64, rusqlite::Error> {
            let backup = rusqlite::backup::Backup::new(&source, &mut copy)?;
            backup.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
            drop(backup);
            let check: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
            if check != "ok" {
                return Err(rusqlite::Error::InvalidQuery);
            }
            copy.query_row("SELECT COUNT(*) FROM accounts", [], |row| row.get(0))
        };
        let accounts = run().map_err(|e| format!("backup failed: {e}"))?;
        drop(copy);
        std::fs::rename(&partial, into).map_err(|e| format!("cannot write {}: {e}", into.display()))?;
        Ok(accounts)
    }

    /// The same database with sessions lasting as `policy` says.
    pub fn with_sessions(self, policy: SessionPolicy) -> Store {
        Store { sessions: policy, ..self }
    }

    /// How long sessions last.
    pub fn session_policy(&self) -> SessionPolicy {
        self.sessions
    }

    /// Writes down that the session of `token` is in use, if it is live and that was not done in
    /// the last minute; returns the cookie's new Max-Age then (the idle time, or what is left of
    /// the session's lifetime if less).
    pub fn renew_session(&self, token: &str) -> Result<Option<i64>, AppError> {
        let at = now();
        let policy = self.sessions;
        let connection = self.lock();
        let changed = connection.execute(
            "UPDATE sessions SET last_seen_at = ?2
             WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2 AND last_seen_at > ?2 - ?3
             AND last_seen_at <= ?2 - ?4",
            params![hash_token(token), at, policy.idle, policy.renew_after()],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        let expires_at: i64 = connection.query_row(
            "SELECT expires_at FROM sessions WHERE token_hash = ?1",
            params![hash_token(token)],
            |row| row.get(0),
        )?;
        Ok(Some(policy.idle.min(expires_at - at)))
    }

    /// Writes down that session `id` is in use (an open connection); false when it has ended.
    pub fn keep_session(&self, id: i64) -> Result<bool, AppError> {
        let at = now();
        let changed = self.lock().execute(
            "UPDATE sessions SET last_seen_at = ?2
             WHERE id = ?1 AND revoked_at IS NULL AND expires_at > ?2 AND last_seen_at > ?2 - ?3",
            params![id, at, self.sessions.idle],
        )?;
        Ok(changed == 1)
    }

    /// Ends every live session of `account`; returns their ids.
    pub fn revoke_sessions_of(&self, account: ParticipantId) -> Result<Vec<i64>, AppError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare("UPDATE sessions SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL RETURNING id")?;
        let ids = statement.query_map(params![account.0, now()], |row| row.get(0))?.collect::<Result<_, _>>()?;
        Ok(ids)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back), so a poisoned lock is safe to keep using.
        self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps the town's snapshot (JSON), replacing the previous one.
    pub fn save_town(&self, saved_at: i64, body: &str) -> Result<(), AppError> {
        self.lock().execute(
            "INSERT INTO town_snapshot (id, saved_at, body) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET saved_at = excluded.saved_at, body = excluded.body",
            params![saved_at, body],
        )?;
        Ok(())
    }

    /// The town's last snapshot (JSON), if any.
    pub fn load_town(&self) -> Result<Option<String>, AppError> {
        Ok(self.lock().query_row("SELECT body FROM town_snapshot WHERE id = 1", [], |row| row.get(0)).optional()?)
    }

    /// Writes everything back into the database file (a WAL checkpoint), for a clean stop.
    pub fn checkpoint(&self) -> Result<(), AppError> {
        self.lock().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Creates an invite for `role`, valid for `valid_seconds`.
    pub fn create_invite(
        &self,
        role: Role,
        note: &str,
        created_by: Option<ParticipantId>,
        valid_seconds: i64,
    ) -> Result<NewInvite, AppError> {
        let token = new_token();
        let created_at = now();
        let expires_at = created_at + valid_seconds;
        let connection = self.lock();
        connection.execute(
            "INSERT INTO invites (token_hash, role, note, created_by, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![hash_token(&token), role.as_str(), note, created_by.map(|id| id.0), created_at, expires_at],
        )?;
        Ok(NewInvite { id: connection.last_insert_rowid(), token, expires_at })
    }

    /// Whether an invite token can be used, without using it.
    pub fn invite_status(&self, token: &str) -> Result<InviteStatus, AppError> {
        invite_status(&self.lock(), token)
    }

    /// Uses an invite: creates the account and its first session in one transaction. Returns
    /// the session token. Nothing changes unless everything succeeds.
    pub fn register(&self, token: &str, nickname: &str, avatar: AvatarId) -> Result<(Account, String), AppError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let role = match invite_status(&tx, token)? {
            InviteStatus::Usable(role) => role,
            InviteStatus::Unknown => return Err(AppError::InviteUnknown),
            InviteStatus::Used => return Err(AppError::InviteUsed),
            InviteStatus::Expired => return Err(AppError::InviteExpired),
        };
        // A participant's name may not pose as a role, nor look like a staff member's or counselor's.
        if role == Role::Participant {
            let mut statement = tx.prepare("SELECT nickname FROM accounts WHERE role IN ('staff', 'counselor')")?;
            let staff: Vec<String> = statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
            drop(statement);
            if protocol::poses_as_staff(nickname, staff.iter().map(String::as_str)) {
                return Err(AppError::Nickname(protocol::NicknameError::PosesAsStaff));
            }
        }
        let created_at = now();
        tx.execute(
            "INSERT INTO accounts (nickname, avatar, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![nickname, avatar.0, role.as_str(), created_at],
        )?;
        let account =
            Account { id: ParticipantId(tx.last_insert_rowid()), nickname: nickname.to_owned(), avatar, role };
        let used = tx.execute(
            "UPDATE invites SET used_at = ?1, used_by = ?2 WHERE token_hash = ?3 AND used_at IS NULL",
            params![created_at, account.id.0, hash_token(token)],
        )?;
        if used != 1 {
            return Err(AppError::InviteUsed);
        }
        let session_token = insert_session(&tx, account.id, self.sessions)?;
        tx.commit()?;
        Ok((account, session_token))
    }

    /// The live session behind a cookie token, if any.
    pub fn session(&self, token: &str) -> Result<Option<Session>, AppError> {
        let connection = self.lock();
        let session = connection
            .query_row(
                "SELECT s.id, a.id, a.nickname, a.avatar, a.role, a.suspended_at IS NOT NULL FROM sessions s
                 JOIN accounts a ON a.id = s.account_id
                 WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2
                 AND s.last_seen_at > ?2 - ?3",
                params![hash_token(token), now(), self.sessions.idle],
                |row| {
                    let role: String = row.get(4)?;
                    let suspended: bool = row.get(5)?;
                    Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get(2)?, row.get::<_, u8>(3)?, role, suspended))
                },
            )
            .optional()?;
        if session.as_ref().is_some_and(|found| found.5) {
            return Err(AppError::Suspended);
        }
        Ok(session.and_then(|(id, account_id, nickname, avatar, role, _)| {
            Some(Session {
                id,
                account: Account {
                    id: ParticipantId(account_id),
                    nickname,
                    avatar: AvatarId(avatar),
                    role: Role::parse(&role)?,
                },
            })
        }))
    }

    /// Ends a session. Returns whether one was ended.
    pub fn revoke_session(&self, session_id: i64) -> Result<bool, AppError> {
        let changed = self.lock().execute(
            "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
            params![now(), session_id],
        )?;
        Ok(changed == 1)
    }

    /// Live sessions, newest first.
    pub fn sessions(&self) -> Result<Vec<SessionSummary>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT s.id, a.id, a.nickname, a.role, s.created_at FROM sessions s
             JOIN accounts a ON a.id = s.account_id
             WHERE s.revoked_at IS NULL AND s.expires_at > ?1 ORDER BY s.id DESC",
        )?;
        let rows = statement.query_map(params![now()], |row| {
            let role: String = row.get(3)?;
            Ok(SessionSummary {
                id: row.get(0)?,
                account_id: ParticipantId(row.get(1)?),
                nickname: row.get(2)?,
                role: Role::parse(&role).unwrap_or(Role::Participant),
                created_at: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// All invites, newest first, without tokens.
    pub fn invites(&self) -> Result<Vec<InviteSummary>, AppError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare("SELECT id, role, note, created_at, expires_at, used_at FROM invites ORDER BY id DESC")?;
        let rows = statement.query_map([], |row| {
            let role: String = row.get(1)?;
            Ok(InviteSummary {
                id: row.get(0)?,
                role: Role::parse(&role).unwrap_or(Role::Participant),
                note: row.get(2)?,
                created_at: row.get(3)?,
                expires_at: row.get(4)?,
                used_at: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Takes back an unused invite (its row goes: it never became anything).
    pub fn revoke_invite(&self, id: i64) -> Result<(), AppError> {
        let connection = self.lock();
        if connection.execute("DELETE FROM invites WHERE id = ?1 AND used_at IS NULL", params![id])? == 1 {
            return Ok(());
        }
        let exists: i64 =
            connection.query_row("SELECT COUNT(*) FROM invites WHERE id = ?1", params![id], |r| r.get(0))?;
        Err(if exists > 0 { AppError::Conflict("invite_used") } else { AppError::NotFound })
    }

    /// Number of staff accounts.
    pub fn staff_count(&self) -> Result<i64, AppError> {
        Ok(self.lock().query_row("SELECT COUNT(*) FROM accounts WHERE role = 'staff'", [], |row| row.get(0))?)
    }

    /// Runs a read-only query for tests and diagnostics: every value of one text column.
    pub fn column_texts(&self, sql: &str) -> Result<Vec<String>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare(sql)?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Publishes a counseling time. Refused when it overlaps another time of the same booth.
    pub fn create_slot(
        &self,
        booth: &str,
        counselor: ParticipantId,
        starts_at: i64,
        minutes: i64,
    ) -> Result<i64, AppError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let overlapping: i64 = tx.query_row(
            "SELECT COUNT(*) FROM booth_slots WHERE booth = ?1 AND starts_at < ?2 + ?3 * 60 AND starts_at + minutes * 60 > ?2",
            params![booth, starts_at, minutes],
            |row| row.get(0),
        )?;
        if overlapping > 0 {
            return Err(AppError::Conflict("slot_overlaps"));
        }
        tx.execute(
            "INSERT INTO booth_slots (booth, counselor_id, starts_at, minutes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![booth, counselor.0, starts_at, minutes, now()],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Counseling times that end after `from` and start before `until`, earliest first.
    pub fn slots(&self, from: i64, until: i64) -> Result<Vec<Slot>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT s.id, s.booth, s.counselor_id, c.nickname, s.starts_at, s.minutes, s.booked_by, b.nickname
             FROM booth_slots s JOIN accounts c ON c.id = s.counselor_id LEFT JOIN accounts b ON b.id = s.booked_by
             WHERE s.starts_at + s.minutes * 60 > ?1 AND s.starts_at < ?2 ORDER BY s.starts_at, s.id",
        )?;
        let rows = statement.query_map(params![from, until], |row| {
            let booked: Option<i64> = row.get(6)?;
            let booked_nickname: Option<String> = row.get(7)?;
            Ok(Slot {
                id: row.get(0)?,
                booth: row.get(1)?,
                counselor: ParticipantId(row.get(2)?),
                counselor_nickname: row.get(3)?,
                starts_at: row.get(4)?,
                minutes: row.get(5)?,
                booked_by: booked.map(|id| (ParticipantId(id), booked_nickname.unwrap_or_default())),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Books a free, future time for `who`; a person holds at most `limit` upcoming bookings.
    pub fn book_slot(&self, slot: i64, who: ParticipantId, limit: i64) -> Result<(), AppError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let held: i64 = tx.query_row(
            "SELECT COUNT(*) FROM booth_slots WHERE booked_by = ?1 AND starts_at + minutes * 60 > ?2",
            params![who.0, now()],
            |row| row.get(0),
        )?;
        if held >= limit {
            return Err(AppError::Conflict("too_many_bookings"));
        }
        let changed = tx.execute(
            "UPDATE booth_slots SET booked_by = ?1 WHERE id = ?2 AND booked_by IS NULL AND starts_at + minutes * 60 > ?3",
            params![who.0, slot, now()],
        )?;
        if changed == 0 {
            return Err(AppError::Conflict("slot_taken"));
        }
        tx.commit()?;
        Ok(())
    }

    /// Cancels `who`'s booking of a time.
    pub fn cancel_booking(&self, slot: i64, who: ParticipantId) -> Result<(), AppError> {
        let changed = self.lock().execute(
            "UPDATE booth_slots SET booked_by = NULL WHERE id = ?1 AND booked_by = ?2",
            params![slot, who.0],
        )?;
        if changed == 0 { Err(AppError::NotFound) } else { Ok(()) }
    }

    /// Deletes a time; counselors only their own (`owner`), staff any (`owner` None).
    pub fn delete_slot(&self, slot: i64, owner: Option<ParticipantId>) -> Result<(), AppError> {
        let changed = match owner {
            Some(owner) => self
                .lock()
                .execute("DELETE FROM booth_slots WHERE id = ?1 AND counselor_id = ?2", params![slot, owner.0])?,
            None => self.lock().execute("DELETE FROM booth_slots WHERE id = ?1", params![slot])?,
        };
        if changed == 0 { Err(AppError::NotFound) } else { Ok(()) }
    }

    /// Deletes the times that ended more than [`SLOT_RETENTION_SECONDS`] before `at`.
    pub fn purge_old_slots(&self, at: i64) -> Result<usize, AppError> {
        Ok(self.lock().execute(
            "DELETE FROM booth_slots WHERE starts_at + minutes * 60 < ?1",
            params![at - SLOT_RETENTION_SECONDS],
        )?)
    }

    /// Moves an invite's expiry, for tests of expired invites.
    pub fn set_invite_expiry(&self, invite_id: i64, expires_at: i64) -> Result<(), AppError> {
        self.lock().execute("UPDATE invites SET expires_at = ?1 WHERE id = ?2", params![expires_at, invite_id])?;
        Ok(())
    }
}

fn invite_status(connection: &Connection, token: &str) -> Result<InviteStatus, AppError> {
    let row = connection
        .query_row(
            "SELECT role, expires_at, used_at FROM invites WHERE token_hash = ?1",
            params![hash_token(token)],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?, row.get::<_, Option<i64>>(2)?)),
        )
        .optional()?;
    Ok(match row {
        None => InviteStatus::Unknown,
        Some((_, _, Some(_))) => InviteStatus::Used,
        Some((_, expires_at, None)) if expires_at <= now() => InviteStatus::Expired,
        Some((role, _, None)) => Role::parse(&role).map_or(InviteStatus::Unknown, InviteStatus::Usable),
    })
}

fn insert_session(connection: &Connection, account: ParticipantId, policy: SessionPolicy) -> Result<String, AppError> {
    let token = new_token();
    let created_at = now();
    connection.execute(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?3)",
        params![hash_token(&token), account.0, created_at, created_at + policy.lifetime],
    )?;
    Ok(token)
}
