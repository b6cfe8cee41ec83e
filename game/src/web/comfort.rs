//! The comfort settings in the browser: read from `localStorage` at start (or, the first time,
//! おだやかモード from `prefers-reduced-motion`), written back when changed, and the page's own
//! text (chat, banners) sized and coloured to match through classes on `<html>`.

use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::comfort::{Comfort, TextSize};

/// Where the settings are kept.
const KEY: &str = "ibasho-comfort";

pub fn plugin(app: &mut App) {
    app.add_systems(PreStartup, load).add_systems(Update, keep.run_if(resource_changed::<Comfort>));
}

/// Calls `target.name(argument)` through JS (the client needs no more of web-sys for it).
pub(super) fn call(target: &JsValue, name: &str, arguments: &[JsValue]) -> Option<JsValue> {
    let function = js_sys::Reflect::get(target, &name.into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    let arguments: js_sys::Array = arguments.iter().collect();
    function.apply(target, &arguments).ok()
}

pub(super) fn storage() -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    js_sys::Reflect::get(&window, &"localStorage".into()).ok().filter(|value| !value.is_null())
}

fn load(mut comfort: ResMut<Comfort>) {
    let kept = storage()
        .and_then(|storage| call(&storage, "getItem", &[KEY.into()]))
        .and_then(|value| value.as_string())
        .and_then(|text| serde_json::from_str::<Comfort>(&text).ok());
    *comfort = kept.unwrap_or_else(|| Comfort { calm: reduced_motion(), ..Comfort::default() });
}

/// Whether the browser asks for reduced motion (`prefers-reduced-motion: reduce`).
fn reduced_motion() -> bool {
    let Some(window) = web_sys::window() else { return false };
    call(&window, "matchMedia", &["(prefers-reduced-motion: reduce)".into()])
        .and_then(|query| js_sys::Reflect::get(&query, &"matches".into()).ok())
        .and_then(|matches| matches.as_bool())
        .unwrap_or(false)
}

fn keep(comfort: Res<Comfort>) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(&*comfort)) {
        let _ = call(&storage, "setItem", &[KEY.into(), text.into()]);
    }
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else { return };
    let classes = root.class_list();
    let size = match comfort.text {
        TextSize::Standard => "text-standard",
        TextSize::Large => "text-large",
        TextSize::Larger => "text-larger",
    };
    let _ = classes.remove_3("text-standard", "text-large", "text-larger");
    let _ = classes.add_1(size);
    let _ = classes.toggle_with_force("calm", comfort.calm);
    let _ = classes.toggle_with_force("high-contrast", comfort.high_contrast);
}
