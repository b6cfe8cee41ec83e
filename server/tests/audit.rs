//! 記録 over real HTTP on 127.0.0.1:0: what staff do is written down (who, what, to which
//! account or thing), newest first, with nothing anyone wrote in it; only staff read it.

mod common;

use common::TestServer;
use protocol::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn staff_actions_are_written_down_without_content_and_only_staff_read_them() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "受付係").await;
    let participant = server.register(Role::Participant, "あおい").await;
    let id = participant.me().await.0;
    assert_eq!(participant.get("/audit").await.status(), 403);
    assert_eq!(participant.get("/api/audit").await.status(), 403);

    let invite =
        staff.post("/api/invites", json!({ "role": "participant", "expires_in_hours": 24, "note": "山田さん" })).await;
    assert_eq!(invite.status(), 201);
    let now = ibasho_server::store::now();
    let posted =
        staff.post("/api/announcements", json!({ "text": "ひみつの文", "starts_at": now, "ends_at": now + 60 })).await;
    assert_eq!(posted.status(), 201);
    let suspension = |suspended: bool| json!({ "suspended": suspended });
    assert_eq!(staff.post(&format!("/api/accounts/{id}/suspension"), suspension(true)).await.status(), 204);
    assert_eq!(staff.post(&format!("/api/accounts/{id}/suspension"), suspension(false)).await.status(), 204);
    let rule = json!({ "weekday": 6, "weeks": [1], "starts": "10:00", "ends": "18:00" });
    assert_eq!(staff.post("/api/hours/rules", rule).await.status(), 201);

    let log: Vec<Value> = staff.get("/api/audit").await.json().await.expect("json");
    let actions: Vec<&str> = log.iter().filter_map(|row| row["action"].as_str()).collect();
    assert_eq!(
        actions,
        ["開所時間に決まりを追加", "一時停止を解除", "一時停止", "お知らせを出す", "招待リンクを作成（参加者）"],
        "newest first"
    );
    assert!(log.iter().all(|row| row["actor"] == "受付係"));
    assert_eq!(log[2]["target"], format!("あおい（#{id}）"));
    assert_eq!(log[0]["target"], "第1土曜 10:00〜18:00");
    let text = serde_json::to_string(&log).expect("json");
    assert!(!text.contains("ひみつの文") && !text.contains("山田さん"), "no content in the log: {text}");
    let page = staff.get("/audit").await.text().await.expect("page");
    assert!(page.contains("一時停止を解除") && page.contains("受付係"));
}
