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
    /// A form's field is not acceptable; the text says which and why, in Japanese.
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

/// What a person whose account staff suspended is told (Japanese).
pub const SUSPENDED_MESSAGE: &str = "このアカウントは、スタッフによって一時停止されています。わからないことがあれば、市の担当窓口にお問い合わせください。";

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

    /// Message shown to the person (Japanese).
    pub fn message(&self) -> String {
        match self {
            AppError::InviteUnknown => "この招待リンクは見つかりません。リンクが正しいか、発行したスタッフにご確認ください。".into(),
            AppError::InviteUsed => "この招待リンクはすでに使われています。招待リンクは一度だけ使えます。新しいリンクをスタッフにお尋ねください。".into(),
            AppError::InviteExpired => "この招待リンクは有効期限が切れています。新しいリンクをスタッフにお尋ねください。".into(),
            AppError::BadRequest(_) => "送られた内容を読み取れませんでした。もう一度お試しください。".into(),
            AppError::Nickname(reason) => reason.to_string(),
            AppError::Invalid(message) => (*message).into(),
            AppError::NotSignedIn => "ログインしていません。招待リンクから入ってください。".into(),
            AppError::Forbidden => "この操作はスタッフのみ行えます。".into(),
            AppError::Suspended => SUSPENDED_MESSAGE.into(),
            AppError::NotFound => "見つかりませんでした。".into(),
            AppError::Conflict("slot_overlaps") => "その時間には、このブースの別の枠があります。".into(),
            AppError::Conflict("slot_taken") => "その時間は、もう予約が入っているか、終わっています。ほかの時間をお選びください。".into(),
            AppError::Conflict("program_overlaps") => "その時間には、この交流スペースで別のプログラムがあります。時間か場所を変えてください。".into(),
            AppError::Conflict("too_many_bookings") => "予約できるのは2つまでです。ほかの予約をキャンセルしてからお選びください。".into(),
            AppError::Conflict("invite_used") => "使われた招待は取り消せません（その人を止めるには「参加者」で一時停止してください）。".into(),
            AppError::Conflict("last_staff_role") => {
                "最後のスタッフの役割は変えられません。先に別のスタッフを招待してください。".into()
            }
            AppError::Conflict("last_staff") => {
                "最後のスタッフのアカウントは削除できません。先に別のスタッフを招待してください。".into()
            }
            AppError::Conflict("not_in_town") => {
                "その方は、いま町にいないか、個別相談中です（個別相談のブースの中は、相談員が見守っています）。".into()
            }
            AppError::Conflict(_) => "いまはその操作ができません。".into(),
            AppError::TooManyRequests => "短い時間に、使えない招待リンクが何度も開かれました。1 分ほど待ってから、もう一度お試しください。".into(),
            AppError::UploadBroken => "アップロードが途中で止まりました。何も保存されていません。もう一度お試しください。".into(),
            AppError::VideoTooLarge(limit) => format!("動画ファイルは{}までです。短くするか、画質を下げてからお試しください。", size_label(*limit)),
            AppError::Storage(_) | AppError::Database(_) => "サーバーで問題が起きました。時間をおいてもう一度お試しください。".into(),
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
