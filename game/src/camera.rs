//! The camera: follows the local player smoothly, never shows the dark void beyond the map's
//! edges below the top bar (held inside them, and zoomed in as far as needed on a screen larger
//! than the map),
//! zooms in and out (the ＋／− buttons, the mouse wheel, a two-finger pinch), and turns clicks
//! and taps on the town into walk requests.

use bevy::input::mouse::{MouseScrollUnit, MouseWheel};
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::avatar::{AVATAR_SCALE, FRAME_SIZE};
use crate::locale::t;
use crate::map::Town;
use crate::movement::{LocalPlayer, WalkTo};
use crate::presence::RemotePerson;
use crate::screens::Screen;
use crate::ui::{ControlRects, PersonPanel, UiSet};

/// How quickly the camera catches up with the player (per second).
pub const FOLLOW_RATE: f32 = 6.0;

/// Closest zoom: world pixels per screen pixel (the projection's scale).
pub const ZOOM_CLOSEST: f32 = 0.5;
/// Farthest zoom.
pub const ZOOM_FARTHEST: f32 = 2.0;
/// One press of ＋ or −, or one notch of the wheel.
const ZOOM_STEP: f32 = 1.25;
/// Side of the zoom buttons, in points: a finger's size.
pub(crate) const ZOOM_BUTTON: f32 = 44.0;
/// How far above the bottom edge the zoom buttons sit: clear of the chat field on a phone.
pub(crate) const ZOOM_ABOVE_BOTTOM: f32 = 96.0;

/// The town's camera.
#[derive(Component, Debug)]
pub struct TownCamera;

/// How far the person zoomed: world pixels per screen pixel they asked for (the screen's size
/// may zoom in further, so that the map fills it).
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct Zoom(pub f32);

impl Default for Zoom {
    fn default() -> Self {
        Zoom(1.0)
    }
}

impl Zoom {
    /// `factor` times farther (above 1) or closer (below 1), within the limits.
    pub fn times(self, factor: f32) -> Zoom {
        Zoom((self.0 * factor).clamp(ZOOM_CLOSEST, ZOOM_FARTHEST))
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Zoom>()
        .add_systems(Startup, spawn_camera)
        .add_systems(OnEnter(Screen::Town), snap_to_player)
        .add_systems(
            Update,
            (zoom_by_wheel_and_pinch, follow_player, click_to_walk).chain().run_if(in_state(Screen::Town)),
        )
        .add_systems(EguiPrimaryContextPass, zoom_buttons.after(UiSet).run_if(in_state(Screen::Town)));
}

/// The projection's scale that shows `window` (logical pixels) of a `map` (world pixels) at
/// the asked `zoom`: no farther than fills the window with the map.
pub fn scale_for(zoom: Zoom, window: Vec2, map: Vec2) -> f32 {
    let fills = (map.x / window.x.max(1.0)).min(map.y / window.y.max(1.0));
    zoom.0.min(fills).max(f32::EPSILON)
}

/// Where the camera may look so that a view of `view` world pixels stays on a `map` whose
/// corner is at the origin: inside its edges, or at its middle on an axis it does not fill.
pub fn held_on_map(center: Vec2, view: Vec2, map: Vec2) -> Vec2 {
    let axis = |at: f32, view: f32, size: f32| {
        if view >= size { size / 2.0 } else { at.clamp(view / 2.0, size - view / 2.0) }
    };
    Vec2::new(axis(center.x, view.x, map.x), axis(center.y, view.y, map.y))
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

/// The wheel (over the town, not over a panel) and a two-finger pinch zoom.
fn zoom_by_wheel_and_pinch(
    mut wheel: MessageReader<MouseWheel>,
    touches: Res<Touches>,
    mut egui: EguiContexts,
    mut zoom: ResMut<Zoom>,
) -> Result {
    let over_panel = egui.ctx_mut()?.is_pointer_over_egui();
    let mut factor = 1.0;
    for turn in wheel.read() {
        let notches = match turn.unit {
            MouseScrollUnit::Line => turn.y,
            MouseScrollUnit::Pixel => turn.y / 100.0,
        };
        if !over_panel {
            factor *= ZOOM_STEP.powf(-notches);
        }
    }
    let fingers: Vec<&bevy::input::touch::Touch> = touches.iter().take(3).collect();
    if let [a, b] = fingers.as_slice() {
        let (before, now) =
            (a.previous_position().distance(b.previous_position()), a.position().distance(b.position()));
        if before > 1.0 && now > 1.0 {
            factor *= before / now;
        }
    }
    if factor != 1.0 {
        *zoom = zoom.times(factor);
    }
    Ok(())
}

/// ＋ and − at the bottom right of the town, a finger's size, above where a phone's chat field
/// lies and below the panels that open at the top right.
fn zoom_buttons(mut contexts: EguiContexts, mut zoom: ResMut<Zoom>, mut rects: ResMut<ControlRects>) -> Result {
    let size = egui::vec2(ZOOM_BUTTON, ZOOM_BUTTON);
    egui::Area::new("zoom".into()).anchor(egui::Align2::RIGHT_BOTTOM, [-10.0, -ZOOM_ABOVE_BOTTOM]).show(
        contexts.ctx_mut()?,
        |ui| {
            for (name, text, factor, hint) in
                [("zoom-in", "＋", 1.0 / ZOOM_STEP, t("zoom.in")), ("zoom-out", "−", ZOOM_STEP, t("zoom.out"))]
            {
                let button = egui::Button::new(egui::RichText::new(text).size(24.0)).min_size(size);
                let response = ui.add(button).on_hover_text(hint);
                rects.note(name, response.rect);
                if response.clicked() {
                    *zoom = zoom.times(factor);
                }
            }
        },
    );
    Ok(())
}

fn follow_player(
    time: Res<Time>,
    town: Res<Town>,
    zoom: Res<Zoom>,
    rects: Res<ControlRects>,
    window: Single<&Window, With<PrimaryWindow>>,
    player: Single<&Transform, (With<LocalPlayer>, Without<TownCamera>)>,
    camera: Single<(&mut Transform, &mut Projection), With<TownCamera>>,
) {
    let (mut transform, mut projection) = camera.into_inner();
    let (width, height) = town.0.size();
    let map = Vec2::new(width, height);
    // The town shows below the top bar: the map fills that part, and may slide under the bar so
    // that its top row (the gallery's screens, the halls' stages) shows just below it.
    let bar = rects.top_bar_bottom();
    let scale = scale_for(*zoom, Vec2::new(window.width(), (window.height() - bar).max(1.0)), map);
    if let Projection::Orthographic(orthographic) = &mut *projection
        && orthographic.scale != scale
    {
        orthographic.scale = scale;
    }
    let blend = 1.0 - (-FOLLOW_RATE * time.delta_secs()).exp();
    let target = player.translation.truncate();
    let under_bar = Vec2::new(map.x, map.y + bar * scale);
    let at = held_on_map(transform.translation.truncate().lerp(target, blend), window.size() * scale, under_bar);
    transform.translation.x = at.x;
    transform.translation.y = at.y;
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

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: Vec2 = Vec2::new(1536.0, 832.0);

    #[test]
    fn the_view_stays_on_the_map_and_centres_an_axis_it_does_not_fill() {
        let view = Vec2::new(1280.0, 800.0);
        assert_eq!(held_on_map(Vec2::new(10.0, 10.0), view, MAP), Vec2::new(640.0, 400.0), "a corner");
        assert_eq!(held_on_map(Vec2::new(1530.0, 830.0), view, MAP), Vec2::new(896.0, 432.0), "the other corner");
        assert_eq!(held_on_map(Vec2::new(700.0, 420.0), view, MAP), Vec2::new(700.0, 420.0), "inside: left alone");
        let wide = Vec2::new(2000.0, 600.0);
        assert_eq!(held_on_map(Vec2::new(100.0, 100.0), wide, MAP), Vec2::new(768.0, 300.0));
    }

    #[test]
    fn a_screen_larger_than_the_map_is_zoomed_in_until_the_map_fills_it() {
        // A phone shows the map at the person's zoom.
        assert_eq!(scale_for(Zoom(1.0), Vec2::new(390.0, 844.0), MAP), 832.0 / 844.0);
        assert_eq!(scale_for(Zoom(0.5), Vec2::new(390.0, 844.0), MAP), 0.5);
        // A large screen: no farther than the map's height allows, whatever was asked.
        assert_eq!(scale_for(Zoom(2.0), Vec2::new(1920.0, 1080.0), MAP), 832.0 / 1080.0);
        assert_eq!(scale_for(Zoom(1.0), Vec2::new(1280.0, 800.0), MAP), 1.0);
    }

    #[test]
    fn zoom_stays_within_its_limits() {
        assert_eq!(Zoom(1.0).times(10.0), Zoom(ZOOM_FARTHEST));
        assert_eq!(Zoom(1.0).times(0.01), Zoom(ZOOM_CLOSEST));
        assert_eq!(Zoom(1.0).times(ZOOM_STEP), Zoom(ZOOM_STEP));
    }
}
