//! A stream of chunks with a length known in advance, as a body sent with `Content-Length`.

use bytes::Bytes;
use futures_util::Stream;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A stream that ended before, or ran past, the length it was declared with.
#[derive(Debug, thiserror::Error)]
#[error("a request body declared as {length} bytes {what} after {seen} bytes")]
struct LengthMismatch {
    length: u64,
    seen: u64,
    what: &'static str,
}

/// The stream, and what it has yielded so far against its declared length.
pub(crate) struct SizedStream<S> {
    // The HTTP stack wants a `Sync` body; the stream is only `Send`. It is only ever polled through
    // `&mut`, so the mutex is never contended (`get_mut`), it only makes the type `Sync`.
    stream: Mutex<Pin<Box<S>>>,
    length: u64,
    seen: u64,
}

impl<S> SizedStream<S> {
    pub(crate) fn new(stream: S, length: u64) -> SizedStream<S> {
        SizedStream {
            stream: Mutex::new(Box::pin(stream)),
            length,
            seen: 0,
        }
    }
}

impl<S, E> http_body::Body for SizedStream<S>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let stream = this.stream.get_mut().unwrap_or_else(|e| e.into_inner());
        let mismatch = |seen, what| LengthMismatch {
            length: this.length,
            seen,
            what,
        };
        match std::task::ready!(stream.as_mut().poll_next(cx)) {
            Some(Ok(chunk)) => {
                this.seen += chunk.len() as u64;
                if this.seen > this.length {
                    return Poll::Ready(Some(Err(mismatch(this.seen, "ran long").into())));
                }
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Some(Err(e)) => Poll::Ready(Some(Err(e.into()))),
            None if this.seen < this.length => Poll::Ready(Some(Err(mismatch(this.seen, "ended").into()))),
            None => Poll::Ready(None),
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.length)
    }
}
