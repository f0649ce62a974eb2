//! Redirects: every hop gets its own pin decision and cleartext check.

use crate::common::*;
use pinwire::{Error, Policy, Request};
use pinwire_testserver::{Authority, TestServer};
use std::sync::atomic::Ordering;

#[tokio::test]
async fn a_redirect_to_a_host_whose_pins_fail_is_refused() {
    let pki = Pki::new("Hop");
    let first = TestServer::https("first", &pki.leaf).await;
    let evil = Authority::root("Evil");
    let second = TestServer::https("second", &evil.leaf([OTHER_HOST])).await;
    let policy = Policy::builder()
        .pin("**.pinwire.test", [pki.intermediate_pin(), unrelated_pin(3)])
        .build()
        .unwrap();
    let client = new_client(&[pki.root.cert(), evil.cert()], policy);
    let target = url(&second, OTHER_HOST, "/");
    let error = client
        .get(&url(&first, HOST, &format!("/redirect?to={target}")))
        .await
        .unwrap_err();
    let Error::PinMismatch(mismatch) = error else {
        panic!("expected pin mismatch, got {error:?}")
    };
    assert_eq!(mismatch.host, OTHER_HOST);
    assert_eq!(mismatch.port, Some(second.port()));
    assert_eq!(second.stats().requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_redirect_to_a_well_pinned_host_is_followed() {
    let pki = Pki::new("Hop");
    let first = TestServer::https("first", &pki.leaf).await;
    let second = TestServer::https("second", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned("**.pinwire.test", &[pki.intermediate_pin()]));
    let target = url(&second, OTHER_HOST, "/");
    let response = client
        .get(&url(&first, HOST, &format!("/redirect?to={target}")))
        .await
        .unwrap();
    assert_eq!(response.url().as_str(), target);
    assert_eq!(response.text().await.unwrap(), "hello from second");
}

#[tokio::test]
async fn https_to_http_redirect_is_refused_unless_cleartext_is_permitted() {
    let pki = Pki::new("Downgrade");
    let tls = TestServer::https("tls", &pki.leaf).await;
    let plain = TestServer::http("plain").await;
    let target = format!("http://plain.pinwire.test:{}/", plain.port());
    let start = url(&tls, HOST, &format!("/redirect?to={target}"));

    let client = new_client(&[pki.root.cert()], Policy::unpinned());
    let error = client.get(&start).await.unwrap_err();
    assert!(
        matches!(&error, Error::CleartextNotPermitted { host, .. } if host == "plain.pinwire.test"),
        "{error:?}"
    );
    assert_eq!(
        plain.stats().accepted.load(Ordering::SeqCst),
        0,
        "nothing was sent in cleartext"
    );

    let permissive = Policy::builder()
        .permit_cleartext("plain.pinwire.test")
        .build()
        .unwrap();
    let client = new_client(&[pki.root.cert()], permissive);
    let text = client
        .get(&start)
        .await
        .expect("permitted for that host")
        .text()
        .await
        .unwrap();
    assert_eq!(text, "hello from plain");
}

#[tokio::test]
async fn redirect_loops_stop_at_the_limit() {
    let pki = Pki::new("Loop");
    let server = TestServer::https("loop", &pki.leaf).await;
    let client = builder(&[pki.root.cert()]).max_redirects(3).build().unwrap();
    let self_url = url(&server, HOST, "/loop");
    let error = client.get(&self_url).await.unwrap_err();
    assert!(matches!(error, Error::TooManyRedirects { max: 3, .. }), "{error:?}");
    assert_eq!(
        server.stats().requests.load(Ordering::SeqCst),
        4,
        "the first request and 3 redirects"
    );

    let client = builder(&[pki.root.cert()]).max_redirects(0).build().unwrap();
    let response = client.get(&url(&server, HOST, "/redirect?to=/")).await.unwrap();
    assert_eq!(
        response.status(),
        302,
        "with 0 redirects allowed the redirect is the response"
    );
}

#[tokio::test]
async fn a_request_that_does_not_follow_gets_the_redirect_and_the_client_still_follows_others() {
    let pki = Pki::new("NoFollow");
    let first = TestServer::https("first", &pki.leaf).await;
    let second = TestServer::https("second", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned("**.pinwire.test", &[pki.intermediate_pin()]));
    let target = url(&second, OTHER_HOST, "/");
    let start = url(&first, HOST, &format!("/redirect?to={target}"));

    let request = Request::get(&start).unwrap().follow_redirects(false);
    let response = client.execute(request).await.unwrap();
    assert_eq!(response.status(), 302, "the redirect is the response");
    assert_eq!(response.url().as_str(), start);
    assert_eq!(
        response.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(target.as_str())
    );
    assert_eq!(
        second.stats().requests.load(Ordering::SeqCst),
        0,
        "the target was not asked"
    );

    // The choice is the request's: the next request on the same client follows as before.
    let response = client.get(&start).await.unwrap();
    assert_eq!(response.url().as_str(), target);
    assert_eq!(response.text().await.unwrap(), "hello from second");
}
