//! The programs' rows in SQLite: scheduled, changed, deleted, listed by time, and marked once
//! their ten-minute notice went out.

use protocol::ParticipantId;
use rusqlite::params;

use crate::error::AppError;
use crate::store::{Store, now};

/// How long a program is kept after it ended, in seconds (30 days).
pub const PROGRAM_RETENTION_SECONDS: i64 = 30 * 24 * 3600;

/// A program as staff wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// Its id (0 before it is stored).
    pub id: i64,
    /// Title.
    pub title: String,
    /// What happens there.
    pub description: String,
    /// The hall (`PlaceId`).
    pub hall: String,
    /// Start, Unix seconds.
    pub starts_at: i64,
    /// End, Unix seconds.
    pub ends_at: i64,
    /// Who runs it.
    pub facilitators: String,
    /// 「見学のみ歓迎」.
    pub watching_welcome: bool,
    /// Other notes.
    pub notes: String,
}

const COLUMNS: &str = "id, title, description, hall, starts_at, ends_at, facilitators, watching_welcome, notes";

fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Program> {
    Ok(Program {
        id: row.get(0)?,
        title: row.get(1)?,
        description: row.get(2)?,
        hall: row.get(3)?,
        starts_at: row.get(4)?,
        ends_at: row.get(5)?,
        facilitators: row.get(6)?,
        watching_welcome: row.get(7)?,
        notes: row.get(8)?,
    })
}

impl Store {
    /// Stores a program, or changes the one with `program.id` (when not 0). Refused when it
    /// overlaps another program in the same hall.
    pub fn save_program(&self, program: &Program, by: ParticipantId) -> Result<i64, AppError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let overlapping: i64 = tx.query_row(
            "SELECT COUNT(*) FROM programs WHERE hall = ?1 AND starts_at < ?3 AND ends_at > ?2 AND id != ?4",
            params![program.hall, program.starts_at, program.ends_at, program.id],
            |row| row.get(0),
        )?;
        if overlapping > 0 {
            return Err(AppError::Conflict("program_overlaps"));
        }
        let values = params![
            program.title,
            program.description,
            program.hall,
            program.starts_at,
            program.ends_at,
            program.facilitators,
            program.watching_welcome,
            program.notes,
        ];
        let id = if program.id == 0 {
            tx.execute(
                "INSERT INTO programs (title, description, hall, starts_at, ends_at, facilitators, watching_welcome, notes, created_by, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                rusqlite::params_from_iter(values.iter().copied().chain([&by.0 as &dyn rusqlite::ToSql, &now()])),
            )?;
            tx.last_insert_rowid()
        } else {
            // A moved start gets its notice again; an unchanged one does not.
            let changed = tx.execute(
                "UPDATE programs SET title = ?1, description = ?2, hall = ?3, \
                 noticed = CASE WHEN starts_at = ?4 THEN noticed ELSE 0 END, starts_at = ?4, ends_at = ?5, \
                 facilitators = ?6, watching_welcome = ?7, notes = ?8 WHERE id = ?9",
                rusqlite::params_from_iter(values.iter().copied().chain([&program.id as &dyn rusqlite::ToSql])),
            )?;
            if changed == 0 {
                return Err(AppError::NotFound);
            }
            program.id
        };
        tx.commit()?;
        Ok(id)
    }

    /// Deletes a program.
    pub fn delete_program(&self, id: i64) -> Result<(), AppError> {
        match self.lock().execute("DELETE FROM programs WHERE id = ?1", params![id])? {
            0 => Err(AppError::NotFound),
            _ => Ok(()),
        }
    }

    /// Programs that end after `from` and start before `until`, soonest first.
    pub fn programs(&self, from: i64, until: i64) -> Result<Vec<Program>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare(&format!(
            "SELECT {COLUMNS} FROM programs WHERE ends_at > ?1 AND starts_at < ?2 ORDER BY starts_at, id"
        ))?;
        let programs = statement.query_map(params![from, until], read)?.collect::<Result<Vec<_>, _>>()?;
        Ok(programs)
    }

    /// Programs starting within `lead` seconds of `at` whose notice has not gone out; they are
    /// marked as noticed in the same step, so each is announced once.
    pub fn programs_to_notice(&self, at: i64, lead: i64) -> Result<Vec<Program>, AppError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let due = {
            let mut statement = tx.prepare(&format!(
                "SELECT {COLUMNS} FROM programs WHERE noticed = 0 AND starts_at > ?1 AND starts_at <= ?1 + ?2 ORDER BY starts_at"
            ))?;
            statement.query_map(params![at, lead], read)?.collect::<Result<Vec<_>, _>>()?
        };
        for program in &due {
            tx.execute("UPDATE programs SET noticed = 1 WHERE id = ?1", params![program.id])?;
        }
        tx.commit()?;
        Ok(due)
    }

    /// Deletes programs that ended more than the retention period before `at`.
    pub fn purge_old_programs(&self, at: i64) -> Result<usize, AppError> {
        Ok(self.lock().execute("DELETE FROM programs WHERE ends_at < ?1", params![at - PROGRAM_RETENTION_SECONDS])?)
    }
}
