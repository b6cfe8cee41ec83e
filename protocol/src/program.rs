//! The programs staff schedule in the halls (一緒にランチ, 唄ごえカフェ, …), as the town shows
//! them: on the guide board, in 「今日のプログラム」, on the hall's door and in the notice ten
//! minutes before one starts.

use serde::{Deserialize, Serialize};

use crate::PlaceId;
use crate::locale::Phrase;

/// How long before a program starts the people in the town get its notice, in seconds.
pub const PROGRAM_NOTICE_SECS: i64 = 10 * 60;
/// Longest program title, in characters.
pub const MAX_PROGRAM_TITLE_CHARS: usize = 40;
/// Longest description, in characters.
pub const MAX_PROGRAM_DESCRIPTION_CHARS: usize = 400;
/// Longest list of facilitators, in characters.
pub const MAX_PROGRAM_FACILITATORS_CHARS: usize = 80;
/// Longest note (「途中参加・途中退出 OK」…), in characters.
pub const MAX_PROGRAM_NOTES_CHARS: usize = 120;

/// One scheduled program, as people are shown it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramView {
    /// Its id.
    pub id: i64,
    /// Title, e.g. 「唄ごえカフェ」.
    pub title: String,
    /// What happens there.
    pub description: String,
    /// The hall it takes place in.
    pub hall: PlaceId,
    /// The hall's name.
    pub hall_name: Phrase,
    /// Start, Unix seconds.
    pub starts_at: i64,
    /// End, Unix seconds.
    pub ends_at: i64,
    /// 「12月2日（水）13:00〜14:00」 in the city's time.
    pub when: Phrase,
    /// 「13:00〜14:00」.
    pub hours: Phrase,
    /// Who runs it, as staff wrote it (e.g. 「音楽療法士 さくら」).
    pub facilitators: String,
    /// 「見学のみ歓迎」: watching only is welcome.
    pub watching_welcome: bool,
    /// Other notes.
    pub notes: String,
    /// It is on today (the city's date).
    pub today: bool,
    /// It is running now.
    pub running: bool,
}
