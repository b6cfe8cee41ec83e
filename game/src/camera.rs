//! The camera: follows the local player smoothly, and turns clicks and taps on the town into
//! walk requests.

use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::EguiContexts;

use crate::avatar::{AVATAR_SCALE, FRAME_SIZE};
use crate::movement::{LocalPlayer, WalkTo};
use crate::presence::RemotePerson;
use crate::screens::Screen;
use crate::ui::PersonPanel;

/// How quickly the camera catches up with the player (per second).
pub const FOLLOW_RATE: f32 = 6.0;

/// The town's camera.
#[derive(Component, Debug)]
pub struct TownCamera;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_camera)
        .add_systems(OnEnter(Screen::Town), snap_to_player)
        .add_systems(Update, (follow_player, click_to_walk).run_if(in_state(Screen::Town)));
}

fn spawn_camera(mut commands: Commands) {
    // Pixel art on a tile grid has no edges for multisampling to smooth; without it a frame costs
    // a fraction on weak integrated graphics and software rendering.
    commands.spawn((Camera2d, Msaa::Off, TownCamera));
}

fn snap_to_player(
    player: Single<&Transform, (With<LocalPlayer>, Without<TownCamera>)>,
    mut camera: Single<&mut Transform, With<TownCamera>>,
) {
    camera.translation.x = player.translation.x;
    camera.translation.y = player.translation.y;
}

fn follow_player(
    time: Res<Time>,
    player: Single<&Transform, (With<LocalPlayer>, Without<TownCamera>)>,
    mut camera: Single<&mut Transform, With<TownCamera>>,
) {
    let blend = 1.0 - (-FOLLOW_RATE * time.delta_secs()).exp();
    let target = player.translation.truncate();
    let at = camera.translation.truncate().lerp(target, blend);
    camera.translation.x = at.x;
    camera.translation.y = at.y;
}

fn click_to_walk(
    mouse: Res<ButtonInput<MouseButton>>,
    touches: Res<Touches>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&Camera, &GlobalTransform), With<TownCamera>>,
    mut egui: EguiContexts,
    mut walk: MessageWriter<WalkTo>,
    people: Query<(&RemotePerson, &Transform)>,
    mut panel: ResMut<PersonPanel>,
) -> Result {
    let pressed = if mouse.just_pressed(MouseButton::Left) { window.cursor_position() } else { None };
    let tapped = touches.iter_just_pressed().next().map(|touch| touch.position());
    let Some(screen_point) = pressed.or(tapped) else { return Ok(()) };
    // Whether egui's windows and bars cover the point pressed, not where the pointer was when
    // egui last drew: a quick move-and-click (or a tap) on a slow frame lands in one frame.
    let ctx = egui.ctx_mut()?;
    let point = bevy_egui::egui::pos2(screen_point.x, screen_point.y);
    // (Labels drawn over the world are on the background layer and do not count.)
    let over_egui = ctx.layer_id_at(point).is_some_and(|layer| layer.order != bevy_egui::egui::Order::Background);
    if over_egui || ctx.dragged_id().is_some() {
        return Ok(());
    }
    let (camera, camera_transform) = *camera;
    let Ok(world) = camera.viewport_to_world_2d(camera_transform, screen_point) else { return Ok(()) };
    // A click on someone opens their voice settings; anywhere else walks there.
    let reach = FRAME_SIZE as f32 * AVATAR_SCALE / 2.0;
    if let Some((person, _)) = people.iter().find(|(_, t)| t.translation.truncate().distance(world) < reach) {
        panel.0 = Some(person.0);
    } else {
        walk.write(WalkTo(world));
    }
    Ok(())
}
