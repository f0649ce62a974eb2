//! WebSockets as the foreign languages see them: a thin adapter over `pinwire::websocket`. The Kotlin
//! `Flow` and the Swift `AsyncSequence` are built on `receive` in those languages.

use crate::cancel::CancellationToken;
use crate::client::{Header, PinwireClient};
use crate::error::PinwireError;
use crate::runtime;
use std::sync::Arc;

/// A data message.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum WebSocketMessage {
    /// A text message.
    Text {
        /// The text.
        text: String,
    },
    /// A binary message.
    Binary {
        /// The bytes.
        data: Vec<u8>,
    },
}

/// A close code and reason.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WebSocketCloseFrame {
    /// The close code (1000 normal closure, 1001 going away, 3000 to 4999 the app's own).
    pub code: u16,
    /// The reason, possibly empty.
    pub reason: String,
}

/// What a WebSocket is opened with.
#[derive(Debug, Clone, uniffi::Record)]
pub struct WebSocketRequest {
    /// A `wss://` URL (`ws://` where the policy permits cleartext to the host).
    pub url: String,
    /// Extra headers of the upgrade request, in order.
    #[uniffi(default = [])]
    pub headers: Vec<Header>,
    /// Subprotocols offered, in order of preference.
    #[uniffi(default = [])]
    pub protocols: Vec<String>,
    /// The largest message accepted, in bytes (default 16 MiB).
    #[uniffi(default = None)]
    pub max_message_size: Option<u64>,
}

impl From<pinwire::websocket::Message> for WebSocketMessage {
    fn from(message: pinwire::websocket::Message) -> Self {
        match message {
            pinwire::websocket::Message::Text(text) => WebSocketMessage::Text { text },
            pinwire::websocket::Message::Binary(bytes) => WebSocketMessage::Binary { data: bytes.to_vec() },
        }
    }
}

impl From<WebSocketMessage> for pinwire::websocket::Message {
    fn from(message: WebSocketMessage) -> Self {
        match message {
            WebSocketMessage::Text { text } => pinwire::websocket::Message::Text(text),
            WebSocketMessage::Binary { data } => pinwire::websocket::Message::Binary(data.into()),
        }
    }
}

fn core_request(request: WebSocketRequest) -> Result<pinwire::websocket::WebSocketRequest, PinwireError> {
    let mut core = pinwire::websocket::WebSocketRequest::new(&request.url)?;
    for header in &request.headers {
        core = core.header(&header.name, &header.value)?;
    }
    for protocol in &request.protocols {
        core = core.protocol(protocol)?;
    }
    if let Some(max) = request.max_message_size {
        core = core.max_message_size(usize::try_from(max).unwrap_or(usize::MAX));
    }
    Ok(core)
}

#[uniffi::export]
impl PinwireClient {
    /// Opens a WebSocket over the client's TLS set-up (same pins, events and reports as its requests).
    /// Dropping the call (Kotlin coroutine cancellation) stops it; `cancel` does the same where dropping
    /// is not possible (Swift).
    pub async fn websocket(
        &self,
        request: WebSocketRequest,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<Arc<WebSocket>, PinwireError> {
        let client = self.core().clone();
        let request = core_request(request)?;
        let token = cancel.map(|t| t.inner.clone()).unwrap_or_default();
        let socket = runtime::spawn(async move { client.websocket_cancellable(request, &token).await })
            .await
            .map_err(PinwireError::from_join_error)??;
        Ok(Arc::new(WebSocket {
            inner: Arc::new(socket),
        }))
    }
}

/// An open WebSocket. Freeing it drops the connection; `close` closes it with a handshake.
#[derive(Debug, uniffi::Object)]
pub struct WebSocket {
    inner: Arc<pinwire::websocket::WebSocket>,
}

#[uniffi::export]
impl WebSocket {
    /// The next message, or null once the socket is closed by a closing handshake (`close_frame` then
    /// says how). Any other end is an error; after it, null.
    pub async fn receive(&self) -> Result<Option<WebSocketMessage>, PinwireError> {
        let socket = self.inner.clone();
        let message = runtime::spawn(async move { socket.receive().await })
            .await
            .map_err(PinwireError::from_join_error)??;
        Ok(message.map(Into::into))
    }

    /// Sends a message; returns once it is written to the connection.
    pub async fn send(&self, message: WebSocketMessage) -> Result<(), PinwireError> {
        let socket = self.inner.clone();
        runtime::spawn(async move { socket.send(message.into()).await })
            .await
            .map_err(PinwireError::from_join_error)??;
        Ok(())
    }

    /// Sends a ping (at most 125 bytes) and returns when the server's pong arrives.
    pub async fn ping(&self, payload: Vec<u8>) -> Result<(), PinwireError> {
        let socket = self.inner.clone();
        runtime::spawn(async move { socket.ping(&payload).await })
            .await
            .map_err(PinwireError::from_join_error)??;
        Ok(())
    }

    /// Closes with `code` and `reason` and waits for the server's answer (at most 10 s).
    pub async fn close(&self, code: u16, reason: String) -> Result<(), PinwireError> {
        let frame = pinwire::websocket::CloseFrame::new(code, &reason)?;
        let socket = self.inner.clone();
        runtime::spawn(async move { socket.close(frame).await })
            .await
            .map_err(PinwireError::from_join_error)??;
        Ok(())
    }

    /// Drops the connection at once, without a closing handshake; calls in flight end with `Cancelled`.
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// The URL the socket was opened with.
    pub fn url(&self) -> String {
        self.inner.url().to_string()
    }

    /// The subprotocol the server chose, if any (not `protocol`: a Swift keyword).
    pub fn subprotocol(&self) -> Option<String> {
        self.inner.protocol().map(str::to_string)
    }

    /// The close frame the server sent, once it has sent one.
    pub fn close_frame(&self) -> Option<WebSocketCloseFrame> {
        self.inner.close_frame().map(|frame| WebSocketCloseFrame {
            code: frame.code,
            reason: frame.reason,
        })
    }

    /// Whether the connection has ended (closed, failed or cancelled).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}
