//! Reports to staff over real HTTP and WebSocket on 127.0.0.1:0: a person tells staff about
//! someone with a note and is told it arrived; staff (only) read it with the place and time;
//! bad reports are refused and keep nothing; too many in an hour are refused.

mod common;

use common::{TestServer, enter};
use protocol::{ClientMessage, ParticipantId, RejectCode, Role, ServerMessage};
use serde_json::Value;

#[tokio::test]
async fn a_report_reaches_staff_with_where_and_when_and_nothing_else() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let mut a = enter(&server, "あおい").await;
    let b = enter(&server, "ひかり").await;
    a.move_to(server.at(7, 5)).await;

    let report = |person: Option<ParticipantId>, note: &str| ClientMessage::Report { person, note: note.into() };
    a.send(&report(Some(b.id), "何度も話しかけられて、こわかったです")).await;
    assert!(a.until(|m| matches!(m, ServerMessage::Reported).then_some(())).await.is_some(), "A is told it arrived");
    let listed: Vec<Value> = staff.get("/api/reports").await.json().await.expect("reports");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["reporter"], "あおい");
    assert_eq!(listed[0]["reported"], "ひかり");
    assert_eq!(listed[0]["place"], "ギャラリー");
    assert_eq!(listed[0]["note"], "何度も話しかけられて、こわかったです");
    let page = staff.get("/reports").await.text().await.expect("page");
    assert!(page.contains("こわかったです") && page.contains("ギャラリー"));

    // A moment, with no one named and no note, is fine too.
    a.send(&report(None, " ")).await;
    assert!(a.until(|m| matches!(m, ServerMessage::Reported).then_some(())).await.is_some());

    // Refused, and nothing kept: oneself, nobody, a note too long.
    for bad in [report(Some(a.id), ""), report(Some(ParticipantId(9_999)), ""), report(None, &"あ".repeat(201))] {
        a.send(&bad).await;
        assert!(common::rejected(&mut a).await.is_some());
    }
    assert_eq!(staff.get("/api/reports").await.json::<Vec<Value>>().await.expect("reports").len(), 2);
    // Only staff read them.
    let participant = server.register(Role::Participant, "そら").await;
    assert_eq!(participant.get("/api/reports").await.status(), 403);
    assert_eq!(participant.get("/reports").await.status(), 403);

    // Ten an hour at most.
    for _ in 0..8 {
        a.send(&report(None, "")).await;
        assert!(a.until(|m| matches!(m, ServerMessage::Reported).then_some(())).await.is_some());
    }
    a.send(&report(None, "")).await;
    assert_eq!(common::rejected(&mut a).await, Some(RejectCode::TooFrequent));
}
