//! The compact binary form of the town's high-rate position updates (10 per second per person).
//! Everything else on the WebSocket stays JSON; positions are most of the traffic, so they go
//! as binary frames of fixed-size entries the server builds once per area of the town and
//! shares between everyone who sees that area.
//!
//! A frame is a header followed by entries, all little-endian:
//!
//! | bytes | what |
//! |---|---|
//! | 1 | [`POSITIONS_FRAME`] |
//! | 4 × 4 | the recipient's area of interest: left, bottom, right, top (`f32` world pixels) |
//! | [`ENTRY_BYTES`] each | id (`i64`), x (`f32`), y (`f32`), place (`u16` index into the map's places, [`NO_PLACE`] for none) |
//!
//! The area of interest says where the recipient is told positions: a person whose last known
//! position lies outside it is out of view (the page hides them) until an entry shows them
//! inside again.

use thiserror::Error;

use serde::{Deserialize, Serialize};

use crate::{Movement, ParticipantId, Place, PlaceId, Position, TownMap};

/// First byte of a positions frame.
pub const POSITIONS_FRAME: u8 = 1;
/// Bytes of the header: the kind and the area of interest.
pub const HEADER_BYTES: usize = 1 + 16;
/// Bytes of one entry.
pub const ENTRY_BYTES: usize = 8 + 4 + 4 + 2;
/// The place index of someone in no place.
pub const NO_PLACE: u16 = u16::MAX;

/// A rectangle of the world in pixels (y up, like [`Position`]).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Area {
    /// Left edge.
    pub left: f32,
    /// Bottom edge.
    pub bottom: f32,
    /// Right edge (outside).
    pub right: f32,
    /// Top edge (outside).
    pub top: f32,
}

impl Area {
    /// Whether a position lies inside.
    pub fn contains(&self, position: Position) -> bool {
        position.x >= self.left && position.x < self.right && position.y >= self.bottom && position.y < self.top
    }
}

/// One decoded positions frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionsFrame {
    /// Where the recipient is told positions now.
    pub interest: Area,
    /// The latest positions, one entry per person.
    pub moves: Vec<Movement>,
}

/// Why a binary frame was not understood.
#[derive(Debug, Error, PartialEq)]
pub enum FrameError {
    /// Not a positions frame, or cut short.
    #[error("not a positions frame")]
    NotPositions,
    /// The entries do not fill the frame exactly.
    #[error("a positions frame of {0} bytes does not hold whole entries")]
    Ragged(usize),
}

/// The header of a frame for a recipient whose area of interest is `interest`.
pub fn frame_header(interest: Area) -> [u8; HEADER_BYTES] {
    let mut header = [0; HEADER_BYTES];
    header[0] = POSITIONS_FRAME;
    for (index, value) in [interest.left, interest.bottom, interest.right, interest.top].into_iter().enumerate() {
        header[1 + index * 4..5 + index * 4].copy_from_slice(&value.to_le_bytes());
    }
    header
}

/// Appends one entry: `place` is the index of the person's place in `map.places`.
pub fn push_entry(bytes: &mut Vec<u8>, id: ParticipantId, position: Position, place: Option<usize>) {
    bytes.extend_from_slice(&id.0.to_le_bytes());
    bytes.extend_from_slice(&position.x.to_le_bytes());
    bytes.extend_from_slice(&position.y.to_le_bytes());
    let place = place.and_then(|index| u16::try_from(index).ok()).filter(|index| *index != NO_PLACE);
    bytes.extend_from_slice(&place.unwrap_or(NO_PLACE).to_le_bytes());
}

/// The index of a place in `map.places`, as entries carry it.
pub fn place_index(map: &TownMap, place: Option<&PlaceId>) -> Option<usize> {
    place.and_then(|id| map.places.iter().position(|candidate| &candidate.id == id))
}

/// Reads a positions frame; places are looked up in `places` (the map's; an unknown index reads
/// as none, so a reader with no map passes none and reads no places).
pub fn decode(bytes: &[u8], places: &[Place]) -> Result<PositionsFrame, FrameError> {
    if bytes.len() < HEADER_BYTES || bytes[0] != POSITIONS_FRAME {
        return Err(FrameError::NotPositions);
    }
    let body = &bytes[HEADER_BYTES..];
    if !body.len().is_multiple_of(ENTRY_BYTES) {
        return Err(FrameError::Ragged(bytes.len()));
    }
    let f32_at = |at: usize| f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let interest = Area { left: f32_at(1), bottom: f32_at(5), right: f32_at(9), top: f32_at(13) };
    let moves = body
        .chunks_exact(ENTRY_BYTES)
        .map(|entry| {
            let mut id = [0; 8];
            id.copy_from_slice(&entry[..8]);
            let x = f32::from_le_bytes([entry[8], entry[9], entry[10], entry[11]]);
            let y = f32::from_le_bytes([entry[12], entry[13], entry[14], entry[15]]);
            let place = u16::from_le_bytes([entry[16], entry[17]]);
            Movement {
                id: ParticipantId(i64::from_le_bytes(id)),
                position: Position::new(x, y),
                place: places.get(place as usize).map(|place| place.id.clone()),
            }
        })
        .collect();
    Ok(PositionsFrame { interest, moves })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn town() -> TownMap {
        TownMap::from_ron(include_str!("../../assets/maps/town.ron")).expect("town.ron")
    }

    #[test]
    fn a_frame_reads_back_as_written() {
        let map = town();
        let interest = Area { left: 0.0, bottom: 64.0, right: 1536.0, top: 832.0 };
        let mut bytes = frame_header(interest).to_vec();
        let hall = PlaceId("hall-1".into());
        push_entry(&mut bytes, ParticipantId(7), Position::new(100.5, 200.25), place_index(&map, Some(&hall)));
        push_entry(&mut bytes, ParticipantId(-3), Position::new(0.0, 1.0), None);
        assert_eq!(bytes.len(), HEADER_BYTES + 2 * ENTRY_BYTES);
        let frame = decode(&bytes, &map.places).expect("frame");
        assert_eq!(frame.interest, interest);
        assert_eq!(
            frame.moves,
            vec![
                Movement { id: ParticipantId(7), position: Position::new(100.5, 200.25), place: Some(hall) },
                Movement { id: ParticipantId(-3), position: Position::new(0.0, 1.0), place: None },
            ]
        );
        assert!(interest.contains(Position::new(0.0, 64.0)));
        assert!(!interest.contains(Position::new(1536.0, 100.0)));
    }

    #[test]
    fn broken_frames_are_refused() {
        let map = town();
        assert_eq!(decode(&[], &map.places), Err(FrameError::NotPositions));
        assert_eq!(decode(&[2; HEADER_BYTES], &map.places), Err(FrameError::NotPositions));
        let mut bytes = frame_header(Area::default()).to_vec();
        bytes.push(0);
        assert_eq!(decode(&bytes, &map.places), Err(FrameError::Ragged(HEADER_BYTES + 1)));
        let mut unknown_place = frame_header(Area::default()).to_vec();
        push_entry(&mut unknown_place, ParticipantId(1), Position::new(1.0, 1.0), Some(999));
        assert_eq!(decode(&unknown_place, &map.places).expect("frame").moves[0].place, None);
    }
}
