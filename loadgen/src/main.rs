//! `loadgen`: starts the real server, registers N accounts through invites, connects N presence
//! WebSockets that each move at 10 Hz through the free space, and reports, per level of N,
//! how many position updates reached the probe clients and how long they took (p50, p99).
//!
//!     loadgen --server target/release/ibasho-server [--levels 25,50,100,200] [--seconds 10]

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use protocol::{ClientMessage, POSITION_UPDATES_PER_SECOND, ParticipantId, Position, ServerMessage, TownMap};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Clients whose received updates are timed (timing every receiver would load the tool itself).
const PROBES: usize = 4;

/// When each (mover, position) update was sent.
type SendTimes = Arc<Mutex<HashMap<(i64, u32, u32), Instant>>>;

struct Options {
    server: String,
    levels: Vec<usize>,
    seconds: u64,
}

fn options() -> Result<Options, String> {
    let mut options =
        Options { server: "target/release/ibasho-server".into(), levels: vec![25, 50, 100, 200], seconds: 10 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--server" => options.server = value,
            "--levels" => {
                options.levels = value
                    .split(',')
                    .map(|n| n.parse().map_err(|_| format!("bad level {n}")))
                    .collect::<Result<_, _>>()?
            }
            "--seconds" => options.seconds = value.parse().map_err(|_| "bad --seconds".to_owned())?,
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

    println!(
        "server presence load: every client moves at {POSITION_UPDATES_PER_SECOND} Hz; {PROBES} probe clients time every update they receive"
    );
    println!("| clients | updates sent/s | updates seen by probes | p50 latency | p99 latency |");
    println!("|---:|---:|---:|---:|---:|");
    let mut cookies = Vec::new();
    for level in options.levels.clone() {
        while cookies.len() < level {
            let invite: serde_json::Value = http
                .post(format!("{base}/api/invites"))
                .header("cookie", &staff)
                .json(&serde_json::json!({ "role": "participant" }))
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            let url = invite["url"].as_str().ok_or("no invite url")?;
            cookies.push(register(&http, &base, url, &format!("load{}", cookies.len())).await?);
        }
        let report = run_level(&base, &cookies[..level], &map, Duration::from_secs(options.seconds)).await?;
        println!("{report}");
    }
    let _ = server.kill().await;
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
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

async fn run_level(base: &str, cookies: &[String], map: &Arc<TownMap>, duration: Duration) -> Result<String, String> {
    let sent_times: SendTimes = Arc::new(Mutex::new(HashMap::new()));
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let sent = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (index, cookie) in cookies.iter().enumerate() {
        let url = format!("{}/ws", base.replace("http://", "ws://"));
        let mut request = url.into_client_request().map_err(|e| e.to_string())?;
        let cookie = tokio_tungstenite::tungstenite::http::HeaderValue::from_str(cookie).map_err(|_| "bad cookie")?;
        request.headers_mut().insert("cookie", cookie);
        let (socket, _) = tokio_tungstenite::connect_async(request).await.map_err(|e| e.to_string())?;
        let client = Client {
            index,
            probe: index < PROBES,
            map: map.clone(),
            sent_times: sent_times.clone(),
            latencies: latencies.clone(),
            sent: sent.clone(),
            stop: stop.clone(),
            measuring: measuring.clone(),
        };
        tasks.push(tokio::spawn(client.run(socket)));
    }
    tokio::time::sleep(Duration::from_secs(2)).await; // settle: welcomes, first introductions
    latencies.lock().map_err(|_| "lock")?.clear();
    let sent_before = sent.load(Ordering::Relaxed);
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(duration).await;
    measuring.store(false, Ordering::Relaxed);
    let sent_during = sent.load(Ordering::Relaxed) - sent_before;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    let mut latencies = latencies.lock().map_err(|_| "lock")?.clone();
    latencies.sort_by(f64::total_cmp);
    // Every update goes to everyone but its sender; the probes are PROBES of the n receivers.
    // (The server keeps only the latest position per mover per tick, so a little under 100% is
    // coalescing, not loss.)
    let n = cookies.len() as f64;
    let expected = sent_during as f64 * PROBES.min(cookies.len()) as f64 * (n - 1.0) / n;
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    let delivered = if expected > 0.0 { latencies.len() as f64 / expected * 100.0 } else { 0.0 };
    Ok(format!(
        "| {} | {:.0} | {:.1}% | {:.1} ms | {:.1} ms |",
        cookies.len(),
        sent_during as f64 / duration.as_secs_f64(),
        delivered,
        percentile(0.50),
        percentile(0.99)
    ))
}

struct Client {
    index: usize,
    probe: bool,
    map: Arc<TownMap>,
    sent_times: SendTimes,
    latencies: Arc<Mutex<Vec<f64>>>,
    sent: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    measuring: Arc<AtomicBool>,
}

impl Client {
    async fn run(
        self,
        socket: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    ) {
        let (mut sink, mut stream) = socket.split();
        let mut me = None::<ParticipantId>;
        let mut tick = tokio::time::interval(Duration::from_millis(1000 / POSITION_UPDATES_PER_SECOND as u64));
        // Walk a lap of the free space, each client on its own row, a little further each tick.
        let row = 9 + (self.index as u32 % 15);
        let mut step: u32 = self.index as u32 * 7;
        while !self.stop.load(Ordering::Relaxed) {
            tokio::select! {
                _ = tick.tick() => {
                    let Some(id) = me else { continue };
                    step = step.wrapping_add(1);
                    let col = 12 + (step / 8) % 34;
                    let base = self.map.tile_center(col, row);
                    let position = Position::new(base.x + (step % 8) as f32, base.y);
                    self.sent_times.lock().map(|mut times| times.insert((id.0, position.x.to_bits(), position.y.to_bits()), Instant::now())).ok();
                    let text = serde_json::to_string(&ClientMessage::Move { position }).unwrap_or_default();
                    if sink.send(Message::Text(text.into())).await.is_err() { break; }
                    self.sent.fetch_add(1, Ordering::Relaxed);
                }
                frame = stream.next() => {
                    let Some(Ok(Message::Text(text))) = frame else {
                        if frame.is_none() { break; }
                        continue;
                    };
                    match serde_json::from_str::<ServerMessage>(text.as_str()) {
                        Ok(ServerMessage::Welcome { you, .. }) => me = Some(you.id),
                        Ok(ServerMessage::Moved { moves }) if self.probe && self.measuring.load(Ordering::Relaxed) => {
                            let now = Instant::now();
                            let Ok(times) = self.sent_times.lock() else { continue };
                            let found: Vec<f64> = moves.iter()
                                .filter_map(|m| times.get(&(m.id.0, m.position.x.to_bits(), m.position.y.to_bits())))
                                .map(|sent| now.duration_since(*sent).as_secs_f64() * 1000.0)
                                .collect();
                            drop(times);
                            if let Ok(mut latencies) = self.latencies.lock() { latencies.extend(found); }
                        }
                        _ => {}
                    }
                }
            }
        }
        let _ = sink.close().await;
    }
}
