//! zstd bodies from an independent encoder (the test server's C library) through the client's decoder,
//! which is the same on every platform: several frames, a frame per flush streamed, the window bound,
//! and the ways a body can be broken. (The zstd bomb is in `compression`.)

use crate::common::*;
use pinwire::{Error, Policy};
use pinwire_testserver::content::pattern;
use pinwire_testserver::TestServer;
use std::time::Duration;

const SIZE: usize = 300_000;

async fn server() -> (Pki, TestServer) {
    let pki = Pki::new("Zstd");
    let server = TestServer::https("zstd", &pki.leaf).await;
    (pki, server)
}

/// The body of `/zstd/<case>/<SIZE>`, as the client decodes it.
async fn fetch(case: &str) -> Result<Vec<u8>, Error> {
    let (pki, server) = server().await;
    let client = new_client(&[pki.root.cert()], Policy::unpinned());
    let response = client.get(&url(&server, HOST, &format!("/zstd/{case}/{SIZE}"))).await?;
    assert!(response.is_decoded());
    response.bytes().await.map(|b| b.to_vec())
}

/// The failure of a body that cannot be decoded: the typed error the other codings give.
fn undecodable(result: Result<Vec<u8>, Error>) -> String {
    match result {
        Err(Error::Protocol { detail, .. }) if detail.starts_with("zstd body could not be decoded: ") => detail,
        other => panic!("expected a zstd decoding error, got {:?}", other.map(|b| b.len())),
    }
}

#[tokio::test]
async fn several_frames_and_a_skippable_frame_are_one_body() {
    assert!(fetch("frames").await.unwrap() == pattern(SIZE));
}

#[tokio::test]
async fn an_8_mib_window_is_decoded_and_a_larger_one_refused_with_the_typed_error() {
    assert!(fetch("window-8mib").await.unwrap() == pattern(SIZE));
    let detail = undecodable(fetch("large-window").await);
    assert!(detail.contains("window of 134217728 bytes"), "{detail}");
}

#[tokio::test]
async fn a_truncated_body_fails_and_is_not_handed_over_as_complete() {
    let detail = undecodable(fetch("truncated").await);
    assert!(detail.contains("ended early"), "{detail}");
}

#[tokio::test]
async fn bytes_after_the_last_frame_fail() {
    let detail = undecodable(fetch("trailing").await);
    assert!(detail.contains("not a zstd frame"), "{detail}");
}

#[tokio::test]
async fn a_frame_whose_checksum_does_not_match_fails() {
    let detail = undecodable(fetch("bad-checksum").await);
    assert!(detail.contains("checksum"), "{detail}");
}

#[tokio::test]
async fn a_frame_is_handed_over_when_it_ends_before_the_body_does() {
    let (pki, server) = server().await;
    let client = new_client(&[pki.root.cert()], Policy::unpinned());
    let mut response = client
        .get(&url(&server, HOST, &format!("/zstd/gated/{SIZE}")))
        .await
        .unwrap();
    // The first half is a whole frame (its window larger than the body): all of it arrives before the
    // server sends the second frame, which it does only once the gate is open.
    let mut body = Vec::new();
    while body.len() < SIZE / 2 {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("the first frame arrives before the gate opens")
            .unwrap()
            .expect("not the end yet");
        body.extend_from_slice(&chunk);
    }
    assert_eq!(body.len(), SIZE / 2);
    server.open_gate();
    while let Some(chunk) = response.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
    }
    assert!(body == pattern(SIZE));
}
