//! A WebSocket echo on every test server's listener (so on the pinned, impostor and plain chains
//! alike), over HTTP/1.1 upgrades.
//!
//! Routes:
//! - `/ws/<id>`: the upgrade. The server picks the first subprotocol offered. It echoes text and
//!   binary messages, answers pings (tungstenite does), and obeys a few text commands:
//!   - `close <code> <reason>`: closes with that code and reason
//!   - `ping <payload>`: sends a ping with `payload`, then, when the pong comes back, the text
//!     `pong <payload>`
//!   - `big <n>`: sends a binary message of `n` bytes
//!   - `drop`: drops the connection without a closing handshake
//! - `/ws-state/<id>`: what became of session `<id>`, as text: `open`, `closed <code> <reason>` (the
//!   client's close frame), or `dropped` (the connection ended without one); 404 before it started.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Mutex;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

type Body = BoxBody<Bytes, Infallible>;

/// Session id to its state; ids are chosen by the tests, unique per test.
static SESSIONS: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());

/// What became of session `id` (see the module's documentation), or `None` before it started.
pub fn session_state(id: &str) -> Option<String> {
    SESSIONS.lock().expect("lock").get(id).cloned()
}

fn set_state(id: &str, state: String) {
    SESSIONS.lock().expect("lock").insert(id.to_string(), state);
}

/// Whether `path` is one of this module's routes.
pub fn handles(path: &str) -> bool {
    path.starts_with("/ws/") || path.starts_with("/ws-state/")
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()).boxed());
    *response.status_mut() = status;
    response
}

/// Answers one of this module's routes.
pub async fn route(req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    if let Some(id) = path.strip_prefix("/ws-state/") {
        return match session_state(id) {
            Some(state) => text(StatusCode::OK, state),
            None => text(StatusCode::NOT_FOUND, "no such session"),
        };
    }
    let id = path.trim_start_matches("/ws/").to_string();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let is_upgrade = header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let (Some(key), true) = (header("sec-websocket-key"), is_upgrade) else {
        return text(StatusCode::BAD_REQUEST, "not a WebSocket upgrade");
    };
    let protocol = header("sec-websocket-protocol").and_then(|v| v.split(',').next().map(|p| p.trim().to_string()));
    let mut response = text(StatusCode::SWITCHING_PROTOCOLS, "");
    let headers = response.headers_mut();
    headers.insert("connection", "Upgrade".parse().expect("header"));
    headers.insert("upgrade", "websocket".parse().expect("header"));
    headers.insert(
        "sec-websocket-accept",
        derive_accept_key(key.as_bytes()).parse().expect("header"),
    );
    if let Some(protocol) = protocol.and_then(|p| p.parse().ok()) {
        headers.insert("sec-websocket-protocol", protocol);
    }
    set_state(&id, "open".into());
    let upgrade = hyper::upgrade::on(req);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else {
            set_state(&id, "dropped".into());
            return;
        };
        let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let end = echo(socket).await;
        set_state(&id, end);
    });
    response
}

/// Echoes until the session ends; returns its end state.
async fn echo(mut socket: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>) -> String {
    let mut client_close = None;
    while let Some(Ok(message)) = socket.next().await {
        let reply = match message {
            Message::Text(text) => {
                let text = text.to_string();
                let (command, argument) = text.split_once(' ').unwrap_or((text.as_str(), ""));
                match command {
                    "close" => {
                        let (code, reason) = argument.split_once(' ').unwrap_or((argument, ""));
                        let frame = CloseFrame {
                            code: code.parse::<u16>().unwrap_or(1000).into(),
                            reason: reason.to_string().into(),
                        };
                        let _ = socket.close(Some(frame)).await;
                        continue;
                    }
                    "ping" => Message::Ping(Bytes::from(argument.to_string())),
                    "big" => Message::Binary(Bytes::from(vec![b'b'; argument.parse().unwrap_or(0)])),
                    "drop" => return "dropped".into(),
                    _ => Message::Text(text.into()),
                }
            }
            Message::Binary(bytes) => Message::Binary(bytes),
            Message::Pong(payload) => Message::Text(format!("pong {}", String::from_utf8_lossy(&payload)).into()),
            Message::Close(frame) => {
                client_close = Some(frame.map_or("closed 1005 ".to_string(), |f| {
                    format!("closed {} {}", u16::from(f.code), f.reason)
                }));
                continue;
            }
            Message::Ping(_) | Message::Frame(_) => continue,
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
    client_close.unwrap_or_else(|| "dropped".into())
}
