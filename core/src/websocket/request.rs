//! What a WebSocket is opened with: the URL, extra handshake headers, subprotocols and limits.

use crate::error::Error;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Url;

/// The largest message received by default (16 MiB); a larger one closes the socket with 1009
/// ("message too big") and fails the receive.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;

/// A WebSocket to open with [`Client::websocket`](crate::Client::websocket).
#[derive(Clone, Debug)]
pub struct WebSocketRequest {
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) protocols: Vec<String>,
    pub(crate) max_message_size: usize,
}

impl WebSocketRequest {
    /// A request for `url`: `wss://`, or `ws://` where the policy permits cleartext to its host.
    pub fn new(url: &str) -> Result<WebSocketRequest, Error> {
        let invalid = |detail: &str| Error::InvalidUrl {
            url: url.to_string(),
            detail: detail.to_string(),
        };
        let parsed = Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(parsed.scheme(), "wss" | "ws") {
            return Err(invalid(&format!(
                "unsupported scheme {:?} for a WebSocket (use wss://)",
                parsed.scheme()
            )));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(invalid("no host"));
        }
        Ok(WebSocketRequest {
            url: parsed,
            headers: HeaderMap::new(),
            protocols: Vec::new(),
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        })
    }

    /// Adds a header to the upgrade request (`Authorization`, a cookie, ...). The WebSocket headers
    /// themselves (`Upgrade`, `Sec-WebSocket-Key`, ...) are the handshake's and cannot be set.
    pub fn header(mut self, name: &str, value: &str) -> Result<WebSocketRequest, Error> {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| Error::InvalidHeader {
            detail: format!("{name:?}: {e}"),
        })?;
        let reserved =
            matches!(name.as_str(), "host" | "connection" | "upgrade") || (name.as_str().starts_with("sec-websocket-"));
        if reserved {
            return Err(Error::InvalidHeader {
                detail: format!("{name} is set by the WebSocket handshake (use `protocol` for subprotocols)"),
            });
        }
        let value = HeaderValue::from_str(value).map_err(|e| Error::InvalidHeader {
            detail: format!("{name}: {e}"),
        })?;
        self.headers.append(name, value);
        Ok(self)
    }

    /// Offers a subprotocol (`Sec-WebSocket-Protocol`); the server picks at most one of those offered,
    /// see [`WebSocket::protocol`](super::WebSocket::protocol).
    pub fn protocol(mut self, protocol: &str) -> Result<WebSocketRequest, Error> {
        let token = !protocol.is_empty()
            && protocol
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
        if !token {
            return Err(Error::InvalidHeader {
                detail: format!("WebSocket subprotocol {protocol:?} is not an HTTP token"),
            });
        }
        self.protocols.push(protocol.to_string());
        Ok(self)
    }

    /// The largest message (and frame) accepted from the server, in bytes (default
    /// [`DEFAULT_MAX_MESSAGE_SIZE`]).
    pub fn max_message_size(mut self, bytes: usize) -> WebSocketRequest {
        self.max_message_size = bytes;
        self
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }
}
