//! The town as a list, for people who use a screen reader or the keyboard, or cannot follow a
//! map: real DOM (`#town-list`) with each place, who is there as far as we may know (people in a
//! booth are not sent to us), and a 「…へ行く」 button, plus the ways to take part,
//! 「話しかけないで」 and 「スタッフに声をかけてほしい」 as buttons with ARIA states. The first Tab on
//! the page reaches 「一覧で見る」; Escape closes the list.

use bevy::prelude::*;
use protocol::{HelpRequest, Participation, PlaceKind, TownMap};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, Event, HtmlElement, KeyboardEvent};

use crate::avatar::Avatar;
use crate::do_not_disturb::{AskDoNotDisturb, DoNotDisturb};
use crate::help_call::{AskHelp, MyHelpCall};
use crate::locale::{current, t, tf};
use crate::map::{Town, to_position, to_vec2};
use crate::movement::{LocalPlayer, WalkTo};
use crate::participation::ChooseParticipation;
use crate::screens::Screen;
use crate::voice::Taking;

/// What a button of the list asks for (its `data-action`).
#[derive(Debug, Clone, PartialEq)]
enum ListAction {
    /// Walk to a place, by its id.
    Go(String),
    /// Take part this way.
    Step(Participation),
    /// Turn 「話しかけないで」 over.
    Quiet,
    /// Ask for staff, or take the call back.
    Help,
}

impl ListAction {
    fn parse(text: &str) -> Option<ListAction> {
        let (kind, value) = text.split_once(':').unwrap_or((text, ""));
        match kind {
            "go" => Some(ListAction::Go(value.to_owned())),
            "step" => Participation::ALL.into_iter().find(|step| step_key(*step) == value).map(ListAction::Step),
            "quiet" => Some(ListAction::Quiet),
            "help" => Some(ListAction::Help),
            _ => None,
        }
    }
}

fn step_key(step: Participation) -> &'static str {
    match step {
        Participation::Watching => "watching",
        Participation::Listening => "listening",
        Participation::Voice => "voice",
        Participation::Camera => "camera",
    }
}

/// Actions pressed in the list, waiting for the next frame.
#[derive(Resource)]
struct ListInput(async_channel::Receiver<ListAction>);

pub fn plugin(app: &mut App) {
    let (sender, receiver) = async_channel::unbounded();
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        listen(&document, sender);
    }
    app.insert_resource(ListInput(receiver))
        .add_systems(Update, (act_on_list, fill_list).run_if(in_state(Screen::Town)));
}

fn element(document: &Document, id: &str) -> Option<HtmlElement> {
    document.get_element_by_id(id)?.dyn_into().ok()
}

/// One click listener for the whole list (its buttons come and go), the toggle, and Escape.
fn listen(document: &Document, sender: async_channel::Sender<ListAction>) {
    let (Some(list), Some(toggle)) = (element(document, "town-list"), element(document, "list-toggle")) else {
        return;
    };
    let on_click = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        let button = event
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .and_then(|target| target.closest("button[data-action]").ok().flatten());
        if let Some(action) =
            button.and_then(|button| button.get_attribute("data-action")).and_then(|a| ListAction::parse(&a))
        {
            let _ = sender.try_send(action);
        }
    });
    let _ = list.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    on_click.forget();

    let (shown, opener) = (list.clone(), toggle.clone());
    let on_toggle = Closure::<dyn FnMut()>::new(move || show(&shown, &opener, shown.hidden()));
    let _ = toggle.add_event_listener_with_callback("click", on_toggle.as_ref().unchecked_ref());
    on_toggle.forget();

    let (shown, opener) = (list.clone(), toggle);
    let on_key = Closure::<dyn FnMut(KeyboardEvent)>::new(move |event: KeyboardEvent| {
        if event.key() == "Escape" {
            show(&shown, &opener, false);
        }
    });
    let _ = list.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
    on_key.forget();
}

/// Opens the list (focus to its heading) or closes it (focus back to the toggle).
fn show(list: &HtmlElement, toggle: &HtmlElement, open: bool) {
    list.set_hidden(!open);
    let _ = toggle.set_attribute("aria-expanded", if open { "true" } else { "false" });
    toggle.set_text_content(Some(if open { t("list.close") } else { t("list.open") }));
    let focus = if open {
        list.query_selector("h2").ok().flatten().and_then(|h| h.dyn_into::<HtmlElement>().ok())
    } else {
        None
    };
    let _ = focus.as_ref().unwrap_or(toggle).focus();
}

/// Where 「…へ行く」 takes a person: a booth's door (its inside is closed until one is let in),
/// or the walkable tile nearest the place's middle.
fn destination(map: &TownMap, id: &str) -> Option<Vec2> {
    let place = map.places.iter().find(|place| place.id.0 == id)?;
    if place.kind == PlaceKind::Booth {
        let door = map.doors(place).into_iter().next()?;
        return Some(to_vec2(map.tile_center(door.outside.0, door.outside.1)));
    }
    let area = place.area;
    let middle = (area.col as f32 + area.width as f32 / 2.0, area.row as f32 + area.height as f32 / 2.0);
    (area.row..area.row + area.height)
        .flat_map(|row| (area.col..area.col + area.width).map(move |col| (col, row)))
        .filter(|&(col, row)| map.is_walkable(col, row) && map.place_at(map.tile_center(col, row)) == Some(place))
        .min_by(|a, b| {
            let distance =
                |(c, r): (u32, u32)| (c as f32 + 0.5 - middle.0).powi(2) + (r as f32 + 0.5 - middle.1).powi(2);
            distance(*a).total_cmp(&distance(*b))
        })
        .map(|(col, row)| to_vec2(map.tile_center(col, row)))
}

fn act_on_list(
    input: Res<ListInput>,
    town: Res<Town>,
    me: Query<&DoNotDisturb, With<LocalPlayer>>,
    my_call: Res<MyHelpCall>,
    (mut walk, mut choose, mut quiet, mut help): (
        MessageWriter<WalkTo>,
        MessageWriter<ChooseParticipation>,
        MessageWriter<AskDoNotDisturb>,
        MessageWriter<AskHelp>,
    ),
) {
    while let Ok(action) = input.0.try_recv() {
        match action {
            ListAction::Go(id) => {
                if let Some(point) = destination(&town.0, &id) {
                    walk.write(WalkTo(point));
                }
            }
            ListAction::Step(step) => {
                choose.write(ChooseParticipation(step));
            }
            ListAction::Quiet => {
                let on = me.single().is_ok_and(|sign| sign.0);
                quiet.write(AskDoNotDisturb(!on));
            }
            ListAction::Help => {
                let request = if my_call.status.is_some() { HelpRequest::Withdraw } else { HelpRequest::Ask };
                help.write(AskHelp(request));
            }
        }
    }
}

/// Writes the list anew when what it says changed (checked twice a second).
fn fill_list(
    time: Res<Time>,
    town: Res<Town>,
    people: Query<(&Avatar, &Transform, Option<&LocalPlayer>)>,
    me: Query<(&Taking, &DoNotDisturb), With<LocalPlayer>>,
    my_call: Res<MyHelpCall>,
    mut last: Local<(f32, String, String)>,
) {
    let now = time.elapsed_secs();
    if now - last.0 < 0.5 {
        return;
    }
    last.0 = now;
    let map = &town.0;
    let mut here = None;
    let mut html = String::new();
    let (taking, quiet) = me.single().map_or((Participation::Listening, false), |(taking, sign)| (taking.0, sign.0));
    html.push_str(&format!("<div role=\"group\" aria-label=\"{}\">", t("list.ways")));
    for step in Participation::ALL {
        let pressed = if step == taking { "true" } else { "false" };
        html.push_str(&format!(
            "<button type=\"button\" data-action=\"step:{}\" aria-pressed=\"{pressed}\">{}</button>",
            step_key(step),
            step.label(current())
        ));
    }
    html.push_str(&format!("</div><div role=\"group\" aria-label=\"{}\">", t("list.other")));
    html.push_str(&format!(
        "<button type=\"button\" data-action=\"quiet\" aria-pressed=\"{}\">{}</button>",
        if quiet { "true" } else { "false" },
        t("dnd.sign")
    ));
    let calling = my_call.status.is_some();
    html.push_str(&format!(
        "<button type=\"button\" data-action=\"help\" aria-pressed=\"{}\">{}</button></div>",
        if calling { "true" } else { "false" },
        if calling { t("list.calling") } else { t("ui.call_staff") }
    ));
    html.push_str(&format!("<ul aria-label=\"{}\">", t("list.places")));
    for place in &map.places {
        let mut names: Vec<String> = Vec::new();
        for (avatar, transform, local) in &people {
            let at = to_position(transform.translation.truncate());
            if map.place_at(at).map(|p| &p.id) != Some(&place.id) {
                continue;
            }
            if local.is_some() {
                here = Some(place.name_in(current()).to_owned());
                names.push(tf("list.you", &[("name", &escape(&avatar.nickname))]));
            } else {
                names.push(escape(&avatar.nickname));
            }
        }
        let who = if names.is_empty() {
            t("list.nobody").to_owned()
        } else {
            tf("list.who", &[("count", &names.len()), ("names", &names.join(t("list.comma")))])
        };
        let name = escape(place.name_in(current()));
        html.push_str(&format!(
            "<li><h3>{name}</h3><p>{who}</p><button type=\"button\" data-action=\"go:{}\">{}</button></li>",
            escape(&place.id.0),
            tf("list.go", &[("place", &name)])
        ));
    }
    html.push_str("</ul>");
    let here = tf("ui.here", &[("place", &here.unwrap_or_else(|| t("ui.passage").into()))]);
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    if here != last.1
        && let Some(status) = element(&document, "list-here")
    {
        status.set_text_content(Some(&here));
        last.1 = here;
    }
    if html == last.2 {
        return;
    }
    // The buttons are rebuilt only when their text changed, so focus stays where it is otherwise;
    // after a rebuild it goes back to the button of the same action.
    let Some(body) = element(&document, "list-body") else { return };
    let focused = document
        .active_element()
        .filter(|active| body.contains(Some(active)))
        .and_then(|active| active.get_attribute("data-action"));
    body.set_inner_html(&html);
    if let Some(action) = focused {
        let again = body.query_selector(&format!("button[data-action=\"{action}\"]")).ok().flatten();
        if let Some(button) = again.and_then(|b| b.dyn_into::<HtmlElement>().ok()) {
            let _ = button.focus();
        }
    }
    last.2 = html;
}

/// Text for HTML: nicknames are people's own words, never markup.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
