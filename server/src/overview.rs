//! いまの様子 (`/now`, staff only): who is in the town now (nickname, role, place, step of the
//! ladder, how long), the counts per place and the open calls for help, updated live by
//! server-sent events. People in a counseling booth appear only as 「個別相談中」. Nothing of
//! it is stored.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, Json};
use axum::routing::get;
use futures_util::Stream;
use serde::Serialize;

use crate::AppState;
use crate::auth::StaffOnly;
use crate::error::AppError;
use crate::lang::text;
use crate::pages::{escape, js_words, page, staff_links};

/// How often the live view looks at the town again.
pub const LOOK_EVERY: Duration = Duration::from_secs(2);
/// How often a live view checks that its staff session still holds.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(60);

/// One person in the town, as staff see them (all but `place` empty for someone in a booth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRow {
    /// Their account (what staff's buttons act on).
    pub id: Option<i64>,
    /// Nickname.
    pub nickname: Option<String>,
    /// Role, in the reader's language.
    pub role: Option<String>,
    /// Where: the place's name, 「町の通り」, or 「個別相談中」.
    pub place: String,
    /// Step of the ladder, in the reader's language.
    pub step: Option<String>,
    /// Minutes in the town.
    pub minutes: Option<u64>,
    /// Their page is reconnecting.
    pub away: bool,
    /// Until when staff hold their voice (city time), if they do.
    pub voice_held_until: Option<String>,
}

/// How many people are in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceCount {
    /// The place.
    pub place: String,
    /// How many.
    pub people: usize,
}

/// An open call for help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HelpRow {
    /// Who called.
    pub nickname: String,
    /// Where they are.
    pub place: String,
    /// Minutes since.
    pub minutes: u32,
    /// Who answered already.
    pub answered_by: Option<String>,
}

/// The town now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overview {
    /// How many people are in the town.
    pub total: usize,
    /// The people.
    pub people: Vec<PersonRow>,
    /// Counts per place.
    pub places: Vec<PlaceCount>,
    /// Open calls for help.
    pub help: Vec<HelpRow>,
}

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/now", get(now_page))
        .route("/api/now", get(now_json))
        .route("/api/now/events", get(now_events))
}

async fn now_json(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Json<Overview> {
    Json(state.town.overview(crate::lang::current()))
}

/// The overview as an event, whenever it changed (at most every [`LOOK_EVERY`]); the stream
/// ends once the staff session no longer holds (signed out, ended, suspended). Worded in the
/// language of the request that opened it (the stream outlives the request's own scope).
async fn now_events(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let lang = crate::lang::current();
    let looks = futures_util::stream::unfold(
        (state, session.id, None::<Overview>, Instant::now()),
        move |(state, session_id, last, checked)| async move {
            let mut checked = checked;
            loop {
                if checked.elapsed() >= SESSION_CHECK_EVERY {
                    checked = Instant::now();
                    if !matches!(state.store.keep_session(session_id), Ok(true)) {
                        return None;
                    }
                }
                let overview = state.town.overview(lang);
                if last.as_ref() != Some(&overview) {
                    let event = Event::default().event("overview").json_data(&overview).unwrap_or_default();
                    return Some((Ok(event), (state, session_id, Some(overview), checked)));
                }
                tokio::time::sleep(LOOK_EVERY).await;
            }
        },
    );
    Sse::new(looks).keep_alive(KeepAlive::default())
}

/// The words the page's script uses.
const SCRIPT_WORDS: [&str; 16] = [
    "now.minutes",
    "now.under_a_minute",
    "now.reconnecting",
    "now.voice_held",
    "now.to_entrance",
    "now.release",
    "now.hold",
    "now.people_count",
    "now.answering",
    "now.not_yet",
    "now.updated",
    "now.failed",
    "now.confirm.entrance",
    "now.done.entrance",
    "now.confirm.hold",
    "now.done.hold",
];
/// The words the page's script uses, continued.
const SCRIPT_WORDS_MORE: [&str; 2] = ["now.done.release", "now.stopped"];

async fn now_page(StaffOnly(_): StaffOnly) -> Result<Html<String>, AppError> {
    let zone = crate::city_time::city_zone();
    let zone = serde_json::to_string(zone.iana_name().unwrap_or("Asia/Tokyo")).unwrap_or_default();
    let w = |key: &str| escape(text(key));
    let words: Vec<&str> = SCRIPT_WORDS.iter().chain(&SCRIPT_WORDS_MORE).copied().collect();
    let body = format!(
        r#"<h1>{title}</h1>
{links}
<p class="small">{explain}</p>
<p id="live" role="status">{connecting}</p>
<h2>{help}</h2>
<p id="no-help">{no_help}</p>
<table id="help-table" hidden><thead><tr><th>{who}</th><th>{where_}</th><th>{waiting}</th><th>{answer}</th></tr></thead><tbody id="help"></tbody></table>
<h2>{per_place}</h2>
<table><thead><tr><th>{place}</th><th>{people}</th></tr></thead><tbody id="places"></tbody></table>
<h2>{in_town}</h2>
<fieldset><legend>{care}</legend>
<p class="small">{care_explain}</p>
<label for="entrance-word">{word}</label>
<textarea id="entrance-word" maxlength="200" rows="2"></textarea>
<label for="hold-minutes">{hold_for}</label>
<select id="hold-minutes"><option value="10">{m10}</option><option value="30" selected>{m30}</option><option value="60">{m60}</option></select>
<p id="care-result" role="status"></p>
</fieldset>
<table><thead><tr><th>{nickname}</th><th>{role}</th><th>{place}</th><th>{step}</th><th>{time}</th><th>{care}</th></tr></thead><tbody id="people"></tbody></table>
<script>
const ZONE = {zone};
{words}
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${{c.charCodeAt(0)}};`);
const minutes = (m) => m == null ? "" : (m < 1 ? W["now.under_a_minute"] : fill(W["now.minutes"], {{ minutes: m }}));
function show(now) {{
  $("total").textContent = now.total;
  $("people").innerHTML = now.people.map((p) => p.nickname == null
    ? `<tr class="in-booth"><td colspan="2">—</td><td>${{esc(p.place)}}</td><td></td><td></td><td></td></tr>`
    : `<tr data-person="${{p.id}}"><td>${{esc(p.nickname)}}${{p.away ? W["now.reconnecting"] : ""}}</td><td>${{esc(p.role)}}</td><td>${{esc(p.place)}}</td><td>${{esc(p.step)}}${{p.voice_held_until ? `<br><strong class="held">${{esc(fill(W["now.voice_held"], {{ until: p.voice_held_until }}))}}</strong>` : ""}}</td><td>${{minutes(p.minutes)}}</td>`
      + `<td><button type="button" data-entrance="${{p.id}}" data-name="${{esc(p.nickname)}}">${{W["now.to_entrance"]}}</button> `
      + (p.voice_held_until
        ? `<button type="button" data-release="${{p.id}}" data-name="${{esc(p.nickname)}}">${{W["now.release"]}}</button>`
        : `<button type="button" data-hold="${{p.id}}" data-name="${{esc(p.nickname)}}">${{W["now.hold"]}}</button>`)
      + `</td></tr>`).join("");
  $("places").innerHTML = now.places.map((p) => `<tr><td>${{esc(p.place)}}</td><td>${{fill(W["now.people_count"], {{ count: p.people }})}}</td></tr>`).join("");
  $("help").innerHTML = now.help.map((h) => `<tr><td>${{esc(h.nickname)}}</td><td>${{esc(h.place)}}</td><td>${{minutes(h.minutes)}}</td><td>${{h.answered_by ? esc(fill(W["now.answering"], {{ name: h.answered_by }})) : W["now.not_yet"]}}</td></tr>`).join("");
  $("no-help").hidden = now.help.length > 0;
  $("help-table").hidden = now.help.length === 0;
  $("live").textContent = fill(W["now.updated"], {{ time: new Date().toLocaleTimeString(document.documentElement.lang, {{ timeZone: ZONE }}) }});
}}
async function care(method, path, body, done) {{
  const response = await fetch(path, {{ method, headers: {{ "content-type": "application/json" }}, body: body && JSON.stringify(body) }});
  const answer = response.status === 204 ? {{}} : await response.json().catch(() => ({{}}));
  $("care-result").textContent = response.ok ? done(answer) : (answer.message ?? W["now.failed"]);
}}
$("people").addEventListener("click", (event) => {{
  const button = event.target.closest("button");
  if (!button) return;
  const name = button.dataset.name;
  if (button.dataset.entrance) {{
    if (!confirm(fill(W["now.confirm.entrance"], {{ name }}))) return;
    care("POST", `/api/now/${{button.dataset.entrance}}/entrance`, {{ word: $("entrance-word").value }}, () => fill(W["now.done.entrance"], {{ name }}));
  }} else if (button.dataset.hold) {{
    const minutes = Number($("hold-minutes").value);
    if (!confirm(fill(W["now.confirm.hold"], {{ name, minutes }}))) return;
    care("PUT", `/api/now/${{button.dataset.hold}}/voice-hold`, {{ minutes }}, (answer) => fill(W["now.done.hold"], {{ name, until: answer.until }}));
  }} else if (button.dataset.release) {{
    care("DELETE", `/api/now/${{button.dataset.release}}/voice-hold`, null, () => fill(W["now.done.release"], {{ name }}));
  }}
}});
const events = new EventSource("/api/now/events");
events.addEventListener("overview", (event) => show(JSON.parse(event.data)));
events.onerror = () => {{ $("live").textContent = W["now.stopped"]; }};
</script>"#,
        title = w("staff.nav.now"),
        links = staff_links(),
        explain = w("now.explain"),
        connecting = w("now.connecting"),
        help = w("now.help"),
        no_help = w("now.no_help"),
        who = w("now.col.who"),
        where_ = w("now.col.where"),
        waiting = w("now.col.waiting"),
        answer = w("now.col.answer"),
        per_place = w("now.per_place"),
        place = w("now.col.place"),
        people = w("now.col.people"),
        in_town = text("now.in_town").replace("{count}", r#"<span id="total">0</span>"#),
        care = w("now.care"),
        care_explain = w("now.care.explain"),
        word = w("now.care.word"),
        hold_for = w("now.care.hold_for"),
        m10 = escape(&text("now.minutes").replace("{minutes}", "10")),
        m30 = escape(&text("now.minutes").replace("{minutes}", "30")),
        m60 = escape(&text("now.minutes").replace("{minutes}", "60")),
        nickname = w("staff.col.nickname"),
        role = w("staff.invite.role"),
        step = w("now.col.step"),
        time = w("now.col.time"),
        words = js_words(&words),
    );
    Ok(Html(page(text("staff.nav.now"), &body)))
}
