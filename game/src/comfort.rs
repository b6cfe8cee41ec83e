//! Comfort settings, kept by the browser: 「おだやかモード」 (low stimulus: no speaking rings, avatars
//! glide without stepping, softer colours; on by default when the browser asks for reduced
//! motion), the text size in three steps (egui's text and the page's own alike), high contrast,
//! and the town's small touches (shadows, a light on one's place), which can be turned off. The
//! settings window's 「見え方」 section changes them.

use bevy::prelude::*;
use bevy_egui::egui;
use serde::{Deserialize, Serialize};

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
}

fn on() -> bool {
    true
}

impl Default for Comfort {
    fn default() -> Self {
        Comfort { calm: false, text: TextSize::Standard, high_contrast: false, ambient: true }
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
        match self {
            TextSize::Standard => "標準",
            TextSize::Large => "大きめ",
            TextSize::Larger => "特大",
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Comfort>();
}

/// The 「見え方」 section of the settings window.
pub fn comfort_section(ui: &mut egui::Ui, comfort: &mut Comfort, rects: &mut ControlRects) {
    ui.separator();
    ui.strong("見え方");
    let mut calm = comfort.calm;
    let calm_box = ui
        .checkbox(&mut calm, "おだやかモード（動きと色をひかえめに）")
        .on_hover_text("話している人の輪や歩く動きを止め、色をやわらげます");
    rects.note("comfort-calm", calm_box.rect);
    ui.horizontal_wrapped(|ui| {
        ui.label("文字の大きさ：");
        for size in TextSize::ALL {
            let button = ui.add(egui::Button::new(size.label()).selected(comfort.text == size));
            rects.note(format!("text-size:{}", size.label()), button.rect);
            if button.clicked() {
                comfort.text = size;
            }
        }
    });
    let mut contrast = comfort.high_contrast;
    let contrast_box = ui.checkbox(&mut contrast, "コントラストを高くする");
    rects.note("comfort-contrast", contrast_box.rect);
    let mut ambient = comfort.ambient;
    let ambient_box = ui.checkbox(&mut ambient, "町の飾り（足もとの影、いまいる場所の明かり）");
    rects.note("comfort-ambient", ambient_box.rect);
    if ambient != comfort.ambient {
        comfort.ambient = ambient;
    }
    // Written back only when changed: a write every frame would look like a change every frame.
    if calm != comfort.calm {
        comfort.calm = calm;
    }
    if contrast != comfort.high_contrast {
        comfort.high_contrast = contrast;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_survive_a_trip_through_storage() {
        let chosen = Comfort { calm: true, text: TextSize::Larger, high_contrast: true, ambient: false };
        let kept: Comfort = serde_json::from_str(&serde_json::to_string(&chosen).expect("json")).expect("back");
        assert_eq!(kept, chosen);
        assert_eq!(TextSize::ALL.map(TextSize::scale), [1.0, 1.25, 1.5]);
        // Settings kept before the touches existed still read, with the touches on.
        let older: Comfort =
            serde_json::from_str(r#"{"calm":false,"text":"Large","high_contrast":false}"#).expect("older");
        assert!(older.ambient && older.text == TextSize::Large);
    }
}
