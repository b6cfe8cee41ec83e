//! Sessions: who am I, sign out (here or everywhere), and staff listing and revoking sessions.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use protocol::CloseCode;

use crate::AppState;
use crate::auth::{SignedIn, StaffOnly, cleared_cookie};
use crate::error::AppError;
use crate::store::{Account, SessionSummary};

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/logout", post(logout))
        .route("/api/logout-everywhere", post(logout_everywhere))
        .route("/api/sessions", get(list_sessions))
        .route("/api/sessions/{id}", delete(revoke_session))
}

async fn me(SignedIn(session): SignedIn) -> Json<Account> {
    Json(session.account)
}

async fn logout(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<impl IntoResponse, AppError> {
    state.store.revoke_session(session.id)?;
    state.town.close_session(session.id, CloseCode::SignedOut);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cleared_cookie(state.config.secure_cookies))]))
}

/// Signs the account out on every browser it is signed in on.
async fn logout_everywhere(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<impl IntoResponse, AppError> {
    for id in state.store.revoke_sessions_of(session.account.id)? {
        state.town.close_session(id, CloseCode::SignedOut);
    }
    tracing::info!(account = session.account.id.0, "signed out everywhere");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cleared_cookie(state.config.secure_cookies))]))
}

async fn list_sessions(State(state): State<AppState>, _: StaffOnly) -> Result<Json<Vec<SessionSummary>>, AppError> {
    Ok(Json(state.store.sessions()?))
}

async fn revoke_session(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if !state.store.revoke_session(id)? {
        return Err(AppError::NotFound);
    }
    state.town.close_session(id, CloseCode::SessionRevoked);
    tracing::info!(session = id, "session revoked by staff");
    let target = crate::audit::said_with("audit.target.session", &[("id", &id)]);
    state.store.audit(&staff.account, &crate::audit::said("audit.session.ended"), &target);
    Ok(StatusCode::NO_CONTENT)
}
