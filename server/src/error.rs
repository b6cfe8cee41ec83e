//! `AppError`: the one error type of the HTTP boundary. Each maps to a status and a JSON body
//! `{ "code": ..., "message": ... }` with a Japanese message; internal details stay in the log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Everything an HTTP handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No invite has this token.
    #[error("invite unknown")]
    InviteUnknown,
    /// The invite was used already.
    #[error("invite used")]
    InviteUsed,
    /// The invite is past its expiry.
    #[error("invite expired")]
    InviteExpired,
    /// The request body is not what the endpoint takes.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// Nickname refused.
    #[error("bad nickname")]
    Nickname(#[from] protocol::NicknameError),
    /// No live session cookie.
    #[error("not signed in")]
    NotSignedIn,
    /// Signed in, but the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// The account is suspended by staff.
    #[error("suspended")]
    Suspended,
    /// Nothing with that id.
    #[error("not found")]
    NotFound,
    /// A form's field is not acceptable: the catalogue's key (`error.…`) of the words that say
    /// which and why.
    #[error("invalid: {0}")]
    Invalid(&'static str),
    /// The request clashes with the current state (code says how).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Too many failed attempts from this address; wait and try again.
    #[error("too many requests")]
    TooManyRequests,
    /// An upload stopped before its end (cancelled, or the connection dropped), or its form
    /// could not be read.
    #[error("upload broken")]
    UploadBroken,
    /// A video larger than the server takes (the limit, in bytes).
    #[error("video too large")]
    VideoTooLarge(u64),
    /// A file could not be written, moved or checked (the reason, for the log only).
    #[error("storage: {0}")]
    Storage(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
}

use crate::lang::text;

impl AppError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::InviteUnknown => "invite_unknown",
            AppError::InviteUsed => "invite_used",
            AppError::InviteExpired => "invite_expired",
            AppError::BadRequest(_) => "bad_request",
            AppError::Nickname(_) => "bad_nickname",
            AppError::NotSignedIn => "not_signed_in",
            AppError::Forbidden => "forbidden",
            AppError::Suspended => "suspended",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(code) => code,
            AppError::TooManyRequests => "too_many_requests",
            AppError::UploadBroken => "upload_broken",
            AppError::VideoTooLarge(_) => "too_large",
            AppError::Storage(_) | AppError::Database(_) => "internal",
        }
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::InviteUnknown | AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::InviteUsed | AppError::InviteExpired => StatusCode::GONE,
            AppError::BadRequest(_) | AppError::Nickname(_) | AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::NotSignedIn => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Suspended => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::UploadBroken => StatusCode::BAD_REQUEST,
            AppError::VideoTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Storage(_) | AppError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Message shown to the person, in the request's language.
    pub fn message(&self) -> String {
        match self {
            AppError::InviteUnknown => text("error.invite_unknown").into(),
            AppError::InviteUsed => text("error.invite_used").into(),
            AppError::InviteExpired => text("error.invite_expired").into(),
            AppError::BadRequest(_) => text("error.bad_request").into(),
            AppError::Nickname(reason) => reason.message(crate::lang::current()).into(),
            AppError::Invalid(key) => text(key).into(),
            AppError::NotSignedIn => text("error.not_signed_in").into(),
            AppError::Forbidden => text("error.forbidden").into(),
            AppError::Suspended => text("error.suspended").into(),
            AppError::NotFound => text("error.not_found").into(),
            AppError::Conflict("slot_overlaps") => text("error.slot_overlaps").into(),
            AppError::Conflict("slot_taken") => text("error.slot_taken").into(),
            AppError::Conflict("program_overlaps") => text("error.program_overlaps").into(),
            AppError::Conflict("too_many_bookings") => text("error.too_many_bookings").into(),
            AppError::Conflict("invite_used") => text("error.invite_used_revoke").into(),
            AppError::Conflict("last_staff_role") => text("error.last_staff_role").into(),
            AppError::Conflict("last_staff") => text("error.last_staff").into(),
            AppError::Conflict("not_in_town") => text("error.not_in_town").into(),
            AppError::Conflict(_) => text("error.not_now").into(),
            AppError::TooManyRequests => text("error.too_many_requests").into(),
            AppError::UploadBroken => text("error.upload_broken").into(),
            AppError::VideoTooLarge(limit) => {
                crate::lang::fill("error.video_too_large", &[("limit", &size_label(*limit))])
            }
            AppError::Storage(_) | AppError::Database(_) => text("error.internal").into(),
        }
    }
}

impl AppError {
    /// How a failed write on behalf of a WebSocket message is answered: a missing account (a
    /// foreign key refused it) as an unknown person, anything else logged (as `what`) and
    /// answered "not now".
    pub fn into_refusal(self, what: &'static str) -> protocol::RejectCode {
        match self {
            AppError::Database(rusqlite::Error::SqliteFailure(error, _))
                if error.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                protocol::RejectCode::UnknownPeer
            }
            AppError::TooManyRequests => protocol::RejectCode::TooFrequent,
            error => {
                tracing::error!(%error, "cannot {what}");
                protocol::RejectCode::Unavailable
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Database(error) => tracing::error!(%error, "database error"),
            AppError::Storage(error) => tracing::error!(%error, "storage error"),
            _ => {}
        }
        (self.status(), Json(json!({ "code": self.code(), "message": self.message() }))).into_response()
    }
}

/// A size for people: 「1GB」, 「500MB」.
pub fn size_label(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= 1024 * MB && bytes.is_multiple_of(1024 * MB) {
        format!("{}GB", bytes / (1024 * MB))
    } else {
        format!("{}MB", bytes.div_ceil(MB))
    }
}
