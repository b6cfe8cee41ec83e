//! Introductions: which pairs of people should be peers at each beat, and the links made and
//! ended to match. The search is the beat's largest piece of work, so it runs on a copy of where
//! everyone stands ([`PairSearch`], taken under the town's lock): the town's ticker runs it with
//! the lock released, and applies its result ([`WantedPairs`]) under the lock again.

use protocol::{ParticipantId, PlaceKind, Position};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::blocks::Blocks;
use super::{
    CANDIDATES_PER_PERSON, INTRODUCE_RADIUS, MAX_PEERS_PER_PERSON, PEER_KEEP_FACTOR, Pair, SEPARATE_RADIUS, Town,
};
use crate::presence::interest::{CELL, Grid, ring_cells};

/// One person as the pair search sees them.
#[derive(Debug, Clone)]
struct Standing {
    id: ParticipantId,
    position: Position,
    /// The enclosed place (index in the map) and table they are at, if in one.
    group: Option<(usize, Option<u32>)>,
    /// The booth (index in the map) they are in, if in one.
    booth: Option<usize>,
    away: bool,
    do_not_disturb: bool,
}

/// Everything the pair search needs, copied from the town.
pub struct PairSearch {
    /// Everyone, in id order.
    people: Vec<Standing>,
    /// The pairs introduced now.
    peers: Vec<Pair>,
    blocks: Blocks,
    grid: Grid,
}

/// The pairs that should be peers, as the search found them.
pub struct WantedPairs(HashSet<Pair>);

impl Town {
    /// Where everyone stands, for the pair search.
    pub fn pair_search(&self) -> PairSearch {
        let people = self
            .people
            .values()
            .map(|present| {
                let person = &present.person;
                let place = present.place;
                let kind = place.map(|index| self.map.places[index].kind);
                let enclosed = kind.is_some_and(PlaceKind::is_enclosed);
                Standing {
                    id: person.id,
                    position: person.position,
                    // In a hall with tables, each table talks among itself, and the rest of the
                    // hall among itself.
                    group: enclosed.then(|| (place.unwrap_or_default(), self.map.table_at(person.position))),
                    booth: place.filter(|_| kind == Some(PlaceKind::Booth)),
                    away: present.away_since.is_some(),
                    do_not_disturb: person.do_not_disturb,
                }
            })
            .collect();
        PairSearch { people, peers: self.pairs.keys().copied().collect(), blocks: self.blocks.clone(), grid: self.grid }
    }

    /// Separates the pairs no longer wanted and introduces the new ones. People who left since
    /// the search are not introduced (`introduce` finds them gone).
    pub(super) fn apply_introductions(&mut self, WantedPairs(wanted): WantedPairs) {
        // A pair whose link should now be relayed, or no longer (two who met in the open walk
        // into a booth together), is separated and introduced afresh: a booth's links are
        // always relay-only when a relay is configured.
        let gone: Vec<Pair> = self
            .pairs
            .iter()
            .filter(|(pair, (low_link, _))| {
                !wanted.contains(pair)
                    || self.links.get(low_link).is_some_and(|link| link.relay_only != self.relayed_pair(pair))
            })
            .map(|(pair, _)| *pair)
            .collect();
        for pair in gone {
            self.separate(pair);
        }
        let mut new: Vec<Pair> = wanted.into_iter().filter(|pair| !self.pairs.contains_key(pair)).collect();
        new.sort_by_key(|pair| (pair.low, pair.high));
        for pair in new {
            self.introduce(pair);
        }
    }
}

impl PairSearch {
    /// Which pairs should be peers now: people in the same booth, at the same table of a hall
    /// (or both at none), and people in open places near each other, unless either asked not to
    /// be spoken to; the nearest first, at most [`MAX_PEERS_PER_PERSON`] each. The search runs on
    /// the grid (open places) and per table (enclosed ones), looking at each person's nearest
    /// [`CANDIDATES_PER_PERSON`] and their current peers: a crowd costs a bounded amount.
    pub fn wanted(&self) -> WantedPairs {
        let (people, grid) = (&self.people, self.grid);
        let peers: HashSet<Pair> = self.peers.iter().copied().collect();
        let index_of: HashMap<ParticipantId, usize> = people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let mut cells: Vec<Vec<usize>> = vec![Vec::new(); grid.cells()];
        let mut groups: HashMap<(usize, Option<u32>), Vec<usize>> = HashMap::default();
        for (index, person) in people.iter().enumerate() {
            match person.group {
                Some(group) => groups.entry(group).or_default().push(index),
                None => cells[grid.index(grid.cell_of(person.position))].push(index),
            }
        }
        let may_talk = |a: usize, b: usize, peers: bool| {
            let (x, y) = (&people[a], &people[b]);
            // Nobody is newly introduced to someone whose page is away: it could not answer.
            let reachable = peers || !(x.away || y.away);
            // 「話しかけないでください」: nobody's voice or chat reaches them by nearness (a booth
            // they walked into with a counselor is not nearness).
            let same_booth = x.booth.is_some() && x.booth == y.booth;
            let open_to_talk = same_booth || !(x.do_not_disturb || y.do_not_disturb);
            reachable && open_to_talk && !self.blocks.between(x.id, y.id)
        };
        let are_peers = |a: usize, b: usize| {
            let (x, y) = (people[a].id, people[b].id);
            peers.contains(&Pair { low: x.min(y), high: x.max(y) })
        };
        let mut candidates: Vec<(f32, usize, usize)> = Vec::new();
        let mut near: Vec<(f32, usize)> = Vec::new();
        let rings = (SEPARATE_RADIUS / CELL).ceil() as i32;
        for (index, a) in people.iter().enumerate() {
            near.clear();
            if let Some(group) = a.group {
                for &other in groups.get(&group).into_iter().flatten() {
                    if other != index {
                        near.push((a.position.distance(people[other].position), other));
                    }
                }
            } else {
                // Ring by ring outwards, until enough people nearer than the next ring are found.
                let centre = grid.cell_of(a.position);
                for ring in 0..=rings {
                    for cell in ring_cells(centre, ring).filter_map(|cell| grid.checked_index(cell)) {
                        for &other in &cells[cell] {
                            let distance = a.position.distance(people[other].position);
                            if other != index && distance <= SEPARATE_RADIUS {
                                near.push((distance, other));
                            }
                        }
                    }
                    let sure = near.iter().filter(|(distance, _)| *distance <= ring as f32 * CELL).count();
                    if sure >= CANDIDATES_PER_PERSON {
                        break;
                    }
                }
            }
            if near.len() > CANDIDATES_PER_PERSON {
                near.select_nth_unstable_by(CANDIDATES_PER_PERSON - 1, |x, y| x.0.total_cmp(&y.0));
                near.truncate(CANDIDATES_PER_PERSON);
            }
            for &(distance, other) in &near {
                let peers = are_peers(index, other);
                let radius = if peers { SEPARATE_RADIUS } else { INTRODUCE_RADIUS };
                if (a.group.is_some() || distance <= radius) && may_talk(index, other, peers) {
                    let rank = if peers { distance * PEER_KEEP_FACTOR } else { distance };
                    candidates.push((rank, index.min(other), index.max(other)));
                }
            }
        }
        // Current peers still together stay candidates, however crowded it is around them.
        for pair in &self.peers {
            let (Some(&a), Some(&b)) = (index_of.get(&pair.low), index_of.get(&pair.high)) else { continue };
            let distance = people[a].position.distance(people[b].position);
            let together = match (people[a].group, people[b].group) {
                (None, None) => distance <= SEPARATE_RADIUS,
                (x, y) => x == y,
            };
            if together && may_talk(a, b, true) {
                candidates.push((distance * PEER_KEEP_FACTOR, a.min(b), a.max(b)));
            }
        }
        // A pair found from both sides (or as current peers too) has the same rank each time
        // (distance is symmetric, and so is being peers), so one sort puts its copies together.
        candidates.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then((x.1, x.2).cmp(&(y.1, y.2))));
        candidates.dedup_by(|x, y| (x.1, x.2) == (y.1, y.2));
        let mut counts = vec![0usize; people.len()];
        let mut wanted = HashSet::default();
        for (_, a, b) in candidates {
            if counts[a] < MAX_PEERS_PER_PERSON && counts[b] < MAX_PEERS_PER_PERSON {
                counts[a] += 1;
                counts[b] += 1;
                let (x, y) = (people[a].id, people[b].id);
                wanted.insert(Pair { low: x.min(y), high: x.max(y) });
            }
        }
        WantedPairs(wanted)
    }
}
