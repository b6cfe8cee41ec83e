//! The town's live state: who is present, where, and which pairs are introduced as peers.
//! Pure logic with no I/O: each person has an outbox, and every change is a message put in
//! the right outboxes. The server is the authority on places and introductions; the booths'
//! rules (`places::booth`) decide who may step into a booth, and people inside a booth are
//! seen only by the others inside it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use protocol::locale::Phrase;
use protocol::positions::place_index;
use protocol::{
    BoothRequest, BoothSign, ClientMessage, CloseCode, Desk, HelpCall, HelpRequest, HelpStatus, IceServer, KNOCK_REACH,
    LinkInfo, ParticipantId, Participation, PeerId, Person, PlaceId, PlaceKind, Position, RejectCode, Role,
    ServerMessage, Ticket, TownMap,
};
use rand::Rng;
// The town's maps are keyed by its own ids and are looked up many times a beat: a fast hasher.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use tokio::sync::mpsc;
use uuid::Uuid;

mod blocks;
mod care;
mod gallery;
mod halls;
mod hours;
mod introductions;
mod overview;
mod positions;

use blocks::Blocks;
pub use care::{CareRefused, MAX_HOLD_MINUTES};
pub use introductions::{PairSearch, WantedPairs};
use positions::Told;
pub use positions::{Beat, POSITIONS_BACKLOG, PositionsOutbox, PositionsReader};

use super::help::{HelpCalls, reply_text};
use super::interest::{DEFAULT_VIEW, Grid};
use super::relay::relay_only;
use super::snapshot::{SavedPair, SavedPerson, TownSnapshot};
use super::walking::{WalkBudget, crosses_wall};
use crate::places::booth::{BoothTimes, Booths, Reservation};
use crate::places::gallery::Galleries;
use crate::places::hall::Halls;
use crate::sfu::{HallPlan, Sfu};
use crate::store::Account;

/// Two people in open places are introduced when they come this close (pixels; 12 tiles):
/// well before they can hear each other (4.5 tiles, `game::voice::ENTER_RADIUS`), so that the
/// connection is made while they walk up and the voice starts as they arrive. Nothing is sent
/// over it until then: each page sends its microphone only to those who hear it, and chat
/// only to those within 6 tiles.
pub const INTRODUCE_RADIUS: f32 = 384.0;
/// ... and separated when they move further apart than this (14 tiles), so that people at the
/// edge do not flicker between introduced and not.
pub const SEPARATE_RADIUS: f32 = 448.0;
/// Most peers one person is introduced to at once (the nearest first).
pub const MAX_PEERS_PER_PERSON: usize = 8;
/// When the places among someone's peers are handed out (the nearest first), a current peer
/// counts as this much nearer than they are: someone walking about in a crowd does not change
/// who is connected at every step, yet a newcomer who comes twice as near still gets a place.
pub const PEER_KEEP_FACTOR: f32 = 0.5;
/// Most people looked at for one person's introductions (the nearest), besides their peers.
pub const CANDIDATES_PER_PERSON: usize = 16;
/// Messages queued for one connection before it counts as stuck and is dropped.
pub const OUTBOX_CAPACITY: usize = 512;
/// How far from the spawn tile newcomers may appear, in tiles, when it is taken.
const ARRIVAL_REACH: i64 = 4;
/// Spacing of arrival spots (columns, rows): an avatar with its name tag and badge below is
/// about two tiles wide and three tall, so spots this far apart do not overlap.
const ARRIVAL_SPACING: (i64, i64) = (2, 3);

/// Where the server puts messages for one connection.
pub type Outbox = mpsc::Sender<Outgoing>;

/// A message for one connection: its own, or one encoded once for everyone it goes to.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// A message for this connection alone, encoded when it is written.
    Message(ServerMessage),
    /// A message's JSON, shared with everyone else it goes to.
    Encoded(axum::extract::ws::Utf8Bytes),
}

impl Outgoing {
    /// The message itself (an encoded one read back; for tests and tools).
    pub fn message(self) -> Option<ServerMessage> {
        match self {
            Outgoing::Message(message) => Some(message),
            Outgoing::Encoded(text) => serde_json::from_str(text.as_str()).ok(),
        }
    }

    /// The JSON text to write.
    pub fn text(self) -> axum::extract::ws::Utf8Bytes {
        match self {
            Outgoing::Message(message) => encode(&message),
            Outgoing::Encoded(text) => text,
        }
    }
}

/// A message's JSON once, to share between all it goes to.
fn encode(message: &ServerMessage) -> axum::extract::ws::Utf8Bytes {
    // Serializing these plain types cannot fail; an empty object would be ignored by clients.
    serde_json::to_string(message).unwrap_or_else(|_| "{}".into()).into()
}

/// Where the server puts what goes to one connection: messages, and the beat's position frames.
pub struct Mailbox {
    /// Messages (JSON on the wire).
    pub messages: Outbox,
    /// Position frames (binary on the wire).
    pub positions: PositionsOutbox,
}

impl Mailbox {
    /// A mailbox whose connection is gone: what is put in it is dropped.
    fn closed() -> Mailbox {
        Mailbox { messages: closed_outbox(), positions: mpsc::channel(1).0 }
    }
}

/// One open WebSocket, so a stale connection cannot remove its successor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionId(u64);

struct Present {
    person: Person,
    session_id: i64,
    /// The browser page (tab) this presence belongs to: a page reconnecting with the same id
    /// resumes it.
    page: Option<Uuid>,
    connection: ConnectionId,
    outbox: Outbox,
    positions: PositionsOutbox,
    /// How much of the town their screen shows (world pixels).
    view: (f32, f32),
    /// What they were last told of positions.
    told: Told,
    /// Since when the connection has been gone, while the person is kept where they were.
    away_since: Option<Instant>,
    /// How far they may still walk right now.
    walk: WalkBudget,
    moved: bool,
    /// The booth ticket and desk this person was last sent.
    ticket: Option<Ticket>,
    desk: Option<Desk>,
    /// The calls for help and our own call's state this person was last sent.
    help_calls: Vec<HelpCall>,
    help_status: Option<HelpStatus>,
    /// The view of their hall this person was last sent.
    hall_view: Option<protocol::HallView>,
    /// The showing of their gallery this person was last sent.
    showing: Option<protocol::Showing>,
    /// Since when they are in the town (this server's clock; a restart starts it again).
    arrived: Instant,
    /// The index in the map of their place (`person.place`), kept with it: looked at every beat.
    place: Option<usize>,
}

impl Present {
    fn new(
        person: Person,
        session_id: i64,
        page: Option<Uuid>,
        connection: ConnectionId,
        mailbox: Mailbox,
        map: &TownMap,
    ) -> Present {
        Present {
            place: place_index(map, person.place.as_ref()),
            person,
            session_id,
            page,
            connection,
            outbox: mailbox.messages,
            positions: mailbox.positions,
            view: DEFAULT_VIEW,
            told: Told::default(),
            away_since: None,
            walk: WalkBudget::new(Instant::now()),
            moved: false,
            ticket: None,
            desk: None,
            help_calls: Vec::new(),
            help_status: None,
            hall_view: None,
            showing: None,
            arrived: Instant::now(),
        }
    }
}

/// One side of an introduction: `owner` knows `other` under this link's id.
struct Link {
    owner: ParticipantId,
    other: ParticipantId,
    /// The id under which `other` knows `owner`.
    reverse: PeerId,
    /// Only TURN relay candidates may pass (a booth link).
    relay_only: bool,
}

/// How the town is set up beyond its map.
#[derive(Debug, Clone, Copy)]
pub struct TownOptions {
    /// The booths' waiting times.
    pub booth_times: BoothTimes,
    /// Whether a TURN relay is configured: booth links are then relay-only.
    pub relayed: bool,
    /// How long a person whose connection dropped is kept where they were.
    pub resume_grace: Duration,
    /// Moves may jump anywhere on floor (tests that place people quickly); otherwise a move must
    /// be walked: no wall crossed, no faster than walking.
    pub teleports_allowed: bool,
}

impl Default for TownOptions {
    fn default() -> Self {
        TownOptions {
            booth_times: BoothTimes::default(),
            relayed: false,
            resume_grace: Duration::from_secs(protocol::RESUME_GRACE_SECS),
            teleports_allowed: false,
        }
    }
}

/// An introduced pair, `low < high`, with the link id each side uses for the other.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Pair {
    low: ParticipantId,
    high: ParticipantId,
}

/// The live town.
pub struct Town {
    /// Which run of the server this is (new at every start): pages compare it to know that
    /// their hall media must be published again.
    server_run: u64,
    map: Arc<TownMap>,
    /// The map's cells for telling positions.
    grid: Grid,
    people: BTreeMap<ParticipantId, Present>,
    links: HashMap<PeerId, Link>,
    pairs: HashMap<Pair, (PeerId, PeerId)>,
    next_connection: u64,
    booths: Booths,
    halls: Halls,
    galleries: Galleries,
    /// Who blocked whom.
    blocks: Blocks,
    /// Whose voice staff hold, until when.
    voice_holds: care::VoiceHolds,
    /// The SFU carrying what reaches a whole hall, if one is configured.
    sfu: Option<Sfu>,
    /// The halls' plan the SFU was last sent.
    plan_sent: Option<HallPlan>,
    /// Someone entered or left a place, arrived, came back or left the town since the last beat:
    /// hall views and the plan are looked at again then.
    halls_dirty: bool,
    help: HelpCalls,
    /// The door signs everyone was last sent.
    signs: Vec<BoothSign>,
    /// Today's and the coming days' programs, as everyone was last sent them.
    programs: Vec<protocol::ProgramView>,
    /// The announcement on now, as everyone was last sent it.
    announcement: Option<String>,
    /// The open hours, as everyone was last sent them.
    hours: hours::TownHours,
    relayed: bool,
    resume_grace: Duration,
    teleports_allowed: bool,
    /// The server is stopping: connections ending now keep their people for the restart.
    stopping: bool,
    ticks: u64,
}

/// Beats of the town per second.
const TICKS_PER_SECOND: u64 = protocol::POSITION_UPDATES_PER_SECOND as u64;

impl Town {
    /// An empty town on `map`.
    pub fn new(map: Arc<TownMap>, options: TownOptions) -> Town {
        Town {
            booths: Booths::new(&map, options.booth_times),
            halls: Halls::new(&map),
            galleries: Galleries::default(),
            blocks: Blocks::default(),
            voice_holds: care::VoiceHolds::default(),
            sfu: None,
            plan_sent: None,
            halls_dirty: false,
            help: HelpCalls::default(),
            grid: Grid::new(&map),
            map,
            people: BTreeMap::new(),
            links: HashMap::default(),
            pairs: HashMap::default(),
            next_connection: 0,
            signs: Vec::new(),
            programs: Vec::new(),
            announcement: None,
            hours: hours::TownHours::new(),
            relayed: options.relayed,
            resume_grace: options.resume_grace,
            teleports_allowed: options.teleports_allowed,
            stopping: false,
            ticks: 0,
            server_run: rand::rng().random_range(1..(1u64 << 52)),
        }
    }

    /// Number of people present.
    pub fn population(&self) -> usize {
        self.people.len()
    }

    /// The town's map.
    pub fn map(&self) -> Arc<TownMap> {
        self.map.clone()
    }

    /// The booked counseling times, as the store has them now.
    pub fn set_reservations(&mut self, reservations: Vec<Reservation>) {
        self.booths.set_reservations(reservations);
        self.publish_booths(false);
    }

    /// The programs of today and the coming days: everyone is sent them when they changed.
    pub fn set_programs(&mut self, programs: Vec<protocol::ProgramView>) {
        if programs != self.programs {
            self.programs = programs;
            self.broadcast(ServerMessage::Programs { programs: self.programs.clone() });
        }
    }

    /// Tells a person something directly (an acknowledgement).
    pub fn tell(&self, id: ParticipantId, message: ServerMessage) {
        if let Some(present) = self.people.get(&id) {
            send(&present.outbox, message);
        }
    }

    /// The town-wide announcement on now (none: no banner).
    pub fn set_announcement(&mut self, text: Option<String>) {
        if text != self.announcement {
            self.announcement = text;
            self.broadcast(ServerMessage::Announcement { text: self.announcement.clone() });
        }
    }

    /// A program starts in about ten minutes: everyone in the town now is told, once.
    pub fn notice_program(&mut self, program: protocol::ProgramView) {
        self.broadcast(ServerMessage::ProgramSoon { program: Box::new(program) });
    }

    /// The booth a person stands in, if any.
    fn booth_of<'a>(&self, person: &'a Person) -> Option<&'a PlaceId> {
        person.place.as_ref().filter(|place| self.map.place(place).is_some_and(|p| p.kind == PlaceKind::Booth))
    }

    /// Whether `viewer` is shown `subject`: people inside a booth are seen only from inside it.
    fn sees(&self, viewer: &Person, subject: &Person) -> bool {
        self.booth_of(subject).is_none_or(|booth| viewer.place.as_ref() == Some(booth))
    }

    /// Someone connected. The same page coming back (same session and page id) resumes where it
    /// was; any other previous connection of the account is closed first.
    pub fn join(
        &mut self,
        account: Account,
        session_id: i64,
        page: Option<Uuid>,
        mailbox: Mailbox,
        ice_servers: Vec<IceServer>,
    ) -> ConnectionId {
        self.next_connection += 1;
        let connection = ConnectionId(self.next_connection);
        if let Some(previous) = self.people.get(&account.id) {
            let same_page = page.is_some() && previous.page == page && previous.session_id == session_id;
            if previous.away_since.is_none() {
                // Another tab, or this page's old connection the server had not seen drop.
                send(&previous.outbox, ServerMessage::Closing { code: CloseCode::OpenedElsewhere });
            }
            if same_page {
                self.resume(account.id, connection, mailbox, ice_servers);
                return connection;
            }
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
            do_not_disturb: false,
        };
        let people =
            self.people.values().map(|p| &p.person).filter(|other| self.sees(&person, other)).cloned().collect();
        let welcome = ServerMessage::Welcome {
            you: person.clone(),
            peer_id: new_peer_id(),
            people,
            ice_servers,
            resumed: false,
            links: Vec::new(),
            server_run: self.server_run,
        };
        self.send_welcome(&mailbox.messages, welcome);
        self.broadcast_about(&person, ServerMessage::Joined { person: person.clone() });
        let id = person.id;
        self.people.insert(id, Present::new(person, session_id, page, connection, mailbox, &self.map));
        self.send_blocks(id);
        self.send_voice_hold(id);
        self.halls_dirty = true;
        // A counselor coming back within the grace period finds their desk again.
        self.publish_booths(true);
        self.publish_help(true, Instant::now());
        connection
    }

    /// A welcome, then the town's news as it stands (door signs, programs, videos, the
    /// announcement, the hours).
    fn send_welcome(&self, outbox: &Outbox, welcome: ServerMessage) {
        send(outbox, welcome);
        send(outbox, ServerMessage::BoothSigns { signs: self.signs.clone() });
        send(outbox, ServerMessage::Programs { programs: self.programs.clone() });
        send(outbox, self.videos_message());
        send(outbox, ServerMessage::Announcement { text: self.announcement.clone() });
        send(outbox, ServerMessage::Hours { hours: self.hours.view().clone() });
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

    /// The page came back: it gets everything it needs to carry on (a welcome naming its
    /// current introductions, the signs, its ticket, desk and calls) and nobody sees a leave
    /// or a join.
    fn resume(&mut self, id: ParticipantId, connection: ConnectionId, mailbox: Mailbox, ice_servers: Vec<IceServer>) {
        let Some(you) = self.people.get(&id).map(|present| present.person.clone()) else { return };
        let people = self
            .people
            .values()
            .map(|p| &p.person)
            .filter(|other| other.id != id && self.sees(&you, other))
            .cloned()
            .collect();
        let links = self
            .links
            .iter()
            .filter(|(_, link)| link.owner == id)
            .map(|(link_id, link)| {
                let pair = Pair { low: id.min(link.other), high: id.max(link.other) };
                let offer = self.pairs.get(&pair).is_some_and(|(low_link, _)| low_link == link_id);
                LinkInfo { link: *link_id, person: link.other, offer, relay_only: link.relay_only }
            })
            .collect();
        let server_run = self.server_run;
        let welcome = ServerMessage::Welcome {
            you,
            peer_id: new_peer_id(),
            people,
            ice_servers,
            resumed: true,
            links,
            server_run,
        };
        self.send_welcome(&mailbox.messages, welcome);
        if let Some(present) = self.people.get_mut(&id) {
            present.outbox = mailbox.messages;
            present.positions = mailbox.positions;
            present.connection = connection;
            present.away_since = None;
            // Sent again in full: whatever was sent while away was lost.
            present.ticket = None;
            present.desk = None;
            present.help_calls = Vec::new();
            present.help_status = None;
            present.hall_view = None;
        }
        self.resend_showing(id);
        self.send_blocks(id);
        self.send_voice_hold(id);
        self.halls_dirty = true;
        self.publish_booths(true);
        self.publish_help(true, Instant::now());
    }

    /// A connection ended for good: the person closed the page or signed out. Ignored when
    /// that connection was already replaced.
    pub fn leave(&mut self, id: ParticipantId, connection: ConnectionId) {
        if self.stopping {
            return;
        }
        if self.people.get(&id).is_some_and(|present| present.connection == connection) {
            self.remove(id);
        }
    }

    /// A connection dropped (network, sleep, a proxy): the person stays where they were, seen by
    /// the others as before, for the grace period, so their page can come back.
    pub fn dropped(&mut self, id: ParticipantId, connection: ConnectionId, now: Instant) {
        if let Some(present) = self.people.get_mut(&id).filter(|present| present.connection == connection) {
            present.away_since.get_or_insert(now);
            let closed = Mailbox::closed();
            present.outbox = closed.messages;
            present.positions = closed.positions;
        }
    }

    /// People away longer than the grace period leave the town.
    fn expire_away(&mut self, now: Instant) {
        let gone: Vec<ParticipantId> = self
            .people
            .values()
            .filter(|present| present.away_since.is_some_and(|since| now.duration_since(since) >= self.resume_grace))
            .map(|present| present.person.id)
            .collect();
        for id in gone {
            self.remove(id);
        }
    }

    /// The server is stopping: everyone is told it restarts, and connections ending from now on
    /// keep their people (in the snapshot) for the restart.
    pub fn stop(&mut self) {
        self.stopping = true;
        self.broadcast(ServerMessage::Restarting);
        for present in self.people.values_mut() {
            present.outbox = closed_outbox();
        }
    }

    /// Whether the server is stopping.
    pub fn is_stopping(&self) -> bool {
        self.stopping
    }

    /// What is kept across a restart, as of now.
    pub fn snapshot(&self) -> TownSnapshot {
        self.snapshot_at(Instant::now())
    }

    /// [`Town::snapshot`] with ages measured at `now` (tests compare two of them).
    pub fn snapshot_at(&self, now: Instant) -> TownSnapshot {
        let people = self
            .people
            .values()
            .map(|present| SavedPerson {
                person: present.person.clone(),
                session_id: present.session_id,
                page: present.page,
            })
            .collect();
        let pairs = self
            .pairs
            .iter()
            .map(|(pair, (low_link, high_link))| SavedPair {
                low: pair.low,
                high: pair.high,
                low_link: *low_link,
                high_link: *high_link,
                relay_only: self.links.get(low_link).is_some_and(|link| link.relay_only),
            })
            .collect();
        TownSnapshot {
            saved_at_ms: crate::store::now_ms(),
            people,
            pairs,
            booths: self.booths.save(now),
            help: self.help.save(now),
            halls: self.halls.save(),
            voice_holds: self.voice_holds.save(),
        }
    }

    /// Puts back a snapshot taken before a restart, if it is recent enough: everyone in it is
    /// present but away, waiting for their page, for the grace period.
    pub fn restore(&mut self, snapshot: TownSnapshot) {
        // Holds run by the clock, however long the server was down.
        self.restore_voice_holds(snapshot.voice_holds, crate::store::now());
        let downtime = Duration::from_millis(u64::try_from(crate::store::now_ms() - snapshot.saved_at_ms).unwrap_or(0));
        if downtime >= self.resume_grace {
            return;
        }
        let now = Instant::now();
        for saved in snapshot.people {
            // The map may have changed: only people standing on floor come back.
            let on_floor = self.map.tile_at(saved.person.position).is_some_and(|(c, r)| self.map.is_walkable(c, r));
            if !on_floor {
                continue;
            }
            let place = self.map.place_at(saved.person.position).map(|place| place.id.clone());
            self.next_connection += 1;
            let person = Person { place, ..saved.person };
            let connection = ConnectionId(self.next_connection);
            let mut present =
                Present::new(person, saved.session_id, saved.page, connection, Mailbox::closed(), &self.map);
            present.away_since = Some(now);
            self.people.insert(present.person.id, present);
        }
        for pair in snapshot.pairs {
            if !(self.people.contains_key(&pair.low) && self.people.contains_key(&pair.high)) {
                continue;
            }
            let relay_only = pair.relay_only;
            self.links
                .insert(pair.low_link, Link { owner: pair.low, other: pair.high, reverse: pair.high_link, relay_only });
            self.links
                .insert(pair.high_link, Link { owner: pair.high, other: pair.low, reverse: pair.low_link, relay_only });
            self.pairs.insert(Pair { low: pair.low, high: pair.high }, (pair.low_link, pair.high_link));
        }
        self.booths.restore(snapshot.booths, now, downtime);
        self.help.restore(snapshot.help, now, downtime);
        let people = &self.people;
        let inside = |id: ParticipantId, hall: &PlaceId| {
            people.get(&id).is_some_and(|present| present.person.place.as_ref() == Some(hall))
        };
        self.halls.restore(snapshot.halls, inside);
        self.signs = self.booths.signs();
        self.halls_dirty = true;
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
            ClientMessage::Move { position } => self.move_person(from, position, true).inspect_err(|_| {
                // Refused: the client learns where the server still has it.
                if let Some(present) = self.people.get(&from) {
                    send(&present.outbox, ServerMessage::Placed { position: present.person.position });
                }
            }),
            ClientMessage::Signal { to, signal } => {
                let link = self.links.get(&to).filter(|link| link.owner == from).ok_or(RejectCode::UnknownPeer)?;
                let target = self.people.get(&link.other).ok_or(RejectCode::UnknownPeer)?;
                // A booth link passes relay candidates only: dropped ones are not an error.
                let signal = if link.relay_only { relay_only(signal) } else { Some(signal) };
                if let Some(signal) = signal {
                    send(&target.outbox, ServerMessage::Signal { from: link.reverse, signal });
                }
                Ok(())
            }
            ClientMessage::SetParticipation { participation } => {
                if !self.people.contains_key(&from) {
                    return Err(RejectCode::UnknownPeer);
                }
                if participation.sends_audio() && self.voice_held(from) {
                    return Err(RejectCode::VoiceHeld);
                }
                self.set_participation(from, participation);
                Ok(())
            }
            ClientMessage::SetView { width, height } => {
                let fits = |side: f32| side.is_finite() && side > 0.0;
                if !(fits(width) && fits(height)) {
                    return Err(RejectCode::Malformed);
                }
                let present = self.people.get_mut(&from).ok_or(RejectCode::UnknownPeer)?;
                present.view = (width, height);
                Ok(())
            }
            ClientMessage::SetDoNotDisturb { on } => {
                let present = self.people.get_mut(&from).ok_or(RejectCode::UnknownPeer)?;
                if present.person.do_not_disturb != on {
                    present.person.do_not_disturb = on;
                    let person = present.person.clone();
                    send(&present.outbox, ServerMessage::DoNotDisturbChanged { id: from, on });
                    self.broadcast_about(&person, ServerMessage::DoNotDisturbChanged { id: from, on });
                }
                // Their links end (or may begin again) on the next beat.
                Ok(())
            }
            ClientMessage::Booth { request } => {
                let outcome = self.handle_booth(from, request, Instant::now());
                self.publish_booths(false);
                outcome
            }
            ClientMessage::Help { request } => {
                let now = Instant::now();
                let outcome = self.handle_help(from, request, now);
                self.publish_booths(false);
                self.publish_help(false, now);
                outcome
            }
            ClientMessage::Hall { request } => self.handle_hall(from, request, Instant::now()),
            ClientMessage::Gallery { request } => self.handle_gallery(from, request),
            ClientMessage::Clock { sent } => self.tell_clock(from, sent),
            // Written down first by the connection (`crate::blocks`), which then tells the town.
            ClientMessage::SetBlock { .. } | ClientMessage::Report { .. } => Err(RejectCode::Malformed),
            ClientMessage::KeepAlive => Ok(()),
        }
    }

    /// Puts a person on a step of the ladder; those who see them are told.
    fn set_participation(&mut self, id: ParticipantId, participation: Participation) {
        let Some(present) = self.people.get_mut(&id) else { return };
        if present.person.participation != participation {
            present.person.participation = participation;
            let person = present.person.clone();
            self.broadcast_about(&person, ServerMessage::ParticipationChanged { id, participation });
        }
    }

    /// 「スタッフに声をかけてほしい」: anyone may call and withdraw; only staff and counselors
    /// answer, and only calls that are waiting.
    fn handle_help(&mut self, from: ParticipantId, request: HelpRequest, now: Instant) -> Result<(), RejectCode> {
        let me = self.people.get(&from).map(|present| present.person.clone()).ok_or(RejectCode::UnknownPeer)?;
        let answering = match request {
            HelpRequest::Ask => {
                self.help.ask(from, now);
                return Ok(());
            }
            HelpRequest::Withdraw => {
                self.help.end(from);
                return Ok(());
            }
            HelpRequest::Reply { person, .. } | HelpRequest::Invite { person } | HelpRequest::Done { person } => person,
        };
        if !matches!(me.role, Role::Staff | Role::Counselor) {
            return Err(RejectCode::NotAllowed);
        }
        let caller = self
            .people
            .get(&answering)
            .filter(|_| self.help.has_call(answering))
            .map(|present| (present.outbox.clone(), present.person.nickname.clone()))
            .ok_or(RejectCode::NoSuchCaller)?;
        match request {
            HelpRequest::Reply { text, .. } => {
                let text = reply_text(&text)?;
                self.help.answered(answering, &me.nickname)?;
                send(&caller.0, ServerMessage::HelpReply { from: me.nickname, text });
                Ok(())
            }
            HelpRequest::Invite { .. } => {
                self.booths.invite(from, answering, &caller.1, now)?;
                self.help.answered(answering, &me.nickname)
            }
            _ => {
                self.help.end(answering);
                Ok(())
            }
        }
    }

    /// Where a person is now, as staff are told it (see [`Town::place_label`]).
    pub fn place_label_of(&self, id: ParticipantId) -> Option<Phrase> {
        self.people.get(&id).map(|present| self.place_label(&present.person))
    }

    /// Where a person is, as a call for help tells staff: the place's name, and for people in
    /// a booth only that they are in one.
    fn place_label(&self, person: &Person) -> Phrase {
        if self.booth_of(person).is_some() {
            return Phrase::each(|lang| lang.text("help.place.booth").to_owned());
        }
        let place = person.place.as_ref().and_then(|id| self.map.place(id));
        Phrase::each(|lang| {
            place.map_or_else(|| lang.text("help.place.street"), |place| place.name_in(lang)).to_owned()
        })
    }

    /// Sends the calls for help to staff and counselors, and each caller their call's state,
    /// where these changed. `all` checks every person (someone arrived, or a minute passed).
    fn publish_help(&mut self, all: bool, now: Instant) {
        if !self.help.take_changed() && !all {
            return;
        }
        let calls = self.help.list(now, |id| {
            let present = self.people.get(&id)?;
            Some((present.person.nickname.clone(), self.place_label(&present.person)))
        });
        for present in self.people.values_mut() {
            let receives = matches!(present.person.role, Role::Staff | Role::Counselor);
            let shown = if receives { calls.clone() } else { Vec::new() };
            if shown != present.help_calls {
                present.help_calls = shown.clone();
                send(&present.outbox, ServerMessage::HelpCalls { calls: shown });
            }
            let status = self.help.status(present.person.id);
            if status != present.help_status {
                present.help_status = status.clone();
                send(&present.outbox, ServerMessage::HelpState { status });
            }
        }
    }

    fn handle_booth(&mut self, from: ParticipantId, request: BoothRequest, now: Instant) -> Result<(), RejectCode> {
        let person = self.people.get(&from).map(|present| present.person.clone()).ok_or(RejectCode::UnknownPeer)?;
        match request {
            BoothRequest::Open { title } => {
                self.booths.open(from, &person.nickname, person.role, self.booth_of(&person), title)
            }
            BoothRequest::Close => self.booths.close(from),
            BoothRequest::Knock { booth, note } => {
                let at_door = self.map.place(&booth).is_some_and(|place| {
                    self.map.doors(place).iter().any(|door| {
                        let front = self.map.tile_center(door.outside.0, door.outside.1);
                        front.distance(person.position) <= KNOCK_REACH
                    })
                });
                let outside = self.booth_of(&person).is_none();
                self.booths.knock(from, &person.nickname, &booth, &note, at_door && outside, now)
            }
            BoothRequest::Withdraw => {
                self.booths.withdraw(from);
                Ok(())
            }
            BoothRequest::Answer { person: caller, answer } => self.booths.answer(from, caller, answer, now),
            BoothRequest::BringFamily { person: invited } => {
                if !self.people.contains_key(&invited) {
                    return Err(RejectCode::NoSuchCaller);
                }
                self.booths.bring_family(from, &person.nickname, invited, crate::store::now())
            }
            BoothRequest::JoinFamily => self.booths.join_family(from, &person.nickname, now),
            BoothRequest::Leave => {
                self.booths.withdraw(from);
                if let Some(booth) = self.booth_of(&person).cloned() {
                    let door = self.map.place(&booth).and_then(|place| self.map.doors(place).first().copied());
                    if let Some(door) = door {
                        let outside = self.map.tile_center(door.outside.0, door.outside.1);
                        self.move_person(from, outside, false)?;
                        if let Some(present) = self.people.get(&from) {
                            send(&present.outbox, ServerMessage::Placed { position: outside });
                        }
                        // Separated from the booth at once, not at the next beat.
                        let wanted = self.pair_search().wanted();
                        self.apply_introductions(wanted);
                    }
                }
                Ok(())
            }
        }
    }

    /// Moves a person to `position`: asked by them (`walked`: the walking rule applies) or by a
    /// rule of the town (stepping out of a booth).
    fn move_person(&mut self, id: ParticipantId, position: Position, walked: bool) -> Result<(), RejectCode> {
        let walkable = self.map.tile_at(position).is_some_and(|(col, row)| self.map.is_walkable(col, row));
        if !walkable {
            return Err(RejectCode::BadPosition);
        }
        // The common case (a step within the same place) clones nothing: this runs for every
        // move of everyone.
        let map = self.map.clone();
        let before = &self.people.get(&id).ok_or(RejectCode::UnknownPeer)?.person;
        let new_place = map.place_at(position);
        let place_changed = before.place.as_ref() != new_place.map(|place| &place.id);
        let old_booth = self.booth_of(before).cloned();
        let new_booth = new_place.filter(|place| place.kind == PlaceKind::Booth).map(|place| place.id.clone());
        let (role, old_position, old_place) =
            (before.role, before.position, place_changed.then(|| before.place.clone()));
        let now = Instant::now();
        if let Some(booth) = new_booth.as_ref().filter(|booth| old_booth.as_ref() != Some(*booth))
            && !self.booths.may_enter(booth, id, role, now, crate::store::now())
        {
            return Err(RejectCode::BoothLocked);
        }
        if walked && !self.teleports_allowed {
            let present = self.people.get_mut(&id).ok_or(RejectCode::UnknownPeer)?;
            let distance = old_position.distance(position);
            if crosses_wall(&map, old_position, position) || !present.walk.spend(distance, now) {
                return Err(RejectCode::NotWalkable);
            }
        }
        if let Some(old_place) = &old_place {
            self.leave_hall(id, old_place.as_ref());
            self.halls_dirty = true;
        } else if map.table_at(old_position) != map.table_at(position) {
            // Sat down at, left or changed tables: the hall's counts change.
            self.halls_dirty = true;
        }
        let Some(present) = self.people.get_mut(&id) else { return Err(RejectCode::UnknownPeer) };
        let before = (old_booth != new_booth).then(|| present.person.clone());
        present.told.place_changed |= place_changed;
        present.person.position = position;
        if place_changed {
            present.person.place = new_place.map(|place| place.id.clone());
            present.place = place_index(&map, present.person.place.as_ref());
        }
        present.moved = true;
        if let Some(before) = before {
            let after = present.person.clone();
            if let Some(booth) = &old_booth {
                self.booths.left(booth, id, now);
            }
            if let Some(booth) = &new_booth {
                self.booths.entered(booth, id);
            }
            self.show_place_change(&before, &after);
            self.publish_booths(false);
        }
        Ok(())
    }

    /// Someone crossed a booth's wall: the people who stop or start seeing them are told, and so
    /// are they, about the people they stop or start seeing.
    fn show_place_change(&self, before: &Person, after: &Person) {
        let Some(mover) = self.people.get(&before.id) else { return };
        for other in self.people.values().filter(|other| other.person.id != before.id) {
            let viewer = &other.person;
            match (self.sees(viewer, before), self.sees(viewer, after)) {
                (true, false) => send(&other.outbox, ServerMessage::Left { id: before.id }),
                (false, true) => send(&other.outbox, ServerMessage::Joined { person: after.clone() }),
                _ => {}
            }
            match (self.sees(before, viewer), self.sees(after, viewer)) {
                (true, false) => send(&mover.outbox, ServerMessage::Left { id: viewer.id }),
                (false, true) => send(&mover.outbox, ServerMessage::Joined { person: viewer.clone() }),
                _ => {}
            }
        }
    }

    /// Sends door signs, tickets and desks to whoever's view of them changed. `all` checks
    /// every person even if the booths did not change (someone new arrived).
    fn publish_booths(&mut self, all: bool) {
        if !self.booths.take_changed() && !all {
            return;
        }
        let unix_now = crate::store::now();
        let signs = self.booths.signs();
        if signs != self.signs {
            self.signs = signs;
            self.broadcast(ServerMessage::BoothSigns { signs: self.signs.clone() });
        }
        for present in self.people.values_mut() {
            let id = present.person.id;
            let ticket = self.booths.ticket(id, unix_now);
            if ticket != present.ticket {
                present.ticket = ticket.clone();
                send(&present.outbox, ServerMessage::BoothTicket { ticket });
            }
            let desk = self.booths.desk(id, self.relayed, unix_now);
            if desk != present.desk {
                present.desk = desk.clone();
                send(&present.outbox, ServerMessage::BoothDesk { desk });
            }
        }
    }

    /// One beat of the town (10 per second): sends the batched movements, then updates
    /// introductions and the booths' timers.
    pub fn tick(&mut self) {
        self.tick_at(Instant::now());
    }

    /// [`Town::tick`] at a given time (tests move time forward).
    pub fn tick_at(&mut self, now: Instant) {
        self.begin_beat(now);
        let wanted = self.pair_search().wanted();
        self.end_beat(now, wanted);
    }

    /// The first part of a beat: the away whose time is up leave, and every connection is
    /// handed the beat's positions. The town's own ticker then takes [`Town::pair_search`] and
    /// runs it with the lock released.
    pub fn begin_beat(&mut self, now: Instant) {
        self.expire_away(now);
        self.send_positions();
    }

    /// The rest of a beat, with the pairs the search wanted: introductions, booths' timers,
    /// tickets, calls for help, halls and galleries.
    pub fn end_beat(&mut self, now: Instant, wanted: WantedPairs) {
        self.apply_introductions(wanted);
        self.booths.tick(now);
        // Reserved times open the door by the clock alone: look at every ticket once a second.
        self.ticks += 1;
        let each_second = self.ticks.is_multiple_of(TICKS_PER_SECOND);
        if each_second {
            self.expire_voice_holds(crate::store::now());
        }
        self.publish_booths(each_second);
        // Callers move and minutes pass: the calls' places and ages are looked at once a second.
        self.publish_help(each_second, now);
        self.follow_halls();
        self.follow_galleries();
    }

    fn introduce(&mut self, pair: Pair) {
        let (Some(low), Some(high)) = (self.people.get(&pair.low), self.people.get(&pair.high)) else {
            return;
        };
        let (low_link, high_link) = (new_peer_id(), new_peer_id());
        let relay_only = self.relayed_pair(&pair);
        // The lower id makes the offer, so exactly one side does.
        send(&low.outbox, ServerMessage::Introduce { link: low_link, person: pair.high, offer: true, relay_only });
        send(&high.outbox, ServerMessage::Introduce { link: high_link, person: pair.low, offer: false, relay_only });
        self.links.insert(low_link, Link { owner: pair.low, other: pair.high, reverse: high_link, relay_only });
        self.links.insert(high_link, Link { owner: pair.high, other: pair.low, reverse: low_link, relay_only });
        self.pairs.insert(pair, (low_link, high_link));
    }

    /// Whether the pair's link must carry only relayed traffic: one of them is in a booth and
    /// a relay is configured.
    fn relayed_pair(&self, pair: &Pair) -> bool {
        let in_booth = |id| self.people.get(id).is_some_and(|present| self.booth_of(&present.person).is_some());
        self.relayed && (in_booth(&pair.low) || in_booth(&pair.high))
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
        let Some(gone) = self.people.remove(&id) else { return };
        let now = Instant::now();
        if let Some(booth) = self.booth_of(&gone.person).cloned() {
            self.booths.left(&booth, id, now);
        }
        self.booths.gone(id, now);
        self.leave_hall(id, gone.person.place.as_ref());
        self.halls_dirty = true;
        self.help.end(id);
        self.broadcast_about(&gone.person, ServerMessage::Left { id });
        self.publish_booths(false);
        self.publish_help(false, now);
    }

    /// Sends a message about `subject` to everyone else who sees them (encoded once).
    fn broadcast_about(&self, subject: &Person, message: ServerMessage) {
        let text = encode(&message);
        let hidden = self.booth_of(subject).is_some();
        for present in self.people.values() {
            if present.person.id != subject.id && (!hidden || self.sees(&present.person, subject)) {
                let _ = present.outbox.try_send(Outgoing::Encoded(text.clone()));
            }
        }
    }

    /// Sends a message to everyone (encoded once).
    fn broadcast(&self, message: ServerMessage) {
        let text = encode(&message);
        for present in self.people.values() {
            let _ = present.outbox.try_send(Outgoing::Encoded(text.clone()));
        }
    }

    /// Drops the people whose outbox is full: their connection is stuck, and waiting for it
    /// would hold up everyone else.
    pub fn drop_stuck(&mut self) {
        let stuck: Vec<_> = self
            .people
            .values()
            .filter(|present| present.away_since.is_none() && present.outbox.capacity() == 0)
            .map(|p| p.person.id)
            .collect();
        for id in stuck {
            tracing::warn!(account = id.0, "dropping a connection that stopped reading");
            self.remove(id);
        }
    }
}

fn new_peer_id() -> PeerId {
    PeerId(Uuid::new_v4())
}

/// An outbox whose connection is gone: what is put in it is dropped.
fn closed_outbox() -> Outbox {
    mpsc::channel(1).0
}

fn send(outbox: &Outbox, message: ServerMessage) {
    // A full outbox means a stuck connection; `drop_stuck` removes it on the next tick.
    let _ = outbox.try_send(Outgoing::Message(message));
}
