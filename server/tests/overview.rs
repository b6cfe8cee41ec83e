//! いまの様子 over real HTTP on 127.0.0.1:0: only staff see it; it lists who is in the town,
//! where, on which step and since when, the counts per place and the open calls for help;
//! someone in a counseling booth is only 「個別相談中」 (no name); the live stream sends the
//! town again when it changes.

mod common;

use std::time::Duration;

use common::{TestServer, enter, enter_as};
use protocol::{HelpRequest, Role};
use serde_json::Value;

/// Reads the live stream until an `overview` event whose data passes `wanted`.
async fn next_overview(stream: &mut reqwest::Response, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let chunk = tokio::time::timeout(left, stream.chunk()).await.ok()?.ok()??;
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if !event.contains("event: overview") {
                continue;
            }
            let data = event.lines().find_map(|line| line.strip_prefix("data: "))?;
            let overview: Value = serde_json::from_str(data).ok()?;
            if wanted(&overview) {
                return Some(overview);
            }
        }
    }
}

#[tokio::test]
async fn staff_see_who_is_here_live_and_nobody_in_a_booth_by_name() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "のぞき").await;
    for path in ["/now", "/api/now", "/api/now/events"] {
        assert_eq!(participant.get(path).await.status(), 403, "{path} is for staff only");
    }
    assert!(staff.get("/now").await.text().await.expect("page").contains("いまの様子"));

    let mut stream = staff.get("/api/now/events").await;
    assert_eq!(stream.status(), 200);
    assert!(next_overview(&mut stream, |o| o["total"] == 0).await.is_some(), "an empty town first");

    let mut a = enter(&server, "あおい").await;
    a.move_to(server.at(20, 12)).await;
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    let seen = next_overview(&mut stream, |o| {
        o["total"] == 2 && o["people"].as_array().is_some_and(|p| p.iter().any(|p| p["place"] == "フリースペース"))
    });
    let seen = seen.await.expect("A and K, live");
    let a_row = seen["people"].as_array().and_then(|p| p.iter().find(|p| p["nickname"] == "あおい").cloned());
    let a_row = a_row.expect("A's row");
    assert_eq!((a_row["role"].as_str(), a_row["step"].as_str()), (Some("参加者"), Some("聞くだけ")));
    assert_eq!(a_row["minutes"], 0);

    // A calls for help: staff see the call.
    a.help(HelpRequest::Ask).await;
    let called = next_overview(&mut stream, |o| o["help"].as_array().is_some_and(|h| h.len() == 1)).await;
    assert_eq!(called.expect("the call")["help"][0]["nickname"], "あおい");
    a.help(HelpRequest::Withdraw).await;

    // K receives A in booth 1: both become 「個別相談中」, with no name, step or time.
    common::counsel(&server, &mut k, &mut a).await;
    let in_booth = next_overview(&mut stream, |o| {
        o["places"].as_array().is_some_and(|p| p.iter().any(|p| p["place"] == "個別相談中" && p["people"] == 2))
    });
    let in_booth = in_booth.await.expect("the booth, live");
    let text = in_booth.to_string();
    assert!(!text.contains("あおい") && !text.contains("けい"), "no name of anyone in a booth: {text}");
    for row in in_booth["people"].as_array().expect("people") {
        assert_eq!(row["place"], "個別相談中");
        assert!(row["nickname"].is_null() && row["step"].is_null() && row["minutes"].is_null());
    }
    let json: Value = staff.get("/api/now").await.json().await.expect("json");
    assert_eq!(json["total"], 2);
}
