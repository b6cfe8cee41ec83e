//! Server-rendered HTML pages, all in Japanese: the registration page behind an invite link,
//! the staff page, and the page for a browser that has no session.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use protocol::{AVATAR_COUNT, Role};

use crate::AppState;
use crate::auth::current_session;
use crate::error::AppError;

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
"#;

/// A whole Japanese page with the house style.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — ibasho</title><link rel=\"icon\" href=\"data:,\"><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    )
}

/// A page that explains a problem in plain words.
pub fn problem(title: &str, message: &str) -> String {
    page(title, &format!("<h1>{}</h1><p id=\"problem\">{}</p>", escape(title), escape(message)))
}

/// プライバシーについて: what is stored, for how long, and what never is, in plain words.
pub fn privacy() -> String {
    page(
        "プライバシーについて",
        r#"<h1>プライバシーについて</h1>
<p>ibasho は、安心して過ごせることをいちばんに考えてつくっています。記録するものは、できるだけ少なくしています。</p>
<h2>記録しないもの</h2>
<ul id="never-stored">
<li>話した声、映像、チャットの内容、画面共有。これらは記録も録音もしません（相手に直接届くか、中継サーバーを通るだけです）。</li>
<li>本名、メールアドレス、電話番号。ニックネームだけで参加できます。</li>
<li>どこを歩いたかの記録。いまいる場所は、町にいるあいだだけ使います。</li>
</ul>
<h2>記録するものと、残す期間</h2>
<ul id="stored">
<li>ニックネーム・アバター・役割：アカウントを削除するまで。</li>
<li>ログイン（このブラウザで入れるようにするための情報）：使わないまま一定の期間がたつか、ログアウトすると終わります。</li>
<li>ブロックした相手：あなたが外すか、アカウントを削除するまで。ブロックしたことは相手には伝わりません。</li>
<li>個別相談の予約：予約の時間から30日後に消えます。話した内容は記録しません。</li>
<li>スタッフへの知らせ（通報）：あなたが書いたひとことと、場所と時刻だけ。30日後に消えます。</li>
<li>スタッフが行った操作の記録：30日後に消えます。会話の内容は含みません。</li>
</ul>
<h2>あなたができること</h2>
<ul>
<li>町の「？ 使い方」から「わたしの設定」を開くと、ニックネームとアバターの変更、ログインしているブラウザの確認とログアウト、アカウントの削除ができます。</li>
<li>アカウントを削除すると、あなたについて記録されているものがすぐにすべて消えます。予約や知らせにもあなたの名前は残りません。</li>
</ul>
<p class="small">わからないことがあれば、町の中の「スタッフに声をかけてほしい」か、市の担当窓口にお問い合わせください。</p>
<p><a href="/">ibasho に戻る</a></p>"#,
    )
}

/// The registration page behind a usable invite link.
pub fn registration(token: &str, role: Role) -> String {
    let avatars: String = (0..AVATAR_COUNT)
        .map(|n| {
            let checked = if n == 0 { " checked" } else { "" };
            format!(
                "<label><input type=\"radio\" name=\"avatar\" value=\"{n}\"{checked} aria-label=\"アバター {}\">\
                 <span class=\"avatar\" style=\"background-image:url('/assets/avatars/avatar-{n}.png')\"></span></label>",
                n + 1
            )
        })
        .collect();
    let role_line = if role == Role::Participant {
        String::new()
    } else {
        format!("<p class=\"small\">この招待で「{}」として登録されます。</p>", role.label())
    };
    let body = format!(
        r#"<h1>ibasho へようこそ</h1>
<p>ここはオンラインの居場所です。ニックネームだけで参加できます。本名やメールアドレスは必要ありません。カメラやマイクを使わず、見ているだけでも大丈夫です。</p>
{role_line}
<form id="register">
<label for="nickname">ニックネーム（20文字まで）</label>
<input type="text" id="nickname" name="nickname" maxlength="20" autocomplete="off" required>
<label>アバター</label>
<div class="avatars">{avatars}</div>
<p class="error" id="error" role="alert"></p>
<button type="submit" id="enter">はじめる</button>
</form>
<p class="small"><a href="/privacy" target="_blank" rel="noopener">プライバシーについて</a>（記録するもの・しないもの）</p>
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
  }} catch (e) {{ error.textContent = "サーバーにつながりませんでした。通信状況を確かめて、もう一度お試しください。"; }}
}});
</script>"#,
        token = escape(token)
    );
    page("ようこそ", &body)
}

async fn town_or_welcome(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let session = match current_session(&headers, &state) {
        Err(AppError::Suspended) => {
            let page = problem("一時停止中です", crate::error::SUSPENDED_MESSAGE);
            return Ok((StatusCode::FORBIDDEN, Html(page)).into_response());
        }
        other => other?,
    };
    let Some(session) = session else {
        let message = "ibasho に入るには招待リンクが必要です。お持ちの招待リンクを開いてください。一度登録したブラウザでは、次からはこのページから直接入れます。";
        return Ok((StatusCode::UNAUTHORIZED, Html(problem("ようこそ", message))).into_response());
    };
    if let Some(hours) = crate::open_hours::keeps_out(&state.store, session.account.role) {
        let page = crate::open_hours::page::closed_page(&hours, &state.store.closed_message()?);
        return Ok(Html(page).into_response());
    }
    match tokio::fs::read_to_string(state.config.static_dir.join("index.html")).await {
        Ok(index) => Ok(Html(index).into_response()),
        Err(error) => {
            tracing::error!(%error, "client not built: index.html missing");
            let message = "町の画面がまだ用意されていません。管理者にお知らせください。";
            Ok((StatusCode::SERVICE_UNAVAILABLE, Html(problem("準備中です", message))).into_response())
        }
    }
}

async fn staff_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let Some(session) = current_session(&headers, &state)? else {
        return Ok((StatusCode::UNAUTHORIZED, Html(problem("ログインが必要です", &AppError::NotSignedIn.message())))
            .into_response());
    };
    if session.account.role != Role::Staff {
        return Ok(
            (StatusCode::FORBIDDEN, Html(problem("スタッフ専用です", &AppError::Forbidden.message()))).into_response()
        );
    }
    let roles: String =
        Role::ALL.iter().map(|role| format!("<option value=\"{}\">{}</option>", role.as_str(), role.label())).collect();
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
