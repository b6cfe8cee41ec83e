//! The town's live state: who is present, where, and which pairs are introduced as peers.
//! Pure logic with no I/O: each person has an outbox, and every change is a message put in
//! the right outboxes. The server is the authority on places and introductions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use protocol::{
    ClientMessage, CloseCode, Movement, ParticipantId, Participation, PeerId, Person, PlaceKind, Position, RejectCode,
    ServerMessage, TownMap,
};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::store::Account;

/// Two people in open places are introduced when they come this close (pixels; 5 tiles).
pub const INTRODUCE_RADIUS: f32 = 160.0;
/// ... and separated when they move further apart than this (7 tiles), so that people at the
/// edge do not flicker between introduced and not.
pub const SEPARATE_RADIUS: f32 = 224.0;
/// Most peers one person is introduced to at once (the nearest first).
pub const MAX_PEERS_PER_PERSON: usize = 8;
/// Messages queued for one connection before it counts as stuck and is dropped.
pub const OUTBOX_CAPACITY: usize = 512;
/// How far from the spawn tile newcomers may appear, in tiles, when it is taken.
const ARRIVAL_REACH: i64 = 4;
/// Spacing of arrival spots (columns, rows): an avatar with its name tag and badge below is
/// about two tiles wide and three tall, so spots this far apart do not overlap.
const ARRIVAL_SPACING: (i64, i64) = (2, 3);

/// Where the server puts messages for one connection.
pub type Outbox = mpsc::Sender<ServerMessage>;

/// One open WebSocket, so a stale connection cannot remove its successor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionId(u64);

struct Present {
    person: Person,
    session_id: i64,
    connection: ConnectionId,
    outbox: Outbox,
    moved: bool,
}

/// One side of an introduction: `owner` knows `other` under this link's id.
struct Link {
    owner: ParticipantId,
    other: ParticipantId,
    /// The id under which `other` knows `owner`.
    reverse: PeerId,
}

/// An introduced pair, `low < high`, with the link id each side uses for the other.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Pair {
    low: ParticipantId,
    high: ParticipantId,
}

/// The live town.
pub struct Town {
    map: Arc<TownMap>,
    people: BTreeMap<ParticipantId, Present>,
    links: HashMap<PeerId, Link>,
    pairs: HashMap<Pair, (PeerId, PeerId)>,
    next_connection: u64,
}

impl Town {
    /// An empty town on `map`.
    pub fn new(map: Arc<TownMap>) -> Town {
        Town { map, people: BTreeMap::new(), links: HashMap::new(), pairs: HashMap::new(), next_connection: 0 }
    }

    /// Number of people present.
    pub fn population(&self) -> usize {
        self.people.len()
    }

    /// Someone connected. A previous connection of the same account is closed first.
    pub fn join(&mut self, account: Account, session_id: i64, outbox: Outbox) -> ConnectionId {
        if let Some(previous) = self.people.get(&account.id) {
            send(&previous.outbox, ServerMessage::Closing { code: CloseCode::OpenedElsewhere });
            self.remove(account.id);
        }
        let position = self.arrival_position();
        let person = Person {
            id: account.id,
            nickname: account.nickname,
            avatar: account.avatar,
            role: account.role,
            position,
            place: self.map.place_at(position).map(|place| place.id.clone()),
            // Every entry starts at 聞くだけ, microphone and camera off.
            participation: Participation::default(),
        };
        let people = self.people.values().map(|present| present.person.clone()).collect();
        send(&outbox, ServerMessage::Welcome { you: person.clone(), peer_id: new_peer_id(), people });
        self.broadcast(ServerMessage::Joined { person: person.clone() });
        self.next_connection += 1;
        let connection = ConnectionId(self.next_connection);
        self.people.insert(person.id, Present { person, session_id, connection, outbox, moved: false });
        connection
    }

    /// Where a newcomer appears: the spawn tile, or else the nearest free spot around it in the
    /// same place, so that people arriving together do not stand (and their name tags do not
    /// overlap) on one spot: first spots spaced by [`ARRIVAL_SPACING`], then any free floor
    /// tile. When all are taken, the spawn tile.
    fn arrival_position(&self) -> Position {
        let map = &self.map;
        let (col, row) = (i64::from(map.spawn.0), i64::from(map.spawn.1));
        let arrival_place = map.place_at(map.spawn_position()).map(|place| &place.id);
        let taken: HashSet<(u32, u32)> =
            self.people.values().filter_map(|present| map.tile_at(present.person.position)).collect();
        let mut free: Vec<(bool, i64, (u32, u32))> = Vec::new();
        for dr in -ARRIVAL_REACH..=ARRIVAL_REACH {
            for dc in -ARRIVAL_REACH..=ARRIVAL_REACH {
                let (Ok(c), Ok(r)) = (u32::try_from(col + dc), u32::try_from(row + dr)) else { continue };
                let same_place = map.place_at(map.tile_center(c, r)).map(|place| &place.id) == arrival_place;
                if map.is_walkable(c, r) && same_place && !taken.contains(&(c, r)) {
                    let spaced = dc % ARRIVAL_SPACING.0 == 0 && dr % ARRIVAL_SPACING.1 == 0;
                    // Along the row first (rows apart look farther apart), then below.
                    free.push((!spaced, dc * dc + 4 * dr * dr, (c, r)));
                }
            }
        }
        // Spaced spots first, nearest first; below before above (the guide board's text hangs
        // above the spawn tile), then left before right, so arrivals are predictable.
        free.sort_by_key(|(crowded, distance, (c, r))| (*crowded, *distance, std::cmp::Reverse(*r), *c));
        free.first().map_or_else(|| map.spawn_position(), |(_, _, (c, r))| map.tile_center(*c, *r))
    }

    /// A connection ended. Ignored when that connection was already replaced.
    pub fn leave(&mut self, id: ParticipantId, connection: ConnectionId) {
        if self.people.get(&id).is_some_and(|present| present.connection == connection) {
            self.remove(id);
        }
    }

    /// Closes every connection of a session (signed out or revoked).
    pub fn close_session(&mut self, session_id: i64, code: CloseCode) {
        let ids: Vec<_> =
            self.people.values().filter(|present| present.session_id == session_id).map(|p| p.person.id).collect();
        for id in ids {
            if let Some(present) = self.people.get(&id) {
                send(&present.outbox, ServerMessage::Closing { code });
            }
            self.remove(id);
        }
    }

    /// A message from a connected person. Bad input changes nothing and is answered with the
    /// reason.
    pub fn handle(&mut self, from: ParticipantId, message: ClientMessage) -> Result<(), RejectCode> {
        match message {
            ClientMessage::Move { position } => self.move_person(from, position),
            ClientMessage::Signal { to, signal } => {
                let link = self.links.get(&to).filter(|link| link.owner == from).ok_or(RejectCode::UnknownPeer)?;
                let target = self.people.get(&link.other).ok_or(RejectCode::UnknownPeer)?;
                send(&target.outbox, ServerMessage::Signal { from: link.reverse, signal });
                Ok(())
            }
            ClientMessage::SetParticipation { participation } => {
                let present = self.people.get_mut(&from).ok_or(RejectCode::UnknownPeer)?;
                if present.person.participation != participation {
                    present.person.participation = participation;
                    self.broadcast_except(from, ServerMessage::ParticipationChanged { id: from, participation });
                }
                Ok(())
            }
            ClientMessage::KeepAlive => Ok(()),
        }
    }

    fn move_person(&mut self, id: ParticipantId, position: Position) -> Result<(), RejectCode> {
        let walkable = self.map.tile_at(position).is_some_and(|(col, row)| self.map.is_walkable(col, row));
        if !walkable {
            return Err(RejectCode::BadPosition);
        }
        let place = self.map.place_at(position).map(|place| place.id.clone());
        let present = self.people.get_mut(&id).ok_or(RejectCode::UnknownPeer)?;
        present.person.position = position;
        present.person.place = place;
        present.moved = true;
        Ok(())
    }

    /// One beat of the town (10 per second): sends the batched movements, then updates
    /// introductions.
    pub fn tick(&mut self) {
        self.send_movements();
        self.update_introductions();
    }

    fn send_movements(&mut self) {
        let moves: Vec<Movement> = self
            .people
            .values_mut()
            .filter_map(|present| {
                std::mem::take(&mut present.moved).then(|| Movement {
                    id: present.person.id,
                    position: present.person.position,
                    place: present.person.place.clone(),
                })
            })
            .collect();
        if moves.is_empty() {
            return;
        }
        for present in self.people.values() {
            let others: Vec<Movement> = moves.iter().filter(|m| m.id != present.person.id).cloned().collect();
            if !others.is_empty() {
                send(&present.outbox, ServerMessage::Moved { moves: others });
            }
        }
    }

    fn update_introductions(&mut self) {
        let wanted = self.wanted_pairs();
        let gone: Vec<Pair> = self.pairs.keys().filter(|pair| !wanted.contains(pair)).copied().collect();
        for pair in gone {
            self.separate(pair);
        }
        let mut new: Vec<Pair> = wanted.into_iter().filter(|pair| !self.pairs.contains_key(pair)).collect();
        new.sort_by_key(|pair| (pair.low, pair.high));
        for pair in new {
            self.introduce(pair);
        }
    }

    /// Which pairs should be peers now: people in the same booth or hall, and people in open
    /// places near each other; the nearest first, at most [`MAX_PEERS_PER_PERSON`] each.
    fn wanted_pairs(&self) -> HashSet<Pair> {
        let people: Vec<&Person> = self.people.values().map(|present| &present.person).collect();
        let mut candidates = Vec::new();
        for (index, a) in people.iter().enumerate() {
            for b in &people[index + 1..] {
                let pair = Pair { low: a.id.min(b.id), high: a.id.max(b.id) };
                let distance = a.position.distance(b.position);
                let radius = if self.pairs.contains_key(&pair) { SEPARATE_RADIUS } else { INTRODUCE_RADIUS };
                let (kind_a, kind_b) = (self.place_kind(a), self.place_kind(b));
                let enclosed = kind_a.is_some_and(PlaceKind::is_enclosed) || kind_b.is_some_and(PlaceKind::is_enclosed);
                let together = if enclosed { a.place == b.place } else { distance <= radius };
                if together {
                    candidates.push((distance, pair));
                }
            }
        }
        candidates.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut counts: HashMap<ParticipantId, usize> = HashMap::new();
        let mut wanted = HashSet::new();
        for (_, pair) in candidates {
            let (low, high) =
                (counts.get(&pair.low).copied().unwrap_or(0), counts.get(&pair.high).copied().unwrap_or(0));
            if low < MAX_PEERS_PER_PERSON && high < MAX_PEERS_PER_PERSON {
                *counts.entry(pair.low).or_default() += 1;
                *counts.entry(pair.high).or_default() += 1;
                wanted.insert(pair);
            }
        }
        wanted
    }

    fn place_kind(&self, person: &Person) -> Option<PlaceKind> {
        person.place.as_ref().and_then(|id| self.map.place(id)).map(|place| place.kind)
    }

    fn introduce(&mut self, pair: Pair) {
        let (Some(low), Some(high)) = (self.people.get(&pair.low), self.people.get(&pair.high)) else {
            return;
        };
        let (low_link, high_link) = (new_peer_id(), new_peer_id());
        // The lower id makes the offer, so exactly one side does.
        send(&low.outbox, ServerMessage::Introduce { link: low_link, person: pair.high, offer: true });
        send(&high.outbox, ServerMessage::Introduce { link: high_link, person: pair.low, offer: false });
        self.links.insert(low_link, Link { owner: pair.low, other: pair.high, reverse: high_link });
        self.links.insert(high_link, Link { owner: pair.high, other: pair.low, reverse: low_link });
        self.pairs.insert(pair, (low_link, high_link));
    }

    fn separate(&mut self, pair: Pair) {
        let Some((low_link, high_link)) = self.pairs.remove(&pair) else {
            return;
        };
        self.links.remove(&low_link);
        self.links.remove(&high_link);
        if let Some(low) = self.people.get(&pair.low) {
            send(&low.outbox, ServerMessage::Separate { link: low_link });
        }
        if let Some(high) = self.people.get(&pair.high) {
            send(&high.outbox, ServerMessage::Separate { link: high_link });
        }
    }

    fn remove(&mut self, id: ParticipantId) {
        let theirs: Vec<Pair> = self.pairs.keys().filter(|pair| pair.low == id || pair.high == id).copied().collect();
        for pair in theirs {
            self.separate(pair);
        }
        if self.people.remove(&id).is_some() {
            self.broadcast(ServerMessage::Left { id });
        }
    }

    fn broadcast_except(&self, except: ParticipantId, message: ServerMessage) {
        for present in self.people.values().filter(|present| present.person.id != except) {
            send(&present.outbox, message.clone());
        }
    }

    fn broadcast(&self, message: ServerMessage) {
        for present in self.people.values() {
            send(&present.outbox, message.clone());
        }
    }

    /// Drops the people whose outbox is full: their connection is stuck, and waiting for it
    /// would hold up everyone else.
    pub fn drop_stuck(&mut self) {
        let stuck: Vec<_> =
            self.people.values().filter(|present| present.outbox.capacity() == 0).map(|p| p.person.id).collect();
        for id in stuck {
            tracing::warn!(account = id.0, "dropping a connection that stopped reading");
            self.remove(id);
        }
    }
}

fn new_peer_id() -> PeerId {
    PeerId(Uuid::new_v4())
}

fn send(outbox: &Outbox, message: ServerMessage) {
    // A full outbox means a stuck connection; `drop_stuck` removes it on the next tick.
    let _ = outbox.try_send(message);
}
