//! The rustls crypto provider of Pinwire's TLS connections: `ring`'s, without the private-key loading
//! that only client certificates use.
//!
//! Pinwire never sends a client certificate (every `ClientConfig` it builds is `with_no_client_auth`), so
//! the provider's key loader is dead weight: `ring`'s would keep rustls' RSA, ECDSA and Ed25519 signers
//! and RSA's private-key arithmetic in every app's library (~20 KiB of code, docs/benchmarks.md). Nothing
//! a server sends can reach the key loader; verification, key exchange and ciphers are `ring`'s.
//!
//! Everything in Pinwire that wants `ring`'s provider, or only its signature algorithms, calls
//! [`provider`]: with `rustls::crypto::ring::default_provider` called from there alone, the optimiser
//! inlines it and drops its key loader; one more caller elsewhere keeps the signers in the library.

use rustls::crypto::{CryptoProvider, KeyProvider};
use rustls::sign::SigningKey;
use rustls_pki_types::PrivateKeyDer;
use std::sync::Arc;

/// `ring`'s provider with a key loader that refuses every key. Never inlined, so that it stays the one
/// caller of `default_provider`.
#[inline(never)]
pub(crate) fn provider() -> CryptoProvider {
    CryptoProvider {
        key_provider: &NoClientKeys,
        ..rustls::crypto::ring::default_provider()
    }
}

/// The key loader of a client that never authenticates itself with a certificate.
#[derive(Debug)]
struct NoClientKeys;

impl KeyProvider for NoClientKeys {
    fn load_private_key(&self, _key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "Pinwire does not send client certificates: no private key is loaded".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_rings_algorithms_and_loads_no_private_key() {
        let ours = provider();
        let ring = rustls::crypto::ring::default_provider();
        assert_eq!(
            ours.cipher_suites.iter().map(|s| s.suite()).collect::<Vec<_>>(),
            ring.cipher_suites.iter().map(|s| s.suite()).collect::<Vec<_>>()
        );
        assert_eq!(
            ours.kx_groups.iter().map(|g| g.name()).collect::<Vec<_>>(),
            ring.kx_groups.iter().map(|g| g.name()).collect::<Vec<_>>()
        );
        assert_eq!(
            ours.signature_verification_algorithms.supported_schemes(),
            ring.signature_verification_algorithms.supported_schemes()
        );
        // A real key, which ring's own loader accepts.
        let key = rcgen::KeyPair::generate().unwrap();
        let der = || PrivateKeyDer::Pkcs8(key.serialize_der().into());
        assert!(ring.key_provider.load_private_key(der()).is_ok());
        let refused = ours.key_provider.load_private_key(der()).err().unwrap();
        assert!(refused.to_string().contains("client certificates"), "{refused}");
    }
}
