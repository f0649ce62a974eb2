//! What happened to an update: applied, unchanged, or refused and why. Listeners hear every outcome,
//! including those of the stored document at start and of scheduled fetches nobody awaits.

use super::error::UpdateError;
use std::fmt;

/// Where an update document came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateOrigin {
    /// The app handed it over ([`Client::apply_update`](crate::Client::apply_update)).
    App,
    /// Fetched from the update URL.
    Fetched {
        /// The URL.
        url: String,
    },
    /// Read back from the store when the client was built.
    Stored,
}

/// One update outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateEvent {
    /// The document's configuration is now in use for every new connection.
    Applied {
        /// Its version.
        version: u64,
        /// The version in use before.
        previous: u64,
        /// Where it came from.
        origin: UpdateOrigin,
    },
    /// The document is the one already in use.
    Unchanged {
        /// Its version.
        version: u64,
        /// Where it came from.
        origin: UpdateOrigin,
    },
    /// The document was refused (or could not be fetched or read); what was in use stays in use.
    Refused {
        /// Why.
        error: UpdateError,
        /// Where it came from.
        origin: UpdateOrigin,
    },
    /// The document was applied but could not be stored, so the next start will not have it.
    NotStored {
        /// Its version.
        version: u64,
        /// What the OS said.
        detail: String,
    },
}

/// What [`Client::apply_update`](crate::Client::apply_update) and
/// [`Client::check_for_update`](crate::Client::check_for_update) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateOutcome {
    /// The document is now in use.
    Applied {
        /// Its version.
        version: u64,
        /// The version in use before.
        previous: u64,
    },
    /// The document was already in use.
    Unchanged {
        /// Its version.
        version: u64,
    },
}

/// Hears every update outcome. Called on the thread that applied the update (or the fetch task): return
/// quickly.
pub trait UpdateListener: Send + Sync {
    /// One outcome.
    fn on_update_event(&self, event: &UpdateEvent);
}

impl<F: Fn(&UpdateEvent) + Send + Sync> UpdateListener for F {
    fn on_update_event(&self, event: &UpdateEvent) {
        self(event)
    }
}

impl fmt::Debug for dyn UpdateListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UpdateListener")
    }
}
