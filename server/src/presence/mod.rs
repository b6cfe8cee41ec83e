//! Presence and signaling: one WebSocket per signed-in browser carries positions, roster
//! changes, introductions and WebRTC signals. See `town.rs` for the rules.

mod help;
mod relay;
mod town;

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use protocol::{
    ClientMessage, CloseCode, MAX_CLIENT_MESSAGE_BYTES, POSITION_UPDATES_PER_SECOND, RejectCode, ServerMessage,
    TownMap, WEBSOCKET_PATH,
};
use tokio::sync::mpsc;

pub use town::{INTRODUCE_RADIUS, MAX_PEERS_PER_PERSON, OUTBOX_CAPACITY, SEPARATE_RADIUS, Town, TownOptions};

use crate::AppState;
use crate::auth::SignedIn;
use crate::store::Session;

/// How often the town sends batched movements and updates introductions.
pub const TICK: Duration = Duration::from_millis(1000 / POSITION_UPDATES_PER_SECOND as u64);
/// Messages a client may send per second on average; signaling bursts fit in the bucket.
pub const MESSAGES_PER_SECOND: f64 = 30.0;
/// Burst size of the per-connection message bucket.
pub const MESSAGE_BURST: f64 = 120.0;

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

    /// Closes every connection of a session.
    pub fn close_session(&self, session_id: i64, code: CloseCode) {
        self.lock().close_session(session_id, code);
    }
}

async fn run_ticker(town: Weak<Mutex<Town>>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        let Some(town) = town.upgrade() else { return };
        let mut town = town.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        town.drop_stuck();
        town.tick();
    }
}

async fn upgrade(upgrade: WebSocketUpgrade, State(state): State<AppState>, SignedIn(session): SignedIn) -> Response {
    // Frames far beyond the application limit are cut off by the WebSocket layer itself.
    upgrade.max_message_size(MAX_CLIENT_MESSAGE_BYTES * 4).on_upgrade(move |socket| connection(socket, state, session))
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

async fn connection(socket: WebSocket, state: AppState, session: Session) {
    let id = session.account.id;
    let (outbox, mut inbox) = mpsc::channel(OUTBOX_CAPACITY);
    let ice_servers = state.config.turn.iter().map(|turn| turn.ice_server(id)).collect();
    let connection = state.town.lock().join(session.account, session.id, outbox, ice_servers);
    tracing::info!(account = id.0, "entered the town");
    let (mut sink, mut stream) = socket.split();
    let mut limit = RateLimit::new();
    loop {
        tokio::select! {
            outgoing = inbox.recv() => {
                let Some(message) = outgoing else { break };
                if sink.send(encode(&message)).await.is_err() {
                    break;
                }
            }
            incoming = stream.next() => {
                let outcome = match incoming {
                    Some(Ok(Message::Text(text))) => read(text.as_str(), &mut limit)
                        .and_then(|message| state.town.lock().handle(id, message)),
                    Some(Ok(Message::Binary(_))) => Err(RejectCode::Malformed),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                if let Err(code) = outcome {
                    tracing::debug!(account = id.0, ?code, "message rejected");
                    if sink.send(encode(&ServerMessage::Rejected { code })).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
    state.town.lock().leave(id, connection);
    let _ = sink.close().await;
    tracing::info!(account = id.0, "left the town");
}

fn encode(message: &ServerMessage) -> Message {
    // Serializing these plain types cannot fail; an empty object would be ignored by clients.
    Message::Text(serde_json::to_string(message).unwrap_or_else(|_| "{}".into()).into())
}
