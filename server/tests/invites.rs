//! Invites for handing over over real HTTP on 127.0.0.1:0: staff make several at once (each
//! its own single-use link), take back one nobody used (its link stops working; a used one
//! cannot be taken back), and get a QR code of a link to print; participants can do none of it.

mod common;

use common::{Browser, TestServer};
use protocol::Role;
use serde_json::{Value, json};

async fn register(server: &TestServer, token: String, nickname: &str) -> reqwest::Response {
    Browser::new(&server.base).post("/api/register", json!({ "token": token, "nickname": nickname, "avatar": 0 })).await
}

fn token_of(url: &str) -> String {
    url.rsplit('/').next().expect("token").to_owned()
}

#[tokio::test]
async fn staff_make_invites_in_bulk_take_back_unused_ones_and_print_qr_codes() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "受付係").await;
    let participant = server.register(Role::Participant, "あおい").await;
    let bulk =
        |count: usize| json!({ "role": "participant", "expires_in_hours": 24, "note": "交流会", "count": count });
    assert_eq!(participant.post("/api/invites/bulk", bulk(2)).await.status(), 403);
    assert_eq!(participant.post("/api/qr", json!({ "text": "x" })).await.status(), 403);
    assert_eq!(participant.delete("/api/invites/1").await.status(), 403);
    for count in [0, 51] {
        let refused = staff.post("/api/invites/bulk", bulk(count)).await;
        assert_eq!(refused.status(), 400, "{count} at once");
        assert!(refused.json::<Value>().await.expect("json")["message"].as_str().expect("message").contains("1〜50"));
    }

    let made: Vec<Value> = staff.post("/api/invites/bulk", bulk(3)).await.json().await.expect("invites");
    let urls: Vec<&str> = made.iter().filter_map(|invite| invite["url"].as_str()).collect();
    assert_eq!(urls.len(), 3);
    assert!(urls[0] != urls[1] && urls[1] != urls[2], "each its own link");

    // The first is used; the second taken back: its link stops working; the used one stays.
    assert_eq!(register(&server, token_of(urls[0]), "ひかり").await.status(), 200);
    let (used, unused) = (made[0]["id"].as_i64().expect("id"), made[1]["id"].as_i64().expect("id"));
    assert_eq!(staff.delete(&format!("/api/invites/{unused}")).await.status(), 204);
    assert_ne!(register(&server, token_of(urls[1]), "そら").await.status(), 200, "a taken-back link does not work");
    let page = Browser::new(&server.base).get(&format!("/invite/{}", token_of(urls[1]))).await;
    assert!(page.text().await.expect("page").contains("招待"), "its page explains");
    let refused = staff.delete(&format!("/api/invites/{used}")).await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.expect("text").contains("使われた招待は取り消せません"));
    assert_eq!(staff.delete("/api/invites/999999").await.status(), 404);
    assert_eq!(register(&server, token_of(urls[2]), "うみ").await.status(), 200, "the others still work");

    // A QR code of a link, as SVG, not stored.
    let qr = staff.post("/api/qr", json!({ "text": urls[2] })).await;
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    let svg = qr.text().await.expect("svg");
    assert!(svg.starts_with("<svg") && svg.contains("<path d=\"M"), "{svg}");
    assert_eq!(staff.post("/api/qr", json!({ "text": "あ".repeat(200) })).await.status(), 400);
    let log: Vec<Value> = staff.get("/api/audit").await.json().await.expect("log");
    assert!(
        log.iter().any(|row| row["action"] == "招待リンクを取り消し" && row["target"] == format!("招待 #{unused}"))
    );
}
