//! `loadgen`: starts the real server, registers N accounts through invites, connects N presence
//! WebSockets that each walk at 10 Hz, and reports, per level of N, how long position updates
//! took to reach the probe clients (p50, p99), how many of their near neighbours' updates they
//! saw, what each probe received, and the server's memory and CPU per client.
//!
//!     loadgen --server target/release/ibasho-server [--levels 500,1000,2000,3000,4000] [--crowd 1000] [--seconds 10]
//!
//! (`--levels 5000` tries the issue's largest level; on 2 cores shared with this tool it does not
//! settle, see BENCHMARKS.md.)
//!
//!     loadgen --server target/release/ibasho-server --hold 200
//!
//! holds 200 clients walking about the free space until its standard input
//! closes, and prints the server's address and an invite for a page to join them (the client's
//! frame-cost benchmark, `tests/e2e/bench-crowd.mjs`).
//!
//! A level spreads its clients over the town's open floor (every place but the booths); the
//! crowd puts them all in one part of the free space. Each client tells the server a laptop's
//! view (1280×800), as the game does.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use protocol::{
    ClientMessage, POSITION_UPDATES_PER_SECOND, ParticipantId, PlaceKind, Position, ServerMessage, TownMap,
};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Clients whose received updates are timed (timing every receiver would load the tool itself).
const PROBES: usize = 4;

/// A neighbour this close to a probe (world pixels) is always told at full rate: the probe
/// should see every one of their updates.
const NEAR: f32 = 64.0;
/// The view every client says it has.
const VIEW: (f32, f32) = (1280.0, 800.0);

/// When each (mover, position) update was sent.
type SendTimes = Arc<Mutex<HashMap<(i64, u32, u32), Instant>>>;

struct Options {
    server: String,
    levels: Vec<usize>,
    crowd: Option<usize>,
    seconds: u64,
    hold: Option<usize>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        server: "target/release/ibasho-server".into(),
        levels: vec![500, 1000, 2000, 3000, 4000],
        crowd: Some(1000),
        seconds: 10,
        hold: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--server" => options.server = value,
            "--levels" if value == "none" => options.levels = Vec::new(),
            "--levels" => {
                options.levels = value
                    .split(',')
                    .map(|n| n.parse().map_err(|_| format!("bad level {n}")))
                    .collect::<Result<_, _>>()?
            }
            "--crowd" => {
                options.crowd = match value.as_str() {
                    "0" | "none" => None,
                    n => Some(n.parse().map_err(|_| format!("bad crowd {n}"))?),
                }
            }
            "--seconds" => options.seconds = value.parse().map_err(|_| "bad --seconds".to_owned())?,
            "--hold" => options.hold = Some(value.parse().map_err(|_| "bad --hold".to_owned())?),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() {
    if let Err(message) = run().await {
        eprintln!("loadgen: {message}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let options = options()?;
    let data = std::env::temp_dir().join(format!("ibasho-loadgen-{}", std::process::id()));
    let mut server = tokio::process::Command::new(&options.server)
        .args(["--listen", "127.0.0.1:0", "--data-dir", &data.to_string_lossy(), "--static-dir", "dist", "--load-test"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", options.server))?;
    let stdout = server.stdout.take().ok_or("no server stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let (mut base, mut staff_invite) = (None, None);
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(url) = line.strip_prefix("ibasho: listening on ") {
            base = Some(url.trim_end_matches('/').to_owned());
        }
        if let Some((_, url)) = line.split_once("hours): ") {
            staff_invite = Some(url.to_owned());
        }
        if base.is_some() && staff_invite.is_some() {
            break;
        }
    }
    let (base, staff_invite) = (base.ok_or("no server URL")?, staff_invite.ok_or("no staff invite")?);
    let http = reqwest::Client::new();
    let staff = register(&http, &base, &staff_invite, "staff").await?;
    let map = TownMap::from_ron(&std::fs::read_to_string("assets/maps/town.ron").map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let map = Arc::new(map);

    let server_pid = server.id().ok_or("the server has no pid")?;
    if let Some(clients) = options.hold {
        hold(&http, &base, &staff, &map, clients).await?;
        let _ = server.kill().await;
        let _ = std::fs::remove_dir_all(&data);
        return Ok(());
    }
    println!(
        "server presence load: every client moves at {POSITION_UPDATES_PER_SECOND} Hz; {PROBES} probe clients time every update they receive"
    );
    println!(
        "| clients | where | updates sent/s | near updates seen | p50 latency (near) | p99 latency (near) | received per probe | server CPU | server RSS |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut cookies = Vec::new();
    let mut runs: Vec<(usize, Spread)> = options.levels.iter().map(|n| (*n, Spread::Town)).collect();
    runs.extend(options.crowd.map(|n| (n, Spread::Crowd)));
    for (level, spread) in runs {
        while cookies.len() < level {
            let url = invite(&http, &base, &staff).await?;
            cookies.push(register(&http, &base, &url, &format!("load{}", cookies.len())).await?);
        }
        let homes = homes(&map, spread, level);
        let seconds = Duration::from_secs(options.seconds);
        let report = run_level(&base, &cookies[..level], &map, &homes, server_pid, seconds).await?;
        println!("{report}");
    }
    let _ = server.kill().await;
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

/// `clients` walking about the free space until standard input closes; prints
/// the server's address and an invite for one more person (a browser page).
async fn hold(
    http: &reqwest::Client,
    base: &str,
    staff: &str,
    map: &Arc<TownMap>,
    clients: usize,
) -> Result<(), String> {
    let mut cookies = Vec::new();
    for index in 0..clients {
        let url = invite(http, base, staff).await?;
        // Names as people choose them: a few characters of Japanese.
        cookies.push(register(http, base, &url, &format!("さんか{index}")).await?);
    }
    let shared = Arc::new(Shared::new());
    let tasks = start_clients(base, &cookies, map, &homes(map, Spread::FreeSpace, clients), &shared).await?;
    println!("loadgen: holding {clients} clients at {base}; page invite: {}", invite(http, base, staff).await?);
    let mut rest = String::new();
    let _ = tokio::io::AsyncReadExt::read_to_string(&mut tokio::io::stdin(), &mut rest).await;
    shared.stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    Ok(())
}

/// A new participant invite's URL, made by the staff account.
async fn invite(http: &reqwest::Client, base: &str, staff: &str) -> Result<String, String> {
    let invite: serde_json::Value = http
        .post(format!("{base}/api/invites"))
        .header("cookie", staff)
        .json(&serde_json::json!({ "role": "participant" }))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    Ok(invite["url"].as_str().ok_or("no invite url")?.to_owned())
}

async fn register(http: &reqwest::Client, base: &str, invite_url: &str, nickname: &str) -> Result<String, String> {
    let token = invite_url.rsplit('/').next().ok_or("bad invite url")?;
    let response = http
        .post(format!("{base}/api/register"))
        .json(&serde_json::json!({ "token": token, "nickname": nickname, "avatar": 0 }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let cookie = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).ok_or("no cookie")?;
    Ok(cookie.split(';').next().unwrap_or_default().to_owned())
}

/// Where a run puts its clients.
#[derive(Debug, Clone, Copy)]
enum Spread {
    /// Over the town's open floor.
    Town,
    /// All in one part of the free space.
    Crowd,
    /// Over the free space, all in a laptop's view of its middle.
    FreeSpace,
}

/// Each client's home: the first of four floor tiles in a row it walks back and forth on.
fn homes(map: &TownMap, spread: Spread, clients: usize) -> Vec<(u32, u32)> {
    let open = |col: u32, row: u32| {
        (0..4).all(|step| {
            let (c, r) = (col + step, row);
            let place = map.place_at(map.tile_center(c, r)).map(|place| place.kind);
            map.is_walkable(c, r) && place.is_some_and(|kind| kind != PlaceKind::Booth)
        })
    };
    let in_crowd = |col: u32, row: u32| (20..32).contains(&col) && (10..20).contains(&row);
    let tiles: Vec<(u32, u32)> = (0..map.rows())
        .flat_map(|row| (0..map.columns()).map(move |col| (col, row)))
        .filter(|(col, row)| open(*col, *row))
        .filter(|(col, row)| match spread {
            Spread::Town => true,
            Spread::Crowd => in_crowd(*col, *row),
            Spread::FreeSpace => {
                map.place_at(map.tile_center(*col, *row)).is_some_and(|p| p.kind == PlaceKind::FreeSpace)
            }
        })
        .collect();
    // Spread evenly: client i takes every k-th tile, round and round.
    (0..clients).map(|index| tiles[(index * 7919) % tiles.len()]).collect()
}

/// Our id from a welcome: `{"type":"welcome","you":{"id":N,…` (read in full if shaped otherwise).
fn welcome_id(text: &str) -> Option<ParticipantId> {
    let rest = text.strip_prefix(r#"{"type":"welcome","you":{"id":"#)?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
    digits.parse().ok().map(ParticipantId).or_else(|| match serde_json::from_str::<ServerMessage>(text) {
        Ok(ServerMessage::Welcome { you, .. }) => Some(you.id),
        _ => None,
    })
}

/// What the run's clients share.
struct Shared {
    sent_times: SendTimes,
    latencies: Mutex<Vec<f64>>,
    sent: AtomicU64,
    /// Updates sent within [`NEAR`] of a probe, and those the probes saw.
    near_expected: AtomicU64,
    near_seen: AtomicU64,
    /// Bytes and position entries (of others) the probes received.
    probe_bytes: AtomicU64,
    probe_updates: AtomicU64,
    /// Where each probe is (the probes are the first clients).
    probe_positions: Mutex<[Option<Position>; PROBES]>,
    stop: AtomicBool,
    measuring: AtomicBool,
}

impl Shared {
    fn new() -> Shared {
        Shared {
            sent_times: Arc::new(Mutex::new(HashMap::new())),
            latencies: Mutex::new(Vec::new()),
            sent: AtomicU64::new(0),
            near_expected: AtomicU64::new(0),
            near_seen: AtomicU64::new(0),
            probe_bytes: AtomicU64::new(0),
            probe_updates: AtomicU64::new(0),
            probe_positions: Mutex::new([None; PROBES]),
            stop: AtomicBool::new(false),
            measuring: AtomicBool::new(false),
        }
    }
}

async fn run_level(
    base: &str,
    cookies: &[String],
    map: &Arc<TownMap>,
    homes: &[(u32, u32)],
    server_pid: u32,
    duration: Duration,
) -> Result<String, String> {
    let shared = Arc::new(Shared::new());
    let tasks = start_clients(base, cookies, map, homes, &shared).await?;
    // Settle: welcomes, first frames, introductions.
    tokio::time::sleep(Duration::from_secs(3)).await;
    shared.latencies.lock().map_err(|_| "lock")?.clear();
    let sent_before = shared.sent.load(Ordering::Relaxed);
    let cpu_before = cpu_seconds(server_pid);
    shared.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(duration).await;
    shared.measuring.store(false, Ordering::Relaxed);
    let cpu = cpu_seconds(server_pid).zip(cpu_before).map(|(after, before)| (after - before) / duration.as_secs_f64());
    let rss = rss_mib(server_pid);
    let sent_during = shared.sent.load(Ordering::Relaxed) - sent_before;
    shared.stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    let mut latencies = shared.latencies.lock().map_err(|_| "lock")?.clone();
    latencies.sort_by(f64::total_cmp);
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    let (expected, seen) = (shared.near_expected.load(Ordering::Relaxed), shared.near_seen.load(Ordering::Relaxed));
    let near = if expected > 0 {
        format!("{:.1}% of {expected}", seen as f64 / expected as f64 * 100.0)
    } else {
        "–".into()
    };
    let probes = PROBES.min(cookies.len()) as f64;
    let per_probe = shared.probe_bytes.load(Ordering::Relaxed) as f64 / probes / duration.as_secs_f64() / 1024.0;
    let n = cookies.len() as f64;
    let cpu = cpu
        .map_or("–".into(), |cpu| format!("{:.0}% of a core ({:.2} ms/s per client)", cpu * 100.0, cpu * 1000.0 / n));
    let rss = rss.map_or("–".into(), |rss| format!("{rss:.0} MiB ({:.0} KiB per client)", rss * 1024.0 / n));
    Ok(format!(
        "| {} | {} | {:.0} | {near} | {:.1} ms | {:.1} ms | {per_probe:.1} KiB/s, {} updates/s | {cpu} | {rss} |",
        cookies.len(),
        if homes.iter().all(|(col, row)| (20..35).contains(col) && (10..20).contains(row)) {
            "one place"
        } else {
            "the town"
        },
        sent_during as f64 / duration.as_secs_f64(),
        percentile(0.50),
        percentile(0.99),
        (shared.probe_updates.load(Ordering::Relaxed) as f64 / probes / duration.as_secs_f64()).round(),
    ))
}

/// Connects every client's WebSocket and starts it walking around its home.
async fn start_clients(
    base: &str,
    cookies: &[String],
    map: &Arc<TownMap>,
    homes: &[(u32, u32)],
    shared: &Arc<Shared>,
) -> Result<Vec<tokio::task::JoinHandle<()>>, String> {
    let mut tasks = Vec::new();
    for (index, cookie) in cookies.iter().enumerate() {
        let url = format!("{}/ws", base.replace("http://", "ws://"));
        let mut request = url.into_client_request().map_err(|e| e.to_string())?;
        let cookie = tokio_tungstenite::tungstenite::http::HeaderValue::from_str(cookie).map_err(|_| "bad cookie")?;
        request.headers_mut().insert("cookie", cookie);
        // Small buffers: the default 128 KiB read buffer is zeroed on reads, which at thousands of
        // clients loaded the tool more than the server.
        let config = WebSocketConfig::default().read_buffer_size(8 * 1024).write_buffer_size(8 * 1024);
        let (socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
            .await
            .map_err(|e| e.to_string())?;
        let client = Client { index, home: homes[index], map: map.clone(), shared: shared.clone() };
        tasks.push(tokio::spawn(client.run(socket)));
    }
    Ok(tasks)
}

/// The server's CPU time so far (user + system), from `/proc`.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The server's resident memory, from `/proc`.
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}

struct Client {
    index: usize,
    home: (u32, u32),
    map: Arc<TownMap>,
    shared: Arc<Shared>,
}

impl Client {
    async fn run(
        self,
        socket: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    ) {
        let (mut sink, mut stream) = socket.split();
        let shared = &self.shared;
        let probe = (self.index < PROBES).then_some(self.index);
        let mut me = None::<ParticipantId>;
        let mut tick = tokio::time::interval(Duration::from_millis(1000 / POSITION_UPDATES_PER_SECOND as u64));
        let view = ClientMessage::SetView { width: VIEW.0, height: VIEW.1 };
        if sink.send(Message::Text(serde_json::to_string(&view).unwrap_or_default().into())).await.is_err() {
            return;
        }
        // Back and forth along four tiles of a row, 4 px a beat (a slow walk), each client at
        // its own point of the walk.
        let mut step: u32 = self.index as u32 * 7;
        while !shared.stop.load(Ordering::Relaxed) {
            tokio::select! {
                _ = tick.tick() => {
                    let Some(id) = me else { continue };
                    step = step.wrapping_add(1);
                    let along = (step % 64) as f32 * 2.0;
                    let along = if along > 64.0 { 128.0 - along } else { along };
                    let start = self.map.tile_center(self.home.0, self.home.1);
                    let position = Position::new(start.x + along * 1.5, start.y);
                    let now = Instant::now();
                    if let Ok(mut times) = shared.sent_times.lock() {
                        times.insert((id.0, position.x.to_bits(), position.y.to_bits()), now);
                    }
                    if let Some(probe) = probe && let Ok(mut probes) = shared.probe_positions.lock() {
                        probes[probe] = Some(position);
                    }
                    if shared.measuring.load(Ordering::Relaxed) {
                        let near = shared.probe_positions.lock().map(|probes| {
                            probes.iter().enumerate()
                                .filter(|(index, at)| Some(*index) != probe && at.is_some_and(|at| at.distance(position) <= NEAR))
                                .count() as u64
                        }).unwrap_or(0);
                        shared.near_expected.fetch_add(near, Ordering::Relaxed);
                    }
                    let text = serde_json::to_string(&ClientMessage::Move { position }).unwrap_or_default();
                    if sink.send(Message::Text(text.into())).await.is_err() { break; }
                    shared.sent.fetch_add(1, Ordering::Relaxed);
                }
                frame = stream.next() => {
                    let frame = match frame {
                        Some(Ok(frame)) => frame,
                        Some(Err(_)) | None => break,
                    };
                    match frame {
                        // Only the welcome matters here (who we are); it lists everyone present, so
                        // reading all of it for every client would load the tool, not the server.
                        Message::Text(text) if me.is_none() => me = welcome_id(text.as_str()),
                        Message::Binary(bytes) if probe.is_some() && shared.measuring.load(Ordering::Relaxed) => {
                            self.timed(&bytes, probe.unwrap_or_default(), me);
                        }
                        _ => {}
                    }
                }
            }
        }
        let _ = sink.close().await;
    }

    /// A probe times every entry of a positions frame it can match to its sending.
    fn timed(&self, bytes: &[u8], probe: usize, me: Option<ParticipantId>) {
        let shared = &self.shared;
        let now = Instant::now();
        shared.probe_bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let Ok(frame) = protocol::positions::decode(bytes, &[]) else { return };
        let here = shared.probe_positions.lock().ok().and_then(|probes| probes[probe]);
        let Ok(times) = shared.sent_times.lock() else { return };
        let mut found = Vec::new();
        let mut near = 0;
        let mut received = 0;
        // A frame may name someone twice (leaving one cell for another): each update counts once.
        let mut counted = std::collections::HashSet::new();
        for entry in frame.moves.iter().filter(|entry| Some(entry.id) != me) {
            if !counted.insert((entry.id, entry.position.x.to_bits(), entry.position.y.to_bits())) {
                continue;
            }
            let Some(sent) = times.get(&(entry.id.0, entry.position.x.to_bits(), entry.position.y.to_bits())) else {
                continue;
            };
            // Timed: the neighbours told at full rate (farther ones come at a tenth of it, by design).
            if here.is_some_and(|here| here.distance(entry.position) <= NEAR) {
                found.push(now.duration_since(*sent).as_secs_f64() * 1000.0);
                near += 1;
            }
            received += 1;
        }
        drop(times);
        shared.near_seen.fetch_add(near, Ordering::Relaxed);
        shared.probe_updates.fetch_add(received, Ordering::Relaxed);
        if let Ok(mut latencies) = shared.latencies.lock() {
            latencies.extend(found);
        }
    }
}
