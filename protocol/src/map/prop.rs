//! Furniture and decorations on the map: what each kind is, how many tiles it covers, and
//! whether it blocks walking (both the client and the server read this).

use serde::{Deserialize, Serialize};

/// A piece of furniture or a decoration, by the top-left tile it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prop {
    /// What it is.
    pub kind: PropKind,
    /// Leftmost column it covers.
    pub col: u32,
    /// Topmost row it covers.
    pub row: u32,
}

/// The kinds of furniture the town has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PropKind {
    /// A two-seat sofa.
    Sofa,
    /// A low bookshelf.
    Bookshelf,
    /// A table for two to four (the halls' table groups).
    Table,
    /// The entrance's reception counter.
    Counter,
    /// A low coffee table.
    LowTable,
    /// A potted plant.
    Plant,
    /// A floor cushion (people may sit on it).
    Cushion,
    /// A chair facing up (people may sit on it).
    Chair,
    /// A chair facing down (people may sit on it).
    ChairDown,
    /// A small round table.
    SmallTable,
    /// A standing lamp.
    Lamp,
    /// A video screen on a wall.
    Screen,
    /// A bench (people may sit on it).
    Bench,
    /// An upright piano.
    Piano,
    /// A rug on the floor.
    Rug,
    /// A tree in the garden.
    Tree,
    /// A raised bed of flowers in the garden.
    FlowerBed,
    /// Stepping stones set in the grass (people walk on them).
    SteppingStones,
}

impl PropKind {
    /// Tiles it covers: (columns, rows).
    pub fn size(self) -> (u32, u32) {
        match self {
            PropKind::Sofa | PropKind::Bookshelf | PropKind::Table | PropKind::Counter => (2, 1),
            PropKind::Bench | PropKind::Piano | PropKind::FlowerBed => (2, 1),
            PropKind::Tree => (2, 2),
            PropKind::Screen => (4, 1),
            PropKind::Rug => (3, 2),
            _ => (1, 1),
        }
    }

    /// Whether nobody can walk through it.
    pub fn blocks(self) -> bool {
        !matches!(
            self,
            PropKind::Cushion
                | PropKind::Chair
                | PropKind::ChairDown
                | PropKind::Bench
                | PropKind::Rug
                | PropKind::Screen
                | PropKind::SteppingStones
        )
    }

    /// Whether it hangs on a wall (and so must lie on wall tiles) rather than stand on the floor.
    pub fn on_wall(self) -> bool {
        self == PropKind::Screen
    }
}

impl Prop {
    /// Whether it covers the tile (`col`, `row`).
    pub fn covers(&self, col: u32, row: u32) -> bool {
        let (width, height) = self.kind.size();
        col >= self.col && col < self.col + width && row >= self.row && row < self.row + height
    }

    /// The tiles it covers.
    pub fn tiles(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (width, height) = self.kind.size();
        (self.row..self.row + height).flat_map(move |row| (self.col..self.col + width).map(move |col| (col, row)))
    }
}
