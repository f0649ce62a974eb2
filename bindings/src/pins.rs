//! Pin computation helpers.

use crate::error::PinwireError;

/// The pin (`sha256/...`) of a DER certificate.
#[uniffi::export]
pub fn pin_from_certificate_der(der: Vec<u8>) -> Result<String, PinwireError> {
    Ok(pinwire::Pin::from_certificate_der(&der)?.to_string())
}

/// The pins of every certificate in PEM text, in order.
#[uniffi::export]
pub fn pin_from_certificates_pem(pem: String) -> Result<Vec<String>, PinwireError> {
    Ok(pinwire::Pin::from_certificates_pem(pem.as_bytes())?
        .iter()
        .map(ToString::to_string)
        .collect())
}

/// The pin of a public key (PEM `PUBLIC KEY` or DER SubjectPublicKeyInfo).
#[uniffi::export]
pub fn pin_from_public_key(key: Vec<u8>) -> Result<String, PinwireError> {
    Ok(pinwire::Pin::from_public_key(&key)?.to_string())
}

/// The pin of a PKCS#8 private key's public half (PEM or DER).
#[uniffi::export]
pub fn pin_from_private_key(key: Vec<u8>) -> Result<String, PinwireError> {
    Ok(pinwire::Pin::from_private_key(&key)?.to_string())
}
