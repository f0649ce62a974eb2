//! Upload progress: how much of a request body the connection has taken.

use crate::request::Body;
use bytes::{Buf, Bytes};
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Hears how much of a request body has been sent.
pub trait UploadProgress: Send + Sync {
    /// `sent` bytes of the body have been handed to the connection, of `total` when the length is
    /// known. Called on a Pinwire thread after each chunk, in order, the last time with the whole
    /// body; keep it short, the upload waits for it.
    fn on_progress(&self, sent: u64, total: Option<u64>);
}

impl<F: Fn(u64, Option<u64>) + Send + Sync> UploadProgress for F {
    fn on_progress(&self, sent: u64, total: Option<u64>) {
        self(sent, total)
    }
}

/// The piece size a body held in memory is sent in when its progress is heard.
const PIECE: usize = 64 * 1024;

impl Body {
    /// This body, reporting to `listener` as it is sent. A body held in memory is then sent in 64 KiB
    /// pieces, once: like a streamed body, a redirect that needs it again (307, 308) stops at the
    /// redirect response.
    pub fn with_progress(self, listener: Arc<dyn UploadProgress>) -> Body {
        match self {
            Body::Empty => Body::Empty,
            Body::Bytes(bytes) => {
                let total = bytes.len() as u64;
                let inner = Pieces(bytes);
                Body::Stream(reqwest::Body::wrap(Progress {
                    inner,
                    sent: 0,
                    total: Some(total),
                    listener,
                }))
            }
            Body::Stream(stream) => {
                let total = http_body::Body::size_hint(&stream).exact();
                Body::Stream(reqwest::Body::wrap(Progress {
                    inner: stream,
                    sent: 0,
                    total,
                    listener,
                }))
            }
        }
    }
}

/// Bytes in memory as a body of [`PIECE`]-sized frames.
struct Pieces(Bytes);

impl http_body::Body for Pieces {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.0.is_empty() {
            return Poll::Ready(None);
        }
        let n = self.0.len().min(PIECE);
        Poll::Ready(Some(Ok(Frame::data(self.0.split_to(n)))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.len() as u64)
    }
}

/// A body that counts its data frames as they are taken.
struct Progress<B> {
    inner: B,
    sent: u64,
    total: Option<u64>,
    listener: Arc<dyn UploadProgress>,
}

impl<B> http_body::Body for Progress<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = &mut *self;
        let frame = std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx));
        if let Some(Ok(data)) = frame.as_ref().map(|f| f.as_ref().map(Frame::data_ref)) {
            if let Some(data) = data.filter(|d| d.has_remaining()) {
                this.sent += data.remaining() as u64;
                this.listener.on_progress(this.sent, this.total);
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
