//! The rules and panels of each kind of place, one module each: `booth`, `hall` and a hall's
//! `tables`, `gallery` (logic, headless), `booth_panel`, `hall_panel`, `tables_panel` and
//! `gallery_panel` (what the person sees and clicks).

pub mod booth;
pub mod booth_panel;
pub mod gallery;
pub mod gallery_panel;
pub mod hall;
pub mod hall_panel;
pub mod tables;
pub mod tables_panel;

use bevy::prelude::*;

/// The places' logic (runs headless).
pub(super) fn plugin(app: &mut App) {
    app.add_plugins((booth::plugin, hall::plugin, tables::plugin, gallery::plugin));
}

/// The places' panels and signs (egui).
pub(super) fn render_plugin(app: &mut App) {
    app.add_plugins((booth_panel::plugin, hall_panel::plugin, tables_panel::plugin, gallery_panel::plugin));
}
