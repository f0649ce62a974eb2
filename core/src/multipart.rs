//! `multipart/form-data` bodies (RFC 7578), the encoding browsers use for forms with files.
//!
//! [`Multipart`] builds a whole body from parts held in memory or streamed. For callers that stream
//! the parts themselves (the Kotlin and Swift builders, which read files and streams on their side),
//! [`MultipartFraming`] gives the bytes that go around the parts, so that the encoding lives here only.

use crate::error::Error;
use crate::request::Body;
use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use http_body_util::BodyDataStream;

/// The head of one part: its field name, and for a file its file name and content type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartHead {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
}

impl PartHead {
    /// A part for the form field `name`.
    pub fn new(name: &str) -> PartHead {
        PartHead {
            name: name.to_string(),
            filename: None,
            content_type: None,
        }
    }

    /// The file name the part carries (a file upload).
    pub fn filename(mut self, filename: &str) -> PartHead {
        self.filename = Some(filename.to_string());
        self
    }

    /// The part's `Content-Type` (for a file, e.g. `image/jpeg`; none means `text/plain`).
    pub fn content_type(mut self, content_type: &str) -> PartHead {
        self.content_type = Some(content_type.to_string());
        self
    }

    /// The part's header lines and the blank line after them.
    fn encode(&self, out: &mut BytesMut) -> Result<(), Error> {
        out.extend_from_slice(b"Content-Disposition: form-data; name=\"");
        quote_into(&self.name, out);
        out.extend_from_slice(b"\"");
        if let Some(filename) = &self.filename {
            out.extend_from_slice(b"; filename=\"");
            quote_into(filename, out);
            out.extend_from_slice(b"\"");
        }
        out.extend_from_slice(b"\r\n");
        if let Some(content_type) = &self.content_type {
            // A header value: visible ASCII and spaces only, so it cannot end the line or the head.
            let valid = !content_type.is_empty()
                && content_type
                    .bytes()
                    .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic());
            if !valid {
                return Err(Error::InvalidHeader {
                    detail: format!("multipart part {:?}: content type {content_type:?}", self.name),
                });
            }
            out.extend_from_slice(b"Content-Type: ");
            out.extend_from_slice(content_type.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        Ok(())
    }
}

/// A name or file name inside a quoted header parameter, escaped as the HTML standard's form encoding
/// does (and browsers, and OkHttp): `"` as `%22`, CR as `%0D`, LF as `%0A`; everything else, non-ASCII
/// included, as UTF-8.
fn quote_into(value: &str, out: &mut BytesMut) {
    for byte in value.bytes() {
        match byte {
            b'"' => out.extend_from_slice(b"%22"),
            b'\r' => out.extend_from_slice(b"%0D"),
            b'\n' => out.extend_from_slice(b"%0A"),
            other => out.extend_from_slice(&[other]),
        }
    }
}

/// A boundary: 32 random hexadecimal digits after a fixed prefix, drawn from the system's random
/// source, so that no part's content can contain it by chance or by design.
fn random_boundary() -> Result<String, Error> {
    use ring::rand::SecureRandom;
    let mut random = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut random)
        .map_err(|_| Error::Internal {
            detail: "the system's random source failed".into(),
        })?;
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("pinwire-{hex}"))
}

/// Checks a boundary given by the caller: 1 to 70 of RFC 2046's `bchars`, not ending in a space.
fn check_boundary(boundary: &str) -> Result<(), Error> {
    let bchar = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
    if boundary.is_empty() || boundary.len() > 70 || !boundary.chars().all(bchar) || boundary.ends_with(' ') {
        return Err(Error::InvalidHeader {
            detail: format!(
                "multipart boundary {boundary:?}: 1 to 70 letters, digits or '()+_,-./:=? (no space at the end)"
            ),
        });
    }
    Ok(())
}

/// The bytes around the parts of a `multipart/form-data` body: `heads[i]` goes before part `i`, `tail`
/// after the last part. The body is `heads[0]`, part 0, `heads[1]`, part 1, ..., `tail`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartFraming {
    boundary: String,
    heads: Vec<Bytes>,
    tail: Bytes,
}

impl MultipartFraming {
    /// The framing of parts with these heads, with a random boundary.
    pub fn new(heads: &[PartHead]) -> Result<MultipartFraming, Error> {
        MultipartFraming::with_boundary(heads, &random_boundary()?)
    }

    /// The framing with a boundary of the caller's (for reproducible bodies; checked as RFC 2046 says).
    pub fn with_boundary(heads: &[PartHead], boundary: &str) -> Result<MultipartFraming, Error> {
        check_boundary(boundary)?;
        let mut encoded = Vec::with_capacity(heads.len());
        for (i, head) in heads.iter().enumerate() {
            let mut out = BytesMut::new();
            // The CRLF before a delimiter belongs to the delimiter (RFC 2046), so it ends the part before.
            if i > 0 {
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"--");
            out.extend_from_slice(boundary.as_bytes());
            out.extend_from_slice(b"\r\n");
            head.encode(&mut out)?;
            encoded.push(out.freeze());
        }
        let tail = if heads.is_empty() {
            format!("--{boundary}--\r\n")
        } else {
            format!("\r\n--{boundary}--\r\n")
        };
        Ok(MultipartFraming {
            boundary: boundary.to_string(),
            heads: encoded,
            tail: Bytes::from(tail),
        })
    }

    /// The boundary.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The request's `Content-Type`: `multipart/form-data; boundary=...`.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// What goes before each part, in order.
    pub fn heads(&self) -> &[Bytes] {
        &self.heads
    }

    /// What goes after the last part.
    pub fn tail(&self) -> &Bytes {
        &self.tail
    }

    /// The length of the whole body, given each part's length; `None` when a part's is unknown.
    pub fn content_length(&self, part_lengths: &[Option<u64>]) -> Option<u64> {
        if part_lengths.len() != self.heads.len() {
            return None;
        }
        let frame: u64 = self.heads.iter().map(|h| h.len() as u64).sum::<u64>() + self.tail.len() as u64;
        part_lengths
            .iter()
            .try_fold(frame, |sum, part| sum.checked_add((*part)?))
    }
}

/// A `multipart/form-data` body under construction, like OkHttp's `MultipartBody.Builder`.
///
/// ```
/// # fn demo() -> Result<(), pinwire::Error> {
/// use pinwire::multipart::{Multipart, PartHead};
/// let form = Multipart::new()
///     .text("title", "Holidays")
///     .part(PartHead::new("photo").filename("beach.jpg").content_type("image/jpeg"), vec![0xff, 0xd8]);
/// let request = form.into_request(pinwire::Request::new(pinwire::http::Method::POST, "https://api.example.com/upload")?)?;
/// # let _ = request; Ok(()) }
/// ```
#[derive(Debug, Default)]
pub struct Multipart {
    parts: Vec<(PartHead, Body)>,
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// Adds a text field.
    pub fn text(self, name: &str, value: &str) -> Multipart {
        self.part(PartHead::new(name), value.to_string())
    }

    /// Adds a part: bytes in memory, or a streamed body (whose length, if it has one, counts toward
    /// the form's `Content-Length`).
    pub fn part(mut self, head: PartHead, body: impl Into<Body>) -> Multipart {
        self.parts.push((head, body.into()));
        self
    }

    /// The body and its `Content-Type`, with a random boundary. Parts all in memory make a body in
    /// memory; otherwise the body streams, each part read as its turn comes.
    pub fn into_body(self) -> Result<(Body, String), Error> {
        let heads: Vec<PartHead> = self.parts.iter().map(|(head, _)| head.clone()).collect();
        self.into_body_with(MultipartFraming::new(&heads)?)
    }

    /// [`Multipart::into_body`], set on `request` with its `Content-Type` header.
    pub fn into_request(self, request: crate::Request) -> Result<crate::Request, Error> {
        let (body, content_type) = self.into_body()?;
        Ok(request.header("content-type", &content_type)?.body(body))
    }

    fn into_body_with(self, framing: MultipartFraming) -> Result<(Body, String), Error> {
        let content_type = framing.content_type();
        let lengths: Vec<Option<u64>> = self.parts.iter().map(|(_, body)| body_length(body)).collect();
        let length = framing.content_length(&lengths);
        if self.parts.iter().all(|(_, body)| !matches!(body, Body::Stream(_))) {
            let mut out = BytesMut::new();
            for ((_, body), head) in self.parts.into_iter().zip(&framing.heads) {
                out.extend_from_slice(head);
                if let Body::Bytes(bytes) = body {
                    out.extend_from_slice(&bytes);
                }
            }
            out.extend_from_slice(&framing.tail);
            return Ok((Body::Bytes(out.freeze()), content_type));
        }
        type Chunks = futures_util::stream::BoxStream<'static, Result<Bytes, Box<dyn std::error::Error + Send + Sync>>>;
        let mut pieces: Vec<Chunks> = Vec::new();
        for ((_, body), head) in self.parts.into_iter().zip(framing.heads) {
            pieces.push(stream::once(async move { Ok(head) }).boxed());
            match body {
                Body::Empty => {}
                Body::Bytes(bytes) => pieces.push(stream::once(async move { Ok(bytes) }).boxed()),
                Body::Stream(stream) => pieces.push(BodyDataStream::new(stream).map_err(Into::into).boxed()),
            }
        }
        let tail = framing.tail;
        pieces.push(stream::once(async move { Ok(tail) }).boxed());
        let chunks = stream::iter(pieces).flatten();
        let body = match length {
            Some(length) => Body::from_sized_stream(chunks, length),
            None => Body::from_stream(chunks),
        };
        Ok((body, content_type))
    }
}

/// A body's length when it is known before it is sent.
fn body_length(body: &Body) -> Option<u64> {
    match body {
        Body::Empty => Some(0),
        Body::Bytes(bytes) => Some(bytes.len() as u64),
        Body::Stream(stream) => http_body::Body::size_hint(stream).exact(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_quotes_names_and_counts_its_length() {
        let heads = [
            PartHead::new("a\"b\r\nc"),
            PartHead::new("file")
                .filename("ünï \"q\".txt")
                .content_type("text/plain; charset=utf-8"),
        ];
        let framing = MultipartFraming::with_boundary(&heads, "XyZ").expect("valid");
        assert_eq!(
            &framing.heads()[0][..],
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a%22b%0D%0Ac\"\r\n\r\n"
        );
        assert_eq!(
            &framing.heads()[1][..],
            "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ünï %22q%22.txt\"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".as_bytes()
        );
        assert_eq!(&framing.tail()[..], b"\r\n--XyZ--\r\n");
        let frame = framing.heads().iter().map(|h| h.len() as u64).sum::<u64>() + framing.tail().len() as u64;
        assert_eq!(framing.content_length(&[Some(3), Some(5)]), Some(frame + 8));
        assert_eq!(framing.content_length(&[Some(3), None]), None);
        assert_eq!(framing.content_length(&[Some(3)]), None);
    }

    #[test]
    fn bad_content_types_and_boundaries_are_refused() {
        let head = PartHead::new("f").content_type("text/plain\r\nX-Evil: 1");
        assert!(matches!(
            MultipartFraming::with_boundary(&[head], "b"),
            Err(Error::InvalidHeader { .. })
        ));
        for boundary in ["", "a\"b", "end ", &"x".repeat(71), "a\r\n"] {
            assert!(MultipartFraming::with_boundary(&[], boundary).is_err(), "{boundary:?}");
        }
    }

    #[test]
    fn boundaries_are_random() {
        let a = MultipartFraming::new(&[]).expect("random");
        let b = MultipartFraming::new(&[]).expect("random");
        assert_ne!(a.boundary(), b.boundary());
        assert_eq!(a.boundary().len(), "pinwire-".len() + 32);
        check_boundary(a.boundary()).expect("a valid boundary");
    }

    #[test]
    fn a_form_in_memory_is_one_body_in_memory() {
        let form = Multipart::new().text("k", "v");
        let framing = MultipartFraming::with_boundary(&[PartHead::new("k")], "B").expect("valid");
        let (body, content_type) = form.into_body_with(framing).expect("encodes");
        assert_eq!(content_type, "multipart/form-data; boundary=B");
        match body {
            Body::Bytes(bytes) => assert_eq!(
                &bytes[..],
                b"--B\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--B--\r\n"
            ),
            other => panic!("expected bytes, got {other:?}"),
        }
    }
}
