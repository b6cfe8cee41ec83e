//! 開所時間 over real HTTP and WebSocket on 127.0.0.1:0: only staff set the hours; bad ones are
//! refused with the reason; outside the hours a participant gets the closed page with the
//! next opening and the town's WebSocket lets them in no further, while staff and counselors
//! enter; at closing participants are thanked and leave, except one in a counseling session;
//! the closing notices come once each, 15 and 5 minutes before.

mod common;

use common::{Person, TestServer, enter, enter_as};
use protocol::locale::Phrase;
use protocol::{BoothRequest, BoothState, CloseCode, HoursView, PlaceId, Role, ServerMessage};
use serde_json::{Value, json};

async fn closed_with(person: &mut Person, wanted: CloseCode) -> bool {
    person.until(|m| matches!(m, ServerMessage::Closing { code } if *code == wanted).then_some(())).await.is_some()
}

fn today() -> String {
    ibasho_server::city_time::city_date(ibasho_server::store::now()).to_string()
}

#[tokio::test]
async fn staff_set_hours_and_outside_them_only_staff_enter() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let participant = server.register(Role::Participant, "あおい").await;
    let mut early = enter(&server, "はやい").await;

    // Every endpoint refuses a participant.
    let closed_today = json!({ "day": today(), "closed": true });
    let rule = json!({ "weekday": 3, "weeks": [2, 3, 4], "starts": "13:00", "ends": "21:00" });
    assert_eq!(participant.get("/hours").await.status(), 403);
    assert_eq!(participant.get("/api/hours").await.status(), 403);
    assert_eq!(participant.post("/api/hours/rules", rule.clone()).await.status(), 403);
    assert_eq!(participant.post("/api/hours/exceptions", closed_today.clone()).await.status(), 403);
    assert_eq!(participant.put("/api/hours/message", json!({ "message": "x" })).await.status(), 403);
    assert_eq!(participant.delete("/api/hours/rules/1").await.status(), 403);
    assert_eq!(participant.delete("/api/hours/exceptions/1").await.status(), 403);

    // No hours yet: always open. Bad forms are refused with the reason and change nothing.
    assert_eq!(participant.get("/").await.text().await.expect("page"), common::INDEX_HTML);
    let bad =
        staff.post("/api/hours/rules", json!({ "weekday": 3, "weeks": [], "starts": "21:00", "ends": "13:00" })).await;
    assert_eq!(bad.status(), 400);
    assert!(bad.json::<Value>().await.expect("json")["message"].as_str().expect("message").contains("後に"));
    let past = staff.post("/api/hours/exceptions", json!({ "day": "2020-01-01", "closed": true })).await;
    assert_eq!(past.status(), 400);
    let summary: Value = staff.get("/api/hours").await.json().await.expect("json");
    assert_eq!((summary["rules"].as_array().map(Vec::len), summary["open"].as_bool()), (Some(0), Some(true)));

    // A rule, and today closed: the town is told; the participant already there is thanked
    // and leaves; the page and the WebSocket keep participants out.
    assert_eq!(staff.post("/api/hours/rules", rule).await.status(), 201);
    let created = staff.post("/api/hours/exceptions", closed_today).await;
    assert_eq!(created.status(), 201);
    let exception = created.json::<Value>().await.expect("json")["id"].as_i64().expect("id");
    assert!(closed_with(&mut early, CloseCode::OutsideHours).await, "a participant in the town leaves at closing");
    let page = participant.get("/").await.text().await.expect("page");
    assert!(page.contains("ただいま閉まっています") && page.contains("次に開くのは"), "{page}");
    assert!(page.contains("第2・3・4水曜 13:00〜21:00"), "the schedule is on the closed page");
    // The same page for someone reading English (then back to Japanese, kept in the cookie).
    let english = participant.get("/?lang=en").await.text().await.expect("page");
    assert!(english.contains("ibasho is closed just now") && english.contains("We open again on"), "{english}");
    assert!(english.contains("2nd, 3rd and 4th Wednesday of the month, 13:00–21:00"), "{english}");
    assert!(english.contains("Please come again during opening hours"), "the usual message in English");
    assert!(participant.get("/?lang=ja").await.text().await.expect("page").contains("ただいま閉まっています"));
    let mut socket = participant.connect().await;
    let hours = socket
        .until(common::WAIT, |m| match m {
            ServerMessage::Hours { hours } => Some(hours.clone()),
            ServerMessage::Welcome { .. } => panic!("a participant let into a closed town"),
            _ => None,
        })
        .await
        .expect("the hours");
    assert!(
        hours.set
            && hours.next_opening.is_some()
            && hours.today.ja == "本日はお休みです"
            && hours.today.en == "Closed today"
    );
    let code = socket.until(common::WAIT, |m| match m {
        ServerMessage::Closing { code } => Some(*code),
        ServerMessage::Welcome { .. } => panic!("a participant let into a closed town"),
        _ => None,
    });
    assert_eq!(code.await, Some(CloseCode::OutsideHours));
    assert!(socket.next(common::WAIT).await.is_none(), "and the connection ends");
    let mut staff_socket = staff.connect().await;
    staff_socket.welcome().await;
    let mut counselor = enter_as(&server, Role::Counselor, "けい").await;
    assert!(counselor.never(|m| matches!(m, ServerMessage::Closing { .. })).await, "counselors stay");

    // Staff's message is on the closed page; a bad one is refused.
    assert_eq!(
        staff.put("/api/hours/message", json!({ "message": "年末年始はお休みです。\nよいお年を。" })).await.status(),
        204
    );
    let too_long = staff.put("/api/hours/message", json!({ "message": "あ".repeat(401) })).await;
    assert_eq!(too_long.status(), 400);
    let page = participant.get("/").await.text().await.expect("page");
    assert!(page.contains("年末年始はお休みです。<br>よいお年を。"), "{page}");

    // The day opened again: participants enter.
    assert_eq!(staff.delete(&format!("/api/hours/exceptions/{exception}")).await.status(), 204);
    assert_eq!(staff.delete(&format!("/api/hours/exceptions/{exception}")).await.status(), 404);
    let rules: Value = staff.get("/api/hours").await.json().await.expect("json");
    let rule_id = rules["rules"][0]["id"].as_i64().expect("rule id");
    assert_eq!(staff.delete(&format!("/api/hours/rules/{rule_id}")).await.status(), 204);
    assert_eq!(participant.get("/").await.text().await.expect("page"), common::INDEX_HTML);
    participant.connect().await.welcome().await;
}

/// Whether `person` is told the booth is no longer 相談中.
async fn session_ended(person: &mut Person, booth: &PlaceId) -> bool {
    let ended = person.until(|m| match m {
        ServerMessage::BoothSigns { signs } => {
            signs.iter().any(|s| &s.booth == booth && s.state != BoothState::InSession).then_some(())
        }
        _ => None,
    });
    ended.await.is_some()
}

#[tokio::test]
async fn after_closing_a_page_in_a_counseling_session_comes_back_and_no_other_does() {
    let server = TestServer::start().await;
    let staff = server.register(Role::Staff, "スタッフ").await;
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    let browser = server.register(Role::Participant, "あお").await;
    let page = uuid::Uuid::new_v4();
    let mut socket = browser.connect_page(page).await;
    let ServerMessage::Welcome { you, .. } = socket.welcome().await else { unreachable!() };
    let mut a = Person { id: you.id, socket };
    common::counsel(&server, &mut k, &mut a).await;
    let closed_today = json!({ "day": today(), "closed": true });
    assert_eq!(staff.post("/api/hours/exceptions", closed_today).await.status(), 201);
    assert!(a.never(|m| matches!(m, ServerMessage::Closing { .. })).await, "the session goes on");

    // A's connection drops mid-session: the same page comes back into the booth.
    drop(a);
    tokio::time::sleep(common::WATCH).await;
    let mut socket = browser.connect_page(page).await;
    let back = socket.until(common::WAIT, |m| match m {
        ServerMessage::Welcome { you, resumed, .. } => Some((you.place.clone(), *resumed)),
        ServerMessage::Closing { code } => panic!("a page in a session shut out: {code:?}"),
        _ => None,
    });
    assert_eq!(back.await, Some((Some(PlaceId("booth-1".into())), true)), "back in the booth");
    // Another page of the same browser is kept out.
    let mut other = browser.connect_page(uuid::Uuid::new_v4()).await;
    let code = other.until(common::WAIT, |m| match m {
        ServerMessage::Closing { code } => Some(*code),
        ServerMessage::Welcome { .. } => panic!("a new page let into a closed town"),
        _ => None,
    });
    assert_eq!(code.await, Some(CloseCode::OutsideHours));
}

#[tokio::test]
async fn at_closing_a_counseling_session_goes_on_and_notices_come_once() {
    let server = TestServer::start().await;
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    let mut a = enter(&server, "あお").await;
    let mut c = enter(&server, "しい").await;
    let booth = PlaceId("booth-1".into());
    common::counsel(&server, &mut k, &mut a).await;
    let in_session = c.until(|m| match m {
        ServerMessage::BoothSigns { signs } => {
            signs.iter().any(|s| s.booth == booth && s.state == BoothState::InSession).then_some(())
        }
        _ => None,
    });
    assert!(in_session.await.is_some());

    // Ten minutes before closing: the 15-minute notice, once; four minutes before: the 5-minute one.
    let now = ibasho_server::store::now();
    let closes_at = now + 600;
    let view = HoursView {
        set: true,
        today: Phrase::same("本日 13:00〜21:00"),
        closes_at: Some(closes_at),
        ..HoursView::default()
    };
    server.state.town.set_hours(view.clone(), true, now);
    let notice = |minutes: u32| {
        move |m: &ServerMessage| {
            matches!(m, ServerMessage::ClosingSoon { minutes: got, .. } if *got == minutes).then_some(())
        }
    };
    assert!(c.until(notice(15)).await.is_some(), "15 minutes before");
    server.state.town.set_hours(view.clone(), true, now + 5);
    assert!(c.never(|m| matches!(m, ServerMessage::ClosingSoon { .. })).await, "a notice comes once");
    server.state.town.set_hours(view.clone(), true, closes_at - 240);
    assert!(c.until(notice(5)).await.is_some(), "5 minutes before");

    // Closed: C leaves with thanks; A, in a session, stays until it ends; K stays.
    let closed = HoursView {
        set: true,
        today: Phrase::same("本日 13:00〜21:00"),
        next_opening: Some(Phrase::same("12月9日（水）13:00")),
        ..HoursView::default()
    };
    server.state.town.set_hours(closed.clone(), false, closes_at);
    assert!(closed_with(&mut c, CloseCode::OutsideHours).await);
    assert!(a.never(|m| matches!(m, ServerMessage::Closing { .. })).await, "a session is not cut");
    k.booth(BoothRequest::Close).await;
    let ended = session_ended(&mut k, &booth).await;
    assert!(ended, "the session ended");
    server.state.town.set_hours(closed, false, closes_at + 5);
    assert!(closed_with(&mut a, CloseCode::OutsideHours).await, "once it ended, A leaves too");
    assert!(k.never(|m| matches!(m, ServerMessage::Closing { .. })).await, "the counselor stays");
}
