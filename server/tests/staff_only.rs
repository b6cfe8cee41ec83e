//! Every staff endpoint, over real HTTP on 127.0.0.1:0, refuses a participant (403) and a
//! browser that is not signed in (401) before it reads anything, and changes nothing: the
//! invites, accounts, hours, announcements and audit log are as they were. A new staff route
//! belongs in this list.

mod common;

use common::{Browser, TestServer};
use protocol::Role;
use serde_json::{Value, json};

/// (method, path): every page and API that is for staff (or for staff and counselors, or for
/// staff and facilitators) only.
const STAFF_ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "/staff"),
    ("GET", "/now"),
    ("GET", "/api/now"),
    ("GET", "/api/now/events"),
    ("POST", "/api/now/1/entrance"),
    ("PUT", "/api/now/1/voice-hold"),
    ("DELETE", "/api/now/1/voice-hold"),
    ("GET", "/api/invites"),
    ("POST", "/api/invites"),
    ("POST", "/api/invites/bulk"),
    ("DELETE", "/api/invites/1"),
    ("POST", "/api/qr"),
    ("GET", "/accounts"),
    ("GET", "/api/accounts"),
    ("POST", "/api/accounts/1/suspension"),
    ("POST", "/api/accounts/1/role"),
    ("DELETE", "/api/accounts/1"),
    ("GET", "/api/sessions"),
    ("DELETE", "/api/sessions/1"),
    ("GET", "/announcements"),
    ("GET", "/api/announcements"),
    ("POST", "/api/announcements"),
    ("DELETE", "/api/announcements/1"),
    ("GET", "/hours"),
    ("GET", "/api/hours"),
    ("POST", "/api/hours/rules"),
    ("DELETE", "/api/hours/rules/1"),
    ("POST", "/api/hours/exceptions"),
    ("DELETE", "/api/hours/exceptions/1"),
    ("PUT", "/api/hours/message"),
    ("GET", "/audit"),
    ("GET", "/api/audit"),
    ("GET", "/reports"),
    ("GET", "/api/reports"),
    ("GET", "/gallery"),
    ("POST", "/api/videos"),
    ("PUT", "/api/videos/1"),
    ("DELETE", "/api/videos/1"),
    ("POST", "/api/videos/1/move"),
    ("POST", "/api/programs"),
    ("PUT", "/api/programs/1"),
    ("DELETE", "/api/programs/1"),
    ("GET", "/slots"),
    ("POST", "/api/booth-slots"),
    ("DELETE", "/api/booth-slots/1"),
];

async fn ask(browser: &Browser, method: &str, path: &str) -> u16 {
    let url = format!("{}{path}", browser.base);
    let request = match method {
        "GET" => browser.client.get(url),
        "POST" => browser.client.post(url).json(&json!({})),
        "PUT" => browser.client.put(url).json(&json!({})),
        _ => browser.client.delete(url),
    };
    let request = match &browser.cookie {
        Some(cookie) => request.header("cookie", cookie),
        None => request,
    };
    request.send().await.expect("request").status().as_u16()
}

/// What staff see of the place, to tell that nothing changed.
async fn state(staff: &Browser) -> Vec<Value> {
    let mut seen = Vec::new();
    for path in ["/api/invites", "/api/accounts", "/api/hours", "/api/announcements", "/api/audit"] {
        seen.push(staff.get(path).await.json().await.expect("json"));
    }
    seen
}

#[tokio::test]
async fn every_staff_endpoint_refuses_a_participant_and_a_stranger() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "のぞき").await;
    let stranger = Browser::new(&server.base);
    let before = state(&staff).await;
    for (method, path) in STAFF_ENDPOINTS {
        assert_eq!(ask(&participant, method, path).await, 403, "{method} {path} refuses a participant");
        assert_eq!(ask(&stranger, method, path).await, 401, "{method} {path} refuses a stranger");
    }
    assert_eq!(state(&staff).await, before, "nothing changed");
}
