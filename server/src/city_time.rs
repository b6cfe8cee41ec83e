//! The city's clock: its offset from UTC and how times read in Japanese
//! (「11月25日（水）14:00」), for booth times, programs and open hours.

/// The city's offset from UTC in seconds (Asia/Tokyo: +9 hours, no summer time).
pub const CITY_OFFSET_SECONDS: i64 = 9 * 3600;

/// The city's date of a Unix time, as days since 1970-01-01.
pub fn city_day(unix: i64) -> i64 {
    (unix + CITY_OFFSET_SECONDS).div_euclid(86_400)
}

/// Year, month and day of a count of days since 1970-01-01 (proleptic Gregorian).
pub fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// 「11月25日（水）14:00」 in the city's time.
pub fn city_label(unix: i64) -> String {
    let local = unix + CITY_OFFSET_SECONDS;
    let days = local.div_euclid(86_400);
    let (_, month, day) = civil_date(days);
    let weekday = ["日", "月", "火", "水", "木", "金", "土"][(days + 4).rem_euclid(7) as usize];
    format!("{month}月{day}日（{weekday}）{}", city_time(unix))
}

/// 「14:00」 in the city's time.
pub fn city_time(unix: i64) -> String {
    let seconds = (unix + CITY_OFFSET_SECONDS).rem_euclid(86_400);
    format!("{:02}:{:02}", seconds / 3600, seconds % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_the_citys_clock() {
        // 2026-11-25 05:00 UTC is 14:00 in Tokyo, a Wednesday.
        let at = 1_795_582_800;
        assert_eq!(city_label(at), "11月25日（水）14:00");
        assert_eq!(city_time(at + 50 * 60), "14:50");
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(19_782), (2024, 2, 29));
    }
}
