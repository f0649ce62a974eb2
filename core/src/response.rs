//! An HTTP response whose body is read whole or chunk by chunk, under the call's deadline.

use crate::decode::{DecodeLimits, Decoded};
use crate::error::{from_reqwest, Error, TimeoutKind};
use bytes::Bytes;
use futures_util::{FutureExt as _, StreamExt as _};
use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url, Version};
use tokio::time::Instant;

/// A response. The body has not been read yet when it is returned.
///
/// A body the client decoded (see [`ClientBuilder::decompress`](crate::ClientBuilder::decompress)) is
/// read decoded, and its headers no longer carry `Content-Encoding` and `Content-Length`, which
/// describe the compressed bytes.
#[derive(Debug)]
pub struct Response {
    inner: Source,
    deadline: Option<Instant>,
    /// The body's end has been read.
    complete: bool,
    /// An error met while taking what was ready ([`Response::take_ready`]), after data that came
    /// before it was handed out: the next read reports it.
    deferred_error: Option<Error>,
}

/// The body as it came, or being decoded.
#[derive(Debug)]
enum Source {
    Plain(reqwest::Response),
    Decoded(Box<Decoded>),
}

impl Source {
    /// The next piece of the body; cancel-safe.
    async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        match self {
            Source::Plain(inner) => inner.chunk().await.map_err(|e| from_reqwest(e, inner.url().as_str())),
            Source::Decoded(decoded) => decoded.next().await.transpose(),
        }
    }

    fn url(&self) -> &Url {
        match self {
            Source::Plain(inner) => inner.url(),
            Source::Decoded(decoded) => decoded.url(),
        }
    }
}

impl Response {
    /// `decode`: the limits to decode the body within, when the client offered to decode it.
    pub(crate) fn new(inner: reqwest::Response, deadline: Option<Instant>, decode: Option<DecodeLimits>) -> Response {
        let inner = match decode {
            Some(limits) => match crate::decode::coding(&inner) {
                Some(coding) => Source::Decoded(Box::new(crate::decode::decode(inner, coding, limits))),
                None => Source::Plain(inner),
            },
            None => Source::Plain(inner),
        };
        Response {
            inner,
            deadline,
            complete: false,
            deferred_error: None,
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        match &self.inner {
            Source::Plain(inner) => inner.status(),
            Source::Decoded(decoded) => decoded.status(),
        }
    }

    /// The HTTP version the response came over.
    pub fn version(&self) -> Version {
        match &self.inner {
            Source::Plain(inner) => inner.version(),
            Source::Decoded(decoded) => decoded.version(),
        }
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        match &self.inner {
            Source::Plain(inner) => inner.headers(),
            Source::Decoded(decoded) => decoded.headers(),
        }
    }

    /// The final URL, after redirects.
    pub fn url(&self) -> &Url {
        self.inner.url()
    }

    /// The body length the server announced, if any (none for a body the client decodes).
    pub fn content_length(&self) -> Option<u64> {
        match &self.inner {
            Source::Plain(inner) => inner.content_length(),
            Source::Decoded(_) => None,
        }
    }

    /// Whether the client is decoding this body (it came compressed, and the client asked for that).
    pub fn is_decoded(&self) -> bool {
        matches!(self.inner, Source::Decoded(_))
    }

    /// The next chunk of the body, or `None` at its end. Memory use stays at one chunk.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        if let Some(error) = self.deferred_error.take() {
            return Err(error);
        }
        if self.complete {
            return Ok(None);
        }
        // The URL is formatted only when there is an error to report: this runs once per chunk.
        let read = self.inner.chunk();
        let result = match self.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, read).await.ok(),
            None => Some(read.await),
        };
        let Some(result) = result else {
            return Err(Error::Timeout {
                kind: TimeoutKind::Call,
                url: self.inner.url().to_string(),
            });
        };
        let chunk = result?;
        self.complete = chunk.is_none();
        Ok(chunk)
    }

    /// The next piece of the body, as [`Response::chunk`], followed by whatever more has already
    /// arrived, without waiting for more: at least one chunk, then stopping once `limit` bytes are
    /// reached (the last chunk taken may cross it). Never empty; `None` at the end of the body.
    ///
    /// For callers that pay per call, such as a foreign-language binding: fewer, larger pieces when
    /// data arrives faster than it is read, and no added latency when it does not.
    pub async fn chunk_coalesced(&mut self, limit: usize) -> Result<Option<Bytes>, Error> {
        let first = loop {
            match self.chunk().await? {
                // An HTTP/2 body may end with an empty DATA frame: not a piece anyone wants.
                Some(chunk) if chunk.is_empty() => continue,
                Some(chunk) => break chunk,
                None => return Ok(None),
            }
        };
        if first.len() >= limit || self.complete {
            return Ok(Some(first));
        }
        let mut piece = bytes::BytesMut::with_capacity(limit);
        piece.extend_from_slice(&first);
        self.take_ready_into(&mut piece, limit);
        Ok(Some(piece.freeze()))
    }

    /// Whatever of the body has already arrived, without waiting: up to about `limit` bytes (the last
    /// chunk taken may cross it), possibly none. [`Response::is_complete`] tells whether that was the
    /// rest of the body. An error met on the way is kept for the next read, after the data before it.
    pub fn take_ready(&mut self, limit: usize) -> Bytes {
        let mut piece = bytes::BytesMut::new();
        self.take_ready_into(&mut piece, limit);
        piece.freeze()
    }

    /// Whether the whole body has been read.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    fn take_ready_into(&mut self, piece: &mut bytes::BytesMut, limit: usize) {
        while piece.len() < limit && !self.complete && self.deferred_error.is_none() {
            // Polling once and dropping the future loses nothing: reqwest takes a frame from the
            // body only when one is ready, and so does the decoder. No deadline: nothing waits here.
            match self.inner.chunk().now_or_never() {
                Some(Ok(Some(chunk))) => piece.extend_from_slice(&chunk),
                Some(Ok(None)) => self.complete = true,
                Some(Err(e)) => self.deferred_error = Some(e),
                None => break,
            }
        }
    }

    /// The whole body.
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }

    /// The whole body as text (UTF-8, invalid sequences replaced).
    pub async fn text(self) -> Result<String, Error> {
        let body = self.bytes().await?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// The body as a stream of chunks.
    pub fn into_stream(self) -> futures_util::stream::BoxStream<'static, Result<Bytes, Error>> {
        // After an error the stream ends: the body cannot be resumed.
        futures_util::stream::unfold(Some(self), |state| async move {
            let mut response = state?;
            match response.chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some(response))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
        .boxed()
    }
}
