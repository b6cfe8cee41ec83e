//! The private help signal 「スタッフに声をかけてほしい」 on the wire: a person asks anywhere in
//! the town, staff and counselors present see who and where (nobody else does), and answer with
//! a message or an invitation to their booth.

use serde::{Deserialize, Serialize};

use crate::messages::ParticipantId;

/// Longest answer staff may write to a help call, in characters.
pub const MAX_HELP_REPLY_CHARS: usize = 200;

/// A request about help calls, client → server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HelpRequest {
    /// 「スタッフに声をかけてほしい」.
    Ask,
    /// Take my call back.
    Withdraw,
    /// Staff or a counselor write to the person who called (in memory only, never stored).
    Reply {
        /// Whom.
        person: ParticipantId,
        /// What (at most [`MAX_HELP_REPLY_CHARS`]).
        text: String,
    },
    /// A counselor receiving in a booth invites the person who called: the door lets them in.
    Invite {
        /// Whom.
        person: ParticipantId,
    },
    /// Staff mark the call as taken care of; it leaves every staff list.
    Done {
        /// Whom.
        person: ParticipantId,
    },
}

/// One call for help, as staff and counselors see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpCall {
    /// Who called.
    pub person: ParticipantId,
    /// Their nickname.
    pub nickname: String,
    /// Where they are now, e.g. 「ひろば」.
    pub place: crate::locale::Phrase,
    /// How many minutes ago they called.
    pub minutes: u32,
    /// Who answered already, so two staff do not both go.
    pub answered_by: Option<String>,
}

/// Where my own call stands; sent to me only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum HelpStatus {
    /// Sent: staff can see it.
    Waiting,
    /// Someone answered.
    Answered {
        /// Their nickname.
        by: String,
    },
}
