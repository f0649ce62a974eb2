//! Signed pin updates as Kotlin and Swift see them: the builder's update source, the outcome of an
//! update, why one was refused, and the listener of every outcome. Verification, storage and fetching
//! all happen in the core; this file only converts.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where a client takes signed pin updates from ([`ClientOptions::updates`](crate::ClientOptions)). The
/// pins the client is built with are the shipped configuration, the floor it falls back to.
#[derive(Debug, Clone, uniffi::Record)]
pub struct UpdateSource {
    /// The public keys that may sign updates, as JWK text (`pinwire update keygen` prints one): one or
    /// more, so the signing key itself can rotate.
    pub keys: Vec<String>,
    /// The directory the last accepted document is kept in and read back from at start (Android
    /// `filesDir`, iOS Application Support). Without it every start begins from the shipped pins.
    #[uniffi(default = None)]
    pub store_directory: Option<String>,
    /// The URL `check_for_update` fetches documents from, over a connection pinned by the shipped pins.
    #[uniffi(default = None)]
    pub url: Option<String>,
    /// Also fetch from `url` when the client is built and then this often.
    #[uniffi(default = None)]
    pub fetch_interval: Option<Duration>,
    /// The version of the shipped configuration: a stored or fetched document must be newer.
    #[uniffi(default = 0)]
    pub shipped_version: u64,
}

/// The core's update options for `source`, with `listener` hearing every outcome.
pub(crate) fn update_options(
    source: &UpdateSource,
    listener: Option<Arc<dyn UpdateEventListener>>,
) -> Result<pinwire::update::UpdateOptions, crate::PinwireError> {
    let keys = source
        .keys
        .iter()
        .map(|jwk| pinwire::update::VerificationKey::from_jwk(jwk))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| crate::PinwireError::InvalidConfig { detail: e.to_string() })?;
    let mut options = pinwire::update::UpdateOptions::new(keys).shipped_version(source.shipped_version);
    if let Some(dir) = &source.store_directory {
        options = options.store_dir(PathBuf::from(dir));
    }
    if let Some(url) = &source.url {
        options = options.url(url);
    }
    if let Some(interval) = source.fetch_interval {
        options = options.fetch_every(interval);
    }
    if let Some(listener) = listener {
        options = options.listener(Arc::new(ListenerAdapter(listener)));
    }
    Ok(options)
}

/// What `apply_update` and `check_for_update` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UpdateOutcome {
    /// The document is now in use for every new connection.
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

impl UpdateOutcome {
    /// The core's outcome; `in_use` is the version now in use, for an outcome the core may add later.
    pub(crate) fn new(outcome: pinwire::update::UpdateOutcome, in_use: u64) -> UpdateOutcome {
        match outcome {
            pinwire::update::UpdateOutcome::Applied { version, previous } => {
                UpdateOutcome::Applied { version, previous }
            }
            pinwire::update::UpdateOutcome::Unchanged { version } => UpdateOutcome::Unchanged { version },
            _ => UpdateOutcome::Unchanged { version: in_use },
        }
    }
}

/// Why an update was not applied, without its text (which is in the error's or event's `detail`). One
/// name per variant of [`UpdateError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UpdateRefusal {
    /// The client takes no updates, or has no URL to fetch from.
    NotConfigured,
    /// Larger than the size cap.
    TooLarge,
    /// Not a readable JWS (truncated, garbled).
    Malformed,
    /// The header names no key.
    MissingKeyId,
    /// No embedded key has the named id.
    UnknownKeyId,
    /// The header's algorithm is not the named key's.
    AlgorithmNotAllowed,
    /// The signature does not verify: altered, or signed by another key.
    BadSignature,
    /// The signed payload is not an update document.
    InvalidPayload,
    /// Past its `expires_at`.
    Expired,
    /// Issued in the future.
    IssuedInFuture,
    /// The configuration inside is invalid.
    InvalidConfiguration,
    /// The configuration inside is valid but not acceptable as an update.
    UnacceptableConfiguration,
    /// Older than the version in use.
    Rollback,
    /// The version in use, with other content.
    SameVersionDifferentContent,
    /// Could not be fetched.
    Fetch,
    /// The stored document could not be read.
    Store,
    /// The client could not be rebuilt with it.
    Client,
}

/// Why an update was not applied; what was in use stays in use. Every variant carries the core's message
/// in `detail`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum UpdateError {
    /// The client was built without an update source, or without a URL for a fetch.
    #[error("{detail}")]
    NotConfigured {
        /// The full message.
        detail: String,
    },
    /// The document is larger than the cap; nothing of it was parsed.
    #[error("{detail}")]
    TooLarge {
        /// Its size (or the size read so far).
        size: u64,
        /// The cap.
        max: u64,
        /// The full message.
        detail: String,
    },
    /// Not a JWS compact serialisation with a readable header and payload.
    #[error("{detail}")]
    Malformed {
        /// The full message.
        detail: String,
    },
    /// The header names no `kid`.
    #[error("{detail}")]
    MissingKeyId {
        /// The full message.
        detail: String,
    },
    /// No embedded key has this `kid`.
    #[error("{detail}")]
    UnknownKeyId {
        /// The `kid` the document names.
        kid: String,
        /// The full message.
        detail: String,
    },
    /// The header's `alg` is not the algorithm of the key it names.
    #[error("{detail}")]
    AlgorithmNotAllowed {
        /// The `alg` the document names.
        alg: String,
        /// The key it names.
        kid: String,
        /// The full message.
        detail: String,
    },
    /// The signature does not verify with the named key.
    #[error("{detail}")]
    BadSignature {
        /// The key tried.
        kid: String,
        /// The full message.
        detail: String,
    },
    /// The signed payload is not a pin update document.
    #[error("{detail}")]
    InvalidPayload {
        /// The full message.
        detail: String,
    },
    /// The document has expired.
    #[error("{detail}")]
    Expired {
        /// The document's version.
        version: u64,
        /// The full message.
        detail: String,
    },
    /// The document is issued in the future beyond the allowed clock skew.
    #[error("{detail}")]
    IssuedInFuture {
        /// The document's version.
        version: u64,
        /// The full message.
        detail: String,
    },
    /// The configuration inside is invalid.
    #[error("{detail}")]
    InvalidConfiguration {
        /// The document's version.
        version: u64,
        /// The full message.
        detail: String,
    },
    /// The configuration inside is valid but not acceptable as an update.
    #[error("{detail}")]
    UnacceptableConfiguration {
        /// The document's version.
        version: u64,
        /// The full message.
        detail: String,
    },
    /// The document is older than the one in use.
    #[error("{detail}")]
    Rollback {
        /// The document's version.
        version: u64,
        /// The version in use.
        in_use: u64,
        /// The full message.
        detail: String,
    },
    /// The document has the version in use but other content.
    #[error("{detail}")]
    SameVersionDifferentContent {
        /// The version.
        version: u64,
        /// The full message.
        detail: String,
    },
    /// The document could not be fetched.
    #[error("{detail}")]
    Fetch {
        /// The update URL.
        url: String,
        /// The full message.
        detail: String,
    },
    /// The stored document could not be read.
    #[error("{detail}")]
    Store {
        /// The full message.
        detail: String,
    },
    /// The client could not be rebuilt with the new configuration.
    #[error("{detail}")]
    Client {
        /// The full message.
        detail: String,
    },
}

impl From<pinwire::update::UpdateError> for UpdateError {
    fn from(error: pinwire::update::UpdateError) -> UpdateError {
        use pinwire::update::UpdateError as E;
        let detail = error.to_string();
        let wide = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        match error {
            E::NotConfigured { .. } => UpdateError::NotConfigured { detail },
            E::TooLarge { size, max } => UpdateError::TooLarge {
                size: wide(size),
                max: wide(max),
                detail,
            },
            E::Malformed { .. } => UpdateError::Malformed { detail },
            E::MissingKeyId => UpdateError::MissingKeyId { detail },
            E::UnknownKeyId { kid } => UpdateError::UnknownKeyId { kid, detail },
            E::AlgorithmNotAllowed { alg, kid, .. } => UpdateError::AlgorithmNotAllowed { alg, kid, detail },
            E::BadSignature { kid } => UpdateError::BadSignature { kid, detail },
            E::InvalidPayload { .. } => UpdateError::InvalidPayload { detail },
            E::Expired { version, .. } => UpdateError::Expired { version, detail },
            E::IssuedInFuture { version, .. } => UpdateError::IssuedInFuture { version, detail },
            E::InvalidConfiguration { version, .. } => UpdateError::InvalidConfiguration { version, detail },
            E::UnacceptableConfiguration { version, .. } => UpdateError::UnacceptableConfiguration { version, detail },
            E::Rollback { version, in_use } => UpdateError::Rollback {
                version,
                in_use,
                detail,
            },
            E::SameVersionDifferentContent { version } => UpdateError::SameVersionDifferentContent { version, detail },
            E::Fetch { url, .. } => UpdateError::Fetch { url, detail },
            E::Store { .. } => UpdateError::Store { detail },
            E::Client { .. } => UpdateError::Client { detail },
            // The core's enum is non-exhaustive: a refusal it adds later still crosses, with its message.
            _ => UpdateError::Client { detail },
        }
    }
}

impl UpdateError {
    /// The variant's name without its fields.
    pub(crate) fn refusal(&self) -> UpdateRefusal {
        match self {
            UpdateError::NotConfigured { .. } => UpdateRefusal::NotConfigured,
            UpdateError::TooLarge { .. } => UpdateRefusal::TooLarge,
            UpdateError::Malformed { .. } => UpdateRefusal::Malformed,
            UpdateError::MissingKeyId { .. } => UpdateRefusal::MissingKeyId,
            UpdateError::UnknownKeyId { .. } => UpdateRefusal::UnknownKeyId,
            UpdateError::AlgorithmNotAllowed { .. } => UpdateRefusal::AlgorithmNotAllowed,
            UpdateError::BadSignature { .. } => UpdateRefusal::BadSignature,
            UpdateError::InvalidPayload { .. } => UpdateRefusal::InvalidPayload,
            UpdateError::Expired { .. } => UpdateRefusal::Expired,
            UpdateError::IssuedInFuture { .. } => UpdateRefusal::IssuedInFuture,
            UpdateError::InvalidConfiguration { .. } => UpdateRefusal::InvalidConfiguration,
            UpdateError::UnacceptableConfiguration { .. } => UpdateRefusal::UnacceptableConfiguration,
            UpdateError::Rollback { .. } => UpdateRefusal::Rollback,
            UpdateError::SameVersionDifferentContent { .. } => UpdateRefusal::SameVersionDifferentContent,
            UpdateError::Fetch { .. } => UpdateRefusal::Fetch,
            UpdateError::Store { .. } => UpdateRefusal::Store,
            UpdateError::Client { .. } => UpdateRefusal::Client,
        }
    }
}

/// What happened to an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UpdateEventKind {
    /// Now in use (`version`, `previous`).
    Applied,
    /// Already in use (`version`).
    Unchanged,
    /// Refused, or could not be fetched or read (`refusal`, `detail`); what was in use stays.
    Refused,
    /// Applied but not stored, so the next start will not have it (`version`, `detail`).
    NotStored,
}

/// Where an update document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UpdateOrigin {
    /// The app handed it over (`apply_update`).
    App,
    /// Fetched from the update URL (in the event's `url`).
    Fetched,
    /// Read back from the store when the client was built.
    Stored,
}

/// One update outcome.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UpdateEvent {
    /// What happened.
    pub kind: UpdateEventKind,
    /// The document's version, when known (`Applied`, `Unchanged`, `NotStored`).
    pub version: Option<u64>,
    /// The version in use before, for `Applied`.
    pub previous: Option<u64>,
    /// Where the document came from (none for `NotStored`).
    pub origin: Option<UpdateOrigin>,
    /// The update URL, for a fetched document.
    pub url: Option<String>,
    /// Why it was refused, for `Refused`.
    pub refusal: Option<UpdateRefusal>,
    /// The message, for `Refused` and `NotStored`.
    pub detail: Option<String>,
}

fn origin(origin: &pinwire::update::UpdateOrigin) -> (Option<UpdateOrigin>, Option<String>) {
    match origin {
        pinwire::update::UpdateOrigin::App => (Some(UpdateOrigin::App), None),
        pinwire::update::UpdateOrigin::Fetched { url } => (Some(UpdateOrigin::Fetched), Some(url.clone())),
        pinwire::update::UpdateOrigin::Stored => (Some(UpdateOrigin::Stored), None),
        _ => (None, None),
    }
}

impl From<&pinwire::update::UpdateEvent> for UpdateEvent {
    fn from(event: &pinwire::update::UpdateEvent) -> UpdateEvent {
        use pinwire::update::UpdateEvent as E;
        let empty = |kind| UpdateEvent {
            kind,
            version: None,
            previous: None,
            origin: None,
            url: None,
            refusal: None,
            detail: None,
        };
        match event {
            E::Applied {
                version,
                previous,
                origin: from,
            } => {
                let (origin, url) = origin(from);
                UpdateEvent {
                    version: Some(*version),
                    previous: Some(*previous),
                    origin,
                    url,
                    ..empty(UpdateEventKind::Applied)
                }
            }
            E::Unchanged { version, origin: from } => {
                let (origin, url) = origin(from);
                UpdateEvent {
                    version: Some(*version),
                    origin,
                    url,
                    ..empty(UpdateEventKind::Unchanged)
                }
            }
            E::Refused { error, origin: from } => {
                let (origin, url) = origin(from);
                let error = UpdateError::from(error.clone());
                UpdateEvent {
                    origin,
                    url,
                    refusal: Some(error.refusal()),
                    detail: Some(error.to_string()),
                    ..empty(UpdateEventKind::Refused)
                }
            }
            E::NotStored { version, detail } => UpdateEvent {
                version: Some(*version),
                detail: Some(detail.clone()),
                ..empty(UpdateEventKind::NotStored)
            },
            // The core may add outcomes; they reach the listener with their description rather than not at all.
            other => UpdateEvent {
                detail: Some(format!("{other:?}")),
                ..empty(UpdateEventKind::Refused)
            },
        }
    }
}

/// Receives every update outcome, including those of the stored document at start and of scheduled
/// fetches nobody awaits. Called on the thread that applied the update: return quickly.
#[uniffi::export(with_foreign)]
pub trait UpdateEventListener: Send + Sync {
    /// One outcome.
    fn on_update_event(&self, event: UpdateEvent);
}

struct ListenerAdapter(Arc<dyn UpdateEventListener>);

impl pinwire::update::UpdateListener for ListenerAdapter {
    fn on_update_event(&self, event: &pinwire::update::UpdateEvent) {
        self.0.on_update_event(event.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pinwire::update::UpdateError as E;

    fn cases() -> Vec<(E, UpdateRefusal)> {
        let s = || "x".to_string();
        vec![
            (E::NotConfigured { detail: s() }, UpdateRefusal::NotConfigured),
            (E::TooLarge { size: 9, max: 8 }, UpdateRefusal::TooLarge),
            (E::Malformed { detail: s() }, UpdateRefusal::Malformed),
            (E::MissingKeyId, UpdateRefusal::MissingKeyId),
            (E::UnknownKeyId { kid: s() }, UpdateRefusal::UnknownKeyId),
            (
                E::AlgorithmNotAllowed {
                    alg: "none".into(),
                    kid: s(),
                    expected: "ES256",
                },
                UpdateRefusal::AlgorithmNotAllowed,
            ),
            (E::BadSignature { kid: s() }, UpdateRefusal::BadSignature),
            (E::InvalidPayload { detail: s() }, UpdateRefusal::InvalidPayload),
            (
                E::Expired {
                    version: 3,
                    expires_at: s(),
                },
                UpdateRefusal::Expired,
            ),
            (
                E::IssuedInFuture {
                    version: 3,
                    issued_at: s(),
                },
                UpdateRefusal::IssuedInFuture,
            ),
            (
                E::UnacceptableConfiguration {
                    version: 3,
                    detail: s(),
                },
                UpdateRefusal::UnacceptableConfiguration,
            ),
            (E::Rollback { version: 1, in_use: 2 }, UpdateRefusal::Rollback),
            (
                E::SameVersionDifferentContent { version: 2 },
                UpdateRefusal::SameVersionDifferentContent,
            ),
            (E::Fetch { url: s(), detail: s() }, UpdateRefusal::Fetch),
            (E::Store { detail: s() }, UpdateRefusal::Store),
            (E::Client { detail: s() }, UpdateRefusal::Client),
        ]
    }

    #[test]
    fn every_error_keeps_its_name_and_message() {
        for (core, refusal) in cases() {
            let message = core.to_string();
            let error = UpdateError::from(core.clone());
            assert_eq!(error.refusal(), refusal, "{core:?}");
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn fields_cross_with_the_error() {
        assert!(matches!(
            UpdateError::from(E::Rollback { version: 1, in_use: 2 }),
            UpdateError::Rollback {
                version: 1,
                in_use: 2,
                ..
            }
        ));
        assert!(matches!(
            UpdateError::from(E::BadSignature { kid: "k1".into() }),
            UpdateError::BadSignature { kid, .. } if kid == "k1"
        ));
        assert!(matches!(
            UpdateError::from(E::TooLarge { size: 9, max: 8 }),
            UpdateError::TooLarge { size: 9, max: 8, .. }
        ));
    }

    #[test]
    fn outcomes_keep_their_versions() {
        use pinwire::update::UpdateOutcome as O;
        assert_eq!(
            UpdateOutcome::new(
                O::Applied {
                    version: 2,
                    previous: 1
                },
                2
            ),
            UpdateOutcome::Applied {
                version: 2,
                previous: 1
            }
        );
        assert_eq!(
            UpdateOutcome::new(O::Unchanged { version: 2 }, 2),
            UpdateOutcome::Unchanged { version: 2 }
        );
    }

    #[test]
    fn events_carry_kind_origin_and_reason() {
        use pinwire::update::{UpdateEvent as Ev, UpdateOrigin as Or};
        let applied = UpdateEvent::from(&Ev::Applied {
            version: 2,
            previous: 0,
            origin: Or::Fetched {
                url: "https://u.test/p".into(),
            },
        });
        assert_eq!(
            (
                applied.kind,
                applied.version,
                applied.previous,
                applied.origin,
                applied.url.as_deref()
            ),
            (
                UpdateEventKind::Applied,
                Some(2),
                Some(0),
                Some(UpdateOrigin::Fetched),
                Some("https://u.test/p")
            )
        );
        let refused = UpdateEvent::from(&Ev::Refused {
            error: E::Rollback { version: 1, in_use: 2 },
            origin: Or::App,
        });
        assert_eq!(refused.kind, UpdateEventKind::Refused);
        assert_eq!(refused.refusal, Some(UpdateRefusal::Rollback));
        assert_eq!(refused.origin, Some(UpdateOrigin::App));
        assert!(refused.detail.unwrap().contains("rollback"));
        let stored = UpdateEvent::from(&Ev::Unchanged {
            version: 4,
            origin: Or::Stored,
        });
        assert_eq!(
            (stored.kind, stored.origin),
            (UpdateEventKind::Unchanged, Some(UpdateOrigin::Stored))
        );
        let not_stored = UpdateEvent::from(&Ev::NotStored {
            version: 5,
            detail: "disk full".into(),
        });
        assert_eq!(
            (
                not_stored.kind,
                not_stored.version,
                not_stored.origin,
                not_stored.detail.as_deref()
            ),
            (UpdateEventKind::NotStored, Some(5), None, Some("disk full"))
        );
    }

    #[test]
    fn a_bad_key_is_an_invalid_config() {
        let source = UpdateSource {
            keys: vec!["{\"kty\":\"nope\"}".into()],
            store_directory: None,
            url: None,
            fetch_interval: None,
            shipped_version: 0,
        };
        assert!(matches!(
            update_options(&source, None),
            Err(crate::PinwireError::InvalidConfig { .. })
        ));
    }
}
