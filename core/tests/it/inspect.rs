//! Probing a server's chain without a request, and describing certificates.

use crate::common::*;
use pinwire::inspect::{probe_server, CertificateInfo};
use pinwire::{TrustSource, UntrustedReason};
use pinwire_testserver::{Authority, TestServer};
use std::time::Duration;

#[tokio::test]
async fn probe_reports_presented_and_validated_chains() {
    let pki = Pki::new("Probe");
    let server = TestServer::https("probe", &pki.leaf).await;
    let validator = TrustSource::Roots(vec![pki.root.cert().clone()]).validator().unwrap();
    let chain = probe_server(
        HOST,
        server.port(),
        Some(server.addr()),
        validator.clone(),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let presented: Vec<_> = chain.presented.iter().map(|c| c.pin).collect();
    assert_eq!(presented, vec![pki.leaf_pin(), pki.intermediate_pin()]);
    let validated: Vec<_> = chain.validated.as_ref().unwrap().pins().copied().collect();
    assert_eq!(validated, vec![pki.leaf_pin(), pki.intermediate_pin(), pki.root_pin()]);
    let info = chain.validated_info().unwrap();
    assert!(info[2].is_ca && !info[0].is_ca);
    assert_eq!(info[0].names, vec![HOST.to_string(), OTHER_HOST.to_string()]);
    assert!(info[0].subject.contains(HOST) && info[0].issuer.contains("Probe Intermediate"));
    assert_eq!(
        server.stats().requests.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no request is made"
    );

    // An untrusted server is still described, with the reason validation failed.
    let stranger = Authority::root("Stranger");
    let other = TestServer::https("other", &stranger.leaf([HOST])).await;
    let chain = probe_server(
        HOST,
        other.port(),
        Some(other.addr()),
        validator,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(chain.presented.len(), 1);
    assert_eq!(chain.validated.unwrap_err(), UntrustedReason::UnknownIssuer);
}

#[test]
fn certificate_info_from_pem() {
    let pki = Pki::new("Info");
    let pem = format!("{}{}", pki.leaf.leaf_pem(), pki.root.cert_pem());
    let infos = CertificateInfo::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[1].pin, pki.root_pin());
    assert!(infos[0].not_before < infos[0].not_after);
    assert!(CertificateInfo::from_pem(b"nothing here").is_err());
}
