//! Certificate validation before pins: dates, names, issuers, self-signed certificates, usage.

use crate::common::*;
use pinwire::{Error, Policy, UntrustedReason};
use pinwire_testserver::{self_signed_leaf, Authority, LeafSpec, TestServer};

async fn error_for(pki: &Pki, leaf: &pinwire_testserver::Identity) -> Error {
    let server = TestServer::https("trust", leaf).await;
    let client = new_client(&[pki.root.cert()], Policy::unpinned());
    client.get(&url(&server, HOST, "/")).await.expect_err("must be refused")
}

fn untrusted(error: &Error) -> Option<&UntrustedReason> {
    match error {
        Error::UntrustedCertificate { reason, .. } => Some(reason),
        _ => None,
    }
}

#[tokio::test]
async fn expired_and_not_yet_valid_leaves_are_untrusted() {
    let pki = Pki::new("Dates");
    let key = || rcgen::KeyPair::generate().unwrap();
    let expired = pki.intermediate.issue(&LeafSpec::new([HOST]).expired(), key());
    assert_eq!(
        untrusted(&error_for(&pki, &expired).await),
        Some(&UntrustedReason::Expired)
    );
    let future = pki.intermediate.issue(&LeafSpec::new([HOST]).not_yet_valid(), key());
    assert_eq!(
        untrusted(&error_for(&pki, &future).await),
        Some(&UntrustedReason::NotYetValid)
    );
}

#[tokio::test]
async fn wrong_host_is_a_hostname_mismatch() {
    let pki = Pki::new("Names");
    let wrong = pki.intermediate.leaf(["somewhere-else.test"]);
    let error = error_for(&pki, &wrong).await;
    assert!(
        matches!(&error, Error::HostnameMismatch { host } if host == HOST),
        "{error:?}"
    );
}

#[tokio::test]
async fn unknown_issuer_is_untrusted() {
    let pki = Pki::new("Known");
    let stranger = Authority::root("Stranger");
    let error = error_for(&pki, &stranger.leaf([HOST])).await;
    assert_eq!(untrusted(&error), Some(&UntrustedReason::UnknownIssuer));
}

#[tokio::test]
async fn a_leaf_without_server_auth_usage_is_untrusted() {
    let pki = Pki::new("Usage");
    let mut spec = LeafSpec::new([HOST]);
    spec.server_auth = false;
    let client_cert = pki.intermediate.issue(&spec, rcgen::KeyPair::generate().unwrap());
    assert_eq!(
        untrusted(&error_for(&pki, &client_cert).await),
        Some(&UntrustedReason::NotServerAuth)
    );
}

#[tokio::test]
async fn self_signed_is_untrusted_unless_trusted_as_its_own_anchor_with_real_name_checks() {
    let pki = Pki::new("Other");
    let self_signed = self_signed_leaf([HOST]);
    let server = TestServer::https("self-signed", &self_signed).await;
    let error = new_client(&[pki.root.cert()], Policy::unpinned())
        .get(&url(&server, HOST, "/"))
        .await
        .unwrap_err();
    assert_eq!(untrusted(&error), Some(&UntrustedReason::UnknownIssuer));

    // Trusted as its own anchor (the "custom TrustManager" case, done properly), and pinned.
    let pin = pin_of(self_signed.leaf());
    let trusting = new_client(&[self_signed.leaf()], pinned(HOST, &[pin]));
    let text = trusting
        .get(&url(&server, HOST, "/"))
        .await
        .expect("trusted self-signed")
        .text()
        .await
        .unwrap();
    assert_eq!(text, "hello from self-signed");

    // The host name is still checked: the certificate is for HOST, not for OTHER_HOST.
    let error = trusting.get(&url(&server, OTHER_HOST, "/")).await.unwrap_err();
    assert!(matches!(error, Error::HostnameMismatch { .. }), "{error:?}");
}

#[tokio::test]
async fn an_ip_address_host_is_validated_against_ip_sans() {
    let pki = Pki::new("Ip");
    let leaf = pki.intermediate.leaf(["127.0.0.1"]);
    let server = TestServer::https("ip", &leaf).await;
    let client = new_client(&[pki.root.cert()], pinned("127.0.0.1", &[pki.intermediate_pin()]));
    let url = format!("https://127.0.0.1:{}/", server.port());
    client.get(&url).await.expect("IP SAN and IP pin");
    // The same certificate is not valid for a name.
    let error = client.get(&crate::common::url(&server, HOST, "/")).await.unwrap_err();
    assert!(matches!(error, Error::HostnameMismatch { .. }), "{error:?}");
}

#[tokio::test]
async fn platform_trust_does_not_trust_a_test_ca() {
    // The system store (the default trust source) knows nothing of a root made a moment ago.
    let pki = Pki::new("NotInSystemStore");
    let server = TestServer::https("platform", &pki.leaf).await;
    let loopback = "127.0.0.1:0".parse().unwrap();
    let client = pinwire::Client::builder()
        .resolve(HOST, loopback)
        .build()
        .expect("system store loads");
    let error = client.get(&url(&server, HOST, "/")).await.unwrap_err();
    assert_eq!(untrusted(&error), Some(&UntrustedReason::UnknownIssuer));

    // Platform trust plus the app's bundled CA, as NSC's system + @raw/ca.
    let client = pinwire::Client::builder()
        .trust(pinwire::TrustSource::PlatformAndRoots(vec![pki.root.cert().clone()]))
        .resolve(HOST, loopback)
        .build()
        .unwrap();
    client
        .get(&url(&server, HOST, "/"))
        .await
        .expect("bundled CA beside the system's");
}

#[tokio::test]
async fn an_empty_root_list_is_a_configuration_error() {
    let error = pinwire::Client::builder().trust_roots(vec![]).build().unwrap_err();
    assert!(matches!(error, Error::InvalidConfig { .. }), "{error:?}");
    let garbage = rustls_pki_types::CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x01]);
    let error = pinwire::Client::builder()
        .trust_roots(vec![garbage])
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::InvalidConfig { .. }), "{error:?}");
}
