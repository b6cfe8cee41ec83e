//! 記録 (the audit log, `/audit`, staff only): what staff did — who, what, to which account or
//! thing, when — written by each staff action, never with anything anyone said or wrote to
//! others. Rows are deleted 30 days after they were written.

use std::time::Duration;

use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::params;
use serde::Serialize;

use crate::AppState;
use crate::auth::StaffOnly;
use crate::city_time::city_label;
use crate::error::AppError;
use crate::pages::{escape, page};
use crate::store::{Account, Store, now};

/// How long a row is kept, in seconds (30 days).
pub const AUDIT_RETENTION_SECONDS: i64 = 30 * 24 * 3600;
/// How often old rows are looked for.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// Most rows a page shows (the newest).
const SHOWN: usize = 500;

/// One thing staff did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When, Unix seconds.
    pub at: i64,
    /// Who did it (their nickname then).
    pub actor: String,
    /// What, in Japanese: 「一時停止」.
    pub action: String,
    /// To what: 「あおい（#12）」, 「お知らせ #3」.
    pub target: String,
}

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page)).route("/api/audit", get(list))
}

/// An account as a row names it.
pub fn account_target(nickname: &str, id: i64) -> String {
    format!("{nickname}（#{id}）")
}

impl Store {
    /// Writes down that `actor` did `action` to `target`. A failure is logged, never in the way
    /// of the action itself.
    pub fn audit(&self, actor: &Account, action: &str, target: &str) {
        let written = self.lock().execute(
            "INSERT INTO audit_log (at, actor, actor_nickname, action, target) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now(), actor.id.0, actor.nickname, action, target],
        );
        if let Err(error) = written {
            tracing::warn!(%error, "cannot write the audit log");
        }
    }

    /// The newest rows first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, AppError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare("SELECT at, actor_nickname, action, target FROM audit_log ORDER BY at DESC, id DESC LIMIT ?1")?;
        let rows = statement
            .query_map(params![limit as i64], |row| {
                Ok(AuditEntry { at: row.get(0)?, actor: row.get(1)?, action: row.get(2)?, target: row.get(3)? })
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
    Ok(Json(state.store.audit_log(SHOWN)?))
}

async fn audit_page(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Html<String>, AppError> {
    let rows: String = state
        .store
        .audit_log(SHOWN)?
        .iter()
        .map(|entry| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&city_label(entry.at)),
                escape(&entry.actor),
                escape(&entry.action),
                escape(&entry.target)
            )
        })
        .collect();
    let empty = if rows.is_empty() { "<p id=\"no-entries\">まだ記録はありません。</p>" } else { "" };
    let body = format!(
        r#"<h1>記録</h1>
<p><a href="/staff">スタッフ用ページ</a>　<a href="/">町に入る</a></p>
<p class="small">スタッフが行った操作（だれが・いつ・なにを・どのアカウントや項目に）の記録です。会話や書かれた内容は記録しません。30日たつと自動で消えます。</p>
<table><thead><tr><th>いつ</th><th>だれが</th><th>なにを</th><th>対象</th></tr></thead><tbody id="audit">{rows}</tbody></table>{empty}"#
    );
    Ok(Html(page("記録", &body)))
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
        store.audit(&staff, "一時停止", &account_target("あおい", 12));
        store.audit(&staff, "再開", &account_target("あおい", 12));
        let rows = store.audit_log(10).expect("rows");
        assert_eq!(rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["再開", "一時停止"]);
        assert_eq!((rows[0].actor.as_str(), rows[0].target.as_str()), ("スタッフ", "あおい（#12）"));
        assert_eq!(store.purge_old_audit(now() + AUDIT_RETENTION_SECONDS - 60).expect("purge"), 0, "kept 30 days");
        assert_eq!(store.purge_old_audit(now() + AUDIT_RETENTION_SECONDS + 60).expect("purge"), 2);
        assert!(store.audit_log(10).expect("rows").is_empty());
    }
}
