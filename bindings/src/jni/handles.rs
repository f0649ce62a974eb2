//! The numbers Kotlin holds for native clients and calls.
//!
//! A handle is a key in one table, never a pointer: looking up a released handle finds nothing, and a
//! number this process never issued is told apart from a released one. Handles start at a per-process
//! random base and are never reused, so a stale handle cannot reach a newer object.

use super::body::BodyChannel;
use super::call::Call;
use crate::error::PinwireError;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// What a handle stands for.
#[derive(Clone)]
pub(super) enum Entry {
    /// A client (a cheap clone of the core's: calls in flight keep theirs when it is released).
    Client(pinwire::Client),
    /// One call: its request, then its response body.
    Call(Arc<Call>),
    /// A request body being written.
    Body(Arc<BodyChannel>),
}

struct Table {
    entries: Mutex<HashMap<u64, Entry>>,
    base: u64,
    issued: AtomicU64,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // Random bits from the standard library's hash keys; bit 62 set and the low 32 bits clear leave room
        // for 2^32 handles and keep them far from small numbers (0, -1, an int by mistake).
        let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
        Table {
            entries: Mutex::new(HashMap::new()),
            base: ((random & 0x3fff_ffff) << 32) | (1 << 62),
            issued: AtomicU64::new(0),
        }
    })
}

fn entries(table: &Table) -> MutexGuard<'_, HashMap<u64, Entry>> {
    // A panic while the lock was held cannot leave the map half-changed (single inserts and removes).
    table.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers `entry` and returns its new handle.
pub(super) fn register(entry: Entry) -> u64 {
    let table = table();
    let handle = table.base + table.issued.fetch_add(1, Ordering::Relaxed) + 1;
    entries(table).insert(handle, entry);
    handle
}

/// The error for a handle that is not (or no longer) in the table.
fn missing(handle: u64, what: &str) -> PinwireError {
    let table = table();
    let issued = table.issued.load(Ordering::Relaxed);
    if handle > table.base && handle <= table.base + issued {
        PinwireError::Closed { what: what.into() }
    } else {
        PinwireError::Internal {
            detail: format!("internal error: {handle:#x} is not a {what} handle of this library"),
        }
    }
}

/// The client behind `handle`.
pub(super) fn client(handle: u64) -> Result<pinwire::Client, PinwireError> {
    match entries(table()).get(&handle) {
        Some(Entry::Client(client)) => Ok(client.clone()),
        Some(_) => Err(missing(0, "client")),
        None => Err(missing(handle, "client")),
    }
}

/// The call behind `handle`.
pub(super) fn call(handle: u64) -> Result<Arc<Call>, PinwireError> {
    match entries(table()).get(&handle) {
        Some(Entry::Call(call)) => Ok(call.clone()),
        Some(_) => Err(missing(0, "response")),
        None => Err(missing(handle, "response")),
    }
}

/// The request body behind `handle`.
pub(super) fn body(handle: u64) -> Result<Arc<BodyChannel>, PinwireError> {
    match entries(table()).get(&handle) {
        Some(Entry::Body(body)) => Ok(body.clone()),
        Some(_) => Err(missing(0, "request body")),
        None => Err(missing(handle, "request body")),
    }
}

/// Cancels the call behind `handle`; a released handle is ignored (cancelling twice is harmless).
pub(super) fn cancel(handle: u64) -> Result<(), PinwireError> {
    let entry = entries(table()).get(&handle).cloned();
    match entry {
        Some(Entry::Call(call)) => call.cancel(),
        Some(_) => return Err(missing(0, "call")),
        None => check_issued(handle, "call")?,
    }
    Ok(())
}

/// Removes `handle`: a call is cancelled and its body dropped. Releasing twice is harmless; a handle
/// this library never issued is an error.
pub(super) fn release(handle: u64) -> Result<(), PinwireError> {
    let entry = entries(table()).remove(&handle);
    match entry {
        // Dropped outside the lock: dropping a response can take a moment (connection bookkeeping).
        Some(Entry::Call(call)) => call.release(),
        Some(Entry::Body(body)) => body.release(),
        Some(Entry::Client(_)) => {}
        None => check_issued(handle, "native")?,
    }
    Ok(())
}

fn check_issued(handle: u64, what: &str) -> Result<(), PinwireError> {
    match missing(handle, what) {
        PinwireError::Closed { .. } => Ok(()),
        foreign => Err(foreign),
    }
}

/// How many handles are registered: for tests that check nothing leaks.
pub(super) fn count() -> usize {
    entries(table()).len()
}
