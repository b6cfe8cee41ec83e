//! Programs over real HTTP and WebSocket on 127.0.0.1:0: staff schedule, change and delete
//! them; everyone signed in reads them, nobody else; bad programs are refused with a clear
//! Japanese reason and change nothing; the town is told of them (running or not) and everyone
//! present gets one notice ten minutes before a program starts, never twice.

mod common;

use common::{Person, TestServer, WATCH};
use protocol::{ProgramView, Role, ServerMessage};
use serde_json::{Value, json};

fn program(title: &str, hall: &str, starts_in: i64, minutes: i64) -> Value {
    let now = ibasho_server::store::now();
    json!({
        "title": title, "hall": hall, "starts_at": now + starts_in, "ends_at": now + starts_in + minutes * 60,
        "facilitators": "音楽療法士 さくら", "watching_welcome": true, "notes": "途中参加OK",
        "description": "みんなで歌います。聴くだけでも大丈夫です。",
    })
}

async fn listed(person: &mut Person, mut wanted: impl FnMut(&[ProgramView]) -> bool) -> Option<Vec<ProgramView>> {
    person
        .until(|m| match m {
            ServerMessage::Programs { programs } if wanted(programs) => Some(programs.clone()),
            _ => None,
        })
        .await
}

#[tokio::test]
async fn staff_schedule_programs_and_everyone_signed_in_reads_them() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "あおい").await;
    let facilitator = server.register(Role::Facilitator, "ファシリ").await;
    let stranger = common::Browser::new(&server.base);

    let created = staff.post("/api/programs", program("唄ごえカフェ", "hall-1", 3600, 60)).await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.expect("json")["id"].as_i64().expect("id");

    // Only staff schedule; nobody without a session reads.
    for browser in [&participant, &facilitator] {
        assert_eq!(browser.post("/api/programs", program("x", "hall-2", 3600, 60)).await.status(), 403);
        assert_eq!(browser.delete(&format!("/api/programs/{id}")).await.status(), 403);
    }
    assert_eq!(stranger.get("/api/programs").await.status(), 401);
    assert_eq!(stranger.get("/programs").await.status(), 401);

    let shown: Vec<ProgramView> = participant.get("/api/programs").await.json().await.expect("list");
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].title, "唄ごえカフェ");
    assert_eq!((shown[0].hall_name.ja.as_str(), shown[0].hall_name.en.as_str()), ("交流スペース A", "Program hall A"));
    assert!(shown[0].watching_welcome && !shown[0].running);
    assert!(shown[0].when.ja.contains('月') && shown[0].when.ja.contains('〜'), "{:?}", shown[0].when);
    assert!(shown[0].when.en.contains(", ") && shown[0].when.en.contains('–'), "{:?}", shown[0].when);

    // Refused with the reason, and nothing changes.
    let refusals = [
        (program("  ", "hall-1", 7200, 60), "タイトル"),
        (program("ランチ", "booth-1", 7200, 60), "交流スペース"),
        (program("ランチ", "hall-1", -7200, 60), "終わった"),
        (program("ランチ", "hall-1", 7200, 13 * 60), "12時間"),
        (program("ランチ", "hall-1", 3600 + 1800, 60), "別のプログラム"),
    ];
    for (body, reason) in refusals {
        let response = staff.post("/api/programs", body).await;
        let status = response.status();
        let answer: Value = response.json().await.expect("json");
        assert!(status == 400 || status == 409, "{status}");
        assert!(answer["message"].as_str().expect("message").contains(reason), "{answer}");
    }
    assert_eq!(staff.post_raw("/api/programs", "{\"title\": 1}").await.status(), 400);
    let still: Vec<ProgramView> = staff.get("/api/programs").await.json().await.expect("list");
    assert_eq!(still.len(), 1);

    // The same time in the other hall is fine; a change moves it; a deletion removes it.
    assert_eq!(staff.post("/api/programs", program("ランチ", "hall-2", 3600, 60)).await.status(), 201);
    let changed = staff.put(&format!("/api/programs/{id}"), program("唄ごえカフェ（変更）", "hall-1", 7200, 90)).await;
    assert_eq!(changed.status(), 204);
    assert_eq!(staff.put("/api/programs/9999", program("x", "hall-1", 90_000, 30)).await.status(), 404);
    let page = staff.get("/programs").await.text().await.expect("page");
    assert!(page.contains("唄ごえカフェ（変更）") && page.contains("id=\"program-form\""));
    let read_only = participant.get("/programs").await.text().await.expect("page");
    assert!(read_only.contains("唄ごえカフェ（変更）") && !read_only.contains("program-form"));
    assert_eq!(staff.delete(&format!("/api/programs/{id}")).await.status(), 204);
    assert_eq!(staff.delete(&format!("/api/programs/{id}")).await.status(), 404);
    let left: Vec<ProgramView> = participant.get("/api/programs").await.json().await.expect("list");
    assert_eq!(left.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), vec!["ランチ"]);
}

#[tokio::test]
async fn the_town_is_told_and_noticed_once_ten_minutes_before_a_program() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let mut a = common::enter(&server, "あおい").await;
    let welcome_list = listed(&mut a, |_| true).await.expect("the programs on arrival");
    assert!(welcome_list.is_empty());

    // One running now, one in five minutes, one in an hour.
    assert_eq!(staff.post("/api/programs", program("一緒にランチ", "hall-2", -600, 60)).await.status(), 201);
    let running = listed(&mut a, |p| p.len() == 1).await.expect("told of the running program");
    assert!(running[0].running && running[0].today, "{:?}", running[0]);
    assert_eq!(staff.post("/api/programs", program("唄ごえカフェ", "hall-1", 300, 60)).await.status(), 201);
    let soon = a
        .until(|m| match m {
            ServerMessage::ProgramSoon { program } => Some(program.clone()),
            _ => None,
        })
        .await
        .expect("the notice");
    assert_eq!(soon.title, "唄ごえカフェ");
    assert_eq!(staff.post("/api/programs", program("イラストタイム", "hall-1", 7200, 60)).await.status(), 201);
    listed(&mut a, |p| p.len() == 3).await.expect("all three listed");

    // Someone arriving now is listed the programs but not noticed; and the notice never comes
    // again, through several refreshes of the town.
    let mut b = common::enter(&server, "ひかり").await;
    assert_eq!(listed(&mut b, |_| true).await.expect("listed on arrival").len(), 3);
    let deadline = tokio::time::Instant::now() + ibasho_server::programs::REFRESH_EVERY * 2 + WATCH;
    while tokio::time::Instant::now() < deadline {
        assert!(a.never(|m| matches!(m, ServerMessage::ProgramSoon { .. })).await, "noticed only once");
        assert!(b.never(|m| matches!(m, ServerMessage::ProgramSoon { .. })).await);
    }
}
