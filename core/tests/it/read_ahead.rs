//! Bodies read ahead of their reader (`Response::read_ahead`): every byte in order, a bounded buffer, the
//! error after the bytes before it, and a reader that never waits forever.

use crate::common::*;
use pinwire::read_ahead::Ready;
use pinwire::{Error, HttpVersions, ReadAhead, TimeoutKind};
use pinwire_testserver::content::pattern;
use pinwire_testserver::{Alpn, Fault, FaultServer, TestServer};
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(60);

/// Reads `body` to its end in pieces of at most `max`, as a binding does: whatever has arrived, then a
/// wait when nothing has.
async fn read_all(body: &ReadAhead, max: usize) -> Result<Vec<u8>, (Vec<u8>, Error)> {
    read_all_with(body, max, ReadAhead::try_read).await
}

/// [`read_all`] with `read` (`try_read` or `try_read_coalesced`) taking each piece.
async fn read_all_with(
    body: &ReadAhead,
    max: usize,
    read: impl Fn(&ReadAhead, usize) -> Result<Ready, Error>,
) -> Result<Vec<u8>, (Vec<u8>, Error)> {
    let mut out = Vec::new();
    loop {
        match read(body, max) {
            Ok(Ready::Data(piece)) => {
                assert!(!piece.is_empty() && piece.len() <= max, "piece of {}", piece.len());
                out.extend_from_slice(&piece);
            }
            Ok(Ready::End) => return Ok(out),
            Ok(Ready::Empty) => body.readable().await,
            Err(error) => return Err((out, error)),
        }
    }
}

/// Everything that has arrived, without waiting.
fn drain(body: &ReadAhead) -> usize {
    let mut n = 0;
    while let Ok(Ready::Data(piece)) = body.try_read(usize::MAX) {
        n += piece.len();
    }
    n
}

#[tokio::test]
async fn every_byte_arrives_in_order_over_both_versions() {
    let pki = Pki::new("ReadAhead");
    for (alpn, versions) in [
        (Alpn::Both, HttpVersions::default()),
        (Alpn::Http1Only, HttpVersions::Http1Only),
    ] {
        let server = TestServer::https_with("read-ahead", &pki.leaf, alpn).await;
        let client = builder(&[pki.root.cert()])
            .policy(pinned(HOST, &[pki.leaf_pin()]))
            .http_versions(versions)
            .build()
            .unwrap();
        let total = 3 * 1024 * 1024 + 17;
        let response = client
            .get(&url(&server, HOST, &format!("/pattern/{total}")))
            .await
            .unwrap();
        let body = response.read_ahead(256 * 1024);
        // Odd-sized reads split the pieces the network delivered.
        let read = tokio::time::timeout(BOUND, read_all(&body, 10_007))
            .await
            .expect("read in time");
        let bytes = read.unwrap_or_else(|(_, e)| panic!("{alpn:?}: {e}"));
        assert_eq!(bytes.len(), total, "{alpn:?}");
        assert!(bytes == pattern(total), "{alpn:?}: the bytes differ from the pattern");
        // The end stays the end.
        assert_eq!(body.try_read(100).unwrap(), Ready::End);
    }
}

#[tokio::test]
async fn what_is_held_for_a_reader_that_does_not_read_stays_near_the_limit() {
    // `/gated` sends 1 MiB and then waits: a buffer without a bound would hold all of it.
    let pki = Pki::new("ReadAheadBound");
    let server = TestServer::https_with("bound", &pki.leaf, Alpn::Http1Only).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let total = 2 * 1024 * 1024;
    let limit = 128 * 1024;
    let response = client
        .get(&url(&server, HOST, &format!("/gated/{total}")))
        .await
        .unwrap();
    let body = response.read_ahead(limit);
    body.readable().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let held = drain(&body);
    // One network read may cross the limit; hyper's are at most a few hundred KiB.
    assert!(held > 0 && held < limit + 512 * 1024, "held {held} bytes");
    assert!(held < 1024 * 1024, "the whole first MiB was held: {held}");
    // The rest still comes, byte for byte, once read.
    let read_first_mib = async {
        let mut n = held;
        while n < 1024 * 1024 {
            body.readable().await;
            n += drain(&body);
        }
        n
    };
    let mut received = tokio::time::timeout(BOUND, read_first_mib)
        .await
        .expect("the first MiB");
    server.open_gate();
    let rest = tokio::time::timeout(BOUND, read_all(&body, 64 * 1024))
        .await
        .expect("the rest");
    received += rest.map_err(|(_, e)| e).unwrap().len();
    assert_eq!(received, total);
}

#[tokio::test]
async fn a_body_that_breaks_hands_over_its_bytes_then_the_error_then_names_it_again() {
    let pki = Pki::new("ReadAheadFault");
    let faulty = FaultServer::start(Fault::ResetMidBody, &pki.leaf).await;
    let client = builder(&[pki.root.cert()]).build().unwrap();
    let response = client.get(&format!("https://{HOST}:{}/", faulty.port())).await.unwrap();
    let body = response.read_ahead(64 * 1024);
    let (bytes, error) = tokio::time::timeout(BOUND, read_all(&body, 4096))
        .await
        .expect("read in time")
        .expect_err("the body breaks");
    assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
    assert!(!bytes.is_empty(), "the bytes before the reset are handed over");
    let again = body.try_read(4096).expect_err("a broken body stays broken");
    assert!(
        matches!(&again, Error::Protocol { detail, .. } if detail.contains("already failed")),
        "{again:?}"
    );
}

#[tokio::test]
async fn the_call_deadline_ends_a_stalled_body() {
    let pki = Pki::new("ReadAheadDeadline");
    let server = TestServer::https("deadline", &pki.leaf).await;
    let client = builder(&[pki.root.cert()])
        .call_timeout(Some(Duration::from_millis(400)))
        .build()
        .unwrap();
    let response = client.get(&url(&server, HOST, "/slow-body")).await.unwrap();
    let body = response.read_ahead(64 * 1024);
    let (bytes, error) = tokio::time::timeout(BOUND, read_all(&body, 4096))
        .await
        .expect("the deadline ends the wait")
        .expect_err("a stalled body times out");
    assert_eq!(bytes, b"first");
    assert!(
        matches!(
            error,
            Error::Timeout {
                kind: TimeoutKind::Call,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn closing_wakes_a_waiting_reader_and_reads_then_find_the_end() {
    let pki = Pki::new("ReadAheadClose");
    let server = TestServer::https("close", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let response = client.get(&url(&server, HOST, "/slow-body")).await.unwrap();
    let body = std::sync::Arc::new(response.read_ahead(64 * 1024));
    let first = tokio::time::timeout(BOUND, read_until_empty(&body))
        .await
        .expect("the first piece");
    assert_eq!(first, b"first");
    let waiter = tokio::spawn({
        let body = body.clone();
        async move { body.readable().await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiter.is_finished(), "nothing more arrives from /slow-body");
    body.close();
    tokio::time::timeout(BOUND, waiter)
        .await
        .expect("close wakes the waiting reader")
        .unwrap();
    assert_eq!(body.try_read(10).unwrap(), Ready::End);
    // The client still works.
    let ok = client.get(&url(&server, HOST, "/bytes/1000")).await.unwrap();
    assert_eq!(ok.bytes().await.unwrap().len(), 1000);
}

/// Waits for the first bytes, then takes what has arrived.
async fn read_until_empty(body: &ReadAhead) -> Vec<u8> {
    body.readable().await;
    let mut out = Vec::new();
    while let Ok(Ready::Data(piece)) = body.try_read(usize::MAX) {
        out.extend_from_slice(&piece);
    }
    out
}

#[test]
fn a_runtime_shut_down_under_a_body_ends_it_as_cancelled() {
    let pki = Pki::new("ReadAheadShutdown");
    // The server on a runtime of its own, which stays up: shutting its connections down with the
    // client's runtime would end the body with an error before the reading task is dropped.
    let server_runtime = tokio::runtime::Runtime::new().unwrap();
    let server = server_runtime.block_on(TestServer::https("shutdown", &pki.leaf));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let body = runtime.block_on(async {
        let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
        let response = client.get(&url(&server, HOST, "/slow-body")).await.unwrap();
        let body = response.read_ahead(64 * 1024);
        assert_eq!(read_until_empty(&body).await, b"first");
        body
    });
    runtime.shutdown_timeout(Duration::from_secs(10));
    let error = body.try_read(10).expect_err("no reader waits forever");
    assert!(matches!(error, Error::Cancelled), "{error:?}");
}

#[tokio::test]
async fn coalesced_reads_join_what_is_held_up_to_their_size_and_keep_every_byte() {
    let pki = Pki::new("ReadAheadCoalesced");
    let server = TestServer::https("coalesced", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let max = 100_007;

    // Byte for byte, in order, in pieces of at most `max`.
    let total = 3 * 1024 * 1024 + 17;
    let response = client
        .get(&url(&server, HOST, &format!("/pattern/{total}")))
        .await
        .unwrap();
    let body = response.read_ahead(512 * 1024);
    let out = tokio::time::timeout(BOUND, read_all_with(&body, max, ReadAhead::try_read_coalesced))
        .await
        .expect("read in time")
        .unwrap_or_else(|(_, e)| panic!("{e}"));
    assert!(
        out == pattern(total),
        "the bytes differ from the pattern ({} read)",
        out.len()
    );
    assert_eq!(body.try_read_coalesced(max).unwrap(), Ready::End);
    assert_eq!(body.try_read_coalesced(0).unwrap(), Ready::Data(bytes::Bytes::new()));

    // `/gated` sends 1 MiB, then waits: once some of it is held, a read takes `max` bytes at once, more
    // than one network piece (at most 16 KiB over HTTP/2), and reads stop at the gate.
    let response = client
        .get(&url(&server, HOST, &format!("/gated/{}", 1024 * 1024 + 5000)))
        .await
        .unwrap();
    assert_eq!(response.version(), pinwire::http::Version::HTTP_2);
    let body = response.read_ahead(2 * 1024 * 1024);
    body.readable().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    match body.try_read_coalesced(max).unwrap() {
        Ready::Data(piece) => assert_eq!(piece.len(), max, "what was held was not joined"),
        other => panic!("{other:?}"),
    }
    let mut received = max;
    let first_mib = async {
        while received < 1024 * 1024 {
            match body.try_read_coalesced(max).unwrap() {
                Ready::Data(piece) => received += piece.len(),
                Ready::Empty => body.readable().await,
                Ready::End => panic!("the end after {received} bytes"),
            }
        }
    };
    tokio::time::timeout(BOUND, first_mib).await.expect("the first MiB");
    assert_eq!(received, 1024 * 1024, "a read crossed the gate");
    assert_eq!(body.try_read_coalesced(max).unwrap(), Ready::Empty);
    server.open_gate();
    let rest = tokio::time::timeout(BOUND, read_all(&body, 4096))
        .await
        .expect("the rest");
    assert_eq!(rest.map_err(|(_, e)| e).unwrap().len(), 5000);
}

#[tokio::test]
async fn every_waiting_reader_is_woken_at_the_end() {
    let pki = Pki::new("ReadAheadWaiters");
    let server = TestServer::https("waiters", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    // `/gated/<1 MiB>` sends its MiB and then waits for the gate before it ends.
    let response = client
        .get(&url(&server, HOST, &format!("/gated/{}", 1024 * 1024)))
        .await
        .unwrap();
    let body = std::sync::Arc::new(response.read_ahead(2 * 1024 * 1024));
    let mut received = 0;
    tokio::time::timeout(BOUND, async {
        while received < 1024 * 1024 {
            body.readable().await;
            received += drain(&body);
        }
    })
    .await
    .expect("the first MiB");
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let body = body.clone();
            tokio::spawn(async move { body.readable().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        waiters.iter().all(|w| !w.is_finished()),
        "nothing more arrives before the gate"
    );
    server.open_gate();
    for waiter in waiters {
        tokio::time::timeout(BOUND, waiter)
            .await
            .expect("the end wakes every waiting reader")
            .unwrap();
    }
    assert_eq!(body.try_read(10).unwrap(), Ready::End);
}
