//! Request bodies Kotlin writes while they are sent over the JNI path: the core's body channel behind a
//! handle. Kotlin writes from an IO thread; a write blocks while the request is not ready for more.

use crate::error::PinwireError;
use crate::runtime;
use crate::upload::write_error;
use std::sync::Mutex;

/// The writing end of a body channel, and its reading end until a request takes it.
pub(crate) struct BodyChannel {
    writer: pinwire::BodyWriter,
    body: Mutex<Option<pinwire::Body>>,
}

impl BodyChannel {
    /// A body of `content_length` bytes (sent with `Content-Length`), or of unknown length.
    pub(super) fn new(content_length: Option<u64>) -> BodyChannel {
        let (writer, body) = pinwire::Body::channel(content_length);
        BodyChannel {
            writer,
            body: Mutex::new(Some(body)),
        }
    }

    /// Sends `chunk`, blocking while the request is not ready for more; `Closed` once the request stopped
    /// reading the body, or once the handle was released.
    pub(super) fn write(&self, chunk: Vec<u8>) -> Result<(), PinwireError> {
        runtime::block_on(self.writer.write(chunk.into())).map_err(write_error)
    }

    /// Ends the body; `InvalidConfig` when fewer bytes than declared were written.
    pub(super) fn finish(&self) -> Result<(), PinwireError> {
        self.writer.finish().map_err(write_error)
    }

    /// Ends the body with an error naming `reason`: the request fails.
    pub(super) fn abort(&self, reason: &str) {
        self.writer.abort(reason);
    }

    /// The bytes written so far.
    pub(super) fn written(&self) -> u64 {
        self.writer.written()
    }

    /// The body, for the one request that sends it.
    pub(super) fn take_body(&self) -> Result<pinwire::Body, PinwireError> {
        self.body
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| PinwireError::InvalidConfig {
                detail: "a request body is sent by one request; this one was already used".into(),
            })
    }

    /// Drops the reading end if no request took it, so that a blocked or later write ends with `Closed`.
    pub(super) fn release(&self) {
        drop(self.body.lock().unwrap_or_else(|e| e.into_inner()).take());
    }
}
