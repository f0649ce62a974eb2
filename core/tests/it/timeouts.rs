//! Each timeout, told apart, and cancellation that really closes the connection.

use crate::common::*;
use pinwire::{CancellationToken, Error, Request, TimeoutKind};
use pinwire_testserver::TestServer;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const SHORT: Duration = Duration::from_millis(300);

fn timeout_kind(error: &Error) -> Option<TimeoutKind> {
    match error {
        Error::Timeout { kind, .. } => Some(*kind),
        _ => None,
    }
}

#[tokio::test]
async fn connect_timeout_fires_when_the_handshake_never_completes() {
    // A listener that accepts TCP and never speaks TLS.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let pki = Pki::new("Connect");
    let client = builder(&[pki.root.cert()])
        .connect_timeout(Some(SHORT))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.get(&format!("https://{HOST}:{port}/")).await.unwrap_err();
    assert_eq!(timeout_kind(&error), Some(TimeoutKind::Connect), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn read_timeout_fires_when_the_server_goes_quiet() {
    let pki = Pki::new("Read");
    let server = TestServer::https("read", &pki.leaf).await;
    let client = builder(&[pki.root.cert()]).read_timeout(Some(SHORT)).build().unwrap();
    let error = client.get(&url(&server, HOST, "/stall")).await.unwrap_err();
    assert_eq!(timeout_kind(&error), Some(TimeoutKind::Read), "{error:?}");

    // Also in the middle of a body.
    let response = client.get(&url(&server, HOST, "/slow-body")).await.unwrap();
    let error = response.bytes().await.unwrap_err();
    assert_eq!(timeout_kind(&error), Some(TimeoutKind::Read), "{error:?}");
}

#[tokio::test]
async fn call_timeout_covers_the_whole_call_including_the_body() {
    let pki = Pki::new("Call");
    let server = TestServer::https("call", &pki.leaf).await;
    let client = builder(&[pki.root.cert()]).call_timeout(Some(SHORT)).build().unwrap();
    let error = client.get(&url(&server, HOST, "/stall")).await.unwrap_err();
    assert_eq!(timeout_kind(&error), Some(TimeoutKind::Call), "{error:?}");

    let response = client
        .get(&url(&server, HOST, "/slow-body"))
        .await
        .expect("headers arrive in time");
    let error = response.bytes().await.unwrap_err();
    assert_eq!(timeout_kind(&error), Some(TimeoutKind::Call), "{error:?}");

    // A per-request override wins over the client's.
    let client = builder(&[pki.root.cert()]).build().unwrap();
    let request = Request::get(&url(&server, HOST, "/stall")).unwrap().call_timeout(SHORT);
    let error = client.execute(request).await.unwrap_err();
    assert_eq!(timeout_kind(&error), Some(TimeoutKind::Call), "{error:?}");
}

#[tokio::test]
async fn dropping_the_future_cancels_the_call_and_closes_the_connection() {
    let pki = Pki::new("Cancel");
    let server = TestServer::https("cancel", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let stall = url(&server, HOST, "/stall");
    let call = client.get(&stall);
    assert!(
        tokio::time::timeout(SHORT, call).await.is_err(),
        "the stalled call was still running"
    );
    assert_eq!(server.stats().requests.load(Ordering::SeqCst), 1);
    // HTTP/2 keeps the connection for other streams but resets this one; with HTTP/1.1 the connection
    // itself must close. Check the latter, which is observable from the server.
    let http1 = builder(&[pki.root.cert()])
        .http_versions(pinwire::HttpVersions::Http1Only)
        .build()
        .unwrap();
    let call = http1.get(&stall);
    assert!(tokio::time::timeout(SHORT, call).await.is_err());
    assert!(
        server.wait_closed(1, Duration::from_secs(5)).await,
        "the abandoned connection was closed"
    );
}

#[tokio::test]
async fn a_cancellation_token_ends_the_call_with_cancelled() {
    let pki = Pki::new("Token");
    let server = TestServer::https("token", &pki.leaf).await;
    let client = builder(&[pki.root.cert()])
        .http_versions(pinwire::HttpVersions::Http1Only)
        .build()
        .unwrap();
    let token = CancellationToken::new();
    let canceller = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(SHORT).await;
        canceller.cancel();
    });
    let request = Request::get(&url(&server, HOST, "/stall")).unwrap();
    let error = client.execute_cancellable(request, &token).await.unwrap_err();
    assert!(matches!(error, Error::Cancelled), "{error:?}");
    assert!(
        server.wait_closed(1, Duration::from_secs(5)).await,
        "the connection was closed"
    );
}
