//! A tab in the background: frames keep coming from a timer (see `index.html`), so presence and
//! voice go on following people; drawing stops, since nobody can see it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Whether the page is hidden, as the browser's `visibilitychange` events last said.
#[derive(Resource, Clone, Default)]
struct PageHidden(Arc<AtomicBool>);

pub fn plugin(app: &mut App) {
    let hidden = PageHidden::default();
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        hidden.0.store(document.hidden(), Ordering::Relaxed);
        let flag = hidden.0.clone();
        let document_for_event = document.clone();
        let on_change = Closure::<dyn FnMut()>::new(move || flag.store(document_for_event.hidden(), Ordering::Relaxed));
        let _ = document.add_event_listener_with_callback("visibilitychange", on_change.as_ref().unchecked_ref());
        on_change.forget();
    }
    app.insert_resource(hidden).add_systems(Update, draw_only_while_visible);
}

fn draw_only_while_visible(hidden: Res<PageHidden>, mut cameras: Query<&mut Camera>) {
    let hidden = hidden.0.load(Ordering::Relaxed);
    for mut camera in &mut cameras {
        if camera.is_active == hidden {
            camera.is_active = !hidden;
        }
    }
}
