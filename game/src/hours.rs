//! Open hours on the client: today's hours in the top bar and on the guide board, the gentle
//! notices before closing (dismissable), and the words of the page once ibasho has closed.
//! The server works the hours out and sees participants out; this only shows them.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use protocol::HoursView;

use crate::locale::{said, t, tf};
use crate::screens::Screen;
use crate::ui::ControlRects;

/// The open hours as the server last sent them.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct TownHours(pub HoursView);

impl TownHours {
    /// The guide board's lines about the hours (none when no hours are set).
    pub fn board_lines(&self) -> Vec<String> {
        if !self.0.set {
            return Vec::new();
        }
        let mut lines = vec![tf("hours.today", &[("hours", &said(&self.0.today))])];
        if !self.0.schedule.is_empty() {
            let days: Vec<&str> = self.0.schedule.iter().map(said).collect();
            lines.push(tf("hours.days", &[("days", &days.join(t("list.slash")))]));
        }
        lines
    }
}

/// The notice that ibasho closes soon, until it is closed.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct ClosingNotice(pub Option<String>);

/// The notice's words for `minutes` before closing at `at`.
pub fn closing_text(minutes: u32, at: &str) -> String {
    tf("hours.closing", &[("minutes", &minutes), ("at", &at)])
}

/// What the page says once ibasho has closed for the day (or is closed as it opens).
pub fn closed_text(hours: &HoursView) -> String {
    let next = match &hours.next_opening {
        Some(next) => tf("hours.next", &[("next", &said(next))]),
        None => t("hours.next_unknown").to_owned(),
    };
    tf("hours.closed", &[("next", &next)])
}

/// The hours' state (runs headless).
pub fn plugin(app: &mut App) {
    app.init_resource::<TownHours>().init_resource::<ClosingNotice>();
}

/// The closing notice (egui).
pub fn render_plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, closing_notice.after(crate::ui::UiSet).run_if(in_state(Screen::Town)));
}

fn closing_notice(
    mut contexts: EguiContexts,
    mut notice: ResMut<ClosingNotice>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    let Some(text) = notice.0.clone() else { return Ok(()) };
    if crate::ui::notice_window(contexts.ctx_mut()?, &mut rects, "closing-notice", t("hours.closing.title"), &text) {
        notice.0 = None;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::locale::Phrase;

    #[test]
    fn the_board_and_the_closed_page_read_the_hours() {
        assert!(TownHours::default().board_lines().is_empty(), "no hours set: nothing about them");
        let hours = HoursView {
            set: true,
            today: Phrase::same("本日 13:00〜21:00"),
            schedule: vec![Phrase::same("第2・3・4水曜 13:00〜21:00"), Phrase::same("第1土曜 10:00〜18:00")],
            next_opening: Some(Phrase::same("12月9日（水）13:00")),
            closes_at: None,
        };
        assert_eq!(
            TownHours(hours.clone()).board_lines(),
            ["開所時間：本日 13:00〜21:00", "開所日：第2・3・4水曜 13:00〜21:00／第1土曜 10:00〜18:00"]
        );
        assert!(closed_text(&hours).contains("次に開くのは 12月9日（水）13:00 です。"));
        assert!(closing_text(5, "21:00").starts_with("あと5分で閉まります（21:00まで）"));
    }
}
