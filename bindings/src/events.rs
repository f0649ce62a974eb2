//! Pin decisions delivered to a listener implemented in Kotlin or Swift.

use std::sync::Arc;
use std::time::SystemTime;

/// The outcome of a pin check (the core's, with the matched pin in the event's `matched_pin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PinOutcome {
    /// A pin matched (see `matched_pin`).
    Matched,
    /// No pin matched.
    Mismatch,
    /// The validated path ends at a trust anchor that overrides pins (a debug-only CA in a debuggable
    /// build, NSC's `overridePins`): the pins were not enforced.
    Overridden,
    /// The pin set has expired and was not enforced.
    Expired,
}

impl From<&pinwire::PinOutcome> for PinOutcome {
    fn from(outcome: &pinwire::PinOutcome) -> PinOutcome {
        match outcome {
            pinwire::PinOutcome::Matched { .. } => PinOutcome::Matched,
            pinwire::PinOutcome::Mismatch => PinOutcome::Mismatch,
            pinwire::PinOutcome::Overridden => PinOutcome::Overridden,
            pinwire::PinOutcome::Expired => PinOutcome::Expired,
        }
    }
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
    pub outcome: PinOutcome,
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
    /// When the pin set stops being enforced, if ever.
    pub expiration: Option<SystemTime>,
    /// When the decision was made.
    pub at: SystemTime,
    /// The version of the configuration that decided (0: the shipped one; else a signed update's).
    pub config_version: u64,
}

/// Receives pin decisions. Called during TLS handshakes on Pinwire's threads: return quickly.
#[uniffi::export(with_foreign)]
pub trait PinEventListener: Send + Sync {
    /// One decision.
    fn on_pin_event(&self, event: PinEventRecord);
}

impl From<&pinwire::PinEvent> for PinEventRecord {
    fn from(event: &pinwire::PinEvent) -> PinEventRecord {
        let matched_pin = if let pinwire::PinOutcome::Matched { pin } = &event.outcome {
            Some(pin.to_string())
        } else {
            None
        };
        let certs = event.chain.certs();
        PinEventRecord {
            host: event.host.clone(),
            port: event.port,
            pattern: event.pattern.clone(),
            include_subdomains: event.include_subdomains,
            enforced: event.mode == pinwire::PinMode::Enforce,
            outcome: (&event.outcome).into(),
            matched_pin,
            allowed: event.allowed(),
            expected_pins: event.expected.iter().map(ToString::to_string).collect(),
            chain_pins: certs.iter().map(|c| c.pin().to_string()).collect(),
            chain_subjects: certs.iter().map(|c| c.subject().to_string()).collect(),
            chain_der: certs.iter().map(|c| c.der().to_vec()).collect(),
            expiration: event.expiration.map(SystemTime::from),
            at: event.at,
            config_version: event.config_version,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(outcome: pinwire::PinOutcome) -> pinwire::PinEvent {
        pinwire::PinEvent {
            host: "api.example.com".into(),
            port: Some(8443),
            pattern: "**.example.com".into(),
            include_subdomains: true,
            mode: pinwire::PinMode::ReportOnly,
            outcome,
            expected: vec![pinwire::Pin::from_sha256([1; 32]), pinwire::Pin::from_sha256([2; 32])],
            expiration: Some(time::macros::datetime!(2030-01-02 03:04:05 UTC)),
            chain: pinwire::ValidatedChain::new(Vec::new()),
            at: SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123),
            config_version: 7,
        }
    }

    #[test]
    fn every_outcome_keeps_its_name() {
        let pin = pinwire::Pin::from_sha256([1; 32]);
        let cases = [
            (
                pinwire::PinOutcome::Matched { pin },
                PinOutcome::Matched,
                Some(pin.to_string()),
            ),
            (pinwire::PinOutcome::Mismatch, PinOutcome::Mismatch, None),
            (pinwire::PinOutcome::Overridden, PinOutcome::Overridden, None),
            (pinwire::PinOutcome::Expired, PinOutcome::Expired, None),
        ];
        for (core, outcome, matched_pin) in cases {
            let record = PinEventRecord::from(&event(core));
            assert_eq!((record.outcome, record.matched_pin), (outcome, matched_pin));
        }
    }

    #[test]
    fn a_record_carries_every_field() {
        let record = PinEventRecord::from(&event(pinwire::PinOutcome::Mismatch));
        assert_eq!(record.host, "api.example.com");
        assert_eq!(record.port, Some(8443));
        assert_eq!(record.pattern, "**.example.com");
        assert!(record.include_subdomains);
        assert!(!record.enforced);
        assert!(record.allowed, "report-only lets a mismatch through");
        assert_eq!(record.config_version, 7);
        assert_eq!(record.expected_pins.len(), 2);
        assert!(record.chain_pins.is_empty() && record.chain_subjects.is_empty() && record.chain_der.is_empty());
        assert_eq!(
            record.expiration,
            Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_893_553_445))
        );
        assert_eq!(
            record.at,
            SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123)
        );
    }
}
