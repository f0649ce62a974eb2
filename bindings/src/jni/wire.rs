//! What crosses to Kotlin as bytes: the response head and errors, in UniFFI's own serialization, read
//! on the Kotlin side by the converters UniFFI generates (so an error is mapped to an exception in the
//! one place that maps UniFFI's).

use crate::client::Header;
use crate::error::PinwireError;
use crate::UniFfiTag;
use uniffi::Lower;

/// Status, version, final URL, headers, whether more body follows, then the start of the body.
pub(super) fn head(response: &pinwire::Response, body_start: &[u8], more: bool) -> Vec<u8> {
    let headers: Vec<Header> = response
        .headers()
        .iter()
        .map(|(name, value)| Header {
            name: name.to_string(),
            value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
        })
        .collect();
    let mut out = Vec::with_capacity(256 + body_start.len());
    <u16 as Lower<UniFfiTag>>::write(response.status().as_u16(), &mut out);
    <String as Lower<UniFfiTag>>::write(format!("{:?}", response.version()), &mut out);
    <String as Lower<UniFfiTag>>::write(response.url().to_string(), &mut out);
    <Vec<Header> as Lower<UniFfiTag>>::write(headers, &mut out);
    <bool as Lower<UniFfiTag>>::write(more, &mut out);
    out.extend_from_slice(body_start);
    out
}

/// An error as UniFFI would hand it to Kotlin.
pub(super) fn error(error: PinwireError) -> Vec<u8> {
    let mut out = Vec::new();
    <PinwireError as Lower<UniFfiTag>>::write(error, &mut out);
    out
}
