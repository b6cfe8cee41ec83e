//! Presence and signaling over a real WebSocket on 127.0.0.1:0: roster, fan-out,
//! introductions by proximity and place, signal relay, and bad input.

mod common;

use common::{Browser, TestServer, WAIT, WATCH, enter, introduced_to, rejected, separated};
use protocol::{ClientMessage, ParticipantId, Position, RejectCode, Role, ServerMessage};

#[tokio::test]
async fn only_signed_in_browsers_connect() {
    let server = TestServer::start().await;
    let url = format!("{}/ws", server.base.replace("http://", "ws://"));
    let error = tokio_tungstenite::connect_async(url).await.expect_err("refused");
    assert!(error.to_string().contains("401"), "{error}");
}

#[tokio::test]
async fn roster_and_positions_reach_the_others() {
    let server = TestServer::start().await;
    let mut a = enter(&server, "あお").await;
    let browser = server.register(Role::Participant, "みどり").await;
    let mut b_socket = browser.connect().await;
    let ServerMessage::Welcome { you, people, .. } = b_socket.welcome().await else { unreachable!() };
    assert_eq!(you.nickname, "みどり");
    assert_eq!(people.iter().map(|p| p.nickname.as_str()).collect::<Vec<_>>(), vec!["あお"]);
    let joined = a.socket.until(WAIT, |m| match m {
        ServerMessage::Joined { person } => Some(person.nickname.clone()),
        _ => None,
    });
    assert_eq!(joined.await.as_deref(), Some("みどり"));

    let target = server.at(30, 20);
    a.socket.move_to(target).await;
    let seen = b_socket.until(WAIT, |m| match m {
        ServerMessage::Moved { moves, .. } => {
            moves.iter().find(|mv| mv.id == a.id).map(|mv| (mv.position, mv.place.clone()))
        }
        _ => None,
    });
    let (position, place) = seen.await.expect("movement relayed");
    assert_eq!(position, target);
    assert_eq!(place.map(|p| p.0).as_deref(), Some("free-space"));

    b_socket.close().await;
    let left = a.socket.until(WAIT, |m| matches!(m, ServerMessage::Left { id } if *id == you.id).then_some(()));
    assert!(left.await.is_some());
}

#[tokio::test]
async fn near_people_are_introduced_far_people_are_not_and_moving_apart_separates() {
    let server = TestServer::start().await;
    let mut a = enter(&server, "A").await;
    let mut b = enter(&server, "B").await;
    // Both start at the entrance, next to each other.
    let (a_link, a_offers) = introduced_to(&mut a, b.id).await.expect("A introduced to B");
    let (b_link, b_offers) = introduced_to(&mut b, a.id).await.expect("B introduced to A");
    assert_ne!(a_offers, b_offers, "exactly one side makes the offer");
    assert_ne!(a_link, b_link);

    b.socket.move_to(server.at(45, 22)).await;
    assert!(separated(&mut a, a_link).await, "A separated from B");
    assert!(separated(&mut b, b_link).await, "B separated from A");

    let mut c = enter(&server, "C").await;
    // C arrives at the entrance next to A, far from B.
    let (c_link, _) = introduced_to(&mut c, a.id).await.expect("C meets A");
    assert!(
        b.socket
            .until(WATCH, |m| matches!(m, ServerMessage::Introduce { person, .. } if *person == c.id).then_some(()))
            .await
            .is_none()
    );

    // Coming close again gives a fresh link.
    b.socket.move_to(server.at(6, 19)).await;
    let (again, _) = introduced_to(&mut b, a.id).await.expect("B meets A again");
    assert_ne!(again, b_link);
    let _ = c_link;
}

#[tokio::test]
async fn bad_input_is_refused_without_disturbing_anyone() {
    let server = TestServer::start().await;
    let mut a = enter(&server, "A").await;
    let mut b = enter(&server, "B").await;
    a.socket.send_text("not json".into()).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::Malformed));
    a.socket.send_text(r#"{"type":"teleport"}"#.into()).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::Malformed));
    a.socket.send_text(format!(r#"{{"type":"keep_alive","pad":"{}"}}"#, "x".repeat(20_000))).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::TooLarge));
    for position in [Position::new(-5.0, 10.0), Position::new(16.0, 16.0), Position::new(1e9, 3.0)] {
        a.socket.move_to(position).await;
        assert_eq!(rejected(&mut a).await, Some(RejectCode::BadPosition), "{position:?}");
    }
    a.socket.send_text(r#"{"type":"move","position":{"x":"NaN","y":1}}"#.into()).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::Malformed));
    // None of it moved A as B sees it, and A's connection still works.
    let target = server.at(8, 20);
    a.socket.move_to(target).await;
    // B is told where A stands (where A arrived, as B came into view of it), then the target.
    let mut seen = Vec::new();
    let reached = b.socket.until(WAIT, |m| {
        let ServerMessage::Moved { moves, .. } = m else { return None };
        seen.extend(moves.iter().filter(|mv| mv.id == a.id).map(|mv| mv.position));
        seen.contains(&target).then_some(())
    });
    assert_eq!(reached.await, Some(()), "B saw A reach the target");
    let arrival = seen[0];
    assert!(
        seen.iter().all(|at| *at == arrival || *at == target),
        "A was seen only where it arrived and at the target: {seen:?}"
    );
}

#[tokio::test]
async fn floods_are_refused() {
    let server = TestServer::start().await;
    let mut a = enter(&server, "A").await;
    for _ in 0..300 {
        a.socket.send(&ClientMessage::KeepAlive).await;
    }
    assert_eq!(rejected(&mut a).await, Some(RejectCode::TooFrequent));
}

#[tokio::test]
async fn a_second_tab_replaces_the_first() {
    let server = TestServer::start().await;
    let browser: Browser = server.register(Role::Participant, "二つ目").await;
    let mut first = browser.connect().await;
    first.welcome().await;
    let mut second = browser.connect().await;
    second.welcome().await;
    let closing = first.until(WAIT, |m| matches!(m, ServerMessage::Closing { .. }).then(|| m.clone())).await;
    assert_eq!(closing, Some(ServerMessage::Closing { code: protocol::CloseCode::OpenedElsewhere }));
    assert_eq!(server.state.town.population(), 1);
}

#[tokio::test]
async fn everyone_enters_listening_and_sees_each_others_participation() {
    let server = TestServer::start().await;
    let a_browser = server.register(Role::Participant, "A").await;
    let mut a_socket = a_browser.connect().await;
    let ServerMessage::Welcome { you: a, .. } = a_socket.welcome().await else { unreachable!() };
    let mut b = enter(&server, "B").await;
    assert_eq!(a.participation, protocol::Participation::Listening, "聞くだけ by default");
    a_socket.send(&ClientMessage::SetParticipation { participation: protocol::Participation::Watching }).await;
    let changed = b.socket.until(WAIT, |m| match m {
        ServerMessage::ParticipationChanged { id, participation } if *id == a.id => Some(*participation),
        _ => None,
    });
    assert_eq!(changed.await, Some(protocol::Participation::Watching));
    // Entering again, A starts at 聞くだけ again, and B sees that.
    a_socket.close().await;
    let mut a_socket = a_browser.connect().await;
    let ServerMessage::Welcome { you, .. } = a_socket.welcome().await else { unreachable!() };
    assert_eq!(you.participation, protocol::Participation::Listening);
    let joined = b.socket.until(WAIT, |m| match m {
        ServerMessage::Joined { person } if person.id == a.id => Some(person.participation),
        _ => None,
    });
    assert_eq!(joined.await, Some(protocol::Participation::Listening));
}

#[tokio::test]
async fn people_arriving_together_do_not_stand_on_each_other() {
    let server = TestServer::start().await;
    let mut arrivals = Vec::new();
    for nickname in ["いち", "に", "さん", "よん"] {
        let browser = server.register(Role::Participant, nickname).await;
        let mut socket = browser.connect().await;
        let ServerMessage::Welcome { you, .. } = socket.welcome().await else { unreachable!() };
        arrivals.push((you, socket));
    }
    let spawn = server.map.spawn_position();
    assert_eq!(arrivals[0].0.position, spawn, "the first arrives on the spawn tile");
    for (i, (person, _)) in arrivals.iter().enumerate() {
        assert_eq!(
            person.place.as_ref().map(|p| p.0.as_str()),
            Some("entrance"),
            "{} in the entrance",
            person.nickname
        );
        assert!(person.position.distance(spawn) <= 32.0 * 4.0, "{} near the spawn tile", person.nickname);
        for (other, _) in &arrivals[..i] {
            // Avatars with their name tags are about two tiles wide and three tall.
            let (dx, dy) = ((person.position.x - other.position.x).abs(), (person.position.y - other.position.y).abs());
            assert!(dx >= 64.0 || dy >= 96.0, "{} and {} overlap", person.nickname, other.nickname);
        }
    }

    // The first walks away: the spawn tile is free for the next.
    let (first, mut socket) = arrivals.remove(0);
    socket.move_to(server.at(30, 20)).await;
    let others = &mut arrivals[0].1;
    let moved = others.until(WAIT, |m| match m {
        ServerMessage::Moved { moves, .. } => moves.iter().any(|mv| mv.id == first.id).then_some(()),
        _ => None,
    });
    assert!(moved.await.is_some());
    let browser = server.register(Role::Participant, "ご").await;
    let ServerMessage::Welcome { you, .. } = browser.connect().await.welcome().await else { unreachable!() };
    assert_eq!(you.position, spawn);
}

#[tokio::test]
async fn moves_must_be_walked_not_jumped() {
    let server = TestServer::walking().await;
    let browser = server.register(Role::Participant, "A").await;
    let mut a = browser.connect().await;
    let ServerMessage::Welcome { you, .. } = a.welcome().await else { unreachable!() };
    let mut b = enter(&server, "B").await;

    // Walking: 16 px every 100 ms for a second, in a direction with floor for 6 tiles; every
    // step reaches B.
    let (col, row) = server.map.tile_at(you.position).expect("on the map");
    let (dx, dy) = [(1i32, 0i32), (-1, 0), (0, 1), (0, -1)]
        .into_iter()
        .find(|(dx, dy)| {
            (1..=6).all(|k| {
                let (c, r) = (col as i32 + dx * k, row as i32 - dy * k);
                c >= 0 && r >= 0 && server.map.is_walkable(c as u32, r as u32)
            })
        })
        .expect("open floor beside the arrival spot");
    let mut at = you.position;
    for _ in 0..10 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        at = Position::new(at.x + 16.0 * dx as f32, at.y + 16.0 * dy as f32);
        a.move_to(at).await;
    }
    let last = b.socket.until(WAIT, |m| match m {
        ServerMessage::Moved { moves, .. } => moves.iter().find(|mv| mv.id == you.id && mv.position == at).map(|_| ()),
        _ => None,
    });
    assert!(last.await.is_some(), "walking is fine");

    // A jump across the town is refused, changes nothing, and A is told where A still is.
    a.move_to(server.at(40, 20)).await;
    let refused = a.until(WAIT, |m| match m {
        ServerMessage::Rejected { code } => Some(*code),
        _ => None,
    });
    assert_eq!(refused.await, Some(RejectCode::NotWalkable));
    let placed = a.until(WAIT, |m| match m {
        ServerMessage::Placed { position } => Some(*position),
        _ => None,
    });
    assert_eq!(placed.await, Some(at));
    let moved = b.socket.until(WATCH, |m| match m {
        ServerMessage::Moved { moves, .. } => moves.iter().find(|mv| mv.id == you.id).map(|mv| mv.position),
        _ => None,
    });
    assert_eq!(moved.await, None, "B saw no jump");

    // Running at three times walking speed is refused within a couple of seconds.
    let mut refused = false;
    for _ in 0..20 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        // Back and forth along the same open floor.
        let back = if at.distance(you.position) > 1.0 { -1.0 } else { 1.0 };
        let next = Position::new(at.x + back * 48.0 * dx as f32, at.y + back * 48.0 * dy as f32);
        a.move_to(next).await;
        match a
            .until(std::time::Duration::from_millis(50), |m| match m {
                ServerMessage::Rejected { code } => Some(*code),
                _ => None,
            })
            .await
        {
            Some(RejectCode::NotWalkable) => {
                refused = true;
                break;
            }
            _ => at = next,
        }
    }
    assert!(refused, "running is not walking");
}

#[tokio::test]
async fn do_not_disturb_keeps_everyone_away_until_turned_off_and_a_modified_client_cannot_get_around_it() {
    use protocol::PeerSignal;
    let server = TestServer::start().await;
    let mut a = enter(&server, "A").await;
    let mut b = enter(&server, "B").await;
    // Side by side at the entrance: introduced.
    let (a_link, _) = introduced_to(&mut a, b.id).await.expect("A introduced to B");
    let (b_link, _) = introduced_to(&mut b, a.id).await.expect("B introduced to A");

    // A asks not to be spoken to: A is told it is on, B sees A's sign, and their link ends.
    a.send(&ClientMessage::SetDoNotDisturb { on: true }).await;
    let sign = |who: ParticipantId, on: bool| {
        move |m: &ServerMessage| {
            matches!(m, ServerMessage::DoNotDisturbChanged { id, on: now } if *id == who && *now == on).then_some(())
        }
    };
    assert!(a.until(sign(a.id, true)).await.is_some(), "A is told");
    assert!(b.until(sign(a.id, true)).await.is_some(), "B sees A's sign");
    assert!(separated(&mut a, a_link).await && separated(&mut b, b_link).await, "their link ends");

    // A newcomer arriving next to both meets B, never A; the roster tells them A's sign.
    let browser = server.register(Role::Participant, "C").await;
    let mut c_socket = browser.connect().await;
    let ServerMessage::Welcome { people, .. } = c_socket.welcome().await else { unreachable!() };
    assert!(people.iter().any(|p| p.id == a.id && p.do_not_disturb), "C's roster shows A's sign");
    let introduced_c = c_socket
        .until(WATCH, |m| match m {
            ServerMessage::Introduce { person, .. } => Some(*person),
            _ => None,
        })
        .await;
    assert_eq!(introduced_c, Some(b.id), "C meets B");
    assert!(
        c_socket
            .until(WATCH, |m| matches!(m, ServerMessage::Introduce { person, .. } if *person == a.id).then_some(()))
            .await
            .is_none(),
        "C is never introduced to A"
    );

    // B, modified, still signals on the old link: refused, and nothing reaches A.
    b.send(&ClientMessage::Signal { to: b_link, signal: PeerSignal::Offer("v=0".into()) }).await;
    assert_eq!(rejected(&mut b).await, Some(RejectCode::UnknownPeer));
    assert!(a.socket.until(WATCH, |m| matches!(m, ServerMessage::Signal { .. }).then_some(())).await.is_none());

    // Turned off: A and B are introduced again.
    a.send(&ClientMessage::SetDoNotDisturb { on: false }).await;
    assert!(b.until(sign(a.id, false)).await.is_some(), "B sees the sign go");
    assert!(introduced_to(&mut a, b.id).await.is_some(), "A meets B again");
}
