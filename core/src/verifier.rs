//! The rustls verifier that runs on every TLS handshake: validate the chain first, then check the pins
//! against the validated path.

use crate::blocking::off_the_async_workers;
use crate::error::{HandshakeFailure, PinMismatch};
use crate::events::{PinEvent, PinObserver, PinOutcome};
use crate::host::Host;
use crate::pin::Pin;
use crate::policy::{PinMode, Policy};
use crate::trust::{ChainValidator, PresentedChain, ValidatedChain};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::sync::Arc;
use std::time::SystemTime;
use time::OffsetDateTime;

tokio::task_local! {
    /// The port of the request a connection is being made for; see [`PinEvent::port`].
    pub(crate) static CURRENT_PORT: std::sync::Arc<std::sync::atomic::AtomicU32>;
}

fn current_port() -> Option<u16> {
    CURRENT_PORT
        .try_with(|port| port.load(std::sync::atomic::Ordering::Relaxed))
        .ok()
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p != 0)
}

/// Validates with a [`ChainValidator`], then enforces the [`Policy`]'s pins on the validated path.
#[derive(Debug)]
pub(crate) struct PinningVerifier {
    policy: Arc<Policy>,
    validator: Arc<dyn ChainValidator>,
    observers: Vec<Arc<dyn PinObserver>>,
    algorithms: WebPkiSupportedAlgorithms,
    /// Whether a decision may block (a platform validator, an app's observer): it then runs off the
    /// runtime's async workers.
    may_block: bool,
    config_version: u64,
}

impl PinningVerifier {
    pub(crate) fn new(
        policy: Arc<Policy>,
        validator: Arc<dyn ChainValidator>,
        observers: Vec<Arc<dyn PinObserver>>,
    ) -> PinningVerifier {
        let algorithms = crate::tls_provider::provider().signature_verification_algorithms;
        let may_block = validator.may_block() || observers.iter().any(|o| o.may_block());
        PinningVerifier {
            policy,
            validator,
            observers,
            algorithms,
            may_block,
            config_version: 0,
        }
    }

    /// The version of the pin configuration `policy` comes from, for the events.
    pub(crate) fn with_config_version(mut self, version: u64) -> PinningVerifier {
        self.config_version = version;
        self
    }

    fn notify(&self, event: &PinEvent) {
        // An observer is app code running inside the TLS handshake; a bug in it must neither unwind
        // through rustls and hyper (nor across an FFI boundary) nor change the pin decision.
        for observer in &self.observers {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| observer.on_pin_event(event)));
        }
    }

    /// The whole decision, separate from rustls' types so it reads top to bottom.
    fn decide(&self, presented: &PresentedChain<'_>) -> Result<(), HandshakeFailure> {
        let host_text = match presented.server_name {
            ServerName::DnsName(name) => name.as_ref().to_string(),
            ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
            _ => String::new(),
        };
        let host = Host::parse(&host_text).map_err(|_| HandshakeFailure::Untrusted {
            host: host_text.clone(),
            reason: crate::trust::UntrustedReason::HostnameMismatch,
        })?;
        let now =
            OffsetDateTime::from(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(presented.now.as_secs()));
        let requirement = self.policy.pins_for(&host);
        let active = requirement.filter(|r| !r.pins.is_expired_at(now));

        // 1. Trust. A pin never rescues a chain that fails here.
        let prefer = |chain: &ValidatedChain| active.is_none_or(|r| r.pins.matches_any(chain.pins()).is_some());
        let chain = self
            .validator
            .validate(presented, &prefer)
            .map_err(|reason| HandshakeFailure::Untrusted {
                host: host.to_string(),
                reason,
            })?;

        // 2. Pins, against the validated path only.
        let Some(requirement) = requirement else { return Ok(()) };
        let expected: Vec<Pin> = requirement.pins.pins().copied().collect();
        let outcome = if active.is_none() {
            PinOutcome::Expired
        } else if chain.overrides_pins() {
            PinOutcome::Overridden
        } else {
            match requirement.pins.matches_any(chain.pins()) {
                Some(pin) => PinOutcome::Matched { pin },
                None => PinOutcome::Mismatch,
            }
        };
        let event = PinEvent {
            host: host.to_string(),
            port: current_port(),
            pattern: requirement.rule.pattern().to_string(),
            include_subdomains: requirement.rule.includes_subdomains(),
            mode: requirement.pins.mode(),
            outcome,
            expected,
            expiration: requirement.pins.expiration(),
            chain,
            at: SystemTime::now(),
            config_version: self.config_version,
        };
        self.notify(&event);
        if event.allowed() {
            return Ok(());
        }
        debug_assert_eq!(event.mode, PinMode::Enforce);
        Err(HandshakeFailure::Pin(Box::new(PinMismatch {
            host: event.host,
            port: event.port,
            pattern: event.pattern,
            expected: event.expected,
            chain: event.chain,
        })))
    }
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = PresentedChain {
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        };
        let decided = if self.may_block {
            off_the_async_workers(|| self.decide(&presented))
        } else {
            self.decide(&presented)
        };
        match decided {
            Ok(()) => Ok(ServerCertVerified::assertion()),
            Err(failure) => {
                // Carried as the certificate error so rustls sends a bad_certificate alert, and recovered
                // as a typed error on the other side of reqwest.
                Err(rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(
                    Arc::new(failure),
                ))))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
