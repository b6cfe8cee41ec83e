//! Reconnecting over a real WebSocket on 127.0.0.1:0: a page whose connection drops comes back
//! where it was (place, step of the ladder, introductions with the same link ids) and nobody
//! sees it leave and arrive; another page starts afresh; people away past the grace period
//! leave; a page that closes leaves at once; a restarted server restores people, booth
//! admissions, queues and links from its snapshot.

mod common;

use std::time::Duration;

use common::{Browser, Person, TestServer, introduced_to};
use ibasho_server::TownOptions;
use protocol::{
    BoothRequest, ClientMessage, JobTitle, KnockAnswer, LinkInfo, ParticipantId, Participation, PlaceId, Position,
    Role, ServerMessage, Ticket,
};
use uuid::Uuid;

/// One browser page: its cookie, its page id and its presence.
struct Page {
    browser: Browser,
    page: Uuid,
    person: Person,
}

impl Page {
    async fn open(server: &TestServer, role: Role, nickname: &str) -> Page {
        let browser = server.register(role, nickname).await;
        let page = Uuid::new_v4();
        let mut socket = browser.connect_page(page).await;
        let ServerMessage::Welcome { you, .. } = socket.welcome().await else { unreachable!() };
        Page { browser, page, person: Person { id: you.id, socket } }
    }

    /// The network breaks: the connection is gone without a goodbye.
    fn cut(self) -> (Browser, Uuid, ParticipantId) {
        (self.browser, self.page, self.person.id)
    }
}

/// Comes back as `page` (to `server`, which may be a restarted one); returns the welcome's
/// (you, resumed, links) and the person.
async fn come_back(
    server: &TestServer,
    browser: &Browser,
    page: Uuid,
) -> (protocol::Person, bool, Vec<LinkInfo>, Person) {
    let browser = Browser { base: server.base.clone(), ..browser.clone() };
    let mut socket = browser.connect_page(page).await;
    let ServerMessage::Welcome { you, resumed, links, .. } = socket.welcome().await else { unreachable!() };
    let person = Person { id: you.id, socket };
    (you, resumed, links, person)
}

fn sees_leave_or_join(message: &ServerMessage, who: ParticipantId) -> bool {
    match message {
        ServerMessage::Left { id } => *id == who,
        ServerMessage::Joined { person } => person.id == who,
        _ => false,
    }
}

/// A floor tile next to `from` that is not `from`.
fn step_from(server: &TestServer, from: Position) -> Position {
    let (col, row) = server.map.tile_at(from).expect("on the map");
    [(1, 0), (-1, 0), (0, 1), (0, -1)]
        .into_iter()
        .filter_map(|(dc, dr)| Some((col.checked_add_signed(dc)?, row.checked_add_signed(dr)?)))
        .find(|&(c, r)| server.map.is_walkable(c, r))
        .map(|(c, r)| server.at(c, r))
        .expect("a floor tile beside")
}

#[tokio::test]
async fn a_dropped_connection_comes_back_where_it_was_and_nobody_sees_it_leave() {
    let server = TestServer::start().await;
    let mut a = Page::open(&server, Role::Participant, "あお").await;
    let mut b = Page::open(&server, Role::Participant, "びわ").await;
    let (a_link, a_offers) = introduced_to(&mut a.person, b.person.id).await.expect("A and B introduced");

    let a_id = a.person.id;
    let spot = step_from(&server, server.map.spawn_position());
    a.person.move_to(spot).await;
    a.person.send(&ClientMessage::SetParticipation { participation: Participation::Voice }).await;
    let voice = b.person.until(|m| match m {
        ServerMessage::ParticipationChanged { id, participation } if *id == a_id => Some(*participation),
        _ => None,
    });
    assert_eq!(voice.await, Some(Participation::Voice));

    let (browser, page, _) = a.cut();
    assert!(b.person.never(|m| sees_leave_or_join(m, a_id)).await, "B sees no leave while A is away");

    let (you, resumed, links, mut a) = come_back(&server, &browser, page).await;
    assert!(resumed, "the same page resumes");
    assert_eq!((you.position, you.participation), (spot, Participation::Voice), "where A was, on voice");
    assert_eq!(
        links,
        vec![LinkInfo { link: a_link, person: b.person.id, offer: a_offers, relay_only: false }],
        "the same introduction, so the peer connection that kept flowing is kept"
    );
    assert!(b.person.never(|m| sees_leave_or_join(m, a_id)).await, "B sees no arrival either");

    // Signaling works again along the kept link, and moves reach B.
    a.send(&ClientMessage::Signal { to: a_link, signal: protocol::PeerSignal::IceCandidate("{}".into()) }).await;
    let signal = b.person.until(|m| matches!(m, ServerMessage::Signal { .. }).then_some(()));
    assert!(signal.await.is_some(), "a signal on the kept link reaches B");
    let back = step_from(&server, spot);
    a.move_to(back).await;
    let moved = b.person.until(|m| match m {
        ServerMessage::Moved { moves, .. } => moves.iter().find(|mv| mv.id == a_id).map(|mv| mv.position),
        _ => None,
    });
    assert_eq!(moved.await, Some(back));
}

#[tokio::test]
async fn another_page_starts_afresh_and_a_closed_page_leaves_at_once() {
    let server = TestServer::start().await;
    let a = Page::open(&server, Role::Participant, "あお").await;
    let mut b = Page::open(&server, Role::Participant, "びわ").await;
    let (browser, _, a_id) = a.cut();

    // Another tab (another page id) is a new arrival: B sees A leave and come.
    let (_, resumed, links, a) = come_back(&server, &browser, Uuid::new_v4()).await;
    assert!(!resumed && links.is_empty(), "a new page starts afresh");
    let left = b.person.until(|m| matches!(m, ServerMessage::Left { id } if *id == a_id).then_some(()));
    assert!(left.await.is_some());
    let joined = b.person.until(|m| matches!(m, ServerMessage::Joined { person } if person.id == a_id).then_some(()));
    assert!(joined.await.is_some());

    // Closing the page (a close frame) is leaving: no grace.
    a.socket.close().await;
    let left = b.person.until(|m| matches!(m, ServerMessage::Left { id } if *id == a_id).then_some(()));
    assert!(left.await.is_some(), "a closed page leaves at once");
}

#[tokio::test]
async fn people_away_past_the_grace_period_leave() {
    let options = TownOptions { resume_grace: Duration::from_millis(400), ..TownOptions::default() };
    let server = TestServer::start_with(options).await;
    let a = Page::open(&server, Role::Participant, "あお").await;
    let mut b = Page::open(&server, Role::Participant, "びわ").await;
    let (browser, page, a_id) = a.cut();
    let left = b.person.until(|m| matches!(m, ServerMessage::Left { id } if *id == a_id).then_some(()));
    assert!(left.await.is_some(), "gone after the grace period");
    let (_, resumed, _, _) = come_back(&server, &browser, page).await;
    assert!(!resumed, "too late to resume: a new arrival");
}

fn booth_1() -> PlaceId {
    PlaceId("booth-1".into())
}

#[tokio::test]
async fn a_restarted_server_puts_back_people_booth_admissions_queues_and_links() {
    let server = TestServer::start().await;
    let mut k = Page::open(&server, Role::Counselor, "けい").await;
    let mut a = Page::open(&server, Role::Participant, "あお").await;
    let mut w = Page::open(&server, Role::Participant, "わか").await;
    // K opens booth 1; A is let in and walks in; W waits in the queue.
    k.person.move_to(server.at(13, 7)).await;
    k.person.move_to(server.at(12, 3)).await;
    k.person.booth(BoothRequest::Open { title: JobTitle::SocialWorker }).await;
    let open = k.person.until(|m| matches!(m, ServerMessage::BoothDesk { desk: Some(_) }).then_some(()));
    assert!(open.await.is_some(), "K receives in booth 1");
    for person in [&mut a.person, &mut w.person] {
        person.move_to(server.at(13, 8)).await;
        person.booth(BoothRequest::Knock { booth: booth_1(), note: "メモ".into() }).await;
    }
    let both = k.person.until(|m| match m {
        ServerMessage::BoothDesk { desk: Some(desk) } if desk.knocks.len() == 2 => Some(()),
        _ => None,
    });
    assert!(both.await.is_some(), "K sees both knocks");
    k.person.booth(BoothRequest::Answer { person: a.person.id, answer: KnockAnswer::Admit }).await;
    k.person.booth(BoothRequest::Answer { person: w.person.id, answer: KnockAnswer::Wait }).await;
    let admitted = a
        .person
        .until(|m| matches!(m, ServerMessage::BoothTicket { ticket: Some(Ticket::Admitted { .. }) }).then_some(()));
    assert!(admitted.await.is_some());
    a.person.move_to(server.at(13, 7)).await;
    a.person.move_to(server.at(14, 3)).await;
    let (a_link, _) = introduced_to(&mut a.person, k.person.id).await.expect("A and K introduced inside");
    a.person.send(&ClientMessage::SetParticipation { participation: Participation::Voice }).await;
    // The participation change must be in the town before it stops.
    let voice = k.person.until(|m| matches!(m, ServerMessage::ParticipationChanged { .. }).then_some(()));
    assert!(voice.await.is_some());

    let restarted = server.restart().await;
    let restarting = a.person.until(|m| matches!(m, ServerMessage::Restarting).then_some(()));
    assert!(restarting.await.is_some(), "pages are told the server restarts");
    let (k_browser, k_page, k_id) = k.cut();
    let (a_browser, a_page, a_id) = a.cut();
    let (w_browser, w_page, w_id) = w.cut();

    let (you, resumed, links, mut a) = come_back(&restarted, &a_browser, a_page).await;
    assert!(resumed, "A resumes after the restart");
    assert_eq!((you.position, you.place.clone()), (restarted.at(14, 3), Some(booth_1())), "still inside the booth");
    assert_eq!(you.participation, Participation::Voice);
    assert_eq!(links.iter().map(|l| (l.link, l.person)).collect::<Vec<_>>(), vec![(a_link, k_id)], "same link");
    // A may walk about inside: the admission held.
    a.move_to(restarted.at(12, 4)).await;
    assert!(a.never(|m| matches!(m, ServerMessage::Rejected { .. })).await, "A still belongs inside");

    let (_, resumed, _, mut k) = come_back(&restarted, &k_browser, k_page).await;
    assert!(resumed);
    let desk = k.until(|m| match m {
        ServerMessage::BoothDesk { desk: Some(desk) } => Some(desk.clone()),
        _ => None,
    });
    let desk = desk.await.expect("K's desk comes back");
    assert_eq!(desk.admitted.iter().map(|c| c.id).collect::<Vec<_>>(), vec![a_id], "A is inside");
    assert_eq!(desk.queue.iter().map(|c| c.id).collect::<Vec<_>>(), vec![w_id], "W still waits");
    assert!(desk.queue.iter().all(|c| c.note.is_empty()), "knock notes were never written down");

    let (_, resumed, _, mut w) = come_back(&restarted, &w_browser, w_page).await;
    assert!(resumed);
    let ticket = w.until(|m| match m {
        ServerMessage::BoothTicket { ticket } => Some(ticket.clone()),
        _ => None,
    });
    assert!(matches!(ticket.await, Some(Some(Ticket::Waiting { .. }))), "W's place in the queue is kept");
}
