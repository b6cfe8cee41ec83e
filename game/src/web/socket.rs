//! The WebSocket to the server, kept open through faults. Incoming messages go to Bevy
//! (`ServerLink`) and, for the signaling ones, straight to matchbox's signaller too, so peer
//! handshakes never wait for a frame to be drawn (hidden tabs get no frames).
//!
//! When the socket drops it is opened again with exponential backoff and jitter, under the same
//! page id (`/ws?page=…`), so the server resumes this page where it was. The channels to Bevy
//! and to matchbox outlive every socket: peer connections that are flowing are never touched,
//! and after a welcome the links are reconciled (matchbox is told of links that ended or began
//! while we were away). Only a real end (`Closing`) stops it.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use matchbox_socket::PeerEvent;
use protocol::{ClientMessage, LinkInfo, PeerId, ServerMessage, WEBSOCKET_PATH};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::connection::Connection;
use crate::presence::ServerLink;

/// Attempts before the page stops and asks the person (about a minute in all).
const MAX_ATTEMPTS: u32 = 12;
/// The first wait before reconnecting, in milliseconds; it doubles each attempt.
const FIRST_DELAY_MS: f64 = 500.0;
/// The longest wait between attempts, in milliseconds.
const LONGEST_DELAY_MS: f64 = 8_000.0;
/// Close code the page uses when it gives up on a socket itself: the server keeps the person.
const RECONNECTING_CODE: u16 = 4000;
/// Requests kept while disconnected, sent once the socket opens again.
const MAX_HELD: usize = 32;

thread_local! {
    static TRANSPORT: RefCell<Option<Rc<Transport>>> = const { RefCell::new(None) };
}

/// The one connection of this page.
struct Transport {
    url: String,
    incoming: async_channel::Sender<ServerMessage>,
    events: async_channel::Sender<PeerEvent>,
    status: async_channel::Sender<Connection>,
    socket: RefCell<Option<WebSocket>>,
    /// Counts sockets, so events of an abandoned one are ignored.
    generation: Cell<u32>,
    /// Failed attempts since the last open.
    attempt: Cell<u32>,
    /// The server said it is restarting.
    restarting: Cell<bool>,
    /// A real end: never reconnect.
    ended: Cell<bool>,
    /// Whether matchbox has been given our id (once).
    id_given: Cell<bool>,
    /// The links matchbox knows, with whether we offer on them.
    links: RefCell<HashMap<PeerId, bool>>,
    /// Requests made while disconnected (booth, help, ladder), sent on reopening.
    held: RefCell<Vec<ClientMessage>>,
}

/// Opens the connection. Returns Bevy's link, the stream of matchbox signaling events and the
/// connection's state for the banner.
pub fn open() -> Result<(ServerLink, async_channel::Receiver<PeerEvent>, async_channel::Receiver<Connection>), String> {
    let window = web_sys::window().ok_or("no window")?;
    let location = window.location();
    let scheme = if location.protocol().map_err(describe)? == "https:" { "wss" } else { "ws" };
    let early = EarlySocket::take(&window);
    let page = early.as_ref().map_or_else(|| page_id().to_string(), |early| early.page.clone());
    let url = format!("{scheme}://{}{WEBSOCKET_PATH}?page={page}", location.host().map_err(describe)?);

    let (incoming_tx, incoming_rx) = async_channel::unbounded::<ServerMessage>();
    let (events_tx, events_rx) = async_channel::unbounded::<PeerEvent>();
    let (outgoing_tx, outgoing_rx) = async_channel::unbounded::<ClientMessage>();
    let (status_tx, status_rx) = async_channel::unbounded::<Connection>();
    let transport = Rc::new(Transport {
        url,
        incoming: incoming_tx,
        events: events_tx,
        status: status_tx,
        socket: RefCell::new(None),
        generation: Cell::new(0),
        attempt: Cell::new(0),
        restarting: Cell::new(false),
        ended: Cell::new(false),
        id_given: Cell::new(false),
        links: RefCell::new(HashMap::new()),
        held: RefCell::new(Vec::new()),
    });
    match early {
        Some(early) => transport.adopt(early)?,
        None => transport.connect()?,
    }
    TRANSPORT.with(|slot| *slot.borrow_mut() = Some(transport.clone()));

    wasm_bindgen_futures::spawn_local(async move {
        while let Ok(message) = outgoing_rx.recv().await {
            transport.send(message);
        }
    });
    Ok((ServerLink { outgoing: outgoing_tx, incoming: incoming_rx }, events_rx, status_rx))
}

/// 「もう一度つなぐ」: starts the attempts again at once.
pub fn try_again() {
    let transport = TRANSPORT.with(|slot| slot.borrow().clone());
    if let Some(transport) = transport.filter(|t| !t.ended.get()) {
        transport.attempt.set(0);
        let _ = transport.status.try_send(Connection::Reconnecting { attempt: 1 });
        if let Err(error) = transport.connect() {
            bevy::log::warn!("cannot reconnect: {error}");
        }
    }
}

impl Transport {
    /// Opens a new socket, abandoning any previous one.
    fn connect(self: &Rc<Self>) -> Result<(), String> {
        self.abandon();
        let socket = WebSocket::new(&self.url).map_err(describe)?;
        socket.set_binary_type(web_sys::BinaryType::Arraybuffer);
        self.attach(socket);
        Ok(())
    }

    /// Takes over the socket the page opened as it started, with what it received meanwhile.
    fn adopt(self: &Rc<Self>, early: EarlySocket) -> Result<(), String> {
        if !early.closed {
            self.attach(early.socket);
            if early.opened {
                self.opened();
            }
        }
        for data in early.messages.iter() {
            self.on_data(data);
        }
        // It closed before the game started (the server unreachable or restarting): a first
        // attempt of our own, as if the page had just started.
        if early.closed && !self.ended.get() {
            return self.connect();
        }
        Ok(())
    }

    /// Makes `socket` this page's socket: its events come here, those of earlier ones no more.
    fn attach(self: &Rc<Self>, socket: WebSocket) {
        let generation = self.generation.get() + 1;
        self.generation.set(generation);

        let this = self.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if this.generation.get() == generation {
                this.on_data(event.data());
            }
        });
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();

        let this = self.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if this.generation.get() == generation {
                this.opened();
            }
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_open.forget();

        let this = self.clone();
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| {
            if this.generation.get() == generation {
                this.closed();
            }
        });
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        on_close.forget();

        *self.socket.borrow_mut() = Some(socket);
    }

    /// A message's data: JSON text, or a binary frame of positions.
    fn on_data(&self, data: JsValue) {
        let message = match data.as_string() {
            Some(text) => serde_json::from_str::<ServerMessage>(&text).map_err(|error| error.to_string()),
            // Positions come as binary frames (the page reads no places from them).
            None => {
                let bytes = js_sys::Uint8Array::new(&data).to_vec();
                protocol::positions::decode(&bytes, &[])
                    .map(|frame| ServerMessage::Moved { moves: frame.moves, interest: Some(frame.interest) })
                    .map_err(|error| error.to_string())
            }
        };
        match message {
            Ok(message) => self.received(message),
            Err(error) => bevy::log::warn!("unreadable message from the server: {error}"),
        }
    }

    /// The socket opened: requests held meanwhile go out.
    fn opened(&self) {
        self.attempt.set(0);
        self.restarting.set(false);
        let _ = self.status.try_send(Connection::Open);
        let held: Vec<ClientMessage> = self.held.borrow_mut().drain(..).collect();
        for message in held {
            self.send(message);
        }
    }

    /// Lets go of the current socket without a goodbye the server would take as leaving.
    fn abandon(&self) {
        if let Some(old) = self.socket.borrow_mut().take() {
            old.set_onmessage(None);
            old.set_onopen(None);
            old.set_onclose(None);
            let _ = old.close_with_code_and_reason(RECONNECTING_CODE, "reconnecting");
        }
    }

    fn send(&self, message: ClientMessage) {
        let socket = self.socket.borrow();
        let open = socket.as_ref().filter(|socket| socket.ready_state() == WebSocket::OPEN);
        match open {
            Some(socket) => {
                if let Ok(text) = serde_json::to_string(&message) {
                    let _ = socket.send_with_str(&text);
                }
            }
            // Positions are sent again after the welcome and signals would be stale; requests
            // the person made wait for the socket.
            None => {
                let keep = !matches!(
                    message,
                    ClientMessage::Move { .. } | ClientMessage::Signal { .. } | ClientMessage::KeepAlive
                );
                let mut held = self.held.borrow_mut();
                if keep && held.len() < MAX_HELD {
                    held.push(message);
                }
            }
        }
    }

    fn received(&self, message: ServerMessage) {
        match &message {
            ServerMessage::Welcome { peer_id, links, .. } => {
                if !self.id_given.replace(true) {
                    let _ = self.events.try_send(PeerEvent::IdAssigned(matchbox(*peer_id)));
                }
                self.reconcile(links);
            }
            ServerMessage::Introduce { link, offer, .. } => {
                self.links.borrow_mut().insert(*link, *offer);
                if *offer {
                    let _ = self.events.try_send(PeerEvent::NewPeer(matchbox(*link)));
                }
            }
            ServerMessage::Separate { link } => {
                self.links.borrow_mut().remove(link);
                let _ = self.events.try_send(PeerEvent::PeerLeft(matchbox(*link)));
            }
            ServerMessage::Signal { from, signal } => {
                let event = PeerEvent::Signal { sender: matchbox(*from), data: to_matchbox(signal) };
                let _ = self.events.try_send(event);
            }
            ServerMessage::Restarting => {
                self.restarting.set(true);
                let _ = self.status.try_send(Connection::Restarting);
            }
            ServerMessage::Closing { .. } => self.ended.set(true),
            _ => {}
        }
        let _ = self.incoming.try_send(message);
    }

    /// Makes matchbox's links those of the welcome: links that ended while we were away are
    /// left, new ones we offer on are started, and the ones still wanted are kept as they are.
    fn reconcile(&self, wanted: &[LinkInfo]) {
        let wanted_ids: HashSet<PeerId> = wanted.iter().map(|info| info.link).collect();
        let mut links = self.links.borrow_mut();
        for gone in links.keys().filter(|link| !wanted_ids.contains(link)).copied().collect::<Vec<_>>() {
            links.remove(&gone);
            let _ = self.events.try_send(PeerEvent::PeerLeft(matchbox(gone)));
        }
        for info in wanted {
            if links.insert(info.link, info.offer).is_none() && info.offer {
                let _ = self.events.try_send(PeerEvent::NewPeer(matchbox(info.link)));
            }
        }
    }

    /// The socket closed: unless it was a real end, try again after a while.
    fn closed(self: &Rc<Self>) {
        self.socket.borrow_mut().take();
        if self.ended.get() {
            return;
        }
        let attempt = self.attempt.get() + 1;
        self.attempt.set(attempt);
        if attempt > MAX_ATTEMPTS {
            let _ = self.status.try_send(Connection::GaveUp);
            return;
        }
        let state = if self.restarting.get() { Connection::Restarting } else { Connection::Reconnecting { attempt } };
        let _ = self.status.try_send(state);
        // 0.5 s, 1 s, 2 s … up to 8 s, each between half and all of it, so that a whole town
        // coming back after a restart does not knock at the same instant.
        let full = (FIRST_DELAY_MS * 2f64.powi(attempt as i32 - 1)).min(LONGEST_DELAY_MS);
        let delay = full * (0.5 + 0.5 * js_sys::Math::random());
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            sleep(delay).await;
            if this.ended.get() || this.socket.borrow().is_some() {
                return;
            }
            // A session that ended while we were away is a real end, said as such.
            if attempt >= 2 && session_ended().await {
                this.ended.set(true);
                let code = protocol::CloseCode::SessionExpired;
                let _ = this.incoming.try_send(ServerMessage::Closing { code });
                return;
            }
            if let Err(error) = this.connect() {
                bevy::log::warn!("cannot reconnect: {error}");
                this.closed();
            }
        });
    }
}

/// Whether the server answers that our session is no longer valid (not merely unreachable).
async fn session_ended() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let Ok(response) = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str("/api/me")).await else {
        return false;
    };
    response.dyn_into::<web_sys::Response>().is_ok_and(|response| response.status() == 401)
}

async fn sleep(milliseconds: f64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, milliseconds as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The socket index.html opens as the page starts (`window.ibashoEarlySocket`), so that the
/// handshake and the welcome come in while the wasm is still arriving and compiling.
struct EarlySocket {
    /// Its page id (`/ws?page=…`), kept for reconnections.
    page: String,
    socket: WebSocket,
    /// The data of the messages it received so far, in order.
    messages: js_sys::Array,
    opened: bool,
    closed: bool,
}

impl EarlySocket {
    /// Takes it from the page (once); `None` if the page has none.
    fn take(window: &web_sys::Window) -> Option<EarlySocket> {
        let key = JsValue::from_str("ibashoEarlySocket");
        let early = js_sys::Reflect::get(window, &key).ok().filter(JsValue::is_object)?;
        let _ = js_sys::Reflect::delete_property(window, &key);
        let field = |name: &str| js_sys::Reflect::get(&early, &JsValue::from_str(name)).ok();
        Some(EarlySocket {
            page: field("page")?.as_string()?,
            socket: field("socket")?.dyn_into().ok()?,
            messages: field("messages")?.dyn_into().ok()?,
            opened: field("opened")?.as_bool()?,
            closed: field("closed")?.as_bool()?,
        })
    }
}

/// A random id for this page (it tells the server a reconnection from another tab; the session
/// cookie is what authenticates).
fn page_id() -> uuid::Uuid {
    let bytes: [u8; 16] = std::array::from_fn(|_| (js_sys::Math::random() * 256.0) as u8);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn matchbox(peer: PeerId) -> matchbox_socket::PeerId {
    matchbox_socket::PeerId(peer.0)
}

fn to_matchbox(signal: &protocol::PeerSignal) -> matchbox_socket::PeerSignal {
    use matchbox_socket::PeerSignal as M;
    use protocol::PeerSignal as P;
    match signal {
        P::IceCandidate(c) => M::IceCandidate(c.clone()),
        P::Offer(sdp) => M::Offer(sdp.clone()),
        P::Answer(sdp) => M::Answer(sdp.clone()),
    }
}

/// The protocol form of a matchbox signal.
pub fn from_matchbox(signal: matchbox_socket::PeerSignal) -> protocol::PeerSignal {
    use matchbox_socket::PeerSignal as M;
    use protocol::PeerSignal as P;
    match signal {
        M::IceCandidate(c) => P::IceCandidate(c),
        M::Offer(sdp) => P::Offer(sdp),
        M::Answer(sdp) => P::Answer(sdp),
    }
}

fn describe(error: JsValue) -> String {
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}
