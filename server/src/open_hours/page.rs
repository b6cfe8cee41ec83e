//! The pages of the open hours: `/hours` where staff set them, and the calm page a participant
//! sees while ibasho is closed (the next opening, the schedule and staff's message).

use axum::extract::State;
use axum::response::Html;
use protocol::HoursView;

use crate::AppState;
use crate::auth::StaffOnly;
use crate::error::AppError;
use crate::lang::Lang;
use crate::pages::{escape, page};

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

/// `/hours`: the rules, the exceptions and the closed page's message, with forms.
pub async fn hours_page(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Html<String>, AppError> {
    let hours = summary(&state.store)?;
    let row = |kind: &str, id: i64, label: &str| {
        format!(
            "<tr><td>{}</td><td><button type=\"button\" class=\"delete\" data-kind=\"{kind}\" data-id=\"{id}\">消す</button></td></tr>",
            escape(label)
        )
    };
    let rules: String = hours.rules.iter().map(|entry| row("rules", entry.id, &entry.label)).collect();
    let exceptions: String = hours.exceptions.iter().map(|entry| row("exceptions", entry.id, &entry.label)).collect();
    let state_now = match (hours.view.set, hours.open, &hours.view.next_opening) {
        (false, _, _) => "開所時間は決まっていません：参加者はいつでも町に入れます。".to_owned(),
        (true, true, _) => format!("いまは開いています（{}）。", hours.view.today.ja),
        (true, false, Some(next)) => format!("いまは閉まっています。次に開くのは {} です。", next.ja),
        (true, false, None) => "いまは閉まっています。次に開く日はありません。".to_owned(),
    };
    let weekdays: String = super::rules::WEEKDAY_KEYS
        .iter()
        .map(|key| Lang::Ja.text(key))
        .enumerate()
        .map(|(n, name)| format!("<option value=\"{n}\"{}>{name}曜</option>", if n == 3 { " selected" } else { "" }))
        .collect();
    let weeks: String = (1..=5)
        .map(|n| format!("<label class=\"inline\"><input type=\"checkbox\" name=\"week\" value=\"{n}\"> 第{n}</label>"))
        .collect();
    let body = format!(
        r#"<h1>開所時間</h1>
<p><a href="/staff">スタッフ用ページ</a>　<a href="/">町に入る</a></p>
<p id="hours-now"><strong>{state_now}</strong></p>
<p class="small">時間は {zone} で読みます。開いている時間の外は、参加者は町に入れず、次に開く時間を書いたページが出ます。スタッフ・相談員・ファシリテーターはいつでも入れます。閉まる15分前と5分前に町の全員にお知らせが出て、閉まると参加者は町から出ます（個別相談の途中の人は、相談が終わってから）。</p>
<h2>決まった開所日</h2>
<table><tbody id="rules">{rules}</tbody></table>
<form id="rule-form">
<label for="weekday">曜日</label><select id="weekday">{weekdays}</select>
<fieldset><legend>第何週（選ばなければ毎週）</legend>{weeks}</fieldset>
<label for="rule-starts">開く時刻</label><input type="time" id="rule-starts" value="13:00" required>
<label for="rule-ends">閉まる時刻</label><input type="time" id="rule-ends" value="21:00" required>
<button type="submit" id="add-rule">決まりを加える</button>
</form>
<h2>特別な日（休み・臨時の開所）</h2>
<table><tbody id="exceptions">{exceptions}</tbody></table>
<form id="exception-form">
<label for="exception-day">日付</label><input type="date" id="exception-day" required>
<label class="inline"><input type="radio" name="change" value="closed" checked> この日は休み</label>
<label class="inline"><input type="radio" name="change" value="open"> この日は臨時で開く</label>
<label for="exception-starts">開く時刻（臨時のとき）</label><input type="time" id="exception-starts" value="10:00">
<label for="exception-ends">閉まる時刻（臨時のとき）</label><input type="time" id="exception-ends" value="18:00">
<button type="submit" id="add-exception">特別な日を加える</button>
</form>
<h2>閉まっているときのメッセージ</h2>
<form id="message-form">
<label for="closed-message">参加者に見えるメッセージ（{max}文字まで）</label>
<textarea id="closed-message" rows="4" maxlength="{max}" style="width:100%;font:inherit">{message}</textarea>
<button type="submit" id="save-message">メッセージを保存</button>
</form>
<p id="result" class="error" role="alert"></p>
<style>.inline {{ display: inline-block; font-weight: normal; margin-right: 1rem; }} fieldset {{ margin-top: 1rem; border: 1px solid #ddd; }}</style>
<script>
const $ = (id) => document.getElementById(id);
const answer = async (response, failed) => {{
  if (response.ok) {{ location.reload(); return; }}
  $("result").textContent = (await response.json().catch(() => ({{}}))).message ?? failed;
}};
const send = (method, url, body) => fetch(url, {{ method, headers: {{ "content-type": "application/json" }}, body: JSON.stringify(body) }});
$("rule-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const weeks = [...document.querySelectorAll("input[name=week]:checked")].map((box) => Number(box.value));
  answer(await send("POST", "/api/hours/rules", {{ weekday: Number($("weekday").value), weeks, starts: $("rule-starts").value, ends: $("rule-ends").value }}), "加えられませんでした。");
}});
$("exception-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const closed = document.querySelector("input[name=change]:checked").value === "closed";
  const body = closed ? {{ day: $("exception-day").value, closed }} : {{ day: $("exception-day").value, closed, starts: $("exception-starts").value, ends: $("exception-ends").value }};
  answer(await send("POST", "/api/hours/exceptions", body), "加えられませんでした。");
}});
$("message-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const response = await send("PUT", "/api/hours/message", {{ message: $("closed-message").value }});
  if (response.ok) {{ $("result").textContent = "保存しました。"; return; }}
  answer(response, "保存できませんでした。");
}});
document.addEventListener("click", async (event) => {{
  const remove = event.target.closest(".delete");
  if (!remove || !confirm("これを消します。開所時間はすぐに変わり、閉まる時間になった参加者は町から出ます。よろしいですか？")) return;
  answer(await fetch(`/api/hours/${{remove.dataset.kind}}/${{remove.dataset.id}}`, {{ method: "DELETE" }}), "消せませんでした。");
}});
</script>"#,
        zone = escape(&hours.time_zone),
        max = MAX_CLOSED_MESSAGE_CHARS,
        message = escape(&hours.message),
    );
    Ok(Html(page("開所時間", &body)))
}
