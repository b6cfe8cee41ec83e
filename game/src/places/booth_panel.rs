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
    town.0.place(booth).map_or("個別相談", |place| place.name.as_str())
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
        crate::ui::wall_sign(&painter, egui::pos2(at.x, at.y), state.label().to_owned(), fill, text);
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
        ui.label("相談員と一対一で話せる部屋です。話した内容は記録されず、外には聞こえません。");
        if let Some(card) = sign.and_then(|sign| sign.counselor.as_ref()) {
            ui.label(format!("相談員：{}さん（{}）", card.nickname, card.title.label()));
        }
        let (fill, text) = state_colors(state);
        ui.label(RichText::new(format!(" {} ", state.label())).background_color(fill).color(text));
        match state {
            BoothState::Preparing => {
                ui.label("いまは相談員がいません。開いている時間にまたお越しください。");
            }
            BoothState::Open | BoothState::InSession => {
                if state == BoothState::InSession {
                    ui.label("この部屋は相談中です。ノックすると、順番をお待ちいただけます。");
                } else {
                    ui.label("ノックすると、相談員に届きます。返事があるまで少しお待ちください。");
                }
                ui.add_space(4.0);
                ui.label(format!("ひとことメモ（なくても大丈夫です・{MAX_KNOCK_NOTE_CHARS}文字まで）"));
                let (field, _) =
                    ui.allocate_exact_size(egui::vec2(ui.available_width(), NOTE_HEIGHT), egui::Sense::hover());
                rects.note("knock-note", field);
                knock = rects.button(ui, "knock", "ノックする");
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
    ui.label(RichText::new("予約して来る").strong());
    let here: Vec<&protocol::SlotView> = slots.slots.iter().filter(|slot| &slot.booth == booth).collect();
    let mine: Vec<_> = here.iter().filter(|slot| slot.state == SlotState::Mine).collect();
    for slot in &mine {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("予約済み：{}", slot.label));
            if rects.button(ui, &format!("cancel:{}", slot.id), "キャンセル") {
                asks.write(SlotAsk::Cancel(slot.id));
            }
        });
    }
    let free: Vec<_> = here.iter().filter(|slot| slot.state == SlotState::Free).take(MAX_FREE_SLOTS_SHOWN).collect();
    if free.is_empty() && mine.is_empty() {
        ui.label("いま予約できる時間はありません。");
    }
    for slot in free {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("{}（{}さん）", slot.label, slot.counselor));
            if rects.button(ui, &format!("book:{}", slot.id), "予約する") {
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
    rects.button(ui, "withdraw", "閉じる")
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
        ui.label(format!("{name}さんにお声がけしました。「一緒に行く」を選ぶと、相談員に届きます。"));
    }
    if !family.picking {
        if rects.button(ui, "bring-family", "家族と一緒に") {
            family.picking = true;
        }
        return;
    }
    ui.label("一緒に来てほしい方を選んでください（町にいる方）。");
    if people.is_empty() {
        ui.label("いま町には、ほかに誰もいません。");
    }
    for (id, nickname) in people {
        if rects.button(ui, &format!("family:{}", id.0), &format!("{nickname}さん")) {
            ask.write(AskBooth(BoothRequest::BringFamily { person: *id }));
            family.asked = Some(nickname.clone());
            family.picking = false;
        }
    }
    if rects.button(ui, "family-cancel", "やめる") {
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
                ui.label("ノックしました。相談員の返事を待っています…");
                ui.label("待っているあいだも、町を歩いたりチャットしたりできます。");
                withdraw = rects.button(ui, "withdraw", "取り消す");
            }
            Ticket::Waiting { ahead, .. } => {
                ui.label("「少しお待ちください」とのことです。");
                if *ahead == 0 {
                    ui.heading("次の番です");
                } else {
                    ui.heading(format!("あと {ahead} 人"));
                }
                ui.label("待っているあいだも、町を歩いたりチャットしたりできます。順番が来たらお知らせします。");
                withdraw = rects.button(ui, "withdraw", "列から離れる");
            }
            Ticket::Admitted { .. } => {
                ui.label("「どうぞ」とのことです。相談員が待っています。");
                ui.label("数分のあいだ、入口からお入りいただけます。");
                ui.horizontal(|ui| {
                    go = rects.button(ui, "go-to-booth", "向かう");
                    withdraw = rects.button(ui, "withdraw", "やめておく");
                });
            }
            Ticket::Declined { .. } => {
                withdraw = kind_notice(
                    ui,
                    &mut rects,
                    [
                        "ごめんなさい。相談員は、今日はお話しするのが難しいようです。",
                        "別の日に、また来てください。予約をして来ていただくこともできます。",
                    ],
                );
            }
            Ticket::TimedOut { .. } => {
                withdraw = kind_notice(
                    ui,
                    &mut rects,
                    [
                        "相談員は、いま手が離せないようです。",
                        "少し時間をおいてもう一度ノックするか、予約をして来ていただくこともできます。",
                    ],
                );
            }
            Ticket::Reserved { label, .. } => {
                ui.label(format!("ご予約の時間です（{label}）。"));
                ui.label("どうぞ、入口からお入りください。");
                go = rects.button(ui, "go-to-booth", "向かう");
            }
            Ticket::Closed { .. } => {
                withdraw = kind_notice(
                    ui,
                    &mut rects,
                    [
                        "相談員が、今日の受付を終えました。",
                        "またの機会にお越しください。予約をして来ていただくこともできます。",
                    ],
                );
            }
            Ticket::FamilyInvite { by, .. } => {
                ui.label(format!("{by}さんが、個別相談に一緒に来てほしいそうです。"));
                ui.label("一緒に行くと、相談員に届きます。相談員が「どうぞ」と言ったら入れます。");
                ui.horizontal(|ui| {
                    join = rects.button(ui, "join-family", "一緒に行く");
                    withdraw = rects.button(ui, "withdraw", "今回はやめておく");
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
    let family = caller.family_of.as_ref().map_or_else(String::new, |of| format!("（{of}さんのご家族）"));
    if caller.note.is_empty() {
        ui.label(format!("{}さん{family}", caller.nickname));
    } else {
        ui.label(format!("{}さん{family}：「{}」", caller.nickname, caller.note));
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
    let title = format!("{}・受付中", booth_name(&town, &desk.booth));
    panel(title, &rects).show(contexts.ctx_mut()?, |ui| {
        ui.label(format!("肩書き：{}", desk.title.label()));
        if !desk.relayed {
            ui.colored_label(
                Color32::from_rgb(150, 60, 20),
                "TURN サーバーが設定されていないため、このブースの通信は中継されていません（相手に IP アドレスが見える可能性があります）。",
            );
        }
        if desk.knocks.is_empty() && desk.queue.is_empty() && desk.admitted.is_empty() {
            ui.label("ノックを待っています。");
        }
        for caller in &desk.knocks {
            ui.label(RichText::new("ノックがありました").strong());
            caller_line(ui, caller);
            ui.horizontal_wrapped(|ui| {
                let id = caller.id.0;
                if rects.button(ui, &format!("answer:{id}:admit"), "どうぞ") {
                    answers.push((caller.id, KnockAnswer::Admit));
                }
                if rects.button(ui, &format!("answer:{id}:wait"), "少しお待ちください") {
                    answers.push((caller.id, KnockAnswer::Wait));
                }
                if rects.button(ui, &format!("answer:{id}:decline"), "今日は難しいです") {
                    answers.push((caller.id, KnockAnswer::Decline));
                }
            });
            ui.separator();
        }
        if !desk.queue.is_empty() {
            ui.label(RichText::new("お待ちの方").strong());
            for (index, caller) in desk.queue.iter().enumerate() {
                ui.horizontal_wrapped(|ui| {
                    ui.label(format!("{}.", index + 1));
                    caller_line(ui, caller);
                    if rects.button(ui, &format!("answer:{}:admit", caller.id.0), "どうぞ") {
                        answers.push((caller.id, KnockAnswer::Admit));
                    }
                });
            }
            ui.separator();
        }
        for caller in &desk.admitted {
            ui.label(format!("{}さんをお通ししました", caller.nickname));
        }
        if let Some(next) = &desk.next_reservation {
            ui.label(format!("次の予約：{next}"));
        }
        close = rects.button(ui, "close-booth", "受付を終える");
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
            ui.label("肩書きを選んで受付を始めると、入口の表示が「受付中」になります。");
            let combo = egui::ComboBox::from_id_salt("job-title").selected_text(chosen.label()).show_ui(ui, |ui| {
                for option in JobTitle::ALL {
                    rects.note(
                        format!("title:{}", option.label()),
                        ui.selectable_value(chosen, option, option.label()).rect,
                    );
                }
            });
            rects.note("job-title", combo.response.rect);
            open = rects.button(ui, "open-booth", "相談を受け付ける");
        } else {
            ui.label("ここでの声とチャットは、この部屋の中の人にだけ届きます。どこにも記録されません。");
            ui.label("いつでも、だまって出ていって大丈夫です。");
            if !preparing {
                family_section(ui, &mut rects, &people_in_town(&people), &mut family, &mut ask);
            }
        }
        leave = rects.button(ui, "leave-booth", "そっと退出");
    });
    if open {
        ask.write(AskBooth(BoothRequest::Open { title: *chosen }));
    }
    if leave {
        ask.write(AskBooth(BoothRequest::Leave));
    }
    Ok(())
}
