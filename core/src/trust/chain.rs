//! A validated certificate path and what diagnostics need of each certificate.

use crate::pin::Pin;
use rustls_pki_types::CertificateDer;
use std::fmt;

/// One certificate of a validated path.
#[derive(Clone, PartialEq, Eq)]
pub struct ChainCert {
    der: CertificateDer<'static>,
    pin: Pin,
    subject: String,
}

impl ChainCert {
    /// Describes a certificate; fails if it cannot be parsed.
    pub fn from_der(der: CertificateDer<'static>) -> Result<ChainCert, crate::pin::PinError> {
        let (_, parsed) = x509_parser::parse_x509_certificate(der.as_ref())
            .map_err(|e| crate::pin::PinError::InvalidCertificate { reason: e.to_string() })?;
        let subject = parsed.subject().to_string();
        let pin = Pin::from_spki_der(parsed.tbs_certificate.subject_pki.raw);
        Ok(ChainCert { der, pin, subject })
    }

    /// The certificate.
    pub fn der(&self) -> &CertificateDer<'static> {
        &self.der
    }

    /// The pin of its public key.
    pub fn pin(&self) -> Pin {
        self.pin
    }

    /// Its subject distinguished name, for people.
    pub fn subject(&self) -> &str {
        &self.subject
    }
}

impl fmt::Debug for ChainCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pin, self.subject)
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
