//! SPKI SHA-256 pins: `sha256/<base64 of the SHA-256 of the DER SubjectPublicKeyInfo>`, the form OkHttp's
//! `CertificatePinner`, Android's Network Security Config and TrustKit share.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier};
use der::{Decode as _, Encode as _};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};
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
        let digest = ring::digest::digest(&ring::digest::SHA256, spki);
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        Pin(out)
    }

    /// The pin of a DER-encoded X.509 certificate's public key.
    pub fn from_certificate_der(cert: &[u8]) -> Result<Pin, PinError> {
        let parts =
            crate::x509::CertParts::parse(cert).map_err(|e| PinError::InvalidCertificate { reason: e.to_string() })?;
        Ok(Pin::from_spki_der(parts.spki))
    }

    /// The pins of every certificate in PEM text, in order.
    pub fn from_certificates_pem(pem: &[u8]) -> Result<Vec<Pin>, PinError> {
        crate::x509::certificates_from_pem(pem)?
            .iter()
            .map(|c| Pin::from_certificate_der(c))
            .collect()
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
        // (`from_der` refuses trailing data too.)
        spki::SubjectPublicKeyInfoRef::from_der(&der).map_err(|e| PinError::InvalidKey { reason: e.to_string() })?;
        Ok(Pin::from_spki_der(&der))
    }

    /// The pin of the public half of a PKCS#8 private key given as PEM (`PRIVATE KEY`) or DER: Ed25519,
    /// ECDSA P-256 or P-384, or RSA of 2048 to 4096 bits (the keys `ring` can use).
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
        Ok(Pin::from_spki_der(&public_key_info(key.secret_der())?))
    }
}

/// The DER SubjectPublicKeyInfo of the public half of a PKCS#8 private key: Ed25519, ECDSA P-256 or
/// P-384, or RSA, the key types `ring` (and so rustls with it) can use.
fn public_key_info(pkcs8: &[u8]) -> Result<Vec<u8>, PinError> {
    use ring::signature::{self, KeyPair as _};
    const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
    const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
    const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

    let rng = ring::rand::SystemRandom::new();
    let ecdsa = |alg| signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8, &rng);
    // (algorithm, its parameters, the public key: an Ed25519 key, an uncompressed EC point, or a DER
    // RSAPublicKey)
    let (algorithm, parameters, public_key): (ObjectIdentifier, Option<AnyRef<'_>>, Vec<u8>) =
        if let Ok(pair) = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8) {
            (ED25519, None, pair.public_key().as_ref().to_vec())
        } else if let Ok(pair) = ecdsa(&signature::ECDSA_P256_SHA256_ASN1_SIGNING) {
            (
                EC_PUBLIC_KEY,
                Some(AnyRef::from(&P256)),
                pair.public_key().as_ref().to_vec(),
            )
        } else if let Ok(pair) = ecdsa(&signature::ECDSA_P384_SHA384_ASN1_SIGNING) {
            (
                EC_PUBLIC_KEY,
                Some(AnyRef::from(&P384)),
                pair.public_key().as_ref().to_vec(),
            )
        } else if let Ok(pair) = signature::RsaKeyPair::from_pkcs8(pkcs8) {
            (RSA_ENCRYPTION, Some(AnyRef::NULL), pair.public().as_ref().to_vec())
        } else {
            return Err(PinError::InvalidKey {
                reason: "not an Ed25519, ECDSA P-256 or P-384, or RSA (2048 to 4096 bits) PKCS#8 private key".into(),
            });
        };
    let encoding_failed = |e: der::Error| PinError::InvalidKey { reason: e.to_string() };
    let spki = spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: algorithm,
            parameters,
        },
        subject_public_key: BitStringRef::from_bytes(&public_key).map_err(encoding_failed)?,
    };
    spki.to_der().map_err(encoding_failed)
}

fn looks_like_pem(input: &[u8]) -> bool {
    input.windows(11).any(|w| w == b"-----BEGIN ")
}

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

impl Pin {
    /// The digest in standard base64, without the `sha256/` prefix: the form TrustKit and the
    /// Network Security Config files hold.
    pub(crate) fn digest_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PIN_PREFIX}{}", self.digest_base64())
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

    /// A fixture key file (tests/fixtures/keys, made with OpenSSL).
    fn key_file(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn every_supported_private_key_type_gives_its_public_key_pin() {
        for name in ["ed25519", "p256", "p384", "rsa-2048"] {
            let expected = Pin::from_public_key(&key_file(&format!("{name}.pub.pem"))).unwrap();
            let got = Pin::from_private_key(&key_file(&format!("{name}.pk8.pem")));
            assert_eq!(got, Ok(expected), "{name}");
        }
        let der = Pin::from_private_key(&key_file("p384.pk8.der")).unwrap();
        assert_eq!(der, Pin::from_public_key(&key_file("p384.pub.pem")).unwrap());
        // rcgen's own keys (PKCS#8 v2 Ed25519, P-256, P-384) agree with the certificates made with them.
        for alg in [
            &rcgen::PKCS_ED25519,
            &rcgen::PKCS_ECDSA_P256_SHA256,
            &rcgen::PKCS_ECDSA_P384_SHA384,
        ] {
            let key = rcgen::KeyPair::generate_for(alg).unwrap();
            let params = rcgen::CertificateParams::new(vec!["example.com".to_string()]).unwrap();
            let cert = params.self_signed(&key).unwrap();
            let from_cert = Pin::from_certificate_der(cert.der()).unwrap();
            assert_eq!(Pin::from_private_key(key.serialize_pem().as_bytes()), Ok(from_cert));
        }
    }

    #[test]
    fn unsupported_private_keys_are_refused_with_the_reason() {
        for name in ["rsa-2048.pkcs1.pem", "p256.sec1.pem", "p384.sec1.der"] {
            let error = Pin::from_private_key(&key_file(name)).unwrap_err();
            assert!(
                matches!(&error, PinError::InvalidKey { reason } if reason.contains("only PKCS#8")),
                "{name}: {error}"
            );
        }
        // P-521 is valid PKCS#8 that ring cannot use.
        assert!(Pin::from_public_key(&key_file("p521.pub.pem")).is_ok());
        let error = Pin::from_private_key(&key_file("p521.pk8.pem")).unwrap_err();
        assert!(matches!(error, PinError::InvalidKey { .. }), "{error}");
        // A public key is not a private key, nor the other way round.
        assert!(Pin::from_private_key(&key_file("p256.pub.pem")).is_err());
        assert!(Pin::from_public_key(&key_file("p256.pk8.pem")).is_err());
    }

    #[test]
    fn a_public_key_with_trailing_data_is_refused() {
        let mut der = SubjectPublicKeyInfoDer::from_pem_slice(&key_file("p256.pub.pem"))
            .unwrap()
            .as_ref()
            .to_vec();
        assert!(Pin::from_public_key(&der).is_ok());
        der.push(0);
        assert!(matches!(Pin::from_public_key(&der), Err(PinError::InvalidKey { .. })));
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
