//! Reports to staff: a person tells staff about someone (or a moment) with an optional note of
//! their own; staff read them on `/reports` with where and when. Only what the reporter wrote is
//! kept, never anything else said; reports are deleted after 30 days.

use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use protocol::{MAX_REPORT_NOTE_CHARS, ParticipantId, RejectCode, ServerMessage};
use rusqlite::params;
use serde::Serialize;

use crate::AppState;
use crate::auth::StaffOnly;
use crate::city_time::city_label_in;
use crate::error::AppError;
use crate::pages::{escape, page};
use crate::presence::help::bounded_text;
use crate::store::{Store, now};

/// How long a report is kept, in seconds (30 days).
pub const REPORT_RETENTION_SECONDS: i64 = 30 * 24 * 3600;
/// Reports one person may make in an hour.
pub const MAX_REPORTS_PER_HOUR: i64 = 10;

/// A report, as staff read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportView {
    /// Its id.
    pub id: i64,
    /// Who reported (their nickname, if the account still exists).
    pub reporter: Option<String>,
    /// About whom (their nickname), if anyone and the account still exists.
    pub reported: Option<String>,
    /// Where the reporter was.
    pub place: String,
    /// The reporter's note.
    pub note: String,
    /// When, Unix seconds.
    pub created_at: i64,
}

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new().route("/reports", get(reports_page)).route("/api/reports", get(list))
}

impl Store {
    /// Keeps a report; refused when the reporter made too many in the last hour.
    pub fn add_report(
        &self,
        reporter: ParticipantId,
        reported: Option<ParticipantId>,
        place: &str,
        note: &str,
    ) -> Result<(), AppError> {
        let connection = self.lock();
        let recent: i64 = connection.query_row(
            "SELECT COUNT(*) FROM reports WHERE reporter = ?1 AND created_at > ?2",
            params![reporter.0, now() - 3600],
            |row| row.get(0),
        )?;
        if recent >= MAX_REPORTS_PER_HOUR {
            return Err(AppError::TooManyRequests);
        }
        connection.execute(
            "INSERT INTO reports (reporter, reported, place, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![reporter.0, reported.map(|id| id.0), place, note, now()],
        )?;
        Ok(())
    }

    /// Every report kept, newest first; older ones than the retention are deleted first.
    pub fn reports(&self) -> Result<Vec<ReportView>, AppError> {
        let connection = self.lock();
        connection.execute("DELETE FROM reports WHERE created_at < ?1", params![now() - REPORT_RETENTION_SECONDS])?;
        let mut statement = connection.prepare(
            "SELECT r.id, a.nickname, b.nickname, r.place, r.note, r.created_at FROM reports r
             LEFT JOIN accounts a ON a.id = r.reporter LEFT JOIN accounts b ON b.id = r.reported
             ORDER BY r.created_at DESC, r.id DESC",
        )?;
        let reports = statement
            .query_map([], |row| {
                Ok(ReportView {
                    id: row.get(0)?,
                    reporter: row.get(1)?,
                    reported: row.get(2)?,
                    place: row.get(3)?,
                    note: row.get(4)?,
                    created_at: row.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(reports)
    }
}

/// `from` reports `person` (or a moment) with `note`: kept with where `from` is, and `from` is
/// told it reached staff.
pub fn report(
    state: &AppState,
    from: ParticipantId,
    person: Option<ParticipantId>,
    note: &str,
) -> Result<(), RejectCode> {
    if person == Some(from) {
        return Err(RejectCode::NotAllowed);
    }
    let note = if note.trim().is_empty() { String::new() } else { bounded_text(note, MAX_REPORT_NOTE_CHARS)? };
    let place = state.town.place_label_of(from).ok_or(RejectCode::UnknownPeer)?;
    state.store.add_report(from, person, &place.ja, &note).map_err(|error| error.into_refusal("keep a report"))?;
    tracing::info!(by = from.0, "report made");
    state.town.tell(from, ServerMessage::Reported);
    Ok(())
}

async fn list(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Json<Vec<ReportView>>, AppError> {
    Ok(Json(state.store.reports()?))
}

async fn reports_page(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Html<String>, AppError> {
    let lang = crate::lang::current();
    let w = |key: &str| escape(lang.text(key));
    let rows: String = state
        .store
        .reports()?
        .iter()
        .map(|report| {
            format!(
                "<tr data-report-id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                report.id,
                escape(&city_label_in(report.created_at, lang)),
                escape(&report.place),
                report.reporter.as_deref().map_or_else(|| w("reports.deleted_account"), escape),
                report.reported.as_deref().map_or_else(|| w("reports.nobody_in_particular"), escape),
                escape(&report.note),
            )
        })
        .collect();
    let empty = if rows.is_empty() { format!("<p id=\"no-reports\">{}</p>", w("reports.none")) } else { String::new() };
    let body = format!(
        r#"<h1>{title}</h1>
<p><a href="/staff">{staff}</a>　<a href="/accounts">{accounts}</a>　<a href="/">{town}</a></p>
<p class="small">{explain}</p>
<table><thead><tr><th>{when}</th><th>{place}</th><th>{by}</th><th>{about}</th><th>{note}</th></tr></thead>
<tbody id="reports">{rows}</tbody></table>{empty}"#,
        title = w("staff.nav.reports"),
        staff = w("staff.title"),
        accounts = w("staff.nav.accounts"),
        town = w("staff.nav.town"),
        explain = w("reports.explain"),
        when = w("programs.page.col.when"),
        place = w("programs.page.col.place"),
        by = w("reports.col.by"),
        about = w("reports.col.about"),
        note = w("reports.col.note"),
    );
    Ok(Html(page(lang.text("staff.nav.reports"), &body)))
}
