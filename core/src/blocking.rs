//! App and platform code that may block, called from inside a request's task: run off the async workers.

/// Runs `f`, which may block (SecTrust evaluation, the JNI call into Android's trust manager, an app's
/// observer or cookie store), without stalling the runtime: rustls calls the verifier, and reqwest the
/// cookie store, synchronously from inside a task, so on a multi-threaded tokio runtime the worker hands
/// its other tasks (requests, body reads, timers) to another thread for the duration (`block_in_place`).
/// A current-thread runtime cannot do that (and `block_in_place` would panic there): `f` runs in place,
/// as it does outside any runtime. docs/adr/0001-blocking-work-off-the-runtime.md says why this and not a
/// thread pool.
pub(crate) fn off_the_async_workers<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}
