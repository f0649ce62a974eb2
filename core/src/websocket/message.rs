//! What crosses an open WebSocket: data messages and the close frame.

use crate::error::Error;
use bytes::Bytes;

/// A data message. Pings and pongs are control frames, not messages: pings from the server are
/// answered automatically, and [`WebSocket::ping`](super::WebSocket::ping) sends one of ours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message (UTF-8).
    Text(String),
    /// A binary message.
    Binary(Bytes),
}

/// Why a WebSocket was closed: a close code (RFC 6455 section 7.4) and a reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseFrame {
    /// The close code, e.g. 1000 (normal closure) or 1001 (going away).
    pub code: u16,
    /// The reason, possibly empty (at most 123 bytes of UTF-8).
    pub reason: String,
}

/// The longest close reason: a control frame carries at most 125 bytes, two of them the code.
const MAX_REASON_BYTES: usize = 123;

impl CloseFrame {
    /// A close frame with `code` and `reason`, checked: only the codes an endpoint may send (1000 to
    /// 1003, 1007 to 1014, 3000 to 4999) and a reason of at most 123 bytes.
    pub fn new(code: u16, reason: &str) -> Result<CloseFrame, Error> {
        let sendable = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
        if !sendable {
            return Err(Error::InvalidConfig {
                detail: format!("WebSocket close code {code} cannot be sent (use 1000, 1001, or 3000 to 4999)"),
            });
        }
        if reason.len() > MAX_REASON_BYTES {
            return Err(Error::InvalidConfig {
                detail: format!(
                    "WebSocket close reason is {} bytes, more than the {MAX_REASON_BYTES} a close frame holds",
                    reason.len()
                ),
            });
        }
        Ok(CloseFrame {
            code,
            reason: reason.to_string(),
        })
    }

    /// A normal closure (1000) with no reason.
    pub fn normal() -> CloseFrame {
        CloseFrame {
            code: 1000,
            reason: String::new(),
        }
    }
}

impl From<Message> for tokio_tungstenite::tungstenite::Message {
    fn from(message: Message) -> Self {
        match message {
            Message::Text(text) => tokio_tungstenite::tungstenite::Message::Text(text.into()),
            Message::Binary(bytes) => tokio_tungstenite::tungstenite::Message::Binary(bytes),
        }
    }
}

impl From<CloseFrame> for tokio_tungstenite::tungstenite::protocol::CloseFrame {
    fn from(frame: CloseFrame) -> Self {
        tokio_tungstenite::tungstenite::protocol::CloseFrame {
            code: frame.code.into(),
            reason: frame.reason.into(),
        }
    }
}

impl From<tokio_tungstenite::tungstenite::protocol::CloseFrame> for CloseFrame {
    fn from(frame: tokio_tungstenite::tungstenite::protocol::CloseFrame) -> Self {
        CloseFrame {
            code: frame.code.into(),
            reason: frame.reason.to_string(),
        }
    }
}
