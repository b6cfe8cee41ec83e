//! What the town keeps across a server restart: who was present (with their page, place, step
//! of the ladder), who was introduced to whom (with the same link ids, so peer connections
//! that are still flowing are kept), the booths' and halls' state and the calls for help. Saved to SQLite
//! every second while it changes and once more when the server stops; read back at start,
//! when people present are kept for the grace period, waiting for their pages to come back.

use protocol::{ParticipantId, PeerId, Person};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::places::booth::SavedBooths;
use crate::places::hall::SavedHall;

/// The town as kept across a restart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TownSnapshot {
    /// When it was taken, Unix milliseconds.
    pub saved_at_ms: i64,
    /// Everyone present.
    pub people: Vec<SavedPerson>,
    /// Every introduction.
    pub pairs: Vec<SavedPair>,
    /// The booths.
    pub booths: SavedBooths,
    /// Calls for help: who, waiting for how long (ms), answered by whom.
    pub help: Vec<(ParticipantId, u64, Option<String>)>,
    /// The halls: stage, hands, turns, groups.
    #[serde(default)]
    pub halls: Vec<SavedHall>,
    /// Whose voice staff hold, until when (Unix seconds).
    #[serde(default)]
    pub voice_holds: Vec<(ParticipantId, i64)>,
}

impl TownSnapshot {
    /// The snapshot without its time, to tell whether anything changed since the last one.
    pub fn body(&self) -> TownSnapshot {
        TownSnapshot { saved_at_ms: 0, ..self.clone() }
    }
}

/// One person present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPerson {
    /// As the town shows them (position, place, step of the ladder).
    pub person: Person,
    /// Their session.
    pub session_id: i64,
    /// Their page.
    pub page: Option<Uuid>,
}

/// One introduction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPair {
    /// The lower id (who offers).
    pub low: ParticipantId,
    /// The higher id.
    pub high: ParticipantId,
    /// The link id on the lower side.
    pub low_link: PeerId,
    /// The link id on the higher side.
    pub high_link: PeerId,
    /// Relay candidates only.
    pub relay_only: bool,
}
