//! What a person sees of the hall they stand in (egui, Japanese): who is on the stage, 「手を
//! あげる」 and one's place among the hands, an invitation to speak with a quiet way to decline,
//! one's turn and its end, the reactions anyone may send, and for facilitators the stage, the
//! ordered hands with 「どうぞ」, the speakers with 「終わる」 and 「みなさんのマイクをオフに
//! します」. Reactions float over the avatar that sent them for a moment.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, FontId, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use protocol::{HallRequest, HallView, Reaction, Turn, TurnEnded};

use super::hall::{AskHall, FloatingReactions, MusicMode, MyHall, ShareScreen, TurnNotice, may_reach_hall};
use super::tables::GroupsDraft;
use super::tables_panel::tables_section;
use crate::camera::TownCamera;
use crate::locale::{Lang, current, t, tf};
use crate::map::Town;
use crate::movement::LocalPlayer;
use crate::presence::{Me, People};
use crate::screens::Screen;
use crate::ui::{ControlRects, side_panel};
use crate::voice::Taking;

/// How far above an avatar's feet a reaction floats, in world pixels.
const REACTION_HEIGHT: f32 = 56.0;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        (hall_panel, floating_reactions)
            .chain()
            .after(crate::ui::UiSet)
            .run_if(in_state(Screen::Town))
            .run_if(resource_exists::<Me>),
    );
}

fn hall_panel(
    mut contexts: EguiContexts,
    hall: Res<MyHall>,
    notice: Res<TurnNotice>,
    town: Res<Town>,
    me: Query<&Taking, With<LocalPlayer>>,
    mut asks: MessageWriter<AskHall>,
    mut share: ResMut<ShareScreen>,
    mut music: ResMut<MusicMode>,
    mut rects: ResMut<ControlRects>,
    (groups, mut groups_problem): (Res<GroupsDraft>, Local<Option<&'static str>>),
) -> Result {
    let Some(view) = &hall.0 else { return Ok(()) };
    let may_share = may_reach_hall(hall.0.as_ref());
    let name = town.0.place(&view.hall).map_or(t("hall.name"), |place| place.name_in(current())).to_owned();
    let on_voice = me.single().is_ok_and(|taking| taking.0.sends_audio());
    let mut asked = Vec::new();
    let shown = side_panel(name, Align2::LEFT_TOP, &rects).show(contexts.ctx_mut()?, |ui| {
        match &view.stage {
            Some(person) => ui.label(RichText::new(tf("hall.stage", &[("name", &person.nickname)])).strong()),
            None => ui.label(t("hall.stage.empty")),
        };
        if !view.sfu {
            ui.small(t("hall.no_sfu"));
        }
        ui.separator();
        if view.may_facilitate {
            facilitator(ui, view, on_voice, &mut rects, &mut asked);
            if view.you == Turn::OnStage {
                music_toggle(ui, &mut music, &mut rects);
            }
        } else {
            audience(ui, view, on_voice, &mut rects, &mut asked);
        }
        if may_share {
            ui.add_space(4.0);
            if share.0 {
                ui.label(RichText::new(t("hall.sharing")).strong());
                if rects.button(ui, "hall-stop-share", t("hall.stop_share")) {
                    share.0 = false;
                }
            } else if rects.button(ui, "hall-share-screen", t("hall.share")) {
                share.0 = true;
            }
        }
        if let Some(why) = notice.0 {
            ui.add_space(4.0);
            ui.label(RichText::new(turn_ended(why)).color(Color32::from_rgb(60, 90, 140)));
        }
        tables_section(ui, view, &groups, &mut groups_problem, &mut rects, &mut asked);
        ui.separator();
        ui.label(t("hall.reactions"));
        ui.horizontal_wrapped(|ui| {
            for reaction in Reaction::ALL {
                if rects.button(ui, &format!("hall-react:{}", reaction.label(Lang::Ja)), reaction.label(current())) {
                    asked.push(HallRequest::React { reaction });
                }
            }
        });
    });
    if let Some(shown) = shown {
        rects.note("hall-panel", shown.response.rect);
    }
    for request in asked {
        asks.write(AskHall(request));
    }
    Ok(())
}

fn facilitator(
    ui: &mut egui::Ui,
    view: &HallView,
    on_voice: bool,
    rects: &mut ControlRects,
    asked: &mut Vec<HallRequest>,
) {
    if view.you == Turn::OnStage {
        reach_line(ui, on_voice);
        if rects.button(ui, "hall-leave-stage", t("hall.leave_stage")) {
            asked.push(HallRequest::LeaveStage);
        }
    } else if view.stage.is_none() && rects.button(ui, "hall-take-stage", t("hall.take_stage")) {
        asked.push(HallRequest::TakeStage);
    }
    ui.add_space(4.0);
    if view.queue.is_empty() {
        ui.label(t("hall.no_hands"));
    } else {
        ui.label(tf("hall.queue", &[("count", &view.queue.len())]));
        for person in &view.queue {
            ui.horizontal(|ui| {
                ui.label(tf("person.title", &[("name", &person.nickname)]));
                if rects.button(ui, &format!("hall-grant:{}", person.nickname), t("desk.admit")) {
                    asked.push(HallRequest::Grant { person: person.id });
                }
            });
        }
    }
    for person in &view.speakers {
        ui.horizontal(|ui| {
            ui.label(tf("hall.speaking", &[("name", &person.nickname)]));
            if rects.button(ui, &format!("hall-end:{}", person.nickname), t("hall.end_turn")) {
                asked.push(HallRequest::EndTurn { person: person.id });
            }
        });
    }
    if rects.button(ui, "hall-mute-all", t("hall.mute_all")) {
        asked.push(HallRequest::MuteAll);
    }
    if !view.reactions.is_empty() {
        let counts: Vec<String> = view.reactions.iter().map(|(r, n)| format!("{} {n}", r.label(current()))).collect();
        ui.label(tf("hall.reactions_received", &[("counts", &counts.join(t("hall.reactions_joined")))]));
    }
}

fn audience(
    ui: &mut egui::Ui,
    view: &HallView,
    on_voice: bool,
    rects: &mut ControlRects,
    asked: &mut Vec<HallRequest>,
) {
    match view.you {
        Turn::Listening | Turn::OnStage => {
            if view.hands > 0 {
                ui.label(tf("hall.hands", &[("count", &view.hands)]));
            }
            if rects.button(ui, "hall-raise-hand", t("hall.raise_hand")) {
                asked.push(HallRequest::RaiseHand);
            }
        }
        Turn::HandRaised { ahead } => {
            ui.label(if ahead == 0 {
                t("hall.hand.next").to_owned()
            } else {
                tf("hall.hand.ahead", &[("count", &ahead)])
            });
            if rects.button(ui, "hall-lower-hand", t("hall.lower_hand")) {
                asked.push(HallRequest::LowerHand);
            }
        }
        Turn::Invited => {
            ui.label(t("hall.invited"));
            ui.horizontal(|ui| {
                if rects.button(ui, "hall-accept", t("hall.accept")) {
                    asked.push(HallRequest::AnswerInvitation { accept: true });
                }
                if rects.button(ui, "hall-decline", t("common.not_this_time")) {
                    asked.push(HallRequest::AnswerInvitation { accept: false });
                }
            });
        }
        Turn::Speaking => {
            ui.label(RichText::new(t("hall.your_turn")).strong());
            reach_line(ui, on_voice);
            if rects.button(ui, "hall-lower-hand", t("hall.done_speaking")) {
                asked.push(HallRequest::LowerHand);
            }
        }
    }
}

/// 「音楽モード」 for the stage's own voice, with the reminder it needs.
fn music_toggle(ui: &mut egui::Ui, music: &mut MusicMode, rects: &mut ControlRects) {
    ui.add_space(4.0);
    if music.0 {
        ui.label(RichText::new(t("hall.music.on_note")).strong());
        ui.label(t("hall.music.headphones"));
        if rects.button(ui, "hall-music-off", t("hall.music.off")) {
            music.0 = false;
        }
    } else if rects.button(ui, "hall-music-on", t("hall.music.on")) {
        music.0 = true;
    }
}

/// Whether our voice reaches the hall now, or what makes it.
fn reach_line(ui: &mut egui::Ui, on_voice: bool) {
    ui.label(if on_voice { t("hall.voice.reaching") } else { t("hall.voice.how") });
}

fn turn_ended(why: TurnEnded) -> &'static str {
    match why {
        TurnEnded::ByFacilitator => t("hall.turn_over"),
        TurnEnded::MutedAll => t("hall.muted_all"),
    }
}

/// Each reaction floats over the avatar that sent it, fading as it rises.
fn floating_reactions(
    mut contexts: EguiContexts,
    floating: Res<FloatingReactions>,
    people: Res<People>,
    avatars: Query<&Transform>,
    camera: Single<(&Camera, &GlobalTransform), With<TownCamera>>,
) -> Result {
    if floating.0.is_empty() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Foreground, egui::Id::new("reactions")));
    let (camera, camera_transform) = *camera;
    for (person, reaction, left) in &floating.0 {
        let Some(transform) = people.0.get(person).and_then(|entity| avatars.get(*entity).ok()) else { continue };
        let shown = (left / super::hall::REACTION_SECONDS).clamp(0.0, 1.0);
        let rise = (1.0 - shown) * 24.0;
        let world = transform.translation + Vec3::new(0.0, REACTION_HEIGHT + rise, 0.0);
        let Ok(at) = camera.world_to_viewport(camera_transform, world) else { continue };
        let alpha = (255.0 * shown.sqrt()) as u8;
        let galley = painter.layout_no_wrap(
            reaction.label(current()).to_owned(),
            FontId::proportional(15.0),
            Color32::from_black_alpha(alpha),
        );
        let rect =
            Align2::CENTER_BOTTOM.anchor_size(egui::pos2(at.x, at.y), galley.size()).expand2(egui::vec2(6.0, 3.0));
        painter.rect_filled(rect, 8.0, Color32::from_rgba_unmultiplied(255, 244, 200, alpha));
        painter.galley(rect.min + egui::vec2(6.0, 3.0), galley, Color32::from_black_alpha(alpha));
    }
    Ok(())
}
