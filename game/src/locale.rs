//! The language the town speaks to this person (日本語 or English): every word the client shows
//! comes from `assets/locales/` through [`t`] and [`tf`]. The choice starts from the browser's
//! languages, is kept by the browser once made in 設定, and applies from the next frame (egui
//! draws every frame; the page's own text is re-worded by the web glue when it changes).

use std::fmt::Display;
use std::sync::atomic::{AtomicU8, Ordering};

use bevy::prelude::*;
use bevy_egui::egui;
pub use protocol::locale::{Lang, Phrase};

use crate::ui::ControlRects;

/// The language in use, for the whole page (one person, one language at a time). Kept outside
/// the ECS so that every drawing function can word its text without one more parameter.
static CURRENT: AtomicU8 = AtomicU8::new(0);

/// The language chosen; changing it re-words the town.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Language(pub Lang);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Language>().add_systems(PreUpdate, follow_choice.run_if(resource_changed::<Language>));
}

fn follow_choice(language: Res<Language>) {
    set_current(language.0);
}

/// Makes `lang` the language of [`t`] and [`tf`].
pub fn set_current(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

/// The language in use.
pub fn current() -> Lang {
    if CURRENT.load(Ordering::Relaxed) == Lang::En as u8 { Lang::En } else { Lang::Ja }
}

/// The text for `key` in the language in use.
pub fn t(key: &str) -> &'static str {
    current().text(key)
}

/// The text for `key` in the language in use, with each `{name}` filled in.
pub fn tf(key: &str, values: &[(&str, &dyn Display)]) -> String {
    current().fill(key, values)
}

/// A phrase the server worded in every language, in the language in use.
pub fn said(phrase: &Phrase) -> &str {
    phrase.get(current())
}

/// The Japanese text for `key`: the names controls are noted by (tests find them by it),
/// whatever language the person reads.
pub fn ja(key: &str) -> &'static str {
    Lang::Ja.text(key)
}

/// The 「言語」 row of the settings window: one button per language, in its own name.
pub fn language_section(ui: &mut egui::Ui, language: &mut Language, rects: &mut ControlRects) {
    ui.horizontal_wrapped(|ui| {
        ui.label(t("lang.label"));
        for lang in Lang::ALL {
            let button = ui.add(egui::Button::new(lang.own_name()).selected(language.0 == lang));
            rects.note(format!("lang:{}", lang.code()), button.rect);
            if button.clicked() && language.0 != lang {
                language.0 = lang;
            }
        }
    });
}
