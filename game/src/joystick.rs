//! The thumb stick, an option (settings 「操作」) for people on a phone or tablet who would rather
//! steer than tap where to go: a ring at the bottom right of the town, left of the zoom buttons.
//! Holding the knob away from the middle walks that way at walking speed; letting go stops.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::comfort::Comfort;
use crate::screens::Screen;
use crate::ui::{ControlRects, UiSet};

/// Radius of the stick's ring, in points: within a thumb's reach, larger than a fingertip.
pub const RING: f32 = 56.0;
/// Radius of the knob, in points.
const KNOB: f32 = 24.0;
/// Pushed less than this part of the way out, the stick does not walk (a resting thumb).
const DEAD_ZONE: f32 = 0.25;

/// Where the stick points: x right, y up (the world's way), length 1 while it walks, zero when
/// let go or turned off.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct StickInput(pub Vec2);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<StickInput>()
        .add_systems(EguiPrimaryContextPass, stick.after(UiSet).run_if(in_state(Screen::Town)));
}

/// The walking direction for a knob `offset` from the ring's middle (screen points, y down).
pub fn direction(offset: egui::Vec2) -> Vec2 {
    let pushed = Vec2::new(offset.x, -offset.y) / RING;
    if pushed.length() < DEAD_ZONE { Vec2::ZERO } else { pushed.normalize() }
}

fn stick(
    mut contexts: EguiContexts,
    comfort: Res<Comfort>,
    mut input: ResMut<StickInput>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    if !comfort.joystick {
        if input.0 != Vec2::ZERO {
            input.0 = Vec2::ZERO;
        }
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let beside_zoom = -(10.0 + crate::camera::ZOOM_BUTTON + 16.0);
    egui::Area::new("joystick".into())
        .anchor(egui::Align2::RIGHT_BOTTOM, [beside_zoom, -crate::camera::ZOOM_ABOVE_BOTTOM])
        .show(ctx, |ui| {
            let (rect, response) = ui.allocate_exact_size(egui::vec2(RING * 2.0, RING * 2.0), egui::Sense::drag());
            rects.note("joystick", rect);
            let held = response.is_pointer_button_down_on();
            let offset = held
                .then(|| ui.input(|i| i.pointer.interact_pos()))
                .flatten()
                .map_or(egui::Vec2::ZERO, |at| at - rect.center());
            let walking = if held { direction(offset) } else { Vec2::ZERO };
            if input.0 != walking {
                input.0 = walking;
            }
            let painter = ui.painter();
            let edge = if comfort.high_contrast { egui::Color32::BLACK } else { egui::Color32::from_rgb(90, 80, 64) };
            painter.circle_filled(rect.center(), RING, egui::Color32::from_rgba_unmultiplied(255, 250, 238, 170));
            painter.circle_stroke(rect.center(), RING, egui::Stroke::new(2.0, edge));
            let reach = offset.length().min(RING - KNOB);
            let knob = rect.center() + if reach > 0.0 { offset.normalized() * reach } else { egui::Vec2::ZERO };
            painter.circle_filled(knob, KNOB, egui::Color32::from_rgb(61, 122, 92));
            painter.circle_stroke(knob, KNOB, egui::Stroke::new(2.0, egui::Color32::WHITE));
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stick_walks_where_it_is_pushed_and_rests_in_the_middle() {
        assert_eq!(direction(egui::vec2(5.0, -5.0)), Vec2::ZERO, "a resting thumb");
        assert_eq!(direction(egui::vec2(40.0, 0.0)), Vec2::X, "right");
        assert_eq!(direction(egui::vec2(0.0, -200.0)), Vec2::Y, "up the screen is up the town, however far");
        let diagonal = direction(egui::vec2(-30.0, 30.0));
        assert!((diagonal - Vec2::new(-1.0, -1.0).normalize()).length() < 1e-5, "{diagonal}");
    }
}
