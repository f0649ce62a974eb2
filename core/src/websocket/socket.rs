//! An open WebSocket. One task per socket owns the connection and answers the handle's calls, so
//! receiving, sending, pinging and closing can happen from different tasks (or threads, or foreign
//! languages) at once without locking the connection.

use super::message::{CloseFrame, Message};
use crate::error::Error;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::{self, Error as WsError};
use tokio_tungstenite::WebSocketStream;

/// How long [`WebSocket::close`] waits for the server to answer the close frame before dropping
/// the connection.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Messages received and not yet taken by [`WebSocket::receive`]; the socket stops reading when
/// this many wait, so a slow reader slows the server down instead of filling memory.
const INCOMING_BUFFER: usize = 16;

/// The byte stream under a WebSocket: TLS over TCP, or TCP for permitted cleartext.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

type Reply = oneshot::Sender<Result<(), Error>>;

enum Command {
    Send(tungstenite::Message, Reply),
    Ping(Bytes, Reply),
    Close(CloseFrame, Reply),
}

#[derive(Default)]
struct Shared {
    peer_close: Mutex<Option<CloseFrame>>,
    cancelled: std::sync::atomic::AtomicBool,
}

/// An open WebSocket. Dropping it (or [`WebSocket::cancel`]) drops the connection at once; use
/// [`WebSocket::close`] for a closing handshake.
pub struct WebSocket {
    commands: mpsc::Sender<Command>,
    incoming: tokio::sync::Mutex<mpsc::Receiver<Result<Message, Error>>>,
    shared: Arc<Shared>,
    protocol: Option<String>,
    url: String,
    driver: tokio::task::AbortHandle,
}

impl std::fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("url", &self.url)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl Drop for WebSocket {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl WebSocket {
    pub(crate) fn start(
        stream: WebSocketStream<Box<dyn Io>>,
        protocol: Option<String>,
        url: String,
        max_message_size: usize,
    ) -> WebSocket {
        let (commands, command_rx) = mpsc::channel(INCOMING_BUFFER);
        let (incoming_tx, incoming) = mpsc::channel(INCOMING_BUFFER);
        let shared = Arc::new(Shared::default());
        let driver = Driver {
            stream,
            commands: command_rx,
            incoming: incoming_tx,
            shared: shared.clone(),
            url: url.clone(),
            max_message_size,
        };
        let driver = tokio::spawn(driver.run()).abort_handle();
        WebSocket {
            commands,
            incoming: tokio::sync::Mutex::new(incoming),
            shared,
            protocol,
            url,
            driver,
        }
    }

    /// The URL the socket was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The subprotocol the server chose among those offered, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The close frame the server sent, once it has sent one.
    pub fn close_frame(&self) -> Option<CloseFrame> {
        self.shared
            .peer_close
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The next message, or `None` once the socket is closed by a closing handshake (see
    /// [`WebSocket::close_frame`] for the server's code). A connection that ends any other way, or a
    /// message over the size limit, is an error; later calls then return `None`.
    pub async fn receive(&self) -> Result<Option<Message>, Error> {
        let mut incoming = self.incoming.lock().await;
        match incoming.recv().await {
            Some(Ok(message)) => Ok(Some(message)),
            Some(Err(error)) => Err(error),
            None if self.is_cancelled() => Err(Error::Cancelled),
            None => Ok(None),
        }
    }

    /// Sends a message; returns once it has been written to the connection.
    pub async fn send(&self, message: Message) -> Result<(), Error> {
        self.call(|reply| Command::Send(message.into(), reply)).await
    }

    /// Sends a ping with `payload` (at most 125 bytes) and waits for the server's pong: a round trip
    /// that proves the connection alive. Bound the wait yourself (a timeout) on a network that may
    /// have gone away silently.
    pub async fn ping(&self, payload: &[u8]) -> Result<(), Error> {
        if payload.len() > 125 {
            return Err(Error::InvalidConfig {
                detail: format!("a WebSocket ping carries at most 125 bytes, not {}", payload.len()),
            });
        }
        let payload = Bytes::copy_from_slice(payload);
        self.call(|reply| Command::Ping(payload, reply)).await
    }

    /// Starts the closing handshake with `frame` and waits until the server has answered and the
    /// connection has ended (at most [`CLOSE_TIMEOUT`], then the connection is dropped). Messages that
    /// arrive meanwhile are still delivered to [`WebSocket::receive`] while its buffer has room.
    pub async fn close(&self, frame: CloseFrame) -> Result<(), Error> {
        match self.call(|reply| Command::Close(frame, reply)).await {
            // Already closed: closing again is not an error.
            Err(Error::Protocol { .. }) if self.driver.is_finished() => Ok(()),
            other => other,
        }
    }

    /// Drops the connection at once, without a closing handshake (a cancelled coroutine or task).
    /// Calls in flight and later calls fail with [`Error::Cancelled`].
    pub fn cancel(&self) {
        self.shared.cancelled.store(true, std::sync::atomic::Ordering::SeqCst);
        self.driver.abort();
    }

    /// Whether the connection has ended (closed, failed or cancelled).
    pub fn is_closed(&self) -> bool {
        self.driver.is_finished()
    }

    fn is_cancelled(&self) -> bool {
        self.shared.cancelled.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn call(&self, command: impl FnOnce(Reply) -> Command) -> Result<(), Error> {
        let (reply, answer) = oneshot::channel();
        let sent = self.commands.send(command(reply)).await;
        let answer = match sent {
            Ok(()) => answer.await.ok(),
            Err(_) => None,
        };
        match answer {
            Some(result) => result,
            None if self.is_cancelled() => Err(Error::Cancelled),
            None => Err(closed(&self.url)),
        }
    }
}

fn closed(url: &str) -> Error {
    Error::Protocol {
        url: url.to_string(),
        detail: "the WebSocket is closed".into(),
    }
}

/// The task that owns the connection.
struct Driver {
    stream: WebSocketStream<Box<dyn Io>>,
    commands: mpsc::Receiver<Command>,
    incoming: mpsc::Sender<Result<Message, Error>>,
    shared: Arc<Shared>,
    url: String,
    max_message_size: usize,
}

impl Driver {
    async fn run(self) {
        let Driver {
            mut stream,
            mut commands,
            incoming,
            shared,
            url,
            max_message_size,
        } = self;
        let mut pending: Option<Message> = None;
        let mut pings: Vec<(Bytes, Reply)> = Vec::new();
        let mut closers: Vec<Reply> = Vec::new();
        let mut close_deadline: Option<Instant> = None;
        let end: Result<(), Error> = loop {
            tokio::select! {
                permit = incoming.reserve(), if pending.is_some() => {
                    if let (Ok(permit), Some(message)) = (permit, pending.take()) {
                        permit.send(Ok(message));
                    }
                }
                frame = stream.next(), if pending.is_none() => {
                    let message = match frame {
                        Some(Ok(tungstenite::Message::Text(text))) => Message::Text(text.to_string()),
                        Some(Ok(tungstenite::Message::Binary(bytes))) => Message::Binary(bytes),
                        Some(Ok(tungstenite::Message::Pong(payload))) => {
                            if let Some(at) = pings.iter().position(|(sent, _)| *sent == payload) {
                                let _ = pings.remove(at).1.send(Ok(()));
                            }
                            continue;
                        }
                        Some(Ok(tungstenite::Message::Close(frame))) => {
                            // tungstenite answers it; the stream ends once the answer is out.
                            let frame = frame.map_or(CloseFrame { code: 1005, reason: String::new() }, Into::into);
                            *shared.peer_close.lock().unwrap_or_else(PoisonError::into_inner) = Some(frame);
                            continue;
                        }
                        // Pings are answered by tungstenite on the next read; raw frames are never read.
                        Some(Ok(tungstenite::Message::Ping(_) | tungstenite::Message::Frame(_))) => continue,
                        // After the server's close frame the connection may end any way it likes (many
                        // servers skip TLS close_notify): the closing handshake already happened.
                        Some(Err(_)) if shared.peer_close.lock().unwrap_or_else(PoisonError::into_inner).is_some() => {
                            break Ok(())
                        }
                        Some(Err(error)) => break failed(&mut stream, error, &url, max_message_size).await,
                        None => break Ok(()),
                    };
                    if close_deadline.is_some() {
                        // Closing: deliver what fits, never stop reading for the server's close.
                        let _ = incoming.try_send(Ok(message));
                    } else {
                        pending = Some(message);
                    }
                }
                command = commands.recv() => match command {
                    Some(Command::Send(message, reply)) => {
                        let _ = reply.send(stream.send(message).await.map_err(|e| send_error(e, &url)));
                    }
                    Some(Command::Ping(payload, reply)) => {
                        match stream.send(tungstenite::Message::Ping(payload.clone())).await {
                            Ok(()) => pings.push((payload, reply)),
                            Err(e) => { let _ = reply.send(Err(send_error(e, &url))); }
                        }
                    }
                    Some(Command::Close(frame, reply)) => {
                        if close_deadline.is_none() {
                            if let Err(e) = stream.close(Some(frame.into())).await {
                                let _ = reply.send(Err(send_error(e, &url)));
                                continue;
                            }
                            close_deadline = Some(Instant::now() + CLOSE_TIMEOUT);
                            if let Some(message) = pending.take() {
                                let _ = incoming.try_send(Ok(message));
                            }
                        }
                        closers.push(reply);
                    }
                    // Every handle is gone (dropping one also aborts this task).
                    None => break Ok(()),
                },
                () = sleep_until(close_deadline), if close_deadline.is_some() => break Ok(()),
            }
        };
        drop(stream);
        drop(commands);
        for (_, reply) in pings {
            let _ = reply.send(Err(closed(&url)));
        }
        for reply in closers {
            let _ = reply.send(Ok(()));
        }
        if let Some(message) = pending {
            let _ = incoming.send(Ok(message)).await;
        }
        if let Err(error) = end {
            let _ = incoming.send(Err(error)).await;
        }
    }
}

/// The error that ends the socket; a message over the limit is answered with 1009 first.
async fn failed(
    stream: &mut WebSocketStream<Box<dyn Io>>,
    error: WsError,
    url: &str,
    max_message_size: usize,
) -> Result<(), Error> {
    let detail = match error {
        WsError::ConnectionClosed | WsError::AlreadyClosed => return Ok(()),
        WsError::Capacity(e) => {
            let too_big = tungstenite::protocol::CloseFrame {
                code: 1009.into(),
                reason: "message too big".into(),
            };
            let _ = tokio::time::timeout(Duration::from_secs(1), stream.close(Some(too_big))).await;
            format!("{e} (the limit is {max_message_size} bytes)")
        }
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            "the connection ended without a closing handshake".into()
        }
        other => other.to_string(),
    };
    Err(Error::Protocol {
        url: url.to_string(),
        detail,
    })
}

fn send_error(error: WsError, url: &str) -> Error {
    match error {
        WsError::ConnectionClosed | WsError::AlreadyClosed | WsError::Protocol(ProtocolError::SendAfterClosing) => {
            closed(url)
        }
        other => Error::Protocol {
            url: url.to_string(),
            detail: other.to_string(),
        },
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
