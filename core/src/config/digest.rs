//! Base64 pin digests read as each platform decodes them.
//!
//! Android's `android.util.Base64` (which the Network Security Config and TrustKit-Android use) skips
//! characters outside the alphabet, accepts a missing `=` padding and ignores the unused low bits of
//! the last digit. Apple's decoder (TrustKit) wants the padding but also ignores those bits. Every
//! such file is read as its platform reads it, and each liberty it takes is reported, with the
//! canonical form to write instead.

use crate::pin::{Pin, PIN_PREFIX};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A decoded digest and what was not canonical about its text.
pub(crate) struct Decoded {
    pub(crate) pin: Pin,
    /// One message per liberty taken, each ending with the canonical form; empty if canonical.
    pub(crate) notes: Vec<String>,
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The 6-bit values of the digits and the number of `=` after them, as Android's decoder reads the
/// text (other characters skipped). An `=` where Android's decoder stops with an error is an error.
fn android_digits(text: &str) -> Result<(Vec<u32>, usize, bool), String> {
    let mut digits = Vec::with_capacity(44);
    let mut padding = 0;
    let mut skipped_other = false;
    for c in text.bytes() {
        if c == b'=' {
            // Padding may only complete a final group of 2 or 3 digits: "xx==" or "xxx=".
            let in_group = digits.len() % 4;
            let allowed = match in_group {
                2 => 2,
                3 => 1,
                _ => 0,
            };
            if padding >= allowed {
                return Err("a '=' where base64 allows no padding".into());
            }
            padding += 1;
        } else if let Some(v) = value(c) {
            if padding > 0 {
                return Err("base64 digits after the '=' padding".into());
            }
            digits.push(v);
        } else if !c.is_ascii_whitespace() {
            skipped_other = true;
        }
    }
    if padding == 1 && digits.len() % 4 == 2 {
        // "xx=" without its second '=': Android's decoder ends in an error state.
        return Err("a base64 group ends with one '=' where two are needed".into());
    }
    Ok((digits, padding, skipped_other))
}

/// Bytes from 6-bit values, ignoring the unused low bits of an incomplete last group; whether those
/// bits were zero.
fn to_bytes(digits: &[u32]) -> Result<(Vec<u8>, bool), String> {
    if digits.len() % 4 == 1 {
        return Err("a single base64 digit cannot end the text".into());
    }
    let mut bytes = Vec::with_capacity(digits.len() * 3 / 4);
    let mut clean = true;
    for group in digits.chunks(4) {
        let mut n = 0u32;
        for (i, d) in group.iter().enumerate() {
            n |= d << (18 - 6 * i);
        }
        let out = group.len() - 1;
        for i in 0..out {
            bytes.push((n >> (16 - 8 * i)) as u8);
        }
        let used_bits = 8 * out;
        let mask = (1u32 << (24 - used_bits)) - 1;
        clean &= n & mask == 0;
    }
    Ok((bytes, clean))
}

fn digest(bytes: Vec<u8>) -> Result<Pin, String> {
    let len = bytes.len();
    let digest: [u8; 32] = bytes
        .try_into()
        .map_err(|_| format!("the digest decodes to {len} bytes; a SHA-256 digest has 32"))?;
    Ok(Pin::from_sha256(digest))
}

fn canonical(pin: &Pin) -> String {
    pin.digest_base64()
}

/// Decodes as `android.util.Base64.decode(text, DEFAULT)` does.
pub(crate) fn decode_android(text: &str) -> Result<Decoded, String> {
    let (digits, padding, skipped_other) = android_digits(text)?;
    let (bytes, clean) = to_bytes(&digits)?;
    let pin = digest(bytes)?;
    let form = canonical(&pin);
    let mut notes = Vec::new();
    if skipped_other {
        notes.push(format!(
            "holds characters outside base64, which Android skips: read as {form}"
        ));
    }
    if padding == 0 && digits.len() % 4 != 0 {
        notes.push(format!("lacks its '=' padding, which Android accepts: read as {form}"));
    }
    if !clean {
        notes.push(format!(
            "has stray low bits in its last base64 digit, which Android ignores: read as {form}"
        ));
    }
    Ok(Decoded { pin, notes })
}

/// Decodes as Apple's `NSData(base64Encoded:)` does: the alphabet and padding only, unused low bits
/// ignored.
pub(crate) fn decode_apple(text: &str) -> Result<Decoded, String> {
    // No trimming: Apple's decoder without options refuses whitespace, so TrustKit would too.
    if let Some(c) = text
        .chars()
        .find(|c| !c.is_ascii() || (value(*c as u8).is_none() && *c != '='))
    {
        return Err(format!("{c:?} is not a base64 character"));
    }
    let (digits, padding, _) = android_digits(text)?;
    if (digits.len() + padding) % 4 != 0 {
        return Err("base64 text must be padded with '=' to a multiple of 4 characters".into());
    }
    let (bytes, clean) = to_bytes(&digits)?;
    let pin = digest(bytes)?;
    let mut notes = Vec::new();
    if !clean {
        notes.push(format!(
            "has stray low bits in its last base64 digit, which Apple's decoder ignores: read as {}",
            canonical(&pin)
        ));
    }
    Ok(Decoded { pin, notes })
}

/// Whether `text` is a pin written with its `sha256/` prefix, where these files want the digest alone:
/// the prefix followed by a digest `decode` accepts. `sha256/` is itself base64, so a text that merely
/// starts with those characters but is not a prefixed digest is read as the digest it is, which keeps
/// every pin these files can hold writable back to them.
pub(crate) fn is_prefixed(text: &str, decode: fn(&str) -> Result<Decoded, String>) -> bool {
    text.strip_prefix(PIN_PREFIX).is_some_and(|rest| decode(rest).is_ok())
}
