//! 参加者: the accounts, for staff (`/accounts`): nickname, role, when made and last seen, and
//! suspension (一時停止): a suspended account's pages close at once with a clear message, and
//! none of its sessions works until staff reinstate it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use protocol::locale::Phrase;
use protocol::{CloseCode, ParticipantId, Role};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::StaffOnly;
use crate::city_time::city_label_in;
use crate::error::AppError;
use crate::json::JsonBody;
use crate::pages::{escape, js_words, page, staff_links};
use crate::store::{Store, now};

/// An account, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountSummary {
    /// Its id.
    pub id: i64,
    /// Nickname.
    pub nickname: String,
    /// Role.
    pub role: Role,
    /// Made, Unix seconds.
    pub created_at: i64,
    /// Last seen in any session, Unix seconds.
    pub last_seen_at: Option<i64>,
    /// Suspended since, if it is.
    pub suspended_at: Option<i64>,
}

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(accounts_page))
        .route("/api/accounts", get(list))
        .route("/api/accounts/{id}/suspension", post(suspend))
        .route("/api/accounts/{id}/role", post(change_role))
}

impl Store {
    /// Every account, newest first.
    pub fn accounts(&self) -> Result<Vec<AccountSummary>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT a.id, a.nickname, a.role, a.created_at, MAX(s.last_seen_at), a.suspended_at FROM accounts a
             LEFT JOIN sessions s ON s.account_id = a.id GROUP BY a.id ORDER BY a.created_at DESC, a.id DESC",
        )?;
        let accounts = statement
            .query_map([], |row| {
                let role: String = row.get(2)?;
                Ok(AccountSummary {
                    id: row.get(0)?,
                    nickname: row.get(1)?,
                    role: Role::parse(&role).unwrap_or(Role::Participant),
                    created_at: row.get(3)?,
                    last_seen_at: row.get(4)?,
                    suspended_at: row.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(accounts)
    }

    /// An account's nickname, if it exists.
    pub fn nickname_of(&self, account: ParticipantId) -> Result<Option<String>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT nickname FROM accounts WHERE id = ?1")?;
        let mut rows = statement.query_map(params![account.0], |row| row.get::<_, String>(0))?;
        Ok(rows.next().transpose()?)
    }

    /// Gives an account another role (never taking the last staff account's); returns the ids
    /// of its live sessions.
    pub fn set_role(&self, account: ParticipantId, role: Role) -> Result<Vec<i64>, AppError> {
        let connection = self.lock();
        let current: String = connection
            .query_row("SELECT role FROM accounts WHERE id = ?1", params![account.0], |row| row.get(0))
            .map_err(|error| match error {
                rusqlite::Error::QueryReturnedNoRows => AppError::NotFound,
                other => other.into(),
            })?;
        let staff: i64 =
            connection.query_row("SELECT COUNT(*) FROM accounts WHERE role = 'staff'", [], |r| r.get(0))?;
        if current == "staff" && role != Role::Staff && staff <= 1 {
            return Err(AppError::Conflict("last_staff_role"));
        }
        connection.execute("UPDATE accounts SET role = ?1 WHERE id = ?2", params![role.as_str(), account.0])?;
        let mut statement = connection
            .prepare("SELECT id FROM sessions WHERE account_id = ?1 AND revoked_at IS NULL AND expires_at > ?2")?;
        let sessions = statement.query_map(params![account.0, now()], |row| row.get(0))?.collect::<Result<_, _>>()?;
        Ok(sessions)
    }

    /// Suspends an account (or reinstates it); returns the ids of its live sessions.
    pub fn set_suspended(&self, account: ParticipantId, suspended: bool) -> Result<Vec<i64>, AppError> {
        let connection = self.lock();
        let at = suspended.then(now);
        if connection.execute("UPDATE accounts SET suspended_at = ?1 WHERE id = ?2", params![at, account.0])? == 0 {
            return Err(AppError::NotFound);
        }
        let mut statement =
            connection.prepare("SELECT id FROM sessions WHERE account_id = ?1 AND revoked_at IS NULL")?;
        let sessions = statement.query_map(params![account.0], |row| row.get(0))?.collect::<Result<_, _>>()?;
        Ok(sessions)
    }
}

async fn list(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Json<Vec<AccountSummary>>, AppError> {
    Ok(Json(state.store.accounts()?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuspensionForm {
    suspended: bool,
}

/// Suspends or reinstates an account; a suspension closes its pages at once.
async fn suspend(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
    JsonBody(form): JsonBody<SuspensionForm>,
) -> Result<StatusCode, AppError> {
    if id == session.account.id.0 {
        return Err(AppError::Invalid("error.suspend_self"));
    }
    let sessions = state.store.set_suspended(ParticipantId(id), form.suspended)?;
    if form.suspended {
        for session_id in sessions {
            state.town.close_session(session_id, CloseCode::Suspended);
        }
    }
    tracing::info!(account = id, suspended = form.suspended, by = session.account.id.0, "account suspension changed");
    let target = crate::audit::account_target(&state.store.nickname_of(ParticipantId(id))?.unwrap_or_default(), id);
    let action = if form.suspended { "audit.account.suspended" } else { "audit.account.resumed" };
    state.store.audit(&session.account, &crate::audit::said(action), &target);
    Ok(StatusCode::NO_CONTENT)
}

/// What staff send to change a role.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleForm {
    /// The new role.
    pub role: Role,
}

/// Gives an account another role: its open pages close, saying so, and come back with it.
async fn change_role(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
    JsonBody(form): JsonBody<RoleForm>,
) -> Result<StatusCode, AppError> {
    if id == session.account.id.0 {
        return Err(AppError::Invalid("error.own_role"));
    }
    for session_id in state.store.set_role(ParticipantId(id), form.role)? {
        state.town.close_session(session_id, CloseCode::RoleChanged);
    }
    let target = crate::audit::account_target(&state.store.nickname_of(ParticipantId(id))?.unwrap_or_default(), id);
    let action = Phrase::each(|lang| lang.fill("audit.account.role", &[("role", &form.role.label(lang))]));
    state.store.audit(&session.account, &action, &target);
    tracing::info!(account = id, role = form.role.as_str(), by = session.account.id.0, "role changed");
    Ok(StatusCode::NO_CONTENT)
}

/// The words the page's script uses.
const SCRIPT_WORDS: [&str; 6] = [
    "accounts.confirm.role",
    "accounts.error.change",
    "accounts.confirm.delete",
    "accounts.error.delete",
    "accounts.confirm.suspend",
    "accounts.confirm.resume",
];

async fn accounts_page(State(state): State<AppState>, StaffOnly(me): StaffOnly) -> Result<Html<String>, AppError> {
    let lang = crate::lang::current();
    let w = |key: &str| escape(lang.text(key));
    let rows: String = state
        .store
        .accounts()?
        .iter()
        .map(|account| {
            let state_text = if account.suspended_at.is_some() {
                format!("<strong>{}</strong>", w("accounts.suspended"))
            } else {
                w("accounts.active")
            };
            let action = if account.id == me.account.id.0 {
                w("accounts.you")
            } else {
                let (label, suspend) = if account.suspended_at.is_some() {
                    ("accounts.resume", false)
                } else {
                    ("accounts.suspend", true)
                };
                format!(
                    "<button type=\"button\" class=\"suspension\" data-id=\"{id}\" data-nickname=\"{nickname}\" data-suspend=\"{suspend}\">{label}</button> \
                     <button type=\"button\" class=\"delete-account\" data-id=\"{id}\" data-nickname=\"{nickname}\" style=\"background:#a33\">{delete}</button>",
                    id = account.id,
                    nickname = escape(&account.nickname),
                    label = w(label),
                    delete = w("accounts.delete"),
                )
            };
            let role = if account.id == me.account.id.0 {
                escape(account.role.label(lang))
            } else {
                let options: String = Role::ALL
                    .iter()
                    .map(|role| {
                        let selected = if *role == account.role { " selected" } else { "" };
                        format!("<option value=\"{}\"{selected}>{}</option>", role.as_str(), escape(role.label(lang)))
                    })
                    .collect();
                format!(
                    "<select class=\"role\" data-id=\"{}\" data-nickname=\"{}\" aria-label=\"{}\">{options}</select>",
                    account.id,
                    escape(&account.nickname),
                    w("staff.invite.role"),
                )
            };
            format!(
                "<tr data-account-id=\"{}\"><td>{}</td><td>{role}</td><td>{}</td><td>{}</td><td>{state_text}</td><td>{action}</td></tr>",
                account.id,
                escape(&account.nickname),
                escape(&city_label_in(account.created_at, lang)),
                escape(&account.last_seen_at.map(|at| city_label_in(at, lang)).unwrap_or_default()),
            )
        })
        .collect();
    let body = format!(
        r#"<h1>{title}</h1>
{links}
<p class="small">{explain}</p>
<p id="result" class="error" role="alert"></p>
<table><thead><tr><th>{nickname}</th><th>{role}</th><th>{registered}</th><th>{last_seen}</th><th>{state}</th><th></th></tr></thead>
<tbody id="accounts">{rows}</tbody></table>
<script>
{words}
document.addEventListener("change", async (event) => {{
  const select = event.target.closest(".role");
  if (!select) return;
  const label = select.options[select.selectedIndex].text;
  if (!confirm(fill(W["accounts.confirm.role"], {{ name: select.dataset.nickname, role: label }}))) {{ location.reload(); return; }}
  const response = await fetch(`/api/accounts/${{select.dataset.id}}/role`, {{
    method: "POST", headers: {{ "content-type": "application/json" }}, body: JSON.stringify({{ role: select.value }}) }});
  if (response.ok) {{ location.reload(); return; }}
  document.getElementById("result").textContent = (await response.json().catch(() => ({{}}))).message ?? W["accounts.error.change"];
}});
document.addEventListener("click", async (event) => {{
  const remove = event.target.closest(".delete-account");
  if (remove) {{
    if (!confirm(fill(W["accounts.confirm.delete"], {{ name: remove.dataset.nickname }}))) return;
    const response = await fetch(`/api/accounts/${{remove.dataset.id}}`, {{ method: "DELETE" }});
    if (response.ok) {{ location.reload(); return; }}
    document.getElementById("result").textContent = (await response.json().catch(() => ({{}}))).message ?? W["accounts.error.delete"];
    return;
  }}
  const button = event.target.closest(".suspension");
  if (!button) return;
  const suspend = button.dataset.suspend === "true";
  const question = fill(W[suspend ? "accounts.confirm.suspend" : "accounts.confirm.resume"], {{ name: button.dataset.nickname }});
  if (!confirm(question)) return;
  const response = await fetch(`/api/accounts/${{button.dataset.id}}/suspension`, {{
    method: "POST", headers: {{ "content-type": "application/json" }}, body: JSON.stringify({{ suspended: suspend }}) }});
  if (response.ok) {{ location.reload(); return; }}
  document.getElementById("result").textContent = (await response.json().catch(() => ({{}}))).message ?? W["accounts.error.change"];
}});
</script>"#,
        title = w("staff.nav.accounts"),
        links = staff_links(),
        explain = w("accounts.explain"),
        nickname = w("staff.col.nickname"),
        role = w("staff.invite.role"),
        registered = w("accounts.col.registered"),
        last_seen = w("accounts.col.last_seen"),
        state = w("staff.col.state"),
        words = js_words(&SCRIPT_WORDS),
    );
    Ok(Html(page(lang.text("staff.nav.accounts"), &body)))
}
