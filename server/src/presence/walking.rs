//! The walking rule: a move goes in a straight line from where the server has the person, so
//! it must not pass through a wall, and it must not be faster than walking. Speed is a budget
//! of distance that refills at walking speed (plus a quarter for timing jitter) up to a few
//! tiles, so moves that arrive bunched together by the network pass and teleports do not.

use std::time::Instant;

use protocol::{Position, TownMap, WALK_SPEED};

/// Distance the budget holds at most, in pixels (3 tiles): bunched moves fit, jumps do not.
pub const WALK_BURST: f32 = 96.0;
/// How much faster than walking the budget refills, for timers and networks that jitter.
const SPEED_SLACK: f32 = 1.25;
/// Points along a move are looked at this often, in pixels.
const SAMPLE_EVERY: f32 = 4.0;
/// A point this close to a wall tile's edge does not count as inside it: sliding along a wall or
/// rounding a corner grazes it.
const EDGE_MARGIN: f32 = 4.0;

/// One person's distance budget.
#[derive(Debug, Clone, Copy)]
pub struct WalkBudget {
    pixels: f32,
    at: Instant,
}

impl WalkBudget {
    /// A full budget at `now`.
    pub fn new(now: Instant) -> WalkBudget {
        WalkBudget { pixels: WALK_BURST, at: now }
    }

    /// Spends `distance` at `now` if the budget allows; otherwise spends nothing.
    pub fn spend(&mut self, distance: f32, now: Instant) -> bool {
        let refill = now.saturating_duration_since(self.at).as_secs_f32() * WALK_SPEED * SPEED_SLACK;
        self.pixels = (self.pixels + refill).min(WALK_BURST);
        self.at = now;
        if distance <= self.pixels {
            self.pixels -= distance;
            true
        } else {
            false
        }
    }
}

/// Whether the straight line from `from` to `to` passes through a wall (well inside a tile that
/// is not floor, or off the map).
pub fn crosses_wall(map: &TownMap, from: Position, to: Position) -> bool {
    let length = from.distance(to);
    let steps = (length / SAMPLE_EVERY).ceil().max(1.0) as u32;
    (0..=steps).any(|step| {
        let t = step as f32 / steps as f32;
        let point = Position::new(from.x + (to.x - from.x) * t, from.y + (to.y - from.y) * t);
        inside_wall(map, point)
    })
}

fn inside_wall(map: &TownMap, point: Position) -> bool {
    let Some((col, row)) = map.tile_at(point) else { return true };
    if map.is_walkable(col, row) {
        return false;
    }
    let centre = map.tile_center(col, row);
    let half = map.tile_size / 2.0 - EDGE_MARGIN;
    (point.x - centre.x).abs() < half && (point.y - centre.y).abs() < half
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn map() -> TownMap {
        TownMap::from_ron(include_str!("../../../assets/maps/town.ron")).expect("map")
    }

    #[test]
    fn walking_speed_passes_and_jumps_do_not() {
        let start = Instant::now();
        let mut budget = WalkBudget::new(start);
        // Ten moves a second at walking speed, for a minute.
        for tick in 1..=600 {
            let now = start + Duration::from_millis(100 * tick);
            assert!(budget.spend(WALK_SPEED / 10.0, now), "tick {tick}");
        }
        // Three moves bunched by the network into one instant still pass.
        let now = start + Duration::from_millis(60_100);
        for _ in 0..3 {
            assert!(budget.spend(WALK_SPEED / 10.0, now));
        }
        // A jump of ten tiles does not, and spends nothing.
        let mut fresh = WalkBudget::new(start);
        assert!(!fresh.spend(320.0, start + Duration::from_millis(100)));
        assert!(fresh.spend(WALK_BURST, start + Duration::from_millis(100)), "nothing was spent");
        // Running at twice walking speed runs out within a couple of seconds.
        let mut runner = WalkBudget::new(start);
        let refused =
            (1..=30).any(|tick| !runner.spend(WALK_SPEED * 2.0 / 10.0, start + Duration::from_millis(100 * tick)));
        assert!(refused);
    }

    #[test]
    fn a_straight_line_through_a_wall_crosses_it_and_one_along_the_floor_does_not() {
        let map = map();
        // Booth 1's wall: row 7 is the wall with its door at column 13; (12, 8) and (12, 6) lie
        // on either side of the wall tile (12, 7).
        assert!(!map.is_walkable(12, 7));
        assert!(crosses_wall(&map, map.tile_center(12, 8), map.tile_center(12, 6)));
        assert!(!crosses_wall(&map, map.tile_center(13, 8), map.tile_center(13, 6)), "through the door");
        assert!(!crosses_wall(&map, map.tile_center(20, 12), map.tile_center(24, 12)), "open floor");
        assert!(crosses_wall(&map, Position::new(-5.0, 10.0), map.tile_center(1, 1)), "off the map");
        // Grazing a wall's edge while sliding along it is no crossing.
        let beside = map.tile_center(12, 8);
        let edge = Position::new(beside.x, beside.y + map.tile_size / 2.0 + 1.0);
        assert!(!crosses_wall(&map, beside, edge));
    }
}
