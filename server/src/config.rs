//! Server settings, from command-line flags with environment fallbacks.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::sfu::{JanusEndpoint, JanusNetwork};
use crate::turn::Turn;

/// The default largest video upload: 1 GiB.
pub const DEFAULT_VIDEO_MAX_BYTES: u64 = 1024 * 1024 * 1024;

/// Everything the server needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder holding the database.
    pub data_dir: PathBuf,
    /// Folder of the built client (Trunk's `dist/`).
    pub static_dir: PathBuf,
    /// The town map file.
    pub map_path: PathBuf,
    /// The address people use to reach the server, for invite links.
    pub public_url: String,
    /// Whether cookies are marked Secure (the server is reached over TLS).
    pub secure_cookies: bool,
    /// Print a fresh staff invite at start even if staff exist.
    pub staff_invite: bool,
    /// The TURN relay booth connections go through, if any.
    pub turn: Option<Turn>,
    /// Start coturn on this address (`--spawn-turn IP:PORT`, port 0 for any free one); the
    /// server fills in `turn` once it runs.
    pub spawn_turn: Option<SocketAddr>,
    /// `--load-test`: moves may jump anywhere on floor, for `loadgen`'s clients that walk laps
    /// of their own. Never for a town people use: the walking rule is off.
    pub load_test: bool,
    /// How long sessions last (`--session-idle-days`, `--session-lifetime-days`).
    pub sessions: crate::store::SessionPolicy,
    /// The Janus instances carrying the halls' media (`--janus-url`, repeated, with
    /// `--janus-secret` and `--janus-admin-key`); halls are shared out among them.
    pub janus: Vec<JanusEndpoint>,
    /// Start a Janus of our own (`--spawn-janus`); the server adds it to `janus` once it runs.
    pub spawn_janus: bool,
    /// Largest video staff may upload to the gallery, in bytes (`--video-max-bytes`; 1 GiB).
    pub video_max_bytes: u64,
    /// What a spawned Janus offers browsers (`--janus-interface`, `--janus-public-ip`,
    /// `--janus-rtp-ports LOW-HIGH`).
    pub janus_network: JanusNetwork,
    /// The city's time zone, for open hours and every time shown (`--time-zone`, Asia/Tokyo).
    pub time_zone: jiff::tz::TimeZone,
}

impl Config {
    /// Reads flags (`--listen`, `--data-dir`, `--static-dir`, `--map`, `--public-url`,
    /// `--staff-invite`, `--turn-url` with `--turn-secret`, or `--spawn-turn`, `--load-test`,
    /// `--session-idle-days`, `--session-lifetime-days`, `--spawn-janus` or `--janus-url` with
    /// `--janus-secret` and `--janus-admin-key`, `--janus-interface`, `--janus-public-ip`,
    /// `--janus-rtp-ports`, `--time-zone`) and `IBASHO_*` environment variables.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        let mut listen = env("IBASHO_LISTEN", "127.0.0.1:8080");
        let mut data_dir = env("IBASHO_DATA_DIR", "data");
        let mut static_dir = env("IBASHO_STATIC_DIR", "dist");
        let mut map_path = env("IBASHO_MAP", "assets/maps/town.ron");
        let mut public_url = std::env::var("IBASHO_PUBLIC_URL").ok();
        let mut staff_invite = false;
        let mut load_test = false;
        let mut sessions = crate::store::SessionPolicy::default();
        let days = |flag: &str, value: String| -> Result<i64, String> {
            value
                .parse::<i64>()
                .ok()
                .filter(|days| (1..=3650).contains(days))
                .map(|days| days * 24 * 3600)
                .ok_or_else(|| format!("{flag}: a number of days from 1 to 3650, not {value}"))
        };
        let mut turn_url = std::env::var("IBASHO_TURN_URL").ok();
        let mut turn_secret = std::env::var("IBASHO_TURN_SECRET").ok();
        let mut spawn_turn = std::env::var("IBASHO_SPAWN_TURN").ok();
        let mut janus_urls: Vec<String> = Vec::new();
        let mut janus_secret = std::env::var("IBASHO_JANUS_SECRET").ok();
        let mut janus_admin_key = std::env::var("IBASHO_JANUS_ADMIN_KEY").ok();
        let mut spawn_janus = false;
        let mut janus_network = JanusNetwork::default();
        let mut time_zone = env("IBASHO_TIME_ZONE", crate::city_time::DEFAULT_TIME_ZONE);
        let mut video_max_bytes = env("IBASHO_VIDEO_MAX_BYTES", &DEFAULT_VIDEO_MAX_BYTES.to_string());
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--listen" => listen = value()?,
                "--data-dir" => data_dir = value()?,
                "--static-dir" => static_dir = value()?,
                "--map" => map_path = value()?,
                "--public-url" => public_url = Some(value()?),
                "--staff-invite" => staff_invite = true,
                "--load-test" => load_test = true,
                "--session-idle-days" => sessions.idle = days(&flag, value()?)?,
                "--session-lifetime-days" => sessions.lifetime = days(&flag, value()?)?,
                "--turn-url" => turn_url = Some(value()?),
                "--turn-secret" => turn_secret = Some(value()?),
                "--spawn-turn" => spawn_turn = Some(value()?),
                "--spawn-janus" => spawn_janus = true,
                "--janus-url" => janus_urls.push(value()?),
                "--janus-secret" => janus_secret = Some(value()?),
                "--janus-admin-key" => janus_admin_key = Some(value()?),
                "--video-max-bytes" => video_max_bytes = value()?,
                "--time-zone" => time_zone = value()?,
                "--janus-interface" => janus_network.interface = value()?,
                "--janus-public-ip" => {
                    let ip = value()?;
                    janus_network.public_ip =
                        Some(ip.parse().map_err(|_| format!("--janus-public-ip: not an IP: {ip}"))?);
                }
                "--janus-rtp-ports" => {
                    let ports = value()?;
                    janus_network.rtp_ports = ports
                        .split_once('-')
                        .and_then(|(low, high)| Some((low.parse().ok()?, high.parse().ok()?)))
                        .filter(|(low, high): &(u16, u16)| low < high)
                        .ok_or_else(|| format!("--janus-rtp-ports: LOW-HIGH, not {ports}"))?;
                }
                other => return Err(format!("unknown flag {other}")),
            }
        }
        let listen: SocketAddr = listen.parse().map_err(|_| format!("--listen: not an address: {listen}"))?;
        let turn = match (turn_url, turn_secret) {
            (Some(url), Some(secret)) if url.starts_with("turn:") && !secret.is_empty() => Some(Turn { url, secret }),
            (None, None) => None,
            _ => return Err("--turn-url (turn:HOST:PORT) and --turn-secret go together".into()),
        };
        let spawn_turn = spawn_turn
            .map(|address| address.parse().map_err(|_| format!("--spawn-turn: not an IP:PORT: {address}")))
            .transpose()?;
        if turn.is_some() && spawn_turn.is_some() {
            return Err("choose either --turn-url or --spawn-turn".into());
        }
        let janus = match (janus_urls.is_empty(), janus_secret, janus_admin_key) {
            (true, None, None) => Vec::new(),
            (false, Some(api_secret), Some(admin_key)) => janus_urls
                .into_iter()
                .map(|api_url| {
                    if api_url.starts_with("http://") || api_url.starts_with("https://") {
                        Ok(JanusEndpoint { api_url, api_secret: api_secret.clone(), admin_key: admin_key.clone() })
                    } else {
                        Err(format!("--janus-url: an http(s) URL of Janus's API, not {api_url}"))
                    }
                })
                .collect::<Result<_, _>>()?,
            _ => return Err("--janus-url, --janus-secret and --janus-admin-key go together".into()),
        };
        let video_max_bytes =
            video_max_bytes.parse::<u64>().ok().filter(|bytes| *bytes >= 1024 * 1024).ok_or_else(|| {
                format!("--video-max-bytes: a number of bytes, at least 1048576, not {video_max_bytes}")
            })?;
        // Without --public-url, the address is known only once bound (the port may be 0).
        let public_url = public_url.unwrap_or_default().trim_end_matches('/').to_owned();
        Ok(Config {
            listen,
            data_dir: data_dir.into(),
            static_dir: static_dir.into(),
            map_path: map_path.into(),
            secure_cookies: public_url.starts_with("https://"),
            public_url,
            staff_invite,
            turn,
            spawn_turn,
            load_test,
            sessions,
            video_max_bytes,
            janus,
            spawn_janus,
            janus_network,
            time_zone: crate::city_time::zone_named(&time_zone)?,
        })
    }

    /// The link for an invite token.
    pub fn invite_url(&self, token: &str) -> String {
        format!("{}/invite/{token}", self.public_url)
    }
}
