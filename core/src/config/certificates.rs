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
    use rustls_pki_types::pem::PemObject as _;
    let is_pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
    let certs: Vec<CertificateDer<'static>> = if is_pem {
        CertificateDer::pem_slice_iter(bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("not valid PEM: {e}"))?
    } else {
        vec![CertificateDer::from(bytes.to_vec())]
    };
    if certs.is_empty() {
        return Err("no CERTIFICATE found in the PEM text".into());
    }
    for cert in &certs {
        crate::pin::Pin::from_certificate_der(cert).map_err(|e| e.to_string())?;
    }
    Ok(certs)
}

/// PEM text of DER certificates.
pub(crate) fn certificates_pem(certs: &[CertificateDer<'static>]) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    for cert in certs {
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        let b64 = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
        for line in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(line).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    out
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
