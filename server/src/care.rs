//! Staff looking after one person in the town, from いまの様子: 「入口へご案内」 (walked to the
//! entrance with a kind word) and 「声を止める」 for a set time, lifted by 「声を戻す」 or by the
//! clock. The town carries them out (`presence`); each is written in 記録 without any word of
//! what staff wrote.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Json;
use axum::routing::{post, put};
use protocol::ParticipantId;
use protocol::locale::Phrase;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::StaffOnly;
use crate::error::AppError;
use crate::json::JsonBody;
use crate::presence::{CareRefused, MAX_HOLD_MINUTES};
use crate::store::Account;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/now/{id}/entrance", post(walk_to_entrance))
        .route("/api/now/{id}/voice-hold", put(hold_voice).delete(release_voice))
}

/// What staff send with 「入口へご案内」.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntranceForm {
    /// A kind word of their own; empty: the usual one.
    #[serde(default)]
    word: String,
}

/// What staff send with 「声を止める」.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldForm {
    /// For how long.
    minutes: u32,
}

fn refused(refusal: CareRefused) -> AppError {
    match refusal {
        CareRefused::NotHere => AppError::Conflict("not_in_town"),
        CareRefused::BadLength => AppError::Invalid("error.hold_minutes"),
    }
}

fn audit(state: &AppState, actor: &Account, action: &Phrase, id: i64) -> Result<(), AppError> {
    let target = crate::audit::account_target(&state.store.nickname_of(ParticipantId(id))?.unwrap_or_default(), id);
    state.store.audit(actor, action, &target);
    Ok(())
}

async fn walk_to_entrance(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
    JsonBody(form): JsonBody<EntranceForm>,
) -> Result<StatusCode, AppError> {
    let word = form.word.trim();
    let word = if word.is_empty() {
        None
    } else {
        Some(
            crate::presence::help::bounded_text(word, protocol::MAX_STAFF_WORD_CHARS)
                .map_err(|_| AppError::Invalid("error.word_length"))?,
        )
    };
    state.town.walk_to_entrance(ParticipantId(id), word).map_err(refused)?;
    audit(&state, &session.account, &crate::audit::said("audit.care.entrance"), id)?;
    tracing::info!(account = id, by = session.account.id.0, "walked to the entrance by staff");
    Ok(StatusCode::NO_CONTENT)
}

async fn hold_voice(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
    JsonBody(form): JsonBody<HoldForm>,
) -> Result<Json<Value>, AppError> {
    if form.minutes == 0 || form.minutes > MAX_HOLD_MINUTES {
        return Err(refused(CareRefused::BadLength));
    }
    let until = state.town.hold_voice(ParticipantId(id), form.minutes).map_err(refused)?;
    let action = crate::audit::said_with("audit.care.hold", &[("minutes", &form.minutes), ("until", &until)]);
    audit(&state, &session.account, &action, id)?;
    tracing::info!(account = id, minutes = form.minutes, by = session.account.id.0, "voice held by staff");
    Ok(Json(json!({ "until": until })))
}

async fn release_voice(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    state.town.release_voice(ParticipantId(id));
    audit(&state, &session.account, &crate::audit::said("audit.care.release"), id)?;
    tracing::info!(account = id, by = session.account.id.0, "voice hold lifted by staff");
    Ok(StatusCode::NO_CONTENT)
}
