//! zstd bodies made for the client's decoder: several frames, a skippable frame, a large window, a
//! truncated frame, trailing bytes, a bad checksum. Encoded by the C library (the `zstd` crate), an
//! encoder independent of the client's decoder. Each is sent with `Content-Encoding: zstd` (whatever
//! the request's `Accept-Encoding`) and `x-decoded-length`, in 16 KiB frames:
//!
//! - `/zstd/<case>/<n>`: the `/pattern/<n>` body as [`ZstdCase`] `<case>` (its [`ZstdCase::token`]).
//! - `/zstd/gated/<n>`: the first half as a whole frame, then nothing more until the gate opens
//!   (`/open-gate`), then the second half as a second frame.

use crate::content::{frames, gate, pattern};
use crate::server::{Body, Shared};
use bytes::Bytes;
use futures_util::stream::StreamExt;
use http_body_util::{BodyExt, StreamBody};
use hyper::header::CONTENT_ENCODING;
use hyper::Response;
use std::io::Write;
use std::sync::Arc;

/// A zstd body of the `/zstd/<case>/<n>` route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZstdCase {
    /// Three frames with a skippable frame between the first two: one body.
    Frames,
    /// One frame that declares a 128 MiB window (window log 27), more than HTTP decoders must support.
    LargeWindow,
    /// One frame that declares an 8 MiB window (window log 23), the most HTTP decoders must support.
    Window8Mib,
    /// One frame without its last 3 bytes.
    Truncated,
    /// One frame, then bytes that are not a frame.
    Trailing,
    /// One frame whose checksum does not match its content.
    BadChecksum,
}

impl ZstdCase {
    /// Every case.
    pub const ALL: [ZstdCase; 6] = [
        ZstdCase::Frames,
        ZstdCase::LargeWindow,
        ZstdCase::Window8Mib,
        ZstdCase::Truncated,
        ZstdCase::Trailing,
        ZstdCase::BadChecksum,
    ];

    /// Its name in the route.
    pub fn token(self) -> &'static str {
        match self {
            ZstdCase::Frames => "frames",
            ZstdCase::LargeWindow => "large-window",
            ZstdCase::Window8Mib => "window-8mib",
            ZstdCase::Truncated => "truncated",
            ZstdCase::Trailing => "trailing",
            ZstdCase::BadChecksum => "bad-checksum",
        }
    }

    /// `data` encoded as this case.
    pub fn encode(self, data: &[u8]) -> Vec<u8> {
        match self {
            ZstdCase::Frames => {
                let third = data.len() / 3;
                let mut out = zstd_frame(&data[..third], None, false);
                out.extend_from_slice(&skippable_frame(b"not content: skipped"));
                out.extend_from_slice(&zstd_frame(&data[third..2 * third], None, true));
                out.extend_from_slice(&zstd_frame(&data[2 * third..], None, false));
                out
            }
            ZstdCase::LargeWindow => zstd_frame(data, Some(27), false),
            ZstdCase::Window8Mib => zstd_frame(data, Some(23), false),
            ZstdCase::Truncated => {
                let mut out = zstd_frame(data, None, false);
                out.truncate(out.len().saturating_sub(3));
                out
            }
            ZstdCase::Trailing => {
                let mut out = zstd_frame(data, None, false);
                out.extend_from_slice(b"trailing garbage");
                out
            }
            ZstdCase::BadChecksum => {
                let mut out = zstd_frame(data, None, true);
                let last = out.len() - 1;
                out[last] ^= 0x5a;
                out
            }
        }
    }
}

/// One zstd frame holding `data` (level 3): its window `2^window_log` when given, declared as a
/// window (no content size, which would let the encoder shrink it), with a checksum when asked.
pub fn zstd_frame(data: &[u8], window_log: Option<u32>, checksum: bool) -> Vec<u8> {
    let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3).expect("zstd encoder");
    if let Some(log) = window_log {
        encoder.window_log(log).expect("window log");
    }
    encoder.include_checksum(checksum).expect("checksum flag");
    encoder.write_all(data).expect("encoding into memory");
    encoder.finish().expect("encoding into memory")
}

/// A skippable frame (RFC 8878, section 3.1.2) holding `content`.
pub fn skippable_frame(content: &[u8]) -> Vec<u8> {
    let mut out = 0x184D_2A53u32.to_le_bytes().to_vec();
    out.extend_from_slice(&u32::try_from(content.len()).expect("small").to_le_bytes());
    out.extend_from_slice(content);
    out
}

/// The response for `/zstd/...`, or `None` for another path.
pub(crate) fn route(parts: &[&str], shared: &Arc<Shared>) -> Option<Response<Body>> {
    let ["zstd", case, n] = parts else {
        return None;
    };
    let n: usize = n.parse().ok()?;
    let data = pattern(n);
    let body: Body = if *case == "gated" {
        let head = Bytes::from(zstd_frame(&data[..n / 2], None, false));
        let tail = Bytes::from(zstd_frame(&data[n / 2..], None, false));
        BodyExt::boxed(StreamBody::new(frames(head).chain(gate(shared)).chain(frames(tail))))
    } else {
        let case = ZstdCase::ALL.into_iter().find(|c| c.token() == *case)?;
        BodyExt::boxed(StreamBody::new(frames(Bytes::from(case.encode(&data)))))
    };
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(CONTENT_ENCODING, "zstd".parse().expect("token"));
    response.headers_mut().insert("x-decoded-length", n.into());
    Some(response)
}
