//! HTTP behaviour over pinned connections: versions, pooling, methods and bodies, streaming.

use crate::common::*;
use bytes::Bytes;
use futures_util::StreamExt;
use pinwire::http::{StatusCode, Version};
use pinwire::{Body, HttpVersions, Request};
use pinwire_testserver::{Alpn, TestServer};
use std::sync::atomic::Ordering;

#[tokio::test]
async fn http2_by_alpn_and_http1_when_either_side_wants_it() {
    let pki = Pki::new("Versions");
    let both = TestServer::https("both", &pki.leaf).await;
    let http1_server = TestServer::https_with("h1", &pki.leaf, Alpn::Http1Only).await;
    let policy = || pinned(HOST, &[pki.root_pin()]);

    let client = new_client(&[pki.root.cert()], policy());
    let response = client.get(&url(&both, HOST, "/version")).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.text().await.unwrap(), "HTTP/2.0");
    let response = client.get(&url(&http1_server, HOST, "/version")).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_11);

    let http1_client = builder(&[pki.root.cert()])
        .policy(policy())
        .http_versions(HttpVersions::Http1Only)
        .build()
        .unwrap();
    let response = http1_client.get(&url(&both, HOST, "/version")).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_11);
}

#[tokio::test]
async fn connections_are_reused_on_both_versions() {
    let pki = Pki::new("Reuse");
    for alpn in [Alpn::Both, Alpn::Http1Only] {
        let server = TestServer::https_with("reuse", &pki.leaf, alpn).await;
        let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
        for _ in 0..5 {
            client
                .get(&url(&server, HOST, "/"))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
        }
        assert_eq!(
            server.stats().handshakes.load(Ordering::SeqCst),
            1,
            "{alpn:?}: one handshake for 5 requests"
        );
        assert_eq!(server.stats().requests.load(Ordering::SeqCst), 5);
    }
}

#[tokio::test]
async fn concurrent_requests_share_one_http2_connection() {
    let pki = Pki::new("Concurrent");
    let server = TestServer::https("concurrent", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    // Warm up so the pool holds the HTTP/2 connection, then fan out.
    client.get(&url(&server, HOST, "/")).await.unwrap();
    let calls = (0..16).map(|_| {
        let client = client.clone();
        let url = url(&server, HOST, "/");
        async move { client.get(&url).await.unwrap().text().await.unwrap() }
    });
    let bodies = futures_util::future::join_all(calls).await;
    assert!(bodies.iter().all(|b| b == "hello from concurrent"));
    assert_eq!(server.stats().handshakes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn methods_headers_and_bodies_reach_the_server() {
    let pki = Pki::new("Echo");
    let server = TestServer::https("echo", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let request = Request::post(&url(&server, HOST, "/echo"), "twelve bytes")
        .unwrap()
        .header("x-test", "yes")
        .unwrap();
    let text = client.execute(request).await.unwrap().text().await.unwrap();
    assert_eq!(text, "POST x-test=yes body=12");

    let chunks = futures_util::stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(&[7u8; 1000]))));
    let request = Request::new(pinwire::http::Method::PUT, &url(&server, HOST, "/echo"))
        .unwrap()
        .body(Body::from_stream(chunks));
    let text = client.execute(request).await.unwrap().text().await.unwrap();
    assert_eq!(text, "PUT x-test= body=4000");

    let response = client.get(&url(&server, HOST, "/status/404")).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "HTTP errors are responses, not errors"
    );
}

#[tokio::test]
async fn a_large_body_streams_without_being_held_whole() {
    // The server sends 1 MiB and then waits until the test has seen it; a client that buffered the whole
    // body before handing any of it over would never get there.
    let pki = Pki::new("Stream");
    let server = TestServer::https("stream", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let total = 32 * 1024 * 1024;
    let response = client
        .get(&url(&server, HOST, &format!("/gated/{total}")))
        .await
        .unwrap();
    let mut stream = response.into_stream();
    let mut received = 0usize;
    let mut largest_chunk = 0usize;
    let mut opened = false;
    let read_all = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            received += chunk.len();
            largest_chunk = largest_chunk.max(chunk.len());
            if !opened && received >= 1024 * 1024 {
                server.open_gate();
                opened = true;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), read_all)
        .await
        .expect("body streamed");
    assert!(opened);
    assert_eq!(received, total);
    assert!(largest_chunk <= 1024 * 1024, "chunks stay small: {largest_chunk}");
}

#[tokio::test]
async fn coalesced_reads_take_what_has_arrived_without_waiting_for_more() {
    // `/gated` sends 1 MiB and then waits for the test: a coalesced read that waited to fill its limit
    // would hang at the gate, one that did not coalesce would return the transport's small chunks.
    let pki = Pki::new("Coalesce");
    let server = TestServer::https("coalesce", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let total = 3 * 1024 * 1024;
    let limit = 300 * 1024;
    let mut response = client
        .get(&url(&server, HOST, &format!("/gated/{total}")))
        .await
        .unwrap();
    let read_head = async {
        let mut received = 0usize;
        let mut largest = 0usize;
        while received < 1024 * 1024 {
            // Give the data time to arrive so that there is something to coalesce.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let piece = response.chunk_coalesced(limit).await.unwrap().expect("more body");
            received += piece.len();
            largest = largest.max(piece.len());
        }
        (received, largest)
    };
    let (mut received, largest) = tokio::time::timeout(std::time::Duration::from_secs(60), read_head)
        .await
        .expect("coalesced reads return what has arrived, without waiting at the gate");
    assert!(
        largest > 64 * 1024,
        "pieces hold more than one transport chunk: {largest}"
    );
    assert!(largest < limit + 64 * 1024, "pieces stop at the limit: {largest}");
    server.open_gate();
    while let Some(piece) = response.chunk_coalesced(limit).await.unwrap() {
        received += piece.len();
    }
    assert_eq!(received, total);
    assert!(response.is_complete());
}

#[tokio::test]
async fn a_small_body_that_has_arrived_is_taken_without_a_read() {
    let pki = Pki::new("Ready");
    let server = TestServer::https("ready", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    for path in ["/", "/status/204"] {
        let mut response = client.get(&url(&server, HOST, path)).await.unwrap();
        let mut body = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !response.is_complete() {
            assert!(std::time::Instant::now() < deadline, "{path}: the body never completed");
            body.extend_from_slice(&response.take_ready(64 * 1024));
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let expected: &[u8] = if path == "/" { b"hello from ready" } else { b"" };
        assert_eq!(body, expected, "{path}");
        assert_eq!(response.chunk().await.unwrap(), None, "{path}: nothing after the end");
    }
    // Nothing ready yet: an empty piece and not complete, and the data still comes by a normal read.
    let mut response = client.get(&url(&server, HOST, "/slow-body")).await.unwrap();
    assert_eq!(response.chunk().await.unwrap().as_deref(), Some(&b"first"[..]));
    assert!(response.take_ready(64 * 1024).is_empty());
    assert!(!response.is_complete());
}
