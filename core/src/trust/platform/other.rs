//! Platform trust where the OS store can be read directly (Linux, Windows, desktop): the system's root
//! certificates, validated with rustls-webpki so that the validated path comes back for pin matching.

use super::super::{ChainValidator, WebPkiValidator};
use crate::error::Error;
use rustls_pki_types::CertificateDer;
use std::sync::{Arc, OnceLock};

fn system_roots() -> Result<&'static [CertificateDer<'static>], Error> {
    static ROOTS: OnceLock<Result<Vec<CertificateDer<'static>>, String>> = OnceLock::new();
    let loaded = ROOTS.get_or_init(|| {
        let result = rustls_native_certs::load_native_certs();
        if result.certs.is_empty() {
            let errors: Vec<String> = result.errors.iter().map(ToString::to_string).collect();
            return Err(format!("no system root certificates found ({})", errors.join("; ")));
        }
        Ok(result.certs)
    });
    loaded
        .as_deref()
        .map_err(|detail| Error::InvalidConfig { detail: detail.clone() })
}

/// The platform validator, optionally with extra roots beside the system's.
pub fn platform_validator(extra_roots: &[CertificateDer<'static>]) -> Result<Arc<dyn ChainValidator>, Error> {
    // The system store is read and parsed once per process; every client shares the validator.
    static SYSTEM_ONLY: OnceLock<Arc<dyn ChainValidator>> = OnceLock::new();
    if extra_roots.is_empty() {
        if let Some(validator) = SYSTEM_ONLY.get() {
            return Ok(validator.clone());
        }
    }
    let mut roots: Vec<CertificateDer<'static>> = Vec::new();
    // A system store may hold a certificate webpki cannot use as an anchor (a v1 or malformed one);
    // skip those rather than refusing all trust, as every TLS stack does.
    for root in system_roots()? {
        if webpki::anchor_from_trusted_cert(root).is_ok() && crate::trust::ChainCert::from_der(root.clone()).is_ok() {
            roots.push(root.clone());
        }
    }
    roots.extend(extra_roots.iter().cloned());
    let validator: Arc<dyn ChainValidator> =
        Arc::new(WebPkiValidator::new(roots).map_err(|e| Error::InvalidConfig { detail: e.to_string() })?);
    if extra_roots.is_empty() {
        return Ok(SYSTEM_ONLY.get_or_init(|| validator).clone());
    }
    Ok(validator)
}
