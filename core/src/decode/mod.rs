//! Transparent decompression of response bodies (gzip, brotli, zstd), with the decompression-bomb bound.
//!
//! Decoded here rather than by reqwest so that the compressed bytes taken from the network and the
//! decoded bytes handed to the caller can both be counted: the bound is on their ratio. The decoder
//! reads the body as a stream and hands each decoded piece over as soon as it is decoded, so a
//! compressed body streams as an uncompressed one does.

use crate::error::{from_reqwest, Error};
use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder};
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt as _, TryStreamExt as _};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, RANGE};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::AsyncRead;
use tokio_util::io::{ReaderStream, StreamReader};

mod zstd;

/// The `Accept-Encoding` the client sends when it decodes: only what it can decode, the same on every
/// platform (zstd is decoded in Rust, see [`zstd`]).
pub(crate) const ACCEPTED: &str = "gzip, br, zstd";

/// The most a decoded piece holds: the bound is checked after each one, so a bomb is refused after at
/// most this much beyond the bound.
const PIECE: usize = 16 * 1024;

/// How far a compressed response body may expand when it is decoded.
///
/// The default lets a body expand to [`DecodeLimits::DEFAULT_MAX_RATIO`] times the compressed bytes
/// received, plus [`DecodeLimits::DEFAULT_ALLOWANCE`], with no absolute cap: deflate itself cannot
/// expand more than about 1032:1, so no gzip body and no ordinary JSON or HTML is refused, while a
/// brotli or zstd bomb (1 KiB to 1 GiB and beyond) is refused after about 2 MiB of output. A body that
/// crosses the bound fails with [`Error::DecodedBodyTooLarge`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    max_ratio: u64,
    allowance: u64,
    max_size: Option<u64>,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_ratio: Self::DEFAULT_MAX_RATIO,
            allowance: Self::DEFAULT_ALLOWANCE,
            max_size: None,
        }
    }
}

impl DecodeLimits {
    /// The default maximum expansion: decoded bytes per compressed byte received.
    pub const DEFAULT_MAX_RATIO: u64 = 1024;
    /// The decoded bytes always allowed, whatever the ratio (small bodies compress far better than
    /// large ones).
    pub const DEFAULT_ALLOWANCE: u64 = 1024 * 1024;

    /// The maximum expansion ratio (default 1024; at least 1).
    pub fn max_ratio(mut self, ratio: u64) -> DecodeLimits {
        self.max_ratio = ratio.max(1);
        self
    }

    /// An absolute cap on a decoded body's size, whatever its ratio (default none).
    pub fn max_size(mut self, size: Option<u64>) -> DecodeLimits {
        self.max_size = size;
        self
    }

    /// Whether `decoded` bytes from `compressed` bytes are within the bound.
    fn allows(&self, decoded: u64, compressed: u64) -> bool {
        let by_ratio = compressed.saturating_mul(self.max_ratio).saturating_add(self.allowance);
        decoded <= by_ratio && self.max_size.is_none_or(|max| decoded <= max)
    }

    /// The bound as text, for the error.
    fn describe(&self) -> String {
        let ratio = format!("{}:1 plus {} bytes", self.max_ratio, self.allowance);
        match self.max_size {
            Some(max) => format!("{ratio}, at most {max} bytes"),
            None => ratio,
        }
    }
}

/// The content codings the client decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Brotli,
    Zstd,
}

impl Coding {
    /// The coding of a `Content-Encoding` value: exactly one coding the client decodes, or none (the
    /// body is then handed over as it came, headers included, as OkHttp does).
    fn of(value: &HeaderValue) -> Option<Coding> {
        let value = value.to_str().ok()?.trim();
        if value.eq_ignore_ascii_case("gzip") || value.eq_ignore_ascii_case("x-gzip") {
            Some(Coding::Gzip)
        } else if value.eq_ignore_ascii_case("br") {
            Some(Coding::Brotli)
        } else if value.eq_ignore_ascii_case("zstd") {
            Some(Coding::Zstd)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }
}

/// Adds `Accept-Encoding` to a request the client will decode the response of, and says whether it
/// will: not when the caller set `Accept-Encoding` itself (it then gets the body as sent) or asks for a
/// range (a range of compressed bytes cannot be decoded alone).
pub(crate) fn offer(headers: &mut HeaderMap) -> bool {
    if headers.contains_key(ACCEPT_ENCODING) || headers.contains_key(RANGE) {
        return false;
    }
    headers.insert(ACCEPT_ENCODING, HeaderValue::from_static(ACCEPTED));
    true
}

/// A response body being decoded.
pub(crate) struct Decoded {
    stream: BoxStream<'static, Result<Bytes, Error>>,
    /// The headers the caller sees: without `Content-Encoding` and `Content-Length`, which describe the
    /// compressed body.
    headers: HeaderMap,
    status: reqwest::StatusCode,
    version: reqwest::Version,
    url: reqwest::Url,
}

impl std::fmt::Debug for Decoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoded").field("url", &self.url.as_str()).finish()
    }
}

/// The coding to decode the response's body from: its `Content-Encoding` when that is one the client
/// decodes and the response has a body (the cost for an uncompressed response: one header lookup).
pub(crate) fn coding(response: &reqwest::Response) -> Option<Coding> {
    let coding = response.headers().get(CONTENT_ENCODING).and_then(Coding::of)?;
    has_body(response).then_some(coding)
}

/// The response, its body being decoded from `coding`.
pub(crate) fn decode(response: reqwest::Response, coding: Coding, limits: DecodeLimits) -> Decoded {
    let mut headers = response.headers().clone();
    headers.remove(CONTENT_ENCODING);
    headers.remove(CONTENT_LENGTH);
    let status = response.status();
    let version = response.version();
    let url = response.url().clone();

    let compressed = Arc::new(AtomicU64::new(0));
    let counted = compressed.clone();
    let raw = response
        .bytes_stream()
        .inspect_ok(move |chunk| {
            counted.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        })
        .map_err(std::io::Error::other);
    let reader = StreamReader::new(raw);
    let decoder: Box<dyn AsyncRead + Send + Unpin> = match coding {
        Coding::Gzip => {
            let mut gzip = GzipDecoder::new(reader);
            // Several gzip members one after another are one body (RFC 1952), as browsers read them.
            gzip.multiple_members(true);
            Box::new(gzip)
        }
        Coding::Brotli => Box::new(BrotliDecoder::new(reader)),
        Coding::Zstd => Box::new(zstd::ZstdDecoder::new(reader)),
    };
    let stream = Bounded {
        pieces: ReaderStream::with_capacity(decoder, PIECE),
        compressed,
        decoded: 0,
        limits,
        coding,
        url: url.clone(),
        done: false,
    };
    Decoded {
        stream: stream.boxed(),
        headers,
        status,
        version,
        url,
    }
}

/// Whether a response carries a body to decode (a `HEAD` response, `204` or `304` announces a
/// compressed body it does not carry).
fn has_body(response: &reqwest::Response) -> bool {
    let status = response.status();
    !(status == reqwest::StatusCode::NO_CONTENT
        || status == reqwest::StatusCode::NOT_MODIFIED
        || status.is_informational()
        || response.content_length() == Some(0))
}

impl Decoded {
    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub(crate) fn status(&self) -> reqwest::StatusCode {
        self.status
    }

    pub(crate) fn version(&self) -> reqwest::Version {
        self.version
    }

    pub(crate) fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// The next decoded piece, `None` at the end. Cancel-safe: dropping the future loses nothing.
    pub(crate) async fn next(&mut self) -> Option<Result<Bytes, Error>> {
        self.stream.next().await
    }
}

/// The decoded pieces, checked against the bound as they come; ends after its first error.
struct Bounded<S> {
    pieces: S,
    compressed: Arc<AtomicU64>,
    decoded: u64,
    limits: DecodeLimits,
    coding: Coding,
    url: reqwest::Url,
    done: bool,
}

impl<S> Stream for Bounded<S>
where
    S: Stream<Item = std::io::Result<Bytes>> + Unpin,
{
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let item = match std::task::ready!(self.pieces.poll_next_unpin(cx)) {
            None => None,
            Some(Ok(piece)) => {
                self.decoded += piece.len() as u64;
                let compressed = self.compressed.load(Ordering::Relaxed);
                if self.limits.allows(self.decoded, compressed) {
                    Some(Ok(piece))
                } else {
                    Some(Err(Error::DecodedBodyTooLarge {
                        url: self.url.to_string(),
                        decoded: self.decoded,
                        compressed,
                        limit: self.limits.describe(),
                    }))
                }
            }
            Some(Err(e)) => Some(Err(self.error(e))),
        };
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        Poll::Ready(item)
    }
}

impl<S> Bounded<S> {
    /// A failure of the network (reqwest's error, mapped as any other) or of the compressed data.
    fn error(&self, error: std::io::Error) -> Error {
        let url = self.url.as_str();
        match error.into_inner().map(|inner| inner.downcast::<reqwest::Error>()) {
            Some(Ok(network)) => from_reqwest(*network, url),
            Some(Err(inner)) => self.corrupt(&inner.to_string()),
            None => self.corrupt("the data ended early"),
        }
    }

    fn corrupt(&self, detail: &str) -> Error {
        Error::Protocol {
            url: self.url.to_string(),
            detail: format!("{} body could not be decoded: {detail}", self.coding.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_allows_the_allowance_then_the_ratio() {
        let limits = DecodeLimits::default();
        assert!(limits.allows(DecodeLimits::DEFAULT_ALLOWANCE, 0));
        assert!(!limits.allows(DecodeLimits::DEFAULT_ALLOWANCE + 1, 0));
        assert!(limits.allows(DecodeLimits::DEFAULT_ALLOWANCE + 1024 * 10, 10));
        assert!(!limits.allows(DecodeLimits::DEFAULT_ALLOWANCE + 1024 * 10 + 1, 10));
        let capped = limits.max_size(Some(100));
        assert!(capped.allows(100, 1));
        assert!(!capped.allows(101, 1_000_000));
        assert!(DecodeLimits::default()
            .max_ratio(0)
            .allows(DecodeLimits::DEFAULT_ALLOWANCE + 5, 5));
    }

    #[test]
    fn only_single_known_codings_are_decoded() {
        let of = |v: &'static str| Coding::of(&HeaderValue::from_static(v));
        assert_eq!(of("gzip"), Some(Coding::Gzip));
        assert_eq!(of(" X-GZIP "), Some(Coding::Gzip));
        assert_eq!(of("br"), Some(Coding::Brotli));
        assert_eq!(of("zstd"), Some(Coding::Zstd));
        assert_eq!(of("gzip, br"), None);
        assert_eq!(of("deflate"), None);
        assert_eq!(of("identity"), None);
    }

    #[test]
    fn accept_encoding_is_offered_unless_the_caller_chose_or_asked_for_a_range() {
        let mut headers = HeaderMap::new();
        assert!(offer(&mut headers));
        assert_eq!(headers[ACCEPT_ENCODING], ACCEPTED);
        let mut own = HeaderMap::new();
        own.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        assert!(!offer(&mut own));
        assert_eq!(own[ACCEPT_ENCODING], "gzip");
        let mut range = HeaderMap::new();
        range.insert(RANGE, HeaderValue::from_static("bytes=0-9"));
        assert!(!offer(&mut range));
        assert!(!range.contains_key(ACCEPT_ENCODING));
    }
}
