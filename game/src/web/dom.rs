//! The page around the canvas: the chat input (a real `<input>`, so the browser's Japanese
//! IME works) and log, the loading overlay, and `window.__ibasho`, a read-only snapshot of the
//! town for end-to-end tests, with `window.__ibashoWalkTo(x, y)` to walk like a click does.

use bevy::diagnostic::FrameCount;
use bevy::prelude::*;
use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, HtmlElement, HtmlInputElement, KeyboardEvent};

use super::peers::ConnectedPeers;
use crate::assets::LoadingProgress;
use crate::avatar::Avatar;
use crate::camera::TownCamera;
use crate::chat::{Bubble, ChatLog, Say};
use crate::devices::{InputLevel, SettingsOpen};
use crate::help_call::{HelpCalls, HelpReplyDraft, MyHelpCall};
use crate::locale::{t, tf};
use crate::map::Town;
use crate::movement::{LocalPlayer, WalkTo};
use crate::participation::{ChooseParticipation, MediaNotice};
use crate::places::booth::{BoothSigns, BoothSlots, BoothSpot, KnockNote, MyDesk, MyTicket};
use crate::places::tables::GroupsDraft;
use crate::presence::{Links, Me, RemotePerson, ServerLink};
use crate::screens::Screen;
use crate::ui::{ControlRects, PersonPanel};
use crate::voice::{SelfMuted, Speaking, Taking, VoiceMix};
use protocol::Participation;

/// Snapshots published per second.
const SNAPSHOTS_PER_SECOND: f32 = 10.0;
/// Chat lines kept in the page.
const DOM_CHAT_LINES: u32 = 100;

/// Lines typed into the chat input, points asked for by the walk hook, ladder steps asked for
/// by the participation hook, and the knock note and staff's answer to a call as they are typed.
#[derive(Resource)]
struct PageInput {
    said: async_channel::Receiver<String>,
    walk: async_channel::Receiver<(f32, f32)>,
    choose: async_channel::Receiver<String>,
    note: async_channel::Receiver<String>,
    reply: async_channel::Receiver<String>,
    raw: async_channel::Receiver<String>,
    groups: async_channel::Receiver<String>,
    report: async_channel::Receiver<String>,
}

pub fn plugin(app: &mut App) {
    let (said_tx, said) = async_channel::unbounded();
    let (walk_tx, walk) = async_channel::unbounded();
    let (choose_tx, choose) = async_channel::unbounded();
    let (note_tx, note) = async_channel::unbounded();
    let (raw_tx, raw) = async_channel::unbounded();
    let (reply_tx, reply) = async_channel::unbounded();
    let (groups_tx, groups) = async_channel::unbounded();
    let (report_tx, report) = async_channel::unbounded();
    if let Some(document) = document() {
        listen_to_chat_input(&document, said_tx);
        listen_to_field("knock-note", note_tx);
        listen_to_field("help-reply", reply_tx);
        listen_to_field("hall-groups", groups_tx);
        listen_to_field("report-note", report_tx);
    }
    install_hooks(walk_tx, choose_tx, raw_tx);
    app.insert_resource(PageInput { said, walk, choose, note, reply, raw, groups, report })
        .add_systems(
            Update,
            (
                read_page_input,
                show_loading_progress,
                append_chat_lines,
                publish_snapshot,
                lock_chat_when_watching,
                place_knock_note,
                place_help_reply,
                place_groups_field,
                place_report_note,
            ),
        )
        .add_systems(OnExit(Screen::Loading), hide_loading_overlay)
        .add_systems(OnEnter(Screen::Town), show_chat_panel)
        .add_systems(OnEnter(Screen::Closed), hide_chat_panel);
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn element(id: &str) -> Option<HtmlElement> {
    document()?.get_element_by_id(id)?.dyn_into().ok()
}

fn listen_to_chat_input(document: &Document, said: async_channel::Sender<String>) {
    let Some(input) = document.get_element_by_id("chat-input").and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    else {
        return;
    };
    let field = input.clone();
    let on_key = Closure::<dyn FnMut(KeyboardEvent)>::new(move |event: KeyboardEvent| {
        // Enter that confirms an IME conversion is not a send.
        if event.key() != "Enter" || event.is_composing() {
            return;
        }
        event.prevent_default();
        let text = field.value();
        if !text.trim().is_empty() {
            let _ = said.try_send(text);
        }
        field.set_value("");
    });
    let _ = input.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
    on_key.forget();
}

fn input_field(id: &str) -> Option<HtmlInputElement> {
    document()?.get_element_by_id(id)?.dyn_into().ok()
}

/// Sends a text field's value down `value` whenever it is typed into.
fn listen_to_field(id: &str, value: async_channel::Sender<String>) {
    let Some(input) = input_field(id) else { return };
    let field = input.clone();
    let on_input = Closure::<dyn FnMut()>::new(move || {
        let _ = value.try_send(field.value());
    });
    let _ = input.add_event_listener_with_callback("input", on_input.as_ref().unchecked_ref());
    on_input.forget();
}

/// Lays the page's text field `id` (a real `<input>`, IME-safe) over the space an egui panel
/// keeps for it (the control rect of the same name), hides it when no panel keeps one, and
/// empties it once what was typed is sent (`sent`).
fn place_field(id: &str, rects: &ControlRects, sent: bool, placed: &mut Option<[f32; 4]>) {
    let Some(field) = input_field(id) else { return };
    let wanted = rects.0.get(id).copied();
    if wanted != *placed {
        match wanted {
            Some([x, y, width, height]) => {
                let style = field.style();
                let _ = style.set_property("left", &format!("{x}px"));
                let _ = style.set_property("top", &format!("{y}px"));
                let _ = style.set_property("width", &format!("{width}px"));
                let _ = style.set_property("height", &format!("{height}px"));
                field.set_hidden(false);
            }
            None => field.set_hidden(true),
        }
        *placed = wanted;
    }
    if sent && !field.value().is_empty() {
        field.set_value("");
    }
}

/// The knock note, over the door panel.
fn place_knock_note(rects: Res<ControlRects>, note: Res<KnockNote>, mut placed: Local<Option<[f32; 4]>>) {
    place_field("knock-note", &rects, note.is_changed() && note.0.is_empty(), &mut placed);
}

/// Staff's answer to a call for help, over the calls panel.
fn place_help_reply(rects: Res<ControlRects>, draft: Res<HelpReplyDraft>, mut placed: Local<Option<[f32; 4]>>) {
    place_field("help-reply", &rects, draft.is_changed() && draft.0.is_empty(), &mut placed);
}

/// The groups a facilitator types, over the hall panel (kept while they are being set).
fn place_groups_field(rects: Res<ControlRects>, mut placed: Local<Option<[f32; 4]>>) {
    place_field("hall-groups", &rects, false, &mut placed);
}

/// The note of a report to staff, over the person's panel.
fn place_report_note(
    rects: Res<ControlRects>,
    note: Res<crate::safety::ReportNote>,
    mut placed: Local<Option<[f32; 4]>>,
) {
    place_field("report-note", &rects, note.is_changed() && note.0.is_empty(), &mut placed);
}

/// `__ibashoWalkTo(x, y)` walks like a click; `__ibashoChoose("voice")` picks a ladder step
/// like the top bar's buttons (`watching`, `listening`, `voice`, `camera`);
/// `__ibashoSendRaw(json)` sends a client message as a modified client would, past every check
/// of the game's own (any script on the page could open its own WebSocket to do the same), so
/// tests show that the server's rules hold.
fn install_hooks(
    walk: async_channel::Sender<(f32, f32)>,
    choose: async_channel::Sender<String>,
    raw: async_channel::Sender<String>,
) {
    let Some(window) = web_sys::window() else { return };
    let walk_hook = Closure::<dyn FnMut(f32, f32)>::new(move |x: f32, y: f32| {
        let _ = walk.try_send((x, y));
    });
    let _ = js_sys::Reflect::set(&window, &"__ibashoWalkTo".into(), walk_hook.as_ref());
    walk_hook.forget();
    let choose_hook = Closure::<dyn FnMut(String)>::new(move |step: String| {
        let _ = choose.try_send(step);
    });
    let _ = js_sys::Reflect::set(&window, &"__ibashoChoose".into(), choose_hook.as_ref());
    choose_hook.forget();
    let raw_hook = Closure::<dyn FnMut(String)>::new(move |json: String| {
        let _ = raw.try_send(json);
    });
    let _ = js_sys::Reflect::set(&window, &"__ibashoSendRaw".into(), raw_hook.as_ref());
    raw_hook.forget();
}

/// 見学 does not chat: the input is disabled while watching. In a hall the chat reaches the
/// whole hall, and the field says so; with 「話しかけないで」 on, nobody near, and it says that
/// (in the language in use, worded again when it changes).
fn lock_chat_when_watching(
    me: Query<(&Taking, Option<&crate::do_not_disturb::DoNotDisturb>), With<LocalPlayer>>,
    hall: Res<crate::places::hall::MyHall>,
    mut shown: Local<Option<(bool, bool, bool, crate::locale::Lang)>>,
) {
    let Ok((taking, sign)) = me.single() else { return };
    let state = (taking.0.can_chat(), hall.0.is_some(), sign.is_some_and(|sign| sign.0), crate::locale::current());
    if *shown == Some(state) {
        return;
    }
    let Some(input) =
        document().and_then(|d| d.get_element_by_id("chat-input")).and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    else {
        return;
    };
    *shown = Some(state);
    input.set_disabled(!state.0);
    let hint = match state {
        (false, ..) => t("chat.watching"),
        (true, true, ..) => t("chat.hall"),
        (true, false, true, _) => t("chat.quiet"),
        (true, false, false, _) => t("chat.near"),
    };
    input.set_placeholder(hint);
}

fn read_page_input(
    input: Res<PageInput>,
    link: Option<Res<ServerLink>>,
    (mut note, mut reply, mut groups, mut report): (
        ResMut<KnockNote>,
        ResMut<HelpReplyDraft>,
        ResMut<GroupsDraft>,
        ResMut<crate::safety::ReportNote>,
    ),
    mut say: MessageWriter<Say>,
    mut walk: MessageWriter<WalkTo>,
    mut choose: MessageWriter<ChooseParticipation>,
) {
    while let Ok(step) = input.choose.try_recv() {
        let step = serde_json::from_value::<Participation>(serde_json::Value::String(step));
        if let Ok(step) = step {
            choose.write(ChooseParticipation(step));
        }
    }
    while let Ok(text) = input.said.try_recv() {
        say.write(Say(text));
    }
    while let Ok((x, y)) = input.walk.try_recv() {
        walk.write(WalkTo(Vec2::new(x, y)));
    }
    while let Ok(text) = input.note.try_recv() {
        note.0 = text;
    }
    while let Ok(text) = input.reply.try_recv() {
        reply.0 = text;
    }
    while let Ok(text) = input.groups.try_recv() {
        groups.0 = text;
    }
    while let Ok(text) = input.report.try_recv() {
        report.0 = text;
    }
    while let Ok(json) = input.raw.try_recv() {
        if let (Some(link), Ok(message)) = (link.as_ref(), serde_json::from_str::<protocol::ClientMessage>(&json)) {
            let _ = link.outgoing.try_send(message);
        }
    }
}

fn show_loading_progress(progress: Res<LoadingProgress>) {
    if !progress.is_changed() {
        return;
    }
    if let Some(bar) = element("loading-bar") {
        let _ = bar.style().set_property("width", &format!("{:.0}%", progress.fraction() * 100.0));
    }
    if let Some(text) = element("loading-text") {
        let step = if progress.loaded < progress.total { t("loading.data") } else { t("loading.entering") };
        text.set_text_content(Some(step));
    }
}

fn hide_loading_overlay() {
    if let Some(overlay) = element("loading") {
        overlay.set_hidden(true);
    }
}

fn show_chat_panel() {
    if let Some(panel) = element("chat") {
        panel.set_hidden(false);
    }
}

fn hide_chat_panel() {
    if let Some(panel) = element("chat") {
        panel.set_hidden(true);
    }
}

fn append_chat_lines(log: Res<ChatLog>, mut shown: Local<usize>, mut forgotten: Local<usize>) {
    if log.added == *shown && log.forgotten == *forgotten {
        return;
    }
    let (Some(document), Some(list)) = (document(), element("chat-log")) else { return };
    // Lines were taken out (what was said in a booth): draw the log anew.
    if log.forgotten != *forgotten {
        list.set_text_content(None);
        *shown = log.added - log.lines.len();
        *forgotten = log.forgotten;
    }
    let new = (log.added - *shown).min(log.lines.len());
    for line in &log.lines[log.lines.len() - new..] {
        let Ok(item) = document.create_element("li") else { continue };
        // Text only, never HTML: what others type cannot become markup.
        item.set_text_content(Some(&tf("chat.line", &[("name", &line.nickname), ("text", &line.text)])));
        let _ = list.append_child(&item);
    }
    while list.child_element_count() > DOM_CHAT_LINES {
        if let Some(first) = list.first_element_child() {
            first.remove();
        }
    }
    list.set_scroll_top(list.scroll_height());
    *shown = log.added;
}

#[derive(Serialize)]
struct PersonView {
    id: i64,
    nickname: String,
    /// The role whose badge is drawn beside the name (participants carry none).
    role: protocol::Role,
    x: f32,
    y: f32,
    /// Where the avatar is on the page (CSS pixels), to click it.
    screen: Option<(f32, f32)>,
    place: Option<String>,
    bubble: Option<String>,
    participation: Participation,
    /// Volume of their voice for us (0 for ourselves).
    gain: f32,
    /// What their voice is played at: the gain times our own volume for them (0 when muted).
    volume: f32,
    /// Whether their speaking indicator is on.
    speaking: bool,
    /// 「話しかけないでください」 is on for them.
    do_not_disturb: bool,
    /// Out of our view: the server tells us no positions of them, their avatar is hidden.
    out_of_view: bool,
}

#[derive(Serialize)]
struct Snapshot {
    screen: &'static str,
    /// Why the page closed, once it has.
    closed: Option<String>,
    /// The connection to the server: open, reconnecting, restarting, gave_up.
    connection: &'static str,
    /// Frames run since the page started (benchmarks divide CPU time by it).
    frame: u32,
    me: Option<PersonView>,
    people: Vec<PersonView>,
    introduced: Vec<i64>,
    /// The people who can hear us now (our microphone goes only to them).
    heard_by: Vec<i64>,
    connected_peers: usize,
    chat: Vec<(String, String)>,
    self_muted: bool,
    /// getStats() figures per person id.
    media: std::collections::HashMap<i64, super::media::PeerFigures>,
    /// The microphone's input level, as the settings window's meter shows it.
    input_level: f32,
    settings_open: bool,
    /// Whose voice settings are open.
    person_panel: Option<i64>,
    /// Whom we block.
    blocked: Vec<i64>,
    /// Our last report reached staff.
    report_sent: bool,
    /// The announcement in the top bar.
    announcement: Option<String>,
    /// Staff's word after walking us to the entrance, while shown.
    staff_word: Option<String>,
    /// Until when staff hold our voice.
    voice_hold: Option<String>,
    /// The open hours as we were told them, with the guide board's lines about them.
    hours: HoursShot,
    /// Where egui drew its named controls: `[x, y, width, height]`.
    controls: std::collections::HashMap<String, [f32; 4]>,
    /// The comfort settings in force.
    comfort: crate::comfort::Comfort,
    /// Speaking rings drawn in the last frame.
    rings: usize,
    /// Name tags drawn on screen in the last frame.
    names: usize,
    /// The part of the town on screen below the top bar, in world pixels: `[left, bottom, right, top]`.
    view: Option<[f32; 4]>,
    /// The notice shown about devices or connections, if any.
    notice: Option<String>,
    /// The booths as we see them.
    booth: BoothView,
    /// Calls for help as we see them.
    help: HelpView,
    /// The hall we stand in, as we see it.
    hall: HallShot,
    /// The programs as we are shown them.
    programs: ProgramsShot,
    /// The gallery as we see it.
    gallery: GalleryShot,
}

#[derive(Serialize)]
struct GalleryShot {
    /// The visible videos' titles, in order.
    videos: Vec<String>,
    /// The showing of the gallery we stand in.
    showing: Option<protocol::Showing>,
    /// The screen we stand in front of.
    screen: Option<u32>,
    /// What the page plays: "nothing", "alone" or "together".
    playback: &'static str,
    /// We stepped out of the showing.
    stepped_out: bool,
    /// Server minus our clock, in milliseconds, once measured.
    clock_offset_ms: Option<f64>,
    /// Where the showing is now by the server's clock, in seconds.
    expected: Option<f64>,
    /// The page's video element.
    video: super::gallery_video::GalleryFigures,
}

#[derive(Serialize)]
struct HoursShot {
    /// As the server sent them.
    view: protocol::HoursView,
    /// The guide board's lines about them.
    board: Vec<String>,
    /// The notice that ibasho closes soon, while it is shown.
    closing_notice: Option<String>,
}

#[derive(Serialize)]
struct ProgramsShot {
    /// Today's and the coming days' programs.
    listed: Vec<protocol::ProgramView>,
    /// What the guide board lists under its own lines.
    board: Vec<String>,
    /// The notice of a program about to start, while it is shown.
    notice: Option<protocol::ProgramView>,
    /// Whether 「今日のプログラム」 is open.
    open: bool,
    /// How loud the hall's voices play (softer at a table while it talks).
    stage_volume: f32,
}

#[derive(Serialize)]
struct HallShot {
    view: Option<protocol::HallView>,
    /// The SFU's feeds we receive: feed id → (whose, what).
    feeds: std::collections::HashMap<u64, (i64, protocol::FeedKind)>,
    /// Whether we share our screen now.
    sharing: bool,
    /// Whether our stage voice is in music mode.
    music: bool,
    /// Whose shared screen the page shows, if any.
    screen_shown: Option<String>,
    /// Reactions floating over avatars now: (who, what).
    reactions: Vec<(i64, protocol::Reaction)>,
    /// Why our last turn ended, while the panel says so.
    turn_ended: Option<protocol::TurnEnded>,
    /// Whether our microphone should be reaching the whole hall now.
    publishing: bool,
}

/// The hall as we see it, for the snapshot.
type HallShown<'w> = (
    Res<'w, crate::places::hall::MyHall>,
    Res<'w, crate::places::hall::HallFeeds>,
    Res<'w, crate::places::hall::FloatingReactions>,
    Res<'w, crate::places::hall::TurnNotice>,
    Res<'w, crate::places::hall::PublishToHall>,
    Res<'w, crate::places::hall::ShareScreen>,
    Res<'w, crate::places::hall::MusicMode>,
);

#[derive(Serialize)]
struct HelpView {
    /// Our own call: waiting or answered.
    status: Option<protocol::HelpStatus>,
    /// Answers to our call: (who, what).
    replies: Vec<(String, String)>,
    /// The calls waiting (staff and counselors only).
    calls: Vec<protocol::HelpCall>,
}

#[derive(Serialize)]
struct BoothView {
    signs: Vec<protocol::BoothSign>,
    ticket: Option<protocol::Ticket>,
    desk: Option<protocol::Desk>,
    inside: Option<String>,
    at_door: Option<String>,
    /// How many tiles are walls for us now (closed booths).
    barrier_tiles: usize,
    /// The counseling times listed for us.
    slots: Vec<protocol::SlotView>,
}

/// The booths as we see them, for the snapshot.
type BoothsShown<'w> = (
    Res<'w, BoothSigns>,
    Res<'w, MyTicket>,
    Res<'w, MyDesk>,
    Res<'w, BoothSpot>,
    Res<'w, crate::map::Barriers>,
    Res<'w, BoothSlots>,
);

/// The programs, the stage's volume and the open hours, for the snapshot.
type ProgramsShown<'w> = (
    Res<'w, crate::programs::Programs>,
    Res<'w, crate::programs::ProgramNotice>,
    Res<'w, crate::programs::ProgramsOpen>,
    Res<'w, crate::places::tables::StageVolume>,
    Res<'w, crate::hours::TownHours>,
    Res<'w, crate::hours::ClosingNotice>,
);

/// The gallery as we see it, for the snapshot.
type GalleryShown<'w> = (
    Res<'w, crate::places::gallery::Videos>,
    Res<'w, crate::places::gallery::GalleryShowing>,
    Res<'w, crate::places::gallery::GallerySpot>,
    Res<'w, crate::places::gallery::Playback>,
    Res<'w, crate::places::gallery::ServerClock>,
);

/// The settings and panels shown, for the snapshot.
type Shown<'w> = (
    Res<'w, ControlRects>,
    Res<'w, SettingsOpen>,
    Res<'w, PersonPanel>,
    Res<'w, InputLevel>,
    Res<'w, MediaNotice>,
    Res<'w, crate::connection::Connection>,
);

fn publish_snapshot(
    time: Res<Time>,
    frames: Res<FrameCount>,
    screen: Res<State<Screen>>,
    me: Option<Res<Me>>,
    town: Option<Res<Town>>,
    links: Res<Links>,
    connected: Res<ConnectedPeers>,
    log: Res<ChatLog>,
    voice_mix: Res<VoiceMix>,
    (self_muted, speaking, blocks, announcement, closed, report_sent, staff_word, voice_hold): (
        Res<SelfMuted>,
        Res<Speaking>,
        Res<crate::safety::MyBlocks>,
        Res<crate::ui::TownAnnouncement>,
        Option<Res<crate::screens::ClosedReason>>,
        Res<crate::safety::ReportSent>,
        Res<crate::care::StaffWord>,
        Res<crate::participation::VoiceHold>,
    ),
    (my_call, calls, hall_shown, comfort, label_figures): (
        Res<MyHelpCall>,
        Res<HelpCalls>,
        HallShown,
        Res<crate::comfort::Comfort>,
        Res<crate::labels::LabelFigures>,
    ),
    avatars: Query<(
        &Avatar,
        &Transform,
        &Taking,
        Option<&RemotePerson>,
        Option<&LocalPlayer>,
        Option<&Bubble>,
        Option<&crate::do_not_disturb::DoNotDisturb>,
        Has<crate::interest::OutOfView>,
    )>,
    camera: Option<Single<(&Camera, &GlobalTransform), With<TownCamera>>>,
    (controls, settings_open, person_panel, input_level, notice, connection): Shown,
    (
        (signs, ticket, desk, spot, barriers, slots),
        (programs, program_notice, programs_open, stage_volume, hours, closing_notice),
        (videos, showing, gallery_spot, playback, clock),
    ): (BoothsShown, ProgramsShown, GalleryShown),
    mut last: Local<f32>,
) {
    let now = time.elapsed_secs();
    if now - *last < 1.0 / SNAPSHOTS_PER_SECOND {
        return;
    }
    *last = now;
    let view = |avatar: &Avatar,
                transform: &Transform,
                taking: &Taking,
                id: i64,
                (bubble, quiet, out): (Option<&Bubble>, bool, bool)| {
        let at = transform.translation.truncate();
        PersonView {
            id,
            nickname: avatar.nickname.clone(),
            role: avatar.role,
            x: at.x,
            y: at.y,
            screen: camera
                .as_ref()
                .and_then(|c| c.0.world_to_viewport(c.1, transform.translation).ok())
                .map(|p| (p.x, p.y)),
            place: town.as_ref().and_then(|t| t.place_name(at, protocol::locale::Lang::Ja)).map(str::to_owned),
            bubble: bubble.map(|b| b.text.clone()),
            participation: taking.0,
            gain: voice_mix.gains.get(&protocol::ParticipantId(id)).copied().unwrap_or(0.0),
            volume: voice_mix.volumes.get(&protocol::ParticipantId(id)).copied().unwrap_or(0.0),
            speaking: speaking.0.contains(&protocol::ParticipantId(id)),
            do_not_disturb: quiet,
            out_of_view: out,
        }
    };
    let mut snapshot = Snapshot {
        screen: match screen.get() {
            Screen::Loading => "loading",
            Screen::Town => "town",
            Screen::Closed => "closed",
        },
        closed: closed.map(|reason| reason.0.clone()),
        connection: connection.name(),
        frame: frames.0,
        me: None,
        people: Vec::new(),
        introduced: links.0.values().map(|id| id.0).collect(),
        heard_by: voice_mix.heard_by.iter().map(|id| id.0).collect(),
        connected_peers: connected.0.len(),
        chat: log.lines.iter().map(|line| (line.nickname.clone(), line.text.clone())).collect(),
        self_muted: self_muted.0,
        media: super::media::figures().into_iter().map(|(id, figures)| (id.0, figures)).collect(),
        input_level: input_level.0,
        settings_open: settings_open.0,
        person_panel: person_panel.0.map(|id| id.0),
        announcement: announcement.0.clone(),
        staff_word: staff_word.0.clone(),
        voice_hold: voice_hold.0.clone(),
        report_sent: report_sent.0,
        blocked: {
            let mut blocked: Vec<i64> = blocks.0.iter().map(|id| id.0).collect();
            blocked.sort_unstable();
            blocked
        },
        controls: controls.0.clone(),
        comfort: *comfort,
        rings: label_figures.rings,
        names: label_figures.names,
        view: camera.as_ref().and_then(|c| {
            // The part below the top bar, which covers the rest.
            let size = c.0.logical_viewport_size()?;
            let bar = Vec2::new(0.0, controls.top_bar_bottom());
            let (a, b) = (c.0.viewport_to_world_2d(c.1, bar).ok()?, c.0.viewport_to_world_2d(c.1, size).ok()?);
            Some([a.x.min(b.x), a.y.min(b.y), a.x.max(b.x), a.y.max(b.y)])
        }),
        notice: notice.0.clone(),
        booth: BoothView {
            signs: signs.0.clone(),
            ticket: ticket.0.clone(),
            desk: desk.0.clone(),
            inside: spot.inside.as_ref().map(|id| id.0.clone()),
            at_door: spot.at_door.as_ref().map(|id| id.0.clone()),
            barrier_tiles: barriers.0.len(),
            slots: slots.slots.clone(),
        },
        help: HelpView { status: my_call.status.clone(), replies: my_call.replies.clone(), calls: calls.0.clone() },
        hall: {
            let (hall, feeds, floating, turn_notice, publishing, share, music) = &hall_shown;
            HallShot {
                view: hall.0.clone(),
                feeds: feeds.0.iter().map(|(feed, (person, kind))| (feed.0, (person.0, *kind))).collect(),
                sharing: share.0,
                music: music.0,
                screen_shown: super::hall_media::screen_shown(),
                reactions: floating.0.iter().map(|(person, reaction, _)| (person.0, *reaction)).collect(),
                turn_ended: turn_notice.0,
                publishing: publishing.0,
            }
        },
        hours: HoursShot {
            view: hours.0.clone(),
            board: hours.board_lines(),
            closing_notice: closing_notice.0.clone(),
        },
        programs: ProgramsShot {
            listed: programs.0.clone(),
            board: programs.board_lines(),
            notice: program_notice.0.clone(),
            open: programs_open.0,
            stage_volume: stage_volume.0,
        },
        gallery: GalleryShot {
            videos: videos.0.iter().map(|video| video.title.clone()).collect(),
            showing: showing.0.clone(),
            screen: gallery_spot.screen,
            playback: match *playback {
                crate::places::gallery::Playback::Nothing => "nothing",
                crate::places::gallery::Playback::Alone(_) => "alone",
                crate::places::gallery::Playback::Together(..) => "together",
            },
            stepped_out: gallery_spot.stepped_out,
            clock_offset_ms: clock.offset_ms,
            expected: showing
                .0
                .as_ref()
                .zip(clock.server_time(crate::places::gallery::wall_clock_ms()))
                .map(|(showing, server_now)| showing.position_at(server_now)),
            video: super::gallery_video::figures(),
        },
    };
    for (avatar, transform, taking, remote, local, bubble, sign, out) in &avatars {
        let said = (bubble, sign.is_some_and(|sign| sign.0), out);
        if local.is_some() {
            snapshot.me = Some(view(avatar, transform, taking, me.as_ref().map_or(0, |me| me.id.0), said));
        } else if let Some(remote) = remote {
            snapshot.people.push(view(avatar, transform, taking, remote.0.0, said));
        }
    }
    let (Some(window), Ok(json)) = (web_sys::window(), serde_json::to_string(&snapshot)) else { return };
    if let Ok(value) = js_sys::JSON::parse(&json) {
        let _ = js_sys::Reflect::set(&window, &"__ibasho".into(), &value);
    }
}
