//! The builder option that turns pin updates on: the keys, where documents come from, where the last
//! one is kept.

use super::events::UpdateListener;
use super::keys::VerificationKey;
use super::verify::UpdateVerifier;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Signed pin updates for a [`ClientBuilder`](crate::ClientBuilder): the configuration the builder was
/// given is the shipped one, the floor the client falls back to whenever no valid update is at hand.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    pub(crate) verifier: UpdateVerifier,
    pub(crate) store_dir: Option<PathBuf>,
    pub(crate) url: Option<String>,
    pub(crate) interval: Option<Duration>,
    pub(crate) shipped_version: u64,
    pub(crate) listeners: Vec<Arc<dyn UpdateListener>>,
}

impl UpdateOptions {
    /// Updates signed by any of `keys`: one or more, so the signing key itself can rotate.
    pub fn new(keys: Vec<VerificationKey>) -> UpdateOptions {
        UpdateOptions {
            verifier: UpdateVerifier::new(keys),
            store_dir: None,
            url: None,
            interval: None,
            shipped_version: 0,
            listeners: Vec::new(),
        }
    }

    /// Keeps the last accepted document in `dir` and reads it back at start. Without it, every start
    /// begins from the shipped configuration.
    pub fn store_dir(mut self, dir: impl Into<PathBuf>) -> UpdateOptions {
        self.store_dir = Some(dir.into());
        self
    }

    /// Where [`Client::check_for_update`](crate::Client::check_for_update) fetches documents, over a
    /// connection pinned by the shipped configuration (so the update host's pins must outlive the
    /// updates: pin its CA, or keep its key).
    pub fn url(mut self, url: &str) -> UpdateOptions {
        self.url = Some(url.to_string());
        self
    }

    /// Also fetches from the URL when the client is built and then every `interval`, while the client
    /// lives. Needs a Tokio runtime at build time; without one only on-demand checks happen.
    pub fn fetch_every(mut self, interval: Duration) -> UpdateOptions {
        self.interval = Some(interval);
        self
    }

    /// The version of the shipped configuration (default 0): a stored or fetched document must be newer.
    /// Raise it when an app release ships the pins of a newer document.
    pub fn shipped_version(mut self, version: u64) -> UpdateOptions {
        self.shipped_version = version;
        self
    }

    /// The size cap on documents (default [`DEFAULT_MAX_DOCUMENT_SIZE`](super::DEFAULT_MAX_DOCUMENT_SIZE)).
    pub fn max_document_size(mut self, max: usize) -> UpdateOptions {
        self.verifier = self.verifier.with_max_size(max);
        self
    }

    /// How far in the future `issued_at` may be (default
    /// [`DEFAULT_MAX_CLOCK_SKEW`](super::DEFAULT_MAX_CLOCK_SKEW)).
    pub fn max_clock_skew(mut self, skew: Duration) -> UpdateOptions {
        self.verifier = self.verifier.with_max_clock_skew(skew);
        self
    }

    /// Registers a listener of update outcomes.
    pub fn listener(mut self, listener: Arc<dyn UpdateListener>) -> UpdateOptions {
        self.listeners.push(listener);
        self
    }
}
