//! Presence and signaling: one WebSocket per signed-in browser carries positions, roster
//! changes, introductions and WebRTC signals. See `town.rs` for the rules.

pub(crate) mod help;
pub mod interest;
mod relay;
mod snapshot;
mod town;
mod walking;

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ws::{CloseFrame, close_code};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use protocol::{
    ClientMessage, CloseCode, MAX_CLIENT_MESSAGE_BYTES, POSITION_UPDATES_PER_SECOND, RejectCode, ServerMessage,
    TownMap, WEBSOCKET_PATH,
};
use serde::Deserialize;
use tokio::sync::mpsc;
use uuid::Uuid;

pub use snapshot::TownSnapshot;
pub use town::{
    Beat, CANDIDATES_PER_PERSON, CareRefused, INTRODUCE_RADIUS, MAX_HOLD_MINUTES, MAX_PEERS_PER_PERSON, Mailbox,
    OUTBOX_CAPACITY, Outbox, Outgoing, PEER_KEEP_FACTOR, POSITIONS_BACKLOG, PairSearch, PositionsOutbox,
    PositionsReader, SEPARATE_RADIUS, Town, TownOptions, WantedPairs,
};
pub use walking::WALK_BURST;

use crate::AppState;
use crate::auth::SignedIn;
use crate::store::{Session, Store};

/// How often the town sends batched movements and updates introductions.
pub const TICK: Duration = Duration::from_millis(1000 / POSITION_UPDATES_PER_SECOND as u64);
/// Messages a client may send per second on average; signaling bursts fit in the bucket.
pub const MESSAGES_PER_SECOND: f64 = 30.0;
/// Burst size of the per-connection message bucket.
pub const MESSAGE_BURST: f64 = 120.0;
/// Read and write buffer of each WebSocket.
pub const SOCKET_BUFFER_BYTES: usize = 8 * 1024;
/// How often the server pings each connection (browsers answer by themselves).
pub const PING_EVERY: Duration = Duration::from_secs(15);
/// A connection silent this long (not even a pong) counts as dropped.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// How often an open connection writes down that its session is in use (and finds out whether
/// it ended).
pub const KEEP_SESSION_EVERY: Duration = Duration::from_secs(300);
/// How often the town's snapshot is saved while it changes.
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new().route(WEBSOCKET_PATH, get(upgrade))
}

/// Shared handle to the town, with its ticker running while the handle lives.
#[derive(Clone)]
pub struct TownHandle {
    town: Arc<Mutex<Town>>,
}

impl TownHandle {
    /// An empty town on `map`; spawns the ticker on the current tokio runtime.
    pub fn start(map: Arc<TownMap>, options: TownOptions) -> TownHandle {
        let town = Arc::new(Mutex::new(Town::new(map, options)));
        tokio::spawn(run_ticker(Arc::downgrade(&town)));
        TownHandle { town }
    }

    fn lock(&self) -> MutexGuard<'_, Town> {
        // Town methods keep the state consistent at every step, so a poisoned lock is usable.
        self.town.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of people present.
    pub fn population(&self) -> usize {
        self.lock().population()
    }

    /// The town's map.
    pub fn map(&self) -> Arc<TownMap> {
        self.lock().map()
    }

    /// The booked counseling times, as the store has them now.
    pub fn set_reservations(&self, reservations: Vec<crate::places::booth::Reservation>) {
        self.lock().set_reservations(reservations);
    }

    /// Today's and the coming days' programs.
    pub fn set_programs(&self, programs: Vec<protocol::ProgramView>) {
        self.lock().set_programs(programs);
    }

    /// The gallery's visible videos, in order.
    pub fn set_videos(&self, videos: Vec<protocol::VideoView>) {
        self.lock().set_videos(videos);
    }

    /// Someone blocked someone (or removed the block).
    pub fn set_block(&self, blocker: protocol::ParticipantId, blocked: protocol::ParticipantId, on: bool) {
        self.lock().set_block(blocker, blocked, on);
    }

    /// Every block, as the store has them (at start).
    pub fn set_blocks(&self, blocks: Vec<(protocol::ParticipantId, protocol::ParticipantId)>) {
        self.lock().set_blocks(blocks);
    }

    /// Where a person in the town is now, as staff are told it.
    pub fn place_label_of(&self, id: protocol::ParticipantId) -> Option<protocol::locale::Phrase> {
        self.lock().place_label_of(id)
    }

    /// Tells a person something directly.
    pub fn tell(&self, id: protocol::ParticipantId, message: protocol::ServerMessage) {
        self.lock().tell(id, message);
    }

    /// The town-wide announcement on now.
    pub fn set_announcement(&self, text: Option<String>) {
        self.lock().set_announcement(text);
    }

    /// The open hours now, open or not at the clock `unix_now` (closing notices, and
    /// participants leave once closed).
    pub fn set_hours(&self, view: protocol::HoursView, open: bool, unix_now: i64) {
        self.lock().set_hours(view, open, unix_now);
    }

    /// Staff walk a person to the entrance with a kind word.
    pub fn walk_to_entrance(&self, id: protocol::ParticipantId, word: Option<String>) -> Result<(), CareRefused> {
        self.lock().walk_to_entrance(id, word)
    }

    /// Staff hold a person's voice for `minutes`; returns until when (city time).
    pub fn hold_voice(&self, id: protocol::ParticipantId, minutes: u32) -> Result<String, CareRefused> {
        self.lock().hold_voice(id, minutes, crate::store::now())
    }

    /// Staff lift the hold on a person's voice.
    pub fn release_voice(&self, id: protocol::ParticipantId) {
        self.lock().release_voice(id);
    }

    /// The town now, as staff see it on いまの様子, worded in `lang`.
    pub fn overview(&self, lang: protocol::locale::Lang) -> crate::overview::Overview {
        self.lock().overview(Instant::now(), lang)
    }

    /// Tells everyone in the town that a program starts soon.
    pub fn notice_program(&self, program: protocol::ProgramView) {
        self.lock().notice_program(program);
    }

    /// Gives the halls an SFU (Janus), so that what the stage sends reaches the whole hall.
    pub fn set_sfu(&self, sfu: crate::sfu::Sfu) {
        self.lock().set_sfu(sfu);
    }

    /// Closes every connection of a session.
    pub fn close_session(&self, session_id: i64, code: CloseCode) {
        self.lock().close_session(session_id, code);
    }

    /// Puts back the town as the last server left it in `store`, if that was within the grace
    /// period. Returns how many people are awaited.
    pub fn restore_from(&self, store: &Store) -> usize {
        let body = match store.load_town() {
            Ok(Some(body)) => body,
            Ok(None) => return 0,
            Err(error) => {
                tracing::warn!(%error, "cannot read the town's snapshot");
                return 0;
            }
        };
        match serde_json::from_str::<TownSnapshot>(&body) {
            Ok(snapshot) => {
                let mut town = self.lock();
                town.restore(snapshot);
                town.population()
            }
            Err(error) => {
                tracing::warn!(%error, "the town's snapshot is unreadable; starting empty");
                0
            }
        }
    }

    /// Saves the town's snapshot into `store` every [`SAVE_EVERY`] while it changes, for as long
    /// as the town lives.
    pub fn keep_saved(&self, store: Store) {
        tokio::spawn(save_while_changing(Arc::downgrade(&self.town), store));
    }

    /// The server is stopping: everyone is told it restarts, their connections close, and the
    /// town is saved one last time so that their pages find them again after the restart.
    pub fn stop(&self, store: &Store) {
        let snapshot = {
            let mut town = self.lock();
            town.stop();
            town.snapshot()
        };
        if let Err(error) = save(store, &snapshot) {
            tracing::warn!(%error, "cannot save the town before stopping");
        }
    }

    /// Saves the town's snapshot now (after an account is deleted, so that it keeps no trace).
    pub fn save_now(&self, store: &Store) -> Result<(), String> {
        let snapshot = self.lock().snapshot();
        save(store, &snapshot)
    }

    /// What would be saved now (tests).
    pub fn snapshot(&self) -> TownSnapshot {
        self.lock().snapshot()
    }
}

fn save(store: &Store, snapshot: &TownSnapshot) -> Result<(), String> {
    let body = serde_json::to_string(snapshot).map_err(|e| e.to_string())?;
    store.save_town(snapshot.saved_at_ms, &body).map_err(|e| e.to_string())
}

async fn save_while_changing(town: Weak<Mutex<Town>>, store: Store) {
    let mut interval = tokio::time::interval(SAVE_EVERY);
    let mut last: Option<TownSnapshot> = None;
    loop {
        interval.tick().await;
        let Some(town) = town.upgrade() else { return };
        let snapshot = {
            let town = town.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            // Stopping saved the last snapshot itself.
            if town.is_stopping() {
                return;
            }
            town.snapshot()
        };
        drop(town);
        let body = snapshot.body();
        if last.as_ref() == Some(&body) {
            continue;
        }
        let store = store.clone();
        match tokio::task::spawn_blocking(move || save(&store, &snapshot)).await {
            Ok(Ok(())) => last = Some(body),
            Ok(Err(error)) => tracing::warn!(%error, "cannot save the town"),
            Err(error) => tracing::warn!(%error, "saving the town stopped"),
        }
    }
}

async fn run_ticker(town: Weak<Mutex<Town>>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        let Some(town) = town.upgrade() else { return };
        let lock = || town.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        // The pair search, the beat's largest piece of work, runs with the lock released, so
        // that what people send meanwhile is not held up (nor the other core idle).
        let search = {
            let mut town = lock();
            town.drop_stuck();
            town.begin_beat(now);
            town.pair_search()
        };
        let wanted = search.wanted();
        lock().end_beat(now, wanted);
    }
}

/// `/ws?page=…`: the page's own id, kept by the page across reconnections, so that the same
/// page coming back resumes where it was.
#[derive(Debug, Deserialize)]
struct PageQuery {
    page: Option<Uuid>,
}

async fn upgrade(
    upgrade: WebSocketUpgrade,
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Query(query): Query<PageQuery>,
) -> Response {
    // Frames far beyond the application limit are cut off by the WebSocket layer itself.
    // Small buffers: a connection carries small frames, and thousands of them are open at once
    // (the 128 KiB defaults were most of the server's memory per person).
    upgrade
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(SOCKET_BUFFER_BYTES)
        .max_message_size(MAX_CLIENT_MESSAGE_BYTES * 4)
        .on_upgrade(move |socket| connection(socket, state, session, query.page))
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// The page closed it (closed or left the page, signed out): the person leaves.
    Closed,
    /// It broke or went silent: the person is kept for the grace period.
    Dropped,
    /// The town ended it (replaced, closed, stopping): nothing more to do.
    Ended,
}

/// Whether a close frame from the page means it is going away for good.
fn ending_of(frame: Option<&CloseFrame>) -> Ending {
    match frame.map(|frame| frame.code) {
        Some(close_code::NORMAL | close_code::AWAY) | None => Ending::Closed,
        // Anything else (e.g. 4000 "reconnecting") is the page starting over.
        Some(_) => Ending::Dropped,
    }
}

/// A token bucket limiting how many messages a client may send.
struct RateLimit {
    tokens: f64,
    last: Instant,
}

impl RateLimit {
    fn new() -> Self {
        RateLimit { tokens: MESSAGE_BURST, last: Instant::now() }
    }

    fn allow(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * MESSAGES_PER_SECOND;
        self.tokens = (self.tokens + refill).min(MESSAGE_BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn read(text: &str, limit: &mut RateLimit) -> Result<ClientMessage, RejectCode> {
    if !limit.allow() {
        return Err(RejectCode::TooFrequent);
    }
    if text.len() > MAX_CLIENT_MESSAGE_BYTES {
        return Err(RejectCode::TooLarge);
    }
    serde_json::from_str(text).map_err(|_| RejectCode::Malformed)
}

async fn connection(socket: WebSocket, state: AppState, session: Session, page: Option<Uuid>) {
    let id = session.account.id;
    let (mut sink, mut stream) = socket.split();
    // Outside the open hours a participant's page is told when ibasho opens, and closes.
    if let Some(hours) = crate::open_hours::keeps_out(&state.store, session.account.role)
        && !state.town.lock().resumes_counseling(id, session.id, page)
    {
        tracing::info!(account = id.0, "outside open hours: not let in");
        let _ = sink.send(encode(&ServerMessage::Hours { hours })).await;
        let _ = sink.send(encode(&ServerMessage::Closing { code: CloseCode::OutsideHours })).await;
        let _ = sink.close().await;
        return;
    }
    let (outbox, mut inbox) = mpsc::channel(OUTBOX_CAPACITY);
    let (positions, mut beats) = mpsc::channel(POSITIONS_BACKLOG);
    let mut reader = PositionsReader::default();
    let ice_servers = state.config.turn.iter().map(|turn| turn.ice_server(id)).collect();
    let mailbox = Mailbox { messages: outbox, positions };
    let connection = state.town.lock().join(session.account, session.id, page, mailbox, ice_servers);
    tracing::info!(account = id.0, "connected to the town");
    let mut limit = RateLimit::new();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let mut session_kept = Instant::now();
    let ending = loop {
        tokio::select! {
            // In this order: the ping (rare) and what the page says are never starved by a busy
            // town, and messages go before position frames (a welcome or a join comes before
            // positions of the people in it). Each beat becomes this page's frame here, outside
            // the town's lock.
            biased;
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT {
                    break Ending::Dropped;
                }
                if session_kept.elapsed() >= KEEP_SESSION_EVERY {
                    session_kept = Instant::now();
                    if let Ok(false) = state.store.keep_session(session.id) {
                        let _ = sink.send(encode(&ServerMessage::Closing { code: CloseCode::SessionExpired })).await;
                        break Ending::Closed;
                    }
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break Ending::Dropped;
                }
            }
            incoming = stream.next() => {
                last_heard = Instant::now();
                let outcome = match incoming {
                    Some(Ok(Message::Text(text))) => read(text.as_str(), &mut limit).and_then(|message| match message {
                        ClientMessage::SetBlock { person, blocked } => crate::blocks::set_block(&state, id, person, blocked),
                        ClientMessage::Report { person, note } => crate::reports::report(&state, id, person, &note),
                        message => state.town.lock().handle(id, message),
                    }),
                    Some(Ok(Message::Binary(_))) => Err(RejectCode::Malformed),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
                    Some(Ok(Message::Close(frame))) => break ending_of(frame.as_ref()),
                    Some(Err(_)) | None => break Ending::Dropped,
                };
                if let Err(code) = outcome {
                    tracing::debug!(account = id.0, ?code, "message rejected");
                    if sink.send(encode(&ServerMessage::Rejected { code })).await.is_err() {
                        break Ending::Dropped;
                    }
                }
            }
            outgoing = inbox.recv() => {
                let Some(message) = outgoing else { break Ending::Ended };
                let mut waiting = Waiting { inbox: &mut inbox, beats: &mut beats, reader: &mut reader };
                if waiting.write(&mut sink, Message::Text(message.text())).await.is_err() {
                    break Ending::Dropped;
                }
            }
            Some(beat) = beats.recv() => {
                let Some(frame) = reader.frame(&beat) else { continue };
                let mut waiting = Waiting { inbox: &mut inbox, beats: &mut beats, reader: &mut reader };
                if waiting.write(&mut sink, Message::Binary(frame)).await.is_err() {
                    break Ending::Dropped;
                }
            }
        }
    };
    match ending {
        Ending::Closed => state.town.lock().leave(id, connection),
        Ending::Dropped => state.town.lock().dropped(id, connection, Instant::now()),
        Ending::Ended => {}
    }
    let _ = sink.close().await;
    tracing::info!(account = id.0, ?ending, "connection ended");
}

/// Most frames written before one flush.
const FRAMES_PER_FLUSH: usize = 64;

/// What waits to be written to one connection: messages, and beats to turn into frames.
struct Waiting<'a> {
    inbox: &'a mut mpsc::Receiver<Outgoing>,
    beats: &'a mut mpsc::Receiver<Beat>,
    reader: &'a mut PositionsReader,
}

impl Waiting<'_> {
    /// Writes `first` and whatever else is already waiting (messages first), then flushes once.
    async fn write(
        &mut self,
        sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
        first: Message,
    ) -> Result<(), axum::Error> {
        sink.feed(first).await?;
        for _ in 1..FRAMES_PER_FLUSH {
            let next = match self.inbox.try_recv() {
                Ok(message) => Message::Text(message.text()),
                Err(_) => match self.beats.try_recv() {
                    Ok(beat) => match self.reader.frame(&beat) {
                        Some(frame) => Message::Binary(frame),
                        None => continue,
                    },
                    Err(_) => break,
                },
            };
            sink.feed(next).await?;
        }
        sink.flush().await
    }
}

fn encode(message: &ServerMessage) -> Message {
    // Serializing these plain types cannot fail; an empty object would be ignored by clients.
    Message::Text(serde_json::to_string(message).unwrap_or_else(|_| "{}".into()).into())
}
