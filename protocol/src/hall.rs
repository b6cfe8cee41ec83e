//! The program halls on the wire: the stage, raised hands and turns to speak, 「みなさんのマイクを
//! オフにします」, reactions, and the signaling of the media that reaches a whole hall through the
//! SFU. Who may publish to a hall is the server's rule; clients only ask.

use serde::{Deserialize, Serialize};

use crate::locale::Lang;
use crate::map::PlaceId;
use crate::messages::ParticipantId;

/// A publication to a whole hall in the SFU (one person's stage or turn to speak).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FeedId(pub u64);

/// What a publication to a hall carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    /// A voice (the microphone).
    #[default]
    Voice,
    /// A shared screen or window (みんなでイラストタイム).
    Screen,
}

/// Reactions anyone in a hall may send, watchers too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    /// 👏 拍手
    Clap,
    /// 😊 にっこり
    Smile,
    /// 🙏 ありがとう
    Thanks,
    /// 👍 いいね
    ThumbsUp,
    /// 「わかる」
    Wakaru,
}

impl Reaction {
    /// Every reaction, in the order the buttons show them.
    pub const ALL: [Reaction; 5] =
        [Reaction::Clap, Reaction::Smile, Reaction::Thanks, Reaction::ThumbsUp, Reaction::Wakaru];

    /// What its button and the floating sign over an avatar say (words, which every font
    /// here can draw).
    pub fn label(self, lang: Lang) -> &'static str {
        lang.text(match self {
            Reaction::Clap => "reaction.clap",
            Reaction::Smile => "reaction.smile",
            Reaction::Thanks => "reaction.thanks",
            Reaction::ThumbsUp => "reaction.thumbs_up",
            Reaction::Wakaru => "reaction.wakaru",
        })
    }
}

/// A request about the hall one stands in, client → server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HallRequest {
    /// A facilitator (or staff) takes the hall's stage: their voice reaches everyone inside.
    TakeStage,
    /// Steps down from the stage.
    LeaveStage,
    /// 「手をあげる」: asks to speak to the hall.
    RaiseHand,
    /// Takes one's hand down, or ends one's own turn to speak.
    LowerHand,
    /// A facilitator answers a raised hand with 「どうぞ」, or invites someone to speak.
    Grant {
        /// Whom.
        person: ParticipantId,
    },
    /// A facilitator ends someone's turn to speak.
    EndTurn {
        /// Whom.
        person: ParticipantId,
    },
    /// The person invited to speak answers; nobody else learns a no.
    AnswerInvitation {
        /// Whether they speak.
        accept: bool,
    },
    /// 「みなさんのマイクをオフにします」: every turn to speak in the audience ends now.
    MuteAll,
    /// A line for everyone in the hall (the hall's text channel); passed on once, never stored.
    Say {
        /// What (at most `MAX_CHAT_CHARS`).
        text: String,
    },
    /// A reaction, shown over one's avatar to everyone in the hall.
    React {
        /// Which.
        reaction: Reaction,
    },
    /// My SDP offer to publish to the hall (allowed on the stage or during one's turn): my voice,
    /// or my shared screen.
    Publish {
        /// The offer, with its candidates.
        sdp: String,
        /// What it carries.
        #[serde(default)]
        media: FeedKind,
    },
    /// I stop publishing this kind (e.g. I stopped sharing my screen).
    Unpublish {
        /// Which.
        media: FeedKind,
    },
    /// A facilitator sets the hall's groups (e.g. 「10代・20代」「30代」「40代以上」); tables whose
    /// group is gone lose their label.
    SetGroups {
        /// At most [`MAX_GROUPS`] labels of at most [`MAX_GROUP_LABEL_CHARS`] characters.
        labels: Vec<String>,
    },
    /// A facilitator gives a table one of the groups' labels (none: no label).
    LabelTable {
        /// Which table of the hall (its index in the map).
        table: u32,
        /// The label, one of the groups.
        label: Option<String>,
    },
    /// My SDP answer to the SFU's offer of a feed.
    Receive {
        /// Which feed.
        feed: FeedId,
        /// The answer, with its candidates.
        sdp: String,
    },
}

/// Where I stand in the hall's conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Turn {
    /// Listening, like most.
    Listening,
    /// My hand is up: this many hands were raised before mine.
    HandRaised {
        /// Hands before mine.
        ahead: u32,
    },
    /// A facilitator invited me to speak; I may accept or decline.
    Invited,
    /// My voice reaches the hall.
    Speaking,
    /// I am on the stage.
    OnStage,
}

/// Most groups a hall's tables can be split into.
pub const MAX_GROUPS: usize = 8;
/// Longest group label, in characters.
pub const MAX_GROUP_LABEL_CHARS: usize = 16;

/// One table of a hall, as everyone inside is shown it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableView {
    /// Its index in the hall's tables (the map's order).
    pub index: u32,
    /// The group's label the facilitator gave it.
    pub label: Option<String>,
    /// How many people sit there now.
    pub people: u32,
}

/// A person named in a hall view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HallPerson {
    /// Who.
    pub id: ParticipantId,
    /// Their nickname.
    pub nickname: String,
}

/// What someone inside a hall is shown of it, sent when it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HallView {
    /// Which hall.
    pub hall: PlaceId,
    /// Who is on the stage, if anyone.
    pub stage: Option<HallPerson>,
    /// Audience members whose turn to speak it is.
    pub speakers: Vec<HallPerson>,
    /// How many hands are raised.
    pub hands: u32,
    /// The raised hands in order: only facilitators and staff see them (empty for others).
    pub queue: Vec<HallPerson>,
    /// Where I stand.
    pub you: Turn,
    /// Whether I may run the hall (take the stage, answer hands, mute everyone).
    pub may_facilitate: bool,
    /// Reactions received since the stage was taken, per reaction (facilitators only).
    pub reactions: Vec<(Reaction, u32)>,
    /// Whether the hall's media go through the SFU (false: no SFU configured, stage voice
    /// reaches only the people one is connected to).
    pub sfu: bool,
    /// The groups the facilitator set, in order.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The hall's tables (none in a hall without tables).
    #[serde(default)]
    pub tables: Vec<TableView>,
    /// The table I sit at, if any: I talk with the people there and hear the stage softer.
    #[serde(default)]
    pub my_table: Option<u32>,
}

/// Why my turn to speak ended, said kindly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnEnded {
    /// The facilitator ended it.
    ByFacilitator,
    /// 「みなさんのマイクをオフにします」.
    MutedAll,
}
