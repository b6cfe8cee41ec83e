//! Counseling booths on the wire: the door sign everyone sees, the ticket a person knocking or
//! waiting sees, the desk the counselor sees, and the requests about booths. Who is inside a
//! booth is never part of what outsiders receive.

use serde::{Deserialize, Serialize};

use crate::locale::Lang;
use crate::map::PlaceId;
use crate::messages::ParticipantId;

/// Longest note a person may add to a knock, in characters.
pub const MAX_KNOCK_NOTE_CHARS: usize = 100;
/// How long a knock waits for an answer before it ends politely, in seconds.
pub const KNOCK_TIMEOUT_SECS: u64 = 180;
/// How long the door stays open for a person who was let in, in seconds.
pub const ADMISSION_SECS: u64 = 300;
/// How long a counselor who left their booth (or lost the connection) stays its counselor, in
/// seconds: a reconnect or a short step outside does not end receiving.
pub const HOST_GRACE_SECS: u64 = 60;
/// How far from the tile in front of a booth's door a person may knock, in pixels (3 tiles).
pub const KNOCK_REACH: f32 = 96.0;

/// What a booth's door sign says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoothState {
    /// 準備中: nobody is receiving.
    Preparing,
    /// 受付中: a counselor is receiving and nobody is with them.
    Open,
    /// 相談中: someone is with the counselor; the door is locked.
    InSession,
}

impl BoothState {
    /// The words on the sign, in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.text(match self {
            BoothState::Preparing => "booth.state.preparing",
            BoothState::Open => "booth.state.open",
            BoothState::InSession => "booth.state.in_session",
        })
    }
}

/// A counselor's profession, shown on the door sign. A fixed list, so no title can be made up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobTitle {
    /// 臨床心理士.
    ClinicalPsychologist,
    /// 公認心理師.
    CertifiedPsychologist,
    /// 社会福祉士.
    SocialWorker,
    /// 精神保健福祉士.
    PsychiatricSocialWorker,
    /// 相談員.
    Counselor,
}

impl JobTitle {
    /// All titles, in the order they are offered.
    pub const ALL: [JobTitle; 5] = [
        JobTitle::ClinicalPsychologist,
        JobTitle::CertifiedPsychologist,
        JobTitle::SocialWorker,
        JobTitle::PsychiatricSocialWorker,
        JobTitle::Counselor,
    ];

    /// The title, in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.text(match self {
            JobTitle::ClinicalPsychologist => "title.clinical_psychologist",
            JobTitle::CertifiedPsychologist => "title.certified_psychologist",
            JobTitle::SocialWorker => "title.social_worker",
            JobTitle::PsychiatricSocialWorker => "title.psychiatric_social_worker",
            JobTitle::Counselor => "role.counselor",
        })
    }
}

/// Who receives in a booth, as its sign shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounselorCard {
    /// The counselor's nickname.
    pub nickname: String,
    /// Their profession.
    pub title: JobTitle,
}

/// One booth's door sign, seen by everyone in the town.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoothSign {
    /// Which booth.
    pub booth: PlaceId,
    /// What the sign says.
    pub state: BoothState,
    /// Who receives there, when someone does.
    pub counselor: Option<CounselorCard>,
}

/// Where one person stands with a booth; sent to that person only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Ticket {
    /// Knocked; the counselor has not answered yet.
    Knocking {
        /// Which booth.
        booth: PlaceId,
    },
    /// Asked to wait: `ahead` people come first (including the one with the counselor now).
    Waiting {
        /// Which booth.
        booth: PlaceId,
        /// How many come first.
        ahead: u32,
    },
    /// Let in: the door admits this person for a few minutes.
    Admitted {
        /// Which booth.
        booth: PlaceId,
    },
    /// The counselor cannot talk today.
    Declined {
        /// Which booth.
        booth: PlaceId,
    },
    /// Nobody answered in time.
    TimedOut {
        /// Which booth.
        booth: PlaceId,
    },
    /// The counselor stopped receiving before this person's turn.
    Closed {
        /// Which booth.
        booth: PlaceId,
    },
    /// It is the time this person reserved: the door lets them in.
    Reserved {
        /// Which booth.
        booth: PlaceId,
        /// When, e.g. 「11月25日（水）14:00」.
        label: crate::locale::Phrase,
    },
    /// 「家族と一緒に」: someone asks this person to come along to their counseling.
    FamilyInvite {
        /// Which booth.
        booth: PlaceId,
        /// The nickname of the person asking.
        by: String,
    },
}

impl Ticket {
    /// The booth it is about.
    pub fn booth(&self) -> &PlaceId {
        match self {
            Ticket::Knocking { booth }
            | Ticket::Waiting { booth, .. }
            | Ticket::Admitted { booth }
            | Ticket::Declined { booth }
            | Ticket::TimedOut { booth }
            | Ticket::Closed { booth }
            | Ticket::Reserved { booth, .. }
            | Ticket::FamilyInvite { booth, .. } => booth,
        }
    }
}

/// A person at a counselor's door, as the counselor's desk shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// Who.
    pub id: ParticipantId,
    /// Their nickname.
    pub nickname: String,
    /// What they wrote with the knock (may be empty). Kept in memory only, while they wait or talk.
    pub note: String,
    /// When they come along as family: the nickname of the person who asked them.
    #[serde(default)]
    pub family_of: Option<String>,
}

/// What the counselor receiving in a booth sees; sent to that counselor only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desk {
    /// The booth they receive in.
    pub booth: PlaceId,
    /// The title they receive under.
    pub title: JobTitle,
    /// Knocks not yet answered, oldest first.
    pub knocks: Vec<Caller>,
    /// People asked to wait, in order.
    pub queue: Vec<Caller>,
    /// People let in (on their way or inside).
    pub admitted: Vec<Caller>,
    /// The next reservation in this booth, e.g. 「あおさん 14:00」.
    #[serde(default)]
    pub next_reservation: Option<crate::locale::Phrase>,
    /// Whether the booth's connections are relayed (no addresses exchanged between the people
    /// inside). False when the server has no TURN relay configured.
    pub relayed: bool,
}

/// How a counselor answers a knock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnockAnswer {
    /// 「どうぞ」: come in now.
    Admit,
    /// 「少しお待ちください」: join the queue.
    Wait,
    /// 「今日は難しいです」: not today (the person gets a kind message).
    Decline,
}

/// A request about booths, client → server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BoothRequest {
    /// 「相談を受け付ける」: start receiving in the booth I stand in (counselors and staff).
    Open {
        /// The title to show on the sign.
        title: JobTitle,
    },
    /// Stop receiving.
    Close,
    /// 「ノックする」 at a booth's door.
    Knock {
        /// Which booth.
        booth: PlaceId,
        /// An optional short note for the counselor (at most [`MAX_KNOCK_NOTE_CHARS`]).
        note: String,
    },
    /// Take back my knock, leave the queue, or put away a notice.
    Withdraw,
    /// The counselor answers a knock or calls someone from the queue.
    Answer {
        /// Whom.
        person: ParticipantId,
        /// The answer.
        answer: KnockAnswer,
    },
    /// 「そっと退出」: leave the booth I am in, at once, to just outside its door.
    Leave,
    /// 「家族と一緒に」: ask `person` to come along to the booth I knocked at, wait for, was let
    /// into, reserved, or am in. They must agree, and the counselor lets them in.
    BringFamily {
        /// Whom.
        person: ParticipantId,
    },
    /// 「一緒に行く」: agree to come along; the counselor's desk then shows me as family.
    JoinFamily,
}

/// How long before a reserved time the door lets its person in, in seconds.
pub const RESERVATION_EARLY_SECS: i64 = 5 * 60;

/// Whose a published counseling time is, as the person asking sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotState {
    /// Nobody booked it.
    Free,
    /// I booked it.
    Mine,
    /// Someone else booked it.
    Taken,
}

/// A counseling time a counselor published (`GET /api/booth-slots`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotView {
    /// Its id.
    pub id: i64,
    /// Which booth.
    pub booth: PlaceId,
    /// When, in the city's time, e.g. 「11月25日（水）14:00〜14:50」.
    pub label: String,
    /// Start, Unix seconds.
    pub starts_at: i64,
    /// Length in minutes.
    pub minutes: i64,
    /// The counselor's nickname.
    pub counselor: String,
    /// Free, mine, or taken.
    pub state: SlotState,
    /// Who booked it: shown only to its counselor and to staff.
    pub booked_by: Option<String>,
}
