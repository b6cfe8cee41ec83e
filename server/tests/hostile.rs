//! Bad input, tried systematically with generated cases (proptest): every parser of client input
//! (WebSocket messages, the map file, nicknames, HTTP JSON bodies) returns a typed error rather
//! than panicking, and sequences of valid but hostile messages from several people (jumps, moves
//! through walls, signals to links just separated, knocks, answers and calls for people who are
//! not there, the ladder changed 1,000 times) never panic the town and leave it unchanged
//! whenever they are refused.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TestServer, town_map};
use ibasho_server::TownOptions;
use ibasho_server::presence::{Mailbox, Outgoing, Town};
use ibasho_server::store::Account;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use protocol::{
    AvatarId, BoothRequest, ClientMessage, HelpRequest, JobTitle, KnockAnswer, ParticipantId, Participation, PeerId,
    PeerSignal, PlaceId, Position, Role, ServerMessage, TownMap, validate_nickname,
};
use tokio::sync::mpsc;

/// What one person does in a generated sequence; turned into a message with what the town has
/// told them so far (their links, the people present).
#[derive(Debug, Clone)]
enum Action {
    /// A move to any point (possibly off the map, not a number).
    Move(f32, f32),
    /// A jump to a tile's centre, anywhere.
    MoveTo(u32, u32),
    /// A small step, as walking.
    Step(i8, i8),
    /// A signal along one of the links ever given to them (current or separated), or a made-up one.
    Signal(usize, String),
    /// A step of the ladder.
    Ladder(u8),
    /// A booth request naming a person by index and a booth by index.
    Booth(u8, usize, u8, String),
    /// A help request naming a person by index.
    Help(u8, usize, String),
    /// How much of the town the screen shows (any numbers).
    View(f32, f32),
    /// Time passes.
    Wait(u16),
}

fn action() -> impl Strategy<Value = Action> {
    let text = prop_oneof![Just(String::new()), "\\PC{0,8}", "[\\u{200b}\\u{202e} a-zあ]{0,300}"];
    prop_oneof![
        (prop_oneof![any::<f32>(), -100.0f32..2000.0], prop_oneof![any::<f32>(), -100.0f32..1000.0])
            .prop_map(|(x, y)| Action::Move(x, y)),
        (0u32..70, 0u32..40).prop_map(|(c, r)| Action::MoveTo(c, r)),
        (-20i8..=20, -20i8..=20).prop_map(|(dx, dy)| Action::Step(dx, dy)),
        (0usize..12, "\\PC{0,40}").prop_map(|(i, s)| Action::Signal(i, s)),
        (0u8..4).prop_map(Action::Ladder),
        (0u8..9, 0usize..5, 0u8..5, text.clone()).prop_map(|(k, p, b, t)| Action::Booth(k, p, b, t)),
        (0u8..5, 0usize..5, text).prop_map(|(k, p, t)| Action::Help(k, p, t)),
        (any::<f32>(), prop_oneof![any::<f32>(), 0.0f32..3000.0]).prop_map(|(w, h)| Action::View(w, h)),
        (0u16..4000).prop_map(Action::Wait),
    ]
}

/// One person in the fuzzed town.
struct Someone {
    id: ParticipantId,
    inbox: mpsc::Receiver<Outgoing>,
    /// Every link they were ever introduced by, current or separated.
    links: Vec<PeerId>,
    position: Position,
}

fn booth_id(index: u8) -> PlaceId {
    PlaceId(["booth-1", "booth-2", "hall-1", "nowhere", ""][usize::from(index) % 5].into())
}

fn message(action: &Action, me: &Someone, people: &[ParticipantId], map: &TownMap) -> Option<ClientMessage> {
    let person = |index: usize| people.get(index).copied().unwrap_or(ParticipantId(9999));
    Some(match action {
        Action::Move(x, y) => ClientMessage::Move { position: Position::new(*x, *y) },
        Action::MoveTo(c, r) => ClientMessage::Move { position: map.tile_center(*c, *r) },
        Action::Step(dx, dy) => ClientMessage::Move {
            position: Position::new(me.position.x + f32::from(*dx), me.position.y + f32::from(*dy)),
        },
        Action::Signal(index, text) => {
            let to = me.links.get(*index).copied().unwrap_or(PeerId(uuid::Uuid::from_u128(*index as u128)));
            ClientMessage::Signal { to, signal: PeerSignal::IceCandidate(text.clone()) }
        }
        Action::Ladder(step) => ClientMessage::SetParticipation {
            participation: [
                Participation::Watching,
                Participation::Listening,
                Participation::Voice,
                Participation::Camera,
            ][usize::from(*step) % 4],
        },
        Action::Booth(kind, who, booth, note) => ClientMessage::Booth {
            request: match kind {
                0 => BoothRequest::Open { title: JobTitle::ALL[usize::from(*booth) % JobTitle::ALL.len()] },
                1 => BoothRequest::Close,
                2 => BoothRequest::Knock { booth: booth_id(*booth), note: note.clone() },
                3 => BoothRequest::Withdraw,
                4 => BoothRequest::Answer {
                    person: person(*who),
                    answer: [KnockAnswer::Admit, KnockAnswer::Wait, KnockAnswer::Decline][usize::from(*booth) % 3],
                },
                5 => BoothRequest::Leave,
                6 => BoothRequest::BringFamily { person: person(*who) },
                _ => BoothRequest::JoinFamily,
            },
        },
        Action::Help(kind, who, text) => ClientMessage::Help {
            request: match kind {
                0 => HelpRequest::Ask,
                1 => HelpRequest::Withdraw,
                2 => HelpRequest::Reply { person: person(*who), text: text.clone() },
                3 => HelpRequest::Invite { person: person(*who) },
                _ => HelpRequest::Done { person: person(*who) },
            },
        },
        Action::View(width, height) => ClientMessage::SetView { width: *width, height: *height },
        Action::Wait(_) => return None,
    })
}

/// Reads what the town sent someone: their links and where the server has them.
fn drain(someone: &mut Someone) {
    while let Some(message) = someone.inbox.try_recv().ok().and_then(Outgoing::message) {
        match message {
            ServerMessage::Introduce { link, .. } => someone.links.push(link),
            ServerMessage::Welcome { you, .. } => someone.position = you.position,
            ServerMessage::Placed { position } => someone.position = position,
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hostile_sequences_never_panic_and_refusals_change_nothing(
        steps in proptest::collection::vec((0usize..4, action()), 1..80),
        walking in any::<bool>(),
    ) {
        let map = Arc::new(town_map());
        let options = TownOptions { teleports_allowed: !walking, ..TownOptions::default() };
        let mut town = Town::new(map.clone(), options);
        let roles = [Role::Counselor, Role::Staff, Role::Participant, Role::Participant];
        let mut people: Vec<Someone> = roles
            .iter()
            .enumerate()
            .map(|(index, role)| {
                let id = ParticipantId(index as i64 + 1);
                let (outbox, inbox) = mpsc::channel(4096);
                let account = Account { id, nickname: format!("人{index}"), avatar: AvatarId(1), role: *role };
                let mailbox = Mailbox { messages: outbox, positions: mpsc::channel(4096).0 };
                town.join(account, index as i64, None, mailbox, Vec::new());
                Someone { id, inbox, links: Vec::new(), position: map.spawn_position() }
            })
            .collect();
        let ids: Vec<ParticipantId> = people.iter().map(|p| p.id).collect();
        let mut now = Instant::now();
        for (who, action) in &steps {
            for someone in &mut people {
                drain(someone);
            }
            if let Action::Wait(ms) = action {
                now += Duration::from_millis(u64::from(*ms));
                town.tick_at(now);
                continue;
            }
            let Some(message) = message(action, &people[*who], &ids, &map) else { continue };
            let at = Instant::now();
            let before = town.snapshot_at(at).body();
            let outcome = town.handle(people[*who].id, message.clone());
            if let Err(code) = outcome {
                prop_assert_eq!(town.snapshot_at(at).body(), before, "{:?} refused ({:?}) yet changed the town", message, code);
            }
        }
    }

    #[test]
    fn any_text_from_a_client_parses_or_is_refused(text in "\\PC{0,200}") {
        let _ = serde_json::from_str::<ClientMessage>(&text);
    }

    #[test]
    fn any_json_shaped_message_parses_or_is_refused(
        kind in prop_oneof![
            Just("move".to_owned()),
            Just("signal".to_owned()),
            Just("booth".to_owned()),
            Just("help".to_owned()),
            Just("set_participation".to_owned()),
            "[a-z_]{0,12}",
        ],
        body in prop_oneof![Just(String::new()), Just(r#","position":{"x":1e999,"y":-0}"#.to_owned()), ",\"[a-z]{1,8}\":\\PC{0,30}"],
    ) {
        let _ = serde_json::from_str::<ClientMessage>(&format!("{{\"type\":\"{kind}\"{body}}}"));
    }

    #[test]
    fn any_map_file_loads_or_is_refused(text in "\\PC{0,400}") {
        let _ = TownMap::from_ron(&text);
    }

    #[test]
    fn any_nickname_is_accepted_clean_or_refused(name in "[\\PC\\u{200b}\\u{202e}\\u{2066}\\u{feff}\\u{0301}]{0,40}") {
        if let Ok(clean) = validate_nickname(&name) {
            prop_assert_eq!(validate_nickname(&clean), Ok(clean.clone()), "a clean name stays as it is");
            let invisible = clean.chars().any(|c| matches!(c, '\u{200b}' | '\u{202e}' | '\u{2066}' | '\u{feff}'));
            prop_assert!(!invisible, "no invisible or bidi characters");
            prop_assert!(!clean.trim().is_empty(), "not blank");
        }
    }
}

/// 1,000 changes of the ladder from one person: the town keeps up, and everyone else hears of
/// the last one.
#[test]
fn changing_the_ladder_a_thousand_times_leaves_the_last_step() {
    let map = Arc::new(town_map());
    let mut town = Town::new(map, TownOptions::default());
    let (a_out, _a_in) = mpsc::channel(4096);
    let (b_out, mut b_in) = mpsc::channel(4096);
    let account = |id, name: &str| Account {
        id: ParticipantId(id),
        nickname: name.into(),
        avatar: AvatarId(1),
        role: Role::Participant,
    };
    let mailbox = |messages| Mailbox { messages, positions: mpsc::channel(4).0 };
    town.join(account(1, "A"), 1, None, mailbox(a_out), Vec::new());
    town.join(account(2, "B"), 2, None, mailbox(b_out), Vec::new());
    let steps = [Participation::Voice, Participation::Watching];
    for index in 0..1000 {
        let participation = steps[index % 2];
        assert_eq!(town.handle(ParticipantId(1), ClientMessage::SetParticipation { participation }), Ok(()));
    }
    let mut last = None;
    while let Some(message) = b_in.try_recv().ok().and_then(Outgoing::message) {
        if let ServerMessage::ParticipationChanged { participation, .. } = message {
            last = Some(participation);
        }
    }
    assert_eq!(last, Some(Participation::Watching));
}

/// HTTP JSON bodies: whatever is posted to registration, the answer is a typed 4xx, never a
/// panic or a 500, and no account appears.
#[tokio::test]
async fn hostile_registration_bodies_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let token = server.invite_token(Role::Participant);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 64, ..ProptestConfig::default() });
    let bodies = prop_oneof![
        "\\PC{0,120}".boxed(),
        (
            prop_oneof![Just(token.clone()), "[a-zA-Z0-9_-]{0,60}"],
            "[\\PC\\u{202e}\\u{200b}]{0,80}",
            prop_oneof![
                Just("1".to_owned()),
                Just("-1".to_owned()),
                Just("1e400".to_owned()),
                Just("\"x\"".to_owned())
            ]
        )
            .prop_map(|(token, nickname, avatar)| {
                format!(r#"{{"token":{},"nickname":{},"avatar":{avatar}}}"#, json_text(&token), json_text(&nickname))
            })
            .boxed(),
    ];
    let accounts = || server.state.store.column_texts("SELECT nickname FROM accounts").expect("accounts").len();
    let cases: Vec<String> = (0..64).map(|_| bodies.new_tree(&mut runner).expect("a body").current()).collect();
    let mut refused = 0;
    for body in cases {
        let before = accounts();
        let response = client
            .post(format!("{}/api/register", server.base))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("an answer");
        let status = response.status();
        if status == 200 {
            // A well-formed body with the real invite and a clean name registers once.
            assert_eq!(accounts(), before + 1, "{body}");
            continue;
        }
        refused += 1;
        assert!(status.is_client_error(), "{body} → {status}");
        assert_eq!(accounts(), before, "{body} was refused yet changed the accounts");
    }
    assert!(refused > 0);
}

fn json_text(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}
