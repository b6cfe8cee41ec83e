//! The town map schema (`assets/maps/town.ron`), read by both the client and the server.
//!
//! The map is a grid of tiles, written as rows of characters (`#` wall, `.` floor), plus named
//! places that cover rectangles of tiles. World coordinates have x to the right and y up, in
//! pixels, with the origin at the bottom-left corner of the map.

mod prop;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use prop::{Prop, PropKind};

/// Tile character for a wall (blocks movement).
pub const WALL: char = '#';
/// Tile character for walkable floor.
pub const FLOOR: char = '.';

/// A point in world coordinates (pixels, y up).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Position {
    /// Pixels to the right of the map's left edge.
    pub x: f32,
    /// Pixels above the map's bottom edge.
    pub y: f32,
}

impl Position {
    /// A position from its coordinates.
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    /// Straight-line distance in pixels.
    pub fn distance(self, other: Position) -> f32 {
        ((self.x - other.x).powi(2) + (self.y - other.y).powi(2)).sqrt()
    }

    /// Whether both coordinates are real numbers.
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }
}

/// Stable identifier of a place, e.g. `"booth-1"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlaceId(pub String);

/// What kind of place an area is; it decides who may talk with whom there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlaceKind {
    /// 入口・案内: arrival point with the guide board.
    Entrance,
    /// フリースペース: meet anyone nearby.
    FreeSpace,
    /// 個別相談: a private counseling booth; only the people inside hear each other.
    Booth,
    /// 交流スペース: a program hall.
    Hall,
    /// ギャラリー: program videos.
    Gallery,
    /// 静かな場所: an open corner where nobody is heard or heard from; text only.
    QuietZone,
    /// お庭: outdoors, on grass; like the free space, meet anyone nearby.
    Garden,
}

impl PlaceKind {
    /// Whether everyone inside the place talks with everyone else inside it, whatever the
    /// distance, and with nobody outside.
    pub fn is_enclosed(self) -> bool {
        matches!(self, PlaceKind::Booth | PlaceKind::Hall)
    }
}

/// A rectangle of tiles: `col`, `row` of its top-left tile (row 0 is the top row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileRect {
    /// Leftmost column.
    pub col: u32,
    /// Topmost row.
    pub row: u32,
    /// Width in tiles.
    pub width: u32,
    /// Height in tiles.
    pub height: u32,
}

impl TileRect {
    /// Whether the tile (`col`, `row`) lies inside.
    pub fn contains(&self, col: u32, row: u32) -> bool {
        col >= self.col && col < self.col + self.width && row >= self.row && row < self.row + self.height
    }
}

/// A named area of the town.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// Stable identifier.
    pub id: PlaceId,
    /// Name shown to people (Japanese).
    pub name: String,
    /// Name in the second locale (English).
    pub name_en: String,
    /// Kind of place.
    pub kind: PlaceKind,
    /// Tiles it covers.
    pub area: TileRect,
    /// In a hall, the stage: whoever stands on it is heard by the whole hall.
    #[serde(default)]
    pub stage: Option<TileRect>,
    /// In a hall, its tables: the tiles around each table (people standing there sit at it and
    /// talk with each other only), in the order the hall's views number them.
    #[serde(default)]
    pub tables: Vec<TileRect>,
    /// In the gallery, its screens: the tiles in front of each screen on the wall (people
    /// standing there watch it), in the order showings number them.
    #[serde(default)]
    pub screens: Vec<TileRect>,
}

impl Place {
    /// The place's name in `lang` (Japanese when it has no English name).
    pub fn name_in(&self, lang: crate::locale::Lang) -> &str {
        if lang == crate::locale::Lang::En && !self.name_en.is_empty() { &self.name_en } else { &self.name }
    }
}

/// A sign with text, e.g. the guide board at the entrance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    /// Column of the tile the board stands on.
    pub col: u32,
    /// Row of the tile the board stands on.
    pub row: u32,
    /// Title line.
    pub title: String,
    /// Text lines under the title.
    pub lines: Vec<String>,
    /// The title in English.
    #[serde(default)]
    pub title_en: String,
    /// The lines in English.
    #[serde(default)]
    pub lines_en: Vec<String>,
    /// Whether the board also lists today's programs under its lines.
    #[serde(default)]
    pub programs: bool,
}

impl Board {
    /// The title and lines in `lang` (Japanese when the board has no English text).
    pub fn text_in(&self, lang: crate::locale::Lang) -> (&str, &[String]) {
        if lang == crate::locale::Lang::En && !self.title_en.is_empty() {
            (&self.title_en, &self.lines_en)
        } else {
            (&self.title, &self.lines)
        }
    }
}

/// The whole town as stored in `assets/maps/town.ron`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TownMap {
    /// Size of a tile's side in pixels.
    pub tile_size: f32,
    /// Rows of tile characters, top row first.
    pub tiles: Vec<String>,
    /// Tile where people arrive: (col, row).
    pub spawn: (u32, u32),
    /// Named areas.
    pub places: Vec<Place>,
    /// Signs.
    pub boards: Vec<Board>,
    /// Furniture and decorations; those that block walking are walls to both sides.
    #[serde(default)]
    pub props: Vec<Prop>,
    /// Which tiles blocking furniture covers, worked out once when the map is read
    /// ([`TownMap::from_ron`]); a map built in code leaves it empty and looks at the props.
    #[serde(skip)]
    pub blocked: BlockedTiles,
}

/// The tiles covered by blocking furniture, row by row (derived from the props: never compared).
#[derive(Debug, Clone, Default)]
pub struct BlockedTiles(Vec<bool>);

impl PartialEq for BlockedTiles {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Why a map file was refused.
#[derive(Debug, Error)]
pub enum MapError {
    /// The RON text does not match the schema.
    #[error("map is not valid RON: {0}")]
    Syntax(#[from] ron::error::SpannedError),
    /// The tile rows are empty or of different lengths.
    #[error("map rows must be non-empty and of equal length")]
    Ragged,
    /// A tile character other than `#` and `.`.
    #[error("unknown tile character {0:?}")]
    UnknownTile(char),
    /// The spawn tile is a wall or off the map.
    #[error("the spawn tile must be floor")]
    BadSpawn,
    /// A place or board lies partly off the map.
    #[error("{0} lies outside the map")]
    OutOfBounds(String),
    /// A prop stands on a wall, hangs in the air, or closes the spawn tile.
    #[error("the {0:?} at ({1}, {2}) must lie on {3}")]
    MisplacedProp(PropKind, u32, u32, &'static str),
}

impl TownMap {
    /// Parses and checks a map.
    pub fn from_ron(text: &str) -> Result<TownMap, MapError> {
        let mut map: TownMap = ron::from_str(text)?;
        map.validate()?;
        map.blocked = BlockedTiles(
            (0..map.rows())
                .flat_map(|row| (0..map.columns()).map(move |col| (col, row)))
                .map(|(col, row)| map.props.iter().any(|prop| prop.kind.blocks() && prop.covers(col, row)))
                .collect(),
        );
        Ok(map)
    }

    fn validate(&self) -> Result<(), MapError> {
        let width = self.columns();
        if width == 0 || self.tiles.iter().any(|row| row.chars().count() as u32 != width) {
            return Err(MapError::Ragged);
        }
        if let Some(bad) = self.tiles.iter().flat_map(|r| r.chars()).find(|c| *c != WALL && *c != FLOOR) {
            return Err(MapError::UnknownTile(bad));
        }
        for prop in &self.props {
            let (wanted, what) = if prop.kind.on_wall() { (WALL, "wall tiles") } else { (FLOOR, "floor tiles") };
            if !prop.tiles().all(|(col, row)| self.tile(col, row) == Some(wanted)) {
                return Err(MapError::MisplacedProp(prop.kind, prop.col, prop.row, what));
            }
        }
        if !self.is_walkable(self.spawn.0, self.spawn.1) {
            return Err(MapError::BadSpawn);
        }
        for place in &self.places {
            let a = place.area;
            if a.col + a.width > width || a.row + a.height > self.rows() {
                return Err(MapError::OutOfBounds(place.id.0.clone()));
            }
        }
        for place in &self.places {
            let inside = |rect: &TileRect| {
                rect.col >= place.area.col
                    && rect.row >= place.area.row
                    && rect.col + rect.width <= place.area.col + place.area.width
                    && rect.row + rect.height <= place.area.row + place.area.height
            };
            if !place.stage.iter().chain(&place.tables).chain(&place.screens).all(inside) {
                return Err(MapError::OutOfBounds(format!("{} の舞台・テーブル・スクリーン", place.id.0)));
            }
        }
        for board in &self.boards {
            if board.col >= width || board.row >= self.rows() {
                return Err(MapError::OutOfBounds(board.title.clone()));
            }
        }
        Ok(())
    }

    /// Number of tile columns.
    pub fn columns(&self) -> u32 {
        self.tiles.first().map_or(0, |row| row.chars().count() as u32)
    }

    /// Number of tile rows.
    pub fn rows(&self) -> u32 {
        self.tiles.len() as u32
    }

    /// Width and height of the map in pixels.
    pub fn size(&self) -> (f32, f32) {
        (self.columns() as f32 * self.tile_size, self.rows() as f32 * self.tile_size)
    }

    /// The tile character at (`col`, `row`), if on the map.
    pub fn tile(&self, col: u32, row: u32) -> Option<char> {
        let row = self.tiles.get(row as usize)?;
        // Maps are ASCII ('#' and '.'); the bytes are then the characters.
        if row.is_ascii() {
            row.as_bytes().get(col as usize).map(|b| *b as char)
        } else {
            row.chars().nth(col as usize)
        }
    }

    /// Whether (`col`, `row`) is floor that no furniture blocks.
    pub fn is_walkable(&self, col: u32, row: u32) -> bool {
        if self.tile(col, row) != Some(FLOOR) {
            return false;
        }
        match self.blocked.0.get((row * self.columns() + col) as usize) {
            Some(blocked) => !blocked,
            None => !self.props.iter().any(|prop| prop.kind.blocks() && prop.covers(col, row)),
        }
    }

    /// The tile containing a world position, if it is on the map.
    pub fn tile_at(&self, position: Position) -> Option<(u32, u32)> {
        if !position.is_finite() || position.x < 0.0 || position.y < 0.0 {
            return None;
        }
        let col = (position.x / self.tile_size) as u32;
        let row_from_bottom = (position.y / self.tile_size) as u32;
        if col >= self.columns() || row_from_bottom >= self.rows() {
            return None;
        }
        Some((col, self.rows() - 1 - row_from_bottom))
    }

    /// The world position of a tile's centre (rows past the map's end count as its last row).
    pub fn tile_center(&self, col: u32, row: u32) -> Position {
        let from_bottom = self.rows().saturating_sub(1).saturating_sub(row);
        Position::new((col as f32 + 0.5) * self.tile_size, (from_bottom as f32 + 0.5) * self.tile_size)
    }

    /// Where people arrive.
    pub fn spawn_position(&self) -> Position {
        self.tile_center(self.spawn.0, self.spawn.1)
    }

    /// The place covering a world position, if any.
    pub fn place_at(&self, position: Position) -> Option<&Place> {
        let (col, row) = self.tile_at(position)?;
        self.places.iter().find(|place| place.area.contains(col, row))
    }

    /// The table of its hall a position is at, if any.
    pub fn table_at(&self, position: Position) -> Option<u32> {
        let (col, row) = self.tile_at(position)?;
        let place = self.place_at(position)?;
        place.tables.iter().position(|table| table.contains(col, row)).map(|index| index as u32)
    }

    /// The screen of its gallery a position is in front of, if any.
    pub fn screen_at(&self, position: Position) -> Option<u32> {
        let (col, row) = self.tile_at(position)?;
        let place = self.place_at(position)?;
        place.screens.iter().position(|screen| screen.contains(col, row)).map(|index| index as u32)
    }

    /// Whether a position is on the stage of the place it is in.
    pub fn on_stage(&self, position: Position) -> bool {
        let (Some((col, row)), Some(place)) = (self.tile_at(position), self.place_at(position)) else {
            return false;
        };
        place.stage.is_some_and(|stage| stage.contains(col, row))
    }

    /// A place by its id.
    pub fn place(&self, id: &PlaceId) -> Option<&Place> {
        self.places.iter().find(|place| &place.id == id)
    }

    /// The kind of place at a world position, if any.
    pub fn kind_at(&self, position: Position) -> Option<PlaceKind> {
        self.place_at(position).map(|place| place.kind)
    }

    /// A place's doors: each pair of its walkable edge tile and the walkable tile just outside
    /// it (the four straight neighbours), top-left first.
    pub fn doors(&self, place: &Place) -> Vec<Door> {
        let area = place.area;
        let mut doors = Vec::new();
        for row in area.row..area.row + area.height {
            for col in area.col..area.col + area.width {
                if !self.is_walkable(col, row) {
                    continue;
                }
                let outside = [(0i64, -1i64), (0, 1), (-1, 0), (1, 0)].into_iter().find_map(|(dc, dr)| {
                    let (c, r) = (u32::try_from(i64::from(col) + dc).ok()?, u32::try_from(i64::from(row) + dr).ok()?);
                    (!area.contains(c, r) && self.is_walkable(c, r)).then_some((c, r))
                });
                if let Some(outside) = outside {
                    doors.push(Door { inside: (col, row), outside });
                }
            }
        }
        doors
    }
}

/// A way into a place: its tile on the inside edge and the tile in front of it outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Door {
    /// The place's own tile at the door (col, row).
    pub inside: (u32, u32),
    /// The tile in front of the door, outside the place (col, row).
    pub outside: (u32, u32),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_map() -> TownMap {
        TownMap {
            tile_size: 10.0,
            tiles: vec!["####".into(), "#..#".into(), "####".into()],
            spawn: (1, 1),
            places: vec![Place {
                id: PlaceId("room".into()),
                name: "部屋".into(),
                name_en: "Room".into(),
                kind: PlaceKind::FreeSpace,
                area: TileRect { col: 1, row: 1, width: 2, height: 1 },
                stage: None,
                tables: vec![],
                screens: vec![],
            }],
            boards: vec![],
            props: vec![],
            blocked: BlockedTiles::default(),
        }
    }

    #[test]
    fn world_and_tiles_agree() {
        let map = small_map();
        assert_eq!(map.tile_at(Position::new(15.0, 15.0)), Some((1, 1)));
        assert_eq!(map.tile_center(1, 1), Position::new(15.0, 15.0));
        assert_eq!(map.tile_at(Position::new(5.0, 25.0)), Some((0, 0)));
        assert_eq!(map.tile_at(Position::new(-1.0, 5.0)), None);
        assert_eq!(map.tile_at(Position::new(f32::NAN, 5.0)), None);
        assert_eq!(map.tile_at(Position::new(40.0, 5.0)), None);
        assert_eq!(map.place_at(Position::new(25.0, 15.0)).map(|p| p.name.as_str()), Some("部屋"));
        assert!(map.place_at(Position::new(5.0, 5.0)).is_none());
    }

    #[test]
    fn refuses_broken_maps() {
        let mut ragged = small_map();
        ragged.tiles[1] = "#.".into();
        assert!(matches!(ragged.validate(), Err(MapError::Ragged)));
        let mut walled_spawn = small_map();
        walled_spawn.spawn = (0, 0);
        assert!(matches!(walled_spawn.validate(), Err(MapError::BadSpawn)));
        let mut outside = small_map();
        outside.places[0].area.width = 9;
        assert!(matches!(outside.validate(), Err(MapError::OutOfBounds(_))));
        assert!(matches!(TownMap::from_ron("(tile_size: 1"), Err(MapError::Syntax(_))));
    }

    #[test]
    fn shipped_town_is_valid() {
        let text = include_str!("../../assets/maps/town.ron");
        let map = TownMap::from_ron(text).expect("town.ron");
        let kinds: Vec<_> = map.places.iter().map(|p| p.kind).collect();
        assert!(kinds.iter().filter(|k| **k == PlaceKind::Booth).count() >= 2);
        assert!(kinds.iter().filter(|k| **k == PlaceKind::Hall).count() >= 2);
        for kind in
            [PlaceKind::Entrance, PlaceKind::FreeSpace, PlaceKind::Gallery, PlaceKind::QuietZone, PlaceKind::Garden]
        {
            assert!(kinds.contains(&kind), "{kind:?} missing");
        }
        assert_eq!(map.place_at(map.spawn_position()).map(|p| p.kind), Some(PlaceKind::Entrance));
        let hall = map.place(&PlaceId("hall-1".into())).expect("hall A");
        let stage = hall.stage.expect("hall A has a stage");
        assert!(map.on_stage(map.tile_center(stage.col, stage.row)));
        assert!(!map.on_stage(map.tile_center(hall.area.col, hall.area.row + hall.area.height - 1)));
        let gallery = map.place(&PlaceId("gallery".into())).expect("the gallery");
        assert_eq!(gallery.screens.len(), 2, "the gallery has screens");
        assert_eq!(map.screen_at(map.tile_center(7, 2)), Some(1));
        assert_eq!(map.screen_at(map.tile_center(5, 5)), None);
    }

    #[test]
    fn furniture_that_blocks_is_a_wall_and_must_stand_on_floor() {
        let mut map = small_map();
        map.tiles = vec!["#####".into(), "#...#".into(), "#####".into()];
        map.props =
            vec![Prop { kind: PropKind::Plant, col: 2, row: 1 }, Prop { kind: PropKind::Cushion, col: 3, row: 1 }];
        assert!(map.validate().is_ok());
        assert!(!map.is_walkable(2, 1), "a plant blocks");
        assert!(map.is_walkable(3, 1), "a cushion is sat on");
        map.props = vec![Prop { kind: PropKind::Sofa, col: 3, row: 1 }];
        assert!(matches!(map.validate(), Err(MapError::MisplacedProp(PropKind::Sofa, 3, 1, _))), "half in the wall");
        map.props = vec![Prop { kind: PropKind::Screen, col: 1, row: 1 }];
        assert!(
            matches!(map.validate(), Err(MapError::MisplacedProp(PropKind::Screen, ..))),
            "a screen hangs on a wall"
        );
    }

    #[test]
    fn every_floor_tile_of_the_town_can_be_reached_from_the_spawn() {
        let map = TownMap::from_ron(include_str!("../../assets/maps/town.ron")).expect("town.ron");
        let mut seen = std::collections::HashSet::from([map.spawn]);
        let mut todo = vec![map.spawn];
        while let Some((col, row)) = todo.pop() {
            for (c, r) in [(col + 1, row), (col.wrapping_sub(1), row), (col, row + 1), (col, row.wrapping_sub(1))] {
                if map.is_walkable(c, r) && seen.insert((c, r)) {
                    todo.push((c, r));
                }
            }
        }
        for row in 0..map.rows() {
            for col in 0..map.columns() {
                assert!(
                    !map.is_walkable(col, row) || seen.contains(&(col, row)),
                    "({col}, {row}) is shut in by furniture"
                );
            }
        }
        // Each place has furniture that tells what it is for.
        let has = |kind: PropKind, place: &str| {
            let area = map.place(&PlaceId(place.into())).expect(place).area;
            map.props.iter().any(|prop| {
                prop.kind == kind && prop.tiles().any(|(c, r)| area.contains(c, r + 1) || area.contains(c, r))
            })
        };
        for booth in ["booth-1", "booth-2"] {
            assert!(has(PropKind::SmallTable, booth) && has(PropKind::Chair, booth) && has(PropKind::ChairDown, booth));
        }
        assert!(
            has(PropKind::Screen, "gallery")
                && has(PropKind::Sofa, "free-space")
                && has(PropKind::Bookshelf, "quiet-corner")
        );
        assert!(has(PropKind::Piano, "hall-1") && has(PropKind::Table, "hall-2") && has(PropKind::Counter, "entrance"));
        assert!(has(PropKind::Tree, "garden") && has(PropKind::FlowerBed, "garden") && has(PropKind::Bench, "garden"));
    }

    #[test]
    fn booths_have_one_door_each() {
        let map = TownMap::from_ron(include_str!("../../assets/maps/town.ron")).expect("town.ron");
        let booth = map.place(&PlaceId("booth-1".into())).expect("booth 1");
        assert_eq!(map.doors(booth), vec![Door { inside: (13, 7), outside: (13, 8) }]);
        for booth in map.places.iter().filter(|p| p.kind == PlaceKind::Booth) {
            assert_eq!(map.doors(booth).len(), 1, "{} has one door", booth.id.0);
        }
    }
}
