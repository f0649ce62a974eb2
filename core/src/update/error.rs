//! Why an update document was refused, or a key could not be read.

use crate::config::ConfigError;

/// A key that cannot sign or verify pin updates.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key text is not a usable key, and why.
    #[error("invalid update key: {0}")]
    Invalid(String),
}

/// Why an update was not applied. Whatever the reason, the configuration in use stays in use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// The client was built without [`UpdateOptions`](super::UpdateOptions), or without an update URL
    /// for a fetch.
    #[error("this client takes no pin updates{detail}")]
    NotConfigured {
        /// What is missing, if more than the whole option.
        detail: String,
    },
    /// The document is larger than the stated cap; nothing of it was parsed.
    #[error("update document of {size} bytes exceeds the cap of {max} bytes")]
    TooLarge {
        /// Its size (or the size read so far).
        size: usize,
        /// The cap.
        max: usize,
    },
    /// Not a JWS compact serialisation with a readable header and payload (truncated, garbled).
    #[error("malformed update document: {detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// The header names no `kid`.
    #[error("the update document names no key (\"kid\")")]
    MissingKeyId,
    /// No embedded key has this `kid`.
    #[error("no embedded update key has the id {kid:?}")]
    UnknownKeyId {
        /// The `kid` the document names.
        kid: String,
    },
    /// The header's `alg` is not the algorithm of the key it names (`none`, `HS256`, another curve).
    #[error("algorithm {alg:?} refused: key {kid:?} verifies only {expected}")]
    AlgorithmNotAllowed {
        /// The `alg` the document names.
        alg: String,
        /// The key it names.
        kid: String,
        /// The key's own algorithm.
        expected: &'static str,
    },
    /// The signature does not verify with the named key: the document was altered or signed by
    /// another key.
    #[error("the update document's signature does not verify with key {kid:?}")]
    BadSignature {
        /// The key tried.
        kid: String,
    },
    /// The signed payload is not an update document of a format this library reads.
    #[error("the signed payload is not a pin update document: {detail}")]
    InvalidPayload {
        /// What is wrong.
        detail: String,
    },
    /// The document's `expires_at` has passed.
    #[error("update document version {version} expired at {expires_at}")]
    Expired {
        /// The document's version.
        version: u64,
        /// Its `expires_at`, RFC 3339.
        expires_at: String,
    },
    /// The document's `issued_at` is later than now plus the allowed clock skew.
    #[error("update document version {version} is issued at {issued_at}, in the future")]
    IssuedInFuture {
        /// The document's version.
        version: u64,
        /// Its `issued_at`, RFC 3339.
        issued_at: String,
    },
    /// The configuration inside is not a valid Pinwire JSON configuration (too few pins included).
    #[error("the configuration inside update version {version} is invalid: {error}")]
    InvalidConfiguration {
        /// The document's version.
        version: u64,
        /// The configuration error, with its position in the embedded configuration.
        error: ConfigError,
    },
    /// The configuration inside is valid but not acceptable as an update: see `detail`.
    #[error("the configuration inside update version {version} is not acceptable as an update: {detail}")]
    UnacceptableConfiguration {
        /// The document's version.
        version: u64,
        /// Why (warnings about parts not understood, trust anchors, fewer than two pins).
        detail: String,
    },
    /// The document's version is lower than the one in use: a rollback.
    #[error("rollback refused: update version {version} is older than version {in_use} in use")]
    Rollback {
        /// The document's version.
        version: u64,
        /// The version in use (or remembered as the last accepted).
        in_use: u64,
    },
    /// The document has the version in use but says something else.
    #[error("update version {version} differs from the version {version} in use: a new document needs a new version")]
    SameVersionDifferentContent {
        /// The version.
        version: u64,
    },
    /// The update document could not be fetched.
    #[error("fetching the update document from {url} failed: {detail}")]
    Fetch {
        /// The update URL.
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// The stored document could not be read.
    #[error("the stored update document could not be read: {detail}")]
    Store {
        /// What the OS said.
        detail: String,
    },
    /// The client could not be rebuilt with the new configuration.
    #[error("the update could not be put in use: {detail}")]
    Client {
        /// Why.
        detail: String,
    },
}
