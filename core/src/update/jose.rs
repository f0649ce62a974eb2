//! The JOSE crate's cryptography, on `ring` (which rustls already links): ES256 and EdDSA signatures,
//! the only algorithms of update documents, and SHA-2 for JWK thumbprints. `jsonwebtoken` still does all
//! of the JWS work (splitting, base64url, header and payload decoding, the algorithm and key-family
//! checks); this is only the signature primitive it calls. Every other algorithm is refused here, so
//! no RSA, HMAC or P-384 code ships (see `docs/adr/0018-jose-on-ring.md`).

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind, Result};
use jsonwebtoken::jwk::ThumbprintHash;
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, Ed25519KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ED25519,
};

/// The provider this library uses.
static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: |_| Err(ErrorKind::UnsupportedAlgorithm.into()),
        rsa_pub_components_from_public_key: |_| Err(ErrorKind::UnsupportedAlgorithm.into()),
        ec_pub_components_from_private_key: |_, _| Err(ErrorKind::UnsupportedAlgorithm.into()),
        ed_pub_components_from_private_key: |_, _| Err(ErrorKind::UnsupportedAlgorithm.into()),
        compute_digest,
    },
};

/// Makes this provider the JOSE crate's process-wide one, before every call into that crate that needs
/// cryptography. The crate keeps one provider per process and takes the first installed: if other code
/// in the same binary installed one first, that one stays (it is that code's choice, and any working
/// provider verifies the same signatures).
pub(crate) fn install() {
    // An Err only says a provider is in place already (ours, from an earlier call, or another).
    let _ = PROVIDER.install_default();
}

fn compute_digest(data: &[u8], hash: ThumbprintHash) -> Result<Vec<u8>> {
    let algorithm = match hash {
        ThumbprintHash::SHA256 => &ring::digest::SHA256,
        ThumbprintHash::SHA384 => &ring::digest::SHA384,
        ThumbprintHash::SHA512 => &ring::digest::SHA512,
        _ => return Err(ErrorKind::UnsupportedAlgorithm.into()),
    };
    Ok(ring::digest::digest(algorithm, data).as_ref().to_vec())
}

/// A private key from a PKCS#8 document, for the one algorithm it signs.
enum SigningPair {
    Es256(EcdsaKeyPair, SystemRandom),
    EdDsa(Ed25519KeyPair),
}

impl Signer<Vec<u8>> for SigningPair {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        match self {
            SigningPair::Es256(pair, rng) => pair
                .sign(rng, msg)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| signature::Error::new()),
            SigningPair::EdDsa(pair) => Ok(pair.sign(msg).as_ref().to_vec()),
        }
    }
}

impl JwtSigner for SigningPair {
    fn algorithm(&self) -> Algorithm {
        match self {
            SigningPair::Es256(..) => Algorithm::ES256,
            SigningPair::EdDsa(_) => Algorithm::EdDSA,
        }
    }
}

fn new_signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    let pair = match (algorithm, key.family()) {
        (Algorithm::ES256, AlgorithmFamily::Ec) => {
            let rng = SystemRandom::new();
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, key.as_bytes(), &rng)
                .map_err(|_| Error::from(ErrorKind::InvalidEcdsaKey))?;
            SigningPair::Es256(pair, rng)
        }
        (Algorithm::EdDSA, AlgorithmFamily::Ed) => SigningPair::EdDsa(
            Ed25519KeyPair::from_pkcs8_maybe_unchecked(key.as_bytes())
                .map_err(|_| Error::from(ErrorKind::InvalidEddsaKey))?,
        ),
        (Algorithm::ES256 | Algorithm::EdDSA, _) => return Err(ErrorKind::InvalidKeyFormat.into()),
        _ => return Err(ErrorKind::UnsupportedAlgorithm.into()),
    };
    Ok(Box::new(pair))
}

/// A public key for the one algorithm it verifies.
struct PublicKey {
    algorithm: Algorithm,
    key: UnparsedPublicKey<Vec<u8>>,
}

impl Verifier<Vec<u8>> for PublicKey {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        self.key.verify(msg, signature).map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for PublicKey {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

fn new_verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    let bytes = key.try_get_as_bytes()?.to_vec();
    let verification: &'static dyn ring::signature::VerificationAlgorithm = match (algorithm, key.family()) {
        // An uncompressed P-256 point (0x04 || x || y), as the crate builds it from a JWK; ring
        // checks that it is on the curve when it verifies.
        (Algorithm::ES256, AlgorithmFamily::Ec) if bytes.len() == 65 => &ECDSA_P256_SHA256_FIXED,
        (Algorithm::ES256, AlgorithmFamily::Ec) => return Err(ErrorKind::InvalidEcdsaKey.into()),
        (Algorithm::EdDSA, AlgorithmFamily::Ed) if bytes.len() == 32 => &ED25519,
        (Algorithm::EdDSA, AlgorithmFamily::Ed) => return Err(ErrorKind::InvalidEddsaKey.into()),
        (Algorithm::ES256 | Algorithm::EdDSA, _) => return Err(ErrorKind::InvalidKeyFormat.into()),
        _ => return Err(ErrorKind::UnsupportedAlgorithm.into()),
    };
    Ok(Box::new(PublicKey {
        algorithm: *algorithm,
        key: UnparsedPublicKey::new(verification, bytes),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn es256_pair() -> (Vec<u8>, Vec<u8>) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        (
            pkcs8.as_ref().to_vec(),
            ring::signature::KeyPair::public_key(&pair).as_ref().to_vec(),
        )
    }

    #[test]
    fn es256_signs_and_verifies_and_refuses_a_changed_message() {
        let (pkcs8, public) = es256_pair();
        let signer = new_signer(&Algorithm::ES256, &EncodingKey::from_ec_der(&pkcs8)).unwrap();
        let signature = signer.try_sign(b"message").unwrap();
        assert_eq!(signature.len(), 64, "JWS ES256 is r || s, not DER");
        let x = URL_SAFE_NO_PAD.encode(&public[1..33]);
        let y = URL_SAFE_NO_PAD.encode(&public[33..]);
        let verifier = new_verifier(&Algorithm::ES256, &DecodingKey::from_ec_components(&x, &y).unwrap()).unwrap();
        assert!(verifier.verify(b"message", &signature).is_ok());
        assert!(verifier.verify(b"messagf", &signature).is_err());
        let mut flipped = signature.clone();
        flipped[10] ^= 1;
        assert!(verifier.verify(b"message", &flipped).is_err());
    }

    #[test]
    fn eddsa_signs_and_verifies_and_refuses_a_changed_message() {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let signer = new_signer(&Algorithm::EdDSA, &EncodingKey::from_ed_der(pkcs8.as_ref())).unwrap();
        let signature = signer.try_sign(b"message").unwrap();
        let x = URL_SAFE_NO_PAD.encode(ring::signature::KeyPair::public_key(&pair));
        let verifier = new_verifier(&Algorithm::EdDSA, &DecodingKey::from_ed_components(&x).unwrap()).unwrap();
        assert!(verifier.verify(b"message", &signature).is_ok());
        assert!(verifier.verify(b"message!", &signature).is_err());
    }

    #[test]
    fn other_algorithms_and_mismatched_keys_are_refused() {
        let (pkcs8, public) = es256_pair();
        let x = URL_SAFE_NO_PAD.encode(&public[1..33]);
        let y = URL_SAFE_NO_PAD.encode(&public[33..]);
        let ec = DecodingKey::from_ec_components(&x, &y).unwrap();
        let secret = DecodingKey::from_secret(b"secret").unwrap();
        for alg in [Algorithm::HS256, Algorithm::RS256, Algorithm::PS256, Algorithm::ES384] {
            assert!(new_verifier(&alg, &ec).is_err(), "{alg:?}");
            assert!(new_verifier(&alg, &secret).is_err(), "{alg:?}");
        }
        // A P-256 key for EdDSA, an HMAC secret for ES256, a short point.
        assert!(new_verifier(&Algorithm::EdDSA, &ec).is_err());
        assert!(new_verifier(&Algorithm::ES256, &secret).is_err());
        let short = DecodingKey::from_ec_components(&x, &x[..8]).unwrap();
        assert!(new_verifier(&Algorithm::ES256, &short).is_err());
        assert!(new_signer(&Algorithm::HS256, &EncodingKey::from_secret(b"secret").unwrap()).is_err());
        assert!(new_signer(&Algorithm::EdDSA, &EncodingKey::from_ec_der(&pkcs8)).is_err());
        assert!(new_signer(&Algorithm::ES384, &EncodingKey::from_ec_der(&pkcs8)).is_err());
    }

    #[test]
    fn thumbprint_digests_are_sha2() {
        let digest = compute_digest(b"abc", ThumbprintHash::SHA256).unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(digest),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
        assert_eq!(compute_digest(b"abc", ThumbprintHash::SHA384).unwrap().len(), 48);
        assert_eq!(compute_digest(b"abc", ThumbprintHash::SHA512).unwrap().len(), 64);
    }
}
