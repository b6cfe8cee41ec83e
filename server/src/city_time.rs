//! The city's clock: its time zone (Asia/Tokyo unless `--time-zone` says otherwise) and how
//! times read in each language (「11月25日（水）14:00」, "Wed 25 Nov, 14:00"), for booth times,
//! programs, open hours and the staff pages.

use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The zone a city runs in when none is configured.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Tokyo";

static CITY_ZONE: OnceLock<TimeZone> = OnceLock::new();

/// Sets the city's time zone, once, at start (later calls change nothing).
pub fn set_city_zone(zone: TimeZone) {
    let _ = CITY_ZONE.set(zone);
}

/// The city's time zone.
pub fn city_zone() -> TimeZone {
    CITY_ZONE.get_or_init(|| TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(TimeZone::fixed(jiff::tz::offset(9)))).clone()
}

/// A zone by its IANA name (`Asia/Tokyo`), with a clear error.
pub fn zone_named(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name).map_err(|_| format!("--time-zone: not a time zone name (like Asia/Tokyo): {name}"))
}

fn zoned(unix: i64) -> jiff::ZonedDateTime {
    Timestamp::from_second(unix).unwrap_or(Timestamp::UNIX_EPOCH).to_zoned_datetime(city_zone())
}

/// The city's calendar day of a Unix time.
pub fn city_date(unix: i64) -> Date {
    zoned(unix).date()
}

/// The city's date of a Unix time, as days since 1970-01-01 (for comparing days).
pub fn city_day(unix: i64) -> i64 {
    let date = city_date(unix);
    i64::from(date.since(Date::constant(1970, 1, 1)).map_or(0, |span| span.get_days()))
}

/// 「11月25日（水）14:00」 or "Wed 25 Nov, 14:00" in the city's time, in `lang`.
pub fn city_label_in(unix: i64, lang: crate::lang::Lang) -> String {
    let day = crate::open_hours::rules::day_label_in(city_date(unix), lang);
    lang.fill("date.day_time", &[("day", &day), ("time", &city_time(unix))])
}

/// 「14:00」 in the city's time.
pub fn city_time(unix: i64) -> String {
    let at = zoned(unix);
    format!("{:02}:{:02}", at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_the_citys_clock() {
        // 2026-11-25 05:00 UTC is 14:00 in Tokyo, a Wednesday.
        let at = 1_795_582_800;
        assert_eq!(city_label_in(at, crate::lang::Lang::Ja), "11月25日（水）14:00");
        assert_eq!(city_label_in(at, crate::lang::Lang::En), "Wed 25 Nov, 14:00");
        assert_eq!(city_time(at + 50 * 60), "14:50");
        assert_eq!(city_day(0), 0);
        assert_eq!(city_day(at) - city_day(at - 86_400), 1);
        // 2024-02-29 00:30 in Tokyo is still the 28th in UTC.
        assert_eq!(city_date(1_709_134_200).to_string(), "2024-02-29");
        assert!(zone_named("Mars/Olympus").is_err());
    }
}
