//! Sessions end: after the idle time without use (each use renews the cookie), after their
//! lifetime whatever the use, and everywhere at once when the person signs out everywhere.

mod common;

use std::time::Duration;

use common::TestServer;
use ibasho_server::store::SessionPolicy;
use ibasho_server::{Store, TownOptions};
use protocol::{CloseCode, Role, ServerMessage};

async fn server_with(policy: SessionPolicy) -> TestServer {
    let store = Store::in_memory().expect("store").with_sessions(policy);
    TestServer::start_on(store, TownOptions::default()).await
}

#[tokio::test]
async fn an_unused_session_ends_after_the_idle_time_and_use_renews_it() {
    // Times are whole seconds in the database: the waits leave a second's margin either way.
    let server = server_with(SessionPolicy { idle: 4, lifetime: 3600 }).await;
    let browser = server.register(Role::Participant, "あお").await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let used = browser.get("/api/me").await;
    assert_eq!(used.status(), 200);
    let renewed = used.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(renewed.contains("Max-Age=4") && renewed.contains("HttpOnly"), "the cookie is renewed: {renewed}");
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(browser.get("/api/me").await.status(), 200, "in use, so still live past the first idle time");
    tokio::time::sleep(Duration::from_millis(5500)).await;
    assert_eq!(browser.get("/api/me").await.status(), 401, "unused for longer than the idle time");
}

#[tokio::test]
async fn a_session_ends_after_its_lifetime_however_much_it_is_used() {
    let server = server_with(SessionPolicy { idle: 3600, lifetime: 3 }).await;
    let browser = server.register(Role::Participant, "あお").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let used = browser.get("/api/me").await;
    assert_eq!(used.status(), 200);
    let renewed = used.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(!renewed.contains("Max-Age=3600"), "never renewed past the lifetime: {renewed}");
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(browser.get("/api/me").await.status(), 401);
    let socket = tokio_tungstenite::connect_async(format!("{}/ws", server.base.replace("http://", "ws://"))).await;
    assert!(socket.is_err(), "no town either");
}

#[tokio::test]
async fn signing_out_everywhere_ends_the_session_and_closes_the_town_with_its_reason() {
    let server = TestServer::start().await;
    let browser = server.register(Role::Participant, "あお").await;
    let mut socket = browser.connect().await;
    socket.welcome().await;
    let response = browser.post("/api/logout-everywhere", serde_json::json!({})).await;
    assert_eq!(response.status(), 204);
    let cleared = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let closing = socket.until(common::WAIT, |m| match m {
        ServerMessage::Closing { code } => Some(*code),
        _ => None,
    });
    assert_eq!(closing.await, Some(CloseCode::SignedOut));
    assert_eq!(browser.get("/api/me").await.status(), 401);
}
