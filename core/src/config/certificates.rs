//! Bundled certificates: resource names, PEM and DER.

use rustls_pki_types::CertificateDer;

/// Android resource names: what aapt accepts for a `res/raw` file name, which also keeps a name from
/// escaping the resource directory.
pub(crate) fn valid_resource_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Certificates from PEM (one or more `CERTIFICATE` blocks) or a single DER certificate, each checked
/// to be a parseable X.509 certificate.
pub(crate) fn parse_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = crate::x509::certificates_from_pem_or_der(bytes).map_err(|e| e.to_string())?;
    for cert in &certs {
        crate::pin::Pin::from_certificate_der(cert).map_err(|e| e.to_string())?;
    }
    Ok(certs)
}

/// PEM text of DER certificates.
pub(crate) fn certificates_pem(certs: &[CertificateDer<'static>]) -> String {
    certs.iter().map(|c| crate::x509::pem_certificate(c)).collect()
}

/// A bundled anchor from its resource name and file contents; the error names the resource at `pos`.
pub(crate) fn bundled_anchor(
    ctx: &super::Ctx,
    name: &str,
    bytes: &[u8],
    pos: super::Position,
) -> Result<super::AnchorSource, super::ConfigError> {
    let certificates = parse_certificates(bytes).map_err(|reason| {
        ctx.err(
            pos,
            super::ConfigErrorKind::Resource {
                name: name.to_string(),
                reason,
            },
        )
    })?;
    Ok(super::AnchorSource::Bundled {
        name: name.to_string(),
        certificates,
    })
}
