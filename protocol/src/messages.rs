//! Wire messages: client ⇄ server over the WebSocket (presence and signaling), and peer ⇄ peer
//! over matchbox data channels (chat). JSON-encoded; enums are named by direction.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::booth::{BoothRequest, BoothSign, Desk, Ticket};
use crate::gallery::{GalleryRequest, Showing, VideoView};
use crate::hall::{FeedId, FeedKind, HallRequest, HallView, Reaction, TurnEnded};
use crate::help::{HelpCall, HelpRequest, HelpStatus};
use crate::locale::Lang;
use crate::map::{PlaceId, Position};

/// Number of avatar looks shipped in `assets/avatars/`.
pub const AVATAR_COUNT: u8 = 6;
/// Position updates a client sends per second while moving, at most.
pub const POSITION_UPDATES_PER_SECOND: u32 = 10;
/// Walking speed in pixels per second; the server refuses moves faster than this (with some
/// slack for network jitter).
pub const WALK_SPEED: f32 = 160.0;
/// How far what someone does carries in open places, in pixels (8 tiles): voices fade to
/// nothing before it and nearby chat is read up to it. The server always tells a page where
/// everyone within it is, so what the page hears and reads follows real positions.
pub const TALK_REACH: f32 = 256.0;
/// Largest client → server message the server reads, in bytes.
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 16 * 1024;
/// Longest town-wide announcement (お知らせ), in characters.
pub const MAX_ANNOUNCEMENT_CHARS: usize = 200;
/// Longest note added to a report to staff, in characters.
pub const MAX_REPORT_NOTE_CHARS: usize = 200;
/// Longest chat message, in characters.
pub const MAX_CHAT_CHARS: usize = 200;
/// Longest kind word staff send with a walk to the entrance, in characters.
pub const MAX_STAFF_WORD_CHARS: usize = 200;
/// Path of the presence and signaling WebSocket.
pub const WEBSOCKET_PATH: &str = "/ws";
/// How long the server keeps a person whose connection dropped (or who was present when it
/// restarted) where they were, waiting for their page to come back, in seconds.
pub const RESUME_GRACE_SECS: u64 = 120;

/// An account, as others see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ParticipantId(pub i64);

/// A matchbox peer id. The server hands out a fresh one for each introduction, so two people
/// who meet again always start a clean connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PeerId(pub Uuid);

/// One of the shipped avatar looks, `0..AVATAR_COUNT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AvatarId(pub u8);

impl AvatarId {
    /// Whether it names a shipped look.
    pub fn is_valid(self) -> bool {
        self.0 < AVATAR_COUNT
    }
}

/// What a person may do beyond taking part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Takes part; the default.
    Participant,
    /// Runs programs in a hall.
    Facilitator,
    /// Runs the counseling booths.
    Counselor,
    /// Invites people, keeps the schedule and the gallery, moderates.
    Staff,
}

impl Role {
    /// All roles, in order of growing rights.
    pub const ALL: [Role; 4] = [Role::Participant, Role::Facilitator, Role::Counselor, Role::Staff];

    /// Stable name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Facilitator => "facilitator",
            Role::Counselor => "counselor",
            Role::Staff => "staff",
        }
    }

    /// The role named by [`Role::as_str`].
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// The role's name shown to people, in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.text(match self {
            Role::Participant => "role.participant",
            Role::Facilitator => "role.facilitator",
            Role::Counselor => "role.counselor",
            Role::Staff => "role.staff",
        })
    }
}

/// How much of themselves a person shows: the participation ladder. Every step is a welcome
/// way to take part; the default on every entry is [`Participation::Listening`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Participation {
    /// 見学: hears, cannot be heard, does not chat.
    Watching,
    /// 聞くだけ: hears and can write in the chat.
    #[default]
    Listening,
    /// 声で参加: hears and speaks.
    Voice,
    /// カメラも: hears, speaks and shows their camera.
    Camera,
}

impl Participation {
    /// All steps, from the least shown to the most.
    pub const ALL: [Participation; 4] =
        [Participation::Watching, Participation::Listening, Participation::Voice, Participation::Camera];

    /// The name of the step, in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.text(match self {
            Participation::Watching => "step.watching",
            Participation::Listening => "step.listening",
            Participation::Voice => "step.voice",
            Participation::Camera => "step.camera",
        })
    }

    /// The badge others see, in `lang`.
    pub fn badge(self, lang: Lang) -> &'static str {
        lang.text(match self {
            Participation::Watching => "badge.watching",
            Participation::Listening => "badge.listening",
            Participation::Voice => "badge.voice",
            Participation::Camera => "badge.camera",
        })
    }

    /// Whether the person sends their microphone.
    pub fn sends_audio(self) -> bool {
        matches!(self, Participation::Voice | Participation::Camera)
    }

    /// Whether the person sends their camera.
    pub fn sends_video(self) -> bool {
        self == Participation::Camera
    }

    /// Whether the person writes in the chat.
    pub fn can_chat(self) -> bool {
        self != Participation::Watching
    }
}

/// A person in the town.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Account id.
    pub id: ParticipantId,
    /// Chosen nickname.
    pub nickname: String,
    /// Chosen look.
    pub avatar: AvatarId,
    /// Role.
    pub role: Role,
    /// Where they stand.
    pub position: Position,
    /// The place they are in, if any.
    pub place: Option<PlaceId>,
    /// How they take part.
    #[serde(default)]
    pub participation: Participation,
    /// 「話しかけないでください」: nobody's voice or chat reaches them by being near; others see
    /// a small sign.
    #[serde(default)]
    pub do_not_disturb: bool,
}

/// A position change of one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Movement {
    /// Who moved.
    pub id: ParticipantId,
    /// Where to.
    pub position: Position,
    /// The place they are in now.
    pub place: Option<PlaceId>,
}

/// An ICE server (TURN relay) for peer connections, with time-limited credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    /// `turn:` URLs.
    pub urls: Vec<String>,
    /// Username (coturn's shared-secret scheme: `expiry:account`).
    pub username: String,
    /// Password for that username.
    pub credential: String,
}

/// A WebRTC signal between two peers, relayed by the server (mirrors matchbox's `PeerSignal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeerSignal {
    /// A JSON-encoded ICE candidate.
    IceCandidate(String),
    /// An SDP offer.
    Offer(String),
    /// An SDP answer.
    Answer(String),
}

/// Client → server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// I am now here.
    Move {
        /// New position.
        position: Position,
    },
    /// Pass this signal to a peer the server introduced me to.
    Signal {
        /// The link the server gave for that peer.
        to: PeerId,
        /// The signal.
        signal: PeerSignal,
    },
    /// I now take part this way.
    SetParticipation {
        /// The chosen step of the ladder.
        participation: Participation,
    },
    /// How much of the town my screen shows (world pixels at the current zoom): the server
    /// tells me positions in that view and a margin around it.
    SetView {
        /// Width of the view.
        width: f32,
        /// Height of the view.
        height: f32,
    },
    /// 「話しかけないでください」 on or off for me.
    SetDoNotDisturb {
        /// Whether it is on.
        on: bool,
    },
    /// About counseling booths: open, knock, answer, leave.
    Booth {
        /// The request.
        request: BoothRequest,
    },
    /// 「スタッフに声をかけてほしい」 and the answers to it.
    Help {
        /// What is asked.
        request: HelpRequest,
    },
    /// About the program hall I stand in: the stage, hands, reactions, its media.
    Hall {
        /// The request.
        request: HallRequest,
    },
    /// About the showing in the gallery I stand in (staff only).
    Gallery {
        /// The request.
        request: GalleryRequest,
    },
    /// Asks for the server's clock, to follow a showing: answered with [`ServerMessage::Clock`].
    Clock {
        /// My own clock when I asked, in milliseconds (returned as is).
        sent: f64,
    },
    /// Tells staff about someone (or, with no one named, about a moment), with a note.
    Report {
        /// About whom, if anyone.
        person: Option<ParticipantId>,
        /// What I want staff to know (at most `MAX_REPORT_NOTE_CHARS`; may be empty).
        note: String,
    },
    /// Blocks someone (or removes my block): we are never introduced and do not see each
    /// other's lines; they are not told.
    SetBlock {
        /// Whom.
        person: ParticipantId,
        /// Blocked, or not any more.
        blocked: bool,
    },
    /// Nothing to say; keeps the connection open.
    KeepAlive,
}

/// Server → client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message after connecting: who you are and who is here.
    Welcome {
        /// You.
        you: Person,
        /// Your own matchbox peer id.
        peer_id: PeerId,
        /// Everyone else in the town you may see (people inside a booth you are not in are
        /// not listed).
        people: Vec<Person>,
        /// TURN relays for peer connections (empty when the server has none).
        #[serde(default)]
        ice_servers: Vec<IceServer>,
        /// This page came back within the grace period and finds itself where it was: the
        /// same place, step of the ladder, booth and introductions (no leave, no join).
        #[serde(default)]
        resumed: bool,
        /// The peers you are introduced to now (on a resumed welcome: links the page already
        /// has are kept, others are new or ended).
        #[serde(default)]
        links: Vec<LinkInfo>,
        /// Which run of the server this is (new at every start). What a page published to a
        /// hall's SFU in another run is gone: a page that knew another run publishes again.
        #[serde(default)]
        server_run: u64,
    },
    /// Someone entered the town.
    Joined {
        /// Who.
        person: Person,
    },
    /// Someone left the town.
    Left {
        /// Who.
        id: ParticipantId,
    },
    /// Latest positions of people in view. Never sent as JSON: it arrives as a binary frame
    /// (`positions`), which the reader turns into this.
    Moved {
        /// One entry per person.
        moves: Vec<Movement>,
        /// Where the reader is told positions now: someone whose last position lies outside
        /// is out of view.
        #[serde(skip)]
        interest: Option<crate::positions::Area>,
    },
    /// Someone changed how they take part.
    ParticipationChanged {
        /// Who.
        id: ParticipantId,
        /// Their new step of the ladder.
        participation: Participation,
    },
    /// Someone turned 「話しかけないでください」 on or off (also said to themselves).
    DoNotDisturbChanged {
        /// Who.
        id: ParticipantId,
        /// Whether it is on now.
        on: bool,
    },
    /// You and `person` are near each other: open a peer connection over `link`.
    Introduce {
        /// Fresh peer id standing for `person` in this introduction.
        link: PeerId,
        /// Who is behind the link.
        person: ParticipantId,
        /// Whether you make the offer (exactly one side does).
        offer: bool,
        /// Whether the connection must go through the TURN relay only (booths): no address of
        /// either person reaches the other.
        #[serde(default)]
        relay_only: bool,
    },
    /// You and the person behind `link` are no longer near each other.
    Separate {
        /// The link to close.
        link: PeerId,
    },
    /// A signal from a peer you were introduced to.
    Signal {
        /// The link it came over.
        from: PeerId,
        /// The signal.
        signal: PeerSignal,
    },
    /// You are now here (the server moved you, or refused a move and you are still here).
    Placed {
        /// Your position.
        position: Position,
    },
    /// The door signs of every booth.
    BoothSigns {
        /// One per booth.
        signs: Vec<BoothSign>,
    },
    /// Where you stand with a booth (knocking, waiting, let in, or a notice), or nothing.
    BoothTicket {
        /// Your ticket.
        ticket: Option<Ticket>,
    },
    /// Your counselor's desk while you receive in a booth, or nothing.
    BoothDesk {
        /// The desk.
        desk: Option<Desk>,
    },
    /// The calls for help waiting now; sent to staff and counselors only, when they change.
    HelpCalls {
        /// Oldest first.
        calls: Vec<HelpCall>,
    },
    /// Where my own call for help stands (none: no call).
    HelpState {
        /// Waiting or answered.
        status: Option<HelpStatus>,
    },
    /// Staff or a counselor wrote to me in answer to my call.
    HelpReply {
        /// Their nickname.
        from: String,
        /// What they wrote.
        text: String,
    },
    /// Your last message was refused; nothing changed.
    Rejected {
        /// Why.
        code: RejectCode,
    },
    /// The connection is closing because the same account connected elsewhere, or its session
    /// ended: a real end, the page does not reconnect.
    Closing {
        /// Why.
        code: CloseCode,
    },
    /// The server is restarting: the page keeps the town on screen and reconnects; people
    /// coming back within the grace period find themselves where they were.
    Restarting,
    /// The hall I stand in, as I am shown it (none: I am in no hall).
    Hall {
        /// The hall.
        view: Option<HallView>,
    },
    /// The SFU's answer to my publication to the hall.
    HallPublished {
        /// The answer.
        sdp: String,
        /// Which of my publications it answers.
        #[serde(default)]
        kind: FeedKind,
    },
    /// A feed of the hall I stand in, offered by the SFU: answer with `HallRequest::Receive`.
    HallFeed {
        /// The feed.
        feed: FeedId,
        /// Whose voice (or screen) it carries.
        person: ParticipantId,
        /// Which it is.
        #[serde(default)]
        kind: FeedKind,
        /// The SFU's offer.
        sdp: String,
    },
    /// A feed ended (the person left the stage, their turn ended, or I left the hall).
    HallFeedEnded {
        /// The feed.
        feed: FeedId,
    },
    /// My turn to speak to the hall ended; my publication was stopped.
    HallTurnEnded {
        /// Why.
        why: TurnEnded,
    },
    /// Someone in the hall wrote to everyone in it.
    HallSaid {
        /// Who.
        person: ParticipantId,
        /// What.
        text: String,
    },
    /// Someone in the hall reacted.
    HallReaction {
        /// Who.
        person: ParticipantId,
        /// How.
        reaction: Reaction,
    },
    /// The programs of today and the coming days (sent on arrival and when they change).
    Programs {
        /// Soonest first.
        programs: Vec<crate::ProgramView>,
    },
    /// A program starts in about ten minutes (sent once per program, to the people in the town).
    ProgramSoon {
        /// Which (boxed: a program is the largest thing a message carries).
        program: Box<crate::ProgramView>,
    },
    /// The gallery's videos (sent on arrival and whenever staff change the catalog).
    Videos {
        /// In the catalog's order; hidden ones are not listed.
        videos: Vec<VideoView>,
    },
    /// The showing in the gallery I stand in (none: nothing is presented, or I am elsewhere).
    Showing {
        /// The showing.
        showing: Option<Showing>,
    },
    /// The town-wide announcement on now (none: no banner); sent on arrival and when it changes.
    Announcement {
        /// What it says.
        text: Option<String>,
    },
    /// The open hours (sent on arrival and when they change).
    Hours {
        /// Today's, the schedule, the next opening, the end of this one.
        hours: crate::HoursView,
    },
    /// ibasho closes in a few minutes (sent once at each of [`crate::CLOSING_NOTICE_MINUTES`]).
    ClosingSoon {
        /// Minutes left.
        minutes: u32,
        /// The closing time: 「21:00」.
        at: String,
    },
    /// My report reached staff.
    Reported,
    /// Staff walked me to the entrance (from いまの様子), with a kind word to show.
    StaffWord {
        /// What staff wrote (at most [`MAX_STAFF_WORD_CHARS`]); none: the town's usual kind word,
        /// which the page words in its own language.
        text: Option<String>,
    },
    /// Staff hold my voice for a while: until then the town shows me as 聞くだけ to everyone,
    /// and refuses a voice step, a hall's stage and a turn to speak. `None`: held no more.
    VoiceHeld {
        /// Until when, in the city's time (e.g. 「14:30」).
        until: Option<String>,
    },
    /// The people I block (sent on arrival and when it changes).
    Blocks {
        /// Whom.
        people: Vec<ParticipantId>,
    },
    /// The server's clock, answering [`ClientMessage::Clock`].
    Clock {
        /// What the client sent.
        sent: f64,
        /// The server's clock when it answered, Unix milliseconds.
        server_ms: i64,
    },
}

/// One introduction, as a welcome lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    /// The link's id on your side.
    pub link: PeerId,
    /// Who is at the other end.
    pub person: ParticipantId,
    /// Whether you make the offer.
    pub offer: bool,
    /// Whether only TURN relay candidates may pass.
    pub relay_only: bool,
}

/// Why the server refused a client message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// Not JSON of a known message.
    Malformed,
    /// Larger than [`MAX_CLIENT_MESSAGE_BYTES`].
    TooLarge,
    /// More messages per second than allowed.
    TooFrequent,
    /// A position off the map, inside a wall, or not a number.
    BadPosition,
    /// A move through a wall, or faster than walking.
    NotWalkable,
    /// A signal for a link that is not (or no longer) yours.
    UnknownPeer,
    /// A move into a booth that has not let you in.
    BoothLocked,
    /// Your role does not allow this (e.g. a participant opening a booth or answering a knock).
    NotAllowed,
    /// You already receive in another booth.
    AlreadyReceiving,
    /// Knocking needs you at the booth's door; opening needs you inside the booth.
    WrongPlace,
    /// Nobody receives in that booth now.
    NotReceiving,
    /// A knock note longer than allowed.
    NoteTooLong,
    /// Nobody by that id is knocking or waiting at your booth.
    NoSuchCaller,
    /// A text is empty or longer than allowed.
    BadText,
    /// Someone else is on the hall's stage.
    StageTaken,
    /// The hall's media server cannot be reached now.
    SfuUnavailable,
    /// The hall has no table with that number.
    NoSuchTable,
    /// No visible video has that id.
    NoSuchVideo,
    /// One is not standing at that screen of the gallery (or it has none such).
    NotAtScreen,
    /// A showing's control is out of range (speed, position), or nothing is being shown.
    BadControl,
    /// The server could not do it just now (try again later).
    Unavailable,
    /// Staff hold your voice for a while: no voice step, stage or turn to speak until then.
    VoiceHeld,
}

/// Why the server is closing a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseCode {
    /// The same account opened the town in another tab or browser.
    OpenedElsewhere,
    /// Staff ended this session.
    SessionRevoked,
    /// The person signed out (here or on every device).
    SignedOut,
    /// The session ran out (idle too long, or its lifetime ended).
    SessionExpired,
    /// Staff suspended the account.
    Suspended,
    /// ibasho is closed now (outside its open hours); the page shows when it opens next.
    OutsideHours,
    /// The account was deleted (by the person, or by staff).
    AccountDeleted,
    /// Staff gave the account another role: the page comes back with it once reloaded.
    RoleChanged,
}

/// Peer → peer, over the matchbox reliable data channel. The server never sees these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PeerMessage {
    /// A line of nearby text chat.
    Chat {
        /// What was said, at most [`MAX_CHAT_CHARS`] characters.
        text: String,
    },
    /// Negotiation of the audio/video connection between the two peers (perfect negotiation).
    Media {
        /// The signal.
        signal: MediaSignal,
    },
}

/// A WebRTC negotiation message for the media connection, carried peer to peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MediaSignal {
    /// An SDP offer.
    Offer {
        /// The session description.
        sdp: String,
    },
    /// An SDP answer.
    Answer {
        /// The session description.
        sdp: String,
    },
    /// An ICE candidate, as the JSON of `RTCIceCandidate.toJSON()`.
    Candidate {
        /// The candidate.
        json: String,
    },
    /// The connection failed on my side: please restart ICE (sent by the polite side, which
    /// does not make offers itself).
    RestartIce,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_as_tagged_json() {
        let message = ClientMessage::Move { position: Position::new(1.0, 2.0) };
        let json = serde_json::to_string(&message).expect("json");
        assert_eq!(json, r#"{"type":"move","position":{"x":1.0,"y":2.0}}"#);
        assert_eq!(serde_json::from_str::<ClientMessage>(&json).expect("parse"), message);
        for signal in [MediaSignal::Offer { sdp: "v=0".into() }, MediaSignal::RestartIce] {
            let media = PeerMessage::Media { signal };
            let json = serde_json::to_string(&media).expect("json");
            assert_eq!(serde_json::from_str::<PeerMessage>(&json).expect("parse"), media);
        }
        let chat = PeerMessage::Chat { text: "こんにちは".into() };
        let json = serde_json::to_string(&chat).expect("json");
        assert_eq!(serde_json::from_str::<PeerMessage>(&json).expect("parse"), chat);
    }

    #[test]
    fn roles_have_stable_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
