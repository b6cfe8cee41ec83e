//! Plain data shared by the ibasho client and server: the town map and the wire messages.
#![warn(missing_docs)]

pub mod booth;
pub mod gallery;
pub mod hall;
pub mod help;
pub mod hours;
pub mod ice;
pub mod locale;
pub mod map;
pub mod messages;
pub mod nickname;
pub mod positions;
pub mod program;

pub use booth::{
    ADMISSION_SECS, BoothRequest, BoothSign, BoothState, Caller, CounselorCard, Desk, HOST_GRACE_SECS, JobTitle,
    KNOCK_REACH, KNOCK_TIMEOUT_SECS, KnockAnswer, MAX_KNOCK_NOTE_CHARS, RESERVATION_EARLY_SECS, SlotState, SlotView,
    Ticket,
};
pub use gallery::{
    GalleryRequest, MAX_SHOWING_RATE, MAX_VIDEO_DESCRIPTION_CHARS, MAX_VIDEO_TITLE_CHARS, MIN_SHOWING_RATE,
    SHOWING_TOLERANCE_SECS, Showing, VideoId, VideoView,
};
pub use hall::{
    FeedId, FeedKind, HallPerson, HallRequest, HallView, MAX_GROUP_LABEL_CHARS, MAX_GROUPS, Reaction, TableView, Turn,
    TurnEnded,
};
pub use help::{HelpCall, HelpRequest, HelpStatus, MAX_HELP_REPLY_CHARS};
pub use hours::{CLOSING_NOTICE_MINUTES, HoursView};
pub use map::{BlockedTiles, Door, MapError, Place, PlaceId, PlaceKind, Position, Prop, PropKind, TileRect, TownMap};
pub use messages::*;
pub use nickname::{NicknameError, nickname_look, poses_as_staff, validate_nickname};
pub use program::{
    MAX_PROGRAM_DESCRIPTION_CHARS, MAX_PROGRAM_FACILITATORS_CHARS, MAX_PROGRAM_NOTES_CHARS, MAX_PROGRAM_TITLE_CHARS,
    PROGRAM_NOTICE_SECS, ProgramView,
};
