//! WebSockets over the client's own TLS set-up.
//!
//! A `wss://` handshake is a TLS handshake made with the same `rustls` configuration, hence the same
//! [`PinningVerifier`](crate::verifier), as the client's HTTPS requests: the same trust, the same pins,
//! the same pin events and failure reports, and a pin mismatch fails with the same
//! [`Error::PinMismatch`]. Only the ALPN offer differs (`http/1.1`, which the WebSocket upgrade needs).
//! `ws://` follows the policy's cleartext rules exactly as `http://` does.
//!
//! ```no_run
//! # async fn demo(client: pinwire::Client) -> Result<(), pinwire::Error> {
//! use pinwire::websocket::{Message, WebSocketRequest};
//! let socket = client.websocket(WebSocketRequest::new("wss://api.example.com/live")?).await?;
//! socket.send(Message::Text("hello".into())).await?;
//! while let Some(message) = socket.receive().await? {
//!     println!("{message:?}");
//! }
//! # Ok(()) }
//! ```

mod connect;
mod message;
mod request;
mod socket;

pub(crate) use connect::Connector;
pub use message::{CloseFrame, Message};
pub use request::{WebSocketRequest, DEFAULT_MAX_MESSAGE_SIZE};
pub use socket::WebSocket;

use crate::error::Error;
use crate::Client;
use tokio_util::sync::CancellationToken;

impl Client {
    /// Opens a WebSocket: TCP (through the client's proxy, if it has one), TLS decided by the client's
    /// verifier and pins, then the HTTP/1.1 upgrade. The connect timeout bounds TCP and TLS, the read
    /// timeout the wait for the server's answer to the upgrade; neither applies to the open socket,
    /// which may stay quiet as long as the app wants. Dropping the returned future cancels the
    /// connection attempt.
    pub async fn websocket(&self, request: WebSocketRequest) -> Result<WebSocket, Error> {
        // One configuration decides the handshake even if an update lands meanwhile.
        let generation = self.live.current();
        generation.websocket.connect(&generation.policy, request).await
    }

    /// [`Client::websocket`], ending early with [`Error::Cancelled`] when `token` is cancelled. For
    /// callers that cannot drop a future (foreign-language bindings).
    pub async fn websocket_cancellable(
        &self,
        request: WebSocketRequest,
        token: &CancellationToken,
    ) -> Result<WebSocket, Error> {
        tokio::select! {
            biased;
            _ = token.cancelled() => Err(Error::Cancelled),
            result = self.websocket(request) => result,
        }
    }
}
