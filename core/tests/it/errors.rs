//! Bad input and refused requests: each has a defined, typed error.

use crate::common::*;
use pinwire::{Error, Policy, PolicyError, Request};
use pinwire_testserver::TestServer;
use std::sync::atomic::Ordering;

#[tokio::test]
async fn plain_http_is_refused_by_default_and_allowed_per_host() {
    let plain = TestServer::http("plain").await;
    let pki = Pki::new("Plain");
    let url = format!("http://plain.pinwire.test:{}/", plain.port());
    let error = new_client(&[pki.root.cert()], Policy::unpinned())
        .get(&url)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::CleartextNotPermitted { .. }), "{error:?}");
    assert_eq!(plain.stats().accepted.load(Ordering::SeqCst), 0);

    let allowed = Policy::builder()
        .permit_cleartext("plain.pinwire.test")
        .build()
        .unwrap();
    let text = new_client(&[pki.root.cert()], allowed)
        .get(&url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "hello from plain");

    // A permission for one host is not one for its neighbour.
    let other = format!("http://{HOST}:{}/", plain.port());
    let allowed = Policy::builder()
        .permit_cleartext("plain.pinwire.test")
        .build()
        .unwrap();
    let error = new_client(&[pki.root.cert()], allowed).get(&other).await.unwrap_err();
    assert!(matches!(error, Error::CleartextNotPermitted { .. }), "{error:?}");
}

#[test]
fn malformed_urls_and_schemes_are_invalid_urls() {
    for bad in ["not a url", "https://", "/relative/path"] {
        assert!(matches!(Request::get(bad), Err(Error::InvalidUrl { .. })), "{bad}");
    }
    let error = Request::get("https://h/")
        .unwrap()
        .header("bad header", "v")
        .unwrap_err();
    assert!(matches!(error, Error::InvalidHeader { .. }), "{error:?}");
}

#[tokio::test]
async fn unsupported_schemes_are_refused_before_connecting() {
    let pki = Pki::new("Scheme");
    let client = new_client(&[pki.root.cert()], Policy::unpinned());
    let error = client.get("ftp://example.test/file").await.unwrap_err();
    assert!(matches!(error, Error::InvalidUrl { .. }), "{error:?}");
}

#[tokio::test]
async fn an_https_host_that_is_not_a_valid_host_name_is_refused_before_connecting() {
    // The per-request URL check skips the full host parse only for plain DNS names; anything else (an
    // underscore breaks IDNA's strict rules) is parsed and refused before a connection is made, even
    // when a server's certificate is for exactly that name.
    let name = "under_score.pinwire.test";
    let pki = Pki::new("Underscore");
    let server = TestServer::https("underscore", &pki.intermediate.leaf([name])).await;
    let client = builder(&[pki.root.cert()])
        .resolve(name, "127.0.0.1:0".parse().unwrap())
        .build()
        .unwrap();
    let error = client.get(&url(&server, name, "/")).await.unwrap_err();
    assert!(matches!(&error, Error::InvalidUrl { .. }), "{error:?}");
    assert_eq!(
        server.stats().accepted.load(Ordering::SeqCst),
        0,
        "no connection was made"
    );
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let pki = Pki::new("Refused");
    let error = new_client(&[pki.root.cert()], Policy::unpinned())
        .get(&format!("https://{HOST}:{port}/"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
}

#[test]
fn a_pin_set_needs_a_backup_pin_unless_explicitly_waived() {
    let one = [unrelated_pin(1)];
    let error = Policy::builder().pin(HOST, one).build().unwrap_err();
    assert!(
        matches!(
            error,
            PolicyError::TooFewPins {
                count: 1,
                required: 2,
                ..
            }
        ),
        "{error:?}"
    );
    // The same pin twice is still one pin.
    let error = Policy::builder()
        .pin(HOST, [unrelated_pin(1), unrelated_pin(1)])
        .build()
        .unwrap_err();
    assert!(matches!(error, PolicyError::TooFewPins { count: 1, .. }), "{error:?}");
    Policy::builder()
        .pin(HOST, one)
        .dangerous_allow_single_pin()
        .build()
        .expect("explicit opt-out");
}

#[test]
fn malformed_pins_and_patterns_fail_the_policy() {
    let error = Policy::builder()
        .pin(HOST, ["sha1/abc", "sha256/abc"])
        .build()
        .unwrap_err();
    assert!(matches!(error, PolicyError::Pin(_)), "{error:?}");
    let error = Policy::builder()
        .pin("*.com", [unrelated_pin(1), unrelated_pin(2)])
        .build()
        .unwrap_err();
    assert!(matches!(error, PolicyError::Host(_)), "{error:?}");
    let error = Policy::builder()
        .rule(
            pinwire::DomainRule::new(HOST)
                .unwrap()
                .pins(pinwire::PinSet::new([unrelated_pin(1), unrelated_pin(2)]).unwrap()),
        )
        .rule(pinwire::DomainRule::new(HOST).unwrap().pins(pinwire::PinSet::exempt()))
        .build()
        .unwrap_err();
    assert!(matches!(error, PolicyError::DuplicatePattern { .. }), "{error:?}");
}

#[tokio::test]
async fn errors_read_well_in_a_log() {
    let pki = Pki::new("Log");
    let server = TestServer::https("log", &pki.leaf).await;
    let policy = Policy::builder()
        .pin(HOST, [unrelated_pin(1), unrelated_pin(2)])
        .build()
        .unwrap();
    let error = new_client(&[pki.root.cert()], policy)
        .get(&url(&server, HOST, "/"))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("Peer certificate chain:") && text.contains("Pinned certificates for api.pinwire.test"),
        "{text}"
    );
}
