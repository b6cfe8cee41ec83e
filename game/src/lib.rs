//! The ibasho client library: every plugin of the town.
//!
//! `core_plugin` holds everything that does not draw (map, movement, presence, chat, the
//! participation ladder, the voice rules) and runs
//! headless in tests with `MinimalPlugins`; `AppPlugin` adds the window, rendering, egui and,
//! in the browser, the web glue (WebSocket, matchbox peers, DOM chat input, test snapshot).

pub mod assets;
pub mod avatar;
pub mod camera;
pub mod care;
pub mod chat;
pub mod comfort;
pub mod connection;
pub mod devices;
pub mod do_not_disturb;
pub mod help_call;
pub mod hours;
pub mod interest;
pub mod joystick;
pub mod labels;
pub mod locale;
pub mod map;
pub mod movement;
pub mod participation;
pub mod pathfinding;
pub mod places;
pub mod presence;
pub mod programs;
pub mod safety;
pub mod screens;
pub mod theme;
pub mod town_look;
pub mod ui;
pub mod voice;
#[cfg(target_arch = "wasm32")]
pub mod web;

use bevy::asset::AssetMetaCheck;
use bevy::prelude::*;

/// The whole client as it runs in the browser.
pub struct AppPlugin;

impl Plugin for AppPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins(
            DefaultPlugins
                .set(WindowPlugin {
                    primary_window: Some(Window {
                        title: "ibasho".into(),
                        canvas: Some("#town".into()),
                        fit_canvas_to_parent: true,
                        prevent_default_event_handling: true,
                        ..default()
                    }),
                    ..default()
                })
                // The server answers 404 for `.meta` files; do not ask for them.
                .set(AssetPlugin { meta_check: AssetMetaCheck::Never, ..default() })
                .set(ImagePlugin::default_nearest()),
        );
        app.add_plugins(bevy_egui::EguiPlugin::default());
        app.insert_resource(ClearColor(Color::srgb(0.16, 0.18, 0.17)));
        app.add_plugins((
            core_plugin,
            avatar::render_plugin,
            town_look::plugin,
            theme::plugin,
            camera::plugin,
            ui::plugin,
            places::render_plugin,
            help_call::render_plugin,
            programs::render_plugin,
            hours::render_plugin,
            care::render_plugin,
            (connection::render_plugin, interest::render_plugin),
        ));
        #[cfg(target_arch = "wasm32")]
        app.add_plugins(web::plugin);
    }
}

/// Everything that does not draw: the map, movement, presence and chat. Needs `AssetPlugin`
/// and a `presence::ServerLink` resource; runs with `MinimalPlugins` in tests.
pub fn core_plugin(app: &mut App) {
    app.add_plugins((
        screens::plugin,
        assets::plugin,
        map::plugin,
        movement::plugin,
        presence::plugin,
        chat::plugin,
        participation::plugin,
        voice::plugin,
        devices::plugin,
        places::plugin,
        help_call::plugin,
        programs::plugin,
        hours::plugin,
        connection::plugin,
        (
            safety::plugin,
            care::plugin,
            do_not_disturb::plugin,
            comfort::plugin,
            interest::plugin,
            joystick::plugin,
            locale::plugin,
        ),
    ));
}
