//! Request bodies Kotlin writes while they are sent over the JNI path: the core's body channel behind a
//! handle. Kotlin writes from an IO thread; a write blocks while the request is not ready for more.
//!
//! Once the call has its response head, Kotlin [stops](BodyChannel::stop) the channel before it waits
//! for its writer: a server that answered early (a 413, say) may never read the rest, and the connection
//! still holds the body, so a write waiting for room would otherwise wait until the server closes.

use crate::error::PinwireError;
use crate::runtime;
use crate::upload::write_error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tokio::sync::Notify;

/// The writing end of a body channel, and its reading end until a request takes it.
pub(crate) struct BodyChannel {
    writer: pinwire::BodyWriter,
    body: Mutex<Option<pinwire::Body>>,
    /// Set by [`BodyChannel::stop`]: writes are refused from then on.
    stopped: AtomicBool,
    /// Wakes a write waiting for room when the channel is stopped.
    stopping: Notify,
}

impl BodyChannel {
    /// A body of `content_length` bytes (sent with `Content-Length`), or of unknown length.
    pub(super) fn new(content_length: Option<u64>) -> BodyChannel {
        let (writer, body) = pinwire::Body::channel(content_length);
        BodyChannel {
            writer,
            body: Mutex::new(Some(body)),
            stopped: AtomicBool::new(false),
            stopping: Notify::new(),
        }
    }

    /// Sends `chunk`, blocking while the request is not ready for more; `Closed` once the request stopped
    /// reading the body, once the channel was stopped, or once the handle was released. A write refused
    /// while it waited was not sent.
    pub(super) fn write(&self, chunk: Vec<u8>) -> Result<(), PinwireError> {
        runtime::block_on(async {
            let stopping = self.stopping.notified();
            tokio::pin!(stopping);
            // Registered before the flag is read, so a stop that comes in between still wakes this write.
            stopping.as_mut().enable();
            if self.stopped.load(Ordering::Acquire) {
                return Err(closed());
            }
            tokio::select! {
                // A chunk the channel has room for goes, even if the stop comes at the same moment.
                biased;
                sent = self.writer.write(chunk.into()) => sent.map_err(write_error),
                () = stopping => Err(closed()),
            }
        })
    }

    /// Refuses writes from now on, the one waiting included (`Closed`); [`finish`](Self::finish) still
    /// ends a body whose every byte was written. The body itself is left as it is: the connection keeps
    /// reading what was already written, and a body cut short is aborted when the handle is dropped.
    pub(super) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.stopping.notify_waiters();
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

    /// Stops the channel and drops the reading end if no request took it: a blocked or later write ends
    /// with `Closed`.
    pub(super) fn release(&self) {
        self.stop();
        drop(self.body.lock().unwrap_or_else(|e| e.into_inner()).take());
    }
}

fn closed() -> PinwireError {
    write_error(pinwire::WriteError::Closed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::sync::Arc;
    use std::time::Duration;

    /// A write waiting for room in a body the request holds but no longer reads (a server that answered
    /// early) ends with `Closed` when the channel is stopped, and later writes are refused at once.
    #[test]
    fn stop_refuses_a_waiting_write_and_later_ones() {
        let channel = Arc::new(BodyChannel::new(None));
        // Taken and kept unread, as a connection whose peer stopped reading keeps it.
        let _held = channel.take_body().expect("the body");
        let (done, outcome) = mpsc::channel();
        let writer = channel.clone();
        let thread = std::thread::spawn(move || {
            // The channel holds a few chunks; the write after them waits for room that never comes.
            for _ in 0..64 {
                if let Err(error) = writer.write(vec![7; 1024]) {
                    done.send(error).expect("the test waits");
                    return;
                }
            }
        });
        assert!(
            outcome.recv_timeout(Duration::from_millis(200)).is_err(),
            "a write waits while the body is not read"
        );
        channel.stop();
        let error = outcome
            .recv_timeout(Duration::from_secs(10))
            .expect("the waiting write ends");
        assert!(matches!(error, PinwireError::Closed { .. }), "{error:?}");
        thread.join().expect("the writer thread");
        assert!(matches!(channel.write(vec![1]), Err(PinwireError::Closed { .. })));
        // A body of unknown length still ends cleanly after a stop.
        channel.finish().expect("finish after stop");
    }

    /// Stopping a channel whose body was written whole leaves `finish` working: the normal end of an
    /// upload whose response head came in before the writer called `finish`.
    #[test]
    fn finish_works_after_stop_when_every_byte_was_written() {
        let channel = BodyChannel::new(Some(3));
        let _held = channel.take_body().expect("the body");
        channel.write(vec![1, 2, 3]).expect("room for one chunk");
        channel.stop();
        channel.finish().expect("a whole body finishes after stop");
        assert_eq!(channel.written(), 3);
    }
}
