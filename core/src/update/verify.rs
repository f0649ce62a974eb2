//! The acceptance rules every update document passes before it is used, whatever brought it (the
//! update URL, the app, the store): size, structure, key, algorithm, signature, payload, configuration,
//! dates. Version rules need the client's state and are applied where it is kept.

use super::document::{parse_instant, rfc3339, Payload, UpdateDocument, UPDATE_FORMAT};
use super::error::UpdateError;
use super::keys::VerificationKey;
use crate::config::{PinConfig, TrustConfig};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::Validation;
use serde::Deserialize;
use std::time::Duration;
use time::OffsetDateTime;

/// The default cap on a document's size: a configuration of hundreds of rules fits many times over.
pub const DEFAULT_MAX_DOCUMENT_SIZE: usize = 64 * 1024;

/// The default allowance for a device clock that runs behind the signer's: `issued_at` may be this far
/// in the future.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// Verifies update documents against the embedded keys.
#[derive(Debug, Clone)]
pub struct UpdateVerifier {
    keys: Vec<VerificationKey>,
    max_size: usize,
    max_clock_skew: Duration,
}

/// The protected header, read only to pick the key and compare `alg` with it before the JOSE crate
/// verifies the signature with that key and that key's algorithm alone.
#[derive(Deserialize)]
struct HeaderView {
    alg: serde_json::Value,
    kid: Option<String>,
}

impl UpdateVerifier {
    /// A verifier that accepts documents signed by any of `keys` (so the signing key can rotate), with
    /// the default size cap and clock skew.
    pub fn new(keys: Vec<VerificationKey>) -> UpdateVerifier {
        UpdateVerifier {
            keys,
            max_size: DEFAULT_MAX_DOCUMENT_SIZE,
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
        }
    }

    /// Documents larger than this are refused unread.
    pub fn with_max_size(mut self, max: usize) -> UpdateVerifier {
        self.max_size = max;
        self
    }

    /// How far in the future `issued_at` may be.
    pub fn with_max_clock_skew(mut self, skew: Duration) -> UpdateVerifier {
        self.max_clock_skew = skew;
        self
    }

    /// The size cap.
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// The embedded keys.
    pub fn keys(&self) -> &[VerificationKey] {
        &self.keys
    }

    /// Every rule but the version's: the document verifies, carries a valid configuration, and is
    /// within its validity window at `now`.
    pub fn verify(&self, document: &[u8], now: OffsetDateTime) -> Result<UpdateDocument, UpdateError> {
        let document = self.verify_signed(document)?;
        self.check_dates(&document, now)?;
        Ok(document)
    }

    /// The rules that do not depend on the time: size, signature, payload and configuration.
    pub(crate) fn verify_signed(&self, document: &[u8]) -> Result<UpdateDocument, UpdateError> {
        if document.len() > self.max_size {
            return Err(UpdateError::TooLarge {
                size: document.len(),
                max: self.max_size,
            });
        }
        let malformed = |detail: &str| UpdateError::Malformed {
            detail: detail.to_string(),
        };
        let text = std::str::from_utf8(document)
            .map_err(|_| malformed("not text"))?
            .trim_matches(|c: char| c.is_ascii_whitespace());
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(malformed(
                "not a JWS compact serialisation (three non-empty base64url parts joined by dots)",
            ));
        }
        let header = URL_SAFE_NO_PAD
            .decode(parts[0])
            .map_err(|_| malformed("the header is not base64url"))?;
        let header: HeaderView =
            serde_json::from_slice(&header).map_err(|e| malformed(&format!("the header is not a JOSE header: {e}")))?;
        let kid = header.kid.ok_or(UpdateError::MissingKeyId)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.kid() == kid)
            .ok_or_else(|| UpdateError::UnknownKeyId { kid: kid.clone() })?;
        let expected = key.algorithm().jws_name();
        if header.alg.as_str() != Some(expected) {
            return Err(UpdateError::AlgorithmNotAllowed {
                alg: header
                    .alg
                    .as_str()
                    .map_or_else(|| header.alg.to_string(), str::to_string),
                kid,
                expected,
            });
        }

        // The JOSE crate verifies with this key and only this key's algorithm; the dates are ours to
        // check (named fields, typed refusals), so none of its registered-claim checks apply.
        let mut validation = Validation::new(key.algorithm().jws());
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        super::jose::install();
        let payload: Payload = match jsonwebtoken::decode(text, key.decoding_key(), &validation) {
            Ok(data) => data.claims,
            Err(e) => {
                return Err(match e.kind() {
                    ErrorKind::InvalidSignature => UpdateError::BadSignature { kid },
                    ErrorKind::Json(detail) => UpdateError::InvalidPayload {
                        detail: detail.to_string(),
                    },
                    _ => malformed(&e.to_string()),
                })
            }
        };
        let payload_bytes = URL_SAFE_NO_PAD
            .decode(parts[1])
            .map_err(|_| malformed("the payload is not base64url"))?;

        if payload.format != UPDATE_FORMAT {
            return Err(UpdateError::InvalidPayload {
                detail: format!("format {:?}, expected {UPDATE_FORMAT:?}", payload.format),
            });
        }
        let version = payload.version;
        let issued_at = parse_instant(&payload.issued_at, "issued_at")?;
        let expires_at = parse_instant(&payload.expires_at, "expires_at")?;
        if expires_at <= issued_at {
            return Err(UpdateError::InvalidPayload {
                detail: "expires_at is not later than issued_at".into(),
            });
        }
        let config = PinConfig::from_json(payload.config.get(), &format!("update version {version}"))
            .map_err(|error| UpdateError::InvalidConfiguration { version, error })?;
        check_config(&config, version)?;
        Ok(UpdateDocument {
            version,
            issued_at,
            expires_at,
            kid,
            config,
            payload: payload_bytes,
        })
    }

    pub(crate) fn check_dates(&self, document: &UpdateDocument, now: OffsetDateTime) -> Result<(), UpdateError> {
        if document.expires_at <= now {
            return Err(UpdateError::Expired {
                version: document.version,
                expires_at: rfc3339(document.expires_at),
            });
        }
        if document.issued_at > now + self.max_clock_skew {
            return Err(UpdateError::IssuedInFuture {
                version: document.version,
                issued_at: rfc3339(document.issued_at),
            });
        }
        Ok(())
    }
}

/// What an update may change: pins and cleartext rules. The configuration parsed under the usual
/// rules already (at least two pins per set unless the file relaxes it); an update may not relax it,
/// bring trust anchors, or carry parts this library does not understand.
fn check_config(config: &PinConfig, version: u64) -> Result<(), UpdateError> {
    let unacceptable = |detail: String| UpdateError::UnacceptableConfiguration { version, detail };
    if !config.warnings().is_empty() {
        let warnings: Vec<String> = config.warnings().iter().map(|w| w.message.clone()).collect();
        return Err(unacceptable(format!(
            "it has parts this library does not understand: {}",
            warnings.join("; ")
        )));
    }
    if *config.trust() != TrustConfig::default() {
        return Err(unacceptable(
            "it names trust anchors; an update changes pins and cleartext rules, trust stays as shipped".into(),
        ));
    }
    if config.policy().min_pins() < 2 {
        return Err(unacceptable(
            "it allows pin sets of a single pin (allow_single_pin)".into(),
        ));
    }
    Ok(())
}
