//! Durability on the real binary: 100 registrations race against `kill -9` of the server, 20
//! times over. Every registration that was answered with success is in the database after the
//! crash, with its invite used by it; nothing is half-written (no account without its used
//! invite, no used invite without its account).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use ibasho_server::Store;
use ibasho_server::tokens::hash_token;
use protocol::Role;
use rusqlite::Connection;
use serde_json::json;

const SERVER: &str = env!("CARGO_BIN_EXE_ibasho-server");
const CYCLES: usize = 20;
const REGISTRATIONS: usize = 100;

/// Starts the server on `data_dir`; returns the process and its address (the caller kills and
/// waits for it).
#[allow(clippy::zombie_processes)]
fn start(data_dir: &Path) -> (std::process::Child, String) {
    let map = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/maps/town.ron");
    let mut child = Command::new(SERVER)
        .args(["--listen", "127.0.0.1:0", "--map", map, "--static-dir"])
        .arg(data_dir)
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    loop {
        let line = lines.next().expect("the server printed its address").expect("line");
        if let Some(rest) = line.strip_prefix("ibasho: listening on ") {
            return (child, rest.trim_end_matches('/').to_owned());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_registration_survives_kill_9() {
    let folder = tempfile::tempdir().expect("tempdir");
    let database = folder.path().join("ibasho.sqlite3");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    // nickname → invite token hash, for every success the server answered.
    let mut acknowledged: HashMap<String, String> = HashMap::new();
    let mut answered_in_cycle = Vec::new();
    for cycle in 0..CYCLES {
        // Invites are made while the server is down, straight in the database.
        let tokens: Vec<String> = {
            let store = Store::open(&database).expect("store");
            (0..REGISTRATIONS)
                .map(|_| store.create_invite(Role::Participant, "", None, 3600).expect("invite").token)
                .collect()
        };
        let (mut child, base) = start(folder.path());
        let mut requests = tokio::task::JoinSet::new();
        for (index, token) in tokens.into_iter().enumerate() {
            let (client, base) = (client.clone(), base.clone());
            let nickname = format!("c{cycle}n{index}");
            requests.spawn(async move {
                let body = json!({ "token": token, "nickname": nickname, "avatar": 1 });
                let sent = client.post(format!("{base}/api/register")).json(&body).send().await;
                let ok = sent.is_ok_and(|response| response.status() == 200);
                (nickname, hash_token(&token), ok)
            });
        }
        // The crash lands at a different moment each cycle, while requests are in flight.
        tokio::time::sleep(Duration::from_millis(5 + (cycle as u64 * 7) % 60)).await;
        child.kill().expect("kill -9");
        child.wait().expect("reaped");
        let mut answered = 0;
        while let Some(result) = requests.join_next().await {
            let (nickname, hash, ok) = result.expect("request task");
            if ok {
                answered += 1;
                acknowledged.insert(nickname, hash);
            }
        }
        answered_in_cycle.push(answered);
    }

    let db = Connection::open(&database).expect("open after the crashes");
    let check: String = db.query_row("PRAGMA integrity_check", [], |row| row.get(0)).expect("integrity");
    assert_eq!(check, "ok");
    for (nickname, hash) in &acknowledged {
        let used_by: Option<String> = db
            .query_row(
                "SELECT a.nickname FROM invites i JOIN accounts a ON a.id = i.used_by
                 WHERE i.token_hash = ?1 AND i.used_at IS NOT NULL",
                [hash],
                |row| row.get(0),
            )
            .expect("an acknowledged registration is in the database");
        assert_eq!(used_by.as_deref(), Some(nickname.as_str()));
    }
    let orphans: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM accounts a WHERE a.role = 'participant'
             AND NOT EXISTS (SELECT 1 FROM invites i WHERE i.used_by = a.id AND i.used_at IS NOT NULL)",
            [],
            |row| row.get(0),
        )
        .expect("orphans");
    assert_eq!(orphans, 0, "no account without the invite it used");
    let dangling: i64 = db
        .query_row("SELECT COUNT(*) FROM invites WHERE used_at IS NOT NULL AND used_by IS NULL", [], |row| row.get(0))
        .expect("dangling");
    assert_eq!(dangling, 0, "no used invite without its account");
    let total: usize = answered_in_cycle.iter().sum();
    assert!(total > 0, "some registrations were answered before the crashes");
    assert!(
        answered_in_cycle.iter().any(|&n| n < REGISTRATIONS),
        "some crashes landed while registrations were in flight: {answered_in_cycle:?}"
    );
    println!("answered before each crash: {answered_in_cycle:?}");
}
