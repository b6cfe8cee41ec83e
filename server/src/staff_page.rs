//! The staff page (`/staff`): links to every staff tool, whether booths are relayed, invite
//! links (one or many, printable with QR codes) and the signed-in sessions, in the request's
//! language.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use protocol::Role;

use crate::AppState;
use crate::auth::current_session;
use crate::error::AppError;
use crate::lang::{current, text};
use crate::pages::{escape, js_words, page, problem};

/// The words the page's script uses.
const SCRIPT_WORDS: [&str; 19] = [
    "staff.invite.role",
    "staff.col.note",
    "staff.col.expires",
    "staff.col.state",
    "staff.state.used",
    "staff.state.unused",
    "staff.state.expired",
    "staff.revoke",
    "staff.col.nickname",
    "staff.col.started",
    "staff.end_session",
    "staff.confirm.revoke",
    "staff.error.revoke",
    "staff.card.title",
    "staff.card.how",
    "staff.card.expires",
    "staff.confirm.end_session",
    "staff.created",
    "staff.print",
];

/// `/staff`, for staff only (others are told why, in a page).
pub async fn staff_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let Some(session) = current_session(&headers, &state)? else {
        return Ok((
            StatusCode::UNAUTHORIZED,
            Html(problem(text("page.sign_in_needed"), &AppError::NotSignedIn.message())),
        )
            .into_response());
    };
    if session.account.role != Role::Staff {
        return Ok((StatusCode::FORBIDDEN, Html(problem(text("page.staff_only"), &AppError::Forbidden.message())))
            .into_response());
    }
    let lang = current();
    let roles: String = Role::ALL
        .iter()
        .map(|role| format!("<option value=\"{}\">{}</option>", role.as_str(), escape(role.label(lang))))
        .collect();
    let role_labels: serde_json::Map<String, serde_json::Value> =
        Role::ALL.iter().map(|role| (role.as_str().to_owned(), role.label(lang).into())).collect();
    // Booth connections are relayed only with a TURN relay; staff must know when they are not.
    let relay = if state.config.turn.is_some() {
        format!(r#"<p id="booth-relay">{}</p>"#, escape(text("staff.relay.on")))
    } else {
        format!(r#"<p id="booth-relay" class="error">{}</p>"#, escape(text("staff.relay.off")))
    };
    let nav: String = [
        ("/", "staff.nav.town"),
        ("/now", "staff.nav.now"),
        ("/slots", "staff.nav.slots"),
        ("/programs", "staff.nav.programs"),
        ("/gallery", "staff.nav.gallery"),
        ("/hours", "staff.nav.hours"),
        ("/announcements", "staff.nav.announcements"),
        ("/accounts", "staff.nav.accounts"),
        ("/reports", "staff.nav.reports"),
        ("/audit", "staff.nav.audit"),
    ]
    .iter()
    .map(|(href, key)| format!("<a href=\"{href}\">{}</a>", escape(text(key))))
    .collect::<Vec<_>>()
    .join("　");
    let w = |key: &str| escape(text(key));
    let body = format!(
        r#"<h1>{title}</h1>
<p>{nav}</p>
<h2>{booths}</h2>
{relay}
<h2>{create}</h2>
<form id="invite">
<label for="role">{role}</label><select id="role">{roles}</select>
<label for="hours">{hours}</label><input type="number" id="hours" min="1" max="720" value="72">
<label for="note">{note}</label><input type="text" id="note" maxlength="200">
<label for="count">{count}</label><input type="number" id="count" min="1" max="50" value="1">
<button type="submit" id="create">{create}</button>
</form>
<p class="error" id="error" role="alert"></p>
<div id="created"></div>
<div id="print-cards"></div>
<h2>{invites}</h2><table id="invites"></table>
<h2>{sessions}</h2><table id="sessions"></table>
<style>
#print-cards {{ display: none; }}
.card {{ border: 2px dashed #999; border-radius: .5rem; padding: 1rem; margin: 1rem 0; page-break-inside: avoid; text-align: center; }}
.card svg {{ width: 180px; height: 180px; }}
@media print {{ body * {{ visibility: hidden; }} #print-cards, #print-cards * {{ visibility: visible; }}
  #print-cards {{ display: block; position: absolute; left: 0; top: 0; width: 100%; }} }}
</style>
<script>
{words}
const roleLabels = {role_labels};
const time = (s) => new Date(s * 1000).toLocaleString(document.documentElement.lang);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${{c.charCodeAt(0)}};`);
async function refresh() {{
  const invites = await (await fetch("/api/invites")).json();
  document.getElementById("invites").innerHTML = `<tr><th>${{W["staff.invite.role"]}}</th><th>${{W["staff.col.note"]}}</th><th>${{W["staff.col.expires"]}}</th><th>${{W["staff.col.state"]}}</th><th></th></tr>` +
    invites.map((i) => {{
      const usable = !i.used_at && i.expires_at * 1000 >= Date.now();
      const state = i.used_at ? W["staff.state.used"] : (usable ? W["staff.state.unused"] : W["staff.state.expired"]);
      const revoke = usable ? `<button class="revoke" data-invite="${{i.id}}">${{W["staff.revoke"]}}</button>` : "";
      return `<tr data-invite-id="${{i.id}}"><td>${{roleLabels[i.role]}}</td><td>${{esc(i.note)}}</td><td>${{time(i.expires_at)}}</td><td>${{state}}</td><td>${{revoke}}</td></tr>`;
    }}).join("");
  const sessions = await (await fetch("/api/sessions")).json();
  document.getElementById("sessions").innerHTML = `<tr><th>${{W["staff.col.nickname"]}}</th><th>${{W["staff.invite.role"]}}</th><th>${{W["staff.col.started"]}}</th><th></th></tr>` +
    sessions.map((s) => `<tr><td>${{esc(s.nickname)}}</td><td>${{roleLabels[s.role]}}</td><td>${{time(s.created_at)}}</td>` +
      `<td><button data-session="${{s.id}}">${{W["staff.end_session"]}}</button></td></tr>`).join("");
}}
document.getElementById("invites").addEventListener("click", async (event) => {{
  const id = event.target.dataset.invite;
  if (!id || !confirm(W["staff.confirm.revoke"])) return;
  const response = await fetch(`/api/invites/${{id}}`, {{ method: "DELETE" }});
  if (!response.ok) {{ document.getElementById("error").textContent = (await response.json().catch(() => ({{}}))).message ?? W["staff.error.revoke"]; }}
  refresh();
}});
async function printCards(created, role) {{
  const cards = [];
  for (const invite of created) {{
    const svg = await (await fetch("/api/qr", {{ method: "POST", headers: {{ "content-type": "application/json" }}, body: JSON.stringify({{ text: invite.url }}) }})).text();
    cards.push(`<div class="card"><h2>${{esc(fill(W["staff.card.title"], {{ role: roleLabels[role] }}))}}</h2>${{svg}}<p>${{W["staff.card.how"]}}</p><p class="small"><code>${{esc(invite.url)}}</code></p><p class="small">${{esc(fill(W["staff.card.expires"], {{ time: time(invite.expires_at) }}))}}</p></div>`);
  }}
  document.getElementById("print-cards").innerHTML = cards.join("");
}}
document.getElementById("sessions").addEventListener("click", async (event) => {{
  const id = event.target.dataset.session;
  if (id && confirm(W["staff.confirm.end_session"])) {{ await fetch(`/api/sessions/${{id}}`, {{ method: "DELETE" }}); refresh(); }}
}});
document.getElementById("invite").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const error = document.getElementById("error");
  error.textContent = "";
  const role = document.getElementById("role").value;
  const count = Number(document.getElementById("count").value);
  const form = {{ role, expires_in_hours: Number(document.getElementById("hours").value), note: document.getElementById("note").value }};
  const [url, body] = count > 1 ? ["/api/invites/bulk", {{ ...form, count }}] : ["/api/invites", form];
  const response = await fetch(url, {{ method: "POST", headers: {{ "content-type": "application/json" }}, body: JSON.stringify(body) }});
  const answer = await response.json();
  if (!response.ok) {{ error.textContent = answer.message; return; }}
  const created = count > 1 ? answer : [answer];
  const links = created.map((invite, n) => `<li><code${{n === 0 ? ' id="invite-url"' : ""}}>${{esc(invite.url)}}</code></li>`).join("");
  document.getElementById("created").innerHTML = `${{W["staff.created"]}}<ol id="invite-urls">${{links}}</ol>` +
    `<button type="button" id="print">${{W["staff.print"]}}</button>`;
  await printCards(created, role);
  document.getElementById("print").addEventListener("click", () => window.print());
  refresh();
}});
refresh();
</script>"#,
        title = w("staff.title"),
        booths = w("staff.booths"),
        create = w("staff.invite.create"),
        role = w("staff.invite.role"),
        hours = w("staff.invite.hours"),
        note = w("staff.invite.note"),
        count = w("staff.invite.count"),
        invites = w("staff.invites"),
        sessions = w("staff.sessions"),
        words = js_words(&SCRIPT_WORDS),
        role_labels = serde_json::Value::Object(role_labels),
    );
    Ok(Html(page(text("staff.tab_title"), &body)).into_response())
}
