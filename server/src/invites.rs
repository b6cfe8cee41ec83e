//! Invites: staff create them; a person opens the link, picks a nickname and an avatar, and
//! becomes an account with a session. Tokens are single-use, expiring, stored only as hashes.

use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use protocol::locale::Phrase;
use protocol::{AvatarId, Role, validate_nickname};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{StaffOnly, session_cookie};
use crate::error::AppError;
use crate::json::JsonBody;
use crate::limits::ClientAddress;
use crate::pages;
use crate::store::{InviteStatus, InviteSummary};

/// Default validity of an invite, in hours (3 days).
pub const DEFAULT_INVITE_HOURS: i64 = 72;
/// Longest validity staff can give an invite, in hours (30 days).
pub const MAX_INVITE_HOURS: i64 = 720;
/// Longest staff note on an invite, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/invites", post(create_invite).get(list_invites))
        .route("/api/invites/bulk", post(create_invites))
        .route("/api/invites/{id}", axum::routing::delete(revoke_invite))
        .route("/api/qr", post(qr))
        .route("/api/register", post(register))
        .route("/invite/{token}", get(invite_page))
}

/// Body of `POST /api/invites`.
#[derive(Debug, Deserialize)]
pub struct CreateInvite {
    /// Role the invite grants.
    pub role: Role,
    /// Validity in hours (default 72, at most 720).
    pub expires_in_hours: Option<i64>,
    /// Free note for staff (who it is for); never shown to the invitee.
    #[serde(default)]
    pub note: String,
}

/// Answer of `POST /api/invites`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedInvite {
    /// Invite id.
    pub id: i64,
    /// The link to hand over; shown once, never stored.
    pub url: String,
    /// Expiry (Unix seconds).
    pub expires_at: i64,
}

async fn create_invite(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    JsonBody(request): JsonBody<CreateInvite>,
) -> Result<(StatusCode, Json<CreatedInvite>), AppError> {
    let created = make_invite(&state, &staff.account, &request)?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Body of `POST /api/invites/bulk`: one form, several invites (e.g. for an event).
#[derive(Debug, Deserialize)]
pub struct CreateInvites {
    /// The invites' role, validity and note.
    #[serde(flatten)]
    pub invite: CreateInvite,
    /// How many (1 to [`MAX_BULK_INVITES`]).
    pub count: usize,
}

/// Most invites made at once.
pub const MAX_BULK_INVITES: usize = 50;

async fn create_invites(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    JsonBody(request): JsonBody<CreateInvites>,
) -> Result<(StatusCode, Json<Vec<CreatedInvite>>), AppError> {
    if !(1..=MAX_BULK_INVITES).contains(&request.count) {
        return Err(AppError::Invalid("error.invite_count"));
    }
    let created =
        (0..request.count).map(|_| make_invite(&state, &staff.account, &request.invite)).collect::<Result<_, _>>()?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Takes back an invite nobody used yet: its link stops working at once.
async fn revoke_invite(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    state.store.revoke_invite(id)?;
    let target = crate::audit::said_with("audit.target.invite", &[("id", &id)]);
    state.store.audit(&staff.account, &crate::audit::said("audit.invite.revoked"), &target);
    tracing::info!(invite = id, "invite revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /api/qr`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrRequest {
    /// What the code holds (an invite link just made; it is not stored).
    pub text: String,
}

/// A QR code of a link, as SVG, for a printed invite handed over in person.
async fn qr(StaffOnly(_): StaffOnly, JsonBody(request): JsonBody<QrRequest>) -> Result<Response, AppError> {
    if request.text.len() > 500 {
        return Err(AppError::Invalid("error.qr_length"));
    }
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], qr_svg(&request.text)?)
        .into_response())
}

/// A QR code as an SVG picture (dark squares on white, with the quiet zone).
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|_| AppError::Invalid("error.qr_failed"))?;
    let width = code.width();
    let quiet = 4;
    let size = width + 2 * quiet;
    let squares: String = code
        .to_colors()
        .iter()
        .enumerate()
        .filter(|(_, color)| **color == qrcode::Color::Dark)
        .map(|(i, _)| format!("M{},{}h1v1h-1z", i % width + quiet, i / width + quiet))
        .collect();
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{squares}\" fill=\"#000\"/></svg>"
    ))
}

/// Checks an invite form and makes one invite.
fn make_invite(
    state: &AppState,
    staff: &crate::store::Account,
    request: &CreateInvite,
) -> Result<CreatedInvite, AppError> {
    let hours = request.expires_in_hours.unwrap_or(DEFAULT_INVITE_HOURS);
    if !(1..=MAX_INVITE_HOURS).contains(&hours) {
        return Err(AppError::BadRequest("expires_in_hours must be 1..=720"));
    }
    let note = request.note.trim();
    if note.chars().count() > MAX_NOTE_CHARS || note.chars().any(char::is_control) {
        return Err(AppError::BadRequest("note too long or has control characters"));
    }
    let invite = state.store.create_invite(request.role, note, Some(staff.id), hours * 3600)?;
    let action = Phrase::each(|lang| lang.fill("audit.invite.created", &[("role", &request.role.label(lang))]));
    let target = crate::audit::said_with("audit.target.invite", &[("id", &invite.id)]);
    state.store.audit(staff, &action, &target);
    tracing::info!(invite = invite.id, role = request.role.as_str(), "invite created");
    let url = state.config.invite_url(&invite.token);
    Ok(CreatedInvite { id: invite.id, url, expires_at: invite.expires_at })
}

async fn list_invites(State(state): State<AppState>, _: StaffOnly) -> Result<Json<Vec<InviteSummary>>, AppError> {
    Ok(Json(state.store.invites()?))
}

/// Body of `POST /api/register`.
#[derive(Debug, Deserialize)]
pub struct Register {
    /// The invite token from the link.
    pub token: String,
    /// Chosen nickname.
    pub nickname: String,
    /// Chosen avatar look.
    pub avatar: u8,
}

/// Answer of `POST /api/register`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Registered {
    /// The new account's nickname, as stored.
    pub nickname: String,
    /// Its role.
    pub role: Role,
}

/// Whether an error is a token that does not work: what probing invite tokens produces.
fn token_failed(error: &AppError) -> bool {
    matches!(error, AppError::InviteUnknown | AppError::InviteUsed | AppError::InviteExpired)
}

async fn register(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    JsonBody(request): JsonBody<Register>,
) -> Result<Response, AppError> {
    let now = Instant::now();
    if state.limits.exhausted(address, now) {
        return Err(AppError::TooManyRequests);
    }
    let nickname = validate_nickname(&request.nickname)?;
    let avatar = AvatarId(request.avatar);
    if !avatar.is_valid() {
        return Err(AppError::BadRequest("unknown avatar"));
    }
    let (account, token) = state.store.register(&request.token, &nickname, avatar).inspect_err(|error| {
        if token_failed(error) {
            state.limits.charge(address, now);
        }
    })?;
    tracing::info!(account = account.id.0, role = account.role.as_str(), "account registered");
    let policy = state.store.session_policy();
    let cookie = session_cookie(&token, state.config.secure_cookies, policy.idle.min(policy.lifetime));
    let body = Registered { nickname: account.nickname, role: account.role };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

async fn invite_page(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let now = Instant::now();
    if state.limits.exhausted(address, now) {
        let error = AppError::TooManyRequests;
        return Ok((error.status(), Html(pages::problem(crate::lang::text("page.wait_a_little"), &error.message())))
            .into_response());
    }
    let error = match state.store.invite_status(&token)? {
        InviteStatus::Usable(role) => return Ok(Html(pages::registration(&token, role)).into_response()),
        InviteStatus::Unknown => AppError::InviteUnknown,
        InviteStatus::Used => AppError::InviteUsed,
        InviteStatus::Expired => AppError::InviteExpired,
    };
    state.limits.charge(address, now);
    Ok((error.status(), Html(pages::problem(crate::lang::text("page.invite_unusable"), &error.message())))
        .into_response())
}
