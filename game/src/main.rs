//! Entry point of the ibasho client.

use bevy::prelude::*;
use ibasho_game::AppPlugin;

fn main() {
    App::new().add_plugins(AppPlugin).run();
}
