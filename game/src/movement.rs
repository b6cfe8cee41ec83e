//! Moving the local player: arrow keys / WASD or the thumb stick, or walking a path to a clicked
//! point found by A* around walls. Collision slides along walls.

use bevy::prelude::*;

use crate::avatar::{Facing, Walking};
use crate::map::{Barriers, Town, to_position, to_vec2};
use crate::pathfinding::find_path;

/// Walking speed in pixels per second (the server holds everyone to it).
pub use protocol::WALK_SPEED;
/// How close to a waypoint counts as reaching it, in pixels.
pub const WAYPOINT_REACHED: f32 = 4.0;

/// The person at this keyboard.
#[derive(Component, Debug)]
pub struct LocalPlayer;

/// Direction the keyboard or the thumb stick asks for this frame (zero when neither is held).
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct MoveInput(pub Vec2);

/// Ask the local player to walk to a world point (a click, a tap, or the test hook).
#[derive(Message, Debug, Clone, Copy)]
pub struct WalkTo(pub Vec2);

/// Waypoints still to walk, nearest first.
#[derive(Component, Debug, Default, Clone)]
pub struct WalkPath(pub Vec<Vec2>);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<MoveInput>()
        .add_message::<WalkTo>()
        .add_systems(Update, (read_keyboard, plan_walks, move_local_player).chain().run_if(resource_exists::<Town>));
}

fn read_keyboard(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    stick: Res<crate::joystick::StickInput>,
    mut input: ResMut<MoveInput>,
) {
    let Some(keys) = keys else {
        input.0 = stick.0;
        return;
    };
    let held = |a: KeyCode, b: KeyCode| keys.pressed(a) || keys.pressed(b);
    let mut direction = Vec2::ZERO;
    if held(KeyCode::ArrowLeft, KeyCode::KeyA) {
        direction.x -= 1.0;
    }
    if held(KeyCode::ArrowRight, KeyCode::KeyD) {
        direction.x += 1.0;
    }
    if held(KeyCode::ArrowUp, KeyCode::KeyW) {
        direction.y += 1.0;
    }
    if held(KeyCode::ArrowDown, KeyCode::KeyS) {
        direction.y -= 1.0;
    }
    // The keys win over the thumb stick while both are used.
    input.0 = if direction == Vec2::ZERO { stick.0 } else { direction.normalize() };
}

fn plan_walks(
    town: Res<Town>,
    barriers: Res<Barriers>,
    mut requests: MessageReader<WalkTo>,
    mut player: Query<(&Transform, &mut WalkPath), With<LocalPlayer>>,
) {
    let Some(WalkTo(goal)) = requests.read().last().copied() else { return };
    let Ok((transform, mut path)) = player.single_mut() else { return };
    let map = &town.0;
    let from = transform.translation.truncate();
    let (Some(start), Some(end)) = (map.tile_at(to_position(from)), map.tile_at(to_position(goal))) else { return };
    // A click inside a closed booth walks to its door instead, never through it.
    let (end, redirected) = barriers.0.get(&end).map_or((end, false), |door| (*door, true));
    let Some(tiles) = find_path(map, start, end, &|tile| barriers.0.contains_key(&tile)) else { return };
    let mut waypoints: Vec<Vec2> =
        tiles.iter().skip(1).map(|(col, row)| to_vec2(map.tile_center(*col, *row))).collect();
    // End exactly on the clicked point when it is free, not on its tile's centre.
    if !redirected && !town.blocked_by(goal, &barriers) {
        waypoints.pop();
        waypoints.push(goal);
    }
    path.0 = waypoints;
}

fn move_local_player(
    time: Res<Time>,
    town: Res<Town>,
    barriers: Res<Barriers>,
    input: Res<MoveInput>,
    mut player: Query<(&mut Transform, &mut WalkPath, &mut Facing, &mut Walking), With<LocalPlayer>>,
) {
    let Ok((mut transform, mut path, mut facing, mut walking)) = player.single_mut() else { return };
    let step = WALK_SPEED * time.delta_secs();
    let from = transform.translation.truncate();
    let wanted = if input.0 != Vec2::ZERO {
        path.0.clear();
        input.0 * step
    } else if let Some(next) = path.0.first().copied() {
        let to_next = next - from;
        if to_next.length() <= step.max(WAYPOINT_REACHED) {
            path.0.remove(0);
            to_next
        } else {
            to_next.normalize() * step
        }
    } else {
        Vec2::ZERO
    };
    let to = town.slide(from, wanted, &barriers);
    let moved = to - from;
    if let Some(new_facing) = Facing::from_motion(moved) {
        *facing = new_facing;
    }
    walking.0 = moved.length_squared() > 1e-6;
    transform.translation.x = to.x;
    transform.translation.y = to.y;
}
