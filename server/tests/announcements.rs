//! お知らせ over real HTTP and WebSocket on 127.0.0.1:0: only staff post and take down
//! announcements; a bad one is refused with the reason; everyone in the town, newcomers too,
//! is shown the one on now, and nothing before its start.

mod common;

use common::{Person, TestServer, enter};
use protocol::{Role, ServerMessage};
use serde_json::{Value, json};

async fn shown(person: &mut Person, wanted: Option<&str>) -> bool {
    person
        .until(|m| matches!(m, ServerMessage::Announcement { text } if text.as_deref() == wanted).then_some(()))
        .await
        .is_some()
}

#[tokio::test]
async fn staff_post_an_announcement_everyone_in_the_town_sees_it() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "あおい").await;
    let mut a = enter(&server, "ひかり").await;
    let now = ibasho_server::store::now();
    let body =
        |text: &str, from: i64, until: i64| json!({ "text": text, "starts_at": now + from, "ends_at": now + until });

    // Only staff; bad ones refused with the reason.
    assert_eq!(participant.post("/api/announcements", body("x", 0, 60)).await.status(), 403);
    assert_eq!(participant.get("/announcements").await.status(), 403);
    let bad = staff.post("/api/announcements", body("あ\nい", 0, 60)).await;
    assert_eq!(bad.status(), 400);
    assert!(bad.json::<Value>().await.expect("json")["message"].as_str().expect("message").contains("改行"));

    // One starting later is not shown yet; one on now is, to everyone.
    assert_eq!(staff.post("/api/announcements", body("あしたは休みです", 3_600, 7_200)).await.status(), 201);
    assert!(a.never(|m| matches!(m, ServerMessage::Announcement { text: Some(_) })).await);
    let created = staff.post("/api/announcements", body("本日は18:00で閉まります。", -60, 3_600)).await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.expect("json")["id"].as_i64().expect("id");
    assert!(shown(&mut a, Some("本日は18:00で閉まります。")).await);
    let mut late = enter(&server, "そら").await;
    assert!(shown(&mut late, Some("本日は18:00で閉まります。")).await, "a newcomer sees it on arrival");
    let page = staff.get("/announcements").await.text().await.expect("page");
    assert!(page.contains("本日は18:00で閉まります。") && page.contains("表示中"));

    // Taken down: gone for everyone at once.
    assert_eq!(participant.delete(&format!("/api/announcements/{id}")).await.status(), 403);
    assert_eq!(staff.delete(&format!("/api/announcements/{id}")).await.status(), 204);
    assert!(shown(&mut a, None).await);
    assert!(shown(&mut late, None).await);
}
