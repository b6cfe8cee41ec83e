//! Plain data shared by the ibasho client and server: the town map and the wire messages.
#![warn(missing_docs)]

pub mod map;
pub mod messages;
pub mod nickname;

pub use map::{MapError, Place, PlaceId, PlaceKind, Position, TileRect, TownMap};
pub use messages::*;
pub use nickname::{NicknameError, validate_nickname};
