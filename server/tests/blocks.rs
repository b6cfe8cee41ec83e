//! Blocks over real WebSocket on 127.0.0.1:0: a person blocks another, and from then on the two
//! are separated and never introduced again, even side by side or in the same hall; neither sees
//! the other's hall lines; the blocked person is told nothing; the block outlives a restart and
//! only its maker removes it.

mod common;

use common::{Browser, Person, TestServer, enter, introduced_to, never_introduced, separated};
use protocol::{ClientMessage, HallRequest, ParticipantId, RejectCode, Role, ServerMessage};

async fn set_block(person: &mut Person, whom: ParticipantId, blocked: bool) {
    person.send(&ClientMessage::SetBlock { person: whom, blocked }).await;
}

/// Whether `person` is told they block exactly `wanted`.
async fn told_blocks(person: &mut Person, wanted: &[ParticipantId]) -> bool {
    person.until(|m| matches!(m, ServerMessage::Blocks { people } if people == wanted).then_some(())).await.is_some()
}

#[tokio::test]
async fn a_blocked_pair_is_never_introduced_and_the_blocked_person_is_not_told() {
    let server = TestServer::start().await;
    let mut a = enter(&server, "あおい").await;
    let mut b = enter(&server, "ひかり").await;
    a.move_to(server.at(20, 12)).await;
    b.move_to(server.at(21, 12)).await;
    let (link, _) = introduced_to(&mut a, b.id).await.expect("introduced side by side");

    set_block(&mut a, b.id, true).await;
    assert!(told_blocks(&mut a, &[b.id]).await, "A is told whom they block");
    assert!(separated(&mut a, link).await, "the link ends");
    // B sees the link end as when someone walks off, and nothing else about it.
    let seen = b.gather().await;
    let told = |m: &ServerMessage| matches!(m, ServerMessage::Blocks { people } if !people.is_empty());
    assert!(!seen.iter().any(told), "B is not told: {seen:?}");
    // Side by side, then apart and together again: never introduced.
    b.move_to(server.at(20, 13)).await;
    assert!(never_introduced(&mut a).await);
    b.move_to(server.at(40, 20)).await;
    b.move_to(server.at(21, 12)).await;
    assert!(never_introduced(&mut b).await);

    // Only its maker removes it: B's "unblock" changes nothing; A's does.
    set_block(&mut b, a.id, false).await;
    assert!(never_introduced(&mut a).await);
    set_block(&mut a, b.id, false).await;
    assert!(told_blocks(&mut a, &[]).await);
    assert!(introduced_to(&mut a, b.id).await.is_some(), "introduced again once A removes the block");
}

/// A person in the town, and their browser (to come back after a restart).
async fn arrive(server: &TestServer, nickname: &str) -> (Browser, Person) {
    let browser = server.register(Role::Participant, nickname).await;
    let mut socket = browser.connect().await;
    let ServerMessage::Welcome { you, .. } = socket.welcome().await else { unreachable!() };
    (browser, Person { id: you.id, socket })
}

/// The same browser coming back to a restarted server.
async fn come_back(server: &TestServer, browser: &Browser, id: ParticipantId) -> Person {
    let browser = Browser { base: server.base.clone(), ..browser.clone() };
    let mut socket = browser.connect().await;
    socket.welcome().await;
    Person { id, socket }
}

#[tokio::test]
async fn blocked_people_do_not_see_each_others_hall_lines_and_blocks_outlive_a_restart() {
    let server = TestServer::start().await;
    let (browser_a, mut a) = arrive(&server, "あおい").await;
    let (browser_b, mut b) = arrive(&server, "ひかり").await;
    let mut c = enter(&server, "そら").await;
    for (person, col) in [(&mut a, 24), (&mut b, 26), (&mut c, 28)] {
        person.move_to(server.at(col, 5)).await;
    }
    set_block(&mut a, b.id, true).await;
    assert!(told_blocks(&mut a, &[b.id]).await);

    b.send(&ClientMessage::Hall { request: HallRequest::Say { text: "こんにちは".into() } }).await;
    assert!(
        c.until(|m| matches!(m, ServerMessage::HallSaid { person, .. } if *person == b.id).then_some(()))
            .await
            .is_some(),
        "C reads B"
    );
    assert!(a.never(|m| matches!(m, ServerMessage::HallSaid { .. })).await, "A does not read B");
    a.send(&ClientMessage::Hall { request: HallRequest::Say { text: "どうも".into() } }).await;
    assert!(
        c.until(|m| matches!(m, ServerMessage::HallSaid { person, .. } if *person == a.id).then_some(()))
            .await
            .is_some()
    );
    assert!(b.never(|m| matches!(m, ServerMessage::HallSaid { .. })).await, "B does not read A");

    // Nobody blocks themselves or someone who does not exist.
    let me = a.id;
    set_block(&mut a, me, true).await;
    assert_eq!(common::rejected(&mut a).await, Some(RejectCode::NotAllowed));
    set_block(&mut a, ParticipantId(9_999), true).await;
    assert_eq!(common::rejected(&mut a).await, Some(RejectCode::UnknownPeer));

    // After a restart the block stands: A is told it again, and the two are never introduced.
    let (id_a, id_b) = (a.id, b.id);
    drop((a, b, c));
    let restarted = server.restart().await;
    let mut a = come_back(&restarted, &browser_a, id_a).await;
    let mut b = come_back(&restarted, &browser_b, id_b).await;
    assert!(told_blocks(&mut a, &[id_b]).await);
    a.move_to(restarted.at(20, 12)).await;
    b.move_to(restarted.at(21, 12)).await;
    assert!(never_introduced(&mut a).await);
}
