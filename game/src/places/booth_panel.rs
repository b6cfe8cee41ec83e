//! What a person sees of the booths (egui, Japanese): the door signs on the wall, the calm
//! panel at a booth's door with 「ノックする」, the ticket while knocking, waiting or let in, the
//! counselor's desk with the knocks and the queue, and, inside, 「そっと退出」.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use protocol::{
    BoothRequest, BoothState, Caller, JobTitle, KnockAnswer, MAX_KNOCK_NOTE_CHARS, ParticipantId, PlaceKind, Role,
    SlotState, Ticket,
};

use super::booth::{AskBooth, BoothSigns, BoothSlots, BoothSpot, KnockNote, MyDesk, MyTicket, SlotAsk, walk_into};
use crate::avatar::Avatar;
use crate::camera::TownCamera;
use crate::locale::{Lang, current, t, tf};
use crate::map::{Town, to_vec2};
use crate::movement::WalkTo;
use crate::presence::{Me, RemotePerson};
use crate::screens::Screen;
use crate::ui::{ControlRects, side_panel};

/// Height kept for the note's text field (a DOM input placed over it).
const NOTE_HEIGHT: f32 = 34.0;
/// Free times listed at a door.
const MAX_FREE_SLOTS_SHOWN: usize = 4;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        (door_signs, door_panel, ticket_panel, desk_panel, inside_panel)
            .chain()
            .after(crate::ui::UiSet)
            .run_if(in_state(Screen::Town))
            .run_if(resource_exists::<Me>),
    );
}

fn booth_name<'a>(town: &'a Town, booth: &protocol::PlaceId) -> &'a str {
    town.0.place(booth).map_or(t("booth.name"), |place| place.name_in(current()))
}

fn panel(title: impl Into<egui::WidgetText>, rects: &ControlRects) -> egui::Window<'static> {
    side_panel(title, Align2::RIGHT_TOP, rects)
}

fn state_colors(state: BoothState) -> (Color32, Color32) {
    match state {
        BoothState::Open => (Color32::from_rgb(46, 112, 80), Color32::WHITE),
        BoothState::InSession => (Color32::from_rgb(170, 84, 40), Color32::WHITE),
        BoothState::Preparing => (Color32::from_rgb(214, 208, 196), Color32::from_rgb(50, 50, 50)),
    }
}

/// Each booth's sign, on the wall beside its door, seen from anywhere.
fn door_signs(
    mut contexts: EguiContexts,
    town: Res<Town>,
    signs: Res<BoothSigns>,
    camera: Single<(&Camera, &GlobalTransform), With<TownCamera>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let (camera, camera_transform) = *camera;
    let painter = ctx.layer_painter(egui::LayerId::background());
    let map = &town.0;
    for place in map.places.iter().filter(|place| place.kind == PlaceKind::Booth) {
        let Some(door) = map.doors(place).first().copied() else { continue };
        let state = signs.of(&place.id).map_or(BoothState::Preparing, |sign| sign.state);
        // On the wall to the right of the door.
        let wall = to_vec2(map.tile_center(door.inside.0 + 1, door.inside.1));
        let Ok(at) = camera.world_to_viewport(camera_transform, wall.extend(0.0)) else { continue };
        let (fill, text) = state_colors(state);
        crate::ui::wall_sign(&painter, egui::pos2(at.x, at.y), state.label(current()).to_owned(), fill, text);
    }
    Ok(())
}

/// At a booth's door (outside, with nothing going on): what the booth is, who may be inside,
/// and 「ノックする」 with an optional note.
fn door_panel(
    mut contexts: EguiContexts,
    town: Res<Town>,
    signs: Res<BoothSigns>,
    spot: Res<BoothSpot>,
    ticket: Res<MyTicket>,
    desk: Res<MyDesk>,
    slots: Res<BoothSlots>,
    mut note: ResMut<KnockNote>,
    mut ask: MessageWriter<AskBooth>,
    mut slot_asks: MessageWriter<SlotAsk>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    let Some(booth) = spot.at_door.clone() else { return Ok(()) };
    if ticket.0.is_some() || desk.0.is_some() {
        return Ok(());
    }
    let sign = signs.of(&booth);
    let state = sign.map_or(BoothState::Preparing, |sign| sign.state);
    let mut knock = false;
    panel(booth_name(&town, &booth), &rects).show(contexts.ctx_mut()?, |ui| {
        ui.label(t("booth.about"));
        if let Some(card) = sign.and_then(|sign| sign.counselor.as_ref()) {
            ui.label(tf("booth.counselor", &[("name", &card.nickname), ("title", &card.title.label(current()))]));
        }
        let (fill, text) = state_colors(state);
        ui.label(RichText::new(format!(" {} ", state.label(current()))).background_color(fill).color(text));
        match state {
            BoothState::Preparing => {
                ui.label(t("booth.nobody"));
            }
            BoothState::Open | BoothState::InSession => {
                if state == BoothState::InSession {
                    ui.label(t("booth.in_session"));
                } else {
                    ui.label(t("booth.knock.explain"));
                }
                ui.add_space(4.0);
                ui.label(tf("booth.note", &[("max", &MAX_KNOCK_NOTE_CHARS)]));
                let (field, _) =
                    ui.allocate_exact_size(egui::vec2(ui.available_width(), NOTE_HEIGHT), egui::Sense::hover());
                rects.note("knock-note", field);
                knock = rects.button(ui, "knock", t("booth.knock"));
            }
        }
        ui.separator();
        slot_section(ui, &booth, &slots, &mut slot_asks, &mut rects);
    });
    if knock {
        ask.write(AskBooth(BoothRequest::Knock { booth, note: std::mem::take(&mut note.0) }));
    }
    Ok(())
}

/// 「予約して来る」: this booth's times to book (a few of the next free ones) and our own.
fn slot_section(
    ui: &mut egui::Ui,
    booth: &protocol::PlaceId,
    slots: &BoothSlots,
    asks: &mut MessageWriter<SlotAsk>,
    rects: &mut ControlRects,
) {
    ui.label(RichText::new(t("slots.title")).strong());
    let here: Vec<&protocol::SlotView> = slots.slots.iter().filter(|slot| &slot.booth == booth).collect();
    let mine: Vec<_> = here.iter().filter(|slot| slot.state == SlotState::Mine).collect();
    for slot in &mine {
        ui.horizontal_wrapped(|ui| {
            ui.label(tf("slots.booked", &[("when", &slot.label)]));
            if rects.button(ui, &format!("cancel:{}", slot.id), t("slots.cancel")) {
                asks.write(SlotAsk::Cancel(slot.id));
            }
        });
    }
    let free: Vec<_> = here.iter().filter(|slot| slot.state == SlotState::Free).take(MAX_FREE_SLOTS_SHOWN).collect();
    if free.is_empty() && mine.is_empty() {
        ui.label(t("slots.none"));
    }
    for slot in free {
        ui.horizontal_wrapped(|ui| {
            ui.label(tf("slots.slot", &[("when", &slot.label), ("name", &slot.counselor)]));
            if rects.button(ui, &format!("book:{}", slot.id), t("slots.book")) {
                asks.write(SlotAsk::Book(slot.id));
            }
        });
    }
    if let Some(problem) = &slots.problem {
        ui.colored_label(Color32::from_rgb(150, 60, 20), problem);
    }
}

/// A kind notice (declined, timed out, closed): its lines and 「閉じる」, which puts it away.
fn kind_notice(ui: &mut egui::Ui, rects: &mut ControlRects, lines: [&str; 2]) -> bool {
    for line in lines {
        ui.label(line);
    }
    rects.button(ui, "withdraw", t("common.close"))
}

/// 「家族と一緒に」: who we asked to come along, and whether the list of people to ask is open.
#[derive(Default)]
struct FamilyAsk {
    picking: bool,
    asked: Option<String>,
}

/// 「家族と一緒に」 with a list of the people in the town to ask; the one picked must agree too.
fn family_section(
    ui: &mut egui::Ui,
    rects: &mut ControlRects,
    people: &[(ParticipantId, String)],
    family: &mut FamilyAsk,
    ask: &mut MessageWriter<AskBooth>,
) {
    if let Some(name) = &family.asked {
        ui.label(tf("family.asked", &[("name", &name)]));
    }
    if !family.picking {
        if rects.button(ui, "bring-family", t("family.bring")) {
            family.picking = true;
        }
        return;
    }
    ui.label(t("family.choose"));
    if people.is_empty() {
        ui.label(t("family.nobody"));
    }
    for (id, nickname) in people {
        if rects.button(ui, &format!("family:{}", id.0), &tf("person.title", &[("name", &nickname)])) {
            ask.write(AskBooth(BoothRequest::BringFamily { person: *id }));
            family.asked = Some(nickname.clone());
            family.picking = false;
        }
    }
    if rects.button(ui, "family-cancel", t("common.cancel")) {
        family.picking = false;
    }
}

/// The people we see in the town, by nickname.
fn people_in_town(people: &Query<(&RemotePerson, &Avatar)>) -> Vec<(ParticipantId, String)> {
    let mut list: Vec<_> = people.iter().map(|(person, avatar)| (person.0, avatar.nickname.clone())).collect();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    list
}

/// Knocking, waiting (「あと 2 人」), let in (「向かう」), a kind notice, or an invitation to
/// come along as family.
fn ticket_panel(
    mut contexts: EguiContexts,
    town: Res<Town>,
    ticket: Res<MyTicket>,
    people: Query<(&RemotePerson, &Avatar)>,
    mut family: Local<FamilyAsk>,
    mut ask: MessageWriter<AskBooth>,
    mut walk: MessageWriter<WalkTo>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    let Some(ticket) = ticket.0.clone() else { return Ok(()) };
    let booth = ticket.booth().clone();
    let (mut withdraw, mut go, mut join) = (false, false, false);
    let visiting = matches!(
        ticket,
        Ticket::Knocking { .. } | Ticket::Waiting { .. } | Ticket::Admitted { .. } | Ticket::Reserved { .. }
    );
    let people = if visiting { people_in_town(&people) } else { Vec::new() };
    panel(booth_name(&town, &booth), &rects).show(contexts.ctx_mut()?, |ui| {
        match &ticket {
            Ticket::Knocking { .. } => {
                ui.label(t("booth.knocked"));
                ui.label(t("booth.wait.free"));
                withdraw = rects.button(ui, "withdraw", t("common.withdraw"));
            }
            Ticket::Waiting { ahead, .. } => {
                ui.label(t("booth.answer.wait_said"));
                if *ahead == 0 {
                    ui.heading(t("booth.next"));
                } else {
                    ui.heading(tf("booth.ahead", &[("count", &ahead)]));
                }
                ui.label(t("booth.wait.turn"));
                withdraw = rects.button(ui, "withdraw", t("booth.leave_queue"));
            }
            Ticket::Admitted { .. } => {
                ui.label(t("booth.admitted"));
                ui.label(t("booth.admitted.window"));
                ui.horizontal(|ui| {
                    go = rects.button(ui, "go-to-booth", t("booth.go"));
                    withdraw = rects.button(ui, "withdraw", t("booth.not_now"));
                });
            }
            Ticket::Declined { .. } => {
                withdraw = kind_notice(ui, &mut rects, [t("booth.declined.1"), t("booth.declined.2")]);
            }
            Ticket::TimedOut { .. } => {
                withdraw = kind_notice(ui, &mut rects, [t("booth.timed_out.1"), t("booth.timed_out.2")]);
            }
            Ticket::Reserved { label, .. } => {
                ui.label(tf("booth.reserved", &[("when", &label.get(current()))]));
                ui.label(t("booth.reserved.come"));
                go = rects.button(ui, "go-to-booth", t("booth.go"));
            }
            Ticket::Closed { .. } => {
                withdraw = kind_notice(ui, &mut rects, [t("booth.closed.1"), t("booth.closed.2")]);
            }
            Ticket::FamilyInvite { by, .. } => {
                ui.label(tf("family.invited", &[("name", &by)]));
                ui.label(t("family.invited.explain"));
                ui.horizontal(|ui| {
                    join = rects.button(ui, "join-family", t("family.join"));
                    withdraw = rects.button(ui, "withdraw", t("common.not_this_time"));
                });
            }
        }
        if visiting {
            ui.separator();
            family_section(ui, &mut rects, &people, &mut family, &mut ask);
        }
    });
    if !visiting {
        *family = FamilyAsk::default();
    }
    if join {
        ask.write(AskBooth(BoothRequest::JoinFamily));
    }
    if go {
        walk_into(&town, &booth, &mut walk);
    }
    if withdraw {
        ask.write(AskBooth(BoothRequest::Withdraw));
    }
    Ok(())
}

fn caller_line(ui: &mut egui::Ui, caller: &Caller) {
    let family = caller.family_of.as_ref().map_or_else(String::new, |of| tf("family.of", &[("name", &of)]));
    if caller.note.is_empty() {
        ui.label(tf("caller.line", &[("name", &caller.nickname), ("family", &family)]));
    } else {
        ui.label(tf("caller.line.note", &[("name", &caller.nickname), ("family", &family), ("note", &caller.note)]));
    }
}

/// The counselor's desk: knocks with どうぞ / 少しお待ちください / 今日は難しいです, the queue,
/// who was let in, and 「受付を終える」.
fn desk_panel(
    mut contexts: EguiContexts,
    town: Res<Town>,
    desk: Res<MyDesk>,
    mut ask: MessageWriter<AskBooth>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    let Some(desk) = desk.0.clone() else { return Ok(()) };
    let mut answers: Vec<(protocol::ParticipantId, KnockAnswer)> = Vec::new();
    let mut close = false;
    let title = tf("desk.title", &[("booth", &booth_name(&town, &desk.booth))]);
    panel(title, &rects).show(contexts.ctx_mut()?, |ui| {
        ui.label(tf("desk.job_title", &[("title", &desk.title.label(current()))]));
        if !desk.relayed {
            ui.colored_label(Color32::from_rgb(150, 60, 20), t("desk.no_turn"));
        }
        if desk.knocks.is_empty() && desk.queue.is_empty() && desk.admitted.is_empty() {
            ui.label(t("desk.waiting"));
        }
        for caller in &desk.knocks {
            ui.label(RichText::new(t("desk.knocked")).strong());
            caller_line(ui, caller);
            ui.horizontal_wrapped(|ui| {
                let id = caller.id.0;
                if rects.button(ui, &format!("answer:{id}:admit"), t("desk.admit")) {
                    answers.push((caller.id, KnockAnswer::Admit));
                }
                if rects.button(ui, &format!("answer:{id}:wait"), t("desk.wait")) {
                    answers.push((caller.id, KnockAnswer::Wait));
                }
                if rects.button(ui, &format!("answer:{id}:decline"), t("desk.decline")) {
                    answers.push((caller.id, KnockAnswer::Decline));
                }
            });
            ui.separator();
        }
        if !desk.queue.is_empty() {
            ui.label(RichText::new(t("desk.queue")).strong());
            for (index, caller) in desk.queue.iter().enumerate() {
                ui.horizontal_wrapped(|ui| {
                    ui.label(format!("{}.", index + 1));
                    caller_line(ui, caller);
                    if rects.button(ui, &format!("answer:{}:admit", caller.id.0), t("desk.admit")) {
                        answers.push((caller.id, KnockAnswer::Admit));
                    }
                });
            }
            ui.separator();
        }
        for caller in &desk.admitted {
            ui.label(tf("desk.let_in", &[("name", &caller.nickname)]));
        }
        if let Some(next) = &desk.next_reservation {
            ui.label(tf("desk.next", &[("next", &next.get(current()))]));
        }
        close = rects.button(ui, "close-booth", t("desk.close"));
    });
    for (person, answer) in answers {
        ask.write(AskBooth(BoothRequest::Answer { person, answer }));
    }
    if close {
        ask.write(AskBooth(BoothRequest::Close));
    }
    Ok(())
}

/// Inside a booth: what this room is, 「そっと退出」, and for a counselor in a booth nobody
/// receives in, 「相談を受け付ける」 with their title.
fn inside_panel(
    mut contexts: EguiContexts,
    town: Res<Town>,
    me: Res<Me>,
    signs: Res<BoothSigns>,
    spot: Res<BoothSpot>,
    desk: Res<MyDesk>,
    people: Query<(&RemotePerson, &Avatar)>,
    (mut title, mut family): (Local<Option<JobTitle>>, Local<FamilyAsk>),
    mut ask: MessageWriter<AskBooth>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    let Some(booth) = spot.inside.clone() else {
        *family = FamilyAsk::default();
        return Ok(());
    };
    if desk.0.is_some() {
        return Ok(());
    }
    let receiver = matches!(me.role, Role::Counselor | Role::Staff);
    let preparing = signs.of(&booth).is_none_or(|sign| sign.state == BoothState::Preparing);
    let (mut open, mut leave) = (false, false);
    let chosen = title.get_or_insert(JobTitle::Counselor);
    panel(booth_name(&town, &booth), &rects).show(contexts.ctx_mut()?, |ui| {
        if receiver && preparing {
            ui.label(t("desk.explain"));
            let combo =
                egui::ComboBox::from_id_salt("job-title").selected_text(chosen.label(current())).show_ui(ui, |ui| {
                    for option in JobTitle::ALL {
                        rects.note(
                            format!("title:{}", option.label(Lang::Ja)),
                            ui.selectable_value(chosen, option, option.label(current())).rect,
                        );
                    }
                });
            rects.note("job-title", combo.response.rect);
            open = rects.button(ui, "open-booth", t("desk.open"));
        } else {
            ui.label(t("booth.inside.private"));
            ui.label(t("booth.inside.leave_any_time"));
            if !preparing {
                family_section(ui, &mut rects, &people_in_town(&people), &mut family, &mut ask);
            }
        }
        leave = rects.button(ui, "leave-booth", t("booth.leave"));
    });
    if open {
        ask.write(AskBooth(BoothRequest::Open { title: *chosen }));
    }
    if leave {
        ask.write(AskBooth(BoothRequest::Leave));
    }
    Ok(())
}
