//! `/programs`: the program schedule. Staff schedule, change and delete programs with a plain
//! form; everyone else signed in sees the list.

use axum::extract::State;
use axum::response::Html;
use protocol::PlaceKind;

use super::{SCHEDULE_HORIZON_DAYS, schedules, view};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::pages::{escape, js_words, page, staff_links};
use crate::store::now;

/// The words the page's script uses.
const SCRIPT_WORDS: [&str; 5] = [
    "programs.page.change_heading",
    "programs.page.save_change",
    "programs.page.confirm.delete",
    "programs.page.error.delete",
    "programs.page.error.save",
];

/// The schedule page, in the reader's language.
pub async fn programs_page(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Html<String>, AppError> {
    let at = now();
    let lang = crate::lang::current();
    let w = |key: &str| escape(lang.text(key));
    let map = state.town.map();
    let staff = schedules(session.account.role);
    let rows: String = state
        .store
        .programs(at, at + SCHEDULE_HORIZON_DAYS * 86_400)?
        .iter()
        .map(|program| {
            let shown = view(program, &map, at);
            let notes = [shown.watching_welcome.then_some(lang.text("programs.watching_welcome")), Some(shown.notes.as_str())]
                .into_iter()
                .flatten()
                .filter(|note| !note.is_empty())
                .collect::<Vec<_>>()
                .join(lang.text("list.slash"));
            let actions = if staff {
                // The program travels with its buttons, for the form to fill in when changing it.
                let data = escape(&serde_json::json!({
                    "id": program.id, "title": program.title, "description": program.description,
                    "hall": program.hall, "starts_at": program.starts_at, "ends_at": program.ends_at,
                    "facilitators": program.facilitators, "watching_welcome": program.watching_welcome,
                    "notes": program.notes,
                }).to_string());
                format!(
                    "<td><button type=\"button\" class=\"edit\" data-program=\"{data}\">{}</button> \
                     <button type=\"button\" class=\"delete\" data-id=\"{}\" data-title=\"{}\">{}</button></td>",
                    w("programs.page.change"),
                    program.id,
                    escape(&program.title),
                    w("programs.page.delete"),
                )
            } else {
                String::new()
            };
            let running =
                if shown.running { format!("<br><strong>{}</strong>", w("programs.page.running")) } else { String::new() };
            format!(
                "<tr data-program-id=\"{}\"><td>{}{running}</td><td><strong>{}</strong><br><span class=\"small\">{}</span></td><td>{}</td><td>{}</td><td>{}</td>{actions}</tr>",
                program.id,
                escape(shown.when.get(lang)),
                escape(&shown.title),
                escape(&shown.description).replace('\n', "<br>"),
                escape(shown.hall_name.get(lang)),
                escape(&shown.facilitators),
                escape(&notes),
            )
        })
        .collect();
    let halls: String = map
        .places
        .iter()
        .filter(|place| place.kind == PlaceKind::Hall)
        .map(|place| format!("<option value=\"{}\">{}</option>", escape(&place.id.0), escape(place.name_in(lang))))
        .collect();
    let list = format!(
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>{}</tr></thead>\
         <tbody id=\"programs\">{rows}</tbody></table>{}",
        w("programs.page.coming"),
        w("programs.page.col.when"),
        w("programs.page.col.program"),
        w("programs.page.col.place"),
        w("programs.page.col.facilitators"),
        w("programs.page.col.notes"),
        if staff { "<th></th>" } else { "" },
        if rows.is_empty() { format!("<p id=\"no-programs\">{}</p>", w("programs.page.none")) } else { String::new() }
    );
    if !staff {
        let body =
            format!("<h1>{}</h1><p><a href=\"/\">{}</a></p>{list}", w("staff.nav.programs"), w("staff.nav.town"));
        return Ok(Html(page(lang.text("programs.page.tab_title"), &body)));
    }
    let body = format!(
        r#"<h1>{heading}</h1>
{links}
<p class="small">{explain}</p>
<form id="program-form">
<h2 id="form-title">{plan_heading}</h2>
<label for="title">{title_label}</label><input type="text" id="title" maxlength="40" required placeholder="{title_example}">
<label for="hall">{place}</label><select id="hall">{halls}</select>
<label for="date">{date}</label><input type="date" id="date" required>
<label for="start">{start}</label><input type="time" id="start" required>
<label for="end">{end}</label><input type="time" id="end" required>
<label for="facilitators">{facilitators}</label><input type="text" id="facilitators" maxlength="80" placeholder="{facilitators_example}">
<label for="description">{description}</label><textarea id="description" maxlength="400" rows="4" style="width:100%;font:inherit"></textarea>
<label><input type="checkbox" id="watching"> {watching}</label>
<label for="notes">{notes}</label><input type="text" id="notes" maxlength="120" placeholder="{notes_example}">
<button type="submit" id="save">{save}</button> <button type="button" id="cancel-edit" hidden>{cancel}</button>
<p id="result" class="error" role="alert"></p>
</form>
{list}
<script>
{words}
let editing = null;
const $ = (id) => document.getElementById(id);
const pad = (n) => String(n).padStart(2, "0");
// Times are read and written in the city's time (UTC+9), whatever the browser's zone.
const cityParts = (unix) => {{
  const d = new Date((unix + 9 * 3600) * 1000);
  return {{ date: `${{d.getUTCFullYear()}}-${{pad(d.getUTCMonth() + 1)}}-${{pad(d.getUTCDate())}}`,
    time: `${{pad(d.getUTCHours())}}:${{pad(d.getUTCMinutes())}}` }};
}};
const unixOf = (date, time) => Math.floor(new Date(`${{date}}T${{time}}:00+09:00`).getTime() / 1000);
document.addEventListener("click", async (event) => {{
  const edit = event.target.closest(".edit"), remove = event.target.closest(".delete");
  if (edit) {{
    const p = JSON.parse(edit.dataset.program);
    editing = p.id;
    $("title").value = p.title; $("hall").value = p.hall; $("facilitators").value = p.facilitators;
    $("description").value = p.description; $("watching").checked = p.watching_welcome; $("notes").value = p.notes;
    const start = cityParts(p.starts_at), end = cityParts(p.ends_at);
    $("date").value = start.date; $("start").value = start.time; $("end").value = end.time;
    $("form-title").textContent = W["programs.page.change_heading"]; $("save").textContent = W["programs.page.save_change"]; $("cancel-edit").hidden = false;
    $("title").focus();
  }}
  if (remove && confirm(fill(W["programs.page.confirm.delete"], {{ title: remove.dataset.title }}))) {{
    const response = await fetch(`/api/programs/${{remove.dataset.id}}`, {{ method: "DELETE" }});
    if (response.ok) {{ location.reload(); return; }}
    $("result").textContent = (await response.json().catch(() => ({{}}))).message ?? W["programs.page.error.delete"];
  }}
}});
$("cancel-edit").addEventListener("click", () => location.reload());
$("program-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const date = $("date").value;
  const startsAt = unixOf(date, $("start").value);
  let endsAt = unixOf(date, $("end").value);
  if (endsAt <= startsAt) endsAt += 86400; // ends after midnight
  const body = {{ title: $("title").value, hall: $("hall").value, starts_at: startsAt, ends_at: endsAt,
    facilitators: $("facilitators").value, description: $("description").value,
    watching_welcome: $("watching").checked, notes: $("notes").value }};
  const response = await fetch(editing ? `/api/programs/${{editing}}` : "/api/programs", {{
    method: editing ? "PUT" : "POST", headers: {{ "content-type": "application/json" }}, body: JSON.stringify(body) }});
  if (response.ok) {{ location.reload(); return; }}
  $("result").textContent = (await response.json().catch(() => ({{}}))).message ?? W["programs.page.error.save"];
}});
</script>"#,
        heading = w("staff.nav.programs"),
        links = staff_links(),
        explain = w("programs.page.explain"),
        plan_heading = w("programs.page.plan_heading"),
        title_label = w("programs.page.title"),
        title_example = w("programs.page.title_example"),
        place = w("programs.page.col.place"),
        date = w("programs.page.date"),
        start = w("programs.page.start"),
        end = w("programs.page.end"),
        facilitators = w("programs.page.facilitators"),
        facilitators_example = w("programs.page.facilitators_example"),
        description = w("programs.page.description"),
        watching = w("programs.page.watching"),
        notes = w("programs.page.notes"),
        notes_example = w("programs.page.notes_example"),
        save = w("programs.page.save"),
        cancel = w("programs.page.cancel"),
        words = js_words(&SCRIPT_WORDS),
    );
    Ok(Html(page(lang.text("programs.page.tab_title"), &body)))
}
