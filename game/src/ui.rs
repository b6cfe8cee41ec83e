//! On-screen UI with egui, all in Japanese: the font, the top bar (current place, people in
//! town, help; on a phone folded into a menu), the help overlay, the entry dialog, a person's
//! panel, the settings window and the closed screen. Labels over the world are `labels.rs`.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, FontId, Pos2};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use crate::assets::{CoreAssets, FontBytes, FullFont};
use crate::avatar::Avatar;
use crate::devices::{DeviceChoice, DeviceInfo, Devices, InputLevel, PlayTestSound, SettingsOpen};
use crate::do_not_disturb::{AskDoNotDisturb, DoNotDisturb};
use crate::help_call::{AskHelp, MyHelpCall, answers_calls};
use crate::locale::{Lang, current, t, tf};
use crate::map::Town;
use crate::movement::LocalPlayer;
use crate::participation::{
    ChooseParticipation, DeviceRequest, EntryChoice, FailedConnection, MediaNotice, RetryConnection,
};
use crate::places::booth::BoothSigns;
use crate::presence::RemotePerson;
use crate::presence::{Me, People};
use crate::screens::{ClosedReason, Screen};
use crate::voice::{PersonalVolume, PersonalVolumes, PushToTalk, SelfMuted, Taking};
use protocol::{HelpRequest, Participation};

/// Name under which the Japanese font is registered in egui.
const FONT_NAME: &str = "BIZ UDPGothic";
/// Below this width (points) the top bar's buttons get a row of their own.
const NARROW_WIDTH: f32 = crate::theme::PHONE_WIDTH;

/// Whether a phone's top-bar menu is open.
#[derive(Debug, Default)]
struct MenuOpen(bool);

/// The buttons of the top bar, in their order from the right edge.
#[derive(Clone, Copy)]
enum TopButton {
    Programs,
    Guide,
    Settings,
    CallStaff,
    DoNotDisturb,
}

/// Whether the help overlay is open.
#[derive(Resource, Debug, Default)]
pub struct HelpOpen(pub bool);

/// The person whose voice settings are open (clicked avatar).
#[derive(Resource, Debug, Default)]
pub struct PersonPanel(pub Option<protocol::ParticipantId>);

/// Where the named controls were drawn in the last frame: `[x, y, width, height]` in CSS
/// pixels. egui draws on the canvas with no DOM, so end-to-end tests read this to click them
/// as a person does.
#[derive(Resource, Debug, Default)]
pub struct ControlRects(pub std::collections::HashMap<String, [f32; 4]>);

impl ControlRects {
    /// Notes where the control `name` was drawn.
    pub fn note(&mut self, name: impl Into<String>, rect: egui::Rect) {
        self.0.insert(name.into(), [rect.min.x, rect.min.y, rect.width(), rect.height()]);
    }

    /// A button whose place is noted as `name` (for tests), clicked or not.
    pub fn button(&mut self, ui: &mut egui::Ui, name: &str, text: &str) -> bool {
        let response = ui.button(text);
        self.note(name, response.rect);
        response.clicked()
    }

    /// The bottom edge of the top bar, in points (0 before it is drawn); the town shows below it.
    pub fn top_bar_bottom(&self) -> f32 {
        self.0.get("top-bar").map_or(0.0, |[_, y, _, height]| y + height)
    }

    /// Where panels start below the top bar (taller on a phone, where its rows wrap).
    pub fn below_top_bar(&self) -> f32 {
        self.0.get("top-bar").map_or(104.0, |[_, y, _, height]| y + height + 8.0)
    }
}

/// Width of the panels beside the town (booths, calls for help), in points.
const SIDE_PANEL_WIDTH: f32 = 330.0;
/// Gap between a side panel and the screen's edge, in points.
const SIDE_PANEL_MARGIN: f32 = 12.0;

/// A panel beside the town, anchored below the top bar at `corner` (left or right top), of one
/// fixed width (narrower only on a small screen): a panel whose width changed as its content
/// laid out would move under a hand reaching for one of its buttons.
pub fn side_panel(title: impl Into<egui::WidgetText>, corner: Align2, rects: &ControlRects) -> egui::Window<'static> {
    let screen = rects.0.get("top-bar").map_or(f32::MAX, |[_, _, width, _]| *width);
    let width = SIDE_PANEL_WIDTH.min(screen - 2.0 * SIDE_PANEL_MARGIN - 16.0).max(200.0);
    let x = if corner == Align2::LEFT_TOP { SIDE_PANEL_MARGIN } else { -SIDE_PANEL_MARGIN };
    egui::Window::new(title)
        .collapsible(false)
        .resizable(false)
        .anchor(corner, [x, rects.below_top_bar()])
        .min_width(width)
        .max_width(width)
}

/// A short notice under the top bar, in the middle, with one 「閉じる」 button (noted as
/// `{name}-close`; the window as `name`). Returns whether it was closed.
pub fn notice_window(ctx: &egui::Context, rects: &mut ControlRects, name: &str, title: &str, text: &str) -> bool {
    let mut closed = false;
    let top = rects.below_top_bar();
    let shown = egui::Window::new(title)
        .collapsible(false)
        .resizable(false)
        .anchor(Align2::CENTER_TOP, [0.0, top])
        .max_width(360.0)
        .show(ctx, |ui| {
            ui.label(text);
            if rects.button(ui, &format!("{name}-close"), t("common.close")) {
                closed = true;
            }
        });
    if let Some(shown) = shown {
        rects.note(name, shown.response.rect);
    }
    closed
}

/// Text size of the signs on walls (place names, booth states), in points: 16, like all text.
pub const WALL_SIGN_TEXT: f32 = 16.0;

/// A small sign on a wall (a booth's state, a hall's running program), its left edge just left
/// of `at` (screen points), drawn with `painter`.
pub fn wall_sign(painter: &egui::Painter, at: Pos2, text: String, fill: Color32, ink: Color32) -> egui::Rect {
    let galley = painter.layout_no_wrap(text, FontId::proportional(WALL_SIGN_TEXT), ink);
    let rect = Align2::LEFT_CENTER.anchor_size(egui::pos2(at.x - 12.0, at.y), galley.size()).expand(3.0);
    painter.rect_filled(rect, 4.0, fill);
    painter.galley(rect.min + egui::vec2(3.0, 3.0), galley, ink);
    rect
}

/// The town-wide announcement staff posted (お知らせ), while it is on.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct TownAnnouncement(pub Option<String>);

/// The town's own UI systems; panels of places are drawn after them.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct UiSet;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<HelpOpen>()
        .init_resource::<crate::labels::LabelFigures>()
        .init_resource::<PersonPanel>()
        .init_resource::<ControlRects>()
        .init_resource::<TownAnnouncement>()
        .add_systems(Update, (toggle_help_with_key, toggle_mute_with_key).run_if(in_state(Screen::Town)))
        .add_systems(
            EguiPrimaryContextPass,
            (
                install_font,
                (
                    forget_control_rects,
                    crate::labels::world_labels,
                    top_bar,
                    help_overlay,
                    entry_dialog,
                    media_notice,
                    person_panel,
                    settings_window,
                )
                    .chain()
                    .in_set(UiSet)
                    .run_if(in_state(Screen::Town)),
                closed_screen.run_if(in_state(Screen::Closed)),
            ),
        );
}

/// Forgets last frame's controls; the top bar's place is kept (it is drawn every frame), so that
/// what is drawn before it (the world's labels) can keep clear of it.
fn forget_control_rects(mut rects: ResMut<ControlRects>) {
    rects.0.retain(|name, _| name == "top-bar");
}

/// Gives egui the interface's cut of the font as soon as it is in, then the full cut (a superset)
/// when it follows: names and chat in rarer kanji are drawn from then on.
fn install_font(
    mut contexts: EguiContexts,
    core: Option<Res<CoreAssets>>,
    full: Option<Res<FullFont>>,
    fonts: Res<Assets<FontBytes>>,
    mut installed: Local<Option<AssetId<FontBytes>>>,
) -> Result {
    let full = full.map(|full| full.0.id()).filter(|id| fonts.contains(*id));
    let wanted = match (full, *installed) {
        (Some(full), _) => full,
        (None, None) => match core {
            Some(core) => core.font.id(),
            None => return Ok(()),
        },
        (None, Some(_)) => return Ok(()),
    };
    if *installed == Some(wanted) {
        return Ok(());
    }
    let Some(bytes) = fonts.get(wanted).cloned() else { return Ok(()) };
    let mut definitions = egui::FontDefinitions::empty();
    definitions.font_data.insert(FONT_NAME.into(), egui::FontData::from_owned(bytes.0).into());
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        definitions.families.entry(family).or_default().push(FONT_NAME.into());
    }
    let ctx = contexts.ctx_mut()?;
    // Sizes and colours are the theme's (theme.rs).
    ctx.set_fonts(definitions);
    *installed = Some(wanted);
    Ok(())
}

fn toggle_mute_with_key(keys: Res<ButtonInput<KeyCode>>, mut muted: ResMut<SelfMuted>, push_to_talk: Res<PushToTalk>) {
    if keys.just_pressed(KeyCode::KeyM) && !push_to_talk.0 {
        muted.0 = !muted.0;
    }
}

fn toggle_help_with_key(keys: Res<ButtonInput<KeyCode>>, mut help: ResMut<HelpOpen>) {
    if keys.just_pressed(KeyCode::KeyH) || keys.just_pressed(KeyCode::F1) {
        help.0 = !help.0;
    }
}

fn top_bar(
    mut contexts: EguiContexts,
    town: Res<Town>,
    people: Res<People>,
    booths: Res<BoothSigns>,
    player: Single<(&Transform, &Taking, Option<&DoNotDisturb>), With<LocalPlayer>>,
    mut help: ResMut<HelpOpen>,
    request: Res<DeviceRequest>,
    mut choose: MessageWriter<ChooseParticipation>,
    mut muted: ResMut<SelfMuted>,
    mut push_to_talk: ResMut<PushToTalk>,
    mut settings: ResMut<SettingsOpen>,
    mut menu_open: Local<MenuOpen>,
    mut ask_quiet: MessageWriter<AskDoNotDisturb>,
    (me, my_call, mut ask_help, mut programs_open, announcement, hours, voice_hold, comfort): (
        Option<Res<Me>>,
        Res<MyHelpCall>,
        MessageWriter<AskHelp>,
        ResMut<crate::programs::ProgramsOpen>,
        Res<TownAnnouncement>,
        Res<crate::hours::TownHours>,
        Res<crate::participation::VoiceHold>,
        Res<crate::comfort::Comfort>,
    ),
    mut rects: ResMut<ControlRects>,
) -> Result {
    let (transform, taking, do_not_disturb) = *player;
    let quiet = do_not_disturb.is_some_and(|sign| sign.0);
    let place = town.place_name(transform.translation.truncate(), current()).unwrap_or(t("ui.passage"));
    let ctx = contexts.ctx_mut()?;
    let width = ctx.viewport_rect().width();
    let bar = egui::Area::new("top-bar".into()).anchor(Align2::LEFT_TOP, [0.0, 0.0]).show(ctx, |ui| {
        let frame = egui::Frame::new().fill(Color32::from_rgba_unmultiplied(255, 252, 244, 240)).inner_margin(8);
        frame.show(ui, |ui| {
            ui.set_width(width - 16.0);
            // Narrow screens (phones) put the buttons on a row of their own, left to right.
            // Larger text needs a wider screen before everything fits on the bar's rows.
            let narrow = width < NARROW_WIDTH * comfort.text.scale();
            let calls_staff = me.as_ref().is_some_and(|me| !answers_calls(me.role));
            // Returns whether one was pressed (a phone's menu then folds again).
            let mut buttons = |ui: &mut egui::Ui, rects: &mut ControlRects| {
                let mut pressed = false;
                let mut order = [
                    TopButton::Programs,
                    TopButton::Guide,
                    TopButton::Settings,
                    TopButton::CallStaff,
                    TopButton::DoNotDisturb,
                ];
                if narrow {
                    order.reverse();
                }
                for which in order {
                    match which {
                        TopButton::Programs => {
                            if rects.button(ui, "programs", t("ui.programs")) {
                                pressed = true;
                                programs_open.0 = !programs_open.0;
                            }
                        }
                        TopButton::Guide => {
                            if rects.button(ui, "guide", t("ui.guide")) {
                                pressed = true;
                                help.0 = !help.0;
                            }
                        }
                        TopButton::Settings => {
                            let settings_button = ui.button(t("ui.settings"));
                            rects.note("settings", settings_button.rect);
                            if settings_button.clicked() {
                                pressed = true;
                                settings.0 = !settings.0;
                            }
                        }
                        // A quiet call to staff, seen by nobody else; staff answer calls instead.
                        TopButton::CallStaff if calls_staff => {
                            let calling = my_call.status.is_some();
                            let text = if calling { t("ui.calling_staff") } else { t("ui.call_staff") };
                            let call_button = ui.add(egui::Button::new(text).selected(calling));
                            rects.note("help-call", call_button.rect);
                            if call_button.clicked() {
                                pressed = true;
                                let request = if calling { HelpRequest::Withdraw } else { HelpRequest::Ask };
                                ask_help.write(AskHelp(request));
                            }
                        }
                        TopButton::CallStaff => {}
                        // Nobody's voice or chat reaches us by nearness while it is on.
                        TopButton::DoNotDisturb => {
                            let text = if quiet { t("dnd.on") } else { t("dnd.sign") };
                            let button = ui.add(egui::Button::new(text).selected(quiet)).on_hover_text(t("dnd.hint"));
                            rects.note("do-not-disturb", button.rect);
                            if button.clicked() {
                                pressed = true;
                                ask_quiet.write(AskDoNotDisturb(!quiet));
                            }
                        }
                    }
                }
                pressed
            };
            ui.horizontal_wrapped(|ui| {
                if narrow {
                    // On a phone the four buttons fold into a menu.
                    let text = if menu_open.0 { t("ui.menu.close") } else { t("ui.menu.open") };
                    if rects.button(ui, "menu", text) {
                        menu_open.0 = !menu_open.0;
                    }
                } else {
                    ui.heading("ibasho");
                    ui.separator();
                }
                ui.label(tf("ui.here", &[("place", &place)]));
                ui.separator();
                ui.label(if narrow {
                    tf("ui.people.short", &[("count", &people.0.len())])
                } else {
                    tf("ui.people", &[("count", &people.0.len())])
                });
                // People in a booth are not shown, only how many talks are going on.
                let sessions = booths.sessions();
                if sessions > 0 {
                    ui.label(tf("ui.sessions", &[("count", &sessions)]));
                }

                if !narrow {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| buttons(ui, &mut rects));
                }
            });
            if narrow && menu_open.0 && ui.horizontal_wrapped(|ui| buttons(ui, &mut rects)).inner {
                menu_open.0 = false;
            }
            ui.horizontal_wrapped(|ui| {
                if !narrow {
                    ui.label(t("ui.how_to_take_part"));
                }
                for step in Participation::ALL {
                    let text = if request.0 == Some(step) {
                        tf("ui.step.waiting", &[("step", &step.label(current()))])
                    } else {
                        step.label(current()).to_owned()
                    };
                    // Staff hold our voice: the voice steps wait until the time given.
                    let open = !(step.sends_audio() && voice_hold.0.is_some());
                    let step_button =
                        ui.add_enabled_ui(open, |ui| ui.add(egui::Button::new(text).selected(taking.0 == step))).inner;
                    rects.note(format!("step:{}", step.label(Lang::Ja)), step_button.rect);
                    if step_button.clicked() && taking.0 != step {
                        choose.write(ChooseParticipation(step));
                    }
                }
                if taking.0.sends_audio() {
                    ui.separator();
                    if push_to_talk.0 {
                        ui.label(if muted.0 { t("ui.ptt.hold") } else { t("ui.ptt.talking") });
                    } else {
                        let label = if muted.0 { t("ui.mic.muted") } else { t("ui.mic.on") };
                        let mute_button = ui.add(egui::Button::new(label).selected(muted.0));
                        rects.note("self-mute", mute_button.rect);
                        if mute_button.clicked() {
                            muted.0 = !muted.0;
                        }
                    }
                    // Written back only when clicked: a write every frame would look like a change
                    // every frame, and turning push-to-talk off unmutes.
                    let mut wanted = push_to_talk.0;
                    let checkbox = ui.checkbox(&mut wanted, t("ui.ptt"));
                    rects.note("push-to-talk", checkbox.rect);
                    if checkbox.changed() {
                        push_to_talk.0 = wanted;
                    }
                }
                // Today's open hours, at the end of the second row (the first is full on a laptop).
                if hours.0.set {
                    ui.separator();
                    let today = ui.label(crate::locale::said(&hours.0.today));
                    rects.note("today-hours", today.rect);
                }
            });
            // お知らせ from staff, for everyone, under the bar's rows.
            if let Some(text) = &announcement.0 {
                let banner = egui::Frame::new()
                    .fill(Color32::from_rgb(255, 236, 190))
                    .corner_radius(4)
                    .inner_margin(6)
                    .show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.label(
                            egui::RichText::new(tf("ui.announcement", &[("text", text)]))
                                .color(Color32::from_rgb(70, 45, 10)),
                        );
                    });
                rects.note("announcement", banner.response.rect);
            }
        });
    });
    rects.note("top-bar", bar.response.rect);
    Ok(())
}

fn help_overlay(mut contexts: EguiContexts, mut help: ResMut<HelpOpen>, mut rects: ResMut<ControlRects>) -> Result {
    let mut open = help.0;
    let ctx = contexts.ctx_mut()?;
    // Below the top bar and clear of the chat field (a page element over the canvas, which
    // would cover buttons drawn under it): the links first, the long text scrolls.
    let top = rects.below_top_bar();
    let text_height = (ctx.viewport_rect().height() - top - 150.0).max(120.0);
    egui::Window::new(t("ui.guide.title"))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(Align2::CENTER_TOP, [0.0, top])
        .show(ctx, |ui| {
            ui.horizontal_wrapped(|ui| {
                // Pages of their own: the town closes while they are open (the back button returns).
                if rects.button(ui, "my-settings", t("ui.my_settings")) {
                    #[cfg(target_arch = "wasm32")]
                    crate::web::go_to("/me");
                }
                if rects.button(ui, "privacy", t("ui.privacy")) {
                    #[cfg(target_arch = "wasm32")]
                    crate::web::go_to("/privacy");
                }
            });
            ui.separator();
            egui::ScrollArea::vertical().max_height(text_height).show(ui, |ui| {
                ui.label(t("ui.guide.body"));
            });
        });
    if help.0 != open {
        help.0 = open;
    }
    Ok(())
}

fn entry_dialog(
    mut contexts: EguiContexts,
    mut entry: ResMut<EntryChoice>,
    mut choose: MessageWriter<ChooseParticipation>,
) -> Result {
    if !entry.open {
        return Ok(());
    }
    let mut start = false;
    egui::Window::new(t("entry.title"))
        .collapsible(false)
        .resizable(false)
        .anchor(Align2::CENTER_CENTER, [0.0, 0.0])
        .show(contexts.ctx_mut()?, |ui| {
            ui.label(t("entry.question"));
            ui.label(t("entry.later"));
            ui.add_space(8.0);
            for step in Participation::ALL {
                let detail = match step {
                    Participation::Watching => t("entry.watching"),
                    Participation::Listening => t("entry.listening"),
                    Participation::Voice => t("entry.voice"),
                    Participation::Camera => t("entry.camera"),
                };
                ui.radio_value(&mut entry.picked, step, detail);
            }
            ui.add_space(8.0);
            start = ui.button(t("entry.start")).clicked();
        });
    if start {
        // Answering with the pre-selected 聞くだけ is a choice too; it closes the dialog.
        choose.write(ChooseParticipation(entry.picked));
    }
    Ok(())
}

fn person_panel(
    mut contexts: EguiContexts,
    mut panel: ResMut<PersonPanel>,
    mut volumes: ResMut<PersonalVolumes>,
    people: Query<(&RemotePerson, &Avatar)>,
    mut rects: ResMut<ControlRects>,
    (blocks, mut asks, mut confirming): (
        Res<crate::safety::MyBlocks>,
        MessageWriter<crate::safety::AskBlock>,
        Local<Option<protocol::ParticipantId>>,
    ),
    (mut note, sent, mut reports, mut reporting): (
        ResMut<crate::safety::ReportNote>,
        Res<crate::safety::ReportSent>,
        MessageWriter<crate::safety::AskReport>,
        Local<Option<protocol::ParticipantId>>,
    ),
) -> Result {
    let Some(id) = panel.0 else { return Ok(()) };
    let Some((_, avatar)) = people.iter().find(|(person, _)| person.0 == id) else {
        panel.0 = None;
        return Ok(());
    };
    let mut setting = volumes.0.get(&id).copied().unwrap_or_default();
    let mut open = true;
    egui::Window::new(tf("person.title", &[("name", &avatar.nickname)]))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(contexts.ctx_mut()?, |ui| {
            rects.note("person-mute", ui.checkbox(&mut setting.muted, t("person.mute")).rect);
            let slider =
                ui.add(egui::Slider::new(&mut setting.volume, 0.0..=1.0).text(t("person.volume")).show_value(false));
            // The rail only, without the label: a click at its middle sets half volume.
            let rail =
                egui::Rect::from_min_size(slider.rect.min, [ui.spacing().slider_width, slider.rect.height()].into());
            rects.note("person-volume", rail);
            if !slider.changed()
                && let Some(fraction) = pressed_along(ui, rail)
            {
                setting.volume = fraction;
            }
            ui.separator();
            block_section(ui, id, &blocks, &mut confirming, &mut rects, &mut asks);
            ui.separator();
            if *reporting == Some(id) {
                ui.label(t("report.explain"));
                let (field, _) = ui.allocate_exact_size(egui::vec2(ui.available_width(), 30.0), egui::Sense::hover());
                rects.note("report-note", field);
                ui.horizontal(|ui| {
                    if rects.button(ui, "person-report-send", t("report.send")) {
                        reports.write(crate::safety::AskReport { person: id, note: std::mem::take(&mut note.0) });
                        *reporting = None;
                    }
                    if rects.button(ui, "person-report-cancel", t("common.cancel")) {
                        *reporting = None;
                    }
                });
            } else {
                if sent.0 {
                    ui.label(t("report.sent"));
                }
                if rects.button(ui, "person-report", t("report.open")) {
                    *reporting = Some(id);
                }
            }
        });
    if setting != volumes.0.get(&id).copied().unwrap_or(PersonalVolume::default()) {
        volumes.0.insert(id, setting);
    }
    if !open {
        panel.0 = None;
    }
    Ok(())
}

/// 「ブロックする」 in a person's panel: asked once with what it does, or, when blocked, the
/// way to undo it.
fn block_section(
    ui: &mut egui::Ui,
    id: protocol::ParticipantId,
    blocks: &crate::safety::MyBlocks,
    confirming: &mut Option<protocol::ParticipantId>,
    rects: &mut ControlRects,
    asks: &mut MessageWriter<crate::safety::AskBlock>,
) {
    if blocks.0.contains(&id) {
        ui.label(t("block.blocked"));
        if rects.button(ui, "person-unblock", t("block.undo")) {
            asks.write(crate::safety::AskBlock { person: id, blocked: false });
        }
    } else if *confirming == Some(id) {
        ui.label(t("block.explain"));
        ui.horizontal(|ui| {
            if rects.button(ui, "person-block-confirm", t("block.confirm")) {
                asks.write(crate::safety::AskBlock { person: id, blocked: true });
                *confirming = None;
            }
            if rects.button(ui, "person-block-cancel", t("common.cancel")) {
                *confirming = None;
            }
        });
    } else if rects.button(ui, "person-block", t("block.open")) {
        *confirming = Some(id);
    }
}

/// Where along `rail` (0 to 1) the primary button went down this frame, if it did there. A slider
/// follows only a pointer held down across frames; on a slow device a quick tap can start and end
/// within one frame, and then it is this that sets the value.
fn pressed_along(ui: &egui::Ui, rail: egui::Rect) -> Option<f32> {
    ui.input(|input| {
        input.events.iter().find_map(|event| match event {
            egui::Event::PointerButton { pos, button: egui::PointerButton::Primary, pressed: true, .. }
                if rail.contains(*pos) =>
            {
                Some(((pos.x - rail.min.x) / rail.width()).clamp(0.0, 1.0))
            }
            _ => None,
        })
    })
}

fn device_picker(
    ui: &mut egui::Ui,
    rects: &mut ControlRects,
    id: &str,
    label: &str,
    devices: &[DeviceInfo],
    chosen: &mut Option<String>,
) {
    let name = |index: usize, device: &DeviceInfo| {
        if device.label.is_empty() { format!("{label} {}", index + 1) } else { device.label.clone() }
    };
    let current = chosen
        .as_ref()
        .and_then(|id| devices.iter().enumerate().find(|(_, d)| &d.id == id))
        .map_or_else(|| t("devices.default").to_owned(), |(i, d)| name(i, d));
    ui.label(label);
    let combo = egui::ComboBox::from_id_salt(id).selected_text(current).show_ui(ui, |ui| {
        rects.note(format!("{id}:既定"), ui.selectable_value(chosen, None, t("devices.default")).rect);
        for (index, device) in devices.iter().enumerate() {
            let option = ui.selectable_value(chosen, Some(device.id.clone()), name(index, device));
            rects.note(format!("{id}:{}", name(index, device)), option.rect);
        }
    });
    rects.note(id, combo.response.rect);
    ui.end_row();
}

fn settings_window(
    mut contexts: EguiContexts,
    mut open: ResMut<SettingsOpen>,
    devices: Res<Devices>,
    mut choice: ResMut<DeviceChoice>,
    level: Res<InputLevel>,
    mut test_sound: MessageWriter<PlayTestSound>,
    mut rects: ResMut<ControlRects>,
    mut comfort: ResMut<crate::comfort::Comfort>,
    mut language: ResMut<crate::locale::Language>,
) -> Result {
    if !open.0 {
        return Ok(());
    }
    let mut looks = *comfort;
    let mut chosen_language = *language;
    let mut picked = choice.clone();
    let mut still_open = true;
    // At the top right below the bar, scrolling within the window when the screen is short (a
    // phone, or large text), so that nothing lies under the chat field.
    let ctx = contexts.ctx_mut()?;
    let top = rects.below_top_bar();
    let room = (ctx.viewport_rect().height() - top - 16.0).max(160.0);
    let window = egui::Window::new(t("ui.settings"))
        .open(&mut still_open)
        .collapsible(false)
        .resizable(false)
        .anchor(Align2::RIGHT_TOP, [-12.0, top])
        .max_height(room);
    let shown = window.show(ctx, |ui| {
        egui::ScrollArea::vertical().max_height(room - 48.0).show(ui, |ui| {
            egui::Grid::new("devices").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                device_picker(
                    ui,
                    &mut rects,
                    "microphone",
                    t("devices.microphone"),
                    &devices.microphones,
                    &mut picked.microphone,
                );
                device_picker(ui, &mut rects, "camera", t("devices.camera"), &devices.cameras, &mut picked.camera);
                device_picker(ui, &mut rects, "speaker", t("devices.speaker"), &devices.speakers, &mut picked.speaker);
                ui.label(t("devices.level"));
                ui.add(egui::ProgressBar::new(level.0).desired_width(160.0));
                ui.end_row();
            });
            ui.label(t("devices.level.hint"));
            let test_button = ui.button(t("devices.test_sound"));
            rects.note("test-sound", test_button.rect);
            if test_button.clicked() {
                test_sound.write(PlayTestSound);
            }
            crate::comfort::comfort_section(ui, &mut looks, &mut rects);
            // Each language named in itself, so that someone who cannot read the one in use
            // still finds theirs.
            ui.separator();
            crate::locale::language_section(ui, &mut chosen_language, &mut rects);
        });
    });
    if let Some(shown) = shown {
        rects.note("settings-window", shown.response.rect);
    }
    if looks != *comfort {
        *comfort = looks;
    }
    if chosen_language != *language {
        *language = chosen_language;
    }
    if picked != *choice {
        *choice = picked;
    }
    if !still_open {
        open.0 = false;
    }
    Ok(())
}

fn media_notice(
    mut contexts: EguiContexts,
    mut notice: ResMut<MediaNotice>,
    mut failed: ResMut<FailedConnection>,
    mut retry: MessageWriter<RetryConnection>,
    mut rects: ResMut<ControlRects>,
) -> Result {
    let Some(message) = notice.0.clone() else { return Ok(()) };
    let mut close = false;
    egui::Window::new(t("notice.title"))
        .collapsible(false)
        .resizable(false)
        .anchor(Align2::CENTER_TOP, [0.0, 60.0])
        .show(contexts.ctx_mut()?, |ui| {
            ui.label(message);
            ui.horizontal(|ui| {
                if let Some(person) = failed.0 {
                    let retry_button = ui.button(t("connection.retry"));
                    rects.note("retry", retry_button.rect);
                    if retry_button.clicked() {
                        retry.write(RetryConnection(person));
                        close = true;
                    }
                }
                close |= ui.button(t("common.close")).clicked();
            });
        });
    if close {
        notice.0 = None;
        failed.0 = None;
    }
    Ok(())
}

fn closed_screen(mut contexts: EguiContexts, reason: Option<Res<ClosedReason>>) -> Result {
    let message = reason.map_or_else(|| t("closed.default").to_owned(), |reason| reason.0.clone());
    egui::Area::new("closed".into()).anchor(Align2::CENTER_CENTER, [0.0, 0.0]).show(contexts.ctx_mut()?, |ui| {
        ui.vertical_centered(|ui| {
            ui.heading("ibasho");
            ui.add_space(20.0);
            ui.label(message);
            ui.add_space(20.0);
            if ui.button(t("closed.reload")).clicked() {
                #[cfg(target_arch = "wasm32")]
                crate::web::reload_page();
            }
        });
    });
    Ok(())
}
