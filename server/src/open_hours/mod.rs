//! 開所時間 (open hours): staff set recurring rules and one-day exceptions on `/hours`, and the
//! message of the page people see while ibasho is closed. Outside the hours participants
//! cannot enter (the page and the town's WebSocket both refuse them, with the next opening);
//! staff, counselors and facilitators always can. The town is told the hours every few
//! seconds (`presence/town/hours.rs` sends the closing notices and sees people out).

pub mod page;
pub mod rules;

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use jiff::civil::Date;
use protocol::HoursView;
use protocol::locale::Phrase;
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::StaffOnly;
use crate::city_time::{city_date, city_label_in, city_zone};
use crate::error::AppError;
use crate::json::JsonBody;
use crate::lang::Lang;
use crate::programs::field;
use crate::store::{Store, now};
use rules::{Change, DAY_MINUTES, Exception, Now, Rule, Schedule, exception_label, rule_label, span_label};

/// The settings key of the closed page's message.
const CLOSED_MESSAGE_KEY: &str = "closed_message";
/// Longest closed-page message, in characters.
pub const MAX_CLOSED_MESSAGE_CHARS: usize = 400;
/// How often the town is told the hours (closing and the notices follow the clock).
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);
/// Most rules and exceptions kept (a schedule, not a calendar).
const MAX_ENTRIES: usize = 100;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hours", get(page::hours_page))
        .route("/api/hours", get(show))
        .route("/api/hours/rules", post(add_rule))
        .route("/api/hours/rules/{id}", delete(remove_rule))
        .route("/api/hours/exceptions", post(add_exception))
        .route("/api/hours/exceptions/{id}", delete(remove_exception))
        .route("/api/hours/message", put(set_message))
}

fn weeks_text(weeks: &[u8]) -> String {
    weeks.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
}

fn minute_of(value: Option<i64>) -> u16 {
    value.and_then(|minute| u16::try_from(minute).ok()).unwrap_or(0)
}

impl Store {
    /// The recurring rules, by weekday and time.
    pub fn hour_rules(&self) -> Result<Vec<Rule>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT id, weekday, weeks, starts_minute, ends_minute FROM open_hour_rules ORDER BY weekday, starts_minute, id",
        )?;
        let rules = statement
            .query_map([], |row| {
                let weeks: String = row.get(2)?;
                Ok(Rule {
                    id: row.get(0)?,
                    weekday: row.get(1)?,
                    weeks: weeks.split(',').filter_map(|week| week.parse().ok()).collect(),
                    starts: minute_of(row.get(3)?),
                    ends: minute_of(row.get(4)?),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rules)
    }

    /// Stores a rule.
    pub fn add_hour_rule(&self, rule: &Rule) -> Result<i64, AppError> {
        let connection = self.lock();
        let count: i64 = connection.query_row("SELECT COUNT(*) FROM open_hour_rules", [], |row| row.get(0))?;
        if count as usize >= MAX_ENTRIES {
            return Err(AppError::Invalid("error.hours.rules_full"));
        }
        connection.execute(
            "INSERT INTO open_hour_rules (weekday, weeks, starts_minute, ends_minute, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![rule.weekday, weeks_text(&rule.weeks), rule.starts, rule.ends, now()],
        )?;
        Ok(connection.last_insert_rowid())
    }

    /// Deletes a rule.
    pub fn delete_hour_rule(&self, id: i64) -> Result<(), AppError> {
        match self.lock().execute("DELETE FROM open_hour_rules WHERE id = ?1", params![id])? {
            0 => Err(AppError::NotFound),
            _ => Ok(()),
        }
    }

    /// The exceptions, by day.
    pub fn hour_exceptions(&self) -> Result<Vec<Exception>, AppError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare("SELECT id, day, closed, starts_minute, ends_minute FROM open_hour_exceptions ORDER BY day, id")?;
        let rows = statement
            .query_map([], |row| {
                let day: String = row.get(1)?;
                let closed: bool = row.get(2)?;
                let change = if closed {
                    Change::Closed
                } else {
                    Change::Open { starts: minute_of(row.get(3)?), ends: minute_of(row.get(4)?) }
                };
                Ok((row.get::<_, i64>(0)?, day, change))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        // A day that does not read as one (never written so) is left out rather than failing all.
        Ok(rows
            .into_iter()
            .filter_map(|(id, day, change)| Some(Exception { id, day: day.parse().ok()?, change }))
            .collect())
    }

    /// Stores an exception.
    pub fn add_hour_exception(&self, exception: &Exception) -> Result<i64, AppError> {
        let connection = self.lock();
        let count: i64 = connection.query_row("SELECT COUNT(*) FROM open_hour_exceptions", [], |row| row.get(0))?;
        if count as usize >= MAX_ENTRIES {
            return Err(AppError::Invalid("error.hours.exceptions_full"));
        }
        let (closed, starts, ends) = match exception.change {
            Change::Closed => (true, None, None),
            Change::Open { starts, ends } => (false, Some(starts), Some(ends)),
        };
        connection.execute(
            "INSERT INTO open_hour_exceptions (day, closed, starts_minute, ends_minute, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![exception.day.to_string(), closed, starts, ends, now()],
        )?;
        Ok(connection.last_insert_rowid())
    }

    /// Deletes an exception.
    pub fn delete_hour_exception(&self, id: i64) -> Result<(), AppError> {
        match self.lock().execute("DELETE FROM open_hour_exceptions WHERE id = ?1", params![id])? {
            0 => Err(AppError::NotFound),
            _ => Ok(()),
        }
    }

    /// Deletes the exceptions of days before `today` (they say nothing any more).
    pub fn purge_past_exceptions(&self, today: Date) -> Result<usize, AppError> {
        // ISO dates compare as text.
        Ok(self.lock().execute("DELETE FROM open_hour_exceptions WHERE day < ?1", params![today.to_string()])?)
    }

    /// A setting's value, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT value FROM settings WHERE key = ?1")?;
        let mut rows = statement.query_map(params![key], |row| row.get::<_, String>(0))?;
        Ok(rows.next().transpose()?)
    }

    /// Sets a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), AppError> {
        self.lock().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The closed page's message: staff's as they wrote it, or the usual one in `lang`.
    pub fn closed_message(&self, lang: Lang) -> Result<String, AppError> {
        Ok(self.setting(CLOSED_MESSAGE_KEY)?.unwrap_or_else(|| lang.text("hours.closed_page.message").to_owned()))
    }
}

/// The stored schedule in the city's time zone.
pub fn schedule(store: &Store) -> Result<Schedule, AppError> {
    Ok(Schedule { rules: store.hour_rules()?, exceptions: store.hour_exceptions()?, zone: city_zone() })
}

/// How the hours read at `at`, and whether ibasho is open then.
pub fn view(schedule: &Schedule, at: i64) -> (HoursView, Now) {
    let now = schedule.now(at);
    if !schedule.is_set() {
        return (HoursView::default(), now);
    }
    let today = schedule.day_of(at);
    let minute = |unix: i64| {
        let clock_of = schedule.day_of(unix);
        if clock_of > today { DAY_MINUTES } else { minute_of_day(schedule, unix) }
    };
    let spans: Vec<(u16, u16)> = schedule
        .openings_on(today)
        .iter()
        .map(|opening| (minute(opening.starts_at), minute(opening.ends_at)))
        .collect();
    let today_words = Phrase::each(|lang| {
        let spans: Vec<String> = spans.iter().map(|(starts, ends)| span_label(*starts, *ends, lang)).collect();
        if spans.is_empty() {
            lang.text("hours.today.closed").to_owned()
        } else {
            lang.fill("hours.today.open", &[("hours", &spans.join(lang.text("list.comma")))])
        }
    });
    let lines = schedule
        .rules
        .iter()
        .map(|rule| Phrase::each(|lang| rule_label(rule, lang)))
        .chain(
            schedule
                .exceptions
                .iter()
                .filter(|e| e.day >= today)
                .map(|exception| Phrase::each(|lang| exception_label(exception, lang))),
        )
        .collect();
    let (next_opening, closes_at) = match now {
        Now::Open(opening) => (None, Some(opening.ends_at)),
        Now::Closed(next) => (next.map(|opening| Phrase::each(|lang| city_label_in(opening.starts_at, lang))), None),
        Now::Always => (None, None),
    };
    (HoursView { set: true, today: today_words, schedule: lines, next_opening, closes_at }, now)
}

fn minute_of_day(schedule: &Schedule, unix: i64) -> u16 {
    let zoned = jiff::Timestamp::from_second(unix)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(schedule.zone.clone());
    // Hours and minutes are small and positive.
    (zoned.hour() as u16) * 60 + zoned.minute() as u16
}

/// The hours now, from the store.
pub fn hours_now(store: &Store) -> Result<(HoursView, Now), AppError> {
    Ok(view(&schedule(store)?, now()))
}

/// The hours, when they keep `role` out now (a participant while closed); none lets them in.
/// A store that cannot be read lets people in (and says so in the log) rather than lock
/// everyone out.
pub fn keeps_out(store: &Store, role: protocol::Role) -> Option<HoursView> {
    if presence_any_time(role) {
        return None;
    }
    match hours_now(store) {
        Ok((view, now)) => (!now.is_open()).then_some(view),
        Err(error) => {
            tracing::warn!(%error, "cannot read the open hours; letting people in");
            None
        }
    }
}

/// Whether a role may be in the town outside the open hours (everyone but participants).
pub fn presence_any_time(role: protocol::Role) -> bool {
    role != protocol::Role::Participant
}

/// Tells the town the hours now (it sends notices and sees participants out when closed).
pub fn refresh_town(state: &AppState) -> Result<(), AppError> {
    let at = now();
    let (view, now) = view(&schedule(&state.store)?, at);
    state.town.set_hours(view, now.is_open(), at);
    Ok(())
}

/// Keeps the town in step with the clock and deletes exceptions of past days.
pub fn keep_in_step(state: AppState) {
    crate::every(state, REFRESH_EVERY, "follow the open hours", |state| {
        state.store.purge_past_exceptions(city_date(now()))?;
        refresh_town(state)
    });
}

/// 「13:00」 (or 「24:00」) as a minute of the day.
fn parse_clock(text: &str) -> Result<u16, AppError> {
    let refusal = AppError::Invalid("error.hours.time_format");
    let (hour, minute) = text.trim().split_once(':').ok_or(AppError::Invalid("error.hours.time_format"))?;
    let (Ok(hour), Ok(minute)) = (hour.parse::<u16>(), minute.parse::<u16>()) else { return Err(refusal) };
    let total = hour * 60 + minute;
    if minute >= 60 || total > DAY_MINUTES {
        return Err(refusal);
    }
    Ok(total)
}

fn span(starts: &str, ends: &str) -> Result<(u16, u16), AppError> {
    let (starts, ends) = (parse_clock(starts)?, parse_clock(ends)?);
    if ends <= starts {
        return Err(AppError::Invalid("error.hours.ends_before_start"));
    }
    Ok((starts, ends))
}

/// A rule as staff send it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleForm {
    /// 0 = Sunday … 6 = Saturday.
    pub weekday: u8,
    /// 1 to 5; empty for every week.
    pub weeks: Vec<u8>,
    /// 「13:00」.
    pub starts: String,
    /// 「21:00」.
    pub ends: String,
}

/// Checks a rule.
pub fn validate_rule(form: RuleForm) -> Result<Rule, AppError> {
    if form.weekday > 6 {
        return Err(AppError::Invalid("error.hours.weekday"));
    }
    let mut weeks = form.weeks;
    if weeks.iter().any(|week| !(1..=5).contains(week)) {
        return Err(AppError::Invalid("error.hours.weeks"));
    }
    weeks.sort_unstable();
    weeks.dedup();
    if weeks.len() == 5 {
        weeks.clear();
    }
    let (starts, ends) = span(&form.starts, &form.ends)?;
    Ok(Rule { id: 0, weekday: form.weekday, weeks, starts, ends })
}

/// An exception as staff send it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionForm {
    /// 「2026-12-23」.
    pub day: String,
    /// Closed all day (else open from `starts` to `ends`).
    pub closed: bool,
    /// 「10:00」, for an extra opening.
    #[serde(default)]
    pub starts: Option<String>,
    /// 「18:00」, for an extra opening.
    #[serde(default)]
    pub ends: Option<String>,
}

/// Checks an exception on the city's day `today`.
pub fn validate_exception(form: ExceptionForm, today: Date) -> Result<Exception, AppError> {
    let day: Date = form.day.trim().parse().map_err(|_| AppError::Invalid("error.hours.day"))?;
    if day < today {
        return Err(AppError::Invalid("error.hours.past_day"));
    }
    let change = if form.closed {
        Change::Closed
    } else {
        let (Some(starts), Some(ends)) = (form.starts, form.ends) else {
            return Err(AppError::Invalid("error.hours.open_times"));
        };
        let (starts, ends) = span(&starts, &ends)?;
        Change::Open { starts, ends }
    };
    Ok(Exception { id: 0, day, change })
}

/// A rule or exception as listed.
#[derive(Debug, Serialize)]
pub struct Entry {
    /// Its id.
    pub id: i64,
    /// In words.
    pub label: String,
}

/// The hours as staff see them.
#[derive(Debug, Serialize)]
pub struct HoursSummary {
    /// The rules.
    pub rules: Vec<Entry>,
    /// The exceptions.
    pub exceptions: Vec<Entry>,
    /// The closed page's message.
    pub message: String,
    /// How the town reads them now.
    pub view: HoursView,
    /// Whether ibasho is open for participants now.
    pub open: bool,
    /// The zone the hours are read in.
    pub time_zone: String,
}

/// What `/hours` and `/api/hours` show, worded in `lang` (the closed page's message as staff
/// wrote it, or else the usual one in Japanese, which is what saving it unchanged keeps).
pub fn summary(store: &Store, lang: Lang) -> Result<HoursSummary, AppError> {
    let schedule = schedule(store)?;
    let (view, now) = view(&schedule, now());
    Ok(HoursSummary {
        rules: schedule.rules.iter().map(|rule| Entry { id: rule.id, label: rule_label(rule, lang) }).collect(),
        exceptions: schedule.exceptions.iter().map(|e| Entry { id: e.id, label: exception_label(e, lang) }).collect(),
        message: store.closed_message(Lang::Ja)?,
        view,
        open: now.is_open(),
        time_zone: schedule.zone.iana_name().unwrap_or("?").to_owned(),
    })
}

async fn show(State(state): State<AppState>, StaffOnly(_): StaffOnly) -> Result<Json<HoursSummary>, AppError> {
    Ok(Json(summary(&state.store, crate::lang::current())?))
}

fn changed(
    state: &AppState,
    what: &str,
    by: &crate::store::Account,
    action: &str,
    target: Phrase,
) -> Result<(), AppError> {
    tracing::info!(by = by.id.0, "open hours: {what}");
    state.store.audit(by, &crate::audit::said(action), &target);
    refresh_town(state)
}

async fn add_rule(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    JsonBody(form): JsonBody<RuleForm>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let rule = validate_rule(form)?;
    let id = state.store.add_hour_rule(&rule)?;
    changed(
        &state,
        "rule added",
        &session.account,
        "audit.hours.rule_added",
        Phrase::each(|lang| rule_label(&rule, lang)),
    )?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

async fn remove_rule(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    state.store.delete_hour_rule(id)?;
    changed(
        &state,
        "rule deleted",
        &session.account,
        "audit.hours.rule_deleted",
        crate::audit::said_with("audit.target.rule", &[("id", &id)]),
    )?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_exception(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    JsonBody(form): JsonBody<ExceptionForm>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let exception = validate_exception(form, city_date(now()))?;
    let id = state.store.add_hour_exception(&exception)?;
    changed(
        &state,
        "exception added",
        &session.account,
        "audit.hours.exception_added",
        Phrase::each(|lang| exception_label(&exception, lang)),
    )?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

async fn remove_exception(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    state.store.delete_hour_exception(id)?;
    changed(
        &state,
        "exception deleted",
        &session.account,
        "audit.hours.exception_deleted",
        crate::audit::said_with("audit.target.exception", &[("id", &id)]),
    )?;
    Ok(StatusCode::NO_CONTENT)
}

/// The closed page's message as staff send it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageForm {
    /// What the page says (line breaks kept).
    pub message: String,
}

async fn set_message(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    JsonBody(form): JsonBody<MessageForm>,
) -> Result<StatusCode, AppError> {
    let refusal = "error.hours.message_length";
    let message = field(&form.message, MAX_CLOSED_MESSAGE_CHARS, true, refusal)?;
    if message.is_empty() {
        return Err(AppError::Invalid("error.hours.message_empty"));
    }
    state.store.set_setting(CLOSED_MESSAGE_KEY, &message)?;
    tracing::info!(by = session.account.id.0, "open hours: closed message changed");
    let (action, target) =
        (crate::audit::said("audit.hours.message_changed"), crate::audit::said("audit.target.hours"));
    state.store.audit(&session.account, &action, &target);
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_form(weekday: u8, weeks: &[u8], starts: &str, ends: &str) -> RuleForm {
        RuleForm { weekday, weeks: weeks.to_vec(), starts: starts.into(), ends: ends.into() }
    }

    fn refusal<T: std::fmt::Debug>(result: Result<T, AppError>) -> &'static str {
        match result {
            Err(AppError::Invalid(key)) => crate::lang::Lang::Ja.text(key),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn bad_rules_and_exceptions_are_refused_with_the_reason() {
        assert!(refusal(validate_rule(rule_form(7, &[], "13:00", "21:00"))).contains("曜日"));
        assert!(refusal(validate_rule(rule_form(3, &[6], "13:00", "21:00"))).contains("第1から第5"));
        assert!(refusal(validate_rule(rule_form(3, &[], "21:00", "13:00"))).contains("後に"));
        assert!(refusal(validate_rule(rule_form(3, &[], "13:60", "21:00"))).contains("13:00 のように"));
        assert!(refusal(validate_rule(rule_form(3, &[], "1300", "21:00"))).contains("13:00 のように"));
        assert!(refusal(validate_rule(rule_form(3, &[], "13:00", "24:01"))).contains("13:00 のように"));
        let rule = validate_rule(rule_form(3, &[4, 2, 3, 3], "13:00", "24:00")).expect("a good rule");
        assert_eq!((rule.weeks.clone(), rule.starts, rule.ends), (vec![2, 3, 4], 780, 1440));
        assert!(
            validate_rule(rule_form(3, &[1, 2, 3, 4, 5], "9:00", "10:00")).expect("rule").weeks.is_empty(),
            "all five weeks: every week"
        );
        let today: Date = "2026-12-02".parse().expect("date");
        let exception = |day: &str, closed: bool, times: Option<(&str, &str)>| ExceptionForm {
            day: day.into(),
            closed,
            starts: times.map(|(s, _)| s.into()),
            ends: times.map(|(_, e)| e.into()),
        };
        assert!(refusal(validate_exception(exception("2026-12-01", true, None), today)).contains("過ぎた日"));
        assert!(refusal(validate_exception(exception("12/9", true, None), today)).contains("日付"));
        assert!(refusal(validate_exception(exception("2026-12-09", false, None), today)).contains("開く時間"));
        let extra = validate_exception(exception("2026-12-10", false, Some(("10:00", "12:00"))), today).expect("extra");
        assert_eq!(extra.change, Change::Open { starts: 600, ends: 720 });
    }

    #[test]
    fn the_view_reads_today_the_schedule_and_the_next_opening() {
        let zone = city_zone();
        let schedule = Schedule {
            rules: vec![
                Rule { id: 1, weekday: 3, weeks: vec![2, 3, 4], starts: 780, ends: 1260 },
                Rule { id: 2, weekday: 6, weeks: vec![1], starts: 600, ends: 1080 },
            ],
            exceptions: Vec::new(),
            zone: zone.clone(),
        };
        let unix = |text: &str| {
            let at: jiff::civil::DateTime = text.parse().expect("date and time");
            at.to_zoned_datetime(zone.clone()).expect("zoned").timestamp().as_second()
        };
        // Wednesday 2 December 2026 is the 1st Wednesday: closed; the 1st Saturday is next.
        let (closed, now) = view(&schedule, unix("2026-12-02T14:00"));
        assert!(!now.is_open());
        assert_eq!(closed.today.ja, "本日はお休みです");
        assert_eq!(closed.today.en, "Closed today");
        let next = closed.next_opening.expect("next opening");
        assert_eq!((next.ja.as_str(), next.en.as_str()), ("12月5日（土）10:00", "Sat 5 Dec, 10:00"));
        let lines: Vec<&str> = closed.schedule.iter().map(|line| line.ja.as_str()).collect();
        assert_eq!(lines, ["第2・3・4水曜 13:00〜21:00", "第1土曜 10:00〜18:00"]);
        assert_eq!(closed.schedule[1].en, "1st Saturday of the month, 10:00–18:00");
        let (open, now) = view(&schedule, unix("2026-12-09T20:00"));
        assert!(now.is_open());
        assert_eq!((open.today.ja.as_str(), open.today.en.as_str()), ("本日 13:00〜21:00", "Today 13:00–21:00"));
        assert_eq!(open.closes_at, Some(unix("2026-12-09T21:00")));
        assert_eq!(open.next_opening, None);
        let (none, now) = view(&Schedule { rules: Vec::new(), exceptions: Vec::new(), zone }, 0);
        assert_eq!((none, now), (HoursView::default(), Now::Always));
    }
}
