//! Calendar arithmetic for log timestamps (UTC, proleptic Gregorian),
//! after Howard Hinnant's `days_from_civil` / `civil_from_days`.

/// Days since 1970-01-01 of a civil date; `None` for an impossible date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Seconds of a `HH:MM:SS` time of day.
pub(crate) fn seconds_of_day(text: &str) -> Option<i64> {
    let mut parts = text.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    let valid = parts.next().is_none()
        && (0..24).contains(&h)
        && (0..60).contains(&m)
        && (0..61).contains(&s);
    valid.then_some(h * 3600 + m * 60 + s)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The month number of an English three-letter abbreviation.
pub(crate) fn month_number(abbreviation: &str) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| *m == abbreviation)
        .map(|i| i as u32 + 1)
}

/// The English three-letter abbreviation of a month number.
pub(crate) fn month_abbreviation(month: u32) -> &'static str {
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}

/// `YYYY-MM-DD HH:MM` (UTC) of Unix seconds.
pub(crate) fn format_minute(unix: i64) -> String {
    let (y, mo, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!("{y:04}-{mo:02}-{d:02} {:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC) of Unix seconds.
pub(crate) fn format_rfc3339(unix: i64) -> String {
    let (y, mo, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Unix seconds of an RFC 3339 date-time (`2026-11-30T02:40:07Z`,
/// `2026-11-30 02:40:07.25+01:00`); fractions of a second are dropped.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    let date = text.get(..10)?;
    let separator = text.get(10..11)?;
    if !matches!(separator, "T" | "t" | " ") {
        return None;
    }
    let clock = text.get(11..19)?;
    let well_formed = clock.bytes().enumerate().all(|(i, b)| {
        if i == 2 || i == 5 {
            b == b':'
        } else {
            b.is_ascii_digit()
        }
    });
    if !well_formed {
        return None;
    }
    let mut rest = text.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = fraction.get(digits..)?;
    }
    let days = civil_date(date)?;
    Some(days * 86_400 + seconds_of_day(clock)? - zone_seconds(rest)?)
}

/// Days since 1970-01-01 of `YYYY-MM-DD`.
fn civil_date(date: &str) -> Option<i64> {
    let bytes = date.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        let part = date.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse::<u32>().ok())?
    };
    days_from_civil(i64::from(number(0..4)?), number(5..7)?, number(8..10)?)
}

/// Seconds east of UTC of `Z` or `+hh:mm` / `-hh:mm`.
fn zone_seconds(zone: &str) -> Option<i64> {
    if zone.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = zone.get(1..)?.split_once(':')?;
    let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates_across_eras_and_leap_days() {
        let table = [
            ((1970, 1, 1), 0),
            ((2000, 2, 29), 11_016),
            ((2026, 11, 22), 20_779),
            ((1969, 12, 31), -1),
        ];
        for ((y, m, d), days) in table {
            assert_eq!(days_from_civil(y, m, d), Some(days), "{y}-{m}-{d}");
            assert_eq!(civil_from_days(days), (y, m, d));
        }
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), Some(days));
        }
    }

    #[test]
    fn rejects_impossible_dates_and_times() {
        assert_eq!(days_from_civil(2026, 2, 29), None);
        assert_eq!(days_from_civil(2026, 13, 1), None);
        assert_eq!(days_from_civil(2026, 4, 31), None);
        assert_eq!(seconds_of_day("24:00:00"), None);
        assert_eq!(seconds_of_day("12:00"), None);
        assert_eq!(seconds_of_day("01:02:03"), Some(3723));
        assert_eq!(format_minute(1_795_305_600), "2026-11-22 00:00");
    }

    #[test]
    fn reads_rfc3339_date_times() {
        let table = [
            ("2026-11-22T00:00:00Z", Some(1_795_305_600)),
            ("2026-11-22t00:00:07z", Some(1_795_305_607)),
            ("2026-11-22 00:00:07.125Z", Some(1_795_305_607)),
            ("2026-11-22T01:30:00+01:30", Some(1_795_305_600)),
            ("2026-11-21T23:00:00-01:00", Some(1_795_305_600)),
            ("2026-11-22T00:00:00", None),
            ("2026-11-22T00:00:00.Z", None),
            ("2026-11-22T00:00:00+0100", None),
            ("2026-11-31T00:00:00Z", None),
            ("2026-11-22T24:00:00Z", None),
            ("+026-11-22T00:00:00Z", None),
            ("2026-11-22", None),
            ("2026-11-22T00:00:00Zjunk", None),
            ("2026-11-22T00:00:0é", None),
            ("2026-11-22T+1:02:03Z", None),
            ("", None),
        ];
        for (text, unix) in table {
            assert_eq!(parse_rfc3339(text), unix, "{text}");
        }
        assert_eq!(format_rfc3339(1_795_305_607), "2026-11-22T00:00:07Z");
        assert_eq!(parse_rfc3339(&format_rfc3339(-1)), Some(-1));
    }
}
