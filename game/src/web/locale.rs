//! The language in the browser: chosen at start from what was kept (`localStorage`) or else from
//! `navigator.languages`; when it changes, kept again (and in a cookie, so the server's own pages
//! speak it too), set on `<html lang>`, and the page's own text re-worded: each element marked
//! `data-i18n` (text), `data-i18n-placeholder` or `data-i18n-label` (`aria-label`) takes the
//! catalogue's text for its key.

use bevy::prelude::*;
use protocol::locale::{LANG_COOKIE, Lang};
use wasm_bindgen::JsCast;

use super::comfort::{call, storage};
use crate::locale::{Language, set_current};

pub fn plugin(app: &mut App) {
    app.add_systems(PreStartup, load).add_systems(Update, keep.run_if(resource_changed::<Language>));
}

fn load(mut language: ResMut<Language>) {
    let kept = storage()
        .and_then(|storage| call(&storage, "getItem", &[LANG_COOKIE.into()]))
        .and_then(|value| value.as_string())
        .and_then(|tag| Lang::from_tag(&tag));
    let lang = kept.unwrap_or_else(|| {
        let languages = web_sys::window()
            .map(|window| window.navigator().languages().iter().filter_map(|tag| tag.as_string()).collect::<Vec<_>>())
            .unwrap_or_default();
        Lang::from_preferences(languages.iter().map(String::as_str))
    });
    language.0 = lang;
    set_current(lang);
}

fn keep(language: Res<Language>) {
    let code = language.0.code();
    if let Some(storage) = storage() {
        let _ = call(&storage, "setItem", &[LANG_COOKIE.into(), code.into()]);
    }
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let cookie = format!("{LANG_COOKIE}={code}; path=/; max-age=31536000; SameSite=Lax");
    let _ = js_sys::Reflect::set(&document, &"cookie".into(), &cookie.into());
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("lang", code);
    }
    document.set_title(language.0.text("page.title"));
    reword(&document, language.0);
}

/// Re-words every marked element of the page in `lang`.
fn reword(document: &web_sys::Document, lang: Lang) {
    for (attribute, target) in
        [("data-i18n", None), ("data-i18n-placeholder", Some("placeholder")), ("data-i18n-label", Some("aria-label"))]
    {
        let Some(found) = call(document, "querySelectorAll", &[format!("[{attribute}]").into()]) else { continue };
        let found: js_sys::Array = js_sys::Array::from(&found);
        for element in found.iter().filter_map(|node| node.dyn_into::<web_sys::Element>().ok()) {
            let Some(key) = element.get_attribute(attribute) else { continue };
            let text = lang.text(&key);
            match target {
                None => element.set_text_content(Some(text)),
                Some(name) => {
                    let _ = element.set_attribute(name, text);
                }
            }
        }
    }
}
