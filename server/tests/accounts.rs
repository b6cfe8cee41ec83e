//! Suspension over real HTTP and WebSocket on 127.0.0.1:0: only staff suspend and reinstate; a
//! suspended person's open page is closed at once with the reason, none of their sessions works
//! (the API, the WebSocket, the town's page say why), and reinstating lets them back in.

mod common;

use common::TestServer;
use protocol::{CloseCode, Role, ServerMessage};
use serde_json::{Value, json};

#[tokio::test]
async fn staff_suspend_an_account_and_its_pages_close_at_once() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "ひかり").await;
    let c = server.register(Role::Participant, "そら").await;
    let id_c = c.me().await.0;
    let mut socket = c.connect().await;
    socket.welcome().await;

    // Only staff; not oneself.
    let suspend = json!({ "suspended": true });
    assert_eq!(participant.post(&format!("/api/accounts/{id_c}/suspension"), suspend.clone()).await.status(), 403);
    assert_eq!(participant.get("/accounts").await.status(), 403);
    let me = staff.me().await.0;
    let refused = staff.post(&format!("/api/accounts/{me}/suspension"), suspend.clone()).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(staff.post("/api/accounts/9999/suspension", suspend.clone()).await.status(), 404);

    assert_eq!(staff.post(&format!("/api/accounts/{id_c}/suspension"), suspend).await.status(), 204);
    let closed = socket
        .until(common::WAIT, |m| match m {
            ServerMessage::Closing { code } => Some(*code),
            _ => None,
        })
        .await;
    assert_eq!(closed, Some(CloseCode::Suspended), "the open page is told why at once");
    let me_now = c.get("/api/me").await;
    assert_eq!(me_now.status(), 403);
    assert_eq!(me_now.json::<Value>().await.expect("json")["code"], "suspended");
    let town = c.get("/").await;
    assert_eq!(town.status(), 403);
    assert!(town.text().await.expect("page").contains("一時停止"));
    let listed: Vec<Value> = staff.get("/api/accounts").await.json().await.expect("list");
    assert!(listed.iter().any(|a| a["id"] == id_c && !a["suspended_at"].is_null()));
    assert!(staff.get("/accounts").await.text().await.expect("page").contains("一時停止中"));

    // Reinstated: the same browser comes back in.
    let back = json!({ "suspended": false });
    assert_eq!(staff.post(&format!("/api/accounts/{id_c}/suspension"), back).await.status(), 204);
    assert_eq!(c.get("/api/me").await.status(), 200);
    let mut socket = c.connect().await;
    assert!(matches!(socket.welcome().await, ServerMessage::Welcome { .. }));
}

#[tokio::test]
async fn staff_change_a_role_and_the_persons_page_comes_back_with_it() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "ひかり").await;
    let a = server.register(Role::Participant, "あおい").await;
    let id_a = a.me().await.0;
    let mut socket = a.connect().await;
    socket.welcome().await;
    let facilitator = json!({ "role": "facilitator" });
    assert_eq!(participant.post(&format!("/api/accounts/{id_a}/role"), facilitator.clone()).await.status(), 403);
    let me = staff.me().await.0;
    assert_eq!(staff.post(&format!("/api/accounts/{me}/role"), json!({ "role": "participant" })).await.status(), 400);
    assert_eq!(staff.post(&format!("/api/accounts/{id_a}/role"), json!({ "role": "king" })).await.status(), 400);
    assert_eq!(staff.post("/api/accounts/9999/role", facilitator.clone()).await.status(), 404);

    assert_eq!(staff.post(&format!("/api/accounts/{id_a}/role"), facilitator).await.status(), 204);
    let code = socket.until(common::WAIT, |m| match m {
        ServerMessage::Closing { code } => Some(*code),
        _ => None,
    });
    assert_eq!(code.await, Some(CloseCode::RoleChanged), "A's page closes, saying why");
    assert_eq!(a.get("/api/me").await.json::<Value>().await.expect("me")["role"], "facilitator");
    let mut again = a.connect().await;
    let ServerMessage::Welcome { you, .. } = again.welcome().await else { unreachable!() };
    assert_eq!(you.role, Role::Facilitator, "back with the new role, same session");
    let log: Vec<Value> = staff.get("/api/audit").await.json().await.expect("log");
    assert_eq!(log[0]["action"], "役割を「ファシリテーター」に変更");
}
