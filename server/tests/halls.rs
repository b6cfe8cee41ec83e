//! Program halls over a real WebSocket on 127.0.0.1:0, with a real Janus started as the server
//! starts it: a room per hall; the stage publishes through Janus and nobody else may; a turn to
//! speak opens publishing and its end (or 「みなさんのマイクをオフにします」) removes the
//! publication from Janus itself; leaving the hall ends a person's part; requests from outside
//! a hall and from the wrong role are refused with typed errors; the hall's text channel reaches
//! the hall only.

mod common;

use common::{Person, TestServer, enter, enter_as, hall, hall_view as view, rejected};
use ibasho_server::sfu::JanusEndpoint;
use protocol::{ClientMessage, FeedKind, HallRequest, Reaction, RejectCode, Role, ServerMessage, Turn, TurnEnded};
use serde_json::{Value, json};

/// Inside hall A (its area is columns 23–33, rows 1–6; row 7 has its doorway at 27–29).
const IN_HALL: [(u32, u32); 4] = [(28, 4), (27, 5), (29, 5), (26, 3)];
/// In the free space, outside every hall.
const OUTSIDE: (u32, u32) = (28, 12);

/// A WebRTC offer as a browser makes one for a microphone (ICE and DTLS details made up; Janus
/// answers it without the connection ever being made).
fn audio_offer() -> String {
    let fingerprint = (0..32).map(|i| format!("{:02X}", i * 7 % 256)).collect::<Vec<_>>().join(":");
    [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        "a=msid-semantic: WMS stream",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Fz8q",
        "a=ice-pwd:0123456789abcdefghijklmn",
        "a=ice-options:trickle",
        &format!("a=fingerprint:sha-256 {fingerprint}"),
        "a=setup:actpass",
        "a=mid:0",
        "a=sendonly",
        "a=msid:stream track",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=ssrc:1111 cname:ibasho",
        "",
    ]
    .join("\r\n")
}

async fn published(person: &mut Person) -> Option<String> {
    person
        .until(|m| match m {
            ServerMessage::HallPublished { sdp, .. } => Some(sdp.clone()),
            ServerMessage::Rejected { code } => panic!("publication refused: {code:?}"),
            _ => None,
        })
        .await
}

/// Asks Janus itself (with the server's secrets, as only the server can) who publishes in
/// the room of `hall`.
async fn janus_publishers(endpoint: &JanusEndpoint, hall: &str) -> Vec<u64> {
    let client = reqwest::Client::new();
    let post = |url: String, body: Value| {
        let client = client.clone();
        let secret = endpoint.api_secret.clone();
        async move {
            let mut body = body;
            body["apisecret"] = json!(secret);
            body["transaction"] = json!("t");
            client.post(url).json(&body).send().await.expect("janus").json::<Value>().await.expect("json")
        }
    };
    let session =
        post(endpoint.api_url.clone(), json!({ "janus": "create" })).await["data"]["id"].as_u64().expect("id");
    let session_url = format!("{}/{session}", endpoint.api_url);
    let attached = post(session_url.clone(), json!({ "janus": "attach", "plugin": "janus.plugin.videoroom" })).await;
    let handle_url = format!("{session_url}/{}", attached["data"]["id"].as_u64().expect("handle"));
    let message = |body: Value| post(handle_url.clone(), json!({ "janus": "message", "body": body }));
    let rooms = message(json!({ "request": "list", "admin_key": endpoint.admin_key })).await;
    let room = rooms["plugindata"]["data"]["list"]
        .as_array()
        .expect("rooms")
        .iter()
        .find(|room| room["description"] == hall)
        .unwrap_or_else(|| panic!("a room for {hall}: {rooms}"))["room"]
        .as_u64()
        .expect("room id");
    let participants = message(json!({ "request": "listparticipants", "room": room })).await;
    participants["plugindata"]["data"]["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect()
}

async fn into_hall(server: &TestServer, person: &mut Person, spot: (u32, u32)) {
    person.move_to(server.at(spot.0, spot.1)).await;
    assert!(view(person, |_| true).await.is_some(), "shown the hall on entering it");
}

#[tokio::test]
async fn every_hall_has_its_room_in_janus_and_the_stage_publishes_there() {
    let server = TestServer::with_janus().await;
    let endpoint = server.janus.as_ref().expect("janus").0.clone();
    assert!(janus_publishers(&endpoint, "hall-1").await.is_empty());
    assert!(janus_publishers(&endpoint, "hall-2").await.is_empty());

    let mut f = enter_as(&server, Role::Facilitator, "ファシリ").await;
    let mut a = enter(&server, "あおい").await;
    let mut outsider = enter(&server, "そと").await;
    into_hall(&server, &mut f, IN_HALL[0]).await;
    into_hall(&server, &mut a, IN_HALL[1]).await;
    outsider.move_to(server.at(OUTSIDE.0, OUTSIDE.1)).await;

    // Nobody publishes before taking the stage, not even a facilitator.
    hall(&mut f, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    assert_eq!(rejected(&mut f).await, Some(RejectCode::NotAllowed));
    hall(&mut f, HallRequest::TakeStage).await;
    let on_stage = view(&mut f, |v| v.you == Turn::OnStage).await.expect("on stage");
    assert!(on_stage.sfu && on_stage.may_facilitate);
    assert_eq!(
        view(&mut a, |v| v.stage.is_some()).await.expect("a sees the stage").stage.expect("stage").nickname,
        "ファシリ"
    );

    hall(&mut f, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    let answer = published(&mut f).await.expect("Janus's answer");
    assert!(answer.contains("a=ice-ufrag") && answer.contains("opus/48000"), "a real SDP answer: {answer}");
    assert_eq!(janus_publishers(&endpoint, "hall-1").await.len(), 1, "F publishes in hall A's room");
    assert!(janus_publishers(&endpoint, "hall-2").await.is_empty());

    // A listener may not publish, nor take the stage; someone outside may ask nothing.
    hall(&mut a, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::NotAllowed));
    hall(&mut a, HallRequest::TakeStage).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::NotAllowed));
    hall(&mut outsider, HallRequest::RaiseHand).await;
    assert_eq!(rejected(&mut outsider).await, Some(RejectCode::WrongPlace));
    hall(&mut outsider, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    assert_eq!(rejected(&mut outsider).await, Some(RejectCode::WrongPlace));
    assert_eq!(janus_publishers(&endpoint, "hall-1").await.len(), 1);

    // Stepping down ends the publication in Janus.
    hall(&mut f, HallRequest::LeaveStage).await;
    view(&mut f, |v| v.you == Turn::Listening).await.expect("off the stage");
    tokio::time::sleep(common::WATCH).await;
    assert!(janus_publishers(&endpoint, "hall-1").await.is_empty(), "the stage's publication ended in Janus");
}

#[tokio::test]
async fn a_turn_to_speak_opens_publishing_and_its_end_closes_it_in_janus() {
    let server = TestServer::with_janus().await;
    let endpoint = server.janus.as_ref().expect("janus").0.clone();
    let mut f = enter_as(&server, Role::Facilitator, "ファシリ").await;
    let mut a = enter(&server, "あおい").await;
    let mut b = enter(&server, "ふみ").await;
    into_hall(&server, &mut f, IN_HALL[0]).await;
    into_hall(&server, &mut a, IN_HALL[1]).await;
    into_hall(&server, &mut b, IN_HALL[2]).await;
    hall(&mut f, HallRequest::TakeStage).await;

    // A raises a hand: F sees it in order, B only a count; a participant cannot grant.
    hall(&mut a, HallRequest::RaiseHand).await;
    view(&mut a, |v| v.you == Turn::HandRaised { ahead: 0 }).await.expect("hand up");
    let queue = view(&mut f, |v| v.hands == 1).await.expect("F sees the hand");
    assert_eq!(queue.queue.iter().map(|p| p.nickname.as_str()).collect::<Vec<_>>(), vec!["あおい"]);
    let others = view(&mut b, |v| v.hands == 1).await.expect("B sees a count");
    assert!(others.queue.is_empty(), "only facilitators see who raised a hand");
    hall(&mut b, HallRequest::Grant { person: a.id }).await;
    assert_eq!(rejected(&mut b).await, Some(RejectCode::NotAllowed));

    // 「どうぞ」: A speaks through Janus.
    hall(&mut f, HallRequest::Grant { person: a.id }).await;
    view(&mut a, |v| v.you == Turn::Speaking).await.expect("A's turn");
    hall(&mut a, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    published(&mut a).await.expect("A publishes");
    assert_eq!(janus_publishers(&endpoint, "hall-1").await.len(), 1);

    // みなさんのマイクをオフにします: A's publication is gone from Janus, and A is told why.
    hall(&mut f, HallRequest::MuteAll).await;
    let why = a.until(|m| match m {
        ServerMessage::HallTurnEnded { why } => Some(*why),
        _ => None,
    });
    assert_eq!(why.await, Some(TurnEnded::MutedAll));
    tokio::time::sleep(common::WATCH).await;
    assert!(janus_publishers(&endpoint, "hall-1").await.is_empty(), "muted in Janus, not by asking A's page");
    // A modified page that offers again is refused.
    hall(&mut a, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::NotAllowed));

    // An invitation: B may decline, and then cannot publish.
    hall(&mut f, HallRequest::Grant { person: b.id }).await;
    view(&mut b, |v| v.you == Turn::Invited).await.expect("invited");
    hall(&mut b, HallRequest::AnswerInvitation { accept: true }).await;
    view(&mut b, |v| v.you == Turn::Speaking).await.expect("B speaks");
    hall(&mut b, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    published(&mut b).await.expect("B publishes");
    // Walking out of the hall ends it all within a beat.
    b.move_to(server.at(OUTSIDE.0, OUTSIDE.1)).await;
    b.until(|m| matches!(m, ServerMessage::Hall { view: None }).then_some(())).await.expect("out of the hall");
    tokio::time::sleep(common::WATCH).await;
    assert!(janus_publishers(&endpoint, "hall-1").await.is_empty(), "leaving the hall ended B's publication");

    // Reactions reach everyone in the hall and are counted for the stage.
    hall(&mut a, HallRequest::React { reaction: Reaction::Clap }).await;
    let seen = f.until(|m| match m {
        ServerMessage::HallReaction { person, reaction } => Some((*person, *reaction)),
        _ => None,
    });
    assert_eq!(seen.await, Some((a.id, Reaction::Clap)));
    let counted = view(&mut f, |v| !v.reactions.is_empty()).await.expect("counted");
    assert_eq!(counted.reactions, vec![(Reaction::Clap, 1)]);
    hall(&mut a, HallRequest::React { reaction: Reaction::Clap }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::TooFrequent));

    // The hall's text channel reaches everyone inside and nobody outside; bad lines are refused.
    hall(&mut a, HallRequest::Say { text: " こんにちは\n".into() }).await;
    let line = f.until(|m| match m {
        ServerMessage::HallSaid { person, text } => Some((*person, text.clone())),
        _ => None,
    });
    assert_eq!(line.await, Some((a.id, "こんにちは".to_owned())));
    assert!(b.never(|m| matches!(m, ServerMessage::HallSaid { .. })).await, "B, outside the hall, reads nothing");
    hall(&mut a, HallRequest::Say { text: " \t ".into() }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::BadText));
    hall(&mut a, HallRequest::Say { text: "あ".repeat(protocol::MAX_CHAT_CHARS + 1) }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::BadText));
    a.send(&ClientMessage::SetParticipation { participation: protocol::Participation::Watching }).await;
    hall(&mut a, HallRequest::Say { text: "見学中".into() }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::NotAllowed), "見学 does not chat");
}

#[tokio::test]
async fn a_voice_held_by_staff_leaves_the_halls_publishers_in_janus() {
    let server = TestServer::with_janus().await;
    let endpoint = server.janus.as_ref().expect("janus").0.clone();
    let staff = server.register(Role::Staff, "スタッフ").await;
    let mut f = enter_as(&server, Role::Facilitator, "ファシリ").await;
    let mut a = enter(&server, "あおい").await;
    into_hall(&server, &mut f, IN_HALL[0]).await;
    into_hall(&server, &mut a, IN_HALL[1]).await;
    hall(&mut f, HallRequest::TakeStage).await;
    hall(&mut a, HallRequest::RaiseHand).await;
    view(&mut f, |v| v.hands == 1).await.expect("F sees the hand");
    hall(&mut f, HallRequest::Grant { person: a.id }).await;
    view(&mut a, |v| v.you == Turn::Speaking).await.expect("A's turn");
    hall(&mut a, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    published(&mut a).await.expect("A publishes");
    assert_eq!(janus_publishers(&endpoint, "hall-1").await.len(), 1);

    let held = staff.put(&format!("/api/now/{}/voice-hold", a.id.0), json!({ "minutes": 10 })).await;
    assert_eq!(held.status(), 200);
    view(&mut a, |v| v.you == Turn::Listening).await.expect("A's turn is over");
    tokio::time::sleep(common::WATCH).await;
    assert!(janus_publishers(&endpoint, "hall-1").await.is_empty(), "gone from Janus, not by asking A's page");
    // A modified page offering again, or F giving the floor again, is refused.
    hall(&mut a, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::VoiceHeld));
    hall(&mut f, HallRequest::Grant { person: a.id }).await;
    assert_eq!(rejected(&mut f).await, Some(RejectCode::VoiceHeld));
}

/// Comes back to `server` (a restarted one) as the page `page` of `browser`; returns the
/// welcome's `resumed` and `server_run`, and the person.
async fn come_back(server: &TestServer, browser: &common::Browser, page: uuid::Uuid) -> (bool, u64, Person) {
    let browser = common::Browser { base: server.base.clone(), ..browser.clone() };
    let mut socket = browser.connect_page(page).await;
    let ServerMessage::Welcome { you, resumed, server_run, .. } = socket.welcome().await else { unreachable!() };
    (resumed, server_run, Person { id: you.id, socket })
}

#[tokio::test]
async fn a_restarted_server_keeps_the_stage_hands_and_turns_and_the_stage_publishes_to_the_new_janus() {
    let server = TestServer::with_janus().await;
    let (f_browser, f_page) = (server.register(Role::Facilitator, "ファシリ").await, uuid::Uuid::new_v4());
    let (a_browser, a_page) = (server.register(Role::Participant, "あおい").await, uuid::Uuid::new_v4());
    let (b_browser, b_page) = (server.register(Role::Participant, "ひかり").await, uuid::Uuid::new_v4());
    let (_, first_run, mut f) = come_back(&server, &f_browser, f_page).await;
    let (_, _, mut a) = come_back(&server, &a_browser, a_page).await;
    let (_, _, mut b) = come_back(&server, &b_browser, b_page).await;
    for (person, spot) in [(&mut f, IN_HALL[0]), (&mut a, IN_HALL[1]), (&mut b, IN_HALL[2])] {
        into_hall(&server, person, spot).await;
    }
    hall(&mut f, HallRequest::TakeStage).await;
    view(&mut f, |v| v.you == Turn::OnStage).await.expect("F on stage");
    hall(&mut f, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    published(&mut f).await.expect("F publishes");
    hall(&mut a, HallRequest::RaiseHand).await;
    hall(&mut b, HallRequest::RaiseHand).await;
    view(&mut f, |v| v.hands == 2).await.expect("two hands");
    hall(&mut f, HallRequest::Grant { person: a.id }).await;
    view(&mut a, |v| v.you == Turn::Speaking).await.expect("A's turn");

    let restarted = server.restart_with_janus().await;
    drop((f, a, b));
    let endpoint = restarted.janus.as_ref().expect("janus").0.clone();
    assert!(janus_publishers(&endpoint, "hall-1").await.is_empty(), "a new Janus knows nothing yet");
    let (resumed, run, mut f) = come_back(&restarted, &f_browser, f_page).await;
    assert!(resumed, "F resumes");
    assert_ne!(run, first_run, "a new run of the server: the page knows to publish again");
    let (_, _, mut a) = come_back(&restarted, &a_browser, a_page).await;
    let (_, _, mut b) = come_back(&restarted, &b_browser, b_page).await;
    assert!(view(&mut f, |v| v.you == Turn::OnStage).await.is_some(), "F is still on the stage");
    let seen = view(&mut a, |v| v.you == Turn::Speaking).await.expect("A's turn goes on");
    assert_eq!(seen.stage.map(|p| p.nickname).as_deref(), Some("ファシリ"));
    assert_eq!(view(&mut b, |_| true).await.map(|v| v.you), Some(Turn::HandRaised { ahead: 0 }), "B's hand is up");
    // The stage publishes again, to the new Janus; a listener still may not.
    hall(&mut f, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    published(&mut f).await.expect("F publishes again");
    assert_eq!(janus_publishers(&endpoint, "hall-1").await.len(), 1);
    hall(&mut b, HallRequest::Publish { sdp: audio_offer(), media: FeedKind::Voice }).await;
    assert_eq!(rejected(&mut b).await, Some(RejectCode::NotAllowed));
}
