//! Attribute values read as Android reads them.
//!
//! Android's resource compiler turns `true`/`false` (in three spellings) and integers into typed
//! values; `XmlResourceParser.getAttributeBooleanValue` reads those (an integer is true when not 0)
//! and returns its default for anything else, such as a build placeholder left in the file
//! (`${isDebug}`). NSC's `expiration` goes through `SimpleDateFormat("yyyy-MM-dd")` with leniency off.

use time::{Date, Month};

/// How Android reads a boolean attribute.
pub(super) enum AndroidBool {
    /// `true` or `false` as written.
    Plain(bool),
    /// An integer: true when not 0.
    Integer(bool),
    /// Not a typed value: Android uses the attribute's default.
    Default,
}

pub(super) fn android_bool(text: &str) -> AndroidBool {
    let t = text.trim();
    match t {
        "true" | "TRUE" | "True" => return AndroidBool::Plain(true),
        "false" | "FALSE" | "False" => return AndroidBool::Plain(false),
        _ => {}
    }
    let digits = t.strip_prefix('-').unwrap_or(t);
    let parsed = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => digits.parse::<i64>().ok(),
        None => None,
    };
    match parsed {
        Some(n) => AndroidBool::Integer(n != 0),
        None => AndroidBool::Default,
    }
}

/// TrustKit-Android reads its own attributes with `Boolean.parseBoolean`: `true` in any case is true,
/// anything else false.
pub(super) fn java_parse_boolean(text: &str) -> bool {
    text.eq_ignore_ascii_case("true")
}

/// The date `SimpleDateFormat("yyyy-MM-dd")` with `setLenient(false)` parses from `text`, and whether
/// the text is exactly the canonical `yyyy-MM-dd`. Each number may have any count of digits after
/// optional spaces or tabs (`2030-1-1`); text after the day is ignored (`2030-01-01T12:00`); the
/// calendar must hold the day. Years after 9999 are refused: no instant past them is representable.
pub(super) fn android_date(text: &str) -> Option<(Date, bool)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let number = |at: &mut usize| -> Option<u32> {
        while *at < bytes.len() && (bytes[*at] == b' ' || bytes[*at] == b'\t') {
            *at += 1;
        }
        let start = *at;
        while *at < bytes.len() && bytes[*at].is_ascii_digit() && *at - start < 9 {
            *at += 1;
        }
        if *at == start || (*at < bytes.len() && bytes[*at].is_ascii_digit()) {
            return None;
        }
        text[start..*at].parse().ok()
    };
    let year = number(&mut at)?;
    (bytes.get(at) == Some(&b'-')).then_some(())?;
    at += 1;
    let month = number(&mut at)?;
    (bytes.get(at) == Some(&b'-')).then_some(())?;
    at += 1;
    let day = number(&mut at)?;
    if !(1..=9999).contains(&year) {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    let canonical = text == format!("{year:04}-{:02}-{day:02}", u8::from(month));
    Some((date, canonical))
}
