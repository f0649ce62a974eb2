//! Pin decisions delivered to a listener implemented in Kotlin or Swift.

use std::sync::Arc;

/// The outcome of a pin check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PinOutcomeKind {
    /// A pin matched (see `matched_pin`).
    Matched,
    /// No pin matched.
    Mismatch,
    /// The pin set has expired and was not enforced.
    Expired,
}

/// One pin decision.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PinEventRecord {
    /// The host.
    pub host: String,
    /// The port, when known.
    pub port: Option<u16>,
    /// The rule's pattern.
    pub pattern: String,
    /// Whether the rule includes subdomains.
    pub include_subdomains: bool,
    /// Whether mismatches fail the connection (false: report-only).
    pub enforced: bool,
    /// The outcome.
    pub outcome: PinOutcomeKind,
    /// The pin that matched, for `Matched`.
    pub matched_pin: Option<String>,
    /// Whether the handshake was allowed to continue.
    pub allowed: bool,
    /// The pins the rule expects.
    pub expected_pins: Vec<String>,
    /// The validated chain's pins, leaf first.
    pub chain_pins: Vec<String>,
    /// The validated chain's subjects.
    pub chain_subjects: Vec<String>,
    /// The validated chain, DER, leaf first.
    pub chain_der: Vec<Vec<u8>>,
    /// When the pin set stops being enforced (seconds since the Unix epoch), if ever.
    pub expiration_epoch_seconds: Option<i64>,
    /// When the decision was made (milliseconds since the Unix epoch).
    pub at_epoch_millis: i64,
}

/// Receives pin decisions. Called during TLS handshakes on Pinwire's threads: return quickly.
#[uniffi::export(with_foreign)]
pub trait PinEventListener: Send + Sync {
    /// One decision.
    fn on_pin_event(&self, event: PinEventRecord);
}

impl From<&pinwire::PinEvent> for PinEventRecord {
    fn from(event: &pinwire::PinEvent) -> PinEventRecord {
        let (outcome, matched_pin) = match &event.outcome {
            pinwire::PinOutcome::Matched { pin } => (PinOutcomeKind::Matched, Some(pin.to_string())),
            pinwire::PinOutcome::Mismatch => (PinOutcomeKind::Mismatch, None),
            _ => (PinOutcomeKind::Expired, None),
        };
        let certs = event.chain.certs();
        PinEventRecord {
            host: event.host.clone(),
            port: event.port,
            pattern: event.pattern.clone(),
            include_subdomains: event.include_subdomains,
            enforced: event.mode == pinwire::PinMode::Enforce,
            outcome,
            matched_pin,
            allowed: event.allowed(),
            expected_pins: event.expected.iter().map(ToString::to_string).collect(),
            chain_pins: certs.iter().map(|c| c.pin().to_string()).collect(),
            chain_subjects: certs.iter().map(|c| c.subject().to_string()).collect(),
            chain_der: certs.iter().map(|c| c.der().to_vec()).collect(),
            expiration_epoch_seconds: event.expiration.map(|t| t.unix_timestamp()),
            at_epoch_millis: event
                .at
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0),
        }
    }
}

/// Adapts a foreign listener to the core's observer.
pub(crate) struct ListenerObserver(pub(crate) Arc<dyn PinEventListener>);

impl pinwire::PinObserver for ListenerObserver {
    fn on_pin_event(&self, event: &pinwire::PinEvent) {
        self.0.on_pin_event(event.into());
    }
}
