//! Explicit HTTP proxies: a CONNECT tunnel keeps the pins end to end, an intercepting proxy fails them.

use crate::common::*;
use pinwire::{Error, Policy, UntrustedReason};
use pinwire_testserver::{Authority, ProxyMode, TestProxy, TestServer};
use std::collections::HashMap;
use std::sync::Arc;

#[tokio::test]
async fn pins_hold_through_a_tunnelling_proxy() {
    let pki = Pki::new("Tunnel");
    let server = TestServer::https("origin", &pki.leaf).await;
    let hosts = HashMap::from([(HOST.to_string(), server.addr())]);
    let proxy = TestProxy::start(ProxyMode::Tunnel { hosts }).await;
    let client = builder(&[pki.root.cert()])
        .policy(pinned(HOST, &[pki.leaf_pin()]))
        .proxy(&proxy.url())
        .build()
        .unwrap();
    let text = client
        .get(&url(&server, HOST, "/"))
        .await
        .expect("tunnelled")
        .text()
        .await
        .unwrap();
    assert_eq!(text, "hello from origin");
    assert_eq!(proxy.connects(), vec![format!("{HOST}:{}", server.port())]);
    assert_eq!(proxy.tunnelled(), 1);
}

#[tokio::test]
async fn an_intercepting_proxy_fails_on_pins_even_with_its_ca_trusted() {
    // Charles or mitmproxy with its CA installed on the device: the chain validates, the pins do not.
    let pki = Pki::new("Real");
    let interceptor_ca = Arc::new(Authority::root("Interceptor CA"));
    let proxy = TestProxy::start(ProxyMode::Intercept {
        ca: interceptor_ca.clone(),
    })
    .await;
    let target = format!("https://{HOST}:443/");

    let pinned_client = builder(&[pki.root.cert(), interceptor_ca.cert()])
        .policy(pinned(HOST, &[pki.intermediate_pin()]))
        .proxy(&proxy.url())
        .build()
        .unwrap();
    let error = pinned_client.get(&target).await.unwrap_err();
    let Error::PinMismatch(mismatch) = error else {
        panic!("expected pin mismatch, got {error:?}")
    };
    assert_eq!(mismatch.chain_pins().last(), Some(&pin_of(interceptor_ca.cert())));
    assert_eq!(mismatch.port, Some(443));

    // The interception itself works: an unpinned client that trusts the CA is fooled...
    let unpinned = builder(&[pki.root.cert(), interceptor_ca.cert()])
        .proxy(&proxy.url())
        .build()
        .unwrap();
    assert_eq!(
        unpinned.get(&target).await.unwrap().text().await.unwrap(),
        "intercepted"
    );
    // ...and one that does not trust it refuses on validation alone.
    let strict = builder(&[pki.root.cert()])
        .policy(Policy::unpinned())
        .proxy(&proxy.url())
        .build()
        .unwrap();
    let error = strict.get(&target).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::UntrustedCertificate {
                reason: UntrustedReason::UnknownIssuer,
                ..
            }
        ),
        "{error:?}"
    );
}
