//! The beat's positions: every beat, the town's people are put in the grid's cells and each
//! cell's entries are encoded once (who moved now, who is due at the reduced rate, everyone
//! there). Each connection is handed the beat (shared) with where its person stands, and builds
//! its own frame from the cells in their interest (`presence::interest`), outside the town's
//! lock and on any core. Cells that come into someone's interest are sent whole (enter); a
//! person whose last told position lies outside their interest area is out of view (leave).
//! People in a booth are in no cell: only the others in that booth are told where they are.
//!
//! A page that reads too slowly never blocks the town: its beats wait in a short queue, and
//! when that is full the beat is dropped and the next frame tells everything in view again
//! (newer positions supersede the dropped ones).

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use protocol::positions::{HEADER_BYTES, frame_header, push_entry};
use protocol::{PlaceKind, Position};
use tokio::sync::mpsc;

use super::Town;
use crate::presence::interest::{Grid, Interest, REDUCED_EVERY};

/// Where the server puts the beats for one connection.
pub type PositionsOutbox = mpsc::Sender<Beat>;
/// Beats queued for one connection before the next one is dropped (and the frame after tells
/// everything again).
pub const POSITIONS_BACKLOG: usize = 4;

/// What the town keeps of one person between beats, for encoding the next.
#[derive(Debug, Default)]
pub(super) struct Told {
    /// The cell they stood in at the last beat (none in a booth).
    pub cell: Option<usize>,
    /// The booth (index in the map) they stood in at the last beat.
    pub booth: Option<usize>,
    /// The beat they last moved on.
    pub last_moved: Option<u64>,
    /// Their place changed since the last beat: everyone in the town is told (the list view
    /// shows who is where), not only those who see them.
    pub place_changed: bool,
}

/// The entries of one beat, encoded once and shared by every connection.
#[derive(Debug)]
pub struct BeatChunks {
    /// Which beat this is (one more than the last): a connection that finds one missing tells
    /// everything again.
    number: u64,
    grid: Grid,
    /// People in each cell who moved this beat (and those who left it this beat, where to).
    moved: Vec<Bytes>,
    /// People in each cell due at the reduced rate this beat (and those who left or came).
    reduced: Vec<Bytes>,
    /// Everyone in each cell.
    all: Vec<Bytes>,
    /// People in each cell.
    counts: Vec<u32>,
    /// People who moved in each booth (by place index).
    booths: std::collections::HashMap<usize, Bytes>,
    /// People whose place changed, wherever they are (not in booths).
    place_changes: Bytes,
}

/// One beat as handed to one connection: the shared entries, and where its person stands.
#[derive(Debug)]
pub struct Beat {
    chunks: Arc<BeatChunks>,
    position: Position,
    view: (f32, f32),
    booth: Option<usize>,
}

/// What one connection has told its page of positions; turns beats into frames.
#[derive(Debug, Default)]
pub struct PositionsReader {
    /// The interest of the last frame; none when the page must be told everything in view
    /// again (new, back, or a beat was dropped).
    told: Option<Interest>,
    last_beat: Option<u64>,
}

impl PositionsReader {
    /// This beat's frame for the page, or none when there is nothing new to tell.
    pub fn frame(&mut self, beat: &Beat) -> Option<Bytes> {
        let chunks = &beat.chunks;
        if self.last_beat.is_some_and(|last| last + 1 != chunks.number) {
            // A beat was dropped while the page read too slowly.
            self.told = None;
        }
        self.last_beat = Some(chunks.number);
        let grid = chunks.grid;
        let interest = grid.interest(&chunks.counts, beat.position, beat.view);
        let told = self.told;
        let mut parts: Vec<&Bytes> = Vec::new();
        for (x, y) in interest.rect.cells() {
            let cell = grid.index((x, y));
            let was_in = told.is_some_and(|told| told.rect.contains(x, y));
            let was_full = told.is_some_and(|told| told.is_full(x, y));
            let full = interest.is_full(x, y);
            let chunk = if !was_in || (full && !was_full) {
                &chunks.all[cell]
            } else if full {
                &chunks.moved[cell]
            } else {
                &chunks.reduced[cell]
            };
            if !chunk.is_empty() {
                parts.push(chunk);
            }
        }
        parts.extend(beat.booth.and_then(|index| chunks.booths.get(&index)));
        if !chunks.place_changes.is_empty() {
            parts.push(&chunks.place_changes);
        }
        if parts.is_empty() && told == Some(interest) {
            return None;
        }
        let mut frame = BytesMut::with_capacity(HEADER_BYTES + parts.iter().map(|part| part.len()).sum::<usize>());
        frame.extend_from_slice(&frame_header(grid.area(interest.rect)));
        for part in parts {
            frame.extend_from_slice(part);
        }
        self.told = Some(interest);
        Some(frame.freeze())
    }
}

impl Town {
    /// Hands every connection this beat's positions (its frame is built by the connection).
    pub(super) fn send_positions(&mut self) {
        let chunks = Arc::new(self.encode_chunks());
        for present in self.people.values() {
            if present.away_since.is_some() {
                continue;
            }
            let beat = Beat {
                chunks: chunks.clone(),
                position: present.person.position,
                view: present.view,
                booth: present.told.booth,
            };
            // Full (too slow to read) or gone: the beat is dropped, and the connection, finding
            // it missing, tells everything in view again.
            let _ = present.positions.try_send(beat);
        }
    }

    /// Puts everyone in their cell and encodes the beat's entries once.
    fn encode_chunks(&mut self) -> BeatChunks {
        let grid = self.grid;
        let map = self.map.clone();
        let tick = self.ticks;
        let cells = grid.cells();
        let (mut moved, mut reduced, mut all) =
            (vec![Vec::new(); cells], vec![Vec::new(); cells], vec![Vec::new(); cells]);
        let mut counts = vec![0u32; cells];
        let mut booths: std::collections::HashMap<usize, Vec<u8>> = std::collections::HashMap::new();
        let mut place_changes = Vec::new();
        for present in self.people.values_mut() {
            let moved_now = std::mem::take(&mut present.moved);
            if moved_now {
                present.told.last_moved = Some(tick);
            }
            let place_changed = std::mem::take(&mut present.told.place_changed);
            let person = &present.person;
            let place = present.place;
            let entry = |bytes: &mut Vec<u8>| push_entry(bytes, person.id, person.position, place);
            let booth = place.filter(|index| map.places[*index].kind == PlaceKind::Booth);
            present.told.booth = booth;
            if let Some(booth) = booth {
                if moved_now {
                    entry(booths.entry(booth).or_default());
                }
                present.told.cell = None;
                continue;
            }
            let cell = grid.index(grid.cell_of(person.position));
            counts[cell] += 1;
            entry(&mut all[cell]);
            let recent = present.told.last_moved.is_some_and(|beat| tick - beat < REDUCED_EVERY);
            let due = (person.id.0.wrapping_add(tick as i64)).rem_euclid(REDUCED_EVERY as i64) == 0;
            let left = present.told.cell.filter(|old| moved_now && *old != cell);
            if moved_now {
                entry(&mut moved[cell]);
            }
            if (recent && due) || left.is_some() {
                entry(&mut reduced[cell]);
            }
            // Those who see only the cell they left learn where they went (out of their view).
            if let Some(old) = left {
                entry(&mut moved[old]);
                entry(&mut reduced[old]);
            }
            if place_changed {
                entry(&mut place_changes);
            }
            present.told.cell = Some(cell);
        }
        let freeze = |chunks: Vec<Vec<u8>>| chunks.into_iter().map(Bytes::from).collect::<Vec<_>>();
        BeatChunks {
            number: tick,
            grid,
            moved: freeze(moved),
            reduced: freeze(reduced),
            all: freeze(all),
            counts,
            booths: booths.into_iter().map(|(booth, bytes)| (booth, Bytes::from(bytes))).collect(),
            place_changes: Bytes::from(place_changes),
        }
    }
}
