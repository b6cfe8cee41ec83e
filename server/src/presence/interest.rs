//! Interest management: who is told whose position, and how often. The town is cut into a
//! grid of cells; each person is told the positions in the cells their screen shows (plus a
//! margin), the nearest cells at full rate (every beat) and the rest at a tenth of it, with caps
//! on both so that a crowd costs each person a bounded amount. The rule is pure and shared by
//! every beat: see `town/positions.rs` for the frames built from it.

use protocol::positions::Area;
use protocol::{Position, TownMap};

/// Side of a cell, in world pixels (two tiles).
pub const CELL: f32 = 64.0;
/// Margin around the view in which positions are still told, so people walking into view are
/// already where they are (more than a second of walking).
pub const MARGIN: f32 = 192.0;
/// People told at full rate at most, the nearest first (whole rings of cells).
pub const FULL_RATE_CAP: usize = 48;
/// People told at all at most, the nearest first (whole rings of cells).
pub const IN_VIEW_CAP: usize = 400;
/// Beats between two updates of someone told at the reduced rate.
pub const REDUCED_EVERY: u64 = 10;
/// The view of a page that has not said how much it shows (a large screen).
pub const DEFAULT_VIEW: (f32, f32) = (1920.0, 1080.0);
/// The largest view a page may claim.
pub const MAX_VIEW: (f32, f32) = (8192.0, 8192.0);

/// The town's grid of cells.
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    columns: i32,
    rows: i32,
    width: f32,
    height: f32,
}

/// A rectangle of cells, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRect {
    /// Leftmost column.
    pub x0: i32,
    /// Bottom row.
    pub y0: i32,
    /// Rightmost column.
    pub x1: i32,
    /// Top row.
    pub y1: i32,
}

impl CellRect {
    /// Whether a cell lies inside.
    pub fn contains(&self, x: i32, y: i32) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }

    /// The cells inside, row by row.
    pub fn cells(self) -> impl Iterator<Item = (i32, i32)> {
        (self.y0..=self.y1).flat_map(move |y| (self.x0..=self.x1).map(move |x| (x, y)))
    }
}

/// What one person is told: the cells in their interest, the nearest of them at full rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interest {
    /// The cells whose positions are told.
    pub rect: CellRect,
    /// The cell the person stands in.
    pub centre: (i32, i32),
    /// Cells at most this many rings from the centre are told at full rate.
    pub full_ring: i32,
}

impl Interest {
    /// Whether the cell's positions are told at full rate.
    pub fn is_full(&self, x: i32, y: i32) -> bool {
        self.rect.contains(x, y) && ring(self.centre, (x, y)) <= self.full_ring
    }
}

/// How many rings of cells lie between two cells (Chebyshev distance).
fn ring(a: (i32, i32), b: (i32, i32)) -> i32 {
    (a.0 - b.0).abs().max((a.1 - b.1).abs())
}

/// The cells of one ring around `centre` (ring 0 is the centre itself); some may lie off the grid.
pub fn ring_cells(centre: (i32, i32), ring: i32) -> impl Iterator<Item = (i32, i32)> {
    let (cx, cy) = centre;
    (cy - ring..=cy + ring).flat_map(move |y| {
        let edge = y == cy - ring || y == cy + ring;
        let step = if edge || ring == 0 { 1 } else { 2 * ring };
        (cx - ring..=cx + ring).step_by(step as usize).map(move |x| (x, y))
    })
}

/// The fewest rings told, whatever the crowd: everyone within [`protocol::TALK_REACH`] must always
/// be in view, as the volume of their voices and whether their chat is read follow positions.
fn min_ring() -> i32 {
    (protocol::TALK_REACH / CELL).ceil() as i32
}

impl Grid {
    /// The grid over `map`.
    pub fn new(map: &TownMap) -> Grid {
        let (width, height) = map.size();
        Grid {
            columns: (width / CELL).ceil().max(1.0) as i32,
            rows: (height / CELL).ceil().max(1.0) as i32,
            width,
            height,
        }
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        (self.columns * self.rows) as usize
    }

    /// The cell of a position (positions off the map count in the nearest cell).
    pub fn cell_of(&self, position: Position) -> (i32, i32) {
        let x = ((position.x / CELL).floor() as i32).clamp(0, self.columns - 1);
        let y = ((position.y / CELL).floor() as i32).clamp(0, self.rows - 1);
        (x, y)
    }

    /// The index of a cell.
    pub fn index(&self, (x, y): (i32, i32)) -> usize {
        (y * self.columns + x) as usize
    }

    /// The index of a cell, if it is on the grid.
    pub fn checked_index(&self, (x, y): (i32, i32)) -> Option<usize> {
        (x >= 0 && y >= 0 && x < self.columns && y < self.rows).then(|| self.index((x, y)))
    }

    /// The world rectangle of cells (cut at the map's edges).
    pub fn area(&self, rect: CellRect) -> Area {
        Area {
            left: rect.x0 as f32 * CELL,
            bottom: rect.y0 as f32 * CELL,
            right: ((rect.x1 + 1) as f32 * CELL).min(self.width),
            top: ((rect.y1 + 1) as f32 * CELL).min(self.height),
        }
    }

    /// The cells a screen of `view` pixels shows around `position`, with the margin, and never
    /// less than [`protocol::TALK_REACH`] around the person. The page's camera is held inside the
    /// map, so the view is held there too.
    fn view_rect(&self, position: Position, view: (f32, f32)) -> CellRect {
        let centre =
            |at: f32, half: f32, size: f32| if half * 2.0 >= size { size / 2.0 } else { at.clamp(half, size - half) };
        let (half_w, half_h) = (view.0 / 2.0, view.1 / 2.0);
        let (cx, cy) = (centre(position.x, half_w, self.width), centre(position.y, half_h, self.height));
        let cell = |at: f32, limit: i32| ((at / CELL).floor() as i32).clamp(0, limit - 1);
        let reach = protocol::TALK_REACH;
        CellRect {
            x0: cell((cx - half_w - MARGIN).min(position.x - reach), self.columns),
            y0: cell((cy - half_h - MARGIN).min(position.y - reach), self.rows),
            x1: cell((cx + half_w + MARGIN).max(position.x + reach), self.columns),
            y1: cell((cy + half_h + MARGIN).max(position.y + reach), self.rows),
        }
    }

    /// What a person at `position` with a screen of `view` pixels is told, given how many people
    /// stand in each cell (`counts`, by [`Grid::index`]).
    pub fn interest(&self, counts: &[u32], position: Position, view: (f32, f32)) -> Interest {
        let fit = |side: f32, largest: f32| if side.is_finite() { side.clamp(CELL, largest) } else { CELL };
        let view = (fit(view.0, MAX_VIEW.0), fit(view.1, MAX_VIEW.1));
        let rect = self.view_rect(position, view);
        let centre = self.cell_of(position);
        let rings = (rect.x1 - rect.x0).max(rect.y1 - rect.y0).max(1) as usize + 1;
        let mut per_ring = vec![0usize; rings + 1];
        for (x, y) in rect.cells() {
            let k = (ring(centre, (x, y)) as usize).min(rings);
            per_ring[k] += counts.get(self.index((x, y))).copied().unwrap_or(0) as usize;
        }
        // The most whole rings whose people fit under a cap (never fewer than `least`).
        let rings_under = |cap: usize, least: i32| {
            let mut total = 0;
            let mut last = -1;
            for (k, people) in per_ring.iter().enumerate() {
                total += people;
                if total > cap {
                    break;
                }
                last = k as i32;
            }
            last.max(least)
        };
        let view_ring = rings_under(IN_VIEW_CAP, min_ring());
        let full_ring = rings_under(FULL_RATE_CAP, 1).min(view_ring);
        let rect = CellRect {
            x0: rect.x0.max(centre.0 - view_ring),
            y0: rect.y0.max(centre.1 - view_ring),
            x1: rect.x1.min(centre.0 + view_ring),
            y1: rect.y1.min(centre.1 + view_ring),
        };
        Interest { rect, centre, full_ring }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        Grid::new(&TownMap::from_ron(include_str!("../../../assets/maps/town.ron")).expect("map"))
    }

    #[test]
    fn an_empty_town_is_all_in_view_of_a_large_screen_at_full_rate() {
        let grid = grid();
        let counts = vec![0; grid.cells()];
        let interest = grid.interest(&counts, Position::new(100.0, 100.0), DEFAULT_VIEW);
        assert_eq!(interest.rect, CellRect { x0: 0, y0: 0, x1: 28, y1: 12 }, "the 58×26-tile town is 29×13 cells");
        assert!(interest.is_full(28, 12), "nobody else: every ring fits under the caps");
        let area = grid.area(interest.rect);
        assert_eq!((area.left, area.bottom, area.right, area.top), (0.0, 0.0, 1856.0, 832.0));
    }

    #[test]
    fn a_phone_is_told_its_view_and_margin_held_inside_the_map() {
        let grid = grid();
        let counts = vec![0; grid.cells()];
        // 390×700 world pixels: in the bottom-left corner the camera stands at (195, 350).
        let interest = grid.interest(&counts, Position::new(20.0, 20.0), (390.0, 700.0));
        assert_eq!(interest.rect, CellRect { x0: 0, y0: 0, x1: 9, y1: 12 }, "0 to 195 + 195 + 192 = 582 px");
        // In the middle: 195 + 192 px either side of x = 768.
        let interest = grid.interest(&counts, Position::new(768.0, 416.0), (390.0, 700.0));
        assert_eq!((interest.rect.x0, interest.rect.x1), (5, 18));
    }

    #[test]
    fn a_crowd_is_told_nearest_first_within_the_caps() {
        let grid = grid();
        // 30 people in every cell (7,800 in all).
        let counts = vec![30; grid.cells()];
        let interest = grid.interest(&counts, Position::new(768.0, 416.0), DEFAULT_VIEW);
        // Full rate: the own cell alone (30) fits under 48, but at least one ring is kept.
        assert_eq!(interest.full_ring, 1);
        // In view: never fewer rings than the talking reach needs (256 px: 4 cells).
        assert_eq!(interest.rect, CellRect { x0: 8, y0: 2, x1: 16, y1: 10 });
        let told: u32 = interest.rect.cells().map(|cell| counts[grid.index(cell)]).sum();
        assert_eq!(told, 81 * 30);

        // 4 in every cell: 1 + 8 + 16 + 24 + 32 cells = 324 people within 4 rings, 484 within 5.
        let counts = vec![4; grid.cells()];
        let interest = grid.interest(&counts, Position::new(768.0, 416.0), DEFAULT_VIEW);
        assert_eq!(interest.full_ring, 1, "9 cells × 4 = 36 ≤ 48; 25 × 4 = 100 > 48");
        assert_eq!(interest.rect.x1 - interest.rect.x0, 8, "4 rings: 324 ≤ 400 < 484");
    }

    #[test]
    fn rings_go_round_their_centre_once() {
        assert_eq!(ring_cells((5, 5), 0).collect::<Vec<_>>(), vec![(5, 5)]);
        for ring in 1..5 {
            let cells: Vec<_> = ring_cells((5, 5), ring).collect();
            assert_eq!(cells.len() as i32, 8 * ring, "ring {ring}");
            assert!(cells.iter().all(|cell| super::ring((5, 5), *cell) == ring));
            let unique: std::collections::HashSet<_> = cells.iter().collect();
            assert_eq!(unique.len(), cells.len());
        }
    }

    #[test]
    fn far_off_and_bad_views_are_held_to_bounds() {
        let grid = grid();
        let counts = vec![0; grid.cells()];
        assert_eq!(grid.cell_of(Position::new(-50.0, 9999.0)), (0, 12));
        // However small the view, everyone within talking reach is in it.
        let at = Position::new(768.0, 416.0);
        let tiny = grid.area(grid.interest(&counts, at, (0.0, f32::NAN)).rect);
        let reach = protocol::TALK_REACH;
        for (dx, dy) in [(-reach, 0.0), (reach, 0.0), (0.0, -reach), (0.0, reach)] {
            assert!(tiny.contains(Position::new(at.x + dx, at.y + dy)), "({dx}, {dy}) in {tiny:?}");
        }
        let huge = grid.interest(&counts, Position::new(768.0, 416.0), (1e9, 1e9));
        assert_eq!(huge.rect, CellRect { x0: 0, y0: 0, x1: 28, y1: 12 });
    }
}
