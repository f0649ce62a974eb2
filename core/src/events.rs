//! Pin decisions as events an app can observe (for logging, telemetry and failure reports).

use crate::pin::Pin;
use crate::policy::PinMode;
use crate::trust::ValidatedChain;
use std::fmt;
use std::time::SystemTime;
use time::OffsetDateTime;

/// What the pin check concluded for one TLS handshake.
///
/// Not `#[non_exhaustive]`: the bindings map every variant by name (see [`TimeoutKind`](crate::TimeoutKind)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinOutcome {
    /// A pin matched a certificate of the validated path.
    Matched {
        /// The pin that matched.
        pin: Pin,
    },
    /// No pin matched. The connection failed if the set is enforced, and went ahead if report-only.
    Mismatch,
    /// The validated path ends at a trust anchor configured with `overridePins` (typically a debug-only
    /// CA in a debuggable build), so the pins were not enforced, as Android's Network Security Config
    /// does.
    Overridden,
    /// The pin set has expired, so it was not checked and the connection went ahead on ordinary
    /// validation (the NSC/TrustKit fail-open rule).
    Expired,
}

/// One pin decision, made after the chain was validated.
#[derive(Clone, Debug)]
pub struct PinEvent {
    /// The host connected to, in canonical form.
    pub host: String,
    /// The port, when the connection was made for a request (a connection hyper finishes in the
    /// background after its request was served from the pool has none).
    pub port: Option<u16>,
    /// The pattern of the rule that applied (TrustKit's "noted hostname").
    pub pattern: String,
    /// Whether that rule includes subdomains.
    pub include_subdomains: bool,
    /// Enforced or report-only.
    pub mode: PinMode,
    /// The outcome.
    pub outcome: PinOutcome,
    /// The pins the rule expects.
    pub expected: Vec<Pin>,
    /// When the rule's pin set stops being enforced, if ever.
    pub expiration: Option<OffsetDateTime>,
    /// The validated path the pins were checked against, leaf first, anchor last.
    pub chain: ValidatedChain,
    /// When the decision was made.
    pub at: SystemTime,
    /// The version of the pin configuration that decided: the shipped one's, or a signed update's
    /// (see [`Client::version_in_use`](crate::Client::version_in_use)).
    pub config_version: u64,
}

impl PinEvent {
    /// Whether the handshake was allowed to continue.
    pub fn allowed(&self) -> bool {
        !matches!((&self.outcome, self.mode), (PinOutcome::Mismatch, PinMode::Enforce))
    }
}

/// Receives every pin decision. Called during the TLS handshake, which waits for it: return quickly.
/// On a multi-threaded tokio runtime it runs off the async workers, so a slow observer delays only its
/// own handshake (and a call timeout still ends that call on time); on a current-thread runtime it
/// stalls the runtime.
pub trait PinObserver: Send + Sync {
    /// One decision.
    fn on_pin_event(&self, event: &PinEvent);

    /// Whether [`on_pin_event`](PinObserver::on_pin_event) may block or take long (default: true, as
    /// for any app code). An observer that only queues work says false, and the handshake then skips the
    /// hand-off to another thread.
    fn may_block(&self) -> bool {
        true
    }
}

impl<F: Fn(&PinEvent) + Send + Sync> PinObserver for F {
    fn on_pin_event(&self, event: &PinEvent) {
        self(event)
    }
}

impl fmt::Debug for dyn PinObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinObserver")
    }
}
