//! Marks on the page's performance timeline (`performance.mark`), so that the start-up benchmark
//! can say where the time goes: `ibasho:started` (set by `index.html` once the module is
//! compiled and started), `ibasho:first-frame` when the game runs its first frame, and
//! `ibasho:town` when the town answers (the welcome came and the map is loaded).

use bevy::ecs::schedule::common_conditions::run_once;
use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::screens::Screen;

pub fn plugin(app: &mut App) {
    app.add_systems(Update, (|| mark("ibasho:first-frame")).run_if(run_once))
        .add_systems(OnEnter(Screen::Town), || mark("ibasho:town"));
}

/// `performance.mark(name)`, called through JS so the client needs no more of web-sys.
fn mark(name: &str) {
    let Some(window) = web_sys::window() else { return };
    let Ok(performance) = js_sys::Reflect::get(&window, &"performance".into()) else { return };
    let Ok(mark) = js_sys::Reflect::get(&performance, &"mark".into()) else { return };
    if let Some(mark) = mark.dyn_ref::<js_sys::Function>() {
        let _ = mark.call1(&performance, &JsValue::from_str(name));
    }
}
