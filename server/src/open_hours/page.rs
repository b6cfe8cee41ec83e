//! The pages of the open hours: `/hours` where staff set them, and the calm page a participant
//! sees while ibasho is closed (the next opening, the schedule and staff's message).

use axum::extract::State;
use axum::response::Html;
use protocol::HoursView;

use crate::AppState;
use crate::auth::StaffOnly;
use crate::error::AppError;
use crate::pages::{escape, js_words, page, staff_links};

use super::{MAX_CLOSED_MESSAGE_CHARS, summary};

/// The page a participant sees while ibasho is closed, in the request's language (staff's own
/// message as they wrote it).
pub fn closed_page(view: &HoursView, message: &str) -> String {
    let lang = crate::lang::current();
    let next = match &view.next_opening {
        Some(next) => lang.fill("hours.closed_page.next", &[("next", &escape(next.get(lang)))]),
        None => escape(lang.text("hours.closed_page.next_unknown")),
    };
    let schedule: String = view.schedule.iter().map(|line| format!("<li>{}</li>", escape(line.get(lang)))).collect();
    let message: String = message.lines().map(|line| format!("{}<br>", escape(line))).collect();
    let title = lang.text("hours.closed_page.title");
    let body = format!(
        r#"<h1>{title}</h1>
<p id="next-opening" class="next">{next}</p>
<p id="closed-message">{message}</p>
<h2>{days}</h2>
<ul id="schedule">{schedule}</ul>
<p class="small">{again}</p>
<p class="small"><a href="/me">{me}</a>　<a href="/privacy">{privacy}</a></p>"#,
        title = escape(title),
        days = escape(lang.text("hours.closed_page.days")),
        again = escape(lang.text("hours.closed_page.again")),
        me = escape(lang.text("me.title")),
        privacy = escape(lang.text("ui.privacy")),
    );
    page(title, &body)
}

/// The words the page's script uses.
const SCRIPT_WORDS: [&str; 5] = [
    "hours.page.error.add",
    "hours.page.saved",
    "hours.page.error.save",
    "hours.page.confirm.delete",
    "hours.page.error.delete",
];

/// `/hours`: the rules, the exceptions and the closed page's message, with forms.
pub async fn hours_page(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Html<String>, AppError> {
    let lang = crate::lang::current();
    let w = |key: &str| escape(lang.text(key));
    let hours = summary(&state.store, lang)?;
    let row = |kind: &str, id: i64, label: &str| {
        format!(
            "<tr><td>{}</td><td><button type=\"button\" class=\"delete\" data-kind=\"{kind}\" data-id=\"{id}\">{}</button></td></tr>",
            escape(label),
            w("hours.page.delete"),
        )
    };
    let rules: String = hours.rules.iter().map(|entry| row("rules", entry.id, &entry.label)).collect();
    let exceptions: String = hours.exceptions.iter().map(|entry| row("exceptions", entry.id, &entry.label)).collect();
    let state_now = match (hours.view.set, hours.open, &hours.view.next_opening) {
        (false, _, _) => lang.text("hours.page.unset").to_owned(),
        (true, true, _) => lang.fill("hours.page.open_now", &[("today", &hours.view.today.get(lang))]),
        (true, false, Some(next)) => lang.fill("hours.page.closed_now", &[("next", &next.get(lang))]),
        (true, false, None) => lang.text("hours.page.closed_no_next").to_owned(),
    };
    let weekdays: String = super::rules::WEEKDAY_LONG_KEYS
        .iter()
        .map(|key| lang.fill("hours.page.weekday", &[("weekday", &lang.text(key))]))
        .enumerate()
        .map(|(n, name)| {
            format!("<option value=\"{n}\"{}>{}</option>", if n == 3 { " selected" } else { "" }, escape(&name))
        })
        .collect();
    let weeks: String = super::rules::WEEK_KEYS
        .iter()
        .enumerate()
        .map(|(n, key)| {
            let label = escape(&lang.fill("hours.page.week", &[("week", &lang.text(key))]));
            format!(
                "<label class=\"inline\"><input type=\"checkbox\" name=\"week\" value=\"{}\"> {label}</label>",
                n + 1
            )
        })
        .collect();
    let body = format!(
        r#"<h1>{title}</h1>
{links}
<p id="hours-now"><strong>{state_now}</strong></p>
<p class="small">{explain}</p>
<h2>{rules_heading}</h2>
<table><tbody id="rules">{rules}</tbody></table>
<form id="rule-form">
<label for="weekday">{weekday}</label><select id="weekday">{weekdays}</select>
<fieldset><legend>{which_weeks}</legend>{weeks}</fieldset>
<label for="rule-starts">{opens}</label><input type="time" id="rule-starts" value="13:00" required>
<label for="rule-ends">{closes}</label><input type="time" id="rule-ends" value="21:00" required>
<button type="submit" id="add-rule">{add_rule}</button>
</form>
<h2>{exceptions_heading}</h2>
<table><tbody id="exceptions">{exceptions}</tbody></table>
<form id="exception-form">
<label for="exception-day">{day}</label><input type="date" id="exception-day" required>
<label class="inline"><input type="radio" name="change" value="closed" checked> {closed_day}</label>
<label class="inline"><input type="radio" name="change" value="open"> {open_day}</label>
<label for="exception-starts">{extra_opens}</label><input type="time" id="exception-starts" value="10:00">
<label for="exception-ends">{extra_closes}</label><input type="time" id="exception-ends" value="18:00">
<button type="submit" id="add-exception">{add_exception}</button>
</form>
<h2>{message_heading}</h2>
<form id="message-form">
<label for="closed-message">{message_label}</label>
<textarea id="closed-message" rows="4" maxlength="{max}" style="width:100%;font:inherit">{message}</textarea>
<button type="submit" id="save-message">{save_message}</button>
</form>
<p id="result" class="error" role="alert"></p>
<style>.inline {{ display: inline-block; font-weight: normal; margin-right: 1rem; }} fieldset {{ margin-top: 1rem; border: 1px solid #ddd; }}</style>
<script>
{words}
const $ = (id) => document.getElementById(id);
const answer = async (response, failed) => {{
  if (response.ok) {{ location.reload(); return; }}
  $("result").textContent = (await response.json().catch(() => ({{}}))).message ?? failed;
}};
const send = (method, url, body) => fetch(url, {{ method, headers: {{ "content-type": "application/json" }}, body: JSON.stringify(body) }});
$("rule-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const weeks = [...document.querySelectorAll("input[name=week]:checked")].map((box) => Number(box.value));
  answer(await send("POST", "/api/hours/rules", {{ weekday: Number($("weekday").value), weeks, starts: $("rule-starts").value, ends: $("rule-ends").value }}), W["hours.page.error.add"]);
}});
$("exception-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const closed = document.querySelector("input[name=change]:checked").value === "closed";
  const body = closed ? {{ day: $("exception-day").value, closed }} : {{ day: $("exception-day").value, closed, starts: $("exception-starts").value, ends: $("exception-ends").value }};
  answer(await send("POST", "/api/hours/exceptions", body), W["hours.page.error.add"]);
}});
$("message-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const response = await send("PUT", "/api/hours/message", {{ message: $("closed-message").value }});
  if (response.ok) {{ $("result").textContent = W["hours.page.saved"]; return; }}
  answer(response, W["hours.page.error.save"]);
}});
document.addEventListener("click", async (event) => {{
  const remove = event.target.closest(".delete");
  if (!remove || !confirm(W["hours.page.confirm.delete"])) return;
  answer(await fetch(`/api/hours/${{remove.dataset.kind}}/${{remove.dataset.id}}`, {{ method: "DELETE" }}), W["hours.page.error.delete"]);
}});
</script>"#,
        title = w("staff.nav.hours"),
        links = staff_links(),
        state_now = escape(&state_now),
        explain = escape(&lang.fill("hours.page.explain", &[("zone", &hours.time_zone)])),
        rules_heading = w("hours.page.rules"),
        weekday = w("hours.page.weekday_label"),
        which_weeks = w("hours.page.which_weeks"),
        opens = w("hours.page.opens"),
        closes = w("hours.page.closes"),
        add_rule = w("hours.page.add_rule"),
        exceptions_heading = w("hours.page.exceptions"),
        day = w("hours.page.day"),
        closed_day = w("hours.page.closed_day"),
        open_day = w("hours.page.open_day"),
        extra_opens = w("hours.page.extra_opens"),
        extra_closes = w("hours.page.extra_closes"),
        add_exception = w("hours.page.add_exception"),
        message_heading = w("hours.page.message"),
        message_label = escape(&lang.fill("hours.page.message_label", &[("max", &MAX_CLOSED_MESSAGE_CHARS)])),
        save_message = w("hours.page.save_message"),
        max = MAX_CLOSED_MESSAGE_CHARS,
        message = escape(&hours.message),
        words = js_words(&SCRIPT_WORDS),
    );
    Ok(Html(page(lang.text("staff.nav.hours"), &body)))
}
