//! Server-rendered HTML pages in the request's language: the registration page behind an invite
//! link, the page for a browser that has no session, privacy, and what every page shares (the
//! house style, escaping, the words a page's script needs, the staff pages' links).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use protocol::{AVATAR_COUNT, Role};

use crate::AppState;
use crate::auth::current_session;
use crate::error::AppError;
use crate::lang::{Lang, text};

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(town_or_welcome))
        .route("/staff", get(crate::staff_page::staff_page))
        .route("/privacy", get(|| async { Html(privacy()) }))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

/// Text as a JavaScript string literal (quotes included) for a page's inline script.
pub fn js(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default().replace("</", "<\\/")
}

const STYLE: &str = r#"
@font-face { font-family: "BIZ UDPGothic UI"; src: url("/assets/fonts/BIZUDPGothic-ui.ttf"); }
@font-face { font-family: "BIZ UDPGothic"; src: url("/assets/fonts/BIZUDPGothic-ibasho.ttf"); }
body { font-family: "BIZ UDPGothic UI", "BIZ UDPGothic", sans-serif; background: #f4efe6; color: #2b2b2b; margin: 0; }
main { max-width: 36rem; margin: 3rem auto; background: #fffdf8; padding: 2rem; border-radius: 1rem;
       box-shadow: 0 2px 12px rgba(0,0,0,.08); line-height: 1.7; }
h1 { font-size: 1.5rem; margin-top: 0; } label { display: block; margin: 1rem 0 .3rem; font-weight: bold; }
input[type=text], select, input[type=number] { font: inherit; padding: .5rem; width: 100%; box-sizing: border-box; }
button { font: inherit; padding: .6rem 1.4rem; border: 0; border-radius: .5rem; background: #3d7a5c; color: white; cursor: pointer; margin-top: 1rem; }
.avatars { display: flex; gap: .5rem; flex-wrap: wrap; } .avatars label { margin: 0; font-weight: normal; }
.avatars input { position: absolute; opacity: 0; }
.avatar { width: 64px; height: 64px; background-size: 192px 256px; background-position: -64px 0; background-repeat: no-repeat;
          background-origin: content-box; background-clip: content-box; image-rendering: pixelated;
          border: 3px solid transparent; border-radius: .5rem; display: block; }
.avatars input:checked + .avatar { border-color: #3d7a5c; background-color: #e3f1e9; }
.avatars input:focus-visible + .avatar { outline: 2px solid #1a4d8f; }
.error { color: #a33; min-height: 1.5rem; } .small { font-size: .9rem; color: #555; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; } td, th { border-bottom: 1px solid #ddd; padding: .3rem; text-align: left; }
code { word-break: break-all; background: #eee; padding: .2rem; }
.lang-switch { text-align: right; margin: 0; }
"#;

/// A whole page with the house style, in the request's language.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — ibasho</title><link rel=\"icon\" href=\"data:,\"><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        crate::lang::current().code(),
        escape(title)
    )
}

/// A link to the page in the other language, named in that language (the choice is kept).
pub fn language_switch() -> String {
    let other = if crate::lang::current() == Lang::En { Lang::Ja } else { Lang::En };
    format!(
        "<p class=\"small lang-switch\"><a href=\"?lang={}\" lang=\"{}\" id=\"lang-switch\">{}</a></p>",
        other.code(),
        other.code(),
        other.own_name()
    )
}

/// The start of a page's inline script: its words in the request's language as `W` (an object
/// `{"key": "text", …}`), and `fill(text, values)`, which puts values in a text's `{name}` places.
pub fn js_words(keys: &[&str]) -> String {
    let words: serde_json::Map<String, serde_json::Value> =
        keys.iter().map(|key| ((*key).to_owned(), serde_json::Value::from(crate::lang::text(key)))).collect();
    let words = serde_json::Value::Object(words).to_string().replace("</", "<\\/");
    format!(
        "const W = {words};\nconst fill = (text, values) => text.replace(/\\{{(\\w+)\\}}/g, (whole, name) => values[name] ?? whole);"
    )
}

/// The links atop every staff page: back to the staff page, and into the town.
pub fn staff_links() -> String {
    format!(
        "<p><a href=\"/staff\">{}</a>　<a href=\"/\">{}</a></p>",
        escape(crate::lang::text("staff.title")),
        escape(crate::lang::text("staff.nav.town"))
    )
}

/// A page that explains a problem in plain words.
pub fn problem(title: &str, message: &str) -> String {
    page(title, &format!("<h1>{}</h1><p id=\"problem\">{}</p>", escape(title), escape(message)))
}

/// プライバシーについて: what is stored, for how long, and what never is, in plain words.
pub fn privacy() -> String {
    page(crate::lang::text("ui.privacy"), crate::lang::text("page.privacy.body"))
}

/// The registration page behind a usable invite link.
pub fn registration(token: &str, role: Role) -> String {
    let avatars: String = (0..AVATAR_COUNT)
        .map(|n| {
            let checked = if n == 0 { " checked" } else { "" };
            format!(
                "<label><input type=\"radio\" name=\"avatar\" value=\"{n}\"{checked} aria-label=\"{}\">\
                 <span class=\"avatar\" style=\"background-image:url('/assets/avatars/avatar-{n}.png')\"></span></label>",
                crate::lang::fill("page.register.avatar_n", &[("number", &(n + 1))])
            )
        })
        .collect();
    let role_line = if role == Role::Participant {
        String::new()
    } else {
        format!(
            "<p class=\"small\">{}</p>",
            escape(&crate::lang::fill("page.register.role", &[("role", &role.label(crate::lang::current()))]))
        )
    };
    let body = format!(
        r#"{switch}<h1>{heading}</h1>
<p>{intro}</p>
{role_line}
<form id="register">
<label for="nickname">{nickname}</label>
<input type="text" id="nickname" name="nickname" maxlength="20" autocomplete="off" required>
<label>{avatar}</label>
<div class="avatars">{avatars}</div>
<p class="error" id="error" role="alert"></p>
<button type="submit" id="enter">{start}</button>
</form>
<p class="small"><a href="/privacy" target="_blank" rel="noopener">{privacy}</a>{privacy_note}</p>
<script>
const token = "{token}";
document.getElementById("register").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const nickname = document.getElementById("nickname").value;
  const avatar = Number(new FormData(event.target).get("avatar"));
  const error = document.getElementById("error");
  error.textContent = "";
  try {{
    const response = await fetch("/api/register", {{ method: "POST", headers: {{ "content-type": "application/json" }},
      body: JSON.stringify({{ token, nickname, avatar }}) }});
    if (response.ok) {{ location.replace("/"); return; }}
    error.textContent = (await response.json()).message;
  }} catch (e) {{ error.textContent = "{unreachable}"; }}
}});
</script>"#,
        token = escape(token),
        switch = language_switch(),
        heading = escape(text("page.register.heading")),
        intro = escape(text("page.register.intro")),
        nickname = escape(text("page.register.nickname")),
        avatar = escape(text("page.register.avatar")),
        start = escape(text("entry.start")),
        privacy = escape(text("ui.privacy")),
        privacy_note = escape(text("page.register.privacy_note")),
        unreachable = escape(text("page.register.unreachable")),
    );
    page(text("entry.title"), &body)
}

async fn town_or_welcome(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let session = match current_session(&headers, &state) {
        Err(AppError::Suspended) => {
            let page = problem(text("page.suspended"), text("error.suspended"));
            return Ok((StatusCode::FORBIDDEN, Html(page)).into_response());
        }
        other => other?,
    };
    let Some(session) = session else {
        let message = text("page.need_invite");
        return Ok((StatusCode::UNAUTHORIZED, Html(problem(text("entry.title"), message))).into_response());
    };
    if let Some(hours) = crate::open_hours::keeps_out(&state.store, session.account.role) {
        let page = crate::open_hours::page::closed_page(&hours, &state.store.closed_message(crate::lang::current())?);
        return Ok(Html(page).into_response());
    }
    match tokio::fs::read_to_string(state.config.static_dir.join("index.html")).await {
        Ok(index) => Ok(Html(index).into_response()),
        Err(error) => {
            tracing::error!(%error, "client not built: index.html missing");
            let message = text("page.not_built");
            Ok((StatusCode::SERVICE_UNAVAILABLE, Html(problem(text("page.preparing"), message))).into_response())
        }
    }
}
