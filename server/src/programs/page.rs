//! `/programs`: the program schedule. Staff schedule, change and delete programs with a plain
//! form; everyone else signed in sees the list.

use axum::extract::State;
use axum::response::Html;
use protocol::PlaceKind;

use super::{SCHEDULE_HORIZON_DAYS, schedules, view};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::pages::{escape, page};
use crate::store::now;

/// The schedule page.
pub async fn programs_page(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Html<String>, AppError> {
    let at = now();
    let map = state.town.map();
    let staff = schedules(session.account.role);
    let rows: String = state
        .store
        .programs(at, at + SCHEDULE_HORIZON_DAYS * 86_400)?
        .iter()
        .map(|program| {
            let shown = view(program, &map, at);
            let notes = [shown.watching_welcome.then_some("見学のみ歓迎"), Some(shown.notes.as_str())]
                .into_iter()
                .flatten()
                .filter(|note| !note.is_empty())
                .collect::<Vec<_>>()
                .join("／");
            let actions = if staff {
                // The program travels with its buttons, for the form to fill in when changing it.
                let data = escape(&serde_json::json!({
                    "id": program.id, "title": program.title, "description": program.description,
                    "hall": program.hall, "starts_at": program.starts_at, "ends_at": program.ends_at,
                    "facilitators": program.facilitators, "watching_welcome": program.watching_welcome,
                    "notes": program.notes,
                }).to_string());
                format!(
                    "<td><button type=\"button\" class=\"edit\" data-program=\"{data}\">変更</button> \
                     <button type=\"button\" class=\"delete\" data-id=\"{}\" data-title=\"{}\">削除</button></td>",
                    program.id,
                    escape(&program.title)
                )
            } else {
                String::new()
            };
            format!(
                "<tr data-program-id=\"{}\"><td>{}{}</td><td><strong>{}</strong><br><span class=\"small\">{}</span></td><td>{}</td><td>{}</td><td>{}</td>{actions}</tr>",
                program.id,
                escape(&shown.when.ja),
                if shown.running { "<br><strong>開催中</strong>" } else { "" },
                escape(&shown.title),
                escape(&shown.description).replace('\n', "<br>"),
                escape(&shown.hall_name.ja),
                escape(&shown.facilitators),
                escape(&notes),
            )
        })
        .collect();
    let halls: String = map
        .places
        .iter()
        .filter(|place| place.kind == PlaceKind::Hall)
        .map(|place| format!("<option value=\"{}\">{}</option>", escape(&place.id.0), escape(&place.name)))
        .collect();
    let list = format!(
        "<h2>これからのプログラム</h2><table><thead><tr><th>日時</th><th>プログラム</th><th>場所</th><th>担当</th><th>メモ</th>{}</tr></thead>\
         <tbody id=\"programs\">{rows}</tbody></table>{}",
        if staff { "<th></th>" } else { "" },
        if rows.is_empty() {
            "<p id=\"no-programs\">予定されているプログラムはまだありません。</p>"
        } else {
            ""
        }
    );
    if !staff {
        let body = format!("<h1>プログラムの予定</h1><p><a href=\"/\">町に入る</a></p>{list}");
        return Ok(Html(page("プログラム", &body)));
    }
    let body = format!(
        r#"<h1>プログラムの予定</h1>
<p><a href="/staff">スタッフ用ページ</a>　<a href="/">町に入る</a></p>
<p class="small">予定したプログラムは、町の案内板と「今日のプログラム」に表示され、開催中は交流スペースの入口に出ます。
始まる10分前に、町にいる人へ一度だけお知らせが届きます。時刻は日本時間です。</p>
<form id="program-form">
<h2 id="form-title">プログラムを予定する</h2>
<label for="title">タイトル（40文字まで）</label><input type="text" id="title" maxlength="40" required placeholder="例：唄ごえカフェ">
<label for="hall">場所</label><select id="hall">{halls}</select>
<label for="date">日付</label><input type="date" id="date" required>
<label for="start">開始時刻</label><input type="time" id="start" required>
<label for="end">終了時刻</label><input type="time" id="end" required>
<label for="facilitators">担当（ファシリテーター）</label><input type="text" id="facilitators" maxlength="80" placeholder="例：音楽療法士 さくら">
<label for="description">説明（400文字まで）</label><textarea id="description" maxlength="400" rows="4" style="width:100%;font:inherit"></textarea>
<label><input type="checkbox" id="watching"> 「見学のみ歓迎」と表示する</label>
<label for="notes">メモ（120文字まで・参加者にも表示されます）</label><input type="text" id="notes" maxlength="120" placeholder="例：途中参加・途中退出OK">
<button type="submit" id="save">予定する</button> <button type="button" id="cancel-edit" hidden>変更をやめる</button>
<p id="result" class="error" role="alert"></p>
</form>
{list}
<script>
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
    $("form-title").textContent = "プログラムを変更する"; $("save").textContent = "変更を保存する"; $("cancel-edit").hidden = false;
    $("title").focus();
  }}
  if (remove && confirm(`「${{remove.dataset.title}}」を予定から削除します。町の案内板と「今日のプログラム」からも消えます。よろしいですか？`)) {{
    const response = await fetch(`/api/programs/${{remove.dataset.id}}`, {{ method: "DELETE" }});
    if (response.ok) {{ location.reload(); return; }}
    $("result").textContent = (await response.json().catch(() => ({{}}))).message ?? "削除できませんでした。";
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
  $("result").textContent = (await response.json().catch(() => ({{}}))).message ?? "保存できませんでした。";
}});
</script>"#
    );
    Ok(Html(page("プログラム", &body)))
}
