//! What a person sees of a hall's tables (egui, Japanese): the table they sit at and what that
//! means, each table's group label over it in the hall, and for facilitators the groups to
//! type (in the page's own IME-safe field) and a label to give each table.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, FontId, RichText, Stroke};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use protocol::{HallRequest, HallView};

use super::hall::MyHall;
use super::tables::{GroupsDraft, parse_groups};
use crate::camera::TownCamera;
use crate::locale::{t, tf};
use crate::map::{Town, to_vec2};
use crate::presence::Me;
use crate::screens::Screen;
use crate::ui::ControlRects;

/// Height kept in the panel for the page's groups field, in points.
const FIELD_HEIGHT: f32 = 34.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        table_labels.after(crate::ui::UiSet).run_if(in_state(Screen::Town)).run_if(resource_exists::<Me>),
    );
}

/// 「テーブル2（30代）」.
fn table_name(index: u32, label: Option<&str>) -> String {
    match label {
        Some(label) => tf("tables.name.label", &[("number", &(index + 1)), ("label", &label)]),
        None => tf("tables.name", &[("number", &(index + 1))]),
    }
}

/// The tables' part of the hall panel. `problem` keeps the last thing to fix in the typed groups.
pub fn tables_section(
    ui: &mut egui::Ui,
    view: &HallView,
    draft: &GroupsDraft,
    problem: &mut Option<&'static str>,
    rects: &mut ControlRects,
    asked: &mut Vec<HallRequest>,
) {
    if view.tables.is_empty() {
        return;
    }
    ui.separator();
    match view.my_table.and_then(|index| view.tables.get(index as usize)) {
        Some(table) => {
            ui.label(
                RichText::new(tf("tables.at", &[("table", &table_name(table.index, table.label.as_deref()))])).strong(),
            );
            ui.label(t("tables.explain.at"));
        }
        None => {
            ui.label(t("tables.explain"));
        }
    }
    if !view.may_facilitate {
        return;
    }
    ui.add_space(4.0);
    ui.label(t("tables.groups.explain"));
    let (field, _) = ui.allocate_exact_size(egui::vec2(ui.available_width(), FIELD_HEIGHT), egui::Sense::hover());
    rects.note("hall-groups", field);
    if rects.button(ui, "hall-set-groups", t("tables.groups.set")) {
        match parse_groups(&draft.0) {
            Ok(labels) => {
                *problem = None;
                asked.push(HallRequest::SetGroups { labels });
            }
            Err(why) => *problem = Some(why),
        }
    }
    if let Some(why) = problem {
        ui.label(RichText::new(*why).color(Color32::from_rgb(160, 40, 40)));
    }
    if view.groups.is_empty() {
        return;
    }
    for table in &view.tables {
        ui.label(tf("tables.count", &[("table", &table_name(table.index, None)), ("count", &table.people)]));
        ui.horizontal_wrapped(|ui| {
            for label in view.groups.iter().map(Some).chain([None]) {
                let chosen = table.label.as_ref() == label;
                let text = label.map_or(t("tables.none"), String::as_str);
                let response = ui.selectable_label(chosen, text);
                let name = label.map_or(crate::locale::ja("tables.none"), String::as_str);
                rects.note(format!("hall-table:{}:{}", table.index + 1, name), response.rect);
                if response.clicked() && !chosen {
                    asked.push(HallRequest::LabelTable { table: table.index, label: label.cloned() });
                }
            }
        });
    }
}

/// Each table of our hall shows its number and group over it.
fn table_labels(
    mut contexts: EguiContexts,
    hall: Res<MyHall>,
    town: Res<Town>,
    camera: Single<(&Camera, &GlobalTransform), With<TownCamera>>,
) -> Result {
    let Some(view) = &hall.0 else { return Ok(()) };
    let Some(place) = town.0.place(&view.hall) else { return Ok(()) };
    if place.tables.is_empty() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let painter = ctx.layer_painter(egui::LayerId::background());
    let (camera, camera_transform) = *camera;
    let map = &town.0;
    for (table, area) in view.tables.iter().zip(&place.tables) {
        let top_left = to_vec2(map.tile_center(area.col, area.row));
        let center = top_left
            + Vec2::new(
                (area.width as f32 - 1.0) * map.tile_size / 2.0,
                -(area.height as f32 - 1.0) * map.tile_size / 2.0,
            );
        let Ok(at) = camera.world_to_viewport(camera_transform, center.extend(0.0)) else { continue };
        let text = table_name(table.index, table.label.as_deref());
        let galley = painter.layout_no_wrap(text, FontId::proportional(13.0), Color32::from_rgb(40, 30, 20));
        let rect = Align2::CENTER_CENTER.anchor_size(egui::pos2(at.x, at.y), galley.size()).expand(4.0);
        let mine = view.my_table == Some(table.index);
        let fill =
            if mine { Color32::from_rgb(226, 242, 230) } else { Color32::from_rgba_unmultiplied(255, 250, 238, 230) };
        painter.rect_filled(rect, 5.0, fill);
        painter.rect_stroke(rect, 5.0, Stroke::new(1.0, Color32::from_rgb(150, 120, 80)), egui::StrokeKind::Outside);
        painter.galley(rect.min + egui::vec2(4.0, 4.0), galley, Color32::BLACK);
    }
    Ok(())
}
