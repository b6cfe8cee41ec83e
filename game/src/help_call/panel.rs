//! What a person sees of calls for help (egui, Japanese): their own call with its answers, and,
//! for staff and counselors, the calls waiting with 返事を書く, 相談室へ招く and 対応済み.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use protocol::{HelpRequest, HelpStatus, ParticipantId};

use super::{AskHelp, HelpCalls, HelpReplyDraft, MyHelpCall, answers_calls};
use crate::locale::{said, t, tf};
use crate::places::booth::MyDesk;
use crate::presence::Me;
use crate::screens::Screen;
use crate::ui::{ControlRects, side_panel};

/// Height kept for the answer's text field (a DOM input placed over it).
const FIELD_HEIGHT: f32 = 34.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        (my_call_panel, calls_panel)
            .chain()
            .after(crate::ui::UiSet)
            .run_if(in_state(Screen::Town))
            .run_if(resource_exists::<Me>),
    );
}

fn panel(title: impl Into<egui::WidgetText>, rects: &ControlRects) -> egui::Window<'static> {
    side_panel(title, Align2::LEFT_TOP, rects)
}

/// Our own call: that it went to staff only, who noticed, what they wrote; 取り消す / 閉じる.
fn my_call_panel(
    mut contexts: EguiContexts,
    mut mine: ResMut<MyHelpCall>,
    mut ask: MessageWriter<AskHelp>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    if !mine.is_active() {
        return Ok(());
    }
    let (mut withdraw, mut close) = (false, false);
    panel(t("help.title"), &rects).show(contexts.ctx_mut()?, |ui| {
        match &mine.status {
            Some(HelpStatus::Waiting) => {
                ui.label(t("help.sent"));
                ui.label(t("help.wait"));
            }
            Some(HelpStatus::Answered { by }) => {
                ui.label(tf("help.noticed", &[("name", &by)]));
            }
            None => {}
        }
        for (from, text) in &mine.replies {
            ui.label(RichText::new(tf("help.reply_from", &[("name", &from), ("text", &text)])).strong());
        }
        if mine.status.is_some() {
            withdraw = rects.button(ui, "help-withdraw", t("common.withdraw"));
        } else {
            close = rects.button(ui, "help-close", t("common.close"));
        }
    });
    if withdraw {
        ask.write(AskHelp(HelpRequest::Withdraw));
        mine.replies.clear();
    }
    if close {
        mine.replies.clear();
    }
    Ok(())
}

/// Staff and counselors: the calls waiting, oldest first, and their answers.
fn calls_panel(
    mut contexts: EguiContexts,
    me: Res<Me>,
    calls: Res<HelpCalls>,
    desk: Res<MyDesk>,
    mut draft: ResMut<HelpReplyDraft>,
    mut replying: Local<Option<ParticipantId>>,
    mut ask: MessageWriter<AskHelp>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    if !answers_calls(me.role) || calls.0.is_empty() {
        *replying = None;
        return Ok(());
    }
    if replying.is_some_and(|id| calls.0.iter().all(|call| call.person != id)) {
        *replying = None;
    }
    let mut asks = Vec::new();
    let title = tf("help.calls", &[("count", &calls.0.len())]);
    panel(title, &rects).show(contexts.ctx_mut()?, |ui| {
        ui.label(t("help.calls.private"));
        for call in &calls.0 {
            ui.separator();
            let when = if call.minutes == 0 {
                t("help.just_now").to_owned()
            } else {
                tf("help.minutes_ago", &[("minutes", &call.minutes)])
            };
            ui.label(
                RichText::new(tf(
                    "help.call_line",
                    &[("name", &call.nickname), ("place", &said(&call.place)), ("when", &when)],
                ))
                .strong(),
            );
            if let Some(by) = &call.answered_by {
                ui.colored_label(Color32::from_rgb(46, 112, 80), tf("help.handled_by", &[("name", &by)]));
            }
            let id = call.person.0;
            if *replying == Some(call.person) {
                ui.label(t("help.reply.label"));
                let (field, _) =
                    ui.allocate_exact_size(egui::vec2(ui.available_width(), FIELD_HEIGHT), egui::Sense::hover());
                rects.note("help-reply", field);
                ui.horizontal(|ui| {
                    if rects.button(ui, "help-send", t("help.send")) && !draft.0.trim().is_empty() {
                        asks.push(HelpRequest::Reply { person: call.person, text: std::mem::take(&mut draft.0) });
                        *replying = None;
                    }
                    if rects.button(ui, "help-cancel", t("common.cancel")) {
                        draft.0.clear();
                        *replying = None;
                    }
                });
            }
            ui.horizontal_wrapped(|ui| {
                if *replying != Some(call.person) && rects.button(ui, &format!("help-reply:{id}"), t("help.reply")) {
                    draft.0.clear();
                    *replying = Some(call.person);
                }
                if desk.0.is_some() && rects.button(ui, &format!("help-invite:{id}"), t("help.invite")) {
                    asks.push(HelpRequest::Invite { person: call.person });
                }
                if rects.button(ui, &format!("help-done:{id}"), t("help.done")) {
                    asks.push(HelpRequest::Done { person: call.person });
                }
            });
        }
    });
    for request in asks {
        ask.write(AskHelp(request));
    }
    Ok(())
}
