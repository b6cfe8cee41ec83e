//! Staff looking after one person, over real HTTP and WebSocket on 127.0.0.1:0: 「入口へご案内」
//! moves the person to the entrance where everyone sees them, with staff's word shown to them
//! only; 「声を止める」 shows them to everyone as 聞くだけ and refuses their voice steps (a
//! modified page asking anyway is refused) until staff lift it; both are for staff only, never
//! reach into a counseling booth, and are written in 記録 without the word.

mod common;

use common::{TestServer, enter, enter_as, rejected};
use protocol::{ClientMessage, HallRequest, Participation, RejectCode, Role, ServerMessage};
use serde_json::{Value, json};

/// Whether `person` is told `who` is on `step` now.
async fn sees_step(person: &mut common::Person, who: protocol::ParticipantId, step: Participation) -> bool {
    person
        .until(|m| {
            matches!(m, ServerMessage::ParticipationChanged { id, participation } if *id == who && *participation == step)
                .then_some(())
        })
        .await
        .is_some()
}

/// Until when `person` is next told their voice is held.
async fn told_held(person: &mut common::Person) -> Option<String> {
    person
        .until(|m| match m {
            ServerMessage::VoiceHeld { until } => until.clone(),
            _ => None,
        })
        .await
}

/// Whether `person` is told their voice is held no more.
async fn told_released(person: &mut common::Person) -> bool {
    person.until(|m| matches!(m, ServerMessage::VoiceHeld { until: None }).then_some(())).await.is_some()
}

#[tokio::test]
async fn staff_walk_a_person_to_the_entrance_with_a_kind_word() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "のぞき").await;
    let mut a = enter(&server, "あおい").await;
    let mut o = enter(&server, "おと").await;
    a.move_to(server.at(28, 4)).await;
    o.move_to(server.at(27, 5)).await;
    assert!(common::hall_view(&mut a, |_| true).await.is_some(), "A is shown the hall");
    let entrance = format!("/api/now/{}/entrance", a.id.0);

    let word = json!({ "word": "少し休みましょう。" });
    assert_eq!(participant.post(&entrance, word.clone()).await.status(), 403, "for staff only");
    assert_eq!(common::Browser::new(&server.base).post(&entrance, word.clone()).await.status(), 401);
    let long = json!({ "word": "あ".repeat(protocol::MAX_STAFF_WORD_CHARS + 1) });
    assert_eq!(staff.post(&entrance, long).await.status(), 400, "a word too long changes nothing");
    assert_eq!(staff.post("/api/now/9999/entrance", word.clone()).await.status(), 409, "nobody by that id");

    assert_eq!(staff.post(&entrance, word).await.status(), 204);
    let mut out_of_hall = false;
    let placed = a.until(|m| match m {
        ServerMessage::Hall { view: None } => {
            out_of_hall = true;
            None
        }
        ServerMessage::Placed { position } => Some(*position),
        _ => None,
    });
    let placed = placed.await.expect("A is moved");
    assert!(out_of_hall, "the hall's panel goes at once, before the word comes");
    assert!(placed.distance(server.at(5, 18)) <= 6.0 * 32.0, "by the entrance: {placed:?}");
    let said = a.until(|m| match m {
        ServerMessage::StaffWord { text } => Some(text.clone()),
        _ => None,
    });
    assert_eq!(said.await.flatten().as_deref(), Some("少し休みましょう。"));
    let seen = o.until(|m| match m {
        ServerMessage::Moved { moves, .. } => {
            moves.iter().find(|m| m.id == a.id && m.position == placed).map(|m| m.position)
        }
        _ => None,
    });
    assert_eq!(seen.await, Some(placed), "the others see A at the entrance");
    let heard = o.gather().await;
    assert!(!heard.iter().any(|m| matches!(m, ServerMessage::StaffWord { .. })), "the word is A's only");

    // Without a word, the usual kind one.
    assert_eq!(staff.post(&entrance, json!({})).await.status(), 204);
    let said = a.until(|m| match m {
        ServerMessage::StaffWord { text } => Some(text.clone()),
        _ => None,
    });
    assert_eq!(said.await, Some(None), "the page words the usual one in its own language");

    // Nobody in a counseling booth is reached, and staff learn nothing more than "not here".
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    common::counsel(&server, &mut k, &mut a).await;
    let refused = staff.post(&entrance, json!({})).await;
    assert_eq!(refused.status(), 409);
    let refused: Value = refused.json().await.expect("json");
    assert_eq!(refused["code"], "not_in_town");
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("個別相談中")));

    let log: Value = staff.get("/api/audit").await.json().await.expect("audit");
    let text = log.to_string();
    assert!(text.contains("入口へご案内") && text.contains("あおい"), "{text}");
    assert!(!text.contains("少し休みましょう"), "the word is not kept");
}

#[tokio::test]
async fn a_held_voice_reaches_nobody_until_staff_lift_it() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "のぞき").await;
    let browser_b = server.register(Role::Participant, "ひかり").await;
    let mut a = enter(&server, "あおい").await;
    let mut b = {
        let mut socket = browser_b.connect().await;
        let ServerMessage::Welcome { you, .. } = socket.welcome().await else { unreachable!() };
        common::Person { id: you.id, socket }
    };
    a.move_to(server.at(20, 12)).await;
    b.move_to(server.at(21, 12)).await;
    b.send(&ClientMessage::SetParticipation { participation: Participation::Voice }).await;
    assert!(sees_step(&mut a, b.id, Participation::Voice).await);
    let hold = format!("/api/now/{}/voice-hold", b.id.0);

    assert_eq!(participant.put(&hold, json!({ "minutes": 10 })).await.status(), 403);
    assert_eq!(participant.delete(&hold).await.status(), 403);
    for minutes in [0, 181] {
        assert_eq!(staff.put(&hold, json!({ "minutes": minutes })).await.status(), 400, "{minutes} minutes");
    }
    assert_eq!(staff.put(&hold, json!({ "minutes": "ten" })).await.status(), 400);

    let held = staff.put(&hold, json!({ "minutes": 10 })).await;
    assert_eq!(held.status(), 200);
    let until = held.json::<Value>().await.expect("json")["until"].as_str().map(str::to_owned);
    assert!(until.as_ref().is_some_and(|u| u.len() == 5 && u.contains(':')), "a time like 14:30: {until:?}");
    assert_eq!(told_held(&mut b).await, until, "B is told until when");
    assert!(sees_step(&mut a, b.id, Participation::Listening).await, "everyone sees B as 聞くだけ");

    // A page asking for its voice anyway is refused, and nobody sees B on a voice step.
    b.send(&ClientMessage::SetParticipation { participation: Participation::Camera }).await;
    assert_eq!(rejected(&mut b).await, Some(RejectCode::VoiceHeld));
    assert!(a.never(|m| matches!(m, ServerMessage::ParticipationChanged { .. })).await);
    // In a hall: no stage, no hand, nothing published.
    b.move_to(server.at(28, 4)).await;
    for request in [HallRequest::RaiseHand, HallRequest::TakeStage] {
        b.send(&ClientMessage::Hall { request }).await;
        assert_eq!(rejected(&mut b).await, Some(RejectCode::VoiceHeld));
    }

    let now: Value = staff.get("/api/now").await.json().await.expect("now");
    let row = now["people"].as_array().and_then(|p| p.iter().find(|p| p["nickname"] == "ひかり").cloned());
    assert_eq!(row.expect("B's row")["voice_held_until"].as_str(), until.as_deref());

    // Coming back does not undo it.
    drop(b);
    let mut socket = browser_b.connect().await;
    socket.welcome().await;
    let mut b = common::Person { id: now_id(&now, "ひかり"), socket };
    assert_eq!(told_held(&mut b).await, until, "still held after coming back");

    assert_eq!(staff.delete(&hold).await.status(), 204);
    assert!(told_released(&mut b).await, "B is told it is over");
    b.move_to(server.at(21, 12)).await;
    b.send(&ClientMessage::SetParticipation { participation: Participation::Voice }).await;
    assert!(sees_step(&mut a, b.id, Participation::Voice).await, "B may speak again");

    let log: Value = staff.get("/api/audit").await.json().await.expect("audit");
    let text = log.to_string();
    assert!(text.contains("声を止める（10分") && text.contains("声を戻す"), "{text}");
}

fn now_id(now: &Value, nickname: &str) -> protocol::ParticipantId {
    let row = now["people"].as_array().and_then(|p| p.iter().find(|p| p["nickname"] == nickname).cloned());
    protocol::ParticipantId(row.and_then(|r| r["id"].as_i64()).expect("id"))
}
