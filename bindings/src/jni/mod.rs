//! The Kotlin API's request path over JNI: execute, read the body into a buffer the caller owns, cancel,
//! release. Everything else (building clients, pin updates, the configuration) stays on UniFFI.
//!
//! UniFFI's Kotlin glue runs on JNA, whose bookkeeping costs microseconds per crossing and a fresh array
//! per body chunk; a plain JNI method costs well under one. Kotlin holds numbers ([`handles`]) instead of
//! pointers, so a closed or made-up handle is an exception, never a dangling pointer. Errors cross in
//! UniFFI's own encoding ([`wire`]), so Kotlin maps them to exceptions in the one place it maps UniFFI's.
//! The `unsafe` this needs is all in [`exports`]: the native methods, and attaching the runtime's threads
//! that complete calls.

mod body;
mod call;
mod completion;
#[allow(unsafe_code)]
mod exports;
mod handles;
mod wire;

use crate::client::PinwireClient;

#[uniffi::export]
impl PinwireClient {
    /// The handle of this client for the Kotlin API's JNI request path, registered on each call (Kotlin
    /// asks once and releases it when the client closes). Other languages have no use for it.
    pub fn jni_handle(&self) -> u64 {
        handles::register(handles::Entry::Client(self.inner.clone()))
    }
}
