//! Looking at certificates and servers without making a request: what the `pinwire` tool's `pins` and
//! `check` commands are built on.

use crate::error::Error;
use crate::pin::{Pin, PinError};
use crate::trust::{ChainValidator, PresentedChain, UntrustedReason, ValidatedChain};
pub use crate::x509::{certificates_from_pem, certificates_from_pem_or_der, pem_certificate};
use crate::x509::{name_text, CertParts};
use der::oid::AssociatedOid as _;
use der::Decode as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use x509_cert::certificate::Rfc5280;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, SubjectAltName};
use x509_cert::ext::Extension;
use x509_cert::time::{Time, Validity};

/// What people want to know about one certificate when setting up or rotating pins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The certificate.
    pub der: CertificateDer<'static>,
    /// The pin of its public key.
    pub pin: Pin,
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Whether it is a CA certificate (basicConstraints cA).
    pub is_ca: bool,
    /// Its DNS and IP subject alternative names.
    pub names: Vec<String>,
}

impl CertificateInfo {
    /// Describes a DER certificate.
    pub fn from_der(der: CertificateDer<'static>) -> Result<CertificateInfo, PinError> {
        let invalid = |e: der::Error| PinError::InvalidCertificate { reason: e.to_string() };
        let parts = CertParts::parse(der.as_ref()).map_err(invalid)?;
        let validity = Validity::<Rfc5280>::from_der(parts.validity).map_err(invalid)?;
        let mut names = Vec::new();
        let mut is_ca = false;
        if let Some(extensions) = parts.extensions {
            for extension in Vec::<Extension>::from_der(extensions).map_err(invalid)? {
                let value = extension.extn_value.as_bytes();
                if extension.extn_id == SubjectAltName::OID {
                    names = alt_names(value).map_err(invalid)?;
                } else if extension.extn_id == BasicConstraints::OID {
                    is_ca = BasicConstraints::from_der(value).map_err(invalid)?.ca;
                }
            }
        }
        Ok(CertificateInfo {
            pin: Pin::from_spki_der(parts.spki),
            subject: name_text(parts.subject),
            issuer: name_text(parts.issuer),
            not_before: date(validity.not_before),
            not_after: date(validity.not_after),
            is_ca,
            names,
            der,
        })
    }

    /// Describes every certificate in PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Vec<CertificateInfo>, PinError> {
        certificates_from_pem(pem)?
            .into_iter()
            .map(CertificateInfo::from_der)
            .collect()
    }
}

/// The DNS names and IP addresses of a subjectAltName extension, in order; other kinds of name are
/// skipped.
fn alt_names(value: &[u8]) -> Result<Vec<String>, der::Error> {
    Ok(SubjectAltName::from_der(value)?
        .0
        .into_iter()
        .filter_map(|name| match name {
            GeneralName::DnsName(dns) => Some(dns.to_string()),
            GeneralName::IpAddress(bytes) => ip_text(bytes.as_bytes()),
            _ => None,
        })
        .collect())
}

fn date(time: Time) -> OffsetDateTime {
    // x509-cert only decodes times from 1970 on, so the seconds fit.
    let seconds = i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?).to_string()),
        16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?).to_string()),
        _ => None,
    }
}

/// What a server presented, and what validation made of it.
#[derive(Clone, Debug)]
pub struct ServerChain {
    /// The host name used for SNI and validation.
    pub host: String,
    /// The port.
    pub port: u16,
    /// The certificates as the server sent them, in its order.
    pub presented: Vec<CertificateInfo>,
    /// The validated path (leaf first, anchor last), or why validation failed.
    pub validated: Result<ValidatedChain, UntrustedReason>,
}

impl ServerChain {
    /// The validated path described like the presented certificates (the anchor included).
    pub fn validated_info(&self) -> Option<Vec<CertificateInfo>> {
        let chain = self.validated.as_ref().ok()?;
        chain
            .certs()
            .iter()
            .map(|c| CertificateInfo::from_der(c.der().clone()).ok())
            .collect()
    }
}

/// What the server presented, and the validator's verdict on it.
type Recorded = (Vec<CertificateDer<'static>>, Result<ValidatedChain, UntrustedReason>);

/// Records what the server presents and what the validator says, then ends the handshake: the probe
/// never completes a handshake, so it never trusts anything.
#[derive(Debug)]
struct RecordingVerifier {
    validator: Arc<dyn ChainValidator>,
    seen: Mutex<Option<Recorded>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = PresentedChain {
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        };
        let validated = self.validator.validate(&presented, &|_| true);
        let mut certs = vec![end_entity.clone().into_owned()];
        certs.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some((certs, validated));
        Err(rustls::Error::General(PROBE_DONE.into()))
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General(PROBE_DONE.into()))
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General(PROBE_DONE.into()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        crate::tls_provider::provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

const PROBE_DONE: &str = "pinwire probe: certificates recorded";

/// Connects to `host:port` (or to `connect_to`, keeping `host` for SNI and validation), records the
/// certificates the server presents, validates them with `validator`, and closes the connection without
/// finishing the handshake.
pub async fn probe_server(
    host: &str,
    port: u16,
    connect_to: Option<SocketAddr>,
    validator: Arc<dyn ChainValidator>,
    timeout: Duration,
) -> Result<ServerChain, Error> {
    let url = format!("https://{host}:{port}/");
    let server_name = ServerName::try_from(host.to_string()).map_err(|e| Error::InvalidUrl {
        url: url.clone(),
        detail: e.to_string(),
    })?;
    let verifier = Arc::new(RecordingVerifier {
        validator,
        seen: Mutex::new(None),
    });
    let provider = Arc::new(crate::tls_provider::provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::InvalidConfig { detail: e.to_string() })?
        .dangerous() // a verifier that records and always ends the handshake
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    let connect = async {
        let tcp = match connect_to {
            Some(addr) => tokio::net::TcpStream::connect(addr).await,
            None => tokio::net::TcpStream::connect((host, port)).await,
        }
        .map_err(|e| Error::Connect {
            url: url.clone(),
            detail: e.to_string(),
        })?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        // The handshake is expected to fail: the verifier ends it once it has what it needs.
        let _ = connector.connect(server_name, tcp).await;
        Ok::<(), Error>(())
    };
    tokio::time::timeout(timeout, connect)
        .await
        .map_err(|_| Error::Timeout {
            kind: crate::TimeoutKind::Connect,
            url: url.clone(),
        })??;
    let seen = verifier.seen.lock().unwrap_or_else(|e| e.into_inner()).take();
    let (certs, validated) = seen.ok_or_else(|| Error::Protocol {
        url: url.clone(),
        detail: "the server sent no certificate (is it a TLS server?)".into(),
    })?;
    let presented = certs
        .into_iter()
        .map(CertificateInfo::from_der)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ServerChain {
        host: host.to_string(),
        port,
        presented,
        validated,
    })
}
