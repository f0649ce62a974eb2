//! The one tokio runtime the bindings run the core on.
//!
//! Exported async functions are polled by the foreign language's executor (Kotlin coroutines, Swift
//! tasks). The core's work is spawned onto this runtime instead, and the handle aborts the task when the
//! foreign side drops the future, so a cancelled coroutine really stops the request and closes its
//! connection.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        // One worker: a call's tasks (request, connection, body read ahead) then share a thread and hand
        // work over without waking another. Blocking sections (the verifier's platform calls, the app's
        // listeners) still move off it (`block_in_place`). docs/adr/0019-one-runtime-worker.md.
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("pinwire")
            .enable_all()
            .build()
            .expect("the tokio runtime starts") // only fails if the OS refuses threads at start-up
    })
}

/// A task on the runtime that is aborted when this handle is dropped.
pub(crate) struct Spawned<T>(JoinHandle<T>);

impl<T> Drop for Spawned<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> Future for Spawned<T> {
    type Output = Result<T, tokio::task::JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// Runs `future` on the bindings' runtime.
pub(crate) fn spawn<F>(future: F) -> Spawned<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Spawned(runtime().spawn(future))
}

/// Runs `future` on the bindings' runtime to its end; nothing waits for it (it reports its outcome
/// itself).
pub(crate) fn spawn_detached<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    drop(runtime().spawn(future));
}

/// Runs a synchronous constructor inside the runtime's context (reqwest's client needs one).
pub(crate) fn enter<T>(f: impl FnOnce() -> T) -> T {
    let _guard = runtime().enter();
    f()
}

/// Waits on the calling (foreign) thread for `future`, whose I/O the runtime's workers drive.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}
