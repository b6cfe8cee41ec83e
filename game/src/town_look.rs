//! How the town looks: a floor per kind of place (wood in the halls, carpet in the booths, tiles
//! at the entrance…), walls that show their face and windows where a room lies below them, door
//! mats, the furniture listed in the map, and the guide boards, all cut from one sheet drawn by
//! `assets/tiles/make_tiles.py`; soft shadows under avatars and a gentle light on the place one
//! is in (both can be turned off); in おだやかモード a soft veil mutes the colours.

use bevy::prelude::*;
use protocol::map::{FLOOR, WALL};
use protocol::{PlaceKind, PropKind, TownMap};

use crate::assets::PendingAssets;
use crate::avatar::{AVATAR_SCALE, Avatar, FRAME_SIZE};
use crate::comfort::Comfort;
use crate::map::{Town, to_position, to_vec2};
use crate::movement::LocalPlayer;
use crate::screens::Screen;

/// Path of the sheet under `assets/`.
pub const SHEET_PATH: &str = "tiles/town.png";
/// Side of one cell of the sheet, in pixels (one tile).
const CELL: u32 = 32;

/// Drawing heights: floors, then what lies on them, then furniture; avatars stand at 1.
const FLOOR_Z: f32 = 0.0;
const ON_FLOOR_Z: f32 = 0.2;
const LIGHT_Z: f32 = 0.15;
const FURNITURE_Z: f32 = 0.5;
const VEIL_Z: f32 = 0.85;

/// The town's sheet.
#[derive(Resource, Debug, Clone)]
struct TownSheet(Handle<Image>);

/// A rectangle of the sheet, in cells: (col, row, width, height).
type Cells = (u32, u32, u32, u32);

/// A soft veil over the floors and furniture (under the avatars) that mutes their colours in
/// おだやかモード.
#[derive(Component, Debug)]
struct CalmVeil;

/// A soft shadow under an avatar's feet.
#[derive(Component, Debug)]
struct Shadow;

/// A gentle light on the place the person is in.
#[derive(Component, Debug)]
struct PlaceLight;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, load_sheet).add_systems(OnEnter(Screen::Town), spawn_town).add_systems(
        Update,
        (show_veil, add_shadows, show_touches, light_my_place)
            .run_if(in_state(Screen::Town))
            .run_if(resource_exists::<Comfort>),
    );
}

fn add_shadows(
    mut commands: Commands,
    sheet: Res<TownSheet>,
    added: Query<Entity, Added<Avatar>>,
    comfort: Res<Comfort>,
) {
    let feet = -(FRAME_SIZE as f32 * AVATAR_SCALE) / 2.0 + 4.0;
    for avatar in &added {
        let mut shadow = sprite(&sheet.0, SHADOW);
        shadow.custom_size = Some(Vec2::new(36.0, 24.0));
        let shown = if comfort.ambient { Visibility::Inherited } else { Visibility::Hidden };
        let child = commands.spawn((shadow, Transform::from_xyz(0.0, feet, -0.05), shown, Shadow)).id();
        commands.entity(avatar).add_child(child);
    }
}

fn show_touches(
    comfort: Res<Comfort>,
    mut shadows: Query<&mut Visibility, (With<Shadow>, Without<PlaceLight>)>,
    mut light: Query<&mut Visibility, (With<PlaceLight>, Without<Shadow>)>,
) {
    if !comfort.is_changed() {
        return;
    }
    for mut visibility in &mut shadows {
        *visibility = if comfort.ambient { Visibility::Inherited } else { Visibility::Hidden };
    }
    if !comfort.ambient {
        for mut visibility in &mut light {
            *visibility = Visibility::Hidden;
        }
    }
}

/// Lays the light over the place the person stands in (none in the corridors).
fn light_my_place(
    town: Res<Town>,
    comfort: Res<Comfort>,
    me: Query<&Transform, (With<LocalPlayer>, Without<PlaceLight>)>,
    mut light: Query<(&mut Transform, &mut Sprite, &mut Visibility), With<PlaceLight>>,
    mut lit: Local<Option<protocol::PlaceId>>,
) {
    let (Ok(me), Ok((mut transform, mut sprite, mut visibility))) = (me.single(), light.single_mut()) else { return };
    let map = &town.0;
    let place = map.place_at(to_position(me.translation.truncate()));
    let id = place.map(|place| place.id.clone());
    if *lit == id && !comfort.is_changed() {
        return;
    }
    *lit = id;
    let Some(place) = place.filter(|_| comfort.ambient) else {
        *visibility = Visibility::Hidden;
        return;
    };
    let area = place.area;
    let size = Vec2::new(area.width as f32, area.height as f32) * map.tile_size;
    transform.translation = centre_of(map, area.col, area.row, (area.width, area.height)).extend(LIGHT_Z);
    sprite.custom_size = Some(size);
    *visibility = Visibility::Visible;
}

fn show_veil(comfort: Res<Comfort>, mut veils: Query<&mut Visibility, With<CalmVeil>>, mut shown: Local<Option<bool>>) {
    if *shown == Some(comfort.calm) && !comfort.is_changed() {
        return;
    }
    for mut visibility in &mut veils {
        *visibility = if comfort.calm { Visibility::Visible } else { Visibility::Hidden };
        *shown = Some(comfort.calm);
    }
}

fn load_sheet(mut commands: Commands, server: Res<AssetServer>, mut pending: ResMut<PendingAssets>) {
    let sheet: Handle<Image> = server.load(SHEET_PATH);
    pending.0.push(sheet.clone().untyped());
    commands.insert_resource(TownSheet(sheet));
}

/// The floor of a kind of place (two looks each, mixed so that it does not look printed).
fn floor_cells(kind: Option<PlaceKind>, on_stage: bool, variant: u32) -> Cells {
    let (col, row) = match (kind, on_stage) {
        (_, true) => (4, 1),
        (Some(PlaceKind::Hall), _) => (0, 0),
        (Some(PlaceKind::FreeSpace), _) => (2, 0),
        (Some(PlaceKind::Booth), _) => (4, 0),
        (Some(PlaceKind::Entrance), _) => (6, 0),
        (Some(PlaceKind::Gallery), _) => (0, 1),
        (Some(PlaceKind::QuietZone), _) => (2, 1),
        (Some(PlaceKind::Garden), _) => (4, 2),
        (None, _) => (6, 1),
    };
    (col + variant % 2, row, 1, 1)
}

const WALL_TOP: Cells = (0, 2, 1, 1);
const WALL_FACE: Cells = (1, 2, 1, 1);
const WALL_WINDOW: Cells = (2, 2, 1, 1);
const DOORMAT: Cells = (3, 2, 1, 1);
const BOARD: Cells = (5, 4, 1, 1);
const SHADOW: Cells = (3, 6, 1, 1);

/// Where a kind of furniture is on the sheet.
fn prop_cells(kind: PropKind) -> Cells {
    let (width, height) = kind.size();
    let (col, row) = match kind {
        PropKind::Sofa => (0, 3),
        PropKind::Bookshelf => (2, 3),
        PropKind::Table => (4, 3),
        PropKind::Counter => (6, 3),
        PropKind::LowTable => (0, 4),
        PropKind::Plant => (1, 4),
        PropKind::Cushion => (2, 4),
        PropKind::Chair => (3, 4),
        PropKind::SmallTable => (4, 4),
        PropKind::ChairDown => (6, 4),
        PropKind::Lamp => (7, 4),
        PropKind::Screen => (0, 5),
        PropKind::Bench => (4, 5),
        PropKind::Piano => (6, 5),
        PropKind::Rug => (0, 6),
        PropKind::Tree => (4, 6),
        PropKind::FlowerBed => (6, 6),
        PropKind::SteppingStones => (6, 2),
    };
    (col, row, width, height)
}

/// A small, steady mix for choosing a tile's look.
fn variant(col: u32, row: u32) -> u32 {
    (col.wrapping_mul(7) ^ row.wrapping_mul(13)).wrapping_add(col * row) % 5 / 3
}

/// What a wall tile shows: its face (sometimes with a window) when there is floor below it,
/// otherwise its top.
fn wall_cells(map: &TownMap, col: u32, row: u32) -> Cells {
    if map.tile(col, row + 1) != Some(FLOOR) {
        return WALL_TOP;
    }
    let beside_floor = |c: Option<u32>| c.is_some_and(|c| map.tile(c, row) != Some(WALL));
    let near_door = beside_floor(col.checked_sub(1)) || beside_floor(Some(col + 1));
    if !near_door && (col + row) % 4 == 2 { WALL_WINDOW } else { WALL_FACE }
}

fn sprite(sheet: &Handle<Image>, (col, row, width, height): Cells) -> Sprite {
    let min = Vec2::new((col * CELL) as f32, (row * CELL) as f32);
    let size = Vec2::new((width * CELL) as f32, (height * CELL) as f32);
    Sprite {
        image: sheet.clone(),
        rect: Some(Rect::from_corners(min, min + size)),
        custom_size: Some(size),
        ..default()
    }
}

/// The world centre of a rectangle of tiles whose top-left tile is (`col`, `row`).
fn centre_of(map: &TownMap, col: u32, row: u32, (width, height): (u32, u32)) -> Vec2 {
    let top_left = to_vec2(map.tile_center(col, row));
    top_left + Vec2::new((width - 1) as f32, -((height - 1) as f32)) * map.tile_size / 2.0
}

fn spawn_town(mut commands: Commands, town: Res<Town>, sheet: Res<TownSheet>) {
    let map = &town.0;
    let mut put = |cells: Cells, at: Vec2, z: f32| {
        commands.spawn((
            sprite(&sheet.0, cells),
            Transform::from_translation(at.extend(z)),
            DespawnOnExit(Screen::Town),
        ));
    };
    let boards: Vec<(u32, u32)> = map.boards.iter().map(|board| (board.col, board.row)).collect();
    for row in 0..map.rows() {
        for col in 0..map.columns() {
            let at = to_vec2(map.tile_center(col, row));
            let place = map.places.iter().find(|place| place.area.contains(col, row));
            if map.tile(col, row) == Some(WALL) && !boards.contains(&(col, row)) {
                put(wall_cells(map, col, row), at, FLOOR_Z);
                continue;
            }
            let on_stage = place.and_then(|place| place.stage).is_some_and(|stage| stage.contains(col, row));
            put(floor_cells(place.map(|place| place.kind), on_stage, variant(col, row)), at, FLOOR_Z);
        }
    }
    for place in map.places.iter().filter(|place| place.kind.is_enclosed() || place.kind == PlaceKind::Gallery) {
        for door in map.doors(place) {
            put(DOORMAT, to_vec2(map.tile_center(door.inside.0, door.inside.1)), ON_FLOOR_Z);
        }
    }
    for prop in &map.props {
        let z = if prop.kind.blocks() { FURNITURE_Z } else { ON_FLOOR_Z + 0.1 };
        let z = if prop.kind == PropKind::Rug { ON_FLOOR_Z } else { z };
        put(prop_cells(prop.kind), centre_of(map, prop.col, prop.row, prop.kind.size()), z);
    }
    for &(col, row) in &boards {
        put(BOARD, to_vec2(map.tile_center(col, row)), FURNITURE_Z);
    }
    commands.spawn((
        Sprite::from_color(Color::srgba(1.0, 0.97, 0.86, 0.16), Vec2::ONE),
        Transform::from_xyz(0.0, 0.0, LIGHT_Z),
        Visibility::Hidden,
        PlaceLight,
        DespawnOnExit(Screen::Town),
    ));
    let (width, height) = map.size();
    commands.spawn((
        Sprite::from_color(Color::srgba(0.96, 0.94, 0.90, 0.4), Vec2::new(width, height)),
        Transform::from_translation(Vec3::new(width / 2.0, height / 2.0, VEIL_Z)),
        Visibility::Hidden,
        CalmVeil,
        DespawnOnExit(Screen::Town),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_furniture_kind_is_cut_from_the_sheet_inside_it() {
        use PropKind::*;
        let kinds = [
            Sofa, Bookshelf, Table, Counter, LowTable, Plant, Cushion, Chair, ChairDown, SmallTable, Lamp, Screen,
            Bench, Piano, Rug,
        ];
        let mut used = std::collections::HashSet::new();
        for kind in kinds {
            let (col, row, width, height) = prop_cells(kind);
            assert!(col + width <= 8 && row + height <= 8, "{kind:?} lies on the 8×8 sheet");
            for c in col..col + width {
                for r in row..row + height {
                    assert!(used.insert((c, r)), "{kind:?} overlaps another cut at ({c}, {r})");
                }
            }
        }
    }

    #[test]
    fn walls_show_their_face_above_floor_and_their_top_elsewhere() {
        let map = TownMap::from_ron(include_str!("../../assets/maps/town.ron")).expect("map");
        assert_eq!(wall_cells(&map, 0, 25), WALL_TOP, "the bottom wall has nothing below");
        assert!([WALL_FACE, WALL_WINDOW].contains(&wall_cells(&map, 20, 0)), "the top wall has a room below");
        assert_eq!(wall_cells(&map, 12, 7), WALL_FACE, "no window beside a door");
        assert_eq!(floor_cells(Some(PlaceKind::Hall), true, 0), (4, 1, 1, 1), "the stage has its own boards");
    }
}
