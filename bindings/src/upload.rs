//! Request bodies the foreign side writes while they are sent, their upload progress, and the framing
//! of `multipart/form-data` bodies. The channel, length checks and encoding are the core's.

use crate::error::PinwireError;
use std::sync::{Arc, Mutex};

/// Hears how much of a request body has been sent (implemented in Kotlin or Swift).
#[uniffi::export(with_foreign)]
pub trait UploadProgressListener: Send + Sync {
    /// `bytes_sent` bytes have been handed to the connection, of `total_bytes` when the length is known.
    /// Called on a Pinwire thread after each chunk, the last time with the whole body; keep it short.
    fn on_progress(&self, bytes_sent: u64, total_bytes: Option<u64>);
}

struct ProgressAdapter(Arc<dyn UploadProgressListener>);

impl pinwire::UploadProgress for ProgressAdapter {
    fn on_progress(&self, sent: u64, total: Option<u64>) {
        self.0.on_progress(sent, total);
    }
}

/// A request body written while it is sent: pass it as `HttpRequest.body_writer`, then `write` chunks
/// and `finish` (or `abort`). A write waits while the request is not ready for more.
#[derive(uniffi::Object)]
pub struct BodyWriter {
    writer: pinwire::BodyWriter,
    /// The reading end, until a request takes it.
    body: Mutex<Option<pinwire::Body>>,
}

impl std::fmt::Debug for BodyWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyWriter")
            .field("writer", &self.writer)
            .finish_non_exhaustive()
    }
}

pub(crate) fn write_error(error: pinwire::WriteError) -> PinwireError {
    match error {
        pinwire::WriteError::Closed | pinwire::WriteError::Finished => PinwireError::Closed {
            what: "request body".into(),
        },
        other => PinwireError::InvalidConfig {
            detail: other.to_string(),
        },
    }
}

impl BodyWriter {
    /// The body, for the one request that sends it.
    pub(crate) fn take_body(&self) -> Result<pinwire::Body, PinwireError> {
        self.body
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| PinwireError::InvalidConfig {
                detail: "a BodyWriter sends one request's body; this one was already used".into(),
            })
    }
}

#[uniffi::export]
impl BodyWriter {
    /// A body of `content_length` bytes (sent with `Content-Length`), or of unknown length (chunked on
    /// HTTP/1.1, DATA frames on HTTP/2); `progress` hears how much was sent.
    #[uniffi::constructor(default(progress = None))]
    pub fn new(content_length: Option<u64>, progress: Option<Arc<dyn UploadProgressListener>>) -> Arc<BodyWriter> {
        let (writer, mut body) = pinwire::Body::channel(content_length);
        if let Some(listener) = progress {
            body = body.with_progress(Arc::new(ProgressAdapter(listener)));
        }
        Arc::new(BodyWriter {
            writer,
            body: Mutex::new(Some(body)),
        })
    }

    /// Sends `chunk`, waiting while the request is not ready for more. Fails with `Closed` once the
    /// request stopped reading its body (it ended, failed or was cancelled: stop writing), and with
    /// `InvalidConfig` past the declared length.
    pub async fn write(&self, chunk: Vec<u8>) -> Result<(), PinwireError> {
        self.writer.write(chunk.into()).await.map_err(write_error)
    }

    /// Ends the body; `InvalidConfig` (and the request fails) when fewer bytes than declared were written.
    pub fn finish(&self) -> Result<(), PinwireError> {
        self.writer.finish().map_err(write_error)
    }

    /// Ends the body with an error naming `reason` (the source's failure): the request fails.
    pub fn abort(&self, reason: String) {
        self.writer.abort(&reason);
    }

    /// The bytes written so far.
    pub fn written(&self) -> u64 {
        self.writer.written()
    }
}

/// One part of a `multipart/form-data` body, as far as its framing goes.
#[derive(Debug, Clone, uniffi::Record)]
pub struct MultipartPart {
    /// The form field's name.
    pub name: String,
    /// The file name, for a file.
    #[uniffi(default = None)]
    pub filename: Option<String>,
    /// The part's content type (none means `text/plain`).
    #[uniffi(default = None)]
    pub content_type: Option<String>,
    /// The part's length, when known (for the form's `Content-Length`).
    #[uniffi(default = None)]
    pub length: Option<u64>,
}

/// The bytes around the parts of a `multipart/form-data` body: `heads[i]`, part `i`, ..., then `tail`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct MultipartFraming {
    /// The request's `Content-Type` (`multipart/form-data; boundary=...`).
    pub content_type: String,
    /// The random boundary.
    pub boundary: String,
    /// What goes before each part.
    pub heads: Vec<Vec<u8>>,
    /// What goes after the last part.
    pub tail: Vec<u8>,
    /// The whole body's length, when every part's is known.
    pub content_length: Option<u64>,
}

/// The framing of a form with these parts, with a random boundary; `InvalidConfig` for a content
/// type that is no valid header value.
#[uniffi::export]
pub fn multipart_framing(parts: Vec<MultipartPart>) -> Result<MultipartFraming, PinwireError> {
    let heads: Vec<pinwire::multipart::PartHead> = parts
        .iter()
        .map(|part| {
            let mut head = pinwire::multipart::PartHead::new(&part.name);
            if let Some(filename) = &part.filename {
                head = head.filename(filename);
            }
            if let Some(content_type) = &part.content_type {
                head = head.content_type(content_type);
            }
            head
        })
        .collect();
    let framing = pinwire::multipart::MultipartFraming::new(&heads)?;
    let lengths: Vec<Option<u64>> = parts.iter().map(|p| p.length).collect();
    Ok(MultipartFraming {
        content_type: framing.content_type(),
        boundary: framing.boundary().to_string(),
        heads: framing.heads().iter().map(|h| h.to_vec()).collect(),
        tail: framing.tail().to_vec(),
        content_length: framing.content_length(&lengths),
    })
}
