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
use crate::pages::page;

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
    /// Role, in Japanese.
    pub role: Option<String>,
    /// Where: the place's name, 「町の通り」, or 「個別相談中」.
    pub place: String,
    /// Step of the ladder, in Japanese.
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
    Json(state.town.overview())
}

/// The overview as an event, whenever it changed (at most every [`LOOK_EVERY`]); the stream
/// ends once the staff session no longer holds (signed out, ended, suspended).
async fn now_events(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let looks = futures_util::stream::unfold(
        (state, session.id, None::<Overview>, Instant::now()),
        |(state, session_id, last, checked)| async move {
            let mut checked = checked;
            loop {
                if checked.elapsed() >= SESSION_CHECK_EVERY {
                    checked = Instant::now();
                    if !matches!(state.store.keep_session(session_id), Ok(true)) {
                        return None;
                    }
                }
                let overview = state.town.overview();
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

async fn now_page(StaffOnly(_): StaffOnly) -> Result<Html<String>, AppError> {
    let zone = crate::city_time::city_zone();
    let zone = serde_json::to_string(zone.iana_name().unwrap_or("Asia/Tokyo")).unwrap_or_default();
    let body = r#"<h1>いまの様子</h1>
<p><a href="/staff">スタッフ用ページ</a>　<a href="/">町に入る</a></p>
<p class="small">町にいる人が、そのつど自動で更新されます（記録はされません）。個別相談のブースの中の人は、名前を出さずに「個別相談中」とだけ表示します。</p>
<p id="live" role="status">つないでいます…</p>
<h2>スタッフへの依頼</h2>
<p id="no-help">いまはありません。</p>
<table id="help-table" hidden><thead><tr><th>だれ</th><th>どこ</th><th>待っている時間</th><th>対応</th></tr></thead><tbody id="help"></tbody></table>
<h2>場所ごとの人数</h2>
<table><thead><tr><th>場所</th><th>人数</th></tr></thead><tbody id="places"></tbody></table>
<h2>町にいる人（<span id="total">0</span>人）</h2>
<fieldset><legend>見守りの操作</legend>
<p class="small">「入口へご案内」：その方を町の入口へ移し、下のひとことを表示します（空欄なら決まった、やさしい文です）。「声を止める」：選んだ時間のあいだ、その方の声がだれにも届かなくなります（チャットと、聞くことはできます）。どちらも記録に残ります（ひとことの中身は残りません）。</p>
<label for="entrance-word">ご案内のときのひとこと（200文字まで・空欄でもかまいません）</label>
<textarea id="entrance-word" maxlength="200" rows="2"></textarea>
<label for="hold-minutes">声を止める時間</label>
<select id="hold-minutes"><option value="10">10分</option><option value="30" selected>30分</option><option value="60">60分</option></select>
<p id="care-result" role="status"></p>
</fieldset>
<table><thead><tr><th>ニックネーム</th><th>役割</th><th>場所</th><th>参加のしかた</th><th>いる時間</th><th>見守り</th></tr></thead><tbody id="people"></tbody></table>
<script>
const ZONE = __ZONE__;
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const minutes = (m) => m == null ? "" : (m < 1 ? "1分未満" : `${m}分`);
function show(now) {
  $("total").textContent = now.total;
  $("people").innerHTML = now.people.map((p) => p.nickname == null
    ? `<tr class="in-booth"><td colspan="2">—</td><td>${esc(p.place)}</td><td></td><td></td><td></td></tr>`
    : `<tr data-person="${p.id}"><td>${esc(p.nickname)}${p.away ? "（つなぎなおし中）" : ""}</td><td>${esc(p.role)}</td><td>${esc(p.place)}</td><td>${esc(p.step)}${p.voice_held_until ? `<br><strong class="held">声を止めています（${esc(p.voice_held_until)}まで）</strong>` : ""}</td><td>${minutes(p.minutes)}</td>`
      + `<td><button type="button" data-entrance="${p.id}" data-name="${esc(p.nickname)}">入口へご案内</button> `
      + (p.voice_held_until
        ? `<button type="button" data-release="${p.id}" data-name="${esc(p.nickname)}">声を戻す</button>`
        : `<button type="button" data-hold="${p.id}" data-name="${esc(p.nickname)}">声を止める</button>`)
      + `</td></tr>`).join("");
  $("places").innerHTML = now.places.map((p) => `<tr><td>${esc(p.place)}</td><td>${p.people}人</td></tr>`).join("");
  $("help").innerHTML = now.help.map((h) => `<tr><td>${esc(h.nickname)}</td><td>${esc(h.place)}</td><td>${minutes(h.minutes)}</td><td>${h.answered_by ? esc(h.answered_by) + "さんが対応中" : "まだ"}</td></tr>`).join("");
  $("no-help").hidden = now.help.length > 0;
  $("help-table").hidden = now.help.length === 0;
  $("live").textContent = `最終更新 ${new Date().toLocaleTimeString("ja-JP", { timeZone: ZONE })}`;
}
async function care(method, path, body, done) {
  const response = await fetch(path, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
  const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
  $("care-result").textContent = response.ok ? done(answer) : (answer.message ?? "うまくいきませんでした。もう一度お試しください。");
}
$("people").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const name = button.dataset.name;
  if (button.dataset.entrance) {
    if (!confirm(`${name}さんを町の入口へご案内します。いまいる場所（交流スペースのステージや発言中も）から入口へ移り、ご本人にひとことが表示されます。よろしいですか？`)) return;
    care("POST", `/api/now/${button.dataset.entrance}/entrance`, { word: $("entrance-word").value }, () => `${name}さんを入口へご案内しました。`);
  } else if (button.dataset.hold) {
    const minutes = Number($("hold-minutes").value);
    if (!confirm(`${name}さんの声を${minutes}分止めます。そのあいだ、声はだれにも届かず、ステージや発言もできません（チャットと、聞くことはできます）。ご本人には、いつまでかが表示されます。よろしいですか？`)) return;
    care("PUT", `/api/now/${button.dataset.hold}/voice-hold`, { minutes }, (answer) => `${name}さんの声を${answer.until}まで止めました。`);
  } else if (button.dataset.release) {
    care("DELETE", `/api/now/${button.dataset.release}/voice-hold`, null, () => `${name}さんの声を戻しました。`);
  }
});
const events = new EventSource("/api/now/events");
events.addEventListener("overview", (event) => show(JSON.parse(event.data)));
events.onerror = () => { $("live").textContent = "更新が止まっています。つなぎなおしています…"; };
</script>"#;
    Ok(Html(page("いまの様子", &body.replace("__ZONE__", &zone))))
}
