//! The configuration in use and how an update replaces it.
//!
//! Each configuration in use is a generation: its policy, its version, and an HTTP client of its own
//! (its own connection pool and TLS session cache) whose verifier decides handshakes with that policy.
//! An accepted update builds a new generation and makes it current: new requests take it at once, so a
//! connection pooled under the old pins is never reused for a request decided under the new ones (it
//! lives in the old generation's pool), and requests in flight finish on the generation they began with,
//! which is dropped, pool and all, when the last of them ends.

use super::document::UpdateDocument;
use super::error::UpdateError;
use super::events::{UpdateEvent, UpdateListener, UpdateOrigin, UpdateOutcome};
use super::options::UpdateOptions;
use super::store::Store;
use super::verify::UpdateVerifier;
use crate::error::{from_reqwest, Error};
use crate::policy::Policy;
use crate::verifier::CURRENT_PORT;
use std::cmp::Ordering;
use std::fmt;
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use time::OffsetDateTime;

/// Builds the HTTP client (and WebSocket connector) of a generation: the client builder's settings, a
/// verifier for `policy` whose events carry `version`.
pub(crate) type HttpFactory = Box<dyn Fn(Arc<Policy>, u64) -> Result<Transport, Error> + Send + Sync>;

/// What a generation connects with: one TLS configuration (one verifier), used by both.
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) websocket: crate::websocket::Connector,
}

/// The shortest schedule: a fetch loop must not spin.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// One configuration in use.
#[derive(Debug)]
pub(crate) struct Generation {
    pub(crate) http: reqwest::Client,
    pub(crate) websocket: crate::websocket::Connector,
    pub(crate) policy: Arc<Policy>,
    pub(crate) version: u64,
}

/// The current generation, and the update machinery when the client takes updates.
pub(crate) struct Live {
    current: RwLock<Arc<Generation>>,
    updater: Option<Updater>,
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Live")
            .field("version", &self.current().version)
            .field("updates", &self.updater.is_some())
            .finish()
    }
}

struct Updater {
    factory: HttpFactory,
    verifier: UpdateVerifier,
    store: Option<Store>,
    url: Option<reqwest::Url>,
    /// The shipped configuration's client: update fetches are pinned by the floor, never by an update.
    shipped: reqwest::Client,
    listeners: Vec<Arc<dyn UpdateListener>>,
    accepted: Mutex<Accepted>,
}

/// The last accepted document: the floor for the next version, and the content an equal version must
/// repeat. At start it is the shipped configuration's version, or the stored document's (even an
/// expired one: its version still rules out rollbacks).
struct Accepted {
    version: u64,
    payload: Option<Vec<u8>>,
}

impl Live {
    /// The shipped generation, then (with updates) the stored document if it is valid, and the fetch
    /// schedule if one was asked for.
    pub(crate) fn start(
        shipped: Policy,
        factory: HttpFactory,
        options: Option<UpdateOptions>,
    ) -> Result<Arc<Live>, Error> {
        let shipped_version = options.as_ref().map_or(0, |o| o.shipped_version);
        let policy = Arc::new(shipped);
        let Transport { http, websocket } = factory(policy.clone(), shipped_version)?;
        let generation = Arc::new(Generation {
            http: http.clone(),
            websocket,
            policy,
            version: shipped_version,
        });
        let Some(options) = options else {
            return Ok(Arc::new(Live {
                current: RwLock::new(generation),
                updater: None,
            }));
        };
        if options.verifier.keys().is_empty() {
            return Err(Error::InvalidConfig {
                detail: "pin updates need at least one verification key".into(),
            });
        }
        let url = match &options.url {
            Some(text) => Some(reqwest::Url::parse(text).map_err(|e| Error::InvalidConfig {
                detail: format!("update URL {text:?}: {e}"),
            })?),
            None => None,
        };
        let live = Arc::new(Live {
            current: RwLock::new(generation),
            updater: Some(Updater {
                factory,
                verifier: options.verifier,
                store: options.store_dir.map(Store::new),
                url,
                shipped: http,
                listeners: options.listeners,
                accepted: Mutex::new(Accepted {
                    version: shipped_version,
                    payload: None,
                }),
            }),
        });
        live.load_stored();
        if let (Some(interval), Ok(runtime)) = (options.interval, tokio::runtime::Handle::try_current()) {
            let weak = Arc::downgrade(&live);
            let interval = interval.max(MIN_INTERVAL);
            runtime.spawn(async move {
                while let Some(live) = weak.upgrade() {
                    let _ = live.check().await; // the outcome goes to the listeners
                    drop(live);
                    tokio::time::sleep(interval).await;
                }
            });
        }
        Ok(live)
    }

    /// The generation deciding new requests.
    pub(crate) fn current(&self) -> Arc<Generation> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn updater(&self) -> Result<&Updater, UpdateError> {
        self.updater
            .as_ref()
            .ok_or_else(|| UpdateError::NotConfigured { detail: String::new() })
    }

    /// Verifies `document` and, when it is newer, puts it in use and stores it.
    pub(crate) fn apply(&self, document: &[u8], origin: UpdateOrigin) -> Result<UpdateOutcome, UpdateError> {
        let updater = self.updater()?;
        let mut accepted = updater.accepted.lock().unwrap_or_else(PoisonError::into_inner);
        let result = updater
            .verifier
            .verify(document, OffsetDateTime::now_utc())
            .and_then(|doc| match doc.version.cmp(&accepted.version) {
                Ordering::Less => Err(UpdateError::Rollback {
                    version: doc.version,
                    in_use: accepted.version,
                }),
                Ordering::Equal if accepted.payload.as_deref() == Some(doc.payload.as_slice()) => {
                    Ok(UpdateOutcome::Unchanged { version: doc.version })
                }
                Ordering::Equal => Err(UpdateError::SameVersionDifferentContent { version: doc.version }),
                Ordering::Greater => {
                    let previous = self.put_in_use(updater, &doc)?;
                    *accepted = Accepted {
                        version: doc.version,
                        payload: Some(doc.payload),
                    };
                    Ok(UpdateOutcome::Applied {
                        version: doc.version,
                        previous,
                    })
                }
            });
        match &result {
            Ok(UpdateOutcome::Applied { version, previous }) => {
                updater.emit(&UpdateEvent::Applied {
                    version: *version,
                    previous: *previous,
                    origin,
                });
                // Still under the lock, so a slower older save cannot overwrite a newer one.
                if let Some(Err(e)) = updater.store.as_ref().map(|store| store.save(document)) {
                    updater.emit(&UpdateEvent::NotStored {
                        version: *version,
                        detail: e.to_string(),
                    });
                }
            }
            Ok(UpdateOutcome::Unchanged { version }) => updater.emit(&UpdateEvent::Unchanged {
                version: *version,
                origin,
            }),
            Err(error) => updater.emit(&UpdateEvent::Refused {
                error: error.clone(),
                origin,
            }),
        }
        result
    }

    /// Makes `doc`'s configuration current; returns the version it replaces.
    fn put_in_use(&self, updater: &Updater, doc: &UpdateDocument) -> Result<u64, UpdateError> {
        let policy = Arc::new(doc.config.policy().clone());
        let Transport { http, websocket } = (updater.factory)(policy.clone(), doc.version)
            .map_err(|e| UpdateError::Client { detail: e.to_string() })?;
        let generation = Arc::new(Generation {
            http,
            websocket,
            policy,
            version: doc.version,
        });
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let previous = current.version;
        *current = generation;
        Ok(previous)
    }

    /// Reads the stored document back and puts it in use if it passes every rule again.
    fn load_stored(&self) {
        let Some(updater) = &self.updater else { return };
        let Some(store) = &updater.store else { return };
        let refused = |error: UpdateError| {
            updater.emit(&UpdateEvent::Refused {
                error,
                origin: UpdateOrigin::Stored,
            })
        };
        let bytes = match store.load(updater.verifier.max_size()) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return,
            Err(e) => return refused(UpdateError::Store { detail: e.to_string() }),
        };
        let doc = match updater.verifier.verify_signed(&bytes) {
            Ok(doc) => doc,
            Err(error) => return refused(error),
        };
        let mut accepted = updater.accepted.lock().unwrap_or_else(PoisonError::into_inner);
        if doc.version <= accepted.version {
            // An app release shipped a configuration at least as new.
            return refused(UpdateError::Rollback {
                version: doc.version,
                in_use: accepted.version,
            });
        }
        *accepted = Accepted {
            version: doc.version,
            payload: Some(doc.payload.clone()),
        };
        if let Err(error) = updater.verifier.check_dates(&doc, OffsetDateTime::now_utc()) {
            return refused(error);
        }
        match self.put_in_use(updater, &doc) {
            Ok(previous) => updater.emit(&UpdateEvent::Applied {
                version: doc.version,
                previous,
                origin: UpdateOrigin::Stored,
            }),
            Err(error) => refused(error),
        }
    }

    /// Fetches the document at the update URL over the shipped configuration's client and applies it.
    pub(crate) async fn check(&self) -> Result<UpdateOutcome, UpdateError> {
        let updater = self.updater()?;
        let url = updater.url.as_ref().ok_or_else(|| UpdateError::NotConfigured {
            detail: ": no update URL".into(),
        })?;
        let origin = UpdateOrigin::Fetched { url: url.to_string() };
        match fetch(&updater.shipped, url, updater.verifier.max_size()).await {
            Ok(bytes) => self.apply(&bytes, origin),
            Err(error) => {
                updater.emit(&UpdateEvent::Refused {
                    error: error.clone(),
                    origin,
                });
                Err(error)
            }
        }
    }
}

impl Updater {
    fn emit(&self, event: &UpdateEvent) {
        // App code: a panic in it must not unwind into the client (or across an FFI boundary).
        for listener in &self.listeners {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener.on_update_event(event)));
        }
    }
}

/// GETs `url`, reading at most `max + 1` bytes of the body.
async fn fetch(http: &reqwest::Client, url: &reqwest::Url, max: usize) -> Result<Vec<u8>, UpdateError> {
    let failed = |detail: String| UpdateError::Fetch {
        url: url.to_string(),
        detail,
    };
    let port = Arc::new(AtomicU32::new(url.port_or_known_default().map_or(0, u32::from)));
    CURRENT_PORT
        .scope(port, async {
            let mut response = http
                .get(url.clone())
                .send()
                .await
                .map_err(|e| failed(from_reqwest(e, url.as_str()).to_string()))?;
            if !response.status().is_success() {
                return Err(failed(format!("HTTP status {}", response.status())));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| failed(from_reqwest(e, url.as_str()).to_string()))?
            {
                body.extend_from_slice(&chunk);
                if body.len() > max {
                    return Err(UpdateError::TooLarge { size: body.len(), max });
                }
            }
            Ok(body)
        })
        .await
}
