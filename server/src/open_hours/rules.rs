//! Open hours as rules: a weekday every week or on some weeks of the month (第2・3・4水曜),
//! and exceptions for one day (closed, or an extra opening), read in the city's time zone.
//! With no rules and no extra openings, ibasho is open all day except on the days marked closed.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::lang::Lang;

/// Minutes in a day: an opening may end at 24:00.
pub const DAY_MINUTES: u16 = 24 * 60;
/// How far ahead the next opening is looked for, in days.
const LOOK_AHEAD_DAYS: usize = 400;

/// A recurring opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its id in the store.
    pub id: i64,
    /// 0 = Sunday … 6 = Saturday.
    pub weekday: u8,
    /// Which of the month's weekdays (1 to 5: 第1 … 第5); empty for every week.
    pub weeks: Vec<u8>,
    /// Opens at this minute of the day.
    pub starts: u16,
    /// Closes at this minute of the day (after `starts`, at most 24:00).
    pub ends: u16,
}

/// What an exception does to its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Closed all day, whatever the rules say.
    Closed,
    /// Open (also) from `starts` to `ends` minutes of the day.
    Open { starts: u16, ends: u16 },
}

/// One day that differs from the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// Its id in the store.
    pub id: i64,
    /// The day, in the city's calendar.
    pub day: Date,
    /// Closed, or an extra opening.
    pub change: Change,
}

/// One opening: from `starts_at` to `ends_at`, Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    /// Opens, Unix seconds.
    pub starts_at: i64,
    /// Closes, Unix seconds.
    pub ends_at: i64,
}

/// Whether ibasho is open at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Now {
    /// No hours are set: always open.
    Always,
    /// Open in this opening (joined with the ones that follow it without a gap).
    Open(Opening),
    /// Closed; it opens next at this opening, if one is planned.
    Closed(Option<Opening>),
}

impl Now {
    /// Whether a participant may be in the town.
    pub fn is_open(&self) -> bool {
        !matches!(self, Now::Closed(_))
    }
}

/// The rules and exceptions, with the zone they are read in.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Recurring openings.
    pub rules: Vec<Rule>,
    /// Days that differ.
    pub exceptions: Vec<Exception>,
    /// The city's time zone.
    pub zone: TimeZone,
}

impl Schedule {
    /// Whether staff set any hours at all.
    pub fn is_set(&self) -> bool {
        !self.rules.is_empty() || !self.exceptions.is_empty()
    }

    /// The city's calendar day at a Unix time.
    pub fn day_of(&self, at: i64) -> Date {
        Timestamp::from_second(at).unwrap_or(Timestamp::UNIX_EPOCH).to_zoned_datetime(self.zone.clone()).date()
    }

    /// Unix seconds of a minute of a day (24:00 is the next day's midnight).
    fn unix(&self, day: Date, minute: u16) -> i64 {
        let (day, minute) = match (minute >= DAY_MINUTES, day.tomorrow()) {
            (true, Ok(next)) => (next, minute - DAY_MINUTES),
            _ => (day, minute.min(DAY_MINUTES - 1)),
        };
        // Hours and minutes of a day always fit an i8.
        let at = day.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        at.to_zoned_datetime(self.zone.clone()).map_or(0, |zoned| zoned.timestamp().as_second())
    }

    /// The openings of one day, in order, overlapping ones joined.
    pub fn openings_on(&self, day: Date) -> Vec<Opening> {
        let here: Vec<&Exception> = self.exceptions.iter().filter(|exception| exception.day == day).collect();
        if here.iter().any(|exception| exception.change == Change::Closed) {
            return Vec::new();
        }
        let extra = self.exceptions.iter().any(|exception| matches!(exception.change, Change::Open { .. }));
        let mut spans: Vec<(u16, u16)> = if self.rules.is_empty() && !extra {
            vec![(0, DAY_MINUTES)]
        } else {
            let weekday = day.weekday().to_sunday_zero_offset() as u8;
            let week = ((day.day() - 1) / 7 + 1) as u8;
            self.rules
                .iter()
                .filter(|rule| rule.weekday == weekday && (rule.weeks.is_empty() || rule.weeks.contains(&week)))
                .map(|rule| (rule.starts, rule.ends))
                .chain(here.iter().filter_map(|exception| match exception.change {
                    Change::Open { starts, ends } => Some((starts, ends)),
                    Change::Closed => None,
                }))
                .collect()
        };
        spans.sort_unstable();
        let mut joined: Vec<(u16, u16)> = Vec::new();
        for (starts, ends) in spans {
            match joined.last_mut() {
                Some(last) if starts <= last.1 => last.1 = last.1.max(ends),
                _ => joined.push((starts, ends)),
            }
        }
        joined
            .into_iter()
            .map(|(starts, ends)| Opening { starts_at: self.unix(day, starts), ends_at: self.unix(day, ends) })
            .collect()
    }

    /// The openings from the day of `at` on, for [`LOOK_AHEAD_DAYS`] days, in order.
    fn openings_from(&self, at: i64) -> impl Iterator<Item = Opening> + '_ {
        let first = self.day_of(at);
        std::iter::successors(Some(first), |day| day.tomorrow().ok())
            .take(LOOK_AHEAD_DAYS)
            .flat_map(|day| self.openings_on(day))
    }

    /// Whether ibasho is open at `at`, until when, or when it opens next.
    pub fn now(&self, at: i64) -> Now {
        if !self.is_set() {
            return Now::Always;
        }
        // Yesterday's last opening may run to midnight and today's start at it.
        let mut openings = self.openings_from(at - 86_400).skip_while(|opening| opening.ends_at <= at);
        let Some(first) = openings.next() else { return Now::Closed(None) };
        if first.starts_at > at {
            return Now::Closed(Some(first));
        }
        let mut current = first;
        for next in openings {
            if next.starts_at > current.ends_at {
                break;
            }
            current.ends_at = current.ends_at.max(next.ends_at);
        }
        Now::Open(current)
    }
}

/// 「13:00」 of a minute of the day.
pub fn clock(minute: u16) -> String {
    format!("{}:{:02}", minute / 60, minute % 60)
}

/// The catalogue's keys for weekday names, Sunday first: 「水」 / "Wed".
const WEEKDAY_KEYS: [&str; 7] =
    ["weekday.sun", "weekday.mon", "weekday.tue", "weekday.wed", "weekday.thu", "weekday.fri", "weekday.sat"];
/// The same, as a rule names them: 「水」 / "Wednesday".
pub const WEEKDAY_LONG_KEYS: [&str; 7] = [
    "weekday.long.sun",
    "weekday.long.mon",
    "weekday.long.tue",
    "weekday.long.wed",
    "weekday.long.thu",
    "weekday.long.fri",
    "weekday.long.sat",
];
/// Months as a date names them: 「12」 / "Dec".
const MONTH_KEYS: [&str; 12] = [
    "month.jan",
    "month.feb",
    "month.mar",
    "month.apr",
    "month.may",
    "month.jun",
    "month.jul",
    "month.aug",
    "month.sep",
    "month.oct",
    "month.nov",
    "month.dec",
];
/// Which week of the month: 「2」 / "2nd".
pub const WEEK_KEYS: [&str; 5] = ["week.1", "week.2", "week.3", "week.4", "week.5"];

/// 「13:00〜21:00」 / "13:00–21:00".
pub fn span_label(starts: u16, ends: u16, lang: Lang) -> String {
    lang.fill("time.range", &[("from", &clock(starts)), ("until", &clock(ends))])
}

/// A rule in words: 「第2・3・4水曜 13:00〜21:00」, 「毎週土曜 10:00〜18:00」, "Every Saturday,
/// 10:00–18:00".
pub fn rule_label(rule: &Rule, lang: Lang) -> String {
    let weekday = lang.text(WEEKDAY_LONG_KEYS.get(usize::from(rule.weekday)).copied().unwrap_or("weekday.long.sun"));
    let hours = span_label(rule.starts, rule.ends, lang);
    if rule.weeks.is_empty() {
        return lang.fill("hours.rule.every", &[("weekday", &weekday), ("hours", &hours)]);
    }
    let weeks: Vec<&str> = rule
        .weeks
        .iter()
        .filter_map(|week| WEEK_KEYS.get(usize::from(*week).checked_sub(1)?))
        .map(|key| lang.text(key))
        .collect();
    // 「2・3・4」, "2nd, 3rd and 4th".
    let weeks = match weeks.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, first)) => {
            format!("{}{}{last}", first.join(lang.text("hours.rule.weeks_joined")), lang.text("hours.rule.weeks_last"))
        }
        None => String::new(),
    };
    lang.fill("hours.rule.weeks", &[("weeks", &weeks), ("weekday", &weekday), ("hours", &hours)])
}

/// A day in words in `lang`: 「12月23日（水）」, "Wed 23 Dec".
pub fn day_label_in(day: Date, lang: Lang) -> String {
    let weekday = lang.text(WEEKDAY_KEYS[day.weekday().to_sunday_zero_offset() as usize]);
    let month =
        MONTH_KEYS.get(usize::from(day.month().unsigned_abs()).saturating_sub(1)).copied().unwrap_or("month.jan");
    lang.fill("date.day", &[("month", &lang.text(month)), ("day", &day.day()), ("weekday", &weekday)])
}

/// An exception in words: 「12月23日（水）はお休み」, 「12月26日（土）10:00〜18:00 も開きます」,
/// "Closed on Wed 23 Dec".
pub fn exception_label(exception: &Exception, lang: Lang) -> String {
    let day = day_label_in(exception.day, lang);
    match exception.change {
        Change::Closed => lang.fill("hours.exception.closed", &[("day", &day)]),
        Change::Open { starts, ends } => {
            lang.fill("hours.exception.open", &[("day", &day), ("hours", &span_label(starts, ends, lang))])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo() -> TimeZone {
        TimeZone::get("Asia/Tokyo").expect("zone")
    }

    fn at(zone: &TimeZone, date: &str, time: &str) -> i64 {
        let day: Date = date.parse().expect("date");
        let (hour, minute) = time.split_once(':').expect("time");
        let clock = day.at(hour.parse().expect("hour"), minute.parse().expect("minute"), 0, 0);
        clock.to_zoned_datetime(zone.clone()).expect("zoned").timestamp().as_second()
    }

    fn rule(weekday: u8, weeks: &[u8], starts: &str, ends: &str) -> Rule {
        let minute = |text: &str| {
            let (hour, minute) = text.split_once(':').expect("time");
            hour.parse::<u16>().expect("hour") * 60 + minute.parse::<u16>().expect("minute")
        };
        Rule { id: 0, weekday, weeks: weeks.to_vec(), starts: minute(starts), ends: minute(ends) }
    }

    /// The seed service: 第2・3・4水曜 13:00–21:00 and 第1土曜 10:00–18:00.
    fn seed(zone: TimeZone) -> Schedule {
        Schedule {
            rules: vec![rule(3, &[2, 3, 4], "13:00", "21:00"), rule(6, &[1], "10:00", "18:00")],
            exceptions: Vec::new(),
            zone,
        }
    }

    #[test]
    fn the_nth_weekday_of_each_month_across_months() {
        let zone = tokyo();
        let schedule = seed(zone.clone());
        // December 2026: Wednesdays 2, 9, 16, 23, 30; Saturdays 5, 12 …
        assert_eq!(
            schedule.now(at(&zone, "2026-12-02", "14:00")),
            Now::Closed(schedule.openings_on("2026-12-05".parse().expect("d")).first().copied()),
            "the 1st Wednesday is closed; the 1st Saturday is next"
        );
        let ninth = Opening { starts_at: at(&zone, "2026-12-09", "13:00"), ends_at: at(&zone, "2026-12-09", "21:00") };
        assert_eq!(schedule.now(at(&zone, "2026-12-09", "12:59")), Now::Closed(Some(ninth)));
        assert_eq!(schedule.now(at(&zone, "2026-12-09", "13:00")), Now::Open(ninth));
        assert_eq!(schedule.now(at(&zone, "2026-12-09", "20:59")), Now::Open(ninth));
        assert!(!schedule.now(at(&zone, "2026-12-09", "21:00")).is_open());
        assert!(schedule.now(at(&zone, "2026-12-23", "15:00")).is_open(), "the 4th Wednesday");
        let after_fourth = schedule.now(at(&zone, "2026-12-30", "15:00"));
        let first_saturday =
            Opening { starts_at: at(&zone, "2027-01-02", "10:00"), ends_at: at(&zone, "2027-01-02", "18:00") };
        assert_eq!(
            after_fourth,
            Now::Closed(Some(first_saturday)),
            "the 5th Wednesday is closed; next is across the year"
        );
        // February 2027 begins on a Monday: its 2nd Wednesday is the 10th.
        assert!(schedule.now(at(&zone, "2027-02-10", "13:30")).is_open());
        assert!(!schedule.now(at(&zone, "2027-02-03", "13:30")).is_open());
    }

    #[test]
    fn exceptions_close_a_day_or_open_an_extra_one() {
        let zone = tokyo();
        let mut schedule = seed(zone.clone());
        schedule.exceptions.push(Exception { id: 1, day: "2026-12-09".parse().expect("d"), change: Change::Closed });
        schedule.exceptions.push(Exception {
            id: 2,
            day: "2026-12-10".parse().expect("d"),
            change: Change::Open { starts: 10 * 60, ends: 12 * 60 },
        });
        let extra = Opening { starts_at: at(&zone, "2026-12-10", "10:00"), ends_at: at(&zone, "2026-12-10", "12:00") };
        assert_eq!(schedule.now(at(&zone, "2026-12-09", "14:00")), Now::Closed(Some(extra)));
        assert_eq!(schedule.now(at(&zone, "2026-12-10", "11:00")), Now::Open(extra));
        assert_eq!(exception_label(&schedule.exceptions[0], Lang::Ja), "12月9日（水）はお休み");
        assert_eq!(exception_label(&schedule.exceptions[1], Lang::Ja), "12月10日（木） 10:00〜12:00 も開きます");
        assert_eq!(exception_label(&schedule.exceptions[0], Lang::En), "Closed on Wed 9 Dec");
        assert_eq!(exception_label(&schedule.exceptions[1], Lang::En), "Also open on Thu 10 Dec, 10:00–12:00");
        // Only days marked closed, no rules: open all day otherwise, midnight to midnight joined.
        let holidays =
            Schedule { rules: Vec::new(), exceptions: vec![schedule.exceptions[0].clone()], zone: zone.clone() };
        assert!(!holidays.now(at(&zone, "2026-12-09", "12:00")).is_open());
        match holidays.now(at(&zone, "2026-12-08", "23:00")) {
            Now::Open(opening) => assert_eq!(opening.ends_at, at(&zone, "2026-12-09", "0:00")),
            other => panic!("open until the closed day, not {other:?}"),
        }
        match holidays.now(at(&zone, "2026-12-10", "09:00")) {
            Now::Open(opening) => assert!(opening.ends_at >= at(&zone, "2027-01-01", "0:00"), "joined across days"),
            other => panic!("open, not {other:?}"),
        }
    }

    #[test]
    fn no_hours_means_always_open_and_rules_read_in_the_citys_zone() {
        let empty = Schedule { rules: Vec::new(), exceptions: Vec::new(), zone: tokyo() };
        assert_eq!(empty.now(0), Now::Always);
        // The same rule in New York follows its summer time: 13:00 local is 17:00 or 18:00 UTC.
        let new_york = TimeZone::get("America/New_York").expect("zone");
        let every_wednesday =
            Schedule { rules: vec![rule(3, &[], "13:00", "14:00")], exceptions: Vec::new(), zone: new_york.clone() };
        let utc = TimeZone::UTC;
        assert!(every_wednesday.now(at(&utc, "2026-07-01", "17:30")).is_open(), "EDT");
        assert!(!every_wednesday.now(at(&utc, "2026-12-02", "17:30")).is_open(), "EST: not yet");
        assert!(every_wednesday.now(at(&utc, "2026-12-02", "18:30")).is_open(), "EST");
        assert_eq!(rule_label(&rule(3, &[2, 3, 4], "13:00", "21:00"), Lang::Ja), "第2・3・4水曜 13:00〜21:00");
        assert_eq!(rule_label(&rule(6, &[], "10:00", "18:00"), Lang::Ja), "毎週土曜 10:00〜18:00");
        assert_eq!(
            rule_label(&rule(3, &[2, 3, 4], "13:00", "21:00"), Lang::En),
            "2nd, 3rd and 4th Wednesday of the month, 13:00–21:00"
        );
        assert_eq!(rule_label(&rule(6, &[], "10:00", "18:00"), Lang::En), "Every Saturday, 10:00–18:00");
    }
}
