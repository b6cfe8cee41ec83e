//! Janus, the SFU that carries what reaches a whole hall. Only this server talks to Janus's API
//! (HTTP on loopback, with an API secret and a VideoRoom admin key that never leave the server);
//! browsers talk WebRTC to it directly. `spawn` starts Debian's `janus` with a configuration
//! generated into the data folder; `Janus` is a small client of its HTTP API: one session, one
//! handle per publication or subscription, requests matched to their events by transaction.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use rand::RngCore;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

/// Where Debian's janus package puts the server.
pub const JANUS_BIN: &str = "/usr/bin/janus";
/// Where its plugins and transports are.
const JANUS_LIB: &str = "/usr/lib/x86_64-linux-gnu/janus";
/// How long a request may wait for its answer or event.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Janus ends sessions silent for 60 s; we say something more often.
const KEEPALIVE_EVERY: Duration = Duration::from_secs(20);
/// How long Janus may take to start answering.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// How to reach a Janus: its HTTP API and the secrets it was configured with.
#[derive(Clone)]
pub struct JanusEndpoint {
    /// e.g. `http://127.0.0.1:8188/janus`.
    pub api_url: String,
    /// The `api_secret` every request must carry.
    pub api_secret: String,
    /// The VideoRoom plugin's `admin_key`, needed to create rooms.
    pub admin_key: String,
}

impl std::fmt::Debug for JanusEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets never reach a log.
        f.debug_struct("JanusEndpoint").field("api_url", &self.api_url).finish_non_exhaustive()
    }
}

/// A Janus process started by the server; stopped when dropped.
pub struct JanusProcess {
    _child: tokio::process::Child,
}

/// What the spawned Janus offers browsers for ICE.
#[derive(Debug, Clone)]
pub struct JanusNetwork {
    /// Interface whose addresses Janus gathers (`lo` on one machine).
    pub interface: String,
    /// The public address to announce instead, behind NAT (`nat_1_1_mapping`).
    pub public_ip: Option<IpAddr>,
    /// UDP ports for media.
    pub rtp_ports: (u16, u16),
}

impl Default for JanusNetwork {
    fn default() -> Self {
        JanusNetwork { interface: "lo".into(), public_ip: None, rtp_ports: (20000, 20999) }
    }
}

fn random_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts Janus with a configuration generated into `data_dir/janus/`: fresh secrets, only the
/// VideoRoom plugin and the HTTP transport, its API on 127.0.0.1 at a free port, nothing
/// recorded. Resolves once its API answers.
pub async fn spawn(data_dir: &Path, network: &JanusNetwork) -> Result<(JanusEndpoint, JanusProcess), String> {
    let folder = data_dir.join("janus");
    std::fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let port = free_tcp_port()?;
    let endpoint = JanusEndpoint {
        api_url: format!("http://127.0.0.1:{port}/janus"),
        api_secret: random_secret(),
        admin_key: random_secret(),
    };
    for (file, text) in configuration(&folder, port, &endpoint, network) {
        write_private(&folder.join(file), &text)?;
    }
    let config_file = folder.join("janus.jcfg");
    let child = tokio::process::Command::new(JANUS_BIN)
        .arg("--configs-folder")
        .arg(&folder)
        .arg("--config")
        .arg(&config_file)
        .arg("--disable-colors")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {JANUS_BIN} (Debian package janus): {e}"))?;
    let process = JanusProcess { _child: child };
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    loop {
        let info = client.get(format!("{}/info", endpoint.api_url)).send().await;
        if info.is_ok_and(|response| response.status().is_success()) {
            return Ok((endpoint, process));
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("janus did not answer on {} within {} s", endpoint.api_url, START_TIMEOUT.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The configuration files, by name.
fn configuration(
    folder: &Path,
    port: u16,
    endpoint: &JanusEndpoint,
    network: &JanusNetwork,
) -> Vec<(&'static str, String)> {
    let nat_mapping = network
        .public_ip
        .map(|ip| format!("\tnat_1_1_mapping = \"{ip}\"\n\tkeep_private_host = false\n"))
        .unwrap_or_default();
    let disabled_plugins = [
        "audiobridge",
        "duktape",
        "echotest",
        "lua",
        "nosip",
        "recordplay",
        "sip",
        "streaming",
        "textroom",
        "videocall",
        "voicemail",
    ]
    .map(|name| format!("libjanus_{name}.so"))
    .join(",");
    let disabled_transports =
        ["mqtt", "nanomsg", "pfunix", "rabbitmq", "websockets"].map(|name| format!("libjanus_{name}.so")).join(",");
    let main = format!(
        "general: {{\n\tconfigs_folder = \"{folder}\"\n\tplugins_folder = \"{JANUS_LIB}/plugins\"\n\
         \ttransports_folder = \"{JANUS_LIB}/transports\"\n\tevents_folder = \"{JANUS_LIB}/events\"\n\
         \tloggers_folder = \"{JANUS_LIB}/loggers\"\n\tdebug_level = 2\n\tapi_secret = \"{secret}\"\n\
         \tadmin_secret = \"{admin}\"\n\tsession_timeout = 60\n\tserver_name = \"ibasho-janus\"\n}}\n\
         media: {{\n\trtp_port_range = \"{low}-{high}\"\n}}\n\
         nat: {{\n\tice_enforce_list = \"{interface}\"\n\tignore_mdns = true\n{nat_mapping}}}\n\
         plugins: {{\n\tdisable = \"{disabled_plugins}\"\n}}\n\
         transports: {{\n\tdisable = \"{disabled_transports}\"\n}}\n\
         events: {{\n\tbroadcast = false\n}}\nloggers: {{\n\tdisable = \"libjanus_jsonlog.so\"\n}}\n",
        folder = folder.display(),
        secret = endpoint.api_secret,
        admin = random_secret(),
        low = network.rtp_ports.0,
        high = network.rtp_ports.1,
        interface = network.interface,
    );
    let http = format!(
        "general: {{\n\tjson = \"compact\"\n\tbase_path = \"/janus\"\n\thttp = true\n\tport = {port}\n\
         \tip = \"127.0.0.1\"\n\thttps = false\n}}\nadmin: {{\n\tadmin_http = false\n}}\n"
    );
    // Nothing is ever recorded; only this server may create rooms or forward RTP.
    let videoroom = format!("general: {{\n\tadmin_key = \"{}\"\n\tlock_rtp_forward = true\n}}\n", endpoint.admin_key);
    vec![("janus.jcfg", main), ("janus.transport.http.jcfg", http), ("janus.plugin.videoroom.jcfg", videoroom)]
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn free_tcp_port() -> Result<u16, String> {
    let listener = TcpListener::bind((IpAddr::V4(Ipv4Addr::LOCALHOST), 0)).map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|address| address.port()).map_err(|e| e.to_string())
}

/// Something Janus said that we did not ask for, about one handle.
#[derive(Debug, Clone, PartialEq)]
pub enum HandleEvent {
    /// Its PeerConnection is up: media flows.
    WebrtcUp,
    /// Its PeerConnection ended.
    Hangup,
}

/// Why a Janus request failed.
#[derive(Debug, thiserror::Error)]
pub enum JanusError {
    /// Janus could not be reached or did not answer in time.
    #[error("janus unreachable: {0}")]
    Unreachable(String),
    /// Janus or its plugin refused the request.
    #[error("janus refused: {0}")]
    Refused(String),
}

type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<Value>>>>;
type Watchers = Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<HandleEvent>>>>;

/// A session with one Janus, with its long-poll and keepalive running while it lives.
#[derive(Clone)]
pub struct Janus {
    endpoint: JanusEndpoint,
    client: reqwest::Client,
    session: u64,
    pending: Pending,
    watchers: Watchers,
}

/// A plugin's reply: its data, and the JSEP (SDP) that came with it.
#[derive(Debug, Clone)]
pub struct Reply {
    /// `plugindata.data`.
    pub data: Value,
    /// The SDP, if any.
    pub sdp: Option<String>,
}

impl Janus {
    /// Opens a session and starts polling its events.
    pub async fn connect(endpoint: JanusEndpoint) -> Result<Janus, JanusError> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT + Duration::from_secs(40))
            .build()
            .map_err(unreachable)?;
        let created = post(&client, &endpoint.api_url, json!({ "janus": "create" }), &endpoint).await?;
        let session = created["data"]["id"].as_u64().ok_or_else(|| JanusError::Refused(created.to_string()))?;
        let janus = Janus { endpoint, client, session, pending: Pending::default(), watchers: Watchers::default() };
        tokio::spawn(poll(janus.clone()));
        tokio::spawn(keep_alive(janus.clone()));
        Ok(janus)
    }

    fn session_url(&self) -> String {
        format!("{}/{}", self.endpoint.api_url, self.session)
    }

    /// Attaches a new VideoRoom handle; its unasked events go to the returned receiver.
    pub async fn attach(&self) -> Result<(u64, mpsc::UnboundedReceiver<HandleEvent>), JanusError> {
        let body = json!({ "janus": "attach", "plugin": "janus.plugin.videoroom" });
        let reply = post(&self.client, &self.session_url(), body, &self.endpoint).await?;
        let handle = reply["data"]["id"].as_u64().ok_or_else(|| JanusError::Refused(reply.to_string()))?;
        let (sender, receiver) = mpsc::unbounded_channel();
        lock(&self.watchers).insert(handle, sender);
        Ok((handle, receiver))
    }

    /// Ends a handle: its PeerConnection closes, its publication or subscription ends.
    pub async fn detach(&self, handle: u64) {
        lock(&self.watchers).remove(&handle);
        let url = format!("{}/{handle}", self.session_url());
        if let Err(error) = post(&self.client, &url, json!({ "janus": "detach" }), &self.endpoint).await {
            tracing::debug!(%error, "janus detach");
        }
    }

    /// Sends a plugin message (`body`, with an SDP when given) and waits for its reply: the
    /// synchronous one, or the event that follows an ack.
    pub async fn message(&self, handle: u64, mut body: Value, jsep: Option<(&str, &str)>) -> Result<Reply, JanusError> {
        if body["request"] == "create" {
            body["admin_key"] = json!(self.endpoint.admin_key);
        }
        let transaction = random_secret();
        let mut request = json!({ "janus": "message", "body": body, "transaction": transaction });
        if let Some((kind, sdp)) = jsep {
            request["jsep"] = json!({ "type": kind, "sdp": sdp });
        }
        let (sender, receiver) = oneshot::channel();
        lock(&self.pending).insert(transaction.clone(), sender);
        let url = format!("{}/{handle}", self.session_url());
        let answered = post_with(&self.client, &url, request, &self.endpoint, &transaction).await;
        let reply = match answered {
            Ok(reply) if reply["janus"] == "ack" => match tokio::time::timeout(REQUEST_TIMEOUT, receiver).await {
                Ok(Ok(event)) => event,
                _ => {
                    lock(&self.pending).remove(&transaction);
                    return Err(JanusError::Unreachable("no event in time".into()));
                }
            },
            Ok(reply) => {
                lock(&self.pending).remove(&transaction);
                reply
            }
            Err(error) => {
                lock(&self.pending).remove(&transaction);
                return Err(error);
            }
        };
        plugin_reply(reply)
    }
}

fn plugin_reply(reply: Value) -> Result<Reply, JanusError> {
    if reply["janus"] == "error" {
        return Err(JanusError::Refused(reply["error"]["reason"].as_str().unwrap_or("error").to_owned()));
    }
    let data = reply["plugindata"]["data"].clone();
    if let Some(error) = data.get("error") {
        return Err(JanusError::Refused(error.as_str().unwrap_or("error").to_owned()));
    }
    let sdp = reply["jsep"]["sdp"].as_str().map(str::to_owned);
    Ok(Reply { data, sdp })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn unreachable(error: impl std::fmt::Display) -> JanusError {
    JanusError::Unreachable(error.to_string())
}

async fn post(client: &reqwest::Client, url: &str, body: Value, endpoint: &JanusEndpoint) -> Result<Value, JanusError> {
    post_with(client, url, body, endpoint, &random_secret()).await
}

async fn post_with(
    client: &reqwest::Client,
    url: &str,
    mut body: Value,
    endpoint: &JanusEndpoint,
    transaction: &str,
) -> Result<Value, JanusError> {
    body["apisecret"] = json!(endpoint.api_secret);
    if body.get("transaction").is_none() {
        body["transaction"] = json!(transaction);
    }
    let response = client.post(url).json(&body).timeout(REQUEST_TIMEOUT).send().await.map_err(unreachable)?;
    let reply: Value = response.json().await.map_err(unreachable)?;
    if reply["janus"] == "error" {
        return Err(JanusError::Refused(reply["error"]["reason"].as_str().unwrap_or("error").to_owned()));
    }
    Ok(reply)
}

/// Long-polls the session's events: replies go to the request waiting for them, the rest to
/// the handle's watcher. Ends when the session is gone.
async fn poll(janus: Janus) {
    let url = format!("{}?maxev=10&apisecret={}", janus.session_url(), janus.endpoint.api_secret);
    let mut failures = 0;
    loop {
        let events = match janus.client.get(&url).send().await {
            Ok(response) => response.json::<Value>().await.ok(),
            Err(_) => None,
        };
        let Some(events) = events else {
            failures += 1;
            if failures > 5 {
                tracing::warn!("janus stopped answering its event poll");
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        failures = 0;
        let events = match events {
            Value::Array(events) => events,
            event => vec![event],
        };
        for event in events {
            dispatch(&janus, event);
        }
    }
}

fn dispatch(janus: &Janus, event: Value) {
    if let Some(transaction) = event["transaction"].as_str()
        && let Some(waiter) = lock(&janus.pending).remove(transaction)
    {
        let _ = waiter.send(event);
        return;
    }
    let unasked = match event["janus"].as_str() {
        Some("webrtcup") => HandleEvent::WebrtcUp,
        Some("hangup") => HandleEvent::Hangup,
        _ => return,
    };
    if let Some(handle) = event["sender"].as_u64()
        && let Some(watcher) = lock(&janus.watchers).get(&handle)
    {
        let _ = watcher.send(unasked);
    }
}

async fn keep_alive(janus: Janus) {
    let mut interval = tokio::time::interval(KEEPALIVE_EVERY);
    let mut failures = 0;
    while failures < 5 {
        interval.tick().await;
        let body = json!({ "janus": "keepalive" });
        if post(&janus.client, &janus.session_url(), body, &janus.endpoint).await.is_err() {
            failures += 1;
            tracing::warn!("janus keepalive failed");
        } else {
            failures = 0;
        }
    }
}
