//! A throw-away PKI generated at test time: roots, intermediates and leaves with chosen names, keys and
//! validity windows.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// A certificate authority that can issue intermediates and leaves.
pub struct Authority {
    name: String,
    cert: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
    /// What a server sends for this authority: itself and the intermediates above it, nearest first;
    /// empty for a root, which servers do not send.
    sent_chain: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").field("name", &self.name).finish()
    }
}

/// A server identity: the chain a server sends (leaf first) and its private key.
#[derive(Clone)]
pub struct Identity {
    /// Leaf first, then intermediates; the root is not sent.
    pub chain: Vec<CertificateDer<'static>>,
    /// PKCS#8 private key of the leaf.
    pub key: Arc<PrivatePkcs8KeyDer<'static>>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("chain_len", &self.chain.len())
            .finish()
    }
}

impl Identity {
    /// The leaf certificate.
    pub fn leaf(&self) -> &CertificateDer<'static> {
        &self.chain[0]
    }

    /// The private key in the form rustls takes.
    pub fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key.as_ref().clone_key())
    }

    /// The leaf as PEM.
    pub fn leaf_pem(&self) -> String {
        pem_cert(self.leaf())
    }

    /// A copy of this identity whose chain has `extra` appended (for chain-injection tests).
    pub fn with_appended(&self, extra: CertificateDer<'static>) -> Identity {
        let mut chain = self.chain.clone();
        chain.push(extra);
        Identity {
            chain,
            key: self.key.clone(),
        }
    }
}

/// What a leaf should look like.
#[derive(Clone, Debug)]
pub struct LeafSpec {
    /// DNS names or IP addresses for subjectAltName.
    pub names: Vec<String>,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Include the serverAuth EKU (true for real server certificates).
    pub server_auth: bool,
}

impl LeafSpec {
    /// A leaf valid from yesterday for a year, for the given names.
    pub fn new<S: Into<String>>(names: impl IntoIterator<Item = S>) -> LeafSpec {
        let now = OffsetDateTime::now_utc();
        LeafSpec {
            names: names.into_iter().map(Into::into).collect(),
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(365),
            server_auth: true,
        }
    }

    /// The same names, expired yesterday.
    pub fn expired(mut self) -> LeafSpec {
        let now = OffsetDateTime::now_utc();
        self.not_before = now - Duration::days(30);
        self.not_after = now - Duration::days(1);
        self
    }

    /// The same names, valid only from tomorrow.
    pub fn not_yet_valid(mut self) -> LeafSpec {
        let now = OffsetDateTime::now_utc();
        self.not_before = now + Duration::days(1);
        self.not_after = now + Duration::days(30);
        self
    }
}

fn dn(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Pinwire Test PKI");
    dn.push(DnType::CommonName, common_name);
    dn
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names");
    params.distinguished_name = dn(name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(2);
    params.not_after = now + Duration::days(3650);
    params
}

/// PEM text of a certificate.
pub fn pem_cert(der: &CertificateDer<'_>) -> String {
    pinwire::inspect::pem_certificate(der.as_ref())
}

impl Authority {
    /// A new self-signed root CA with a fresh P-256 key.
    pub fn root(name: &str) -> Authority {
        let key = KeyPair::generate().expect("keygen");
        Self::root_with_key(name, key)
    }

    /// A new self-signed root CA with the given key.
    pub fn root_with_key(name: &str, key: KeyPair) -> Authority {
        let params = ca_params(name);
        let cert = params.self_signed(&key).expect("self-sign root");
        Authority {
            name: name.to_string(),
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
            sent_chain: Vec::new(),
        }
    }

    /// An intermediate CA signed by this authority.
    pub fn intermediate(&self, name: &str) -> Authority {
        self.intermediate_with_key(name, KeyPair::generate().expect("keygen"))
    }

    /// An intermediate CA signed by this authority, with the given key.
    pub fn intermediate_with_key(&self, name: &str, key: KeyPair) -> Authority {
        let params = ca_params(name);
        let cert = params.signed_by(&key, &self.issuer).expect("sign intermediate");
        let mut sent_chain = vec![cert.der().clone()];
        sent_chain.extend(self.sent_chain.iter().cloned());
        Authority {
            name: name.to_string(),
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
            sent_chain,
        }
    }

    /// This authority's certificate.
    pub fn cert(&self) -> &CertificateDer<'static> {
        &self.cert
    }

    /// This authority's certificate as PEM.
    pub fn cert_pem(&self) -> String {
        pem_cert(&self.cert)
    }

    /// This authority's key pair.
    pub fn key(&self) -> &KeyPair {
        self.issuer.key()
    }

    /// A leaf for `names`, valid now, with a fresh key.
    pub fn leaf<S: Into<String>>(&self, names: impl IntoIterator<Item = S>) -> Identity {
        self.issue(&LeafSpec::new(names), KeyPair::generate().expect("keygen"))
    }

    /// A leaf as described by `spec`, for the given key.
    pub fn issue(&self, spec: &LeafSpec, key: KeyPair) -> Identity {
        let mut params = CertificateParams::new(spec.names.clone()).expect("valid names");
        params.distinguished_name = dn(spec.names.first().map(String::as_str).unwrap_or("leaf"));
        params.is_ca = IsCa::ExplicitNoCa;
        params.not_before = spec.not_before;
        params.not_after = spec.not_after;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if spec.server_auth {
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        } else {
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        }
        let cert = params.signed_by(&key, &self.issuer).expect("sign leaf");
        let mut chain = vec![cert.der().clone()];
        chain.extend(self.sent_chain.iter().cloned());
        Identity {
            chain,
            key: Arc::new(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }
}

/// A self-signed leaf (no CA) for `names`: the "trust this one certificate" case.
pub fn self_signed_leaf<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Identity {
    let spec = LeafSpec::new(names);
    let key = KeyPair::generate().expect("keygen");
    let mut params = CertificateParams::new(spec.names.clone()).expect("valid names");
    params.distinguished_name = dn(spec.names.first().map(String::as_str).unwrap_or("self-signed"));
    params.not_before = spec.not_before;
    params.not_after = spec.not_after;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key).expect("self-sign");
    Identity {
        chain: vec![cert.der().clone()],
        key: Arc::new(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}
