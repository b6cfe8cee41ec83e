//! The TURN relay (coturn) that booth connections go through, so that the people in a booth
//! never learn each other's IP address. Credentials follow coturn's shared-secret REST scheme:
//! username `expiry:account`, password base64(HMAC-SHA1(secret, username)), issued per
//! connection. The server can also start coturn itself (`--spawn-turn`), configured from
//! flags with a fresh random secret, and stops it when it stops.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use protocol::{IceServer, ParticipantId};
use rand::RngCore;
use sha1::Sha1;

/// How long issued credentials stay valid: a long day in the town.
pub const CREDENTIAL_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Where Debian's coturn package puts the server.
pub const TURNSERVER_BIN: &str = "/usr/bin/turnserver";

/// A TURN relay the server issues credentials for.
#[derive(Clone)]
pub struct Turn {
    /// `turn:` URL clients use, e.g. `turn:127.0.0.1:3478?transport=udp`.
    pub url: String,
    /// The secret shared with coturn (`static-auth-secret`). Never sent to clients.
    pub secret: String,
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches a log.
        f.debug_struct("Turn").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Turn {
    /// Fresh credentials for `account`, valid for [`CREDENTIAL_LIFETIME`].
    pub fn ice_server(&self, account: ParticipantId) -> IceServer {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let expiry = (now + CREDENTIAL_LIFETIME).as_secs();
        let username = format!("{expiry}:{}", account.0);
        IceServer { urls: vec![self.url.clone()], credential: self.password(&username), username }
    }

    fn password(&self, username: &str) -> String {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(self.secret.as_bytes()).unwrap_or_else(|_| unreachable!());
        mac.update(username.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }
}

/// A coturn process started by the server; stopped when dropped.
pub struct TurnProcess {
    _child: tokio::process::Child,
}

/// Starts coturn on `ip:port` (port 0: a free one) with a fresh secret, relaying from `ip`.
/// Peers on loopback are allowed only when `ip` itself is a loopback address (one machine, as
/// in development and tests); a relay on a public address refuses them.
pub fn spawn(ip: IpAddr, port: u16, data_dir: &Path) -> Result<(Turn, TurnProcess), String> {
    let port = if port == 0 { free_udp_port(ip)? } else { port };
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let ip_text = ip.to_string();
    let port_text = port.to_string();
    let pid_file = data_dir.join("turnserver.pid");
    let mut args: Vec<&str> = vec![
        "-n",
        "--listening-ip",
        &ip_text,
        "--relay-ip",
        &ip_text,
        "--listening-port",
        &port_text,
        "--use-auth-secret",
        "--static-auth-secret",
        &secret,
        "--realm",
        "ibasho",
        "--fingerprint",
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        "--no-multicast-peers",
        "--no-stdout-log",
        "--log-file",
        "/dev/null",
        "--simple-log",
    ];
    let pid_text = pid_file.to_string_lossy().into_owned();
    args.extend(["--pidfile", &pid_text]);
    if ip.is_loopback() {
        args.push("--allow-loopback-peers");
    }
    let child = tokio::process::Command::new(TURNSERVER_BIN)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {TURNSERVER_BIN} (Debian package coturn): {e}"))?;
    let host = if ip.is_unspecified() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { ip };
    let url = format!("turn:{}?transport=udp", std::net::SocketAddr::new(host, port));
    Ok((Turn { url, secret }, TurnProcess { _child: child }))
}

fn free_udp_port(ip: IpAddr) -> Result<u16, String> {
    let socket = UdpSocket::bind((ip, 0)).map_err(|e| format!("no free UDP port on {ip}: {e}"))?;
    socket.local_addr().map(|address| address.port()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_follow_the_shared_secret_scheme() {
        let turn = Turn { url: "turn:127.0.0.1:3478?transport=udp".into(), secret: "north".into() };
        let server = turn.ice_server(ParticipantId(42));
        let (expiry, account) = server.username.split_once(':').expect("expiry:account");
        assert_eq!(account, "42");
        let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
        let expiry: u64 = expiry.parse().expect("expiry");
        assert!(expiry > now + 11 * 3600 && expiry <= now + 12 * 3600 + 1);
        // RFC 2202 style check of the HMAC-SHA1 and its base64.
        let known = Turn { secret: "key".into(), ..turn.clone() };
        assert_eq!(known.password("The quick brown fox jumps over the lazy dog"), "3nybhbi3iqa8ino29wqQcBydtNk=");
        assert_eq!(server.urls, vec!["turn:127.0.0.1:3478?transport=udp".to_owned()]);
    }
}
