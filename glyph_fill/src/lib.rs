//! Fills a glyph's outline into coverage values for egui's font atlas (`vendor/epaint` calls it in
//! place of `vello_cpu`, whose rasteriser put 1.5 MB of code in the web client to draw glyphs white).
//! Exact area coverage of the outline flattened to lines, accumulated along each row (the
//! algorithm of Raph Levien's font-rs, MIT/Apache-2.0), with the nonzero rule approximated by
//! clamping the winding sum to 1, as font rasterisers do.

use kurbo::{BezPath, PathEl, Point};

/// How far (in pixels) the lines may stray from the curves they stand for.
const TOLERANCE: f64 = 0.1;

/// Coverage of each pixel of a `width` × `height` box by `path` (translated by `-origin`), row by
/// row from the top, each from 0 (empty) to 1 (covered).
pub fn fill(path: &BezPath, origin: Point, width: usize, height: usize) -> Vec<f32> {
    let mut area = Area { width, height, cells: vec![0.0; width * height + 4] };
    let (mut start, mut at) = (Point::ZERO, Point::ZERO);
    let shift = |p: Point| Point::new(p.x - origin.x, p.y - origin.y);
    kurbo::flatten(path, TOLERANCE, |element| match element {
        PathEl::MoveTo(p) => {
            area.line(at, start);
            (start, at) = (shift(p), shift(p));
        }
        PathEl::LineTo(p) => {
            let p = shift(p);
            area.line(at, p);
            at = p;
        }
        PathEl::ClosePath => {
            area.line(at, start);
            at = start;
        }
        // `flatten` gives lines only.
        PathEl::QuadTo(..) | PathEl::CurveTo(..) => {}
    });
    area.line(at, start);
    let mut sum = 0.0f32;
    area.cells.truncate(width * height);
    for cell in &mut area.cells {
        sum += *cell;
        *cell = sum.abs().min(1.0);
    }
    area.cells
}

/// Signed area added to each pixel by the lines drawn so far (summed along rows when done).
struct Area {
    width: usize,
    height: usize,
    cells: Vec<f32>,
}

impl Area {
    fn line(&mut self, p0: Point, p1: Point) {
        let (p0, p1) = ((p0.x as f32, p0.y as f32), (p1.x as f32, p1.y as f32));
        if (p0.1 - p1.1).abs() <= f32::EPSILON {
            return;
        }
        let (dir, p0, p1) = if p0.1 < p1.1 { (1.0, p0, p1) } else { (-1.0, p1, p0) };
        let dxdy = (p1.0 - p0.0) / (p1.1 - p0.1);
        let mut x = p0.0;
        if p0.1 < 0.0 {
            x -= p0.1 * dxdy;
        }
        let first_row = p0.1.max(0.0) as usize;
        let end_row = self.height.min(p1.1.ceil().max(0.0) as usize);
        for y in first_row..end_row {
            let row = (y * self.width) as isize;
            let dy = ((y + 1) as f32).min(p1.1) - (y as f32).max(p0.1);
            let x_next = x + dxdy * dy;
            let d = dy * dir;
            let (x0, x1) = if x < x_next { (x, x_next) } else { (x_next, x) };
            // Lines are inside the box but for rounding: keep every touch on the row.
            let x0 = x0.clamp(0.0, self.width as f32);
            let x1 = x1.clamp(0.0, self.width as f32);
            let (x0_floor, x1_ceil) = (x0.floor(), x1.ceil());
            let (x0i, x1i) = (x0_floor as isize, x1_ceil as isize);
            if x1i <= x0i + 1 {
                let middle = 0.5 * (x0 + x1) - x0_floor;
                self.add(row, x0i, d - d * middle);
                self.add(row, x0i + 1, d * middle);
            } else {
                let s = (x1 - x0).recip();
                let x0f = x0 - x0_floor;
                let a0 = 0.5 * s * (1.0 - x0f) * (1.0 - x0f);
                let x1f = x1 - x1_ceil + 1.0;
                let am = 0.5 * s * x1f * x1f;
                self.add(row, x0i, d * a0);
                if x1i == x0i + 2 {
                    self.add(row, x0i + 1, d * (1.0 - a0 - am));
                } else {
                    let a1 = s * (1.5 - x0f);
                    self.add(row, x0i + 1, d * (a1 - a0));
                    for xi in x0i + 2..x1i - 1 {
                        self.add(row, xi, d * s);
                    }
                    let a2 = a1 + (x1i - x0i - 3) as f32 * s;
                    self.add(row, x1i - 1, d * (1.0 - a2 - am));
                }
                self.add(row, x1i, d * am);
            }
            x = x_next;
        }
    }

    fn add(&mut self, row: isize, x: isize, value: f32) {
        if let Some(cell) = usize::try_from(row + x).ok().and_then(|index| self.cells.get_mut(index)) {
            *cell += value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closed polygons through the given corners, one after the other in one path.
    fn polygons(corners: &[&[(f64, f64)]]) -> BezPath {
        let mut path = BezPath::new();
        for polygon in corners {
            path.move_to(polygon[0]);
            for &corner in &polygon[1..] {
                path.line_to(corner);
            }
            path.close_path();
        }
        path
    }

    fn covered(path: &BezPath) -> f64 {
        f64::from(fill(path, Point::ZERO, 10, 10).iter().sum::<f32>())
    }

    #[test]
    fn a_square_covers_its_pixels_and_half_pixels_half() {
        let cells = fill(&polygons(&[&[(1.0, 1.0), (3.5, 1.0), (3.5, 3.0), (1.0, 3.0)]]), Point::ZERO, 5, 4);
        let at = |x: usize, y: usize| cells[y * 5 + x];
        assert!((at(1, 1) - 1.0).abs() < 1e-5 && (at(2, 2) - 1.0).abs() < 1e-5);
        assert!((at(3, 1) - 0.5).abs() < 1e-5, "{}", at(3, 1));
        assert!(at(0, 0).abs() < 1e-5 && at(4, 1).abs() < 1e-5 && at(1, 3).abs() < 1e-5);
    }

    #[test]
    fn a_hole_wound_the_other_way_stays_empty() {
        let outside = [(0.0, 0.0), (6.0, 0.0), (6.0, 6.0), (0.0, 6.0)];
        let hole = [(2.0, 2.0), (2.0, 4.0), (4.0, 4.0), (4.0, 2.0)];
        let cells = fill(&polygons(&[&outside, &hole]), Point::ZERO, 6, 6);
        assert!(
            cells[2 * 6 + 2].abs() < 1e-5 && (cells[0] - 1.0).abs() < 1e-5 && (cells[5 * 6 + 5] - 1.0).abs() < 1e-5
        );
    }

    #[test]
    fn the_coverage_adds_up_to_the_area_of_slanted_and_curved_shapes() {
        let triangle = polygons(&[&[(0.3, 0.2), (7.7, 3.1), (2.2, 7.9)]]);
        let area = kurbo::Shape::area(&triangle).abs();
        assert!((covered(&triangle) - area).abs() < 1e-3, "triangle: {} against {area}", covered(&triangle));
        // A curve is filled as the lines `flatten` gives within TOLERANCE: their polygon's area.
        let circle = kurbo::Shape::to_path(&kurbo::Circle::new((5.0, 5.0), 3.7), 0.01);
        let mut lines = BezPath::new();
        kurbo::flatten(&circle, TOLERANCE, |element| lines.push(element));
        let area = kurbo::Shape::area(&lines).abs();
        assert!((covered(&circle) - area).abs() < 1e-3, "circle: {} against {area}", covered(&circle));
    }

    #[test]
    fn an_outline_past_the_box_is_cut_at_its_edges() {
        let cells = fill(&polygons(&[&[(-2.0, -2.0), (6.0, -2.0), (6.0, 6.0), (-2.0, 6.0)]]), Point::ZERO, 3, 3);
        assert!(cells.iter().all(|cell| (cell - 1.0).abs() < 1e-5), "{cells:?}");
    }
}
