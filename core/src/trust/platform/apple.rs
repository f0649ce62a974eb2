//! Platform trust on Apple platforms (iOS, macOS, tvOS, watchOS, visionOS): `SecTrust`'s decision, and the
//! chain `SecTrust` validated.
//!
//! For each handshake the server's certificates (leaf first) go into a `SecTrust` with the SSL server policy
//! for the host (`SecPolicyCreateSSL(true, host)`: path to an anchor in the system and user trust settings,
//! validity dates, host name, serverAuth usage, Apple's CT and key-size rules), evaluated at rustls' `now`
//! with any stapled OCSP response. On success the chain `SecTrust` built, leaf first and anchor last
//! (`SecTrustCopyCertificateChain`), is what Pinwire's pins are matched against, as Alamofire and TrustKit do;
//! certificates the server sent that are not on it never count.
//!
//! Extra roots (`TrustSource::PlatformAndRoots`) become anchors beside the system's
//! (`SecTrustSetAnchorCertificates` + `SecTrustSetAnchorCertificatesOnly(false)`). Roots alone
//! (`TrustSource::Roots`) do not come here: they are validated with rustls-webpki on every platform.
//!
//! `prefer` is not honoured: `SecTrust` builds one chain and returns it (there is no API to ask it for an
//! alternative path through a cross-signed root). Pins on a cross-signed hierarchy should therefore name a key
//! on every path `SecTrust` may pick (the leaf's or the intermediate's, rather than only one of the roots).
//!
//! `SecTrustCopyCertificateChain` needs iOS 15 / macOS 12 / tvOS 15 / watchOS 8, the minimum for Pinwire on
//! Apple platforms. Evaluation may block (revocation, AIA fetching), which is why it runs on Pinwire's own
//! threads during the handshake, never on the caller's.

use super::super::{ChainCert, ChainValidator, PresentedChain, UntrustedReason, ValidatedChain};
use crate::error::Error;
use core_foundation::date::CFDate;
use core_foundation::error::CFError;
use rustls_pki_types::CertificateDer;
use security_framework::certificate::SecCertificate;
use security_framework::policy::SecPolicy;
use security_framework::secure_transport::SslProtocolSide;
use security_framework::trust::SecTrust;
use std::sync::Arc;

/// Seconds from the Unix epoch to Core Foundation's (2001-01-01T00:00:00Z), `kCFAbsoluteTimeIntervalSince1970`.
const CF_ABSOLUTE_TIME_SINCE_1970: f64 = 978_307_200.0;

// OSStatus codes of `SecTrustEvaluateWithError`'s error (SecBase.h).
const ERR_SEC_HOST_NAME_MISMATCH: isize = -67602;
const ERR_SEC_INVALID_EXTENDED_KEY_USAGE: isize = -67609;
const ERR_SEC_CERTIFICATE_EXPIRED: isize = -67818;
const ERR_SEC_CERTIFICATE_NOT_VALID_YET: isize = -67819;
const ERR_SEC_CERTIFICATE_REVOKED: isize = -67820;
const ERR_SEC_NOT_TRUSTED: isize = -67843;
const ERR_SEC_CREATE_CHAIN_FAILED: isize = -25318;

/// Validates with `SecTrust` and returns the chain it validated.
#[derive(Debug)]
pub struct SecTrustValidator {
    extra_roots: Vec<SecCertificate>,
}

/// The platform validator, optionally with extra roots beside the system's.
pub fn platform_validator(extra_roots: &[CertificateDer<'static>]) -> Result<Arc<dyn ChainValidator>, Error> {
    let extra_roots = extra_roots
        .iter()
        .enumerate()
        .map(|(index, root)| {
            SecCertificate::from_der(root.as_ref()).map_err(|e| Error::InvalidConfig {
                detail: format!("root certificate #{index} is not a certificate Security.framework accepts: {e}"),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Arc::new(SecTrustValidator { extra_roots }))
}

/// What `SecTrustEvaluateWithError` said, as a reason.
fn reason(error: &CFError) -> UntrustedReason {
    match error.code() {
        ERR_SEC_CERTIFICATE_EXPIRED => UntrustedReason::Expired,
        ERR_SEC_CERTIFICATE_NOT_VALID_YET => UntrustedReason::NotYetValid,
        ERR_SEC_HOST_NAME_MISMATCH => UntrustedReason::HostnameMismatch,
        ERR_SEC_NOT_TRUSTED | ERR_SEC_CREATE_CHAIN_FAILED => UntrustedReason::UnknownIssuer,
        ERR_SEC_CERTIFICATE_REVOKED => UntrustedReason::Revoked,
        ERR_SEC_INVALID_EXTENDED_KEY_USAGE => UntrustedReason::NotServerAuth,
        code => UntrustedReason::Other {
            detail: format!("SecTrust: {} (OSStatus {code})", error.description()),
        },
    }
}

fn other(what: &str, error: impl std::fmt::Display) -> UntrustedReason {
    UntrustedReason::Other {
        detail: format!("SecTrust: {what}: {error}"),
    }
}

impl ChainValidator for SecTrustValidator {
    fn validate(
        &self,
        presented: &PresentedChain<'_>,
        _prefer: &dyn Fn(&ValidatedChain) -> bool,
    ) -> Result<ValidatedChain, UntrustedReason> {
        let certificates = std::iter::once(presented.end_entity)
            .chain(presented.intermediates.iter())
            .map(|der| {
                SecCertificate::from_der(der.as_ref()).map_err(|e| UntrustedReason::Malformed {
                    detail: format!("Security.framework refused a presented certificate: {e}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        // An IP address is checked against the certificate's IP SANs when given as its text form.
        let host = presented.server_name.to_str();
        let policy = SecPolicy::create_ssl(SslProtocolSide::SERVER, Some(host.as_ref()));
        let mut trust = SecTrust::create_with_certificates(&certificates, &[policy])
            .map_err(|e| other("creating the trust object", e))?;

        let now = presented.now.as_secs() as f64 - CF_ABSOLUTE_TIME_SINCE_1970;
        trust
            .set_trust_verify_date(&CFDate::new(now))
            .map_err(|e| other("setting the verification date", e))?;
        if !presented.ocsp_response.is_empty() {
            trust
                .set_trust_ocsp_response(std::iter::once(presented.ocsp_response))
                .map_err(|e| other("setting the stapled OCSP response", e))?;
        }
        if !self.extra_roots.is_empty() {
            trust
                .set_anchor_certificates(&self.extra_roots)
                .map_err(|e| other("adding the extra roots", e))?;
            // Setting anchors disables the system's unless told otherwise: keep both.
            trust
                .set_trust_anchor_certificates_only(false)
                .map_err(|e| other("keeping the system roots", e))?;
        }

        trust.evaluate_with_error().map_err(|e| reason(&e))?;

        let chain = trust.chain();
        if chain.is_empty() {
            return Err(other("evaluation", "trusted, but no certificate chain came back"));
        }
        let certs = chain
            .iter()
            .map(|cert| {
                ChainCert::from_der(CertificateDer::from(cert.to_der()))
                    .map_err(|e| UntrustedReason::Malformed { detail: e.to_string() })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // The path must start with the certificate whose key the handshake signature is checked with.
        if certs[0].der().as_ref() != presented.end_entity.as_ref() {
            return Err(other(
                "evaluation",
                "the validated chain does not start with the server's certificate",
            ));
        }
        Ok(ValidatedChain::new(certs))
    }
}
