//! Expiration dates as the file formats write them.

/// Parses a `yyyy-MM-dd` date strictly (four-digit year, two-digit month and day, a real calendar day).
pub(crate) fn parse_date(text: &str) -> Option<time::Date> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return None;
    }
    let year: i32 = text[0..4].parse().ok()?;
    let month: u8 = text[5..7].parse().ok()?;
    let day: u8 = text[8..10].parse().ok()?;
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// The `yyyy-MM-dd` text of an expiration instant, if it is exactly 00:00 UTC on a day with a 4-digit
/// year (the only instants NSC and TrustKit can express).
pub(crate) fn date_only(instant: time::OffsetDateTime) -> Option<String> {
    let utc = utc_in_range(instant)?;
    if utc.time() != time::Time::MIDNIGHT {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02}",
        utc.year(),
        u8::from(utc.month()),
        utc.day()
    ))
}

/// The instant in UTC, if its year there is 0 to 9999 (what RFC 3339 and `yyyy-MM-dd` can write).
pub(crate) fn utc_in_range(instant: time::OffsetDateTime) -> Option<time::OffsetDateTime> {
    // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z; checked on the timestamp, because
    // converting an instant near the limits to UTC could leave the range the time crate supports.
    const FIRST: i64 = -62_167_219_200;
    const LAST: i64 = 253_402_300_799;
    (FIRST..=LAST)
        .contains(&instant.unix_timestamp())
        .then(|| instant.to_offset(time::UtcOffset::UTC))
}
