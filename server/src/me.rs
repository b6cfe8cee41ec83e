//! わたしの設定 (`/me`): a person changes their nickname and avatar, sees the browsers they are
//! signed in on and signs them out, signs out, and deletes their account — everything stored
//! about them goes at once, and a reservation, report or record that mentioned them no longer
//! does. Staff delete an account the same way from 参加者.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::{delete, get};
use axum::{Json, Router};
use protocol::{AVATAR_COUNT, AvatarId, CloseCode, ParticipantId, Role, validate_nickname};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{SignedIn, StaffOnly, cleared_cookie};
use crate::city_time::city_label_in;
use crate::error::AppError;
use crate::json::JsonBody;
use crate::lang::text;
use crate::pages::{escape, js, page};
use crate::store::{Account, Store, now};

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me_page))
        .route("/api/me/profile", axum::routing::put(set_profile))
        .route("/api/me/account", delete(delete_me))
        .route("/api/me/sessions", get(my_sessions))
        .route("/api/me/sessions/{id}", delete(end_my_session))
        .route("/api/accounts/{id}", delete(delete_by_staff))
}

/// One browser a person is signed in on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MySession {
    /// Its id.
    pub id: i64,
    /// Signed in, Unix seconds.
    pub created_at: i64,
    /// Last used, Unix seconds.
    pub last_seen_at: i64,
    /// The browser asking.
    pub this_browser: bool,
}

impl Store {
    /// Changes a nickname and avatar (a participant's may not pose as staff).
    pub fn set_profile(&self, account: &Account, nickname: &str, avatar: AvatarId) -> Result<(), AppError> {
        let connection = self.lock();
        if account.role == Role::Participant {
            let mut statement = connection
                .prepare("SELECT nickname FROM accounts WHERE role IN ('staff', 'counselor') AND id != ?1")?;
            let staff: Vec<String> =
                statement.query_map(params![account.id.0], |row| row.get(0))?.collect::<Result<_, _>>()?;
            if protocol::poses_as_staff(nickname, staff.iter().map(String::as_str)) {
                return Err(AppError::Nickname(protocol::NicknameError::PosesAsStaff));
            }
        }
        connection.execute(
            "UPDATE accounts SET nickname = ?1, avatar = ?2 WHERE id = ?3",
            params![nickname, avatar.0, account.id.0],
        )?;
        Ok(())
    }

    /// The live sessions of an account, newest first.
    pub fn sessions_of(&self, account: ParticipantId, current: i64) -> Result<Vec<MySession>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT id, created_at, last_seen_at FROM sessions
             WHERE account_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 ORDER BY id DESC",
        )?;
        let rows = statement.query_map(params![account.0, now()], |row| {
            let id: i64 = row.get(0)?;
            Ok(MySession { id, created_at: row.get(1)?, last_seen_at: row.get(2)?, this_browser: id == current })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Ends one of an account's own sessions. Returns whether one was ended.
    pub fn end_session_of(&self, account: ParticipantId, session: i64) -> Result<bool, AppError> {
        let ended = self.lock().execute(
            "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND account_id = ?3 AND revoked_at IS NULL",
            params![now(), session, account.0],
        )?;
        Ok(ended == 1)
    }

    /// Deletes an account and everything stored about it, in one transaction; rows that only
    /// mentioned it (an invite used, a booked time, a report, a record) stay without it. The
    /// last staff account is never deleted. Returns the ids of its sessions.
    pub fn delete_account(&self, account: ParticipantId) -> Result<Vec<i64>, AppError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let role: Option<String> = tx
            .query_row("SELECT role FROM accounts WHERE id = ?1", params![account.0], |row| row.get(0))
            .map(Some)
            .or_else(|error| if error == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(error) })?;
        let Some(role) = role else { return Err(AppError::NotFound) };
        let staff: i64 = tx.query_row("SELECT COUNT(*) FROM accounts WHERE role = 'staff'", [], |row| row.get(0))?;
        if role == "staff" && staff <= 1 {
            return Err(AppError::Conflict("last_staff"));
        }
        let sessions: Vec<i64> = {
            let mut statement = tx.prepare("SELECT id FROM sessions WHERE account_id = ?1")?;
            statement.query_map(params![account.0], |row| row.get(0))?.collect::<Result<_, _>>()?
        };
        let id = account.0;
        tx.execute("DELETE FROM sessions WHERE account_id = ?1", params![id])?;
        tx.execute("UPDATE invites SET used_by = NULL WHERE used_by = ?1", params![id])?;
        tx.execute("UPDATE invites SET created_by = NULL WHERE created_by = ?1", params![id])?;
        // A record names an account as 「あおい（#12）」: the name goes, the number stays.
        let deleted = crate::audit::stored(&crate::audit::said("audit.deleted_account"));
        tx.execute("UPDATE audit_log SET actor_nickname = ?2 WHERE actor = ?1", params![id, deleted])?;
        tx.execute(
            "UPDATE audit_log SET target = ?2 WHERE target LIKE ?3",
            params![id, crate::audit::stored(&crate::audit::deleted_account_target(id)), format!("%（#{id}）%")],
        )?;
        // Blocks, a counselor's own times: gone with the account; booked times, reports,
        // programs, videos and announcements it made: kept without it (ON DELETE SET NULL).
        tx.execute("DELETE FROM accounts WHERE id = ?1", params![id])?;
        tx.commit()?;
        Ok(sessions)
    }
}

/// What a person sends to change their nickname and avatar.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileForm {
    /// The new nickname.
    pub nickname: String,
    /// The new avatar look.
    pub avatar: u8,
}

async fn set_profile(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    JsonBody(form): JsonBody<ProfileForm>,
) -> Result<StatusCode, AppError> {
    let nickname = validate_nickname(&form.nickname)?;
    let avatar = AvatarId(form.avatar);
    if !avatar.is_valid() {
        return Err(AppError::Invalid("me.choose_avatar"));
    }
    state.store.set_profile(&session.account, &nickname, avatar)?;
    tracing::info!(account = session.account.id.0, "profile changed");
    Ok(StatusCode::NO_CONTENT)
}

async fn my_sessions(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Vec<MySession>>, AppError> {
    Ok(Json(state.store.sessions_of(session.account.id, session.id)?))
}

async fn end_my_session(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if !state.store.end_session_of(session.account.id, id)? {
        return Err(AppError::NotFound);
    }
    state.town.close_session(id, CloseCode::SignedOut);
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an account: its pages close, its cookie stops working, and nothing of it is left.
fn delete_everything(state: &AppState, account: ParticipantId) -> Result<(), AppError> {
    for session in state.store.delete_account(account)? {
        state.town.close_session(session, CloseCode::AccountDeleted);
    }
    // The saved town (kept for a restart) must not keep them either.
    if let Err(error) = state.town.save_now(&state.store) {
        tracing::warn!(%error, "cannot save the town after deleting an account");
    }
    tracing::info!(account = account.0, "account deleted");
    Ok(())
}

async fn delete_me(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<impl IntoResponse, AppError> {
    delete_everything(&state, session.account.id)?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cleared_cookie(state.config.secure_cookies))]))
}

async fn delete_by_staff(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if id == session.account.id.0 {
        return Err(AppError::Invalid("error.delete_self_here"));
    }
    delete_everything(&state, ParticipantId(id))?;
    let target = crate::audit::deleted_account_target(id);
    state.store.audit(&session.account, &crate::audit::said("audit.account.deleted"), &target);
    Ok(StatusCode::NO_CONTENT)
}

async fn me_page(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Html<String>, AppError> {
    let account = &session.account;
    let avatars: String = (0..AVATAR_COUNT)
        .map(|n| {
            let checked = if n == account.avatar.0 { " checked" } else { "" };
            format!(
                "<label><input type=\"radio\" name=\"avatar\" value=\"{n}\"{checked} aria-label=\"{}\">\
                 <span class=\"avatar\" style=\"background-image:url('/assets/avatars/avatar-{n}.png')\"></span></label>",
                escape(&crate::lang::fill("page.register.avatar_n", &[("number", &(n + 1))]))
            )
        })
        .collect();
    let sessions: String = state
        .store
        .sessions_of(account.id, session.id)?
        .iter()
        .map(|s| {
            let which = if s.this_browser {
                format!("<strong>{}</strong>", escape(text("me.this_browser")))
            } else {
                escape(text("me.other_browser"))
            };
            format!(
                "<tr data-session=\"{id}\"><td>{which}</td><td>{from}</td><td>{seen}</td>\
                 <td><button type=\"button\" class=\"end-session\" data-id=\"{id}\">{end}</button></td></tr>",
                id = s.id,
                from = escape(&city_label_in(s.created_at, crate::lang::current())),
                seen = escape(&city_label_in(s.last_seen_at, crate::lang::current())),
                end = escape(text("me.end_session")),
            )
        })
        .collect();
    let body = format!(
        r#"<h1>{w0}</h1>
<p><a href="/">{w1}</a>　<a href="/privacy">{w2}</a></p>
<h2>{w3}</h2>
<form id="profile">
<label for="nickname">{w4}</label>
<input type="text" id="nickname" maxlength="20" autocomplete="off" required value="{nickname}">
<label>{w5}</label>
<div class="avatars">{avatars}</div>
<button type="submit" id="save-profile">{w6}</button>
</form>
<p id="result" class="error" role="alert"></p>
<h2>{w7}</h2>
<table><thead><tr><th></th><th>{w8}</th><th>{w9}</th><th></th></tr></thead><tbody id="sessions">{sessions}</tbody></table>
<button type="button" id="logout">{w10}</button>
<button type="button" id="logout-everywhere">{w11}</button>
<h2>{w12}</h2>
<p>{w13}</p>
<button type="button" id="delete-account" style="background:#a33">{w12}</button>
<script>
const $ = (id) => document.getElementById(id);
const failed = async (response, fallback) => {{ $("result").textContent = (await response.json().catch(() => ({{}}))).message ?? fallback; }};
$("profile").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const avatar = Number(document.querySelector("input[name=avatar]:checked").value);
  const response = await fetch("/api/me/profile", {{ method: "PUT", headers: {{ "content-type": "application/json" }}, body: JSON.stringify({{ nickname: $("nickname").value, avatar }}) }});
  if (response.ok) {{ $("result").textContent = {w14}; return; }}
  failed(response, {w15});
}});
document.addEventListener("click", async (event) => {{
  const end = event.target.closest(".end-session");
  if (!end || !confirm({w16})) return;
  const response = await fetch(`/api/me/sessions/${{end.dataset.id}}`, {{ method: "DELETE" }});
  if (response.ok) {{ location.reload(); return; }}
  failed(response, {w17});
}});
$("logout").addEventListener("click", async () => {{
  if (!confirm({w18})) return;
  const response = await fetch("/api/logout", {{ method: "POST" }});
  if (response.ok) {{ location.href = "/"; return; }}
  failed(response, {w19});
}});
$("logout-everywhere").addEventListener("click", async () => {{
  if (!confirm({w20})) return;
  const response = await fetch("/api/logout-everywhere", {{ method: "POST" }});
  if (response.ok) {{ location.href = "/"; return; }}
  failed(response, {w19});
}});
$("delete-account").addEventListener("click", async () => {{
  if (!confirm({w21})) return;
  const response = await fetch("/api/me/account", {{ method: "DELETE" }});
  if (response.ok) {{ document.querySelector("main").innerHTML = {deleted}; return; }}
  failed(response, {w22});
}});
</script>"#,
        nickname = escape(&account.nickname),
        w0 = escape(text("me.title")),
        w1 = escape(text("me.back")),
        w2 = escape(text("ui.privacy")),
        w3 = escape(text("me.profile")),
        w4 = escape(text("page.register.nickname")),
        w5 = escape(text("page.register.avatar")),
        w6 = escape(text("me.save")),
        w7 = escape(text("me.browsers")),
        w8 = escape(text("me.signed_in_at")),
        w9 = escape(text("me.last_used")),
        w10 = escape(text("me.logout")),
        w11 = escape(text("me.logout_everywhere")),
        w12 = escape(text("me.delete")),
        w13 = escape(text("me.delete.explain")),
        w14 = js(text("me.saved")),
        w15 = js(text("me.save_failed")),
        w16 = js(text("me.end_session.confirm")),
        w17 = js(text("me.end_session.failed")),
        w18 = js(text("me.logout.confirm")),
        w19 = js(text("me.logout.failed")),
        w20 = js(text("me.logout_everywhere.confirm")),
        w21 = js(text("me.delete.confirm")),
        w22 = js(text("me.delete.failed")),
        deleted = js(&format!(
            "<h1>{}</h1><p id=\"deleted\">{}</p>",
            escape(text("me.deleted")),
            escape(text("me.deleted.thanks"))
        )),
    );
    Ok(Html(page(text("me.title"), &body)))
}
