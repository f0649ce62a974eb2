//! Servers that misbehave: every fault ends the call with a defined, typed [`Error`] within its
//! timeouts, and the client keeps working afterwards.

use crate::common::*;
use pinwire::{Client, Error, TimeoutKind};
use pinwire_testserver::{refused_port, Fault, FaultServer, TestServer};
use std::time::{Duration, Instant};

const READ_TIMEOUT: Duration = Duration::from_millis(500);
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Generous bound on any faulty call: the timeouts above plus scheduling on a loaded machine.
const BOUND: Duration = Duration::from_secs(8);

/// Where in the call the error surfaced.
#[derive(Debug, PartialEq, Eq)]
enum Stage {
    /// Before a response head was returned.
    Request,
    /// While reading the body.
    Body,
}

/// Fetches `url` whole; the error and where it came, or the body.
async fn fetch(client: &Client, url: &str) -> Result<usize, (Stage, Error)> {
    let response = client.get(url).await.map_err(|e| (Stage::Request, e))?;
    let body = response.bytes().await.map_err(|e| (Stage::Body, e))?;
    Ok(body.len())
}

fn client(pki: &Pki) -> Client {
    builder(&[pki.root.cert()])
        .read_timeout(Some(READ_TIMEOUT))
        .call_timeout(Some(CALL_TIMEOUT))
        .connect_timeout(Some(Duration::from_secs(5)))
        .build()
        .expect("client builds")
}

/// Runs `fault` against a fresh client and returns where and how it failed; checks the call ended in
/// time and that the same client still completes a good request afterwards.
async fn run(fault: Fault) -> (Stage, Error) {
    let pki = Pki::new(fault.name());
    let faulty = FaultServer::start(fault, &pki.leaf).await;
    let good = TestServer::https("good", &pki.leaf).await;
    let client = client(&pki);
    let started = Instant::now();
    let result = fetch(&client, &format!("https://{HOST}:{}/", faulty.port())).await;
    let elapsed = started.elapsed();
    assert!(elapsed < BOUND, "{fault:?} took {elapsed:?}");
    assert!(faulty.connections() >= 1, "{fault:?}: the server saw no connection");
    let outcome = result.expect_err(&format!("{fault:?} must fail"));
    eprintln!(
        "fault {}: {:?} after {elapsed:?}: {}",
        fault.name(),
        outcome.0,
        outcome.1
    );
    let ok = fetch(&client, &url(&good, HOST, "/bytes/1000")).await;
    assert_eq!(
        ok.map_err(|(_, e)| e.to_string()),
        Ok(1000),
        "the client still works after {fault:?}"
    );
    outcome
}

fn is_protocol(error: &Error) -> bool {
    matches!(error, Error::Protocol { .. })
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let pki = Pki::new("refused");
    let port = refused_port().await;
    let started = Instant::now();
    let error = client(&pki).get(&format!("https://{HOST}:{port}/")).await.unwrap_err();
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(started.elapsed() < BOUND);
}

#[tokio::test]
async fn reset_before_the_response_is_a_protocol_error() {
    let (stage, error) = run(Fault::ResetBeforeResponse).await;
    assert_eq!(stage, Stage::Request);
    assert!(is_protocol(&error), "{error:?}");
}

#[tokio::test]
async fn reset_mid_body_fails_the_body_read() {
    let (stage, error) = run(Fault::ResetMidBody).await;
    assert_eq!(stage, Stage::Body, "{error:?}");
    assert!(is_protocol(&error), "{error:?}");
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_an_error_not_a_short_success() {
    let (stage, error) = run(Fault::ShortBody).await;
    assert_eq!(stage, Stage::Body, "{error:?}");
    assert!(is_protocol(&error), "{error:?}");
}

#[tokio::test]
async fn a_tls_alert_mid_handshake_is_a_protocol_error() {
    let (stage, error) = run(Fault::TlsAlert).await;
    assert_eq!(stage, Stage::Request);
    assert!(is_protocol(&error), "{error:?}");
}

#[tokio::test]
async fn garbage_instead_of_tls_is_a_protocol_error() {
    let (stage, error) = run(Fault::Garbage).await;
    assert_eq!(stage, Stage::Request);
    assert!(is_protocol(&error), "{error:?}");
}

#[tokio::test]
async fn a_10_mib_header_block_is_refused_as_a_protocol_error() {
    let (stage, error) = run(Fault::HugeHeaders).await;
    assert_eq!(stage, Stage::Request);
    assert!(is_protocol(&error), "{error:?}");
}

#[tokio::test]
async fn http2_goaway_mid_stream_is_a_protocol_error() {
    let (_, error) = run(Fault::Http2Goaway).await;
    assert!(is_protocol(&error), "{error:?}");
}

#[tokio::test]
async fn http2_rst_stream_mid_stream_fails_the_body_read() {
    let (stage, error) = run(Fault::Http2Reset).await;
    assert_eq!(stage, Stage::Body, "{error:?}");
    assert!(is_protocol(&error), "{error:?}");
}

#[tokio::test]
async fn stalls_before_the_headers_and_mid_body_are_read_timeouts() {
    let pki = Pki::new("stall");
    let server = TestServer::https("stall", &pki.leaf).await;
    let client = client(&pki);
    for (path, stage) in [("/stall", Stage::Request), ("/slow-body", Stage::Body)] {
        let started = Instant::now();
        let (at, error) = fetch(&client, &url(&server, HOST, path)).await.unwrap_err();
        assert_eq!(at, stage, "{path}");
        assert!(
            matches!(
                error,
                Error::Timeout {
                    kind: TimeoutKind::Read,
                    ..
                }
            ),
            "{path}: {error:?}"
        );
        assert!(started.elapsed() < BOUND, "{path}");
    }
    // Without a read timeout the call timeout ends the same stalls.
    let client = builder(&[pki.root.cert()])
        .call_timeout(Some(Duration::from_millis(500)))
        .build()
        .unwrap();
    for path in ["/stall", "/slow-body"] {
        let (_, error) = fetch(&client, &url(&server, HOST, path)).await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Timeout {
                    kind: TimeoutKind::Call,
                    ..
                }
            ),
            "{path}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_redirect_loop_ends_with_too_many_redirects() {
    let pki = Pki::new("loop");
    let server = TestServer::https("loop", &pki.leaf).await;
    let (stage, error) = fetch(&client(&pki), &url(&server, HOST, "/loop")).await.unwrap_err();
    assert_eq!(stage, Stage::Request);
    assert!(matches!(error, Error::TooManyRedirects { .. }), "{error:?}");
}
