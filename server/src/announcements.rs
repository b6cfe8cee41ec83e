//! お知らせ: town-wide announcements staff post on `/announcements`, each with its start and
//! end; while one is on, everyone in the town sees it as a banner (the latest to start wins).
//! Deleted 30 days after they end.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::{delete, get};
use axum::{Json, Router};
use protocol::{MAX_ANNOUNCEMENT_CHARS, ParticipantId};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::StaffOnly;
use crate::city_time::city_label_in;
use crate::error::AppError;
use crate::json::JsonBody;
use crate::lang::text;
use crate::pages::{escape, js_words, page, staff_links};
use crate::programs::field;
use crate::store::{Store, now};

/// How long an announcement is kept after it ended, in seconds (30 days).
pub const ANNOUNCEMENT_RETENTION_SECONDS: i64 = 30 * 24 * 3600;
/// Longest an announcement may be shown, in days.
pub const MAX_ANNOUNCEMENT_DAYS: i64 = 90;
/// How often the town's banner is looked at again (one starts and ends by the clock).
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// An announcement as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Announcement {
    /// Its id.
    pub id: i64,
    /// What it says.
    pub text: String,
    /// From, Unix seconds.
    pub starts_at: i64,
    /// Until, Unix seconds.
    pub ends_at: i64,
}

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/announcements", get(announcements_page))
        .route("/api/announcements", get(list).post(create))
        .route("/api/announcements/{id}", delete(remove))
}

impl Store {
    /// Stores an announcement.
    pub fn add_announcement(&self, announcement: &Announcement, by: ParticipantId) -> Result<i64, AppError> {
        let connection = self.lock();
        connection.execute(
            "INSERT INTO announcements (text, starts_at, ends_at, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![announcement.text, announcement.starts_at, announcement.ends_at, by.0, now()],
        )?;
        Ok(connection.last_insert_rowid())
    }

    /// Announcements that have not ended by `at`, soonest first.
    pub fn announcements(&self, at: i64) -> Result<Vec<Announcement>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT id, text, starts_at, ends_at FROM announcements WHERE ends_at > ?1 ORDER BY starts_at, id",
        )?;
        let found = statement
            .query_map(params![at], |row| {
                Ok(Announcement { id: row.get(0)?, text: row.get(1)?, starts_at: row.get(2)?, ends_at: row.get(3)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(found)
    }

    /// Deletes an announcement.
    pub fn delete_announcement(&self, id: i64) -> Result<(), AppError> {
        match self.lock().execute("DELETE FROM announcements WHERE id = ?1", params![id])? {
            0 => Err(AppError::NotFound),
            _ => Ok(()),
        }
    }

    /// Deletes announcements that ended more than the retention period before `at`.
    pub fn purge_old_announcements(&self, at: i64) -> Result<usize, AppError> {
        Ok(self
            .lock()
            .execute("DELETE FROM announcements WHERE ends_at < ?1", params![at - ANNOUNCEMENT_RETENTION_SECONDS])?)
    }
}

/// An announcement as staff send it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementForm {
    text: String,
    starts_at: i64,
    ends_at: i64,
}

/// Checks a form at the clock `at`.
pub fn validate(form: AnnouncementForm, at: i64) -> Result<Announcement, AppError> {
    let text = field(&form.text, MAX_ANNOUNCEMENT_CHARS, false, "error.announcement.length")?;
    if text.is_empty() {
        return Err(AppError::Invalid("error.announcement.empty"));
    }
    if form.ends_at <= form.starts_at {
        return Err(AppError::Invalid("error.ends_before_start"));
    }
    if form.ends_at <= at {
        return Err(AppError::Invalid("error.already_over"));
    }
    if form.ends_at - form.starts_at > MAX_ANNOUNCEMENT_DAYS * 86_400 {
        return Err(AppError::Invalid("error.announcement.too_long"));
    }
    Ok(Announcement { id: 0, text, starts_at: form.starts_at, ends_at: form.ends_at })
}

/// The announcement on at `at`, if any: the latest to start.
pub fn current(announcements: &[Announcement], at: i64) -> Option<&Announcement> {
    announcements.iter().filter(|a| a.starts_at <= at && at < a.ends_at).max_by_key(|a| (a.starts_at, a.id))
}

async fn list(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Json<Vec<Announcement>>, AppError> {
    Ok(Json(state.store.announcements(now())?))
}

async fn create(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    JsonBody(form): JsonBody<AnnouncementForm>,
) -> Result<impl IntoResponse, AppError> {
    let announcement = validate(form, now())?;
    let id = state.store.add_announcement(&announcement, session.account.id)?;
    tracing::info!(announcement = id, by = session.account.id.0, "announcement posted");
    let target = crate::audit::said_with("audit.target.announcement", &[("id", &id)]);
    state.store.audit(&session.account, &crate::audit::said("audit.announcement.posted"), &target);
    refresh_town(&state)?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

async fn remove(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    state.store.delete_announcement(id)?;
    tracing::info!(announcement = id, by = session.account.id.0, "announcement deleted");
    let target = crate::audit::said_with("audit.target.announcement", &[("id", &id)]);
    state.store.audit(&session.account, &crate::audit::said("audit.announcement.removed"), &target);
    refresh_town(&state)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives the town the announcement on now (or none).
pub fn refresh_town(state: &AppState) -> Result<(), AppError> {
    let at = now();
    let announcements = state.store.announcements(at)?;
    state.town.set_announcement(current(&announcements, at).map(|a| a.text.clone()));
    Ok(())
}

/// Keeps the town's banner in step with the clock and deletes old announcements.
pub fn keep_in_step(state: AppState) {
    crate::every(state, REFRESH_EVERY, "refresh the announcement", |state| {
        state.store.purge_old_announcements(now())?;
        refresh_town(state)
    });
}

/// The words the page's script uses.
const SCRIPT_WORDS: [&str; 3] =
    ["announcements.error.post", "announcements.confirm.remove", "announcements.error.remove"];

async fn announcements_page(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Html<String>, AppError> {
    let at = now();
    let lang = crate::lang::current();
    let w = |key: &str| escape(text(key));
    let rows: String = state
        .store
        .announcements(at)?
        .iter()
        .map(|a| {
            let on = if a.starts_at <= at {
                format!("<br><strong>{}</strong>", w("announcements.on"))
            } else {
                String::new()
            };
            let until = city_label_in(a.ends_at, lang);
            format!(
                "<tr data-announcement-id=\"{id}\"><td>{period}{on}</td><td>{text}</td>\
                 <td><button type=\"button\" class=\"delete\" data-id=\"{id}\">{remove}</button></td></tr>",
                id = a.id,
                period =
                    escape(&lang.fill("time.range", &[("from", &city_label_in(a.starts_at, lang)), ("until", &until)])),
                text = escape(&a.text),
                remove = w("announcements.remove"),
            )
        })
        .collect();
    let empty = if rows.is_empty() {
        format!("<p id=\"no-announcements\">{}</p>", w("announcements.none"))
    } else {
        String::new()
    };
    let body = format!(
        r#"<h1>{title}</h1>
{links}
<p class="small">{explain}</p>
<form id="announcement-form">
<label for="text">{text_label}</label><input type="text" id="text" maxlength="200" required placeholder="{example}">
<label for="from-date">{from}</label><input type="date" id="from-date" required> <input type="time" id="from-time" required aria-label="{from_time}">
<label for="until-date">{until}</label><input type="date" id="until-date" required> <input type="time" id="until-time" required aria-label="{until_time}">
<button type="submit" id="post">{post}</button>
<p id="result" class="error" role="alert"></p>
</form>
<h2>{listed}</h2>
<table><thead><tr><th>{period}</th><th>{title}</th><th></th></tr></thead><tbody id="announcements">{rows}</tbody></table>{empty}
<script>
{words}
const $ = (id) => document.getElementById(id);
const pad = (n) => String(n).padStart(2, "0");
const cityParts = (ms) => {{ const d = new Date(ms + 9 * 3600_000);
  return [`${{d.getUTCFullYear()}}-${{pad(d.getUTCMonth() + 1)}}-${{pad(d.getUTCDate())}}`, `${{pad(d.getUTCHours())}}:${{pad(d.getUTCMinutes())}}`]; }};
const unixOf = (date, time) => Math.floor(new Date(`${{date}}T${{time}}:00+09:00`).getTime() / 1000);
[$("from-date").value, $("from-time").value] = cityParts(Date.now());
[$("until-date").value, $("until-time").value] = cityParts(Date.now() + 8 * 3600_000);
$("announcement-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const body = {{ text: $("text").value, starts_at: unixOf($("from-date").value, $("from-time").value),
    ends_at: unixOf($("until-date").value, $("until-time").value) }};
  const response = await fetch("/api/announcements", {{ method: "POST", headers: {{ "content-type": "application/json" }}, body: JSON.stringify(body) }});
  if (response.ok) {{ location.reload(); return; }}
  $("result").textContent = (await response.json().catch(() => ({{}}))).message ?? W["announcements.error.post"];
}});
document.addEventListener("click", async (event) => {{
  const remove = event.target.closest(".delete");
  if (!remove || !confirm(W["announcements.confirm.remove"])) return;
  const response = await fetch(`/api/announcements/${{remove.dataset.id}}`, {{ method: "DELETE" }});
  if (response.ok) {{ location.reload(); return; }}
  $("result").textContent = (await response.json().catch(() => ({{}}))).message ?? W["announcements.error.remove"];
}});
</script>"#,
        title = w("staff.nav.announcements"),
        links = staff_links(),
        explain = w("announcements.explain"),
        text_label = w("announcements.text"),
        example = w("announcements.example"),
        from = w("announcements.from"),
        from_time = w("announcements.from_time"),
        until = w("announcements.until"),
        until_time = w("announcements.until_time"),
        post = w("announcements.post"),
        listed = w("announcements.listed"),
        period = w("announcements.period"),
        words = js_words(&SCRIPT_WORDS),
    );
    Ok(Html(page(text("staff.nav.announcements"), &body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(text: &str, starts_at: i64, ends_at: i64) -> AnnouncementForm {
        AnnouncementForm { text: text.into(), starts_at, ends_at }
    }

    #[test]
    fn bad_announcements_are_refused_and_the_latest_to_start_is_on() {
        let refused = |form: AnnouncementForm| match validate(form, 1_000) {
            Err(AppError::Invalid(key)) => crate::lang::Lang::Ja.text(key),
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert!(refused(form(" ", 1_000, 2_000)).contains("入力"));
        assert!(refused(form(&"あ".repeat(201), 1_000, 2_000)).contains("200文字"));
        assert!(refused(form("改行\nあり", 1_000, 2_000)).contains("改行"));
        assert!(refused(form("x", 2_000, 2_000)).contains("後に"));
        assert!(refused(form("x", 0, 900)).contains("終わった"));
        assert!(refused(form("x", 1_000, 1_000 + 91 * 86_400)).contains("90日"));
        let a = Announcement { id: 1, text: "A".into(), starts_at: 0, ends_at: 10_000 };
        let b = Announcement { id: 2, text: "B".into(), starts_at: 500, ends_at: 1_500 };
        let all = [a.clone(), b.clone()];
        assert_eq!(current(&all, 100), Some(&a));
        assert_eq!(current(&all, 1_000), Some(&b), "the latest to start wins");
        assert_eq!(current(&all, 2_000), Some(&a));
        assert_eq!(current(&all, 10_000), None);
    }
}
