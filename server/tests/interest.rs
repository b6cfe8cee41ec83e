//! Interest management and the grid, on the town itself: people are told positions in their
//! view (a far person is not, until the view grows), a crowd costs each person a bounded
//! number of entries per beat with their neighbours still at full rate, a page too slow to
//! read is told everything again instead of being dropped, introductions found on the grid
//! are those a search of every pair finds, and peers stay put in a crowd.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::town_map;
use ibasho_server::TownOptions;
use ibasho_server::presence::interest::{FULL_RATE_CAP, IN_VIEW_CAP, REDUCED_EVERY};
use ibasho_server::presence::{
    Beat, CANDIDATES_PER_PERSON, INTRODUCE_RADIUS, MAX_PEERS_PER_PERSON, Mailbox, Outgoing, POSITIONS_BACKLOG,
    PositionsReader, SEPARATE_RADIUS, Town,
};
use ibasho_server::store::Account;
use protocol::positions::{PositionsFrame, decode};
use protocol::{AvatarId, ClientMessage, ParticipantId, PlaceKind, Position, Role, ServerMessage, TownMap};
use tokio::sync::mpsc;

/// One person in a town driven by the test.
struct Someone {
    id: ParticipantId,
    messages: mpsc::Receiver<Outgoing>,
    positions: mpsc::Receiver<Beat>,
    /// What the person's connection has told its page (it builds the frames from the beats).
    reader: PositionsReader,
}

fn town() -> (Town, Arc<TownMap>) {
    let map = Arc::new(town_map());
    let options = TownOptions { teleports_allowed: true, ..TownOptions::default() };
    (Town::new(map.clone(), options), map)
}

fn join(town: &mut Town, id: i64) -> Someone {
    let (messages_out, messages) = mpsc::channel(100_000);
    let (positions_out, positions) = mpsc::channel(POSITIONS_BACKLOG);
    let account =
        Account { id: ParticipantId(id), nickname: format!("人{id}"), avatar: AvatarId(1), role: Role::Participant };
    town.join(account, id, None, Mailbox { messages: messages_out, positions: positions_out }, Vec::new());
    Someone { id: ParticipantId(id), messages, positions, reader: PositionsReader::default() }
}

fn place(town: &mut Town, someone: &Someone, at: Position) {
    assert_eq!(town.handle(someone.id, ClientMessage::Move { position: at }), Ok(()), "{at:?}");
}

fn frames(someone: &mut Someone, map: &TownMap) -> Vec<PositionsFrame> {
    std::iter::from_fn(|| someone.positions.try_recv().ok())
        .filter_map(|beat| someone.reader.frame(&beat))
        .map(|bytes| decode(&bytes, &map.places).expect("frame"))
        .collect()
}

/// Where a frame told `id` is (a frame may name someone twice: once for their cell, once for
/// their change of place; told once here).
fn told(frames: &[PositionsFrame], id: ParticipantId) -> Vec<Position> {
    let mut told: Vec<Position> = frames
        .iter()
        .flat_map(|frame| &frame.moves)
        .filter(|entry| entry.id == id)
        .map(|entry| entry.position)
        .collect();
    told.dedup();
    told
}

/// Floor tiles of the free space (no furniture), in rows.
fn free_space_tiles(map: &TownMap) -> Vec<(u32, u32)> {
    (0..map.rows())
        .flat_map(|row| (0..map.columns()).map(move |col| (col, row)))
        .filter(|(col, row)| map.is_walkable(*col, *row))
        .filter(|(col, row)| map.place_at(map.tile_center(*col, *row)).is_some_and(|p| p.kind == PlaceKind::FreeSpace))
        .collect()
}

#[test]
fn a_phone_is_told_its_view_and_a_far_person_comes_in_when_the_view_grows() {
    let (mut town, map) = town();
    let mut phone = join(&mut town, 1);
    let far = join(&mut town, 2);
    place(&mut town, &phone, map.tile_center(2, 20));
    place(&mut town, &far, map.tile_center(44, 13));
    let mut now = Instant::now();
    // Everyone in the town hears of a change of place (the list view shows who is where).
    town.tick_at(now);
    let arrival = frames(&mut phone, &map);
    assert_eq!(told(&arrival, far.id), vec![map.tile_center(44, 13)], "told the far person entered the free space");
    assert_eq!(town.handle(phone.id, ClientMessage::SetView { width: 390.0, height: 700.0 }), Ok(()));
    now += Duration::from_millis(100);
    town.tick_at(now);
    let first = frames(&mut phone, &map);
    assert_eq!(first.len(), 1, "the area changed: a frame, even with nobody in it");
    let area = first[0].interest;
    assert!(area.contains(map.tile_center(2, 20)), "the phone's own spot is in view: {area:?}");
    assert!(!area.contains(map.tile_center(44, 13)), "the far person is out of view: {area:?}");
    assert!(told(&first, far.id).is_empty());

    // The far person walks about: the phone hears nothing of it.
    for col in [43, 42, 41] {
        place(&mut town, &far, map.tile_center(col, 13));
        now += Duration::from_millis(100);
        town.tick_at(now);
    }
    assert!(told(&frames(&mut phone, &map), far.id).is_empty());

    // A large screen shows the whole town: the far person comes in where they stand, unmoved.
    assert_eq!(town.handle(phone.id, ClientMessage::SetView { width: 1920.0, height: 1080.0 }), Ok(()));
    now += Duration::from_millis(100);
    town.tick_at(now);
    let grown = frames(&mut phone, &map);
    assert_eq!(told(&grown, far.id), vec![map.tile_center(41, 13)]);
    assert!(grown[0].interest.contains(map.tile_center(41, 13)));

    // Bad views are refused and change nothing.
    for (width, height) in [(f32::NAN, 100.0), (0.0, 100.0), (100.0, -1.0), (f32::INFINITY, 1.0)] {
        assert!(town.handle(phone.id, ClientMessage::SetView { width, height }).is_err());
    }
}

#[test]
fn in_a_crowd_each_beat_is_bounded_and_neighbours_stay_at_full_rate() {
    let (mut town, map) = town();
    let tiles = free_space_tiles(&map);
    let crowd = 1000;
    let mut people: Vec<Someone> = (0..crowd).map(|index| join(&mut town, index + 1)).collect();
    let homes: Vec<(u32, u32)> = (0..crowd as usize).map(|index| tiles[(index * 7919) % tiles.len()]).collect();
    let middle = tiles.iter().copied().find(|(col, row)| *col == 28 && *row == 16).expect("a free tile mid-room");
    let mut now = Instant::now();
    let mut sizes = Vec::new();
    for beat in 0..(3 * REDUCED_EVERY) {
        for (index, someone) in people.iter().enumerate() {
            let (col, row) = if index == 0 { middle } else { homes[index] };
            let at = map.tile_center(col, row);
            // Everyone sways a few pixels each beat (the watcher stands still).
            let sway = if index == 0 { 0.0 } else { (beat % 4) as f32 * 2.0 };
            place(&mut town, someone, Position::new(at.x + sway, at.y));
        }
        now += Duration::from_millis(100);
        town.tick_at(now);
        let watcher = &mut people[0];
        let received = frames(watcher, &map);
        assert_eq!(received.len(), 1, "one frame a beat");
        sizes.push(received[0].moves.len());
        for someone in people.iter_mut().skip(1) {
            while someone.positions.try_recv().is_ok() {}
        }
        // Everyone within a cell's width moved this beat, and the watcher was told each of them.
        if beat > 0 {
            let here = map.tile_center(middle.0, middle.1);
            let neighbours: HashSet<ParticipantId> = (1..crowd as usize)
                .filter(|index| map.tile_center(homes[*index].0, homes[*index].1).distance(here) <= 60.0)
                .map(|index| people[index].id)
                .collect();
            assert!(!neighbours.is_empty());
            let entries: HashSet<ParticipantId> = received[0].moves.iter().map(|entry| entry.id).collect();
            assert!(neighbours.is_subset(&entries), "beat {beat}: a neighbour was not told at full rate");
        }
    }
    // The first beat tells everyone of their entering the free space (a change of place);
    // later ones the near at full rate and the rest at a tenth, far fewer than the 999 others
    // who all moved, and the area of interest holds only part of the crowd.
    let steady = &sizes[1..];
    let area = interest_now(&mut town, &mut people[0], &map, &mut now);
    let inside = homes.iter().filter(|(col, row)| area.contains(map.tile_center(*col, *row))).count();
    assert!(inside < crowd as usize * 3 / 5, "{inside} of the crowd in view");
    // Never fewer rings than the separation radius needs (4 cells each way): 9 cells across.
    assert_eq!((area.right - area.left, area.top - area.bottom), (9.0 * 64.0, 9.0 * 64.0), "{area:?}");
    let most = *steady.iter().max().expect("beats");
    let bound = 3 * FULL_RATE_CAP + IN_VIEW_CAP; // rings are whole, so a ring may overshoot a cap
    assert!(most < bound, "at most {most} entries a beat (bound {bound}): {steady:?}");
    let mean = steady.iter().sum::<usize>() as f64 / steady.len() as f64;
    assert!(mean < 300.0, "{mean} entries a beat on average: {steady:?}");
}

/// The area of interest of the next beat's frame.
fn interest_now(town: &mut Town, someone: &mut Someone, map: &TownMap, now: &mut Instant) -> protocol::positions::Area {
    *now += Duration::from_millis(100);
    town.tick_at(*now);
    frames(someone, map).last().expect("a frame").interest
}

#[test]
fn a_page_too_slow_to_read_is_told_everything_again_not_dropped() {
    let (mut town, map) = town();
    let mut slow = join(&mut town, 1);
    let walker = join(&mut town, 2);
    let still = join(&mut town, 3);
    place(&mut town, &slow, map.tile_center(20, 15));
    place(&mut town, &still, map.tile_center(22, 15));
    let mut now = Instant::now();
    // The slow page reads nothing for a while: its queue fills, further frames are dropped.
    for step in 0..(POSITIONS_BACKLOG as u32 + 6) {
        place(&mut town, &walker, map.tile_center(24 + step % 5, 12));
        now += Duration::from_millis(100);
        town.tick_at(now);
    }
    let queued = frames(&mut slow, &map);
    assert_eq!(queued.len(), POSITIONS_BACKLOG, "the queue holds a few frames");
    let closing = |m: Outgoing| matches!(m.message(), Some(ServerMessage::Closing { .. }));
    assert!(!std::iter::from_fn(|| slow.messages.try_recv().ok()).any(closing));
    // Reading again, it is told where everyone in view is, the one standing still too.
    place(&mut town, &walker, map.tile_center(30, 12));
    now += Duration::from_millis(100);
    town.tick_at(now);
    let again = frames(&mut slow, &map);
    assert_eq!(told(&again, still.id), vec![map.tile_center(22, 15)]);
    assert_eq!(told(&again, walker.id), vec![map.tile_center(30, 12)]);
    assert_eq!(town.population(), 3, "nobody was dropped");
}

#[test]
fn introductions_on_the_grid_are_those_of_a_search_of_every_pair() {
    for seed in 0..20u64 {
        let (mut town, map) = town();
        let open: Vec<(u32, u32)> = (0..map.rows())
            .flat_map(|row| (0..map.columns()).map(move |col| (col, row)))
            .filter(|(col, row)| map.is_walkable(*col, *row))
            .filter(|(col, row)| map.place_at(map.tile_center(*col, *row)).is_some_and(|p| !p.kind.is_enclosed()))
            .collect();
        let mut people: Vec<Someone> = (1..=40).map(|id| join(&mut town, id)).collect();
        let mut positions = HashMap::new();
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        for someone in &people {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let (col, row) = open[(state >> 33) as usize % open.len()];
            // A few pixels off the tile's centre, so that no two distances tie.
            let at = map.tile_center(col, row);
            let at = Position::new(at.x + (someone.id.0 as f32) * 0.01, at.y);
            place(&mut town, someone, at);
            positions.insert(someone.id, at);
        }
        town.tick_at(Instant::now());
        let mut introduced = HashSet::new();
        for someone in &mut people {
            while let Ok(message) = someone.messages.try_recv() {
                if let Some(ServerMessage::Introduce { person, .. }) = message.message() {
                    introduced.insert((someone.id.min(person), someone.id.max(person)));
                }
            }
        }
        // By a search of every pair: each person's CANDIDATES_PER_PERSON nearest within the
        // separation radius, those within reach of introduction paired, nearest pairs first,
        // at most MAX_PEERS_PER_PERSON each.
        let ids: Vec<ParticipantId> = people.iter().map(|someone| someone.id).collect();
        let mut pairs: Vec<(f32, (ParticipantId, ParticipantId))> = Vec::new();
        for a in &ids {
            let mut near: Vec<(f32, ParticipantId)> = ids
                .iter()
                .filter(|b| *b != a)
                .map(|b| (positions[a].distance(positions[b]), *b))
                .filter(|(distance, _)| *distance <= SEPARATE_RADIUS)
                .collect();
            near.sort_by(|x, y| x.0.total_cmp(&y.0));
            near.truncate(CANDIDATES_PER_PERSON);
            pairs.extend(
                near.into_iter()
                    .filter(|(distance, _)| *distance <= INTRODUCE_RADIUS)
                    .map(|(distance, b)| (distance, (*a.min(&b), *a.max(&b)))),
            );
        }
        pairs.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        pairs.dedup_by(|x, y| x.1 == y.1);
        let mut counts: HashMap<ParticipantId, usize> = HashMap::new();
        let mut expected = HashSet::new();
        for (_, (a, b)) in pairs {
            if counts.get(&a).copied().unwrap_or(0) < MAX_PEERS_PER_PERSON
                && counts.get(&b).copied().unwrap_or(0) < MAX_PEERS_PER_PERSON
            {
                *counts.entry(a).or_default() += 1;
                *counts.entry(b).or_default() += 1;
                expected.insert((a, b));
            }
        }
        assert_eq!(introduced, expected, "seed {seed}");
    }
}

#[test]
fn peers_stay_put_in_a_crowd_until_someone_comes_twice_as_near() {
    let (mut town, map) = town();
    let free: HashSet<(u32, u32)> = free_space_tiles(&map).into_iter().collect();
    // Eight around P, 4 tiles off (128 to 136 px): with P, nine people who each have the
    // other eight as peers, every place taken.
    let ring: [(i64, i64); 8] = [(4, 0), (-4, 0), (0, 4), (0, -4), (3, 3), (3, -3), (-3, 3), (-3, -3)];
    let offsets: Vec<(i64, i64)> = ring.iter().copied().chain([(0, 3), (0, 1)]).collect();
    let tile = |(col, row): (u32, u32), (dc, dr): (i64, i64)| (col as i64 + dc, row as i64 + dr);
    let centre = *free
        .iter()
        .filter(|at| {
            offsets.iter().all(|offset| {
                let (col, row) = tile(**at, *offset);
                col >= 0 && row >= 0 && free.contains(&(col as u32, row as u32))
            })
        })
        .min()
        .expect("a free stretch of floor");
    let at = |offset| {
        let (col, row) = tile(centre, offset);
        map.tile_center(col as u32, row as u32)
    };
    let mut p = join(&mut town, 1);
    place(&mut town, &p, at((0, 0)));
    let ring_people: Vec<Someone> = (2..=9).map(|id| join(&mut town, id)).collect();
    for (someone, offset) in ring_people.iter().zip(ring) {
        place(&mut town, someone, at(offset));
    }
    let now = Instant::now();
    town.tick_at(now);
    let links = |someone: &mut Someone| {
        let mut changes = Vec::new();
        while let Ok(message) = someone.messages.try_recv() {
            match message.message() {
                Some(ServerMessage::Introduce { person, .. }) => changes.push(format!("+{}", person.0)),
                Some(ServerMessage::Separate { .. }) => changes.push("-".to_owned()),
                _ => {}
            }
        }
        changes
    };
    assert_eq!(links(&mut p).len(), MAX_PEERS_PER_PERSON, "P with the eight around");

    // A newcomer 3 tiles from P (96 px): nearer than every peer, but not twice as near.
    let newcomer = join(&mut town, 10);
    place(&mut town, &newcomer, at((0, 3)));
    town.tick_at(now + Duration::from_millis(100));
    assert_eq!(links(&mut p), Vec::<String>::new(), "P's peers stay put");
    // One tile from P (32 px): twice as near as the farthest peer; the newcomer gets a place.
    place(&mut town, &newcomer, at((0, 1)));
    town.tick_at(now + Duration::from_millis(200));
    let changes = links(&mut p);
    assert!(changes.contains(&"+10".to_owned()) && changes.contains(&"-".to_owned()), "{changes:?}");
}
