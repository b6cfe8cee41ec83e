//! Open hours as the town is told them: today's hours, the schedule in words, the next opening
//! and when the current opening ends (the server works them out in the city's time zone).

use serde::{Deserialize, Serialize};

use crate::locale::Phrase;

/// Minutes before closing at which people in the town get a gentle notice.
pub const CLOSING_NOTICE_MINUTES: [u32; 2] = [15, 5];

/// The open hours, as the top bar, the guide board and the closed screen show them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HoursView {
    /// Whether staff set open hours at all (if not, ibasho is always open).
    pub set: bool,
    /// Today's hours in words: 「本日 13:00〜21:00」, 「本日はお休みです」 (empty when not set).
    pub today: Phrase,
    /// The schedule in words, one line per rule or exception: 「第2・3・4水曜 13:00〜21:00」.
    pub schedule: Vec<Phrase>,
    /// When ibasho next opens: 「12月9日（水）13:00」 (none when open now or nothing is planned).
    pub next_opening: Option<Phrase>,
    /// When the current opening ends, Unix seconds (none when closed or always open).
    pub closes_at: Option<i64>,
}
