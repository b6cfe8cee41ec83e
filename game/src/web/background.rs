//! A tab in the background: frames keep coming from a timer (see `index.html`), so presence and
//! voice go on following people; drawing stops, since nobody can see it.

use bevy::prelude::*;

pub fn plugin(app: &mut App) {
    app.add_systems(Update, draw_only_while_visible);
}

fn draw_only_while_visible(mut cameras: Query<&mut Camera>) {
    let hidden = web_sys::window().and_then(|window| window.document()).is_some_and(|document| document.hidden());
    for mut camera in &mut cameras {
        if camera.is_active == hidden {
            camera.is_active = !hidden;
        }
    }
}
