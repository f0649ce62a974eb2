//! The run's PKI, generated at start-up: only `root` is in the stand-in trust manager's trust store.

use pinwire_testserver::{Authority, Identity, LeafSpec};
use rcgen::KeyPair;
use rustls_pki_types::CertificateDer;
use std::sync::OnceLock;

/// The host the servers are for; it resolves to loopback in the clients.
pub const HOST: &str = "api.pinwire.test";
/// A host no leaf is for.
pub const WRONG_HOST: &str = "evil.pinwire.test";
/// The stand-in trust manager misbehaves, after validating, for `<fault>.FAULT_DOMAIN` (see
/// `java/android/net/http/X509TrustManagerExtensions.java`). The leaves are valid for every such host, so
/// that a fault is only caught by the check it is aimed at.
pub const FAULT_DOMAIN: &str = "fault.pinwire.test";

/// Certificates for every check; see each field.
pub struct Pki {
    /// The one root the stand-in trusts.
    pub root: Authority,
    /// Under `root`; the servers send it after their leaf.
    pub intermediate: Authority,
    /// For [`HOST`] and `*.`[`FAULT_DOMAIN`], issued by `intermediate`: leaf, intermediate.
    pub leaf: Identity,
    /// Another leaf for the same names from the same intermediate, with its own key.
    pub other_leaf: Identity,
    /// Expired yesterday.
    pub expired: Identity,
    /// Valid from tomorrow.
    pub not_yet_valid: Identity,
    /// With the clientAuth extended key usage only.
    pub client_auth_only: Identity,
    /// A chain to a root the stand-in does not trust.
    pub stranger: Identity,
    /// That root: the one the JVM side's foreign security provider trusts.
    pub stranger_root: Authority,
    /// A root the stand-in does not trust, whose certificate a server appends to its chain and a pin
    /// names (CVE-2016-2402's injection).
    pub decoy: Authority,
}

impl Pki {
    fn new() -> Pki {
        let root = Authority::root("JVM Test Root");
        let intermediate = root.intermediate("JVM Test Intermediate");
        let names = [HOST.to_string(), format!("*.{FAULT_DOMAIN}")];
        let issue = |spec: LeafSpec| intermediate.issue(&spec, KeyPair::generate().expect("keygen"));
        let leaf = issue(LeafSpec::new(names.clone()));
        let other_leaf = issue(LeafSpec::new(names.clone()));
        let expired = issue(LeafSpec::new(names.clone()).expired());
        let not_yet_valid = issue(LeafSpec::new(names.clone()).not_yet_valid());
        let client_auth_only = issue(LeafSpec {
            server_auth: false,
            ..LeafSpec::new(names.clone())
        });
        let stranger_root = Authority::root("Stranger Root");
        let stranger = stranger_root.intermediate("Stranger Intermediate").leaf(names);
        Pki {
            root,
            intermediate,
            leaf,
            other_leaf,
            expired,
            not_yet_valid,
            client_auth_only,
            stranger,
            stranger_root,
            decoy: Authority::root("Decoy Root"),
        }
    }

    /// What Android should return for [`Pki::leaf`]: the path to the trust anchor, anchor included.
    pub fn expected_path(&self) -> Vec<CertificateDer<'static>> {
        vec![
            self.leaf.leaf().clone(),
            self.intermediate.cert().clone(),
            self.root.cert().clone(),
        ]
    }
}

/// The run's PKI, made on first use.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(Pki::new)
}
