//! Comfort settings, kept by the browser: 「おだやかモード」 (low stimulus: no speaking rings, avatars
//! glide without stepping, softer colours; on by default when the browser asks for reduced
//! motion), the text size in three steps (egui's text and the page's own alike), high contrast,
//! and the town's small touches (shadows, a light on one's place), which can be turned off, and
//! walking with a thumb stick. The settings window's 「見え方」 and 「操作」 sections change them.

use bevy::prelude::*;
use bevy_egui::egui;
use serde::{Deserialize, Serialize};

use crate::locale::t;
use crate::ui::ControlRects;

/// How the town is shown to this person.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comfort {
    /// 「おだやかモード」: fewer moving and bright things.
    pub calm: bool,
    /// How large text is.
    pub text: TextSize,
    /// Black on white, with strong edges.
    pub high_contrast: bool,
    /// Small touches: soft shadows under avatars, a gentle light on the place one is in.
    #[serde(default = "on")]
    pub ambient: bool,
    /// Walking with a thumb stick on the screen (for touch screens), besides tapping.
    #[serde(default)]
    pub joystick: bool,
}

fn on() -> bool {
    true
}

impl Default for Comfort {
    fn default() -> Self {
        Comfort { calm: false, text: TextSize::Standard, high_contrast: false, ambient: true, joystick: false }
    }
}

/// The three text sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TextSize {
    /// 16 px body text.
    #[default]
    Standard,
    /// 20 px.
    Large,
    /// 24 px.
    Larger,
}

impl TextSize {
    /// All steps, smallest first.
    pub const ALL: [TextSize; 3] = [TextSize::Standard, TextSize::Large, TextSize::Larger];

    /// How much larger than standard.
    pub fn scale(self) -> f32 {
        match self {
            TextSize::Standard => 1.0,
            TextSize::Large => 1.25,
            TextSize::Larger => 1.5,
        }
    }

    /// Its name in the settings.
    pub fn label(self) -> &'static str {
        t(self.key())
    }

    /// Its Japanese name, which its button is noted by.
    pub fn name_ja(self) -> &'static str {
        crate::locale::ja(self.key())
    }

    fn key(self) -> &'static str {
        match self {
            TextSize::Standard => "comfort.size.standard",
            TextSize::Large => "comfort.size.large",
            TextSize::Larger => "comfort.size.larger",
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Comfort>();
}

/// The 「見え方」 and 「操作」 sections of the settings window.
pub fn comfort_section(ui: &mut egui::Ui, comfort: &mut Comfort, rects: &mut ControlRects) {
    ui.separator();
    ui.strong(t("comfort.look"));
    toggle(ui, rects, ("comfort-calm", &mut comfort.calm), t("comfort.calm"), t("comfort.calm.hint"));
    ui.horizontal_wrapped(|ui| {
        ui.label(t("comfort.text_size"));
        for size in TextSize::ALL {
            let button = ui.add(egui::Button::new(size.label()).selected(comfort.text == size));
            rects.note(format!("text-size:{}", size.name_ja()), button.rect);
            if button.clicked() {
                comfort.text = size;
            }
        }
    });
    toggle(ui, rects, ("comfort-contrast", &mut comfort.high_contrast), t("comfort.contrast"), "");
    toggle(ui, rects, ("comfort-ambient", &mut comfort.ambient), t("comfort.ambient"), "");
    ui.strong(t("comfort.controls"));
    toggle(ui, rects, ("comfort-joystick", &mut comfort.joystick), t("comfort.joystick"), t("comfort.joystick.hint"));
}

/// One setting's checkbox, noted as the control `name`, with an optional hint.
fn toggle(ui: &mut egui::Ui, rects: &mut ControlRects, (name, setting): (&str, &mut bool), text: &str, hint: &str) {
    let mut value = *setting;
    let mut response = ui.checkbox(&mut value, text);
    if !hint.is_empty() {
        response = response.on_hover_text(hint);
    }
    rects.note(name, response.rect);
    // Written back only when changed: a write every frame would look like a change every frame.
    if value != *setting {
        *setting = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_survive_a_trip_through_storage() {
        let chosen =
            Comfort { calm: true, text: TextSize::Larger, high_contrast: true, ambient: false, joystick: true };
        let kept: Comfort = serde_json::from_str(&serde_json::to_string(&chosen).expect("json")).expect("back");
        assert_eq!(kept, chosen);
        assert_eq!(TextSize::ALL.map(TextSize::scale), [1.0, 1.25, 1.5]);
        // Settings kept before the touches existed still read, with the touches on.
        let older: Comfort =
            serde_json::from_str(r#"{"calm":false,"text":"Large","high_contrast":false}"#).expect("older");
        assert!(older.ambient && !older.joystick && older.text == TextSize::Large);
    }
}
