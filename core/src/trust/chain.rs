//! A validated certificate path and what diagnostics need of each certificate.

use crate::pin::Pin;
use rustls_pki_types::CertificateDer;
use std::fmt;
use std::sync::OnceLock;

/// One certificate of a validated path: the certificate and the pin of its public key, which is what
/// pin matching needs on every handshake. Its subject, which only diagnostics need (errors, events,
/// `Debug`), is worked out on first use.
#[derive(Clone)]
pub struct ChainCert {
    der: CertificateDer<'static>,
    pin: Pin,
    subject: OnceLock<String>,
}

impl ChainCert {
    /// Describes a certificate; fails if it is not one DER certificate with a well-formed public key.
    /// Only the public key is read now; the subject is read when asked for.
    pub fn from_der(der: CertificateDer<'static>) -> Result<ChainCert, crate::pin::PinError> {
        let pin = Pin::from_certificate_der(der.as_ref())?;
        Ok(ChainCert::with_pin(der, pin))
    }

    /// A certificate whose SubjectPublicKeyInfo the caller has already taken from its own parse of
    /// `der` (webpki's, during path validation), with `pin` its hash: no second parse on the handshake.
    pub(crate) fn with_pin(der: CertificateDer<'static>, pin: Pin) -> ChainCert {
        ChainCert {
            der,
            pin,
            subject: OnceLock::new(),
        }
    }

    /// The certificate.
    pub fn der(&self) -> &CertificateDer<'static> {
        &self.der
    }

    /// The pin of its public key.
    pub fn pin(&self) -> Pin {
        self.pin
    }

    /// Its subject distinguished name, for people (`CN=api.example.com, O=Example, C=US`). Read from
    /// the certificate on the first call and kept; `(unreadable name)` if it cannot be read.
    pub fn subject(&self) -> &str {
        self.subject
            .get_or_init(|| match crate::x509::CertParts::parse(self.der.as_ref()) {
                Ok(parts) => crate::x509::name_text(parts.subject),
                Err(_) => "(unreadable name)".into(),
            })
    }
}

/// Two are equal when they are the same certificate (the pin follows from it); whether the subject has
/// been worked out yet does not matter.
impl PartialEq for ChainCert {
    fn eq(&self, other: &ChainCert) -> bool {
        self.pin == other.pin && self.der == other.der
    }
}

impl Eq for ChainCert {}

impl fmt::Debug for ChainCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pin, self.subject())
    }
}

/// A certificate path that passed validation: leaf first, then intermediates, then the trust anchor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedChain {
    certs: Vec<ChainCert>,
    overrides_pins: bool,
}

impl ValidatedChain {
    /// A path from its certificates, leaf first and anchor last. Only validators construct these.
    pub fn new(certs: Vec<ChainCert>) -> ValidatedChain {
        ValidatedChain {
            certs,
            overrides_pins: false,
        }
    }

    /// Marks the path as ending at an anchor whose configuration overrides pins (NSC `overridePins`,
    /// typically a debug-only CA so that a debugging proxy works in debug builds).
    pub fn with_overrides_pins(mut self) -> ValidatedChain {
        self.overrides_pins = true;
        self
    }

    /// Whether the path ends at an anchor that overrides pins.
    pub fn overrides_pins(&self) -> bool {
        self.overrides_pins
    }

    /// The certificates, leaf first, anchor last.
    pub fn certs(&self) -> &[ChainCert] {
        &self.certs
    }

    /// The pins of the path, leaf first, anchor last.
    pub fn pins(&self) -> impl Iterator<Item = &Pin> {
        self.certs.iter().map(|c| &c.pin)
    }

    /// The path in OkHttp's failure-message form: one `sha256/...: subject` line per certificate.
    pub fn describe(&self) -> String {
        self.certs.iter().map(|c| format!("\n    {c:?}")).collect()
    }
}
