//! One call on the JNI path: the request, then the response body.
//!
//! The request runs as a task on the bindings' runtime, which hands the response head to the Kotlin
//! coroutine waiting for it ([`Completion`]); no Kotlin thread waits meanwhile. The body is read ahead on
//! the runtime ([`ReadAhead`]); Kotlin's reads take what has arrived, on the caller's thread, and when
//! nothing has, a task waits for the next piece and resumes the caller, which then reads it.

use super::completion::Completion;
use super::wire;
use crate::client::{timeout, BODY_START_LIMIT, READ_AHEAD_LIMIT};
use crate::error::PinwireError;
use crate::runtime;
use pinwire::read_ahead::Ready;
use pinwire::ReadAhead;
use std::sync::atomic::{fence, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// A request as it crosses from Kotlin.
pub(super) struct RequestParts {
    pub method: String,
    pub url: String,
    /// Names and values, alternating.
    pub headers: Vec<String>,
    pub body: Option<Vec<u8>>,
    /// A streamed body (from a body handle), instead of `body`.
    pub stream: Option<pinwire::Body>,
    pub call_timeout: Option<Duration>,
    /// Overrides the client's `decompress` option.
    pub decompress: Option<bool>,
    /// Whether redirects are followed (else returned as the response).
    pub follow_redirects: bool,
}

/// One call: a cancellation (Kotlin's `Call.cancel`, coroutine cancellation), a release (close), and the
/// body once the head is in.
pub(crate) struct Call {
    client: pinwire::Client,
    cancel: pinwire::CancellationToken,
    released: pinwire::CancellationToken,
    /// The rest of the body, read ahead on the runtime while Kotlin copies what came before.
    body: OnceLock<ReadAhead>,
}

fn request_from(parts: RequestParts) -> Result<pinwire::Request, PinwireError> {
    let method =
        pinwire::http::Method::from_bytes(parts.method.as_bytes()).map_err(|e| PinwireError::InvalidConfig {
            detail: format!("method {:?}: {e}", parts.method),
        })?;
    let mut request = pinwire::Request::new(method, &parts.url)?;
    for pair in parts.headers.chunks(2) {
        let [name, value] = pair else {
            return Err(PinwireError::Internal {
                detail: "internal error: a header name without a value".into(),
            });
        };
        request = request.header(name, value)?;
    }
    if let Some(body) = parts.body {
        request = request.body(body);
    }
    if let Some(stream) = parts.stream {
        request = request.body(stream);
    }
    if let Some(call) = parts.call_timeout {
        request = request.call_timeout(timeout(call));
    }
    if let Some(decompress) = parts.decompress {
        request = request.decompress(decompress);
    }
    Ok(request.follow_redirects(parts.follow_redirects))
}

impl Call {
    pub(super) fn new(client: pinwire::Client) -> Call {
        Call {
            client,
            cancel: pinwire::CancellationToken::new(),
            released: pinwire::CancellationToken::new(),
            body: OnceLock::new(),
        }
    }

    fn check_open(&self) -> Result<(), PinwireError> {
        if self.cancel.is_cancelled() {
            Err(PinwireError::Cancelled)
        } else if self.released.is_cancelled() {
            Err(PinwireError::Closed {
                what: "response".into(),
            })
        } else {
            Ok(())
        }
    }

    /// The request `parts` describe, for this call (which must still be open).
    pub(super) fn request(&self, parts: RequestParts) -> Result<pinwire::Request, PinwireError> {
        self.check_open()?;
        request_from(parts)
    }

    /// Sends `request` as a task on the runtime; its outcome goes to `completion` (see [`Call::respond`]).
    pub(super) fn start(call: Arc<Call>, request: pinwire::Request, completion: Completion) {
        runtime::spawn_detached(async move {
            let outcome = call.respond(request).await;
            completion.deliver(outcome);
        });
    }

    /// Sends the request and waits for the response head; keeps the body for [`Call::read`]. Returns
    /// the head and what of the body had already arrived (up to 64 KiB), encoded for Kotlin.
    async fn respond(&self, request: pinwire::Request) -> Result<Vec<u8>, PinwireError> {
        let mut response = tokio::select! {
            biased;
            _ = self.released.cancelled() => Err(PinwireError::Closed { what: "response".into() }),
            result = self.client.execute_cancellable(request, &self.cancel) => result.map_err(PinwireError::from),
        }?;
        let body_start = response.take_ready(BODY_START_LIMIT);
        let more = !response.is_complete();
        let head = wire::head(&response, &body_start, more);
        if more {
            let reader = response.read_ahead(READ_AHEAD_LIMIT);
            // Set once, here; a call released meanwhile closes it at once (and `release` closes it if it
            // comes after this check), so the body is never kept in a call nobody can reach.
            let _ = self.body.set(reader);
            // With the fence in `release`: one of the two sees the other's write.
            fence(Ordering::SeqCst);
            if self.released.is_cancelled() {
                self.close_body();
            }
        }
        Ok(head)
    }

    /// Up to `max` bytes of the body that have arrived, without waiting: [`Ready::Empty`] when none have
    /// (then [`Call::await_body`] says when some have), [`Ready::End`] also for a call without a body.
    pub(super) fn read(&self, max: usize) -> Result<Ready, PinwireError> {
        self.check_open()?;
        let Some(body) = self.body.get() else {
            return Ok(Ready::End);
        };
        Ok(body.try_read(max)?)
    }

    /// Waits, as a task on the runtime, until [`Call::read`] has something to return (bytes, the end or
    /// an error), then tells `completion` (with no bytes: the reading happens on the caller's thread, so
    /// nothing is written into the caller's array from here, not even after the caller gave up).
    pub(super) fn await_body(call: Arc<Call>, completion: Completion) {
        runtime::spawn_detached(async move {
            let outcome = call.readable().await;
            completion.deliver(outcome.map(|()| Vec::new()));
        });
    }

    async fn readable(&self) -> Result<(), PinwireError> {
        self.check_open()?;
        let Some(body) = self.body.get() else {
            return Ok(());
        };
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => Err(PinwireError::Cancelled),
            _ = self.released.cancelled() => Err(PinwireError::Closed { what: "response body".into() }),
            () = body.readable() => Ok(()),
        }
    }

    pub(super) fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Stops what is in flight and drops the body (and with it the connection, or its stream).
    pub(super) fn release(&self) {
        self.released.cancel();
        fence(Ordering::SeqCst);
        self.close_body();
    }

    fn close_body(&self) {
        if let Some(body) = self.body.get() {
            body.close();
        }
    }
}
