//! An HTTP request: method, URL, headers and a body held in memory or streamed.

use crate::error::Error;
use bytes::Bytes;
use futures_util::Stream;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use std::time::Duration;

/// A request body.
#[derive(Default)]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// A body held in memory. It can be sent again when a redirect asks for it (307, 308).
    Bytes(Bytes),
    /// A body produced chunk by chunk. It is sent once; a redirect that needs it again stops at the
    /// redirect response.
    Stream(reqwest::Body),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Body::Stream(_) => f.write_str("Stream"),
        }
    }
}

impl Body {
    /// A streamed body from chunks.
    pub fn from_stream<S, E>(stream: S) -> Body
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        Body::Stream(reqwest::Body::wrap_stream(stream))
    }

    /// A streamed body of exactly `length` bytes, sent with `Content-Length` (chunks from a file whose
    /// size is known, say). A stream that ends early or runs long fails the request.
    pub fn from_sized_stream<S, E>(stream: S, length: u64) -> Body
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        Body::Stream(reqwest::Body::wrap(crate::sized_body::SizedStream::new(stream, length)))
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Body {
        Body::Bytes(b)
    }
}

impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Body {
        Body::Bytes(b.into())
    }
}

impl From<String> for Body {
    fn from(s: String) -> Body {
        Body::Bytes(s.into())
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Body {
        Body::Bytes(Bytes::from_static(s.as_bytes()))
    }
}

/// An HTTP request.
#[derive(Debug)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) follow_redirects: bool,
    pub(crate) decompress: Option<bool>,
}

impl Request {
    /// A request with `method` to `url`. The URL must be absolute with a host.
    pub fn new(method: Method, url: &str) -> Result<Request, Error> {
        let parsed = Url::parse(url).map_err(|e| Error::InvalidUrl {
            url: url.to_string(),
            detail: e.to_string(),
        })?;
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(Error::InvalidUrl {
                url: url.to_string(),
                detail: "no host".into(),
            });
        }
        Ok(Request {
            method,
            url: parsed,
            headers: HeaderMap::new(),
            body: Body::Empty,
            call_timeout: None,
            follow_redirects: true,
            decompress: None,
        })
    }

    /// A `GET` request.
    pub fn get(url: &str) -> Result<Request, Error> {
        Request::new(Method::GET, url)
    }

    /// A `POST` request with a body.
    pub fn post(url: &str, body: impl Into<Body>) -> Result<Request, Error> {
        Ok(Request::new(Method::POST, url)?.body(body))
    }

    /// Adds a header (repeated names are kept, as HTTP allows).
    pub fn header(mut self, name: &str, value: &str) -> Result<Request, Error> {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| Error::InvalidHeader {
            detail: format!("{name:?}: {e}"),
        })?;
        let value = HeaderValue::from_str(value).map_err(|e| Error::InvalidHeader {
            detail: format!("{name}: {e}"),
        })?;
        self.headers.append(name, value);
        Ok(self)
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Body>) -> Request {
        self.body = body.into();
        self
    }

    /// Overrides the client's call timeout for this request.
    pub fn call_timeout(mut self, timeout: Duration) -> Request {
        self.call_timeout = Some(timeout);
        self
    }

    /// Whether the client follows redirects for this request (default true, up to the client's
    /// maximum). With false a redirect comes back as the response, for callers that follow redirects
    /// themselves (URLSession through Pinwire's `URLProtocol`): each hop is then a request of its own,
    /// with its own cleartext check and pin decision.
    pub fn follow_redirects(mut self, follow: bool) -> Request {
        self.follow_redirects = follow;
        self
    }

    /// Overrides the client's [`decompress`](crate::ClientBuilder::decompress) setting for this request.
    pub fn decompress(mut self, decompress: bool) -> Request {
        self.decompress = Some(decompress);
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}
