//! Booth reservations (the seed service works 原則事前予約制): counselors publish counseling
//! times on `/slots`, people book and cancel them under their nickname from a booth's door, and
//! the town learns the booked times so that the door lets each person in at their time. The
//! only booth data stored; purged 30 days after the time.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use protocol::locale::Phrase;
use protocol::{PlaceId, PlaceKind, Role, SlotState, SlotView};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ReceiversOnly, SignedIn};
use crate::city_time::{city_label_in, city_time};
use crate::error::AppError;
use crate::json::JsonBody;
use crate::pages::{escape, page};
use crate::places::booth::Reservation;
use crate::store::{Slot, now};

/// How far ahead times are listed and may be published, in days.
pub const BOOKING_HORIZON_DAYS: i64 = 60;
/// Upcoming bookings one person may hold.
pub const MAX_BOOKINGS_PER_PERSON: i64 = 2;
/// How often the town's copy of the booked times is refreshed.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/slots", get(slots_page))
        .route("/api/booth-slots", get(list_slots).post(create_slot))
        .route("/api/booth-slots/{id}", delete(delete_slot))
        .route("/api/booth-slots/{id}/book", post(book).delete(cancel))
}

fn receives(role: Role) -> bool {
    matches!(role, Role::Counselor | Role::Staff)
}

fn slot_view(slot: &Slot, viewer: ParticipantView) -> SlotView {
    let booked = slot.booked_by.as_ref();
    let state = match booked {
        None => SlotState::Free,
        Some((id, _)) if *id == viewer.id => SlotState::Mine,
        Some(_) => SlotState::Taken,
    };
    let sees_who = viewer.role == Role::Staff || slot.counselor == viewer.id;
    SlotView {
        id: slot.id,
        booth: PlaceId(slot.booth.clone()),
        // Asked for over HTTP by the person's page: in the request's language.
        label: crate::lang::fill(
            "time.range",
            &[
                ("from", &city_label_in(slot.starts_at, crate::lang::current())),
                ("until", &city_time(slot.starts_at + slot.minutes * 60)),
            ],
        ),
        starts_at: slot.starts_at,
        minutes: slot.minutes,
        counselor: slot.counselor_nickname.clone(),
        state,
        booked_by: booked.filter(|_| sees_who).map(|(_, nickname)| nickname.clone()),
    }
}

#[derive(Clone, Copy)]
struct ParticipantView {
    id: protocol::ParticipantId,
    role: Role,
}

async fn list_slots(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Vec<SlotView>>, AppError> {
    let viewer = ParticipantView { id: session.account.id, role: session.account.role };
    let at = now();
    let slots = state.store.slots(at, at + BOOKING_HORIZON_DAYS * 86_400)?;
    Ok(Json(slots.iter().map(|slot| slot_view(slot, viewer)).collect()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSlot {
    booth: String,
    starts_at: i64,
    minutes: i64,
}

async fn create_slot(
    State(state): State<AppState>,
    ReceiversOnly(session): ReceiversOnly,
    JsonBody(request): JsonBody<NewSlot>,
) -> Result<impl IntoResponse, AppError> {
    let is_booth = state.town.map().place(&PlaceId(request.booth.clone())).is_some_and(|p| p.kind == PlaceKind::Booth);
    if !is_booth {
        return Err(AppError::BadRequest("unknown booth"));
    }
    if !(10..=120).contains(&request.minutes) {
        return Err(AppError::BadRequest("minutes out of range"));
    }
    let at = now();
    if request.starts_at + request.minutes * 60 <= at || request.starts_at > at + BOOKING_HORIZON_DAYS * 86_400 {
        return Err(AppError::BadRequest("time out of range"));
    }
    let id = state.store.create_slot(&request.booth, session.account.id, request.starts_at, request.minutes)?;
    tracing::info!(slot = id, counselor = session.account.id.0, "counseling time published");
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

async fn delete_slot(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let owner = match session.account.role {
        Role::Staff => None,
        Role::Counselor => Some(session.account.id),
        _ => return Err(AppError::Forbidden),
    };
    state.store.delete_slot(id, owner)?;
    refresh_town(&state)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn book(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    state.store.book_slot(id, session.account.id, MAX_BOOKINGS_PER_PERSON)?;
    refresh_town(&state)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn cancel(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    state.store.cancel_booking(id, session.account.id)?;
    refresh_town(&state)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives the town the booked times from an hour ago to two days ahead.
pub fn refresh_town(state: &AppState) -> Result<(), AppError> {
    let at = now();
    let reservations = state
        .store
        .slots(at - 3600, at + 2 * 86_400)?
        .into_iter()
        .filter_map(|slot| {
            let (person, nickname) = slot.booked_by?;
            Some(Reservation {
                booth: PlaceId(slot.booth),
                person,
                nickname,
                starts_at: slot.starts_at,
                ends_at: slot.starts_at + slot.minutes * 60,
                label: Phrase::each(|lang| city_label_in(slot.starts_at, lang)),
                time: city_time(slot.starts_at),
            })
        })
        .collect();
    state.town.set_reservations(reservations);
    Ok(())
}

/// Keeps the town's booked times fresh (a time's window opens by the clock too) and deletes
/// times past their retention; runs while the server runs.
pub fn keep_in_step(state: AppState) {
    crate::every(state, REFRESH_EVERY, "refresh the booked counseling times", |state| {
        state.store.purge_old_slots(now())?;
        refresh_town(state)
    });
}

/// `/slots`: counselors (and staff) publish counseling times and see who booked them.
async fn slots_page(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<impl IntoResponse, AppError> {
    let lang = crate::lang::current();
    let w = |key: &str| escape(lang.text(key));
    if !receives(session.account.role) {
        let body = format!("<h1>{}</h1><p>{}</p>", w("slots.title"), w("slots.not_for_you"));
        return Ok((StatusCode::FORBIDDEN, Html(page(lang.text("slots.title"), &body))));
    }
    let viewer = ParticipantView { id: session.account.id, role: session.account.role };
    let at = now();
    let map = state.town.map();
    let booths: Vec<_> = map.places.iter().filter(|place| place.kind == PlaceKind::Booth).collect();
    let options: String = booths
        .iter()
        .map(|place| format!("<option value=\"{}\">{}</option>", escape(&place.id.0), escape(place.name_in(lang))))
        .collect();
    let rows: String = state
        .store
        .slots(at, at + BOOKING_HORIZON_DAYS * 86_400)?
        .iter()
        .map(|slot| {
            let view = slot_view(slot, viewer);
            let booth = map.place(&view.booth).map_or(view.booth.0.clone(), |place| place.name_in(lang).to_owned());
            let who = match (&view.booked_by, view.state) {
                (Some(nickname), _) => escape(&lang.fill("slots.booked_by", &[("name", nickname)])),
                (None, SlotState::Free) => w("slots.free"),
                (None, _) => w("slots.booked"),
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&view.label),
                escape(&booth),
                escape(&view.counselor),
                who
            )
        })
        .collect();
    let body = format!(
        r#"<h1>{title}</h1>
<p class="small">{explain}</p>
<form id="slot-form">
<label for="booth">{booth}</label><select id="booth">{options}</select>
<label for="date">{date}</label><input id="date" type="date" required>
<label for="time">{start}</label><input id="time" type="time" required>
<label for="minutes">{minutes}</label><input id="minutes" type="number" min="10" max="120" value="50" required>
<button id="publish" type="submit">{publish}</button>
<p id="result" class="error" role="status"></p>
</form>
<h2>{coming}</h2>
<table><thead><tr><th>{when}</th><th>{booth}</th><th>{counselor}</th><th>{booking}</th></tr></thead><tbody id="slots">{rows}</tbody></table>
<script>
const FAILED = {failed};
document.getElementById("slot-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const date = document.getElementById("date").value, time = document.getElementById("time").value;
  const startsAt = Math.floor(new Date(`${{date}}T${{time}}:00+09:00`).getTime() / 1000);
  const response = await fetch("/api/booth-slots", {{ method: "POST", headers: {{ "content-type": "application/json" }},
    body: JSON.stringify({{ booth: document.getElementById("booth").value, starts_at: startsAt,
      minutes: Number(document.getElementById("minutes").value) }}) }});
  if (response.ok) {{ location.reload(); return; }}
  const problem = await response.json().catch(() => ({{}}));
  document.getElementById("result").textContent = problem.message ?? FAILED;
}});
</script>"#,
        title = w("slots.title"),
        explain = w("slots.explain"),
        booth = w("slots.booth"),
        date = w("programs.page.date"),
        start = w("programs.page.start"),
        minutes = w("slots.minutes"),
        publish = w("slots.publish"),
        coming = w("slots.coming"),
        when = w("programs.page.col.when"),
        counselor = w("slots.counselor"),
        booking = w("slots.booking"),
        failed = crate::pages::js(lang.text("slots.error.publish")),
    );
    Ok((StatusCode::OK, Html(page(lang.text("slots.title"), &body))))
}
