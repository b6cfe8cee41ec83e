//! The client's logic in headless Bevy apps (`MinimalPlugins`, no window): map loading, the
//! loading screen, keyboard movement and wall collision, click-to-walk with pathfinding, remote
//! avatars, and chat between two apps whose peer mail is carried in memory.

use std::time::Duration;

use bevy::asset::AssetPlugin;
use bevy::input::InputPlugin;
use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use bevy::time::TimeUpdateStrategy;
use ibasho_game::assets::CoreAssets;
use ibasho_game::avatar::Avatar;
use ibasho_game::chat::{Bubble, ChatLog, PeerMail, Say};
use ibasho_game::hours::{ClosingNotice, TownHours};
use ibasho_game::map::{Town, to_position, to_vec2};
use ibasho_game::movement::{LocalPlayer, WalkTo};
use ibasho_game::participation::{
    ChooseParticipation, DeviceRequest, DevicesFailed, DevicesReady, EntryChoice, MediaNotice,
};
use ibasho_game::places::booth::{BoothSigns, BoothSpot};
use ibasho_game::places::hall::{HallFeeds, HallMedia};
use ibasho_game::presence::{Links, People, RelayLinks, ServerLink};
use ibasho_game::screens::{ClosedReason, Screen};
use ibasho_game::voice::{Taking, VoiceMix};
use protocol::{
    AvatarId, ClientMessage, CloseCode, Movement, ParticipantId, Participation, PeerId, PeerMessage, Person, Position,
    Role, ServerMessage, TownMap,
};
use protocol::{BoothSign, BoothState, CounselorCard, JobTitle, PlaceId, Ticket};

/// Simulated time per frame.
const FRAME: Duration = Duration::from_millis(50);

struct Client {
    app: App,
    to_client: async_channel::Sender<ServerMessage>,
    from_client: async_channel::Receiver<ClientMessage>,
}

fn town_map() -> TownMap {
    TownMap::from_ron(include_str!("../../assets/maps/town.ron")).expect("map")
}

fn person(id: i64, nickname: &str, position: Position) -> Person {
    Person {
        id: ParticipantId(id),
        nickname: nickname.into(),
        avatar: AvatarId(1),
        role: Role::Participant,
        position,
        place: None,
        participation: Participation::Listening,
        do_not_disturb: false,
    }
}

/// A first welcome (not a resumed page) to `you`, with `people` already in the town.
fn fresh_welcome(you: Person, people: Vec<Person>, peer: u128) -> ServerMessage {
    ServerMessage::Welcome {
        you,
        peer_id: PeerId(uuid::Uuid::from_u128(peer)),
        people,
        ice_servers: vec![],
        resumed: false,
        links: vec![],
        server_run: 1,
    }
}

impl Client {
    fn new() -> Client {
        let mut app = App::new();
        app.add_plugins((
            MinimalPlugins,
            AssetPlugin { file_path: concat!(env!("CARGO_MANIFEST_DIR"), "/../assets").into(), ..default() },
            StatesPlugin,
            InputPlugin,
        ));
        app.insert_resource(TimeUpdateStrategy::ManualDuration(FRAME));
        let (to_client, incoming) = async_channel::unbounded();
        let (outgoing, from_client) = async_channel::unbounded();
        app.insert_resource(ServerLink { outgoing, incoming });
        app.add_plugins(ibasho_game::core_plugin);
        Client { app, to_client, from_client }
    }

    /// Updates until the map is loaded (files are read on Bevy's IO threads).
    fn load(&mut self) {
        for _ in 0..500 {
            self.app.update();
            if self.app.world().contains_resource::<Town>() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("the town map did not load");
    }

    fn welcome(&mut self, you: Person, people: Vec<Person>) {
        self.to_client.try_send(fresh_welcome(you, people, 1)).expect("send");
        for _ in 0..5 {
            self.app.update();
        }
    }

    fn enter(&mut self, id: i64, nickname: &str) {
        self.load();
        let spawn = town_map().spawn_position();
        self.welcome(person(id, nickname, spawn), vec![]);
        assert_eq!(self.screen(), Screen::Town);
    }

    fn frames(&mut self, count: usize) {
        for _ in 0..count {
            self.app.update();
        }
    }

    fn screen(&self) -> Screen {
        *self.app.world().resource::<State<Screen>>().get()
    }

    fn player_at(&mut self) -> Vec2 {
        let mut query = self.app.world_mut().query_filtered::<&Transform, With<LocalPlayer>>();
        query.single(self.app.world()).expect("one local player").translation.truncate()
    }

    fn avatar_of(&self, id: i64) -> Option<Entity> {
        self.app.world().resource::<People>().0.get(&ParticipantId(id)).copied()
    }

    fn sent_moves(&self) -> Vec<Position> {
        std::iter::from_fn(|| self.from_client.try_recv().ok())
            .filter_map(|m| match m {
                ClientMessage::Move { position } => Some(position),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn the_town_loads_and_opens_after_the_servers_welcome() {
    let mut client = Client::new();
    client.load();
    let town = client.app.world().resource::<Town>().0.clone();
    assert_eq!(*town, town_map());
    client.frames(5);
    assert_eq!(client.screen(), Screen::Loading, "waits for the welcome");
    let map = town_map();
    client.welcome(person(1, "わたし", map.spawn_position()), vec![person(2, "となり", map.tile_center(30, 20))]);
    assert_eq!(client.screen(), Screen::Town);
    assert_eq!(client.player_at(), to_vec2(map.spawn_position()));
    let other = client.avatar_of(2).expect("the other person's avatar");
    assert_eq!(client.app.world().get::<Avatar>(other).map(|a| a.nickname.as_str()), Some("となり"));
}

#[test]
fn arrow_keys_move_walls_stop_and_positions_go_out_at_most_ten_a_second() {
    let mut client = Client::new();
    client.enter(1, "わたし");
    let start = client.player_at();
    client.sent_moves();
    client.app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::ArrowLeft);
    client.frames(40); // two seconds: far enough to reach the wall
    let stopped = client.player_at();
    assert!(stopped.x < start.x, "moved left");
    let map = town_map();
    assert!(stopped.x >= map.tile_size + ibasho_game::map::FOOTPRINT_HALF - 0.01, "stopped at the wall: {stopped}");
    assert_eq!(stopped.y, start.y);
    let moves = client.sent_moves();
    assert!(!moves.is_empty() && moves.len() <= 21, "{} updates in two seconds", moves.len());
    assert_eq!(moves.last().map(|p| Vec2::new(p.x, p.y)), Some(stopped));
    client.app.world_mut().resource_mut::<ButtonInput<KeyCode>>().release(KeyCode::ArrowLeft);
    client.frames(5);
    client.sent_moves();
    client.frames(10);
    assert!(client.sent_moves().is_empty(), "standing still sends nothing");
}

#[test]
fn a_click_walks_around_the_walls_into_a_hall() {
    let mut client = Client::new();
    client.enter(1, "わたし");
    let map = town_map();
    let inside_hall = to_vec2(map.tile_center(26, 4));
    client.app.world_mut().write_message(WalkTo(inside_hall));
    let town = client.app.world().resource::<Town>().clone();
    for _ in 0..400 {
        client.app.update();
        assert!(!town.blocked(client.player_at()), "never inside a wall");
    }
    let at = client.player_at();
    assert!(at.distance(inside_hall) < 1.0, "arrived: {at}");
    assert_eq!(town.place_name(at, protocol::locale::Lang::Ja), Some("交流スペース A"));
}

#[test]
fn remote_avatars_glide_and_leave() {
    let mut client = Client::new();
    client.enter(1, "わたし");
    let map = town_map();
    let from = map.tile_center(30, 20);
    client.to_client.try_send(ServerMessage::Joined { person: person(2, "となり", from) }).expect("send");
    client.frames(1);
    let other = client.avatar_of(2).expect("joined");
    let target = map.tile_center(33, 20);
    let moves = vec![Movement { id: ParticipantId(2), position: target, place: None }];
    client.to_client.try_send(ServerMessage::Moved { moves, interest: None }).expect("send");
    client.frames(1);
    let x_after_one = client.app.world().get::<Transform>(other).expect("transform").translation.x;
    assert!(x_after_one > from.x && x_after_one < target.x, "in between, not a jump: {x_after_one}");
    client.frames(40);
    let settled = client.app.world().get::<Transform>(other).expect("transform").translation.x;
    assert!((settled - target.x).abs() < 0.5, "arrived: {settled}");
    client.to_client.try_send(ServerMessage::Left { id: ParticipantId(2) }).expect("send");
    client.frames(1);
    assert!(client.avatar_of(2).is_none());
    assert!(client.app.world().get_entity(other).is_err(), "avatar despawned");
}

#[test]
fn a_move_in_the_same_batch_as_the_welcome_is_not_lost() {
    // A background tab runs few frames, so the welcome, a join and the moves that follow them
    // often arrive together; the last move of someone who then stands still must not be lost.
    let map = town_map();
    let mut client = Client::new();
    client.load();
    let (from, to) = (map.tile_center(10, 18), map.tile_center(24, 16));
    let welcome = fresh_welcome(person(1, "わたし", map.spawn_position()), vec![person(2, "あるく人", from)], 1);
    let joined = ServerMessage::Joined { person: person(3, "あとから", from) };
    let moves = vec![
        Movement { id: ParticipantId(2), position: to, place: None },
        Movement { id: ParticipantId(3), position: to, place: None },
    ];
    let voice = |id| ServerMessage::ParticipationChanged { id: ParticipantId(id), participation: Participation::Voice };
    for message in [welcome, joined, ServerMessage::Moved { moves, interest: None }, voice(2), voice(3)] {
        client.to_client.try_send(message).expect("send");
    }
    client.frames(60);
    for id in [2, 3] {
        let entity = client.avatar_of(id).expect("avatar");
        let at = client.app.world().get::<Transform>(entity).expect("transform").translation.truncate();
        assert!(at.distance(to_vec2(to)) < 0.5, "person {id} stands where they went: {at}");
        assert_eq!(client.app.world().get::<Taking>(entity), Some(&Taking(Participation::Voice)));
    }
}

#[test]
fn what_the_server_says_before_the_map_is_loaded_is_not_lost() {
    // On a slow machine the socket opens and the welcome and the door signs arrive while the
    // map is still loading; the booths must not stay 準備中 for the newcomer. Here the map
    // "loads" only when its handle is handed back, a few frames after the messages came.
    let map = town_map();
    let mut client = Client::new();
    client.frames(1);
    let world = client.app.world_mut();
    let core = world.remove_resource::<CoreAssets>().expect("the core assets are asked for at start");
    world.remove_resource::<Town>();
    let welcome = fresh_welcome(person(1, "わたし", map.spawn_position()), vec![], 1);
    for message in [welcome, booth_sign(BoothState::Open)] {
        client.to_client.try_send(message).expect("send");
    }
    client.frames(5);
    assert!(!client.app.world().contains_resource::<Town>(), "the map is still loading");
    client.app.world_mut().insert_resource(core);
    client.load();
    client.frames(5);
    assert_eq!(client.screen(), Screen::Town);
    let signs = client.app.world().resource::<BoothSigns>();
    assert_eq!(signs.of(&PlaceId("booth-1".into())).map(|sign| sign.state), Some(BoothState::Open));
}

#[test]
fn chat_reaches_introduced_peers_near_enough_only() {
    let map = town_map();
    let mut a = Client::new();
    let mut b = Client::new();
    a.load();
    b.load();
    let (pa, pb) = (person(1, "Aさん", map.spawn_position()), person(2, "Bさん", map.tile_center(6, 18)));
    // C is introduced too (voice is made ready from further away than chat carries), 9 tiles
    // from B and 10 from A.
    let pc = person(3, "Cさん", map.tile_center(15, 18));
    a.welcome(pa.clone(), vec![pb.clone(), pc.clone()]);
    b.welcome(pb, vec![pa, pc]);
    let (a_link, b_link) = (PeerId(uuid::Uuid::from_u128(10)), PeerId(uuid::Uuid::from_u128(11)));
    let (a_to_c, b_to_c) = (PeerId(uuid::Uuid::from_u128(12)), PeerId(uuid::Uuid::from_u128(13)));
    for (client, link, person, offer) in
        [(&a, a_link, 2, true), (&b, b_link, 1, false), (&a, a_to_c, 3, true), (&b, b_to_c, 3, true)]
    {
        let introduce = ServerMessage::Introduce { link, person: ParticipantId(person), offer, relay_only: false };
        client.to_client.try_send(introduce).expect("send");
    }
    a.frames(1);
    b.frames(1);
    assert_eq!(a.app.world().resource::<Links>().0.len(), 2, "A is introduced to B and C");

    a.app.world_mut().write_message(Say("  こんにちは  ".into()));
    a.frames(1);
    let outgoing = std::mem::take(&mut a.app.world_mut().resource_mut::<PeerMail>().outgoing);
    assert_eq!(outgoing, vec![(a_link, PeerMessage::Chat { text: "こんにちは".into() })], "C is too far to read it");
    // A line from C, too far off, is not read by B (a modified client may send it anyway).
    b.app.world_mut().resource_mut::<PeerMail>().incoming.push((b_to_c, PeerMessage::Chat { text: "遠くから".into() }));
    // Carry it over the "data channel": A's link for B is B's link for A.
    b.app.world_mut().resource_mut::<PeerMail>().incoming.extend(outgoing.into_iter().map(|(_, m)| (b_link, m)));
    b.frames(1);
    let line = b.app.world().resource::<ChatLog>().lines.last().cloned().expect("a chat line");
    assert_eq!((line.nickname.as_str(), line.text.as_str()), ("Aさん", "こんにちは"));
    let a_avatar = b.avatar_of(1).expect("A's avatar");
    assert_eq!(b.app.world().get::<Bubble>(a_avatar).map(|bubble| bubble.text.as_str()), Some("こんにちは"));
    b.frames(130); // the bubble fades after a few seconds
    assert!(b.app.world().get::<Bubble>(a_avatar).is_none());

    // Once separated, B no longer accepts anything over that link.
    b.to_client.try_send(ServerMessage::Separate { link: b_link }).expect("send");
    b.frames(1);
    assert!(!b.app.world().resource::<Links>().0.contains_key(&b_link));
    b.app
        .world_mut()
        .resource_mut::<PeerMail>()
        .incoming
        .push((b_link, PeerMessage::Chat { text: "まだいる？".into() }));
    b.frames(1);
    assert_eq!(b.app.world().resource::<ChatLog>().lines.len(), 1, "only A's line, from near, was read");
}

#[test]
fn a_closed_connection_says_why() {
    let mut client = Client::new();
    client.enter(1, "わたし");
    client.to_client.try_send(ServerMessage::Closing { code: CloseCode::OpenedElsewhere }).expect("send");
    client.frames(2);
    assert_eq!(client.screen(), Screen::Closed);
    let reason = client.app.world().resource::<ClosedReason>().0.clone();
    assert!(reason.contains("別のタブ"), "{reason}");

    let mut dropped = Client::new();
    dropped.enter(1, "わたし");
    dropped.to_client.close();
    dropped.frames(2);
    assert_eq!(dropped.screen(), Screen::Closed);
    assert!(dropped.app.world().resource::<ClosedReason>().0.contains("接続が切れました"));
}

#[test]
fn the_hours_the_closing_notice_and_closing_time_are_shown() {
    let mut client = Client::new();
    client.enter(1, "わたし");
    let hours = protocol::HoursView {
        set: true,
        today: protocol::locale::Phrase::same("本日 13:00〜21:00"),
        schedule: vec![protocol::locale::Phrase::same("第2・3・4水曜 13:00〜21:00")],
        next_opening: None,
        closes_at: Some(1_800_000_000),
    };
    client.to_client.try_send(ServerMessage::Hours { hours: hours.clone() }).expect("send");
    client.to_client.try_send(ServerMessage::ClosingSoon { minutes: 15, at: "21:00".into() }).expect("send");
    client.frames(2);
    assert_eq!(client.app.world().resource::<TownHours>().0, hours);
    let notice = client.app.world().resource::<ClosingNotice>().0.clone().expect("the notice");
    assert!(notice.starts_with("あと15分で閉まります（21:00まで）"), "{notice}");
    // At closing the server sends the hours with the next opening, then closes.
    let closed = protocol::HoursView {
        next_opening: Some(protocol::locale::Phrase::same("12月9日（水）13:00")),
        closes_at: None,
        ..hours
    };
    client.to_client.try_send(ServerMessage::Hours { hours: closed }).expect("send");
    client.to_client.try_send(ServerMessage::Closing { code: CloseCode::OutsideHours }).expect("send");
    client.frames(2);
    assert_eq!(client.screen(), Screen::Closed);
    let reason = client.app.world().resource::<ClosedReason>().0.clone();
    assert!(
        reason.contains("ありがとうございました") && reason.contains("次に開くのは 12月9日（水）13:00 です。"),
        "{reason}"
    );
}

fn my_participation(client: &mut Client) -> Participation {
    let mut query = client.app.world_mut().query_filtered::<&Taking, With<LocalPlayer>>();
    query.single(client.app.world()).expect("local player").0
}

fn sent_participations(client: &Client) -> Vec<Participation> {
    std::iter::from_fn(|| client.from_client.try_recv().ok())
        .filter_map(|m| match m {
            ClientMessage::SetParticipation { participation } => Some(participation),
            _ => None,
        })
        .collect()
}

#[test]
fn the_ladder_starts_at_listening_and_asks_for_devices_before_voice() {
    let mut client = Client::new();
    client.enter(1, "わたし");
    assert_eq!(my_participation(&mut client), Participation::Listening);
    assert!(client.app.world().resource::<EntryChoice>().open, "asked how to take part on entry");
    sent_participations(&client);

    client.app.world_mut().write_message(ChooseParticipation(Participation::Voice));
    client.frames(1);
    assert_eq!(*client.app.world().resource::<DeviceRequest>(), DeviceRequest(Some(Participation::Voice)));
    assert!(!client.app.world().resource::<EntryChoice>().open, "any choice answers the entry dialog");
    assert_eq!(my_participation(&mut client), Participation::Listening, "not before the microphone is on");
    assert!(sent_participations(&client).is_empty());

    client.app.world_mut().write_message(DevicesFailed("マイクの使用が許可されませんでした。".into()));
    client.frames(1);
    assert_eq!(my_participation(&mut client), Participation::Listening, "a refusal changes nothing");
    assert!(
        client.app.world().resource::<MediaNotice>().0.as_deref().is_some_and(|m| m.contains("許可されませんでした"))
    );
    assert_eq!(*client.app.world().resource::<DeviceRequest>(), DeviceRequest(None));

    client.app.world_mut().write_message(ChooseParticipation(Participation::Voice));
    client.frames(1);
    client.app.world_mut().write_message(DevicesReady(Participation::Voice));
    client.frames(1);
    assert_eq!(my_participation(&mut client), Participation::Voice);
    assert_eq!(sent_participations(&client), vec![Participation::Voice]);

    client.app.world_mut().write_message(ChooseParticipation(Participation::Watching));
    client.frames(1);
    assert_eq!(my_participation(&mut client), Participation::Watching, "stepping down needs no permission");
    assert_eq!(sent_participations(&client), vec![Participation::Watching]);
}

#[test]
fn a_voice_held_by_staff_steps_down_and_waits_and_staffs_word_is_shown() {
    let mut client = Client::new();
    client.enter(1, "わたし");
    client.app.world_mut().write_message(ChooseParticipation(Participation::Voice));
    client.frames(1);
    client.app.world_mut().write_message(DevicesReady(Participation::Voice));
    client.frames(1);
    assert_eq!(my_participation(&mut client), Participation::Voice);
    sent_participations(&client);

    client.to_client.try_send(ServerMessage::VoiceHeld { until: Some("14:30".into()) }).expect("send");
    client.frames(3);
    assert_eq!(my_participation(&mut client), Participation::Listening, "down to 聞くだけ");
    assert_eq!(sent_participations(&client), vec![Participation::Listening]);
    let notice = client.app.world().resource::<MediaNotice>().0.clone().expect("a notice");
    assert!(notice.contains("14:30まで") && notice.contains("チャット"), "{notice}");
    // The voice steps wait: no device is asked for, nothing is sent.
    client.app.world_mut().write_message(ChooseParticipation(Participation::Camera));
    client.frames(1);
    assert_eq!(*client.app.world().resource::<DeviceRequest>(), DeviceRequest(None));
    assert!(sent_participations(&client).is_empty());
    assert!(client.app.world().resource::<MediaNotice>().0.as_deref().is_some_and(|m| m.contains("14:30まで")));

    client.to_client.try_send(ServerMessage::VoiceHeld { until: None }).expect("send");
    client.frames(3);
    let notice = client.app.world().resource::<MediaNotice>().0.clone().expect("a notice");
    assert!(notice.contains("声で参加できるようになりました"), "{notice}");
    client.app.world_mut().write_message(ChooseParticipation(Participation::Voice));
    client.frames(1);
    assert_eq!(*client.app.world().resource::<DeviceRequest>(), DeviceRequest(Some(Participation::Voice)));

    client
        .to_client
        .try_send(ServerMessage::StaffWord { text: Some("入口までご案内しました。".into()) })
        .expect("send");
    client.frames(2);
    let word = client.app.world().resource::<ibasho_game::care::StaffWord>().0.clone();
    assert_eq!(word.as_deref(), Some("入口までご案内しました。"));
}

#[test]
fn watching_sends_no_chat_and_others_badges_follow_the_server() {
    let map = town_map();
    let mut client = Client::new();
    client.load();
    client.welcome(person(1, "わたし", map.spawn_position()), vec![person(2, "となり", map.tile_center(6, 18))]);
    let link = PeerId(uuid::Uuid::from_u128(7));
    client
        .to_client
        .try_send(ServerMessage::Introduce { link, person: ParticipantId(2), offer: true, relay_only: false })
        .expect("send");
    client.app.world_mut().write_message(ChooseParticipation(Participation::Watching));
    client.frames(2);
    client.app.world_mut().write_message(Say("こんにちは".into()));
    client.frames(1);
    assert!(client.app.world().resource::<PeerMail>().outgoing.is_empty(), "見学 sends no chat");

    let change = ServerMessage::ParticipationChanged { id: ParticipantId(2), participation: Participation::Voice };
    client.to_client.try_send(change).expect("send");
    client.frames(2);
    let other = client.avatar_of(2).expect("avatar");
    assert_eq!(client.app.world().get::<Taking>(other), Some(&Taking(Participation::Voice)));
    let gain = client.app.world().resource::<VoiceMix>().gains.get(&ParticipantId(2)).copied();
    assert!(gain.is_some_and(|g| g > 0.9), "a voice next to us is heard: {gain:?}");
}

#[test]
fn push_to_talk_opens_the_microphone_only_while_space_is_held() {
    use ibasho_game::voice::{PushToTalk, SelfMuted};
    let mut client = Client::new();
    client.enter(1, "わたし");
    assert_eq!(*client.app.world().resource::<SelfMuted>(), SelfMuted(false));
    client.app.world_mut().resource_mut::<PushToTalk>().0 = true;
    client.frames(1);
    assert_eq!(*client.app.world().resource::<SelfMuted>(), SelfMuted(true), "muted until Space");
    client.app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::Space);
    client.frames(1);
    assert_eq!(*client.app.world().resource::<SelfMuted>(), SelfMuted(false), "live while held");
    client.app.world_mut().resource_mut::<ButtonInput<KeyCode>>().release(KeyCode::Space);
    client.frames(1);
    assert_eq!(*client.app.world().resource::<SelfMuted>(), SelfMuted(true));
    client.app.world_mut().resource_mut::<PushToTalk>().0 = false;
    client.frames(1);
    assert_eq!(*client.app.world().resource::<SelfMuted>(), SelfMuted(false), "off again: microphone live");
}

#[test]
fn a_persons_own_volume_and_mute_apply_on_top_of_distance() {
    use ibasho_game::voice::{PersonalVolume, PersonalVolumes};
    let map = town_map();
    let mut client = Client::new();
    client.load();
    let (near, nearer) = (map.tile_center(6, 18), map.tile_center(5, 19));
    client.welcome(
        person(1, "わたし", map.spawn_position()),
        vec![person(2, "となり", near), person(3, "うしろ", nearer)],
    );
    for id in [2, 3] {
        let change = ServerMessage::ParticipationChanged { id: ParticipantId(id), participation: Participation::Voice };
        client.to_client.try_send(change).expect("send");
    }
    client.frames(2);
    let mix = |client: &Client, id: i64| {
        let mix = client.app.world().resource::<VoiceMix>();
        (mix.gains.get(&ParticipantId(id)).copied(), mix.volumes.get(&ParticipantId(id)).copied())
    };
    assert_eq!(mix(&client, 2), (Some(1.0), Some(1.0)), "next to us, played at full volume");

    let mut personal = client.app.world_mut().resource_mut::<PersonalVolumes>();
    personal.0.insert(ParticipantId(2), PersonalVolume { muted: true, volume: 1.0 });
    personal.0.insert(ParticipantId(3), PersonalVolume { muted: false, volume: 0.5 });
    client.frames(1);
    assert_eq!(mix(&client, 2), (Some(1.0), Some(0.0)), "muted for us only: still in hearing, played at 0");
    assert_eq!(mix(&client, 3), (Some(1.0), Some(0.5)), "half of the distance's volume");

    client.app.world_mut().resource_mut::<PersonalVolumes>().0.remove(&ParticipantId(2));
    client.frames(1);
    assert_eq!(mix(&client, 2), (Some(1.0), Some(1.0)), "unmuted again");
}

fn booth_sign(state: BoothState) -> ServerMessage {
    let counselor = Some(CounselorCard { nickname: "けい".into(), title: JobTitle::ClinicalPsychologist });
    let sign = |n: u32| BoothSign { booth: PlaceId(format!("booth-{n}")), state, counselor: counselor.clone() };
    ServerMessage::BoothSigns { signs: vec![sign(1), sign(2)] }
}

fn walk_and_wait(client: &mut Client, tile: (u32, u32)) -> Vec2 {
    client.app.world_mut().write_message(WalkTo(to_vec2(town_map().tile_center(tile.0, tile.1))));
    client.frames(400);
    client.player_at()
}

#[test]
fn a_closed_booth_is_a_wall_and_a_click_inside_walks_to_its_door() {
    let mut client = Client::new();
    client.enter(1, "わたし");
    let map = town_map();
    client.to_client.try_send(booth_sign(BoothState::InSession)).expect("send");
    client.frames(3);
    // A click deep inside booth 1 stops in front of its door, and the door panel's booth is known.
    let at = walk_and_wait(&mut client, (12, 3));
    assert!(at.distance(to_vec2(map.tile_center(13, 8))) < 1.0, "at the door's front: {at}");
    assert_eq!(client.app.world().resource::<BoothSpot>().at_door, Some(PlaceId("booth-1".into())));
    // Walking straight up into the door does not get in.
    client.app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::ArrowUp);
    client.frames(40);
    client.app.world_mut().resource_mut::<ButtonInput<KeyCode>>().release(KeyCode::ArrowUp);
    let town = client.app.world().resource::<Town>().clone();
    assert_eq!(
        town.place_name(client.player_at(), protocol::locale::Lang::Ja),
        Some("フリースペース"),
        "stopped at the closed door"
    );

    // Let in: the same click now walks through the door into the booth.
    let admitted = Ticket::Admitted { booth: PlaceId("booth-1".into()) };
    client.to_client.try_send(ServerMessage::BoothTicket { ticket: Some(admitted) }).expect("send");
    client.frames(3);
    let at = walk_and_wait(&mut client, (12, 3));
    assert_eq!(town.place_name(at, protocol::locale::Lang::Ja), Some("個別相談 1"), "inside once let in: {at}");
    assert_eq!(client.app.world().resource::<BoothSpot>().inside, Some(PlaceId("booth-1".into())));
}

#[test]
fn being_placed_moves_us_and_what_was_said_in_a_booth_is_forgotten_outside() {
    let mut client = Client::new();
    client.enter(1, "わたし");
    let map = town_map();
    let inside = map.tile_center(12, 3);
    client.to_client.try_send(ServerMessage::Placed { position: inside }).expect("send");
    client.frames(3);
    assert_eq!(client.player_at(), to_vec2(inside), "the server put us in the booth");
    client.app.world_mut().write_message(Say("ここだけの話です".into()));
    client.frames(2);
    assert_eq!(client.app.world().resource::<ChatLog>().lines.len(), 1);
    // そっと退出: the server places us outside the door; the booth's words are gone.
    client.to_client.try_send(ServerMessage::Placed { position: map.tile_center(13, 8) }).expect("send");
    client.frames(3);
    assert!(client.app.world().resource::<ChatLog>().lines.is_empty(), "forgotten on leaving the booth");
    assert!(client.sent_moves().iter().all(|p| *p != map.tile_center(13, 8)), "a placement is not echoed back");
}

#[test]
fn a_resumed_welcome_keeps_the_town_on_screen_and_a_fresh_one_starts_over() {
    let map = town_map();
    let mut client = Client::new();
    client.enter(1, "わたし");
    let neighbour_at = map.tile_center(30, 20);
    client.to_client.try_send(ServerMessage::Joined { person: person(2, "となり", neighbour_at) }).expect("send");
    client.to_client.try_send(ServerMessage::Joined { person: person(3, "かえる人", neighbour_at) }).expect("send");
    let old_link = PeerId(uuid::Uuid::from_u128(7));
    let link = ServerMessage::Introduce { link: old_link, person: ParticipantId(2), offer: true, relay_only: false };
    client.to_client.try_send(link).expect("send");
    client.frames(2);
    let neighbour = client.avatar_of(2).expect("neighbour");
    client.app.world_mut().write_message(DevicesReady(Participation::Voice));
    client.app.world_mut().write_message(ChooseParticipation(Participation::Voice));
    client.frames(2);
    assert_eq!(my_participation(&mut client), Participation::Voice);
    // We walk while the connection is down.
    client.app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::ArrowRight);
    client.frames(20);
    client.app.world_mut().resource_mut::<ButtonInput<KeyCode>>().release(KeyCode::ArrowRight);
    client.frames(2);
    let here = client.player_at();
    while client.from_client.try_recv().is_ok() {}

    // The server resumes us: it had us where we were before walking, on 聞くだけ (say), and
    // person 3 has gone meanwhile; the link to 2 is kept and a new one to 4 began.
    let new_link = PeerId(uuid::Uuid::from_u128(8));
    let resumed = ServerMessage::Welcome {
        you: person(1, "わたし", map.spawn_position()),
        peer_id: PeerId(uuid::Uuid::from_u128(9)),
        people: vec![person(2, "となり", neighbour_at), person(4, "あらた", neighbour_at)],
        ice_servers: vec![],
        resumed: true,
        links: vec![
            protocol::LinkInfo { link: old_link, person: ParticipantId(2), offer: true, relay_only: false },
            protocol::LinkInfo { link: new_link, person: ParticipantId(4), offer: false, relay_only: true },
        ],
        server_run: 1,
    };
    client.to_client.try_send(resumed).expect("send");
    client.frames(3);
    assert_eq!(client.player_at(), here, "the page stays where it stands");
    assert_eq!(client.avatar_of(2), Some(neighbour), "the neighbour's avatar is the same one: no flicker");
    assert!(client.avatar_of(3).is_none() && client.avatar_of(4).is_some(), "3 went, 4 came");
    let links = &client.app.world().resource::<Links>().0;
    assert_eq!(links.get(&old_link), Some(&ParticipantId(2)));
    assert_eq!(links.get(&new_link), Some(&ParticipantId(4)));
    assert!(client.app.world().resource::<RelayLinks>().0.contains(&new_link));
    let sent: Vec<ClientMessage> = std::iter::from_fn(|| client.from_client.try_recv().ok()).collect();
    assert!(
        sent.contains(&ClientMessage::SetParticipation { participation: Participation::Voice }),
        "our microphone is still on, and the server is told: {sent:?}"
    );
    assert!(sent.contains(&ClientMessage::Move { position: to_position(here) }), "and where we stand");

    // Back after the grace period: a new arrival, placed by the server, with no links.
    let fresh = fresh_welcome(person(1, "わたし", map.spawn_position()), vec![], 10);
    client.to_client.try_send(fresh).expect("send");
    client.frames(3);
    assert_eq!(client.player_at(), to_vec2(map.spawn_position()), "placed where the server says");
    assert!(client.app.world().resource::<Links>().0.is_empty());
    assert!(client.avatar_of(2).is_none());
}

/// What the core asked of the browser's hall media, in order.
#[derive(Resource, Default)]
struct SeenHallMedia(Vec<HallMedia>);

fn note_hall_media(mut media: MessageReader<HallMedia>, mut seen: ResMut<SeenHallMedia>) {
    seen.0.extend(media.read().cloned());
}

#[test]
fn a_restarted_server_drops_the_old_hall_feeds_and_our_publications_are_offered_again() {
    let mut client = Client::new();
    client.app.init_resource::<SeenHallMedia>().add_systems(Update, note_hall_media);
    client.enter(1, "わたし");
    let feed = protocol::FeedId(7);
    let offer =
        ServerMessage::HallFeed { feed, person: ParticipantId(2), kind: protocol::FeedKind::Voice, sdp: "v=0".into() };
    client.to_client.try_send(offer).expect("send");
    client.frames(3);
    let spawn = town_map().spawn_position();
    let again = |run: u64| ServerMessage::Welcome {
        you: person(1, "わたし", spawn),
        peer_id: PeerId(uuid::Uuid::from_u128(2)),
        people: vec![],
        ice_servers: vec![],
        resumed: true,
        links: vec![],
        server_run: run,
    };
    // A reconnection to the same run keeps everything: the SFU still has it.
    client.to_client.try_send(again(1)).expect("send");
    client.frames(3);
    let seen = std::mem::take(&mut client.app.world_mut().resource_mut::<SeenHallMedia>().0);
    assert!(matches!(seen.as_slice(), [HallMedia::Offer { feed: offered, .. }] if *offered == feed), "{seen:?}");
    // A new run: the old feed goes and our publications are offered again.
    client.to_client.try_send(again(2)).expect("send");
    client.frames(3);
    let seen = std::mem::take(&mut client.app.world_mut().resource_mut::<SeenHallMedia>().0);
    assert!(matches!(seen.as_slice(), [HallMedia::End(ended), HallMedia::PublishAgain] if *ended == feed), "{seen:?}");
    assert!(client.app.world().resource::<HallFeeds>().0.is_empty());
}

#[test]
fn do_not_disturb_is_asked_of_the_server_and_its_sign_follows_what_the_server_says() {
    use ibasho_game::do_not_disturb::{AskDoNotDisturb, DoNotDisturb};
    let map = town_map();
    let mut client = Client::new();
    client.load();
    let quiet = Person { do_not_disturb: true, ..person(2, "しずか", map.tile_center(6, 18)) };
    client.welcome(person(1, "わたし", map.spawn_position()), vec![quiet]);
    let other = client.avatar_of(2).expect("avatar");
    assert_eq!(client.app.world().get::<DoNotDisturb>(other), Some(&DoNotDisturb(true)), "from the roster");

    // Asking goes to the server; our own sign waits for its answer.
    client.app.world_mut().write_message(AskDoNotDisturb(true));
    client.frames(2);
    let asked = std::iter::from_fn(|| client.from_client.try_recv().ok())
        .any(|message| message == ClientMessage::SetDoNotDisturb { on: true });
    assert!(asked, "asked of the server");
    let me = client.avatar_of(1).expect("me");
    assert_eq!(client.app.world().get::<DoNotDisturb>(me), Some(&DoNotDisturb(false)));
    client.to_client.try_send(ServerMessage::DoNotDisturbChanged { id: ParticipantId(1), on: true }).expect("send");
    client.to_client.try_send(ServerMessage::DoNotDisturbChanged { id: ParticipantId(2), on: false }).expect("send");
    client.frames(2);
    assert_eq!(client.app.world().get::<DoNotDisturb>(me), Some(&DoNotDisturb(true)));
    assert_eq!(client.app.world().get::<DoNotDisturb>(other), Some(&DoNotDisturb(false)));
}
