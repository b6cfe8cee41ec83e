//! What a person sees of the programs (egui, Japanese): 「今日のプログラム」 with today's and the
//! coming days' programs and a way to walk there, the gentle notice before one starts, and the
//! sign on a hall's door while a program runs inside.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use protocol::{PlaceKind, ProgramView};

use super::{ProgramNotice, Programs, ProgramsOpen, hall_entrance};
use crate::camera::TownCamera;
use crate::locale::{said, t, tf};
use crate::map::{Town, to_vec2};
use crate::movement::WalkTo;
use crate::presence::Me;
use crate::screens::Screen;
use crate::ui::{ControlRects, side_panel, wall_sign};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        (door_signs, programs_window, notice_window)
            .chain()
            .after(crate::ui::UiSet)
            .run_if(in_state(Screen::Town))
            .run_if(resource_exists::<Me>),
    );
}

/// 「見学のみ歓迎」 and the other notes, in one line.
fn notes_line(program: &ProgramView) -> String {
    let welcome = program.watching_welcome.then_some(t("programs.watching_welcome"));
    [welcome, Some(program.notes.as_str())]
        .into_iter()
        .flatten()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(t("list.slash"))
}

fn programs_window(
    mut contexts: EguiContexts,
    programs: Res<Programs>,
    town: Res<Town>,
    mut open: ResMut<ProgramsOpen>,
    mut walk: MessageWriter<WalkTo>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    if !open.0 {
        return Ok(());
    }
    let mut close = false;
    let shown = side_panel(t("ui.programs"), Align2::RIGHT_TOP, &rects).show(contexts.ctx_mut()?, |ui| {
        if programs.0.is_empty() {
            ui.label(t("programs.none"));
        }
        egui::ScrollArea::vertical().max_height(420.0).show(ui, |ui| {
            for program in &programs.0 {
                let heading = if program.running {
                    tf("programs.running", &[("title", &program.title)])
                } else {
                    program.title.clone()
                };
                ui.label(RichText::new(heading).strong().size(17.0));
                let when = if program.today {
                    tf("programs.today_at", &[("hours", &said(&program.hours))])
                } else {
                    said(&program.when).to_owned()
                };
                ui.label(tf("programs.when_where", &[("when", &when), ("place", &said(&program.hall_name))]));
                if !program.facilitators.is_empty() {
                    ui.label(tf("programs.facilitators", &[("names", &program.facilitators)]));
                }
                let notes = notes_line(program);
                if !notes.is_empty() {
                    ui.label(RichText::new(notes).color(Color32::from_rgb(40, 100, 60)));
                }
                if !program.description.is_empty() {
                    ui.label(&program.description);
                }
                if rects.button(ui, &format!("program-go:{}", program.id), t("programs.go"))
                    && let Some(at) = hall_entrance(&town.0, &program.hall)
                {
                    walk.write(WalkTo(at));
                }
                ui.separator();
            }
        });
        close = rects.button(ui, "programs-close", t("common.close"));
    });
    if let Some(shown) = shown {
        rects.note("programs-panel", shown.response.rect);
    }
    if close {
        open.0 = false;
    }
    Ok(())
}

/// A program starts soon: one calm notice, until it is closed.
fn notice_window(
    mut contexts: EguiContexts,
    mut notice: ResMut<ProgramNotice>,
    town: Res<Town>,
    mut walk: MessageWriter<WalkTo>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    let Some(program) = notice.0.clone() else { return Ok(()) };
    let mut done = false;
    let top = rects.below_top_bar();
    let shown = egui::Window::new(t("programs.soon"))
        .collapsible(false)
        .resizable(false)
        .anchor(Align2::CENTER_TOP, [0.0, top])
        .max_width(360.0)
        .show(contexts.ctx_mut()?, |ui| {
            ui.label(RichText::new(&program.title).strong().size(17.0));
            ui.label(tf("programs.from", &[("hours", &said(&program.hours)), ("place", &said(&program.hall_name))]));
            let notes = notes_line(&program);
            if !notes.is_empty() {
                ui.label(notes);
            }
            ui.label(t("programs.just_look"));
            ui.horizontal(|ui| {
                if rects.button(ui, "program-notice-go", t("programs.try")) {
                    if let Some(at) = hall_entrance(&town.0, &program.hall) {
                        walk.write(WalkTo(at));
                    }
                    done = true;
                }
                if rects.button(ui, "program-notice-close", t("common.close")) {
                    done = true;
                }
            });
        });
    if let Some(shown) = shown {
        rects.note("program-notice", shown.response.rect);
    }
    if done {
        notice.0 = None;
    }
    Ok(())
}

/// While a program runs, its hall's door says so.
fn door_signs(
    mut contexts: EguiContexts,
    town: Res<Town>,
    programs: Res<Programs>,
    camera: Single<(&Camera, &GlobalTransform), With<TownCamera>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let (camera, camera_transform) = *camera;
    let painter = ctx.layer_painter(egui::LayerId::background());
    let map = &town.0;
    for place in map.places.iter().filter(|place| place.kind == PlaceKind::Hall) {
        let Some(program) = programs.running_in(&place.id) else { continue };
        let doors = map.doors(place);
        let Some(last) = doors.last() else { continue };
        // On the wall to the right of the doorway.
        let wall = to_vec2(map.tile_center(last.inside.0 + 1, last.inside.1));
        let Ok(at) = camera.world_to_viewport(camera_transform, wall.extend(0.0)) else { continue };
        let text = tf("programs.on_now", &[("title", &program.title), ("hours", &said(&program.hours))]);
        wall_sign(&painter, egui::pos2(at.x, at.y), text, Color32::from_rgb(176, 84, 40), Color32::WHITE);
    }
    Ok(())
}
