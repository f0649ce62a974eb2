//! Routes for compressed bodies and cookies (registered by one line in the server's router).
//!
//! - `/compressed/<n>`: the `/pattern/<n>` body, encoded with the first of `gzip`, `br`, `zstd` that the
//!   request's `Accept-Encoding` lists (in its order), sent in 16 KiB frames with `Content-Encoding`
//!   and `Content-Length`; as it is when none is accepted. `?coding=<token>`: that coding, if accepted.
//!   `?gated`: the first half, flushed, then nothing more until the gate opens (`/open-gate`), so a
//!   client that decodes the whole body before handing any over never opens it (a zstd body so gated
//!   has a 16 KiB window). `x-decoded-length` is `n`.
//! - `/bomb/<coding>`: 1 GiB of zeros as `gzip`, `br` or `zstd` (if accepted): a decompression bomb.
//!   [`bomb_body`] says how small each is.
//! - `/zstd/...`: zstd bodies made for the decoder, see [`crate::zstd_frames`].
//! - `/cookies/login?to=<url>`: `302` to `<url>` (default `/cookies/echo`) setting `session=s3cr3t;
//!   Path=/; HttpOnly`.
//! - `/cookies/set?c=<Set-Cookie>&c=...`: `200`, one `Set-Cookie` per `c` (URL-encoded).
//! - `/cookies/echo`: the request's `Cookie` header, as text (empty when none).

use crate::server::{Body, Shared};
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, COOKIE, LOCATION, SET_COOKIE};
use hyper::{HeaderMap, Response, StatusCode};
use std::convert::Infallible;
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

/// A content coding the server can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    /// gzip (deflate inside).
    Gzip,
    /// brotli.
    Brotli,
    /// Zstandard.
    Zstd,
}

impl Coding {
    /// Every coding, in the server's order of preference when the client's header names several
    /// with no order of its own.
    pub const ALL: [Coding; 3] = [Coding::Gzip, Coding::Brotli, Coding::Zstd];

    /// Its `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }

    /// `data` encoded whole.
    pub fn encode(self, data: &[u8]) -> Vec<u8> {
        let mut encoder = Encoder::new(self);
        encoder.write(data);
        encoder.finish()
    }
}

/// An encoder that can be flushed part way (so a prefix of the body decodes on its own).
enum Encoder {
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

impl Encoder {
    fn new(coding: Coding) -> Encoder {
        match coding {
            Coding::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast())),
            Coding::Brotli => Encoder::Brotli(Box::new(brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22))),
            Coding::Zstd => Encoder::Zstd(zstd::stream::write::Encoder::new(Vec::new(), 3).expect("zstd encoder")),
        }
    }

    fn write(&mut self, data: &[u8]) {
        let result = match self {
            Encoder::Gzip(e) => e.write_all(data),
            Encoder::Brotli(e) => e.write_all(data),
            Encoder::Zstd(e) => e.write_all(data),
        };
        result.expect("encoding into memory");
    }

    /// Flushes what was written so far and takes the output.
    fn flush(&mut self) -> Vec<u8> {
        let out = match self {
            Encoder::Gzip(e) => e.flush().map(|()| e.get_mut()),
            Encoder::Brotli(e) => e.flush().map(|()| e.get_mut()),
            Encoder::Zstd(e) => e.flush().map(|()| e.get_mut()),
        };
        std::mem::take(out.expect("encoding into memory"))
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Encoder::Gzip(e) => e.finish().expect("encoding into memory"),
            Encoder::Brotli(e) => e.into_inner(),
            Encoder::Zstd(e) => e.finish().expect("encoding into memory"),
        }
    }
}

/// The coding to answer with: `wanted` if the request's `Accept-Encoding` lists it, else the first
/// coding it lists that the server knows.
fn negotiate(headers: &HeaderMap, wanted: Option<&str>) -> Option<Coding> {
    let accepted = headers.get(ACCEPT_ENCODING)?.to_str().ok()?;
    let mut listed = accepted
        .split(',')
        .map(|token| token.split(';').next().unwrap_or("").trim())
        .filter_map(|token| Coding::ALL.into_iter().find(|c| c.token().eq_ignore_ascii_case(token)));
    match wanted {
        Some(wanted) => listed.find(|c| c.token() == wanted),
        None => listed.next(),
    }
}

/// The `/pattern/<n>` body: byte `i` is `i % 251`.
pub fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

/// Bytes of zeros a bomb decodes to.
pub const BOMB_SIZE: u64 = 1 << 30;

/// The bomb in `coding`: 1 GiB of zeros, made once per process. gzip (deflate at most ~1032:1) is
/// about 1 MiB, zstd (a run-length block per 128 KiB) about 40 KiB, brotli about 1 KiB.
pub fn bomb_body(coding: Coding) -> Bytes {
    static BOMBS: [OnceLock<Bytes>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let index = Coding::ALL.iter().position(|c| *c == coding).expect("a coding of ALL");
    BOMBS[index]
        .get_or_init(|| {
            const PIECE: usize = 1 << 20;
            let zeros = vec![0u8; PIECE];
            let mut out = Vec::new();
            match coding {
                // Several gzip members (zstd frames) one after another are one body: encode 1 MiB
                // (64 MiB) once and repeat it, instead of compressing a whole GiB.
                Coding::Gzip => {
                    let member = {
                        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                        e.write_all(&zeros).expect("encoding into memory");
                        e.finish().expect("encoding into memory")
                    };
                    for _ in 0..BOMB_SIZE / PIECE as u64 {
                        out.extend_from_slice(&member);
                    }
                }
                Coding::Zstd => {
                    let mut e = zstd::stream::write::Encoder::new(Vec::new(), 1).expect("zstd encoder");
                    for _ in 0..64 {
                        e.write_all(&zeros).expect("encoding into memory");
                    }
                    let frame = e.finish().expect("encoding into memory");
                    for _ in 0..BOMB_SIZE / (64 * PIECE as u64) {
                        out.extend_from_slice(&frame);
                    }
                }
                Coding::Brotli => {
                    let mut e = brotli::CompressorWriter::new(Vec::new(), 64 * 1024, 3, 24);
                    for _ in 0..BOMB_SIZE / PIECE as u64 {
                        e.write_all(&zeros).expect("encoding into memory");
                    }
                    out = e.into_inner();
                }
            }
            Bytes::from(out)
        })
        .clone()
}

fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into()).map_err(|never| match never {}).boxed()
}

const FRAME: usize = 16 * 1024;

/// An empty body frame sent once the gate opens (`/open-gate`): what a gated body waits on.
pub(crate) fn gate(shared: &Arc<Shared>) -> impl futures_util::Stream<Item = Result<Frame<Bytes>, Infallible>> + Send {
    let gate = shared.clone();
    stream::once(async move {
        loop {
            let notified = gate.gate.notified();
            if gate.gate_open.load(Ordering::SeqCst) {
                break;
            }
            notified.await;
        }
        Ok(Frame::data(Bytes::new()))
    })
}

/// `data` in body frames of 16 KiB.
pub(crate) fn frames(data: Bytes) -> impl futures_util::Stream<Item = Result<Frame<Bytes>, Infallible>> + Send {
    stream::iter(
        (0..data.len().div_ceil(FRAME))
            .map(move |i| Ok(Frame::data(data.slice(i * FRAME..data.len().min((i + 1) * FRAME))))),
    )
}

fn encoded(coding: Option<Coding>, length: Option<usize>, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    if let Some(coding) = coding {
        response
            .headers_mut()
            .insert(CONTENT_ENCODING, coding.token().parse().expect("token"));
    }
    if let Some(length) = length {
        response.headers_mut().insert(CONTENT_LENGTH, length.into());
    }
    response
}

/// Query parameters, decoded.
fn params(query: &str) -> Vec<(String, String)> {
    pinwire::http::Url::parse(&format!("http://q/?{query}"))
        .map(|url| {
            url.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The response for the routes of this module, or `None` for a path that is not one of them.
pub(crate) fn route(parts: &[&str], query: &str, headers: &HeaderMap, shared: &Arc<Shared>) -> Option<Response<Body>> {
    if let Some(response) = crate::zstd_frames::route(parts, shared) {
        return Some(response);
    }
    let response = match parts {
        ["compressed", n] => {
            let n: usize = n.parse().unwrap_or(0);
            let body = pattern(n);
            let params = params(query);
            let wanted = params.iter().find(|(k, _)| k == "coding").map(|(_, v)| v.as_str());
            let gated = params.iter().any(|(k, _)| k == "gated");
            let mut response = match negotiate(headers, wanted) {
                None => encoded(None, Some(n), BodyExt::boxed(StreamBody::new(frames(body.into())))),
                Some(coding) if gated => {
                    let mut encoder = Encoder::new(coding);
                    // A zstd decoder may hold back up to one window of output until more follows
                    // (Pinwire's does): a 16 KiB window lets most of the first half through.
                    if let Encoder::Zstd(e) = &mut encoder {
                        e.window_log(14).expect("window log");
                    }
                    encoder.write(&body[..n / 2]);
                    let head = Bytes::from(encoder.flush());
                    encoder.write(&body[n / 2..]);
                    let tail = Bytes::from(encoder.finish());
                    let stream = frames(head).chain(gate(shared)).chain(frames(tail));
                    encoded(Some(coding), None, BodyExt::boxed(StreamBody::new(stream)))
                }
                Some(coding) => {
                    let data = Bytes::from(coding.encode(&body));
                    let length = data.len();
                    encoded(
                        Some(coding),
                        Some(length),
                        BodyExt::boxed(StreamBody::new(frames(data))),
                    )
                }
            };
            response.headers_mut().insert("x-decoded-length", n.into());
            response
        }
        ["bomb", coding] => match negotiate(headers, Some(coding)) {
            Some(coding) => {
                let data = bomb_body(coding);
                let length = data.len();
                encoded(
                    Some(coding),
                    Some(length),
                    BodyExt::boxed(StreamBody::new(frames(data))),
                )
            }
            None => Response::builder()
                .status(StatusCode::NOT_ACCEPTABLE)
                .body(full("a bomb needs Accept-Encoding"))
                .expect("response"),
        },
        ["cookies", "login"] => {
            let to = params(query)
                .into_iter()
                .find(|(k, _)| k == "to")
                .map_or_else(|| "/cookies/echo".to_string(), |(_, v)| v);
            Response::builder()
                .status(StatusCode::FOUND)
                .header(LOCATION, to)
                .header(SET_COOKIE, "session=s3cr3t; Path=/; HttpOnly")
                .body(full(""))
                .ok()?
        }
        ["cookies", "set"] => {
            let mut response = Response::builder().status(StatusCode::OK);
            for (_, cookie) in params(query).into_iter().filter(|(k, _)| k == "c") {
                response = response.header(SET_COOKIE, cookie);
            }
            response.body(full("ok")).ok()?
        }
        ["cookies", "echo"] => {
            let cookie = headers
                .get(COOKIE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            Response::new(full(cookie))
        }
        _ => return None,
    };
    Some(response)
}
