//! Test harness: the real server on 127.0.0.1:0 with an in-memory store, HTTP clients with
//! cookie jars, and WebSocket clients that speak the protocol.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use ibasho_server::{AppState, Config, Store, TownHandle, TownOptions, app};
use protocol::{
    BoothRequest, ClientMessage, HelpRequest, ParticipantId, PeerId, Position, RejectCode, Role, ServerMessage, TownMap,
};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub map: Arc<TownMap>,
    pub options: TownOptions,
    _static_dir: tempfile::TempDir,
    /// A Janus of the test's own, when it uses the SFU.
    pub janus: Option<(ibasho_server::sfu::JanusEndpoint, ibasho_server::sfu::JanusProcess)>,
}

/// The largest gallery upload the test server takes (small, to show the limit).
pub const VIDEO_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The client page the test server serves, with one inline script as the real one has.
pub const INDEX_HTML: &str = "<!doctype html><title>town</title><script type=\"module\">boot()</script>";

pub fn town_map() -> TownMap {
    TownMap::from_ron(include_str!("../../../assets/maps/town.ron")).expect("town map")
}

impl TestServer {
    /// A server whose people may be placed anywhere on floor in one move, so tests reach a
    /// spot without walking there step by step (`walking.rs` tests the walking rule itself).
    pub async fn start() -> TestServer {
        TestServer::start_with(TownOptions::default()).await
    }

    /// A server whose town runs with `options` (e.g. short booth timers, a TURN relay); moves
    /// may teleport unless `walking` is used.
    pub async fn start_with(options: TownOptions) -> TestServer {
        let options = TownOptions { teleports_allowed: true, ..options };
        TestServer::start_on(Store::in_memory().expect("store"), options).await
    }

    /// A server holding moves to the walking rule, as the real one does.
    pub async fn walking() -> TestServer {
        TestServer::start_on(Store::in_memory().expect("store"), TownOptions::default()).await
    }

    /// The server restarting: the town stops as on SIGTERM (saving itself into the store) and a
    /// new server starts on the same store, on a new port, restoring the town.
    pub async fn restart(&self) -> TestServer {
        self.state.town.stop(&self.state.store);
        TestServer::start_on(self.state.store.clone(), self.options).await
    }

    /// A server on `store` (e.g. one whose sessions end sooner).
    pub async fn start_on(store: Store, options: TownOptions) -> TestServer {
        let static_dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(static_dir.path().join("index.html"), INDEX_HTML).expect("index");
        // Stands in for the brotli file `cargo xtask` writes; only its headers are looked at.
        std::fs::write(static_dir.path().join("index.html.br"), b"not really brotli").expect("index.br");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let map = Arc::new(town_map());
        let config = Config {
            listen: address,
            data_dir: static_dir.path().into(),
            static_dir: static_dir.path().into(),
            map_path: "unused".into(),
            public_url: format!("http://{address}"),
            secure_cookies: false,
            staff_invite: false,
            turn: None,
            spawn_turn: None,
            load_test: false,
            sessions: store.session_policy(),
            video_max_bytes: VIDEO_MAX_BYTES,
            janus: Vec::new(),
            spawn_janus: false,
            janus_network: Default::default(),
            time_zone: ibasho_server::city_time::city_zone(),
        };
        let town = TownHandle::start(map.clone(), options);
        town.restore_from(&store);
        town.keep_saved(store.clone());
        let state = AppState { store, town, config: Arc::new(config), limits: Arc::default() };
        ibasho_server::reservations::keep_in_step(state.clone());
        ibasho_server::programs::keep_in_step(state.clone());
        ibasho_server::announcements::keep_in_step(state.clone());
        ibasho_server::gallery::start(&state).expect("gallery");
        ibasho_server::blocks::load(&state).expect("blocks");
        let router = app(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, router).await });
        TestServer { base: format!("http://{address}"), state, map, options, _static_dir: static_dir, janus: None }
    }

    /// A server whose halls' media go through a real Janus of its own, started as the server
    /// does with `--spawn-janus`.
    pub async fn with_janus() -> TestServer {
        let mut server = TestServer::start().await;
        server.attach_janus().await;
        server
    }

    /// [`TestServer::restart`] with a Janus of its own, as a restarted server starts a new one.
    pub async fn restart_with_janus(&self) -> TestServer {
        let mut server = self.restart().await;
        server.attach_janus().await;
        server
    }

    async fn attach_janus(&mut self) {
        let (endpoint, process) =
            ibasho_server::sfu::janus::spawn(self._static_dir.path(), &Default::default()).await.expect("janus");
        let halls = self
            .map
            .places
            .iter()
            .filter(|place| place.kind == protocol::PlaceKind::Hall)
            .map(|place| place.id.clone())
            .collect();
        let sfu = ibasho_server::sfu::Sfu::start(vec![endpoint.clone()], halls).await.expect("sfu");
        self.state.town.set_sfu(sfu);
        self.janus = Some((endpoint, process));
    }

    /// A fresh invite token made directly in the store (as the server does at start).
    pub fn invite_token(&self, role: Role) -> String {
        self.state.store.create_invite(role, "", None, 3600).expect("invite").token
    }

    /// Registers a new account through the real HTTP API; returns its client and cookie.
    pub async fn register(&self, role: Role, nickname: &str) -> Browser {
        let token = self.invite_token(role);
        let browser = Browser::new(&self.base);
        let response =
            browser.post("/api/register", json!({ "token": token, "nickname": nickname, "avatar": 1 })).await;
        assert_eq!(response.status(), 200, "register {nickname}");
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned();
        Browser { cookie: Some(cookie), ..browser }
    }

    pub fn at(&self, col: u32, row: u32) -> Position {
        self.map.tile_center(col, row)
    }
}

/// An HTTP client standing for one browser.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub cookie: Option<String>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser { base: base.to_owned(), client: reqwest::Client::new(), cookie: None }
    }

    fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.with_cookie(self.client.get(format!("{}{path}", self.base))).send().await.expect("get")
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.with_cookie(self.client.post(format!("{}{path}", self.base)).json(&body)).send().await.expect("post")
    }

    pub async fn post_raw(&self, path: &str, body: &'static str) -> reqwest::Response {
        let request = self.client.post(format!("{}{path}", self.base)).header("content-type", "application/json");
        self.with_cookie(request.body(body)).send().await.expect("post")
    }

    pub async fn put(&self, path: &str, body: Value) -> reqwest::Response {
        self.with_cookie(self.client.put(format!("{}{path}", self.base)).json(&body)).send().await.expect("put")
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.with_cookie(self.client.delete(format!("{}{path}", self.base))).send().await.expect("delete")
    }

    /// This browser's account id.
    pub async fn me(&self) -> ParticipantId {
        let me: serde_json::Value = self.get("/api/me").await.json().await.expect("me");
        ParticipantId(me["id"].as_i64().expect("id"))
    }

    pub async fn connect(&self) -> Socket {
        self.connect_to("/ws").await
    }

    /// Connects as the page `page` (a page's reconnections carry its id).
    pub async fn connect_page(&self, page: uuid::Uuid) -> Socket {
        self.connect_to(&format!("/ws?page={page}")).await
    }

    async fn connect_to(&self, path: &str) -> Socket {
        let url = format!("{}{path}", self.base.replace("http://", "ws://"));
        let mut request = url.into_client_request().expect("request");
        if let Some(cookie) = &self.cookie {
            request.headers_mut().insert("cookie", cookie.parse().expect("cookie"));
        }
        let (stream, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
        Socket { stream }
    }
}

/// A presence WebSocket of one browser.
pub struct Socket {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How long a test waits for a message that should come.
pub const WAIT: Duration = Duration::from_secs(3);
/// How long a test watches for a message that should not come (several server ticks).
pub const WATCH: Duration = Duration::from_millis(600);

impl Socket {
    pub async fn send(&mut self, message: &ClientMessage) {
        let text = serde_json::to_string(message).expect("json");
        self.stream.send(Message::Text(text.into())).await.expect("send");
    }

    pub async fn send_text(&mut self, text: String) {
        self.stream.send(Message::Text(text.into())).await.expect("send");
    }

    pub async fn move_to(&mut self, position: Position) {
        self.send(&ClientMessage::Move { position }).await;
    }

    /// The next server message, or None on timeout or close.
    pub async fn next(&mut self, within: Duration) -> Option<ServerMessage> {
        loop {
            let frame = tokio::time::timeout(within, self.stream.next()).await.ok()??.ok()?;
            match frame {
                Message::Text(text) => return Some(serde_json::from_str(text.as_str()).expect("server message")),
                // Position frames read as the movements they carry (a frame with none is skipped).
                Message::Binary(bytes) => {
                    static MAP: std::sync::OnceLock<TownMap> = std::sync::OnceLock::new();
                    let places = &MAP.get_or_init(town_map).places;
                    let frame = protocol::positions::decode(&bytes, places).expect("positions frame");
                    if !frame.moves.is_empty() {
                        return Some(ServerMessage::Moved { moves: frame.moves, interest: Some(frame.interest) });
                    }
                }
                _ => {}
            }
        }
    }

    /// Reads until a message matches, within `within`.
    pub async fn until<T>(&mut self, within: Duration, mut pick: impl FnMut(&ServerMessage) -> Option<T>) -> Option<T> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let message = self.next(left).await?;
            if let Some(found) = pick(&message) {
                return Some(found);
            }
        }
    }

    /// Closes the connection as a page does when it is closed (the person leaves at once).
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
        // Wait for the server's answer, so that it has seen the close.
        while let Ok(Some(Ok(_))) = tokio::time::timeout(WAIT, self.stream.next()).await {}
    }

    pub async fn welcome(&mut self) -> ServerMessage {
        self.until(WAIT, |m| matches!(m, ServerMessage::Welcome { .. }).then(|| m.clone())).await.expect("welcome")
    }
}

/// One person in the town, with their presence socket.
pub struct Person {
    pub id: ParticipantId,
    pub socket: Socket,
}

impl Person {
    pub async fn send(&mut self, message: &ClientMessage) {
        self.socket.send(message).await;
    }

    pub async fn booth(&mut self, request: BoothRequest) {
        self.socket.send(&ClientMessage::Booth { request }).await;
    }

    pub async fn help(&mut self, request: HelpRequest) {
        self.socket.send(&ClientMessage::Help { request }).await;
    }

    pub async fn move_to(&mut self, position: Position) {
        self.socket.move_to(position).await;
    }

    /// Reads until a message matches, within [`WAIT`].
    pub async fn until<T>(&mut self, pick: impl FnMut(&ServerMessage) -> Option<T>) -> Option<T> {
        self.socket.until(WAIT, pick).await
    }

    /// Every message that comes within [`WATCH`].
    pub async fn gather(&mut self) -> Vec<ServerMessage> {
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + WATCH;
        while let Some(message) =
            self.socket.next(deadline.saturating_duration_since(tokio::time::Instant::now())).await
        {
            seen.push(message);
        }
        seen
    }

    /// Whether no message matching `pick` comes within [`WATCH`].
    pub async fn never(&mut self, mut pick: impl FnMut(&ServerMessage) -> bool) -> bool {
        self.socket.until(WATCH, |m| pick(m).then_some(())).await.is_none()
    }
}

/// A new participant in the town.
pub async fn enter(server: &TestServer, nickname: &str) -> Person {
    enter_as(server, Role::Participant, nickname).await
}

/// A new account of `role` in the town.
pub async fn enter_as(server: &TestServer, role: Role, nickname: &str) -> Person {
    let browser = server.register(role, nickname).await;
    let mut socket = browser.connect().await;
    let ServerMessage::Welcome { you, .. } = socket.welcome().await else { unreachable!() };
    Person { id: you.id, socket }
}

pub async fn introduced_to(person: &mut Person, other: ParticipantId) -> Option<(PeerId, bool)> {
    person
        .until(|m| match m {
            ServerMessage::Introduce { link, person, offer, .. } if *person == other => Some((*link, *offer)),
            _ => None,
        })
        .await
}

pub async fn never_introduced(person: &mut Person) -> bool {
    person.never(|m| matches!(m, ServerMessage::Introduce { .. })).await
}

pub async fn separated(person: &mut Person, from: PeerId) -> bool {
    person.until(|m| matches!(m, ServerMessage::Separate { link } if *link == from).then_some(())).await.is_some()
}

/// Sends a request about the hall `person` stands in.
pub async fn hall(person: &mut Person, request: protocol::HallRequest) {
    person.send(&ClientMessage::Hall { request }).await;
}

/// The next view of their hall `person` is sent that is `wanted`.
pub async fn hall_view(
    person: &mut Person,
    mut wanted: impl FnMut(&protocol::HallView) -> bool,
) -> Option<protocol::HallView> {
    person
        .until(|m| match m {
            ServerMessage::Hall { view: Some(view) } if wanted(view) => Some(view.clone()),
            _ => None,
        })
        .await
}

pub async fn rejected(person: &mut Person) -> Option<RejectCode> {
    person
        .until(|m| match m {
            ServerMessage::Rejected { code } => Some(*code),
            _ => None,
        })
        .await
}

/// Counselor `k` opens booth 1 and lets participant `a` in, who walks inside: a session.
/// Each step waits until the server said it happened.
pub async fn counsel(server: &TestServer, k: &mut Person, a: &mut Person) {
    let booth = protocol::PlaceId("booth-1".into());
    k.move_to(server.at(13, 7)).await;
    k.move_to(server.at(12, 3)).await;
    k.booth(BoothRequest::Open { title: protocol::JobTitle::Counselor }).await;
    let open = a.until(|m| match m {
        ServerMessage::BoothSigns { signs } => {
            signs.iter().any(|s| s.booth == booth && s.state == protocol::BoothState::Open).then_some(())
        }
        _ => None,
    });
    assert!(open.await.is_some(), "booth 1 受付中");
    a.move_to(server.at(13, 8)).await;
    a.booth(BoothRequest::Knock { booth: booth.clone(), note: String::new() }).await;
    let knocked = k.until(|m| match m {
        ServerMessage::BoothDesk { desk: Some(desk) } => desk.knocks.iter().any(|knock| knock.id == a.id).then_some(()),
        _ => None,
    });
    assert!(knocked.await.is_some(), "K sees the knock");
    k.booth(BoothRequest::Answer { person: a.id, answer: protocol::KnockAnswer::Admit }).await;
    let admitted = a.until(|m| {
        matches!(m, ServerMessage::BoothTicket { ticket: Some(protocol::Ticket::Admitted { .. }) }).then_some(())
    });
    assert!(admitted.await.is_some(), "A let in");
    a.move_to(server.at(13, 7)).await;
    a.move_to(server.at(14, 3)).await;
}
