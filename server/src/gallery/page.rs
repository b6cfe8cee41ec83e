//! `/gallery`: the staff page of the gallery's videos. Uploads show their progress and can be
//! cancelled; videos are edited, reordered, hidden and deleted in place.

use axum::extract::State;
use axum::response::Html;

use crate::AppState;
use crate::auth::StaffOnly;
use crate::error::{AppError, size_label};
use crate::lang::Lang;
use crate::pages::{escape, js_words, page, staff_links};

/// 「3分12秒」, "3 min 12 s".
fn duration_label(ms: u64, lang: Lang) -> String {
    let seconds = ms.div_ceil(1000);
    match (seconds / 60, seconds % 60) {
        (0, s) => lang.fill("gallery.page.seconds", &[("s", &s)]),
        (m, 0) => lang.fill("gallery.page.minutes", &[("m", &m)]),
        (m, s) => lang.fill("gallery.page.minutes_seconds", &[("m", &m), ("s", &s)]),
    }
}

/// The words the page's script uses.
const SCRIPT_WORDS: [&str; 9] = [
    "gallery.page.error.change",
    "gallery.page.too_large",
    "gallery.page.uploading",
    "gallery.page.checking",
    "gallery.page.added",
    "gallery.page.error.upload",
    "gallery.page.upload_broken",
    "gallery.page.upload_cancelled",
    "gallery.page.confirm.delete",
];

/// The staff page, in the staff member's language.
pub async fn gallery_page(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Html<String>, AppError> {
    let lang = crate::lang::current();
    let w = |key: &str| escape(lang.text(key));
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
                 <td><button type=\"button\" class=\"up\" data-video=\"{data}\" aria-label=\"{earlier}\">↑</button> \
                 <button type=\"button\" class=\"down\" data-video=\"{data}\" aria-label=\"{later}\">↓</button> \
                 <button type=\"button\" class=\"edit\" data-video=\"{data}\">{change}</button> \
                 <button type=\"button\" class=\"toggle\" data-video=\"{data}\">{toggle}</button> \
                 <button type=\"button\" class=\"delete\" data-video=\"{data}\">{delete}</button></td></tr>",
                id = video.id.0,
                title = escape(&video.title),
                hidden = if video.hidden {
                    format!("<br><strong>{}</strong>", w("gallery.page.hidden"))
                } else {
                    String::new()
                },
                description = escape(&video.description).replace('\n', "<br>"),
                program = escape(video.program.as_deref().unwrap_or("")),
                duration = escape(&duration_label(video.duration_ms, lang)),
                container = video.container.as_str().to_uppercase(),
                captions = if video.captions { w("gallery.page.with_captions") } else { String::new() },
                by = escape(video.uploaded_by.as_deref().unwrap_or("")),
                earlier = w("gallery.page.earlier"),
                later = w("gallery.page.later"),
                change = w("programs.page.change"),
                toggle = w(if video.hidden { "gallery.page.show" } else { "gallery.page.hide" }),
                delete = w("programs.page.delete"),
            )
        })
        .collect();
    let empty =
        if rows.is_empty() { format!("<p id=\"no-videos\">{}</p>", w("gallery.page.none")) } else { String::new() };
    let body = format!(
        r#"<h1>{heading}</h1>
{links}
<p class="small">{explain}</p>
<form id="video-form">
<h2>{add}</h2>
<label for="video">{video_label}</label>
<input type="file" id="video" accept="video/mp4,video/webm" required>
<label for="title">{title_label}</label><input type="text" id="title" maxlength="60" required placeholder="{title_example}">
<label for="description">{description_label}</label><textarea id="description" maxlength="400" rows="3" style="width:100%;font:inherit"></textarea>
<label for="program">{program_label}</label><input type="text" id="program" maxlength="40" placeholder="{program_example}">
<label for="poster">{poster_label}</label><input type="file" id="poster" accept="image/jpeg,image/png">
<label for="captions">{captions_label}</label><input type="file" id="captions" accept=".vtt,text/vtt">
<button type="submit" id="upload">{upload}</button> <button type="button" id="cancel-upload" hidden>{cancel_upload}</button>
<p><progress id="progress" max="100" value="0" hidden></progress> <span id="progress-text" role="status"></span></p>
<p id="result" class="error" role="alert"></p>
</form>
<form id="edit-form" hidden>
<h2>{edit_heading}</h2>
<label for="edit-title">{edit_title}</label><input type="text" id="edit-title" maxlength="60" required>
<label for="edit-description">{edit_description}</label><textarea id="edit-description" maxlength="400" rows="3" style="width:100%;font:inherit"></textarea>
<label for="edit-program">{edit_program}</label><input type="text" id="edit-program" maxlength="40">
<button type="submit" id="edit-save">{save_change}</button> <button type="button" id="edit-cancel">{cancel}</button>
</form>
<h2>{list}</h2>
<table><thead><tr><th>{col_poster}</th><th>{col_video}</th><th>{edit_program}</th><th>{col_length}</th><th>{col_by}</th><th></th></tr></thead>
<tbody id="videos">{rows}</tbody></table>{empty}
<script>
{words}
const LIMIT = {limit_js};
const $ = (id) => document.getElementById(id);
let upload = null, editing = null;
const failed = async (response, fallback) => (await response.json().catch(() => ({{}}))).message ?? fallback;
const send = async (url, method, body) => {{
  const response = await fetch(url, {{ method, headers: {{ "content-type": "application/json" }}, body: body && JSON.stringify(body) }});
  if (response.ok) {{ location.reload(); return; }}
  $("result").textContent = await failed(response, W["gallery.page.error.change"]);
}};
$("video-form").addEventListener("submit", (event) => {{
  event.preventDefault();
  if ($("video").files[0]?.size > {max_bytes}) {{ $("result").textContent = fill(W["gallery.page.too_large"], {{ limit: LIMIT }}); return; }}
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
    $("progress-text").textContent = percent < 100 ? fill(W["gallery.page.uploading"], {{ percent }}) : W["gallery.page.checking"];
  }};
  const done = () => {{ upload = null; $("cancel-upload").hidden = true; $("upload").disabled = false; $("progress").hidden = true; }};
  upload.onload = () => {{
    if (upload.status === 201) {{ $("progress-text").textContent = W["gallery.page.added"]; location.reload(); return; }}
    $("result").textContent = upload.response?.message ?? W["gallery.page.error.upload"];
    $("progress-text").textContent = "";
    done();
  }};
  upload.onerror = () => {{ $("result").textContent = W["gallery.page.upload_broken"]; $("progress-text").textContent = ""; done(); }};
  upload.onabort = () => {{ $("progress-text").textContent = W["gallery.page.upload_cancelled"]; done(); }};
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
  if (button.classList.contains("delete") && confirm(fill(W["gallery.page.confirm.delete"], {{ title: v.title }}))) send(`/api/videos/${{v.id}}`, "DELETE");
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
</script>"#,
        heading = w("staff.nav.gallery"),
        links = staff_links(),
        explain = w("gallery.page.explain"),
        add = w("gallery.page.add"),
        video_label = escape(&lang.fill("gallery.page.video", &[("limit", &limit)])),
        title_label = w("gallery.page.title"),
        title_example = w("gallery.page.title_example"),
        description_label = w("programs.page.description"),
        program_label = w("gallery.page.program"),
        program_example = w("programs.page.title_example"),
        poster_label = w("gallery.page.poster"),
        captions_label = w("gallery.page.captions"),
        upload = w("gallery.page.upload"),
        cancel_upload = w("gallery.page.cancel_upload"),
        edit_heading = w("gallery.page.edit"),
        edit_title = w("gallery.page.edit_title"),
        edit_description = w("gallery.page.edit_description"),
        edit_program = w("programs.page.col.program"),
        save_change = w("programs.page.save_change"),
        cancel = w("common.cancel"),
        list = w("gallery.page.list"),
        col_poster = w("gallery.page.col.poster"),
        col_video = w("gallery.page.col.video"),
        col_length = w("gallery.page.col.length"),
        col_by = w("gallery.page.col.by"),
        words = js_words(&SCRIPT_WORDS),
        limit_js = crate::pages::js(&limit),
    );
    Ok(Html(page(lang.text("gallery.page.tab_title"), &body)))
}
