//! Trust anchors: which CAs are trusted for which hosts.

use crate::host::HostPattern;
use rustls_pki_types::CertificateDer;

/// Where the certificates of a trust anchor come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorSource {
    /// The platform's preinstalled CAs.
    System,
    /// CAs the user added to the device.
    User,
    /// Certificates shipped with the app (Android `@raw/name`), DER-encoded.
    Bundled {
        /// The resource name (`my_ca` for `@raw/my_ca`): lower-case letters, digits and `_`.
        name: String,
        /// The certificates, in file order.
        certificates: Vec<CertificateDer<'static>>,
    },
}

/// One source of trusted CAs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustAnchor {
    /// Where the CAs come from.
    pub source: AnchorSource,
    /// Whether a chain that ends at one of these CAs skips pin checks (NSC `overridePins`).
    pub override_pins: bool,
}

impl TrustAnchor {
    /// The platform's CAs, without overriding pins.
    pub fn system() -> TrustAnchor {
        TrustAnchor {
            source: AnchorSource::System,
            override_pins: false,
        }
    }

    /// User-added CAs, without overriding pins.
    pub fn user() -> TrustAnchor {
        TrustAnchor {
            source: AnchorSource::User,
            override_pins: false,
        }
    }
}

/// Trust anchors for the hosts of one pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainAnchors {
    /// The hosts.
    pub pattern: HostPattern,
    /// Whether subdomains of the pattern's hosts are included.
    pub include_subdomains: bool,
    /// The anchors; they replace the base anchors for these hosts.
    pub anchors: Vec<TrustAnchor>,
}

/// Which CAs are trusted for which hosts: the trust-anchor part of a Network Security Config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustConfig {
    /// Anchors for hosts no [`DomainAnchors`] entry matches.
    pub base: Vec<TrustAnchor>,
    /// Per-host anchors; the most specific matching entry wins, as for policy rules.
    pub domains: Vec<DomainAnchors>,
    /// Anchors added to every host's anchors in debuggable builds only.
    pub debug: Vec<TrustAnchor>,
}

impl Default for TrustConfig {
    /// The system CAs for every host; no debug anchors.
    fn default() -> TrustConfig {
        TrustConfig {
            base: vec![TrustAnchor::system()],
            domains: Vec::new(),
            debug: Vec::new(),
        }
    }
}

impl TrustConfig {
    /// Where these anchors trust fewer CAs than the platform's (a set without
    /// [`AnchorSource::System`]): `None` for the base anchors, `Some` for a per-host entry. A format
    /// with no trust-anchor setting cannot say that, and leaving it out would trust more CAs.
    pub(crate) fn first_restriction(&self) -> Option<Option<&DomainAnchors>> {
        let restricts = |anchors: &[TrustAnchor]| !anchors.iter().any(|a| a.source == AnchorSource::System);
        if restricts(&self.base) {
            return Some(None);
        }
        self.domains.iter().find(|d| restricts(&d.anchors)).map(Some)
    }

    /// An export error for [`TrustConfig::first_restriction`], naming the rule.
    pub(crate) fn restriction_error(&self, format: &'static str) -> Result<(), super::ExportError> {
        let Some(restricted) = self.first_restriction() else {
            return Ok(());
        };
        let rule = match restricted {
            None => "the base configuration (every host)".to_string(),
            Some(d) => super::patterns::describe(&d.pattern, d.include_subdomains),
        };
        Err(super::ExportError {
            format,
            reason: format!(
                "{rule} trusts only its own CAs (not the system's), which {format} cannot say; leaving it out \
                 would trust every system CA there"
            ),
        })
    }
}
