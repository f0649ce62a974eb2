//! A response body read ahead of its reader by a task of its own, into a bounded buffer.
//!
//! For readers outside the runtime (a foreign-language binding reading on its own thread): with the body
//! read only when the reader asks, every piece costs two hand-overs between threads (the reader wakes the
//! connection, the connection wakes the reader), and over HTTP/1.1 the connection reads nothing from the
//! socket while the reader copies the last piece. Read ahead, the network side keeps going while the reader
//! copies, and a reader that keeps up finds the bytes already there and never waits.

use crate::error::{from_panic, Error};
use crate::response::Response;
use bytes::{Bytes, BytesMut};
use futures_util::FutureExt as _;
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// A response body being read ahead: see [`Response::read_ahead`]. Reads, waits and [`close`] (or
/// dropping it) may come from any thread; readers that read at once each get different bytes, and every
/// task waiting in [`readable`](ReadAhead::readable) is woken.
///
/// [`close`]: ReadAhead::close
#[derive(Debug)]
pub struct ReadAhead {
    shared: Arc<Shared>,
}

/// What [`ReadAhead::try_read`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Ready {
    /// Body bytes: at most the length asked for, and never empty unless that was 0.
    Data(Bytes),
    /// The end of the body (or the body was [closed](ReadAhead::close)).
    End,
    /// Nothing has arrived yet: [`ReadAhead::readable`] says when something has.
    Empty,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Wakes the readers waiting in `readable` (all of them: see `wake_readers`).
    readable: Notify,
    /// Wakes the task waiting for room in the buffer.
    room: Notify,
    closed: CancellationToken,
    /// The most bytes held before the task waits for the reader.
    limit: usize,
    /// For the error that repeats one already reported.
    url: String,
}

#[derive(Debug, Default)]
struct State {
    pieces: VecDeque<Bytes>,
    buffered: usize,
    /// The task waits for the buffer to drain to half its limit.
    waiting_for_room: bool,
    end: Option<End>,
}

#[derive(Debug)]
enum End {
    /// The body's end was read (or the body was closed).
    Complete,
    /// The body failed; not reported yet.
    Failed(Error),
    /// The body failed with this error, already reported once.
    Reported(String),
}

impl Response {
    /// Reads the rest of the body ahead of the caller, as a task on the current Tokio runtime, holding up
    /// to about `limit` bytes that were not read yet (the last piece taken may cross it; at least one
    /// piece is held whatever the limit). The call's deadline and the decoding bound apply as they do to
    /// [`Response::chunk`]; an error reaches the reader after the bytes that came before it.
    ///
    /// For callers that read from outside the runtime, such as a foreign-language binding: a reader that
    /// keeps up with the network finds the bytes there and never waits for a hand-over.
    ///
    /// # Panics
    /// Outside a Tokio runtime's context.
    pub fn read_ahead(self, limit: usize) -> ReadAhead {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            readable: Notify::new(),
            room: Notify::new(),
            closed: CancellationToken::new(),
            limit: limit.max(1),
            url: self.url().to_string(),
        });
        let task = Arc::clone(&shared);
        tokio::spawn(async move {
            let guard = EndGuard(Arc::clone(&task));
            let end = match AssertUnwindSafe(task.fill(self)).catch_unwind().await {
                Ok(None) => return, // closed
                Ok(Some(end)) => end,
                Err(panic) => End::Failed(from_panic(panic.as_ref(), &task.url)),
            };
            guard.finish(end);
        });
        ReadAhead { shared }
    }
}

impl ReadAhead {
    /// Up to `max` bytes of what has arrived, without waiting.
    ///
    /// # Errors
    /// The error the body failed with, once, after every byte that came before it; after that, an
    /// [`Error::Protocol`] that names it.
    pub fn try_read(&self, max: usize) -> Result<Ready, Error> {
        let mut state = self.shared.lock();
        if max == 0 {
            return Ok(Ready::Data(Bytes::new()));
        }
        match self.shared.take_piece(&mut state, max) {
            Some(piece) => Ok(Ready::Data(piece)),
            None => self.shared.take_end(&mut state),
        }
    }

    /// As [`try_read`](Self::try_read), but joins the pieces held into one, up to `max` bytes: for a reader
    /// that pays per read (a call across an FFI) more than for a copy. A single piece comes without a copy.
    ///
    /// # Errors
    /// As [`try_read`](Self::try_read): the error comes on the read after the last bytes before it.
    pub fn try_read_coalesced(&self, max: usize) -> Result<Ready, Error> {
        let mut state = self.shared.lock();
        if max == 0 {
            return Ok(Ready::Data(Bytes::new()));
        }
        let Some(first) = self.shared.take_piece(&mut state, max) else {
            return self.shared.take_end(&mut state);
        };
        if first.len() == max || state.pieces.is_empty() {
            return Ok(Ready::Data(first));
        }
        let mut joined = BytesMut::with_capacity(max.min(first.len() + state.buffered));
        joined.extend_from_slice(&first);
        while joined.len() < max {
            let Some(piece) = self.shared.take_piece(&mut state, max - joined.len()) else {
                break;
            };
            joined.extend_from_slice(&piece);
        }
        Ok(Ready::Data(joined.freeze()))
    }

    /// Waits until [`try_read`](Self::try_read) has something other than [`Ready::Empty`] to return.
    /// Cancel-safe.
    pub async fn readable(&self) {
        loop {
            // Registered before the state is looked at: a wake-up between the two is not lost.
            let notified = self.shared.readable.notified();
            {
                let state = self.shared.lock();
                if !state.pieces.is_empty() || state.end.is_some() {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Stops reading ahead and drops the body (and with it the connection, or its HTTP/2 stream) and
    /// what was held. Reads then find the end.
    pub fn close(&self) {
        self.shared.closed.cancel();
        let mut state = self.shared.lock();
        state.pieces.clear();
        state.buffered = 0;
        if !matches!(state.end, Some(End::Failed(_) | End::Reported(_))) {
            state.end = Some(End::Complete);
        }
        drop(state);
        self.shared.wake_readers();
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.close();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; a poisoned lock still holds consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every task waiting in `readable`: with `notify_one`, a second waiter would sleep through the
    /// end of the body. A waiter registers before it looks at the state, so no wake-up is lost.
    fn wake_readers(&self) {
        self.readable.notify_waiters();
    }

    /// Up to `max` (> 0) bytes of the first piece held, if any.
    fn take_piece(&self, state: &mut State, max: usize) -> Option<Bytes> {
        let front = state.pieces.front_mut()?;
        let piece = if front.len() <= max {
            state.pieces.pop_front().unwrap_or_default()
        } else {
            front.split_to(max)
        };
        state.buffered -= piece.len();
        // Woken at half the limit, not at every read: one wake-up per half a buffer, not per piece.
        if state.waiting_for_room && state.buffered <= self.limit / 2 {
            state.waiting_for_room = false;
            self.room.notify_one();
        }
        Some(piece)
    }

    /// What a read finds once no bytes are held: nothing yet, the end, or the error (once, then one that
    /// names it).
    fn take_end(&self, state: &mut State) -> Result<Ready, Error> {
        match state.end.take() {
            None => Ok(Ready::Empty),
            Some(End::Complete) => {
                state.end = Some(End::Complete);
                Ok(Ready::End)
            }
            Some(End::Failed(error)) => {
                state.end = Some(End::Reported(error.to_string()));
                Err(error)
            }
            Some(End::Reported(first)) => {
                let error = Error::Protocol {
                    url: self.url.clone(),
                    detail: format!("the body already failed: {first}"),
                };
                state.end = Some(End::Reported(first));
                Err(error)
            }
        }
    }

    /// Reads `response` into the buffer until its end (`Some`), or until closed (`None`).
    async fn fill(&self, mut response: Response) -> Option<End> {
        loop {
            loop {
                let room = self.room.notified();
                {
                    let mut state = self.lock();
                    if state.buffered < self.limit {
                        break;
                    }
                    state.waiting_for_room = true;
                }
                tokio::select! {
                    biased;
                    () = self.closed.cancelled() => return None,
                    () = room => {}
                }
            }
            let next = tokio::select! {
                biased;
                () = self.closed.cancelled() => return None,
                next = response.chunk() => next,
            };
            match next {
                // An HTTP/2 body may end with an empty DATA frame: not a piece anyone wants.
                Ok(Some(piece)) if piece.is_empty() => continue,
                Ok(Some(piece)) => {
                    let mut state = self.lock();
                    state.buffered += piece.len();
                    state.pieces.push_back(piece);
                    drop(state);
                    self.wake_readers();
                }
                Ok(None) => return Some(End::Complete),
                Err(error) => return Some(End::Failed(error)),
            }
        }
    }
}

/// Ends the body for the reader however the task ends: with its outcome, or, dropped unfinished (its
/// runtime shut down), as cancelled, so that no reader waits forever.
struct EndGuard(Arc<Shared>);

impl EndGuard {
    fn finish(&self, end: End) {
        let mut state = self.0.lock();
        if state.end.is_none() {
            state.end = Some(end);
        }
        drop(state);
        self.0.wake_readers();
    }
}

impl Drop for EndGuard {
    fn drop(&mut self) {
        if !self.0.closed.is_cancelled() && self.0.lock().end.is_none() {
            self.finish(End::Failed(Error::Cancelled));
        }
    }
}
