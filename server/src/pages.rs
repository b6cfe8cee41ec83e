//! Server-rendered HTML pages: the registration page behind an invite link and the page for a
//! browser that has no session (in the request's language), and the staff page (Japanese).

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
        .route("/staff", get(staff_page))
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

async fn staff_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
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
    let roles: String = Role::ALL
        .iter()
        .map(|role| format!("<option value=\"{}\">{}</option>", role.as_str(), role.label(Lang::Ja)))
        .collect();
    // Booth connections are relayed only with a TURN relay; staff must know when they are not.
    let relay = if state.config.turn.is_some() {
        r#"<p id="booth-relay">個別相談ブースの通信は TURN サーバーで中継されています（相談員と相談する人のあいだで IP アドレスは伝わりません）。</p>"#
    } else {
        r#"<p id="booth-relay" class="error">TURN サーバーが設定されていません。個別相談ブースの通信は中継されず、相手に IP アドレスが見える可能性があります（起動オプション --spawn-turn または --turn-url をご確認ください）。</p>"#
    };
    let body = format!(
        r#"<h1>スタッフ用ページ</h1>
<p><a href="/">町に入る</a>　<a href="/now">いまの様子</a>　<a href="/slots">相談の枠（予約）</a>　<a href="/programs">プログラムの予定</a>　<a href="/gallery">ギャラリーの動画</a>　<a href="/hours">開所時間</a>　<a href="/announcements">お知らせ</a>　<a href="/accounts">参加者</a>　<a href="/reports">参加者からの知らせ</a>　<a href="/audit">記録</a></p>
<h2>個別相談ブース</h2>
{relay}
<h2>招待リンクを作る</h2>
<form id="invite">
<label for="role">役割</label><select id="role">{roles}</select>
<label for="hours">有効期間（時間）</label><input type="number" id="hours" min="1" max="720" value="72">
<label for="note">メモ（スタッフだけが見ます）</label><input type="text" id="note" maxlength="200">
<label for="count">作る数（イベントなどでまとめて作るとき。50まで）</label><input type="number" id="count" min="1" max="50" value="1">
<button type="submit" id="create">招待リンクを作る</button>
</form>
<p class="error" id="error" role="alert"></p>
<div id="created"></div>
<div id="print-cards"></div>
<h2>招待の一覧</h2><table id="invites"></table>
<h2>ログイン中のセッション</h2><table id="sessions"></table>
<style>
#print-cards {{ display: none; }}
.card {{ border: 2px dashed #999; border-radius: .5rem; padding: 1rem; margin: 1rem 0; page-break-inside: avoid; text-align: center; }}
.card svg {{ width: 180px; height: 180px; }}
@media print {{ body * {{ visibility: hidden; }} #print-cards, #print-cards * {{ visibility: visible; }}
  #print-cards {{ display: block; position: absolute; left: 0; top: 0; width: 100%; }} }}
</style>
<script>
const roleLabels = {{ participant: "参加者", facilitator: "ファシリテーター", counselor: "相談員", staff: "スタッフ" }};
const time = (s) => new Date(s * 1000).toLocaleString("ja-JP");
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${{c.charCodeAt(0)}};`);
async function refresh() {{
  const invites = await (await fetch("/api/invites")).json();
  document.getElementById("invites").innerHTML = "<tr><th>役割</th><th>メモ</th><th>期限</th><th>状態</th><th></th></tr>" +
    invites.map((i) => {{
      const usable = !i.used_at && i.expires_at * 1000 >= Date.now();
      const state = i.used_at ? "使用済み" : (usable ? "未使用" : "期限切れ");
      const revoke = usable ? `<button class="revoke" data-invite="${{i.id}}">取り消す</button>` : "";
      return `<tr data-invite-id="${{i.id}}"><td>${{roleLabels[i.role]}}</td><td>${{esc(i.note)}}</td><td>${{time(i.expires_at)}}</td><td>${{state}}</td><td>${{revoke}}</td></tr>`;
    }}).join("");
  const sessions = await (await fetch("/api/sessions")).json();
  document.getElementById("sessions").innerHTML = "<tr><th>ニックネーム</th><th>役割</th><th>開始</th><th></th></tr>" +
    sessions.map((s) => `<tr><td>${{esc(s.nickname)}}</td><td>${{roleLabels[s.role]}}</td><td>${{time(s.created_at)}}</td>` +
      `<td><button data-session="${{s.id}}">終了させる</button></td></tr>`).join("");
}}
document.getElementById("invites").addEventListener("click", async (event) => {{
  const id = event.target.dataset.invite;
  if (!id || !confirm("この招待を取り消します。そのリンクはすぐに使えなくなります。よろしいですか？")) return;
  const response = await fetch(`/api/invites/${{id}}`, {{ method: "DELETE" }});
  if (!response.ok) {{ document.getElementById("error").textContent = (await response.json().catch(() => ({{}}))).message ?? "取り消せませんでした。"; }}
  refresh();
}});
async function printCards(created, role) {{
  const cards = [];
  for (const invite of created) {{
    const svg = await (await fetch("/api/qr", {{ method: "POST", headers: {{ "content-type": "application/json" }}, body: JSON.stringify({{ text: invite.url }}) }})).text();
    cards.push(`<div class="card"><h2>ibasho への招待（${{roleLabels[role]}}）</h2>${{svg}}<p>スマートフォンのカメラでこの QR コードを読み取るか、下のリンクを開いてください。</p><p class="small"><code>${{esc(invite.url)}}</code></p><p class="small">有効期限：${{time(invite.expires_at)}}（一度だけ使えます）</p></div>`);
  }}
  document.getElementById("print-cards").innerHTML = cards.join("");
}}
document.getElementById("sessions").addEventListener("click", async (event) => {{
  const id = event.target.dataset.session;
  if (id && confirm("このセッションを終了させますか？")) {{ await fetch(`/api/sessions/${{id}}`, {{ method: "DELETE" }}); refresh(); }}
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
  document.getElementById("created").innerHTML = `招待リンク（一度だけ表示されます。控えるか、印刷してお渡しください）：<ol id="invite-urls">${{links}}</ol>` +
    `<button type="button" id="print">QR コード付きで印刷する</button>`;
  await printCards(created, role);
  document.getElementById("print").addEventListener("click", () => window.print());
  refresh();
}});
refresh();
</script>"#
    );
    Ok(Html(page("スタッフ", &body)).into_response())
}
