//! Path validation with rustls-webpki against an explicit set of roots.

use super::{ChainCert, ChainValidator, PresentedChain, UntrustedReason, ValidatedChain};
use crate::pin::Pin;
use rustls_pki_types::{CertificateDer, TrustAnchor};
use std::cell::RefCell;
use std::fmt;
use webpki::{EndEntityCert, KeyUsage, VerifiedPath};

/// Validates with rustls-webpki against a fixed set of root certificates.
///
/// The roots are kept as certificates, not only as trust anchors, so the validated path can carry the
/// anchor's certificate for pins, reports and diagnostics.
pub struct WebPkiValidator {
    roots: Vec<CertificateDer<'static>>,
    anchors: Vec<TrustAnchor<'static>>,
    anchor_certs: Vec<ChainCert>,
}

impl fmt::Debug for WebPkiValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebPkiValidator")
            .field("roots", &self.roots.len())
            .finish()
    }
}

/// A root certificate that cannot serve as a trust anchor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("root certificate #{index} cannot be used as a trust anchor: {reason}")]
pub struct InvalidRoot {
    /// Its position in the list given.
    pub index: usize,
    /// What was wrong.
    pub reason: String,
}

impl WebPkiValidator {
    /// A validator trusting exactly `roots`. A self-signed server certificate may be given as its own
    /// root; host names, validity dates and key usage are still checked.
    pub fn new(roots: Vec<CertificateDer<'static>>) -> Result<WebPkiValidator, InvalidRoot> {
        let mut anchors = Vec::with_capacity(roots.len());
        let mut anchor_certs = Vec::with_capacity(roots.len());
        for (index, root) in roots.iter().enumerate() {
            let anchor = webpki::anchor_from_trusted_cert(root)
                .map_err(|e| InvalidRoot {
                    index,
                    reason: format!("{e:?}"),
                })?
                .to_owned();
            let described = ChainCert::from_der(root.clone()).map_err(|e| InvalidRoot {
                index,
                reason: e.to_string(),
            })?;
            anchors.push(anchor);
            anchor_certs.push(described);
        }
        Ok(WebPkiValidator {
            roots,
            anchors,
            anchor_certs,
        })
    }

    /// How many roots it trusts.
    pub fn root_count(&self) -> usize {
        self.roots.len()
    }

    fn describe(&self, path: &VerifiedPath<'_>) -> Result<ValidatedChain, webpki::Error> {
        // The pins come from the public keys webpki itself parsed and verified signatures with, so the
        // certificates are not parsed a second time on every handshake. `subject_public_key_info` is the
        // whole SubjectPublicKeyInfo, outer SEQUENCE included (unlike a trust anchor's).
        let described = |cert: &webpki::Cert<'_>| {
            let pin = Pin::from_spki_der(cert.subject_public_key_info().as_ref());
            debug_assert_eq!(Some(pin), Pin::from_certificate_der(&cert.der()).ok());
            ChainCert::with_pin(cert.der().into_owned(), pin)
        };
        let mut certs = Vec::with_capacity(4);
        certs.push(described(path.end_entity()));
        for intermediate in path.intermediate_certificates() {
            certs.push(described(intermediate));
        }
        // The anchor is one of ours: find which by identity, so its own certificate goes in the path.
        let anchor = path.anchor();
        let index = self
            .anchors
            .iter()
            .position(|a| std::ptr::eq(a, anchor))
            .ok_or(webpki::Error::UnknownIssuer)?;
        debug_assert_eq!(
            webpki::spki_for_anchor(anchor).as_ref(),
            webpki::spki_for_anchor(&self.anchors[index]).as_ref()
        );
        // A self-signed server certificate trusted as its own anchor is both leaf and anchor: list it once.
        if self.anchor_certs[index].der() != certs[0].der() {
            certs.push(self.anchor_certs[index].clone());
        }
        Ok(ValidatedChain::new(certs))
    }
}

impl ChainValidator for WebPkiValidator {
    fn validate(
        &self,
        presented: &PresentedChain<'_>,
        prefer: &dyn Fn(&ValidatedChain) -> bool,
    ) -> Result<ValidatedChain, UntrustedReason> {
        let end_entity = EndEntityCert::try_from(presented.end_entity).map_err(map_error)?;
        let algorithms = crate::tls_provider::provider().signature_verification_algorithms;

        // Every path webpki fully validates reaches this callback. Returning an error makes it try the
        // next candidate path, so a preferred (pin-matching) path is found if one exists; otherwise the
        // first valid path is returned and the caller reports the mismatch against it.
        let first_valid: RefCell<Option<ValidatedChain>> = RefCell::new(None);
        let chosen: RefCell<Option<ValidatedChain>> = RefCell::new(None);
        let on_path = |path: &VerifiedPath<'_>| -> Result<(), webpki::Error> {
            let chain = self.describe(path)?;
            if prefer(&chain) {
                *chosen.borrow_mut() = Some(chain);
                return Ok(());
            }
            first_valid.borrow_mut().get_or_insert(chain);
            Err(webpki::Error::UnknownIssuer)
        };
        let verified = end_entity.verify_for_usage(
            algorithms.all,
            &self.anchors,
            presented.intermediates,
            presented.now,
            KeyUsage::server_auth(),
            None,
            Some(&on_path),
        );
        let chain = match verified {
            Ok(_) => chosen.into_inner().ok_or(UntrustedReason::Other {
                detail: "no path recorded".into(),
            })?,
            Err(error) => match first_valid.into_inner() {
                Some(chain) => chain,
                None => return Err(map_error(error)),
            },
        };
        end_entity
            .verify_is_valid_for_subject_name(presented.server_name)
            .map_err(map_error)?;
        Ok(chain)
    }

    /// Only computes over the roots it holds.
    fn may_block(&self) -> bool {
        false
    }
}

/// Maps webpki's error to the reason a developer acts on.
#[allow(deprecated)] // the unit variants are deprecated but still constructed by some paths
pub(crate) fn map_error(error: webpki::Error) -> UntrustedReason {
    use webpki::Error as E;
    match error {
        E::CertExpired { .. } => UntrustedReason::Expired,
        E::CertNotValidYet { .. } => UntrustedReason::NotYetValid,
        E::UnknownIssuer => UntrustedReason::UnknownIssuer,
        E::InvalidSignatureForPublicKey
        | E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | E::SignatureAlgorithmMismatch => UntrustedReason::BadSignature,
        E::CertNotValidForName(_) => UntrustedReason::HostnameMismatch,
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => UntrustedReason::NotServerAuth,
        E::CertRevoked => UntrustedReason::Revoked,
        E::CaUsedAsEndEntity | E::EndEntityUsedAsCa => UntrustedReason::WrongRole,
        other => UntrustedReason::Malformed {
            detail: format!("{other:?}"),
        },
    }
}
