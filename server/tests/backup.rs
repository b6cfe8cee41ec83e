//! `ibasho-server backup FILE` on the real binary: a copy taken while the server runs and
//! accounts keep arriving is consistent, and a server started from the restored copy knows
//! every account and session that was in it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::json;

const SERVER: &str = env!("CARGO_BIN_EXE_ibasho-server");

/// A running server binary and the lines it printed at start.
struct Running {
    child: Child,
    url: String,
    staff_invite: Option<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &Path) -> Running {
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
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let (mut url, mut staff_invite) = (None, None);
    while url.is_none() {
        let line = lines.next().expect("the server printed its address").expect("line");
        if let Some(rest) = line.strip_prefix("ibasho: staff invite (one use, valid 24 hours): ") {
            staff_invite = Some(rest.to_owned());
        }
        if let Some(rest) = line.strip_prefix("ibasho: listening on ") {
            url = Some(rest.trim_end_matches('/').to_owned());
        }
    }
    Running { child, url: url.unwrap_or_default(), staff_invite }
}

/// Registers through an invite link; returns the session cookie.
async fn register(client: &reqwest::Client, base: &str, invite_url: &str, nickname: &str) -> String {
    let token = invite_url.rsplit('/').next().expect("token");
    let response = client
        .post(format!("{base}/api/register"))
        .json(&json!({ "token": token, "nickname": nickname, "avatar": 1 }))
        .send()
        .await
        .expect("register");
    assert_eq!(response.status(), 200, "{nickname}");
    let cookie = response.headers().get("set-cookie").expect("cookie").to_str().expect("text");
    cookie.split(';').next().expect("pair").to_owned()
}

async fn invite(client: &reqwest::Client, base: &str, staff: &str) -> String {
    let response = client
        .post(format!("{base}/api/invites"))
        .header("cookie", staff)
        .json(&json!({ "role": "participant" }))
        .send()
        .await
        .expect("invite");
    response.json::<serde_json::Value>().await.expect("json")["url"].as_str().expect("url").to_owned()
}

async fn nickname(client: &reqwest::Client, base: &str, cookie: &str) -> Option<String> {
    let response = client.get(format!("{base}/api/me")).header("cookie", cookie).send().await.expect("me");
    if response.status() != 200 {
        return None;
    }
    response.json::<serde_json::Value>().await.expect("json")["nickname"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn a_backup_taken_while_the_server_runs_restores_every_account_in_it() {
    let folder = tempfile::tempdir().expect("tempdir");
    let (live, restored) = (folder.path().join("live"), folder.path().join("restored"));
    std::fs::create_dir_all(&live).expect("live");
    std::fs::create_dir_all(&restored).expect("restored");
    let client = reqwest::Client::new();
    let server = start(&live);
    let staff = register(&client, &server.url, server.staff_invite.as_deref().expect("invite"), "すたっふ").await;
    let mut people = Vec::new();
    for n in 0..10 {
        let link = invite(&client, &server.url, &staff).await;
        people.push((format!("ひと{n}"), register(&client, &server.url, &link, &format!("ひと{n}")).await));
    }

    // The copy is taken while registrations keep arriving.
    let backup_file = folder.path().join("backup.sqlite3");
    let arriving = {
        let (client, base, staff) = (client.clone(), server.url.clone(), staff.clone());
        tokio::spawn(async move {
            for n in 0..10 {
                let link = invite(&client, &base, &staff).await;
                register(&client, &base, &link, &format!("あと{n}")).await;
            }
        })
    };
    let output =
        Command::new(SERVER).arg("backup").arg(&backup_file).arg("--data-dir").arg(&live).output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("accounts)"), "{said}");
    arriving.await.expect("registrations");

    // A second backup to the same file is refused and changes nothing.
    let again =
        Command::new(SERVER).arg("backup").arg(&backup_file).arg("--data-dir").arg(&live).output().expect("run");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    drop(server);

    // Restore: the copy becomes the database of a new server, which knows everyone in it.
    std::fs::copy(&backup_file, restored.join("ibasho.sqlite3")).expect("restore");
    let server = start(&restored);
    assert!(server.staff_invite.is_none(), "a staff account exists: no new staff invite");
    assert_eq!(nickname(&client, &server.url, &staff).await.as_deref(), Some("すたっふ"));
    for (name, cookie) in &people {
        assert_eq!(nickname(&client, &server.url, cookie).await.as_deref(), Some(name.as_str()), "{name}");
    }
    let link = invite(&client, &server.url, &staff).await;
    register(&client, &server.url, &link, "ふっかつ").await;
}
