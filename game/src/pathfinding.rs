//! Shortest walkable paths between tiles (A* on the tile grid, 8 directions, no corner cutting).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use protocol::TownMap;

/// Cost of a straight step, and of a diagonal one (×10 to stay in integers).
const STRAIGHT: u32 = 10;
const DIAGONAL: u32 = 14;

/// The tiles from `start` to `goal`, both included, or None when the goal cannot be reached.
/// `closed` tiles count as walls (booths whose door is closed to us), except the start.
pub fn find_path(
    map: &TownMap,
    start: (u32, u32),
    goal: (u32, u32),
    closed: &impl Fn((u32, u32)) -> bool,
) -> Option<Vec<(u32, u32)>> {
    if !map.is_walkable(goal.0, goal.1) || !map.is_walkable(start.0, start.1) || closed(goal) {
        return None;
    }
    let estimate = |(c, r): (u32, u32)| {
        let (dc, dr) = (c.abs_diff(goal.0), r.abs_diff(goal.1));
        STRAIGHT * dc.max(dr) + (DIAGONAL - STRAIGHT) * dc.min(dr)
    };
    let mut open = BinaryHeap::from([Reverse((estimate(start), 0u32, start))]);
    let mut cost: HashMap<(u32, u32), u32> = HashMap::from([(start, 0)]);
    let mut came_from: HashMap<(u32, u32), (u32, u32)> = HashMap::new();
    while let Some(Reverse((_, spent, tile))) = open.pop() {
        if tile == goal {
            let mut path = vec![goal];
            let mut at = goal;
            while let Some(previous) = came_from.get(&at) {
                path.push(*previous);
                at = *previous;
            }
            path.reverse();
            return Some(path);
        }
        if spent > cost.get(&tile).copied().unwrap_or(u32::MAX) {
            continue;
        }
        for (next, step) in neighbours(map, tile, closed) {
            let total = spent + step;
            if total < cost.get(&next).copied().unwrap_or(u32::MAX) {
                cost.insert(next, total);
                came_from.insert(next, tile);
                open.push(Reverse((total + estimate(next), total, next)));
            }
        }
    }
    None
}

fn neighbours<'a>(
    map: &'a TownMap,
    (col, row): (u32, u32),
    closed: &'a impl Fn((u32, u32)) -> bool,
) -> impl Iterator<Item = ((u32, u32), u32)> + 'a {
    let walkable =
        move |c: i64, r: i64| c >= 0 && r >= 0 && map.is_walkable(c as u32, r as u32) && !closed((c as u32, r as u32));
    [(-1i64, 0i64), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1)].into_iter().filter_map(
        move |(dc, dr)| {
            let (c, r) = (col as i64 + dc, row as i64 + dr);
            if !walkable(c, r) {
                return None;
            }
            let diagonal = dc != 0 && dr != 0;
            // A diagonal step needs both side tiles free, so paths never clip a wall corner.
            if diagonal && !(walkable(col as i64 + dc, row as i64) && walkable(col as i64, row as i64 + dr)) {
                return None;
            }
            Some(((c as u32, r as u32), if diagonal { DIAGONAL } else { STRAIGHT }))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: fn((u32, u32)) -> bool = |_| false;

    fn map(rows: &[&str]) -> TownMap {
        TownMap {
            tile_size: 32.0,
            tiles: rows.iter().map(|r| r.to_string()).collect(),
            spawn: (1, 1),
            places: vec![],
            boards: vec![],
            props: vec![],
            blocked: Default::default(),
        }
    }

    #[test]
    fn goes_around_a_wall_through_the_door() {
        let map = map(&["#######", "#..#..#", "#..#..#", "#.....#", "#######"]);
        let path = find_path(&map, (1, 1), (5, 1), &OPEN).expect("path");
        assert_eq!(path.first(), Some(&(1, 1)));
        assert_eq!(path.last(), Some(&(5, 1)));
        assert!(path.iter().all(|(c, r)| map.is_walkable(*c, *r)));
        assert!(path.contains(&(3, 3)), "passes the only gap: {path:?}");
        for pair in path.windows(2) {
            assert!(pair[0].0.abs_diff(pair[1].0) <= 1 && pair[0].1.abs_diff(pair[1].1) <= 1, "steps are adjacent");
        }
    }

    #[test]
    fn unreachable_and_wall_goals_have_no_path() {
        let map = map(&["#####", "#.#.#", "#####"]);
        assert_eq!(find_path(&map, (1, 1), (3, 1), &OPEN), None);
        assert_eq!(find_path(&map, (1, 1), (2, 1), &OPEN), None);
        assert_eq!(find_path(&map, (1, 1), (1, 1), &OPEN), Some(vec![(1, 1)]));
    }

    #[test]
    fn finds_paths_across_the_shipped_town() {
        let map = TownMap::from_ron(include_str!("../../assets/maps/town.ron")).expect("map");
        // From the entrance into counseling booth 2, through two doors.
        let path = find_path(&map, map.spawn, (19, 3), &OPEN).expect("path to the booth");
        assert!(path.contains(&(19, 7)), "through the booth's door");
        // With booth 2 closed to us, no path goes in, nor through its door.
        let booth = map.places.iter().find(|p| p.id.0 == "booth-2").expect("booth 2").area;
        let closed = |(c, r): (u32, u32)| booth.contains(c, r);
        assert_eq!(find_path(&map, map.spawn, (19, 3), &closed), None);
        assert_eq!(find_path(&map, map.spawn, (19, 7), &closed), None);
    }
}
