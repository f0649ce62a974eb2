//! The keys of signed pin updates: the public keys an app embeds to verify documents (JWK), and the
//! private keys a release tool signs them with (PKCS#8).
//!
//! The signature algorithm belongs to the key: a P-256 key verifies only ES256, an Ed25519 key only
//! EdDSA. A document's `alg` header is checked against it and never chooses it.

use super::error::KeyError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use std::fmt;

/// The PEM label of a private key file.
const PRIVATE_KEY_LABEL: &str = "PRIVATE KEY";

/// The signature algorithms of update documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on P-256 with SHA-256 (JWS `ES256`).
    Es256,
    /// Ed25519 (JWS `EdDSA`).
    Ed25519,
}

impl KeyAlgorithm {
    /// The JWS `alg` value of this algorithm.
    pub fn jws_name(self) -> &'static str {
        match self {
            KeyAlgorithm::Es256 => "ES256",
            KeyAlgorithm::Ed25519 => "EdDSA",
        }
    }

    pub(crate) fn jws(self) -> Algorithm {
        match self {
            KeyAlgorithm::Es256 => Algorithm::ES256,
            KeyAlgorithm::Ed25519 => Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyAlgorithm::Es256 => "ES256 (P-256)",
            KeyAlgorithm::Ed25519 => "Ed25519",
        })
    }
}

/// A public key an app embeds to verify update documents, with its key id (`kid`).
#[derive(Clone)]
pub struct VerificationKey {
    kid: String,
    algorithm: KeyAlgorithm,
    key: DecodingKey,
    jwk: String,
}

impl fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl VerificationKey {
    /// Reads a public JWK (RFC 7517): `{"kty":"OKP","crv":"Ed25519","x":..,"kid":..}` or
    /// `{"kty":"EC","crv":"P-256","x":..,"y":..,"kid":..}`, as `pinwire update keygen` prints it.
    /// A `kid` is required; an `alg`, if present, must be the key's own. A JWK holding a private key
    /// (`d`) is refused: that key must not ship inside an app.
    pub fn from_jwk(text: &str) -> Result<VerificationKey, KeyError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| KeyError::Invalid(format!("not a JWK: {e}")))?;
        if value.get("d").is_some() {
            return Err(KeyError::Invalid(
                "this JWK holds a private key (\"d\"); embed the public key only".into(),
            ));
        }
        let jwk: Jwk = serde_json::from_value(value).map_err(|e| KeyError::Invalid(format!("not a JWK: {e}")))?;
        let kid = jwk
            .common
            .key_id
            .clone()
            .filter(|kid| !kid.is_empty())
            .ok_or_else(|| KeyError::Invalid("the JWK has no \"kid\"".into()))?;
        let (algorithm, key) = match &jwk.algorithm {
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
                for (name, part) in [("x", &ec.x), ("y", &ec.y)] {
                    if decoded_len(part)? != 32 {
                        return Err(KeyError::Invalid(format!("the P-256 key's \"{name}\" is not 32 bytes")));
                    }
                }
                let key = DecodingKey::from_ec_components(&ec.x, &ec.y)
                    .map_err(|e| KeyError::Invalid(format!("P-256 key: {e}")))?;
                (KeyAlgorithm::Es256, key)
            }
            AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
                if decoded_len(&okp.x)? != 32 {
                    return Err(KeyError::Invalid("the Ed25519 key's \"x\" is not 32 bytes".into()));
                }
                let key = DecodingKey::from_ed_components(&okp.x)
                    .map_err(|e| KeyError::Invalid(format!("Ed25519 key: {e}")))?;
                (KeyAlgorithm::Ed25519, key)
            }
            _ => {
                return Err(KeyError::Invalid(
                    "unsupported key: only P-256 (ES256) and Ed25519 (EdDSA) keys sign pin updates".into(),
                ))
            }
        };
        if let Some(alg) = &jwk.common.key_algorithm {
            let named = serde_json::to_value(alg).ok();
            if named.as_ref().and_then(|v| v.as_str()) != Some(algorithm.jws_name()) {
                return Err(KeyError::Invalid(format!(
                    "the JWK's \"alg\" {} does not fit its {algorithm} key",
                    named.map_or_else(|| "?".into(), |v| v.to_string())
                )));
            }
        }
        Ok(VerificationKey {
            kid,
            algorithm,
            key,
            jwk: text.trim().to_string(),
        })
    }

    /// The key id documents name in their `kid` header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The JWK text this key was read from.
    pub fn to_jwk(&self) -> &str {
        &self.jwk
    }

    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.key
    }
}

fn decoded_len(part: &str) -> Result<usize, KeyError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map(|bytes| bytes.len())
        .map_err(|_| KeyError::Invalid("a key coordinate is not unpadded base64url".into()))
}

/// A private key that signs update documents (a release tool's, never an app's).
pub struct SigningKey {
    algorithm: KeyAlgorithm,
    pkcs8: Vec<u8>,
    public: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new random key.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<SigningKey, KeyError> {
        let rng = SystemRandom::new();
        let pkcs8 = match algorithm {
            KeyAlgorithm::Es256 => EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng),
            KeyAlgorithm::Ed25519 => Ed25519KeyPair::generate_pkcs8(&rng),
        }
        .map_err(|_| KeyError::Invalid("the system random generator failed".into()))?;
        SigningKey::from_pkcs8_der(pkcs8.as_ref())
    }

    /// Reads a PKCS#8 private key (P-256 or Ed25519) in DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, KeyError> {
        let rng = SystemRandom::new();
        let (algorithm, public) = if let Ok(pair) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            (KeyAlgorithm::Ed25519, pair.public_key().as_ref().to_vec())
        } else if let Ok(pair) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng) {
            (KeyAlgorithm::Es256, pair.public_key().as_ref().to_vec())
        } else {
            return Err(KeyError::Invalid("not a PKCS#8 P-256 or Ed25519 private key".into()));
        };
        Ok(SigningKey {
            algorithm,
            pkcs8: der.to_vec(),
            public,
        })
    }

    /// Reads a PKCS#8 private key in PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<SigningKey, KeyError> {
        let (label, der) =
            der::pem::decode_vec(pem.trim().as_bytes()).map_err(|e| KeyError::Invalid(format!("not PEM: {e}")))?;
        if label != PRIVATE_KEY_LABEL {
            return Err(KeyError::Invalid(format!(
                "expected a {PRIVATE_KEY_LABEL} PEM block, found {label}"
            )));
        }
        SigningKey::from_pkcs8_der(&der)
    }

    /// The key as PKCS#8 PEM, for a file only the release tooling can read.
    pub fn to_pkcs8_pem(&self) -> String {
        der::pem::encode_string(PRIVATE_KEY_LABEL, der::pem::LineEnding::LF, &self.pkcs8)
            .expect("PEM encoding of bytes in memory cannot fail")
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The public key to embed in apps, as a JWK whose `kid` is its RFC 7638 thumbprint.
    pub fn verification_key(&self) -> VerificationKey {
        let mut jwk = match self.algorithm {
            KeyAlgorithm::Es256 => serde_json::json!({
                "kty": "EC",
                "crv": "P-256",
                // ring gives the uncompressed point: 0x04 || x || y.
                "x": URL_SAFE_NO_PAD.encode(&self.public[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&self.public[33..65]),
            }),
            KeyAlgorithm::Ed25519 => serde_json::json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(&self.public),
            }),
        };
        let parsed: Jwk = serde_json::from_value(jwk.clone()).expect("a JWK made above parses");
        super::jose::install();
        let kid = parsed
            .thumbprint(ThumbprintHash::SHA256)
            .expect("the thumbprint of a P-256 or Ed25519 JWK is defined");
        jwk["kid"] = kid.into();
        jwk["alg"] = self.algorithm.jws_name().into();
        jwk["use"] = "sig".into();
        VerificationKey::from_jwk(&jwk.to_string()).expect("a JWK made from a valid key reads back")
    }

    pub(crate) fn encoding_key(&self) -> EncodingKey {
        match self.algorithm {
            KeyAlgorithm::Es256 => EncodingKey::from_ec_der(&self.pkcs8),
            KeyAlgorithm::Ed25519 => EncodingKey::from_ed_der(&self.pkcs8),
        }
    }
}
