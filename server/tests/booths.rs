//! Counseling booths over a real WebSocket on 127.0.0.1:0, with clients that send whatever
//! they like: the door refuses everyone not let in (walking, teleporting, along the door),
//! outsiders learn nothing of the people inside, knocks, answers, the queue and timeouts, and
//! booth links pass only relay candidates.

mod common;

use std::time::Duration;

use common::{Person, TestServer, enter, enter_as, introduced_to, never_introduced, rejected};
use ibasho_server::TownOptions;
use ibasho_server::places::booth::BoothTimes;
use protocol::{
    BoothRequest, BoothSign, BoothState, ClientMessage, JobTitle, KnockAnswer, ParticipantId, Participation,
    PeerSignal, PlaceId, RejectCode, Role, ServerMessage, Ticket,
};

fn booth_1() -> PlaceId {
    PlaceId("booth-1".into())
}

/// Booth 1: the door is tile (13, 7); (13, 8) stands in front of it; (12, 3) is deep inside.
const DOOR: (u32, u32) = (13, 7);
const FRONT: (u32, u32) = (13, 8);
const INSIDE: (u32, u32) = (12, 3);

fn relayed() -> TownOptions {
    TownOptions { relayed: true, ..TownOptions::default() }
}

async fn sign(person: &mut Person, booth: &PlaceId) -> Option<BoothSign> {
    person
        .until(|m| match m {
            ServerMessage::BoothSigns { signs } => signs.iter().find(|s| &s.booth == booth).cloned(),
            _ => None,
        })
        .await
}

async fn state_becomes(person: &mut Person, wanted: BoothState) -> bool {
    person
        .until(|m| match m {
            ServerMessage::BoothSigns { signs } => {
                signs.iter().any(|s| s.booth == booth_1() && s.state == wanted).then_some(())
            }
            _ => None,
        })
        .await
        .is_some()
}

async fn ticket(person: &mut Person) -> Option<Option<Ticket>> {
    person
        .until(|m| match m {
            ServerMessage::BoothTicket { ticket } => Some(ticket.clone()),
            _ => None,
        })
        .await
}

/// Counselor K walks into booth 1 and opens it.
async fn open_booth(server: &TestServer, k: &mut Person) {
    k.move_to(server.at(DOOR.0, DOOR.1)).await;
    k.move_to(server.at(INSIDE.0, INSIDE.1)).await;
    k.booth(BoothRequest::Open { title: JobTitle::ClinicalPsychologist }).await;
    assert!(state_becomes(k, BoothState::Open).await, "booth 1 shows 受付中");
}

/// Whether anything `outsider` receives mentions `someone` (a join, a move, a participation
/// change) within the watch period.
async fn hears_nothing_of(outsider: &mut Person, someone: ParticipantId) -> bool {
    outsider
        .never(|m| match m {
            ServerMessage::Joined { person } => person.id == someone,
            ServerMessage::Moved { moves, .. } => moves.iter().any(|mv| mv.id == someone),
            ServerMessage::ParticipationChanged { id, .. } => *id == someone,
            ServerMessage::Introduce { person, .. } => *person == someone,
            _ => false,
        })
        .await
}

#[tokio::test]
async fn a_booth_admits_only_the_people_let_in_and_outsiders_see_nothing_of_them() {
    let server = TestServer::start_with(relayed()).await;
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    let mut a = enter(&server, "あお").await;
    let mut c = enter(&server, "しい").await;
    // C and A stand in the free space, away from the entrance.
    c.move_to(server.at(20, 12)).await;
    a.move_to(server.at(FRONT.0, FRONT.1)).await;
    open_booth(&server, &mut k).await;
    // K vanished for both: a `Left`, and the sign shows K's name and title but nobody inside.
    assert!(c.until(|m| matches!(m, ServerMessage::Left { id } if *id == k.id).then_some(())).await.is_some());
    let shown = sign(&mut c, &booth_1()).await.expect("C sees the sign");
    assert_eq!(shown.state, BoothState::Open);
    assert_eq!(
        shown.counselor.map(|card| (card.nickname, card.title)),
        Some(("けい".into(), JobTitle::ClinicalPsychologist))
    );

    // Nobody walks in unannounced: not through the door, not by teleport, not a participant
    // trying to open a booth or answer for the counselor.
    for tile in [DOOR, INSIDE, (11, 6), (14, 1)] {
        c.move_to(server.at(tile.0, tile.1)).await;
        assert_eq!(rejected(&mut c).await, Some(RejectCode::BoothLocked), "C into {tile:?}");
    }
    let placed = c.until(|m| match m {
        ServerMessage::Placed { position } => Some(*position),
        _ => None,
    });
    assert_eq!(placed.await, Some(server.at(20, 12)), "a refused move tells C where C still is");
    c.booth(BoothRequest::Open { title: JobTitle::Counselor }).await;
    assert_eq!(rejected(&mut c).await, Some(RejectCode::NotAllowed));

    // A knocks with a note; K sees it; C cannot let A in.
    a.booth(BoothRequest::Knock { booth: booth_1(), note: "はじめてです".into() }).await;
    assert_eq!(ticket(&mut a).await, Some(Some(Ticket::Knocking { booth: booth_1() })));
    let knock = k.until(|m| match m {
        ServerMessage::BoothDesk { desk: Some(desk) } => desk.knocks.first().cloned(),
        _ => None,
    });
    let knock = knock.await.expect("K sees the knock");
    assert_eq!((knock.id, knock.nickname.as_str(), knock.note.as_str()), (a.id, "あお", "はじめてです"));
    c.booth(BoothRequest::Answer { person: a.id, answer: KnockAnswer::Admit }).await;
    assert_eq!(rejected(&mut c).await, Some(RejectCode::NotAllowed));
    a.move_to(server.at(DOOR.0, DOOR.1)).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::BoothLocked), "knocking is not being let in");

    k.booth(BoothRequest::Answer { person: a.id, answer: KnockAnswer::Admit }).await;
    assert_eq!(ticket(&mut a).await, Some(Some(Ticket::Admitted { booth: booth_1() })));
    a.move_to(server.at(DOOR.0, DOOR.1)).await;
    a.move_to(server.at(14, 3)).await;
    // Inside, A sees K, and the two are introduced, relay-only; C is told A left.
    let joined = a.until(|m| matches!(m, ServerMessage::Joined { person } if person.id == k.id).then_some(()));
    assert!(joined.await.is_some(), "A sees K inside");
    let introduced = a.until(|m| match m {
        ServerMessage::Introduce { person, relay_only, link, .. } if *person == k.id => Some((*relay_only, *link)),
        _ => None,
    });
    let (relay_only, a_link) = introduced.await.expect("A introduced to K");
    assert!(relay_only, "booth links are relay-only");
    introduced_to(&mut k, a.id).await.expect("K introduced to A");
    assert!(c.until(|m| matches!(m, ServerMessage::Left { id } if *id == a.id).then_some(())).await.is_some());
    assert!(state_becomes(&mut c, BoothState::InSession).await, "the sign says 相談中");

    // While they talk, C hears nothing of them: no moves, no ladder changes, no introduction,
    // even standing right at the door.
    c.move_to(server.at(FRONT.0, FRONT.1)).await;
    a.send(&ClientMessage::SetParticipation { participation: Participation::Voice }).await;
    a.move_to(server.at(13, 4)).await;
    k.move_to(server.at(12, 4)).await;
    assert!(hears_nothing_of(&mut c, a.id).await, "C hears nothing of A");
    assert!(hears_nothing_of(&mut c, k.id).await, "C hears nothing of K");
    assert!(never_introduced(&mut c).await);
    // A newcomer's welcome does not list them either.
    let browser = server.register(Role::Participant, "でい").await;
    let mut d_socket = browser.connect().await;
    let ServerMessage::Welcome { people, .. } = d_socket.welcome().await else { unreachable!() };
    assert!(people.iter().all(|p| p.id != a.id && p.id != k.id), "welcome lists nobody inside a booth");

    // Booth links carry relay candidates only, with no address left in the SDP.
    let sdp = "v=0\r\nc=IN IP4 192.168.1.20\r\n\
               a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0\r\n\
               a=candidate:3 1 udp 41885439 127.0.0.1 50000 typ relay raddr 192.168.1.20 rport 54321\r\n";
    a.send(&ClientMessage::Signal { to: a_link, signal: PeerSignal::Offer(sdp.into()) }).await;
    let relayed = k.until(|m| match m {
        ServerMessage::Signal { signal: PeerSignal::Offer(sdp), .. } => Some(sdp.clone()),
        _ => None,
    });
    let relayed = relayed.await.expect("the offer reaches K");
    assert!(!relayed.contains("192.168.1.20"), "{relayed}");
    assert!(relayed.contains("typ relay raddr 0.0.0.0 rport 0"), "{relayed}");
    let host = r#"{"candidate":"candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host","sdpMid":"0"}"#;
    a.send(&ClientMessage::Signal { to: a_link, signal: PeerSignal::IceCandidate(host.into()) }).await;
    assert!(k.never(|m| matches!(m, ServerMessage::Signal { .. })).await, "a host candidate never reaches K");

    // そっと退出: A is put just outside the door, separated from K at once, and seen again.
    a.booth(BoothRequest::Leave).await;
    let seen = a.gather().await;
    assert!(seen.contains(&ServerMessage::Placed { position: server.at(FRONT.0, FRONT.1) }), "{seen:?}");
    assert!(seen.contains(&ServerMessage::Separate { link: a_link }), "separated from K: {seen:?}");
    assert!(seen.contains(&ServerMessage::Left { id: k.id }), "K is out of A's sight: {seen:?}");
    assert!(
        c.until(|m| matches!(m, ServerMessage::Joined { person } if person.id == a.id).then_some(())).await.is_some()
    );
    // Leaving ended the admission: coming back needs a new knock.
    a.move_to(server.at(DOOR.0, DOOR.1)).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::BoothLocked));
}

#[tokio::test]
async fn the_queue_keeps_its_order_and_can_be_left_with_one_request() {
    let server = TestServer::start().await;
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    let mut a = enter(&server, "あお").await;
    let mut b = enter(&server, "びい").await;
    let mut c = enter(&server, "しい").await;
    open_booth(&server, &mut k).await;
    for person in [&mut a, &mut b, &mut c] {
        person.move_to(server.at(FRONT.0 + 1, FRONT.1 + 1)).await;
        person.booth(BoothRequest::Knock { booth: booth_1(), note: String::new() }).await;
        assert_eq!(ticket(person).await, Some(Some(Ticket::Knocking { booth: booth_1() })));
    }
    k.booth(BoothRequest::Answer { person: a.id, answer: KnockAnswer::Admit }).await;
    a.move_to(server.at(DOOR.0, DOOR.1)).await;
    k.booth(BoothRequest::Answer { person: b.id, answer: KnockAnswer::Wait }).await;
    k.booth(BoothRequest::Answer { person: c.id, answer: KnockAnswer::Wait }).await;
    assert_eq!(ticket(&mut b).await, Some(Some(Ticket::Waiting { booth: booth_1(), ahead: 1 })), "あと 1 人");
    assert_eq!(ticket(&mut c).await, Some(Some(Ticket::Waiting { booth: booth_1(), ahead: 2 })));
    // B leaves the queue; C moves up.
    b.booth(BoothRequest::Withdraw).await;
    assert_eq!(ticket(&mut b).await, Some(None));
    assert_eq!(ticket(&mut c).await, Some(Some(Ticket::Waiting { booth: booth_1(), ahead: 1 })));
    let queue = k.until(|m| match m {
        ServerMessage::BoothDesk { desk: Some(desk) } => {
            (desk.queue.iter().map(|caller| caller.id).collect::<Vec<_>>() == vec![c.id]).then_some(())
        }
        _ => None,
    });
    assert!(queue.await.is_some(), "K's desk shows C alone in the queue");
    // 今日は難しいです gives C a kind notice, never a bare refusal; C puts it away.
    k.booth(BoothRequest::Answer { person: c.id, answer: KnockAnswer::Decline }).await;
    assert_eq!(ticket(&mut c).await, Some(Some(Ticket::Declined { booth: booth_1() })));
    c.booth(BoothRequest::Withdraw).await;
    assert_eq!(ticket(&mut c).await, Some(None));
}

#[tokio::test]
async fn knocks_need_the_door_and_end_politely_when_nobody_answers() {
    let times = BoothTimes { knock_timeout: Duration::from_millis(500), ..BoothTimes::default() };
    let server =
        TestServer::start_with(TownOptions { booth_times: times, relayed: false, ..TownOptions::default() }).await;
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    let mut a = enter(&server, "あお").await;
    open_booth(&server, &mut k).await;
    // From across the town, a knock is refused; so is an overlong note.
    a.move_to(server.at(40, 20)).await;
    a.booth(BoothRequest::Knock { booth: booth_1(), note: String::new() }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::WrongPlace));
    a.move_to(server.at(FRONT.0, FRONT.1)).await;
    a.booth(BoothRequest::Knock { booth: booth_1(), note: "あ".repeat(101) }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::NoteTooLong));
    a.booth(BoothRequest::Knock { booth: PlaceId("booth-2".into()), note: String::new() }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::WrongPlace), "booth 2's door is elsewhere");
    a.booth(BoothRequest::Knock { booth: booth_1(), note: String::new() }).await;
    assert_eq!(ticket(&mut a).await, Some(Some(Ticket::Knocking { booth: booth_1() })));
    assert_eq!(ticket(&mut a).await, Some(Some(Ticket::TimedOut { booth: booth_1() })), "nobody answered");
    let desk = k.until(|m| match m {
        ServerMessage::BoothDesk { desk: Some(desk) } if desk.knocks.is_empty() => Some(()),
        _ => None,
    });
    assert!(desk.await.is_some(), "the knock left K's desk");
}

#[tokio::test]
async fn a_counselor_receives_in_one_booth_and_nobody_enters_another_counselors_booth() {
    let server = TestServer::start().await;
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    let mut k2 = enter_as(&server, Role::Counselor, "けに").await;
    let mut s = enter_as(&server, Role::Staff, "すたっふ").await;
    open_booth(&server, &mut k).await;
    for other in [&mut k2, &mut s] {
        other.move_to(server.at(DOOR.0, DOOR.1)).await;
        assert_eq!(rejected(other).await, Some(RejectCode::BoothLocked), "another's booth is closed to staff too");
    }
    // K steps out (still receiving in booth 1, within the grace period) and cannot take booth 2.
    k.move_to(server.at(FRONT.0, FRONT.1)).await;
    k.move_to(server.at(19, 7)).await;
    assert_eq!(rejected(&mut k).await, Some(RejectCode::BoothLocked));
    k.booth(BoothRequest::Open { title: JobTitle::SocialWorker }).await;
    assert_eq!(rejected(&mut k).await, Some(RejectCode::WrongPlace));
    // K2 opens booth 2; K goes back into booth 1 and closes it: 準備中 again.
    k2.move_to(server.at(19, 7)).await;
    k2.booth(BoothRequest::Open { title: JobTitle::SocialWorker }).await;
    let booth_2 = PlaceId("booth-2".into());
    let opened = k2.until(|m| match m {
        ServerMessage::BoothSigns { signs } => {
            signs.iter().any(|s| s.booth == booth_2 && s.state == BoothState::Open).then_some(())
        }
        _ => None,
    });
    assert!(opened.await.is_some());
    k.move_to(server.at(DOOR.0, DOOR.1)).await;
    k.booth(BoothRequest::Close).await;
    assert!(state_becomes(&mut k, BoothState::Preparing).await);
}

async fn slots(browser: &common::Browser) -> Vec<protocol::SlotView> {
    browser.get("/api/booth-slots").await.json().await.expect("slots")
}

#[tokio::test]
async fn a_reserved_time_lets_its_person_in_and_nobody_else() {
    let server = TestServer::start().await;
    let counselor = server.register(Role::Counselor, "けい").await;
    let d_browser = server.register(Role::Participant, "でい").await;
    let e_browser = server.register(Role::Participant, "いい").await;
    let starts_at = ibasho_server::store::now() + 120;
    let slot = serde_json::json!({ "booth": "booth-1", "starts_at": starts_at, "minutes": 30 });
    // Only counselors and staff publish times; a time must be in a booth, and not overlap.
    assert_eq!(d_browser.post("/api/booth-slots", slot.clone()).await.status(), 403);
    let elsewhere = serde_json::json!({ "booth": "hall-1", "starts_at": starts_at, "minutes": 30 });
    assert_eq!(counselor.post("/api/booth-slots", elsewhere).await.status(), 400);
    let created = counselor.post("/api/booth-slots", slot.clone()).await;
    assert_eq!(created.status(), 201);
    let id = created.json::<serde_json::Value>().await.expect("json")["id"].as_i64().expect("id");
    let overlap = counselor.post("/api/booth-slots", slot).await;
    assert_eq!(overlap.status(), 409);
    assert!(overlap.text().await.expect("text").contains("別の枠があります"));

    // D books it; E cannot book it too; only the counselor sees who booked.
    let free = slots(&d_browser).await;
    assert_eq!((free.len(), free[0].state, free[0].booked_by.clone()), (1, protocol::SlotState::Free, None));
    assert_eq!(d_browser.post(&format!("/api/booth-slots/{id}/book"), serde_json::json!({})).await.status(), 204);
    assert_eq!(e_browser.post(&format!("/api/booth-slots/{id}/book"), serde_json::json!({})).await.status(), 409);
    assert_eq!(slots(&d_browser).await[0].state, protocol::SlotState::Mine);
    let seen_by_e = slots(&e_browser).await;
    assert_eq!((seen_by_e[0].state, seen_by_e[0].booked_by.clone()), (protocol::SlotState::Taken, None));
    assert_eq!(slots(&counselor).await[0].booked_by.as_deref(), Some("でい"));

    // At its time (from five minutes before), the door lets D in, and only D.
    let mut d = Person { id: d_browser.me().await, socket: d_browser.connect().await };
    let mut e = Person { id: e_browser.me().await, socket: e_browser.connect().await };
    let reserved = d.until(|m| match m {
        ServerMessage::BoothTicket { ticket: Some(Ticket::Reserved { booth, .. }) } => Some(booth.clone()),
        _ => None,
    });
    assert_eq!(reserved.await, Some(booth_1()));
    e.move_to(server.at(DOOR.0, DOOR.1)).await;
    assert_eq!(rejected(&mut e).await, Some(RejectCode::BoothLocked));
    d.move_to(server.at(DOOR.0, DOOR.1)).await;
    assert!(d.never(|m| matches!(m, ServerMessage::Rejected { .. })).await, "D walks in");

    // Cancelled, a reservation opens nothing: D steps out and cannot come back.
    d.booth(BoothRequest::Leave).await;
    assert_eq!(d_browser.delete(&format!("/api/booth-slots/{id}/book")).await.status(), 204);
    let cleared = d.until(|m| matches!(m, ServerMessage::BoothTicket { ticket: None }).then_some(()));
    assert!(cleared.await.is_some(), "the reserved ticket is gone");
    d.move_to(server.at(DOOR.0, DOOR.1)).await;
    assert_eq!(rejected(&mut d).await, Some(RejectCode::BoothLocked));
    assert_eq!(e_browser.delete(&format!("/api/booth-slots/{id}/book")).await.status(), 404, "not E's to cancel");
}

#[tokio::test]
async fn family_comes_along_when_both_agree_and_the_counselor_lets_them_in() {
    let server = TestServer::start_with(relayed()).await;
    let mut k = enter_as(&server, Role::Counselor, "けい").await;
    let mut a = enter(&server, "あお").await;
    let mut f = enter(&server, "えふ").await;
    let mut c = enter(&server, "しい").await;
    open_booth(&server, &mut k).await;
    // Asking needs business with a booth; joining needs an invitation.
    a.booth(BoothRequest::BringFamily { person: f.id }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::NotAllowed));
    c.booth(BoothRequest::JoinFamily).await;
    assert_eq!(rejected(&mut c).await, Some(RejectCode::NoSuchCaller));
    a.move_to(server.at(FRONT.0, FRONT.1)).await;
    a.booth(BoothRequest::Knock { booth: booth_1(), note: String::new() }).await;
    a.booth(BoothRequest::BringFamily { person: ParticipantId(999_999) }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::NoSuchCaller), "nobody by that id is here");
    a.booth(BoothRequest::BringFamily { person: f.id }).await;
    let invite = ticket(&mut f).await;
    assert_eq!(invite, Some(Some(Ticket::FamilyInvite { booth: booth_1(), by: "あお".into() })));
    assert!(c.never(|m| matches!(m, ServerMessage::BoothTicket { ticket: Some(_) })).await, "C learns nothing");
    // F agrees from wherever F stands; K's desk shows F as A's family; K lets both in.
    f.booth(BoothRequest::JoinFamily).await;
    let family = k.until(|m| match m {
        ServerMessage::BoothDesk { desk: Some(desk) } => {
            desk.knocks.iter().find(|caller| caller.id == f.id).map(|caller| caller.family_of.clone())
        }
        _ => None,
    });
    assert_eq!(family.await, Some(Some("あお".into())));
    f.move_to(server.at(DOOR.0, DOOR.1)).await;
    assert_eq!(rejected(&mut f).await, Some(RejectCode::BoothLocked), "the counselor still decides");
    for person in [a.id, f.id] {
        k.booth(BoothRequest::Answer { person, answer: KnockAnswer::Admit }).await;
    }
    for person in [&mut a, &mut f] {
        let admitted = person
            .until(|m| matches!(m, ServerMessage::BoothTicket { ticket: Some(Ticket::Admitted { .. }) }).then_some(()));
        assert!(admitted.await.is_some());
    }
    a.move_to(server.at(DOOR.0, DOOR.1)).await;
    f.move_to(server.at(DOOR.0, DOOR.1)).await;
    f.move_to(server.at(13, 4)).await;
    let seen = f.gather().await;
    assert!(!seen.iter().any(|m| matches!(m, ServerMessage::Rejected { .. })), "F walks in: {seen:?}");
    assert!(seen.iter().any(|m| matches!(m, ServerMessage::Introduce { person, .. } if *person == k.id)), "F with K");
    // A and F met in the open by the door (a direct link); inside, their link is made afresh
    // through the relay, as every booth link is.
    let seen = a.gather().await;
    let separated = seen.iter().position(|m| matches!(m, ServerMessage::Separate { .. }));
    let introduced = seen
        .iter()
        .position(|m| matches!(m, ServerMessage::Introduce { person, relay_only: true, .. } if *person == f.id));
    assert!(separated.is_some() && introduced.is_some() && separated < introduced, "A with F, relayed: {seen:?}");
}
