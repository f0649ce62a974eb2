//! Signed pin updates: new pins without an app release, and never below the shipped configuration.
//!
//! A release tool signs a Pinwire JSON configuration into an update document ([`sign_update`]); apps
//! embed the public keys ([`VerificationKey`]) and give them to the client with [`UpdateOptions`]. The
//! client accepts a document (fetched from the update URL, handed over by the app, or read back from
//! its store) only when it passes every rule ([`UpdateVerifier`]) and is newer than what is in use;
//! otherwise what is in use stays, and listeners hear why ([`UpdateEvent`], [`UpdateError`]). The rules,
//! storage and threat model are described in `docs/pin-updates.md`.

mod document;
mod error;
mod events;
mod jose;
mod keys;
pub(crate) mod live;
mod options;
mod store;
mod verify;

pub use document::{sign_update, UpdateContent, UpdateDocument, UPDATE_FORMAT};
pub use error::{KeyError, UpdateError};
pub use events::{UpdateEvent, UpdateListener, UpdateOrigin, UpdateOutcome};
pub use keys::{KeyAlgorithm, SigningKey, VerificationKey};
pub use options::UpdateOptions;
pub use verify::{UpdateVerifier, DEFAULT_MAX_CLOCK_SKEW, DEFAULT_MAX_DOCUMENT_SIZE};
