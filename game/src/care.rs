//! What staff did about us, as we see it: after staff walked us to the entrance (from
//! いまの様子), their kind word in a small window until we close it. (A held voice is the ladder's:
//! `participation::VoiceHold`.) The server moves us; this only shows the word.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use crate::locale::t;
use crate::screens::Screen;
use crate::ui::ControlRects;

/// Staff's word, until closed.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct StaffWord(pub Option<String>);

/// The word's state (runs headless).
pub fn plugin(app: &mut App) {
    app.init_resource::<StaffWord>();
}

/// The word's window (egui).
pub fn render_plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, staff_word.after(crate::ui::UiSet).run_if(in_state(Screen::Town)));
}

fn staff_word(mut contexts: EguiContexts, mut word: ResMut<StaffWord>, mut rects: ResMut<ControlRects>) -> Result {
    let Some(text) = word.0.clone() else { return Ok(()) };
    if crate::ui::notice_window(contexts.ctx_mut()?, &mut rects, "staff-word", t("care.from_staff"), &text) {
        word.0 = None;
    }
    Ok(())
}
