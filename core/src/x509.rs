//! The few parts of an X.509 certificate Pinwire reads itself: the public key (for pins) and, for
//! people, the names, validity and two extensions.
//!
//! Whether a certificate is trusted is decided by the validators (rustls-webpki, the OS), never here.
//! This walks the certificate's outer structure to the fields it needs with RustCrypto's `der`, and
//! decodes those fields with `der`, `spki` and `x509-cert`. It does not decode what it does not use, so
//! a certificate that a validator accepts is not refused here over such a field (a serial number longer
//! than RFC 5280 allows, say), which would fail the handshake on platforms whose validated chains are
//! described from DER.

use crate::pin::PinError;
use der::asn1::AnyRef;
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged as _};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::CertificateDer;
use std::fmt::Write as _;
use x509_cert::attr::AttributeTypeAndValue;

/// The certificates of PEM text (one or more `CERTIFICATE` blocks), in order; none at all is an error.
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, PinError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PinError::InvalidCertificate { reason: e.to_string() })?;
    if certs.is_empty() {
        return Err(PinError::NothingFound {
            expected: "CERTIFICATE",
        });
    }
    Ok(certs)
}

/// The certificates of a certificate file: PEM text, or else one DER certificate (`.der`, `.cer`).
pub fn certificates_from_pem_or_der(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, PinError> {
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        certificates_from_pem(bytes)
    } else {
        Ok(vec![CertificateDer::from(bytes.to_vec())])
    }
}

/// A certificate as PEM text (64-column base64), the form reports and config files carry.
pub fn pem_certificate(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The parts of a certificate's `tbsCertificate` Pinwire uses, each as complete DER (tag and length).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CertParts<'a> {
    /// The issuer's `Name`.
    pub(crate) issuer: &'a [u8],
    /// The `Validity`.
    pub(crate) validity: &'a [u8],
    /// The subject's `Name`.
    pub(crate) subject: &'a [u8],
    /// The `SubjectPublicKeyInfo`, the whole SEQUENCE: what a pin hashes.
    pub(crate) spki: &'a [u8],
    /// The `Extensions` SEQUENCE, if the certificate has one.
    pub(crate) extensions: Option<&'a [u8]>,
}

impl<'a> CertParts<'a> {
    /// Finds the parts in a DER certificate. Fails unless `cert` is exactly one certificate whose
    /// outer structure is well formed and whose public key is a well-formed SubjectPublicKeyInfo.
    pub(crate) fn parse(cert: &'a [u8]) -> Result<CertParts<'a>, der::Error> {
        let mut reader = SliceReader::new(cert)?;
        let parts = reader.sequence(|cert| {
            let parts = cert.sequence(|tbs| {
                if Tag::peek(tbs)? == context_tag(0) {
                    tbs.tlv_bytes()?; // version
                }
                expect(tbs, Tag::Integer)?; // serialNumber
                expect(tbs, Tag::Sequence)?; // signature
                let issuer = expect(tbs, Tag::Sequence)?;
                let validity = expect(tbs, Tag::Sequence)?;
                let subject = expect(tbs, Tag::Sequence)?;
                let spki = expect(tbs, Tag::Sequence)?;
                // Only a real SubjectPublicKeyInfo makes a pin that can ever match.
                spki::SubjectPublicKeyInfoRef::from_der(spki)?;
                let mut extensions = None;
                while !tbs.is_finished() {
                    // issuerUniqueID [1], subjectUniqueID [2], extensions [3]
                    let field = AnyRef::decode(tbs)?;
                    if field.tag() == context_tag(3) {
                        extensions = Some(field.value());
                    }
                }
                Ok::<_, der::Error>(CertParts {
                    issuer,
                    validity,
                    subject,
                    spki,
                    extensions,
                })
            })?;
            expect(cert, Tag::Sequence)?; // signatureAlgorithm
            expect(cert, Tag::BitString)?; // signatureValue
            Ok::<_, der::Error>(parts)
        })?;
        reader.finish()?;
        Ok(parts)
    }
}

fn context_tag(number: u32) -> Tag {
    Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(number),
    }
}

/// The next element, which must have tag `tag`, as complete DER.
fn expect<'a>(reader: &mut SliceReader<'a>, tag: Tag) -> Result<&'a [u8], der::Error> {
    let found = Tag::peek(reader)?;
    if found != tag {
        return Err(found.unexpected_error(Some(tag)).into());
    }
    reader.tlv_bytes()
}

/// A DER `Name` for people, in the form Pinwire has always printed (x509-parser's):
/// `CN=api.example.com, O=Example, C=US`, RDNs in certificate order, `, ` between them, ` + ` inside a
/// multi-valued one. Control characters are escaped (`\0a`) so a certificate cannot forge log lines;
/// a value that is not a string is shown as `#` and its bytes in hex.
pub(crate) fn name_text(name: &[u8]) -> String {
    render_name(name).unwrap_or_else(|_| "(unreadable name)".into())
}

fn render_name(name: &[u8]) -> Result<String, der::Error> {
    let mut out = String::new();
    let mut reader = SliceReader::new(name)?;
    reader.sequence(|rdns| {
        while !rdns.is_finished() {
            // A RelativeDistinguishedName is a SET OF AttributeTypeAndValue, read in the order given.
            let rdn = AnyRef::decode(rdns)?;
            if rdn.tag() != Tag::Set {
                return Err(rdn.tag().unexpected_error(Some(Tag::Set)).into());
            }
            if !out.is_empty() {
                out.push_str(", ");
            }
            let mut attributes = SliceReader::new(rdn.value())?;
            let mut first = true;
            while !attributes.is_finished() {
                let attribute = AttributeTypeAndValue::decode(&mut attributes)?;
                if !first {
                    out.push_str(" + ");
                }
                first = false;
                push_attribute(&mut out, &attribute);
            }
        }
        Ok::<_, der::Error>(())
    })?;
    reader.finish()?;
    Ok(out)
}

/// Short names of the attribute types seen in certificates; others are shown as dotted OIDs.
const ATTRIBUTE_NAMES: [(&str, &str); 27] = [
    ("2.5.4.3", "CN"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("1.2.840.113549.1.9.1", "Email"),
    ("0.9.2342.19200300.100.1.1", "uid"),
    ("2.5.4.4", "surname"),
    ("2.5.4.5", "serialNumber"),
    ("2.5.4.9", "streetAddress"),
    ("2.5.4.12", "title"),
    ("2.5.4.13", "description"),
    ("2.5.4.15", "businessCategory"),
    ("2.5.4.16", "postalAddress"),
    ("2.5.4.17", "postalCode"),
    ("2.5.4.41", "name"),
    ("2.5.4.42", "givenName"),
    ("2.5.4.43", "initials"),
    ("2.5.4.44", "generationQualifier"),
    ("2.5.4.45", "uniqueIdentifier"),
    ("2.5.4.46", "dnQualifier"),
    ("2.5.4.97", "organizationIdentifier"),
    ("1.3.6.1.4.1.311.60.2.1.1", "msJurisdictionLocality"),
    ("1.3.6.1.4.1.311.60.2.1.2", "msJurisdictionStateOrProvince"),
    ("1.3.6.1.4.1.311.60.2.1.3", "msJurisdictionCountry"),
];

fn push_attribute(out: &mut String, attribute: &AttributeTypeAndValue) {
    let oid = attribute.oid.to_string();
    match ATTRIBUTE_NAMES.iter().find(|(dotted, _)| *dotted == oid) {
        Some((_, short)) => out.push_str(short),
        None => out.push_str(&oid),
    }
    out.push('=');
    let bytes = attribute.value.value();
    match attribute.value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::TeletexString
        | Tag::VideotexString
        | Tag::NumericString
        | Tag::VisibleString
        | Tag::GeneralString => push_escaped(out, &String::from_utf8_lossy(bytes)),
        Tag::BmpString => {
            let units = bytes.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
            let text: String = char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            push_escaped(out, &text);
        }
        // Not a string: its bytes in hex, as RFC 4514 does for values it cannot show as text.
        _ => {
            out.push('#');
            for byte in bytes {
                let _ = write!(out, "{byte:02X}");
            }
        }
    }
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_control() {
            for unit in c.to_string().bytes() {
                let _ = write!(out, "\\{unit:02x}");
            }
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_parts_of_a_certificate_and_names_its_subject() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["example.com".to_string()]).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(rcgen::DnType::CommonName, "example.com");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Example\nInc");
        params.distinguished_name.push(rcgen::DnType::CountryName, "US");
        let cert = params.self_signed(&key).unwrap();
        let parts = CertParts::parse(cert.der()).unwrap();
        use rcgen::PublicKeyData as _;
        assert_eq!(parts.spki, key.subject_public_key_info().as_slice());
        assert_eq!(name_text(parts.subject), "CN=example.com, O=Example\\0aInc, C=US");
        assert_eq!(name_text(parts.issuer), name_text(parts.subject));
        assert!(parts.extensions.is_some());
    }

    #[test]
    fn refuses_what_is_not_one_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["example.com".to_string()]).unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        let mut trailing = der.clone();
        trailing.push(0);
        for bad in [&b""[..], b"\x30\x03\x02\x01\x01", &der[..der.len() - 1], &trailing] {
            assert!(CertParts::parse(bad).is_err(), "{bad:02x?}");
        }
        assert_eq!(name_text(b"\x31\x00"), "(unreadable name)");
    }
}
