//! A request body the caller writes chunk by chunk while it is being sent.
//!
//! The chunks go through a bounded channel, so a writer that runs ahead of the network waits instead of
//! filling memory: an upload of any size holds at most [`CAPACITY`] chunks here (plus what the
//! connection buffers). The declared length, when there is one, is enforced on both sides: the writer
//! hears about a wrong length at once, and the server never sees a body that disagrees with its
//! `Content-Length`.

use crate::request::Body;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// Chunks the channel holds before a write waits. The bindings write 64 KiB to 256 KiB at a time, so
/// about a megabyte at most is in flight between the writer and the connection.
const CAPACITY: usize = 4;

/// Why a [`BodyWriter`] call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The request no longer reads its body: it was sent whole, or it ended, failed or was cancelled.
    #[error("the request no longer reads its body (it ended, failed or was cancelled)")]
    Closed,
    /// [`BodyWriter::finish`] or [`BodyWriter::abort`] was already called.
    #[error("the request body was already finished or aborted")]
    Finished,
    /// More bytes were written than the declared length; the body was aborted.
    #[error("{written} bytes written to a request body declared as {length} bytes")]
    TooLong {
        /// The declared length.
        length: u64,
        /// The bytes written, the refused write included.
        written: u64,
    },
    /// [`BodyWriter::finish`] came before the declared length was written; the body was aborted.
    #[error("the request body was finished after {written} of its declared {length} bytes")]
    TooShort {
        /// The declared length.
        length: u64,
        /// The bytes written.
        written: u64,
    },
}

/// Why a streamed body ended without completing; the request fails with this in its error's detail.
#[derive(Clone, Debug, thiserror::Error)]
#[error("the request body's source failed: {0}")]
pub struct BodyAborted(pub(crate) String);

/// What the writer and the body share.
#[derive(Debug, Default)]
struct Shared {
    /// Set by [`BodyWriter::abort`] (or a wrong length): the body ends with this error.
    aborted: Mutex<Option<String>>,
}

/// The writing end of [`Body::channel`]: write chunks, then [`finish`](BodyWriter::finish) (or
/// [`abort`](BodyWriter::abort)). One write at a time; a write waits while the channel is full.
#[derive(Debug)]
pub struct BodyWriter {
    sender: Mutex<Option<mpsc::Sender<Bytes>>>,
    length: Option<u64>,
    written: Mutex<u64>,
    shared: Arc<Shared>,
}

impl Body {
    /// A body written while it is sent: `length` bytes (sent with `Content-Length`) or, for `None`, as
    /// many as the writer writes before [`BodyWriter::finish`] (chunked on HTTP/1.1, DATA frames on
    /// HTTP/2). Like every streamed body it is sent once, so a redirect that needs it again (307, 308)
    /// stops at the redirect response.
    pub fn channel(length: Option<u64>) -> (BodyWriter, Body) {
        let (sender, receiver) = mpsc::channel(CAPACITY);
        let shared = Arc::new(Shared::default());
        let writer = BodyWriter {
            sender: Mutex::new(Some(sender)),
            length,
            written: Mutex::new(0),
            shared: shared.clone(),
        };
        let body = ChannelBody {
            receiver,
            length,
            received: 0,
            shared,
        };
        (writer, Body::Stream(reqwest::Body::wrap(body)))
    }
}

impl BodyWriter {
    /// The declared length, if any.
    pub fn length(&self) -> Option<u64> {
        self.length
    }

    /// The bytes written so far: those the body has taken (a refused write is not counted).
    pub fn written(&self) -> u64 {
        *self.written.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends `chunk`, waiting while the channel is full. Fails with [`WriteError::Closed`] once the
    /// request stopped reading its body (the writer should stop then), and with
    /// [`WriteError::TooLong`] past the declared length.
    pub async fn write(&self, chunk: Bytes) -> Result<(), WriteError> {
        let sender = self
            .sender
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(WriteError::Finished)?;
        if chunk.is_empty() {
            return Ok(());
        }
        let size = chunk.len() as u64;
        let after = self.written() + size;
        if let Some(length) = self.length.filter(|length| after > *length) {
            let error = WriteError::TooLong { length, written: after };
            self.abort(&error.to_string());
            return Err(error);
        }
        sender.send(chunk).await.map_err(|_| WriteError::Closed)?;
        // Counted once the body has taken it: a refused or undelivered write is not "written".
        *self.written.lock().unwrap_or_else(|e| e.into_inner()) += size;
        Ok(())
    }

    /// Ends the body. Fails with [`WriteError::TooShort`] (and aborts the body) when fewer bytes than
    /// the declared length were written.
    pub fn finish(&self) -> Result<(), WriteError> {
        let written = self.written();
        if let Some(length) = self.length.filter(|length| written < *length) {
            let error = WriteError::TooShort { length, written };
            self.abort(&error.to_string());
            return Err(error);
        }
        match self.sender.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(_) => Ok(()),
            None => Err(WriteError::Finished),
        }
    }

    /// Ends the body with an error: the request fails, its error's detail naming `reason` (the
    /// source's own failure, such as a file that could not be read). Harmless after `finish`.
    pub fn abort(&self, reason: &str) {
        let mut sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        if sender.is_some() {
            *self.shared.aborted.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason.to_string());
            // Dropping the sender wakes the body, which then ends with the reason.
            sender.take();
        }
    }
}

impl Drop for BodyWriter {
    /// A writer dropped without `finish` ends the body with an error: a body cut short must never
    /// reach the server looking complete (a chunked body has no length to betray it).
    fn drop(&mut self) {
        self.abort("the body's writer was dropped before finish");
    }
}

/// The reading end of [`Body::channel`], as the HTTP stack polls it.
struct ChannelBody {
    receiver: mpsc::Receiver<Bytes>,
    length: Option<u64>,
    received: u64,
    shared: Arc<Shared>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = BodyAborted;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BodyAborted>>> {
        if let Some(reason) = self.shared.aborted.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Poll::Ready(Some(Err(BodyAborted(reason))));
        }
        match self.receiver.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(chunk)) => {
                self.received += chunk.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(None) => {
                let aborted = self.shared.aborted.lock().unwrap_or_else(|e| e.into_inner()).clone();
                match (aborted, self.length) {
                    (Some(reason), _) => Poll::Ready(Some(Err(BodyAborted(reason)))),
                    // The writer was dropped without finish (or abort) before the declared length.
                    (None, Some(length)) if self.received != length => Poll::Ready(Some(Err(BodyAborted(format!(
                        "the writer went away after {} of {length} bytes",
                        self.received
                    ))))),
                    (None, _) => Poll::Ready(None),
                }
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self.length {
            Some(length) => SizeHint::with_exact(length),
            None => SizeHint::default(),
        }
    }
}
