//! Blocks: a person blocks another, and from then on the two are never introduced (no voice,
//! no chat, no bubbles between them) and do not see each other's lines in a hall. The blocked
//! person is not told. Blocks are kept in SQLite until the person who made them removes them;
//! the town holds a copy for its introductions.

use protocol::{ParticipantId, RejectCode};
use rusqlite::params;

use crate::AppState;
use crate::error::AppError;
use crate::store::{Store, now};

impl Store {
    /// `blocker` blocks `blocked` (again is fine).
    pub fn block(&self, blocker: ParticipantId, blocked: ParticipantId) -> Result<(), AppError> {
        self.lock().execute(
            "INSERT OR IGNORE INTO blocks (blocker, blocked, created_at) VALUES (?1, ?2, ?3)",
            params![blocker.0, blocked.0, now()],
        )?;
        Ok(())
    }

    /// `blocker` removes their block of `blocked`.
    pub fn unblock(&self, blocker: ParticipantId, blocked: ParticipantId) -> Result<(), AppError> {
        self.lock().execute("DELETE FROM blocks WHERE blocker = ?1 AND blocked = ?2", params![blocker.0, blocked.0])?;
        Ok(())
    }

    /// Every block: (who blocked, whom).
    pub fn blocks(&self) -> Result<Vec<(ParticipantId, ParticipantId)>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT blocker, blocked FROM blocks")?;
        let blocks = statement
            .query_map([], |row| Ok((ParticipantId(row.get(0)?), ParticipantId(row.get(1)?))))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(blocks)
    }
}

/// `from` blocks (or unblocks) `person`: written down first, then the town follows.
pub fn set_block(
    state: &AppState,
    from: ParticipantId,
    person: ParticipantId,
    blocked: bool,
) -> Result<(), RejectCode> {
    if person == from {
        return Err(RejectCode::NotAllowed);
    }
    let written = if blocked { state.store.block(from, person) } else { state.store.unblock(from, person) };
    written.map_err(|error| error.into_refusal("write a block"))?;
    state.town.set_block(from, person, blocked);
    Ok(())
}

/// At start: the town is given every block.
pub fn load(state: &AppState) -> Result<(), AppError> {
    let blocks = state.store.blocks()?;
    state.town.set_blocks(blocks);
    Ok(())
}
