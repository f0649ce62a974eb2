//! An HTTP response whose body is read whole or chunk by chunk, under the call's deadline.

use crate::error::{from_reqwest, Error, TimeoutKind};
use bytes::Bytes;
use futures_util::StreamExt as _;
use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url, Version};
use tokio::time::Instant;

/// A response. The body has not been read yet when it is returned.
#[derive(Debug)]
pub struct Response {
    inner: reqwest::Response,
    deadline: Option<Instant>,
}

impl Response {
    pub(crate) fn new(inner: reqwest::Response, deadline: Option<Instant>) -> Response {
        Response { inner, deadline }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The HTTP version the response came over.
    pub fn version(&self) -> Version {
        self.inner.version()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The final URL, after redirects.
    pub fn url(&self) -> &Url {
        self.inner.url()
    }

    /// The body length the server announced, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.inner.content_length()
    }

    /// The next chunk of the body, or `None` at its end. Memory use stays at one chunk.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
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
        result.map_err(|e| from_reqwest(e, self.inner.url().as_str()))
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
