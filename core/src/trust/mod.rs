//! Certificate validation: the step that always runs before any pin is looked at.
//!
//! A [`ChainValidator`] decides whether the server's certificates form a valid path to a trust anchor
//! for the host, and hands back that path ([`ValidatedChain`], anchor included). Pins are matched
//! against it and nothing else, so a certificate the server appends to its chain cannot satisfy a pin
//! unless it is really on the validated path.
//!
//! Validators here: [`WebPkiValidator`] (explicit roots: app-bundled CAs, or a self-signed server
//! certificate trusted as its own anchor) and the platform's ([`platform_validator`]). Android and Apple
//! bindings plug in validators that ask the OS and return the chain it validated.

mod chain;
mod configured;
mod platform;
mod webpki_validator;

pub use chain::{ChainCert, ValidatedChain};
pub use configured::ConfiguredTrust;
pub(crate) use configured::SYSTEM_OVERRIDE_PINS_WARNING;
#[cfg(any(target_os = "android", feature = "android-jvm-test"))]
pub use platform::android_init;
pub use platform::platform_validator;
pub use webpki_validator::WebPkiValidator;

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::fmt;
use std::sync::Arc;

/// Why a server's certificate was not trusted. Shown to developers, so each says what to check.
///
/// Not `#[non_exhaustive]`: the bindings map every variant by name (see [`TimeoutKind`](crate::TimeoutKind)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UntrustedReason {
    /// The certificate's validity period has ended.
    #[error("certificate expired")]
    Expired,
    /// The certificate's validity period has not started (or the device clock is wrong).
    #[error("certificate is not yet valid")]
    NotYetValid,
    /// No path from the certificate to a trusted root: a private CA, a missing intermediate, or an
    /// interception proxy.
    #[error("certificate is not issued by a trusted authority")]
    UnknownIssuer,
    /// A signature on the path does not verify.
    #[error("a signature on the certificate path is invalid")]
    BadSignature,
    /// The certificate is not for the host that was asked for.
    #[error("certificate is not valid for this host name")]
    HostnameMismatch,
    /// The certificate may not be used for TLS server authentication.
    #[error("certificate is not valid for TLS server authentication")]
    NotServerAuth,
    /// The certificate is revoked.
    #[error("certificate is revoked")]
    Revoked,
    /// A CA certificate was used as a leaf, or a leaf as a CA.
    #[error("certificate is used in the wrong role (CA as leaf, or leaf as CA)")]
    WrongRole,
    /// The certificate could not be parsed, or uses something unsupported.
    #[error("certificate is malformed or unsupported: {detail}")]
    Malformed {
        /// What was wrong.
        detail: String,
    },
    /// The platform refused the chain for a reason of its own.
    #[error("{detail}")]
    Other {
        /// The platform's words.
        detail: String,
    },
}

/// The certificates a server presented, and for whom.
#[derive(Debug)]
pub struct PresentedChain<'a> {
    /// The leaf.
    pub end_entity: &'a CertificateDer<'a>,
    /// Whatever else the server sent, in its order; untrusted hints for path building.
    pub intermediates: &'a [CertificateDer<'a>],
    /// The name the client connected to.
    pub server_name: &'a ServerName<'a>,
    /// A stapled OCSP response, possibly empty.
    pub ocsp_response: &'a [u8],
    /// The time to validate at.
    pub now: UnixTime,
}

/// Validates server certificates and returns the path it validated.
///
/// `prefer` lets a validator that can build several paths (cross-signed roots) return one the caller
/// likes (one that matches the pins) when several are valid; a validator that gets a single chain from
/// the OS may ignore it. It must never make an invalid chain valid.
pub trait ChainValidator: Send + Sync + fmt::Debug {
    /// Validates the chain (path to an anchor, validity dates, host name, serverAuth usage) and returns
    /// the validated path, leaf first, anchor last.
    fn validate(
        &self,
        presented: &PresentedChain<'_>,
        prefer: &dyn Fn(&ValidatedChain) -> bool,
    ) -> Result<ValidatedChain, UntrustedReason>;

    /// Whether [`validate`](ChainValidator::validate) may block: ask the OS, fetch intermediates or
    /// revocation status, call into another runtime (default: true). A validator that only computes
    /// (rustls-webpki over roots it holds) says false, and handshakes then skip the hand-off to another
    /// thread.
    fn may_block(&self) -> bool {
        true
    }
}

/// Where certificate trust comes from.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum TrustSource {
    /// The platform's trust: the OS validator on Android and Apple, the system store elsewhere.
    #[default]
    Platform,
    /// Only these root certificates (DER): app-bundled CAs, or a self-signed server certificate.
    Roots(Vec<CertificateDer<'static>>),
    /// The platform's trust plus these roots, as NSC's `<certificates src="system"/>` next to
    /// `@raw/my_ca`. Only available where the platform store can be read directly.
    PlatformAndRoots(Vec<CertificateDer<'static>>),
    /// A validator supplied by the caller (the Android and Apple bindings use this).
    Custom(Arc<dyn ChainValidator>),
}

impl TrustSource {
    /// The source for `roots` (app-bundled CAs, a self-signed server certificate) with or without the
    /// platform's trust: both, either one alone, or, for no roots and no platform, an error (never a
    /// silent fallback to the platform). The bindings and the CLI choose their trust with this.
    pub fn from_roots(
        roots: Vec<CertificateDer<'static>>,
        include_platform: bool,
    ) -> Result<TrustSource, crate::Error> {
        match (roots.is_empty(), include_platform) {
            (true, true) => Ok(TrustSource::Platform),
            (true, false) => Err(crate::Error::InvalidConfig {
                detail: "no trust: give root certificates or include the platform's trust".into(),
            }),
            (false, true) => Ok(TrustSource::PlatformAndRoots(roots)),
            (false, false) => Ok(TrustSource::Roots(roots)),
        }
    }

    /// The validator this source stands for.
    pub fn validator(&self) -> Result<Arc<dyn ChainValidator>, crate::Error> {
        let invalid = |detail: String| crate::Error::InvalidConfig { detail };
        match self {
            TrustSource::Platform => platform_validator(&[]),
            TrustSource::PlatformAndRoots(roots) => platform_validator(roots),
            TrustSource::Roots(roots) if roots.is_empty() => Err(invalid("no root certificates given".into())),
            TrustSource::Roots(roots) => Ok(Arc::new(
                WebPkiValidator::new(roots.clone()).map_err(|e| invalid(e.to_string()))?,
            )),
            TrustSource::Custom(validator) => Ok(validator.clone()),
        }
    }
}
