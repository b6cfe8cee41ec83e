//! Programs in the halls (一緒にランチ, 唄ごえカフェ, みんなでイラストタイム, 当事者サロン):
//! staff schedule them on `/programs`; everyone signed in reads them; the town is kept told of
//! today's and the coming days' programs (guide board, 「今日のプログラム」, the hall's door)
//! and sends one gentle notice ten minutes before each starts.

mod page;
mod store;

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, put};
use axum::{Json, Router};
use protocol::locale::Phrase;
use protocol::{
    MAX_PROGRAM_DESCRIPTION_CHARS, MAX_PROGRAM_FACILITATORS_CHARS, MAX_PROGRAM_NOTES_CHARS, MAX_PROGRAM_TITLE_CHARS,
    PROGRAM_NOTICE_SECS, PlaceId, PlaceKind, ProgramView, Role, TownMap,
};
use serde::Deserialize;

pub use store::{PROGRAM_RETENTION_SECONDS, Program};

use crate::AppState;
use crate::auth::{SignedIn, StaffOnly};
use crate::city_time::{city_day, city_label_in, city_time};
use crate::error::AppError;
use crate::json::JsonBody;
use crate::store::now;

/// How far ahead the town lists programs, in days.
pub const LISTED_DAYS: i64 = 7;
/// How far ahead programs may be scheduled, in days.
pub const SCHEDULE_HORIZON_DAYS: i64 = 366;
/// Longest program, in hours.
pub const MAX_PROGRAM_HOURS: i64 = 12;
/// How often the town's copy is refreshed (a program starts and ends by the clock).
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programs", get(page::programs_page))
        .route("/api/programs", get(list).post(create))
        .route("/api/programs/{id}", put(change).delete(remove))
}

/// Whether a role may schedule programs.
fn schedules(role: Role) -> bool {
    role == Role::Staff
}

/// A program as staff send it from the form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramForm {
    title: String,
    #[serde(default)]
    description: String,
    hall: String,
    starts_at: i64,
    ends_at: i64,
    #[serde(default)]
    facilitators: String,
    #[serde(default)]
    watching_welcome: bool,
    #[serde(default)]
    notes: String,
}

/// Trimmed text of at most `limit` characters with no control characters but line breaks
/// (`multiline`), or `refusal` (the catalogue key of the reason why not).
pub(crate) fn field(text: &str, limit: usize, multiline: bool, refusal: &'static str) -> Result<String, AppError> {
    let text = text.trim();
    let bad = |c: char| c.is_control() && !(multiline && c == '\n');
    if text.chars().count() > limit || text.chars().any(bad) {
        return Err(AppError::Invalid(refusal));
    }
    Ok(text.to_owned())
}

/// Checks a form against the map and the clock `at`: a program of a real hall, in the future
/// (or running), of a sensible length, with texts that fit.
pub fn validate(form: ProgramForm, map: &TownMap, at: i64) -> Result<Program, AppError> {
    let title = field(&form.title, MAX_PROGRAM_TITLE_CHARS, false, "error.program.title_length")?;
    if title.is_empty() {
        return Err(AppError::Invalid("error.title_empty"));
    }
    let is_hall = map.place(&PlaceId(form.hall.clone())).is_some_and(|place| place.kind == PlaceKind::Hall);
    if !is_hall {
        return Err(AppError::Invalid("error.program.hall"));
    }
    if form.ends_at <= form.starts_at {
        return Err(AppError::Invalid("error.program.ends_before_start"));
    }
    if form.ends_at - form.starts_at > MAX_PROGRAM_HOURS * 3600 {
        return Err(AppError::Invalid("error.program.too_long"));
    }
    if form.ends_at <= at {
        return Err(AppError::Invalid("error.already_over"));
    }
    if form.starts_at > at + SCHEDULE_HORIZON_DAYS * 86_400 {
        return Err(AppError::Invalid("error.program.too_far"));
    }
    Ok(Program {
        id: 0,
        title,
        description: field(&form.description, MAX_PROGRAM_DESCRIPTION_CHARS, true, "error.description_length")?,
        hall: form.hall,
        starts_at: form.starts_at,
        ends_at: form.ends_at,
        facilitators: field(
            &form.facilitators,
            MAX_PROGRAM_FACILITATORS_CHARS,
            false,
            "error.program.facilitators_length",
        )?,
        watching_welcome: form.watching_welcome,
        notes: field(&form.notes, MAX_PROGRAM_NOTES_CHARS, false, "error.program.notes_length")?,
    })
}

/// How a program is shown at `at`.
pub fn view(program: &Program, map: &TownMap, at: i64) -> ProgramView {
    let hall = PlaceId(program.hall.clone());
    let hall_name = Phrase::each(|lang| {
        map.place(&hall).map_or_else(|| program.hall.clone(), |place| place.name_in(lang).to_owned())
    });
    let (from, until) = (city_time(program.starts_at), city_time(program.ends_at));
    let hours = Phrase::each(|lang| lang.fill("time.range", &[("from", &from), ("until", &until)]));
    let when = Phrase::each(|lang| {
        lang.fill("time.range", &[("from", &city_label_in(program.starts_at, lang)), ("until", &until)])
    });
    ProgramView {
        id: program.id,
        title: program.title.clone(),
        description: program.description.clone(),
        hall,
        hall_name,
        starts_at: program.starts_at,
        ends_at: program.ends_at,
        when,
        hours,
        facilitators: program.facilitators.clone(),
        watching_welcome: program.watching_welcome,
        notes: program.notes.clone(),
        today: city_day(program.starts_at) <= city_day(at) && program.ends_at > at,
        running: program.starts_at <= at && at < program.ends_at,
    }
}

async fn list(State(state): State<AppState>, SignedIn(_): SignedIn) -> Result<Json<Vec<ProgramView>>, AppError> {
    let at = now();
    let map = state.town.map();
    let programs = state.store.programs(at, at + SCHEDULE_HORIZON_DAYS * 86_400)?;
    Ok(Json(programs.iter().map(|program| view(program, &map, at)).collect()))
}

async fn create(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    JsonBody(form): JsonBody<ProgramForm>,
) -> Result<impl IntoResponse, AppError> {
    let program = validate(form, &state.town.map(), now())?;
    let id = state.store.save_program(&program, session.account.id)?;
    tracing::info!(program = id, by = session.account.id.0, "program scheduled");
    let target = crate::audit::said_with("audit.target.program", &[("id", &id), ("title", &program.title)]);
    state.store.audit(&session.account, &crate::audit::said("audit.program.planned"), &target);
    refresh_town(&state)?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

async fn change(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
    JsonBody(form): JsonBody<ProgramForm>,
) -> Result<StatusCode, AppError> {
    let program = Program { id, ..validate(form, &state.town.map(), now())? };
    state.store.save_program(&program, session.account.id)?;
    tracing::info!(program = id, by = session.account.id.0, "program changed");
    let target = crate::audit::said_with("audit.target.program", &[("id", &id), ("title", &program.title)]);
    state.store.audit(&session.account, &crate::audit::said("audit.program.changed"), &target);
    refresh_town(&state)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    state.store.delete_program(id)?;
    tracing::info!(program = id, by = session.account.id.0, "program deleted");
    let target = crate::audit::said_with("audit.target.program_id", &[("id", &id)]);
    state.store.audit(&session.account, &crate::audit::said("audit.program.deleted"), &target);
    refresh_town(&state)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives the town the programs from now to [`LISTED_DAYS`] ahead, and the notices that are due.
pub fn refresh_town(state: &AppState) -> Result<(), AppError> {
    let at = now();
    let map = state.town.map();
    let programs = state.store.programs(at, at + LISTED_DAYS * 86_400)?;
    state.town.set_programs(programs.iter().map(|program| view(program, &map, at)).collect());
    for due in state.store.programs_to_notice(at, PROGRAM_NOTICE_SECS)? {
        tracing::info!(program = due.id, "program notice sent");
        state.town.notice_program(view(&due, &map, at));
    }
    Ok(())
}

/// Keeps the town's programs fresh and deletes programs past their retention; runs while the
/// server runs.
pub fn keep_in_step(state: AppState) {
    crate::every(state, REFRESH_EVERY, "refresh the programs", |state| {
        state.store.purge_old_programs(now())?;
        refresh_town(state)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> TownMap {
        TownMap::from_ron(include_str!("../../../assets/maps/town.ron")).expect("map")
    }

    fn form(starts_at: i64, ends_at: i64) -> ProgramForm {
        ProgramForm {
            title: " 唄ごえカフェ ".into(),
            description: "みんなで歌います。\n聴くだけでも。".into(),
            hall: "hall-1".into(),
            starts_at,
            ends_at,
            facilitators: "音楽療法士 さくら".into(),
            watching_welcome: true,
            notes: String::new(),
        }
    }

    // 2026-12-02 04:00 UTC is 13:00 in Tokyo, a Wednesday.
    const WED_13: i64 = 1_796_184_000;

    #[test]
    fn a_good_program_reads_in_the_citys_time() {
        let program = validate(form(WED_13, WED_13 + 3600), &map(), WED_13 - 86_400).expect("valid");
        assert_eq!(program.title, "唄ごえカフェ");
        let shown = view(&Program { id: 7, ..program }, &map(), WED_13 - 600);
        assert_eq!(shown.when.ja, "12月2日（水）13:00〜14:00");
        assert_eq!(shown.when.en, "Wed 2 Dec, 13:00–14:00");
        assert_eq!(shown.hours.ja, "13:00〜14:00");
        assert_eq!(shown.hall_name.ja, "交流スペース A");
        assert_eq!(shown.hall_name.en, "Program hall A");
        assert!(shown.today && !shown.running);
        let running = view(
            &Program { id: 7, ..validate(form(WED_13, WED_13 + 3600), &map(), WED_13).expect("valid") },
            &map(),
            WED_13 + 60,
        );
        assert!(running.running && running.today);
        let tomorrow = view(&shown_program(), &map(), WED_13 - 86_400);
        assert!(!tomorrow.today, "a program tomorrow is not today's");
    }

    fn shown_program() -> Program {
        Program { id: 1, ..validate(form(WED_13, WED_13 + 3600), &map(), WED_13 - 86_400).expect("valid") }
    }

    #[test]
    fn bad_programs_are_refused_with_the_reason() {
        let map = map();
        let at = WED_13 - 86_400;
        let refused = |form: ProgramForm, at: i64| match validate(form, &map, at) {
            Err(AppError::Invalid(key)) => crate::lang::Lang::Ja.text(key),
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert!(refused(ProgramForm { title: "  ".into(), ..form(WED_13, WED_13 + 60) }, at).contains("タイトル"));
        assert!(refused(ProgramForm { title: "あ".repeat(41), ..form(WED_13, WED_13 + 60) }, at).contains("40文字"));
        assert!(
            refused(ProgramForm { hall: "booth-1".into(), ..form(WED_13, WED_13 + 60) }, at).contains("交流スペース")
        );
        assert!(refused(form(WED_13, WED_13), at).contains("後に"));
        assert!(refused(form(WED_13, WED_13 + 13 * 3600), at).contains("12時間"));
        assert!(refused(form(WED_13, WED_13 + 60), WED_13 + 120).contains("終わった"));
        assert!(refused(ProgramForm { notes: "a\u{7}b".into(), ..form(WED_13, WED_13 + 60) }, at).contains("メモ"));
        assert!(refused(ProgramForm { facilitators: "x\ny".into(), ..form(WED_13, WED_13 + 60) }, at).contains("担当"));
    }

    #[test]
    fn each_notice_goes_out_once_and_overlaps_are_refused() {
        let store = crate::Store::in_memory().expect("store");
        let invite = store.create_invite(Role::Staff, "", None, 3600).expect("invite");
        let (staff, _) = store.register(&invite.token, "スタッフ", protocol::AvatarId(0)).expect("staff");
        let (by, at) = (staff.id, crate::store::now());
        let program = |starts_at: i64| Program {
            id: 0,
            ..validate(form(starts_at, starts_at + 3600), &map(), at).expect("valid")
        };
        let soon = store.save_program(&program(at + 300), by).expect("soon");
        assert!(matches!(store.save_program(&program(at + 1800), by), Err(AppError::Conflict("program_overlaps"))));
        let later = store.save_program(&program(at + 7200), by).expect("later");
        let due = store.programs_to_notice(at, PROGRAM_NOTICE_SECS).expect("due");
        assert_eq!(due.iter().map(|p| p.id).collect::<Vec<_>>(), vec![soon]);
        assert!(store.programs_to_notice(at + 5, PROGRAM_NOTICE_SECS).expect("again").is_empty(), "never repeated");
        assert_eq!(store.programs(at, at + 86_400).expect("list").len(), 2);
        store.delete_program(later).expect("deleted");
        assert!(matches!(store.delete_program(later), Err(AppError::NotFound)));
    }
}
