//! SPKI SHA-256 pins: `sha256/<base64 of the SHA-256 of the DER SubjectPublicKeyInfo>`, the form OkHttp's
//! `CertificatePinner`, Android's Network Security Config and TrustKit share.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, SubjectPublicKeyInfoDer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The prefix every pin string carries.
pub const PIN_PREFIX: &str = "sha256/";

/// A public-key pin: the SHA-256 digest of a DER-encoded SubjectPublicKeyInfo.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pin([u8; 32]);

/// Why a pin string, certificate or key could not be turned into a pin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PinError {
    /// The string does not start with `sha256/` (other digests, such as `sha1/`, are not supported).
    #[error("pin {input:?} must start with \"sha256/\"")]
    MissingPrefix {
        /// The text that was given.
        input: String,
    },
    /// The part after `sha256/` is not standard base64.
    #[error("pin {input:?} is not valid base64 after \"sha256/\"")]
    InvalidBase64 {
        /// The text that was given.
        input: String,
    },
    /// The base64 decodes to something other than a 32-byte SHA-256 digest.
    #[error("pin {input:?} decodes to {len} bytes, a SHA-256 digest has 32")]
    WrongDigestLength {
        /// The text that was given.
        input: String,
        /// The decoded length.
        len: usize,
    },
    /// A certificate could not be parsed to find its public key.
    #[error("not a valid X.509 certificate: {reason}")]
    InvalidCertificate {
        /// What the parser said.
        reason: String,
    },
    /// A key could not be parsed.
    #[error("not a usable key: {reason}")]
    InvalidKey {
        /// What the parser said.
        reason: String,
    },
    /// PEM input held nothing of the expected kind.
    #[error("no {expected} found in the PEM input")]
    NothingFound {
        /// What was looked for.
        expected: &'static str,
    },
}

impl Pin {
    /// The pin from a raw SHA-256 digest.
    pub fn from_sha256(digest: [u8; 32]) -> Pin {
        Pin(digest)
    }

    /// The digest bytes.
    pub fn digest(&self) -> &[u8; 32] {
        &self.0
    }

    /// The pin of a DER-encoded SubjectPublicKeyInfo (the whole SEQUENCE, tag and length included).
    pub fn from_spki_der(spki: &[u8]) -> Pin {
        Pin(Sha256::digest(spki).into())
    }

    /// The pin of a DER-encoded X.509 certificate's public key.
    pub fn from_certificate_der(cert: &[u8]) -> Result<Pin, PinError> {
        let (rest, parsed) = x509_parser::parse_x509_certificate(cert)
            .map_err(|e| PinError::InvalidCertificate { reason: e.to_string() })?;
        if !rest.is_empty() {
            return Err(PinError::InvalidCertificate {
                reason: "trailing data after the certificate".into(),
            });
        }
        Ok(Pin::from_spki_der(parsed.tbs_certificate.subject_pki.raw))
    }

    /// The pins of every certificate in PEM text, in order.
    pub fn from_certificates_pem(pem: &[u8]) -> Result<Vec<Pin>, PinError> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PinError::InvalidCertificate { reason: e.to_string() })?;
        if certs.is_empty() {
            return Err(PinError::NothingFound {
                expected: "CERTIFICATE",
            });
        }
        certs.iter().map(|c| Pin::from_certificate_der(c)).collect()
    }

    /// The pin of a public key given as PEM (`PUBLIC KEY`) or DER SubjectPublicKeyInfo.
    pub fn from_public_key(input: &[u8]) -> Result<Pin, PinError> {
        let der = if looks_like_pem(input) {
            SubjectPublicKeyInfoDer::from_pem_slice(input)
                .map_err(|e| PinError::InvalidKey { reason: e.to_string() })?
                .as_ref()
                .to_vec()
        } else {
            input.to_vec()
        };
        // Parse to be sure this is a SubjectPublicKeyInfo and not some other DER blob, whose hash
        // would be a pin that never matches anything.
        let (rest, _) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&der)
            .map_err(|e| PinError::InvalidKey { reason: e.to_string() })?;
        if !rest.is_empty() {
            return Err(PinError::InvalidKey {
                reason: "trailing data after the public key".into(),
            });
        }
        Ok(Pin::from_spki_der(&der))
    }

    /// The pin of the public half of a PKCS#8 private key given as PEM (`PRIVATE KEY`) or DER.
    ///
    /// PKCS#1 (`RSA PRIVATE KEY`) and SEC1 (`EC PRIVATE KEY`) keys are refused with an error that says
    /// so; convert them with `openssl pkcs8 -topk8 -nocrypt`.
    pub fn from_private_key(input: &[u8]) -> Result<Pin, PinError> {
        let key = if looks_like_pem(input) {
            PrivateKeyDer::from_pem_slice(input).map_err(|e| PinError::InvalidKey { reason: e.to_string() })?
        } else {
            PrivateKeyDer::try_from(input.to_vec()).map_err(|e| PinError::InvalidKey { reason: e.to_string() })?
        };
        if !matches!(key, PrivateKeyDer::Pkcs8(_)) {
            return Err(PinError::InvalidKey {
                reason: "only PKCS#8 private keys are supported; convert with `openssl pkcs8 -topk8 -nocrypt`".into(),
            });
        }
        let pair = rcgen::KeyPair::try_from(&key).map_err(|e| PinError::InvalidKey { reason: e.to_string() })?;
        use rcgen::PublicKeyData as _;
        Ok(Pin::from_spki_der(&pair.subject_public_key_info()))
    }
}

fn looks_like_pem(input: &[u8]) -> bool {
    input.windows(11).any(|w| w == b"-----BEGIN ")
}

use x509_parser::prelude::FromDer as _;

impl FromStr for Pin {
    type Err = PinError;

    fn from_str(input: &str) -> Result<Pin, PinError> {
        let trimmed = input.trim();
        let Some(b64) = trimmed.strip_prefix(PIN_PREFIX) else {
            return Err(PinError::MissingPrefix {
                input: input.to_string(),
            });
        };
        let bytes = STANDARD.decode(b64).map_err(|_| PinError::InvalidBase64 {
            input: input.to_string(),
        })?;
        let digest: [u8; 32] = bytes.as_slice().try_into().map_err(|_| PinError::WrongDigestLength {
            input: input.to_string(),
            len: bytes.len(),
        })?;
        Ok(Pin(digest))
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PIN_PREFIX}{}", STANDARD.encode(self.0))
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl TryFrom<&str> for Pin {
    type Error = PinError;
    fn try_from(s: &str) -> Result<Pin, PinError> {
        s.parse()
    }
}

impl TryFrom<String> for Pin {
    type Error = PinError;
    fn try_from(s: String) -> Result<Pin, PinError> {
        s.parse()
    }
}

impl TryFrom<&String> for Pin {
    type Error = PinError;
    fn try_from(s: &String) -> Result<Pin, PinError> {
        s.parse()
    }
}

impl From<Pin> for String {
    fn from(pin: Pin) -> String {
        pin.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_malformed_pins() {
        let pin = Pin::from_spki_der(b"anything");
        let text = pin.to_string();
        assert!(text.starts_with("sha256/") && text.len() == 7 + 44);
        assert_eq!(text.parse::<Pin>().unwrap(), pin);
        assert!(matches!(
            "sha1/AAAA".parse::<Pin>(),
            Err(PinError::MissingPrefix { .. })
        ));
        assert!(matches!("AAAA".parse::<Pin>(), Err(PinError::MissingPrefix { .. })));
        assert!(matches!(
            "sha256/!!!!".parse::<Pin>(),
            Err(PinError::InvalidBase64 { .. })
        ));
        assert!(matches!(
            "sha256/AAAA".parse::<Pin>(),
            Err(PinError::WrongDigestLength { len: 3, .. })
        ));
        // A SHA-1 sized digest (20 bytes) under the sha256 prefix is the classic copy-paste error.
        let sha1_sized = format!("sha256/{}", STANDARD.encode([0u8; 20]));
        assert!(matches!(
            sha1_sized.parse::<Pin>(),
            Err(PinError::WrongDigestLength { len: 20, .. })
        ));
    }

    #[test]
    fn known_answer() {
        // SHA-256 of the empty string, a fixed vector.
        let pin = Pin::from_spki_der(b"");
        assert_eq!(pin.to_string(), "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    #[test]
    fn certificate_public_key_and_private_key_agree() {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["example.com".to_string()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let from_cert = Pin::from_certificate_der(cert.der()).unwrap();
        let from_cert_pem = Pin::from_certificates_pem(cert.pem().as_bytes()).unwrap();
        let from_pub_pem = Pin::from_public_key(key.public_key_pem().as_bytes()).unwrap();
        let from_priv_pem = Pin::from_private_key(key.serialize_pem().as_bytes()).unwrap();
        let from_priv_der = Pin::from_private_key(&key.serialize_der()).unwrap();
        use rcgen::PublicKeyData as _;
        let from_pub_der = Pin::from_public_key(&key.subject_public_key_info()).unwrap();
        assert_eq!(from_cert_pem, vec![from_cert]);
        for other in [from_pub_pem, from_priv_pem, from_priv_der, from_pub_der] {
            assert_eq!(other, from_cert);
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_pin() {
        assert!(Pin::from_certificate_der(b"\x30\x03\x02\x01\x01").is_err());
        assert!(Pin::from_public_key(b"not a key").is_err());
        assert!(Pin::from_private_key(b"not a key").is_err());
        assert!(matches!(
            Pin::from_certificates_pem(b"hello"),
            Err(PinError::NothingFound { .. })
        ));
    }
}
