//! 記録 (the audit log, `/audit`, staff only): what staff did — who, what, to which account or
//! thing, when — written by each staff action, never with anything anyone said or wrote to
//! others. Rows are deleted 30 days after they were written.

use std::fmt::Display;
use std::time::Duration;

use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use protocol::locale::Phrase;
use rusqlite::params;
use serde::Serialize;

use crate::AppState;
use crate::auth::StaffOnly;
use crate::city_time::city_label_in;
use crate::error::AppError;
use crate::lang::{Lang, text};
use crate::pages::{escape, page, staff_links};
use crate::store::{Account, Store, now};

/// How long a row is kept, in seconds (30 days).
pub const AUDIT_RETENTION_SECONDS: i64 = 30 * 24 * 3600;
/// How often old rows are looked for.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// Most rows a page shows (the newest).
const SHOWN: usize = 500;

/// One thing staff did, worded in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When, Unix seconds.
    pub at: i64,
    /// Who did it (their nickname then).
    pub actor: String,
    /// What: 「一時停止」, "Suspended".
    pub action: String,
    /// To what: 「あおい（#12）」, 「お知らせ #3」, "announcement #3".
    pub target: String,
}

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page)).route("/api/audit", get(list))
}

/// What a row says, from the catalogue's `key`, in every language.
pub fn said(key: &str) -> Phrase {
    Phrase::each(|lang| lang.text(key).to_owned())
}

/// What a row says, from the catalogue's `key` with its values, in every language.
pub fn said_with(key: &str, values: &[(&str, &dyn Display)]) -> Phrase {
    Phrase::each(|lang| lang.fill(key, values))
}

/// An account as a row names it: 「あおい（#12）」, "あおい (#12)".
pub fn account_target(nickname: &str, id: i64) -> Phrase {
    said_with("audit.target.account", &[("name", &nickname), ("id", &id)])
}

/// A deleted account as a row names it, without its name: 「削除されたアカウント（#12）」.
pub fn deleted_account_target(id: i64) -> Phrase {
    Phrase::each(|lang| {
        lang.fill("audit.target.account", &[("name", &lang.text("audit.deleted_account")), ("id", &id)])
    })
}

/// A phrase as a row keeps it: plain text when every language says the same, else its JSON.
pub fn stored(phrase: &Phrase) -> String {
    if phrase.ja == phrase.en {
        return phrase.ja.clone();
    }
    serde_json::to_string(phrase).unwrap_or_else(|_| phrase.ja.clone())
}

/// A kept cell in `lang` (rows written before phrases were kept hold plain Japanese).
fn worded(cell: String, lang: Lang) -> String {
    if !cell.starts_with('{') {
        return cell;
    }
    match serde_json::from_str::<Phrase>(&cell) {
        Ok(phrase) => phrase.get(lang).to_owned(),
        Err(_) => cell,
    }
}

impl Store {
    /// Writes down that `actor` did `action` to `target`. A failure is logged, never in the way
    /// of the action itself.
    pub fn audit(&self, actor: &Account, action: &Phrase, target: &Phrase) {
        let written = self.lock().execute(
            "INSERT INTO audit_log (at, actor, actor_nickname, action, target) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now(), actor.id.0, actor.nickname, stored(action), stored(target)],
        );
        if let Err(error) = written {
            tracing::warn!(%error, "cannot write the audit log");
        }
    }

    /// The newest rows first, worded in `lang`.
    pub fn audit_log(&self, limit: usize, lang: Lang) -> Result<Vec<AuditEntry>, AppError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare("SELECT at, actor_nickname, action, target FROM audit_log ORDER BY at DESC, id DESC LIMIT ?1")?;
        let rows = statement
            .query_map(params![limit as i64], |row| {
                Ok(AuditEntry {
                    at: row.get(0)?,
                    actor: worded(row.get(1)?, lang),
                    action: worded(row.get(2)?, lang),
                    target: worded(row.get(3)?, lang),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Deletes rows older than the retention period before `at`.
    pub fn purge_old_audit(&self, at: i64) -> Result<usize, AppError> {
        Ok(self.lock().execute("DELETE FROM audit_log WHERE at < ?1", params![at - AUDIT_RETENTION_SECONDS])?)
    }
}

/// Deletes old rows every [`PURGE_EVERY`] while the server runs.
pub fn keep_trimmed(state: AppState) {
    crate::every(state, PURGE_EVERY, "trim the audit log", |state| state.store.purge_old_audit(now()).map(drop));
}

async fn list(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Json<Vec<AuditEntry>>, AppError> {
    Ok(Json(state.store.audit_log(SHOWN, crate::lang::current())?))
}

async fn audit_page(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Html<String>, AppError> {
    let lang = crate::lang::current();
    let w = |key: &str| escape(text(key));
    let rows: String = state
        .store
        .audit_log(SHOWN, lang)?
        .iter()
        .map(|entry| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&city_label_in(entry.at, lang)),
                escape(&entry.actor),
                escape(&entry.action),
                escape(&entry.target)
            )
        })
        .collect();
    let empty = if rows.is_empty() { format!("<p id=\"no-entries\">{}</p>", w("audit.none")) } else { String::new() };
    let body = format!(
        r#"<h1>{title}</h1>
{links}
<p class="small">{explain}</p>
<table><thead><tr><th>{when}</th><th>{who}</th><th>{what}</th><th>{target}</th></tr></thead><tbody id="audit">{rows}</tbody></table>{empty}"#,
        title = w("staff.nav.audit"),
        links = staff_links(),
        explain = w("audit.explain"),
        when = w("audit.col.when"),
        who = w("audit.col.who"),
        what = w("audit.col.what"),
        target = w("audit.col.target"),
    );
    Ok(Html(page(text("staff.nav.audit"), &body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{AvatarId, Role};

    #[test]
    fn rows_are_written_read_newest_first_and_go_after_30_days() {
        let store = Store::in_memory().expect("store");
        let invite = store.create_invite(Role::Staff, "", None, 3600).expect("invite");
        let (staff, _) = store.register(&invite.token, "スタッフ", AvatarId(0)).expect("account");
        store.audit(&staff, &said("audit.account.suspended"), &account_target("あおい", 12));
        store.audit(&staff, &said("audit.account.resumed"), &account_target("あおい", 12));
        let rows = store.audit_log(10, Lang::Ja).expect("rows");
        assert_eq!(rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["一時停止を解除", "一時停止"]);
        assert_eq!((rows[0].actor.as_str(), rows[0].target.as_str()), ("スタッフ", "あおい（#12）"));
        let english = store.audit_log(10, Lang::En).expect("rows");
        assert_eq!((english[0].action.as_str(), english[0].target.as_str()), ("Suspension lifted", "あおい (#12)"));
        assert_eq!(store.purge_old_audit(now() + AUDIT_RETENTION_SECONDS - 60).expect("purge"), 0, "kept 30 days");
        assert_eq!(store.purge_old_audit(now() + AUDIT_RETENTION_SECONDS + 60).expect("purge"), 2);
        assert!(store.audit_log(10, Lang::Ja).expect("rows").is_empty());
    }
}
