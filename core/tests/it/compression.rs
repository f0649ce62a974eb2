//! Transparent decompression: gzip, brotli and zstd bodies decoded and streamed, the headers the caller
//! sees, the switches, and the decompression-bomb bound.

use crate::common::*;
use pinwire::{DecodeLimits, Error, Policy, Request};
use pinwire_testserver::content::{bomb_body, pattern, Coding};
use pinwire_testserver::TestServer;
use std::time::{Duration, Instant};

const SIZE: usize = 300_000;

async fn server() -> (Pki, TestServer) {
    let pki = Pki::new("Compress");
    let server = TestServer::https("compress", &pki.leaf).await;
    (pki, server)
}

#[tokio::test]
async fn gzip_brotli_and_zstd_bodies_are_decoded_and_their_encoding_headers_removed() {
    let (pki, server) = server().await;
    let client = new_client(&[pki.root.cert()], Policy::unpinned());
    for coding in Coding::ALL {
        let path = format!("/compressed/{SIZE}?coding={}", coding.token());
        let response = client.get(&url(&server, HOST, &path)).await.unwrap();
        assert!(response.is_decoded(), "{coding:?}");
        assert_eq!(response.headers().get("content-encoding"), None, "{coding:?}");
        assert_eq!(response.headers().get("content-length"), None, "{coding:?}");
        assert_eq!(response.content_length(), None);
        assert_eq!(response.headers()["x-decoded-length"], SIZE.to_string().as_str());
        assert!(response.bytes().await.unwrap() == pattern(SIZE), "{coding:?}");
    }
}

#[tokio::test]
async fn a_decoded_body_streams_piece_by_piece() {
    let (pki, server) = server().await;
    let client = new_client(&[pki.root.cert()], Policy::unpinned());
    for coding in Coding::ALL {
        let path = format!("/compressed/{SIZE}?coding={}&gated", coding.token());
        let mut response = client.get(&url(&server, HOST, &path)).await.unwrap();
        assert!(response.is_decoded());
        // The server sends the rest only once the gate is open: this reads what came before it. A
        // zstd decoder holds back up to one window (the server's gated zstd has a 16 KiB one) until
        // more output follows or the frame ends.
        let held_back = if coding == Coding::Zstd { 16 * 1024 } else { 0 };
        let mut body = Vec::new();
        while body.len() < SIZE / 2 - held_back {
            let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
                .await
                .expect("the first half arrives before the gate opens")
                .unwrap()
                .expect("not the end yet");
            body.extend_from_slice(&chunk);
        }
        server.open_gate();
        while let Some(chunk) = response.chunk().await.unwrap() {
            body.extend_from_slice(&chunk);
        }
        assert!(body == pattern(SIZE), "{coding:?}");
    }
}

#[tokio::test]
async fn an_uncompressed_response_is_handed_over_as_it_came() {
    let (pki, server) = server().await;
    let client = new_client(&[pki.root.cert()], Policy::unpinned());
    let response = client
        .get(&url(&server, HOST, "/compressed/1000?coding=none"))
        .await
        .unwrap();
    assert!(!response.is_decoded());
    assert_eq!(response.content_length(), Some(1000));
    assert_eq!(response.bytes().await.unwrap(), pattern(1000));
}

#[tokio::test]
async fn decompression_can_be_turned_off_per_client_and_per_request() {
    let (pki, server) = server().await;
    let target = url(&server, HOST, "/compressed/1000");
    // Off for the client: no Accept-Encoding, so the server sends the body as it is.
    let off = builder(&[pki.root.cert()]).decompress(false).build().unwrap();
    let response = off.get(&target).await.unwrap();
    assert!(!response.is_decoded());
    assert_eq!(response.headers().get("content-encoding"), None);
    assert_eq!(response.bytes().await.unwrap(), pattern(1000));
    // On for one request of that client.
    let response = off
        .execute(Request::get(&target).unwrap().decompress(true))
        .await
        .unwrap();
    assert!(response.is_decoded());
    assert_eq!(response.bytes().await.unwrap(), pattern(1000));
    // Off for one request of a decoding client.
    let on = new_client(&[pki.root.cert()], Policy::unpinned());
    let response = on
        .execute(Request::get(&target).unwrap().decompress(false))
        .await
        .unwrap();
    assert!(!response.is_decoded());
    assert_eq!(response.bytes().await.unwrap(), pattern(1000));
}

#[tokio::test]
async fn a_caller_that_sets_accept_encoding_gets_the_body_as_sent() {
    let (pki, server) = server().await;
    let client = new_client(&[pki.root.cert()], Policy::unpinned());
    let request = Request::get(&url(&server, HOST, "/compressed/1000"))
        .unwrap()
        .header("accept-encoding", "zstd")
        .unwrap();
    let response = client.execute(request).await.unwrap();
    assert!(!response.is_decoded());
    assert_eq!(response.headers()["content-encoding"], "zstd");
    let raw = response.bytes().await.unwrap();
    assert_eq!(raw, Coding::Zstd.encode(&pattern(1000)));
}

#[tokio::test]
async fn a_brotli_or_zstd_bomb_is_refused_quickly_with_the_typed_error() {
    let (pki, server) = server().await;
    let client = new_client(&[pki.root.cert()], Policy::unpinned());
    for coding in [Coding::Brotli, Coding::Zstd] {
        let compressed = bomb_body(coding).len();
        assert!(compressed < 64 * 1024, "{coding:?}: {compressed} bytes for 1 GiB");
        let started = Instant::now();
        let response = client
            .get(&url(&server, HOST, &format!("/bomb/{}", coding.token())))
            .await
            .unwrap();
        let error = response.bytes().await.unwrap_err();
        let Error::DecodedBodyTooLarge {
            decoded, compressed, ..
        } = error
        else {
            panic!("{coding:?}: expected DecodedBodyTooLarge, got {error:?}")
        };
        // Refused within the bound (plus one decoded piece), far from the GiB.
        let bound = DecodeLimits::DEFAULT_ALLOWANCE + compressed * DecodeLimits::DEFAULT_MAX_RATIO;
        assert!(
            decoded > bound && decoded <= bound + 16 * 1024,
            "{coding:?}: {decoded} of {compressed}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{coding:?}: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_gzip_bomb_is_refused_by_a_tighter_ratio_or_a_size_cap() {
    let (pki, server) = server().await;
    let target = url(&server, HOST, "/bomb/gzip");
    let by_ratio = builder(&[pki.root.cert()])
        .decode_limits(DecodeLimits::default().max_ratio(100))
        .build()
        .unwrap();
    let error = by_ratio.get(&target).await.unwrap().bytes().await.unwrap_err();
    assert!(matches!(error, Error::DecodedBodyTooLarge { .. }), "{error:?}");
    let by_size = builder(&[pki.root.cert()])
        .decode_limits(DecodeLimits::default().max_size(Some(512 * 1024)))
        .build()
        .unwrap();
    let error = by_size.get(&target).await.unwrap().bytes().await.unwrap_err();
    let Error::DecodedBodyTooLarge { decoded, .. } = error else {
        panic!("{error:?}")
    };
    assert!(decoded > 512 * 1024 && decoded <= 512 * 1024 + 16 * 1024, "{decoded}");
    assert!(error_text(decoded).contains("decoded"));
}

fn error_text(decoded: u64) -> String {
    Error::DecodedBodyTooLarge {
        url: "https://a.example/".into(),
        decoded,
        compressed: 1,
        limit: "x".into(),
    }
    .to_string()
}
