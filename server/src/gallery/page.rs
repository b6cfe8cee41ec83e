//! `/gallery`: the staff page of the gallery's videos. Uploads show their progress and can be
//! cancelled; videos are edited, reordered, hidden and deleted in place.

use axum::extract::State;
use axum::response::Html;

use crate::AppState;
use crate::auth::StaffOnly;
use crate::error::{AppError, size_label};
use crate::pages::{escape, page};

/// 「3分12秒」.
fn duration_label(ms: u64) -> String {
    let seconds = ms.div_ceil(1000);
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s}秒"),
        (m, 0) => format!("{m}分"),
        (m, s) => format!("{m}分{s}秒"),
    }
}

/// The staff page.
pub async fn gallery_page(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Html<String>, AppError> {
    let limit = size_label(state.config.video_max_bytes);
    let max_bytes = state.config.video_max_bytes;
    let rows: String = state
        .store
        .videos()?
        .iter()
        .map(|video| {
            let data = escape(
                &serde_json::json!({
                    "id": video.id.0, "title": video.title, "description": video.description,
                    "program": video.program.clone().unwrap_or_default(), "hidden": video.hidden,
                })
                .to_string(),
            );
            format!(
                "<tr data-video-id=\"{id}\"><td><img src=\"/media/videos/{id}/poster\" alt=\"\" width=\"96\"></td>\
                 <td><strong>{title}</strong>{hidden}<br><span class=\"small\">{description}</span></td>\
                 <td>{program}</td><td>{duration}<br><span class=\"small\">{container}{captions}</span></td>\
                 <td class=\"small\">{by}</td>\
                 <td><button type=\"button\" class=\"up\" data-video=\"{data}\" aria-label=\"前へ\">↑</button> \
                 <button type=\"button\" class=\"down\" data-video=\"{data}\" aria-label=\"後ろへ\">↓</button> \
                 <button type=\"button\" class=\"edit\" data-video=\"{data}\">変更</button> \
                 <button type=\"button\" class=\"toggle\" data-video=\"{data}\">{toggle}</button> \
                 <button type=\"button\" class=\"delete\" data-video=\"{data}\">削除</button></td></tr>",
                id = video.id.0,
                title = escape(&video.title),
                hidden = if video.hidden { "<br><strong>非公開</strong>" } else { "" },
                description = escape(&video.description).replace('\n', "<br>"),
                program = escape(video.program.as_deref().unwrap_or("")),
                duration = duration_label(video.duration_ms),
                container = video.container.as_str().to_uppercase(),
                captions = if video.captions { "・字幕あり" } else { "" },
                by = escape(video.uploaded_by.as_deref().unwrap_or("")),
                toggle = if video.hidden { "公開する" } else { "非公開にする" },
            )
        })
        .collect();
    let empty = if rows.is_empty() { "<p id=\"no-videos\">動画はまだありません。</p>" } else { "" };
    let body = format!(
        r#"<h1>ギャラリーの動画</h1>
<p><a href="/staff">スタッフ用ページ</a>　<a href="/">町に入る</a></p>
<p class="small">ここに載せた動画は、町のギャラリーのスクリーンで見られます（並び順に、スクリーンに割り当てられます）。
スタッフはスクリーンの前で「みんなで見る」を押すと、ギャラリーにいる全員に同時に上映できます。動画はログインした人だけが見られます。</p>
<form id="video-form">
<h2>動画を追加する</h2>
<label for="video">動画ファイル（MP4：H.264・AAC、または WebM：VP8・VP9・Opus／{limit}まで）</label>
<input type="file" id="video" accept="video/mp4,video/webm" required>
<label for="title">タイトル（60文字まで）</label><input type="text" id="title" maxlength="60" required placeholder="例：唄ごえカフェのようす">
<label for="description">説明（400文字まで）</label><textarea id="description" maxlength="400" rows="3" style="width:100%;font:inherit"></textarea>
<label for="program">どのプログラムの動画か（なくても大丈夫です）</label><input type="text" id="program" maxlength="40" placeholder="例：唄ごえカフェ">
<label for="poster">表紙の画像（JPEG・PNG、なくても大丈夫です：なければ動画の1コマを使います）</label><input type="file" id="poster" accept="image/jpeg,image/png">
<label for="captions">日本語の字幕（WebVTT・.vtt、なくても大丈夫です）</label><input type="file" id="captions" accept=".vtt,text/vtt">
<button type="submit" id="upload">アップロードする</button> <button type="button" id="cancel-upload" hidden>アップロードをやめる</button>
<p><progress id="progress" max="100" value="0" hidden></progress> <span id="progress-text" role="status"></span></p>
<p id="result" class="error" role="alert"></p>
</form>
<form id="edit-form" hidden>
<h2>動画の説明を変更する</h2>
<label for="edit-title">タイトル</label><input type="text" id="edit-title" maxlength="60" required>
<label for="edit-description">説明</label><textarea id="edit-description" maxlength="400" rows="3" style="width:100%;font:inherit"></textarea>
<label for="edit-program">プログラム</label><input type="text" id="edit-program" maxlength="40">
<button type="submit" id="edit-save">変更を保存する</button> <button type="button" id="edit-cancel">やめる</button>
</form>
<h2>動画の一覧</h2>
<table><thead><tr><th>表紙</th><th>動画</th><th>プログラム</th><th>長さ</th><th>追加した人</th><th></th></tr></thead>
<tbody id="videos">{rows}</tbody></table>{empty}
<script>
const $ = (id) => document.getElementById(id);
let upload = null, editing = null;
const failed = async (response, fallback) => (await response.json().catch(() => ({{}}))).message ?? fallback;
const send = async (url, method, body) => {{
  const response = await fetch(url, {{ method, headers: {{ "content-type": "application/json" }}, body: body && JSON.stringify(body) }});
  if (response.ok) {{ location.reload(); return; }}
  $("result").textContent = await failed(response, "変更できませんでした。");
}};
$("video-form").addEventListener("submit", (event) => {{
  event.preventDefault();
  if ($("video").files[0]?.size > {max_bytes}) {{ $("result").textContent = "動画ファイルは{limit}までです。短くするか、画質を下げてからお試しください。"; return; }}
  const form = new FormData();
  form.append("title", $("title").value);
  form.append("description", $("description").value);
  form.append("program", $("program").value);
  if ($("captions").files[0]) form.append("captions", $("captions").files[0]);
  if ($("poster").files[0]) form.append("poster", $("poster").files[0]);
  form.append("video", $("video").files[0]);
  upload = new XMLHttpRequest();
  upload.open("POST", "/api/videos");
  upload.responseType = "json";
  $("progress").hidden = false; $("cancel-upload").hidden = false; $("upload").disabled = true; $("result").textContent = "";
  upload.upload.onprogress = (e) => {{
    if (!e.lengthComputable) return;
    const percent = Math.floor(e.loaded * 100 / e.total);
    $("progress").value = percent;
    $("progress-text").textContent = percent < 100 ? `アップロード中… ${{percent}}%` : "動画を確かめています…";
  }};
  const done = () => {{ upload = null; $("cancel-upload").hidden = true; $("upload").disabled = false; $("progress").hidden = true; }};
  upload.onload = () => {{
    if (upload.status === 201) {{ $("progress-text").textContent = "追加しました。"; location.reload(); return; }}
    $("result").textContent = upload.response?.message ?? "アップロードできませんでした。";
    $("progress-text").textContent = "";
    done();
  }};
  upload.onerror = () => {{ $("result").textContent = "アップロードが途中で止まりました。何も保存されていません。もう一度お試しください。"; $("progress-text").textContent = ""; done(); }};
  upload.onabort = () => {{ $("progress-text").textContent = "アップロードをやめました。何も保存されていません。"; done(); }};
  upload.send(form);
}});
$("cancel-upload").addEventListener("click", () => upload?.abort());
document.addEventListener("click", (event) => {{
  const button = event.target.closest("button[data-video]");
  if (!button) return;
  const v = JSON.parse(button.dataset.video);
  const text = {{ title: v.title, description: v.description, program: v.program, hidden: v.hidden }};
  if (button.classList.contains("up")) send(`/api/videos/${{v.id}}/move`, "POST", {{ earlier: true }});
  if (button.classList.contains("down")) send(`/api/videos/${{v.id}}/move`, "POST", {{ earlier: false }});
  if (button.classList.contains("toggle")) send(`/api/videos/${{v.id}}`, "PUT", {{ ...text, hidden: !v.hidden }});
  if (button.classList.contains("delete") && confirm(`「${{v.title}}」を削除します。ファイルも消え、元に戻せません。よろしいですか？`)) send(`/api/videos/${{v.id}}`, "DELETE");
  if (button.classList.contains("edit")) {{
    editing = v;
    $("edit-form").hidden = false;
    $("edit-title").value = v.title; $("edit-description").value = v.description; $("edit-program").value = v.program;
    $("edit-title").focus();
  }}
}});
$("edit-cancel").addEventListener("click", () => {{ $("edit-form").hidden = true; editing = null; }});
$("edit-form").addEventListener("submit", (event) => {{
  event.preventDefault();
  send(`/api/videos/${{editing.id}}`, "PUT", {{ title: $("edit-title").value, description: $("edit-description").value,
    program: $("edit-program").value, hidden: editing.hidden }});
}});
</script>"#
    );
    Ok(Html(page("ギャラリー", &body)))
}
