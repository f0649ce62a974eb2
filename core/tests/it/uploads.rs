//! Streamed request bodies: written while sent (known and unknown length, both HTTP versions), upload
//! progress, wrong lengths and aborted sources, cancellation mid-upload, and multipart forms that a
//! server-side parser (`multer`, in the test server) reads back.

use crate::common::*;
use bytes::Bytes;
use pinwire::multipart::{Multipart, PartHead};
use pinwire::{Body, BodyWriter, CancellationToken, Error, HttpVersions, Request, WriteError};
use pinwire_testserver::{Alpn, TestServer};
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CHUNK: usize = 64 * 1024;

/// Byte `i` of the test bodies: pieces lost, repeated or swapped change the digest.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn json(response: pinwire::Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).expect("JSON")
}

/// Writes `data` in [`CHUNK`]s, then finishes.
async fn write_all(writer: BodyWriter, data: Vec<u8>) -> Result<(), WriteError> {
    for piece in data.chunks(CHUNK) {
        writer.write(Bytes::copy_from_slice(piece)).await?;
    }
    writer.finish()
}

fn client_for(pki: &Pki, versions: HttpVersions) -> pinwire::Client {
    builder(&[pki.root.cert()])
        .policy(pinned(HOST, &[pki.root_pin()]))
        .http_versions(versions)
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn a_written_body_streams_with_content_length_or_chunked_on_both_versions() {
    let pki = Pki::new("Written");
    let data = pattern(8 * 1024 * 1024 + 123);
    let digest = sha256_hex(&data);
    for alpn in [Alpn::Both, Alpn::Http1Only] {
        let server = TestServer::https_with("upload", &pki.leaf, alpn).await;
        let client = client_for(&pki, HttpVersions::default());
        for known in [true, false] {
            let (writer, body) = Body::channel(known.then_some(data.len() as u64));
            let request = Request::post(&url(&server, HOST, "/upload/digest"), body).unwrap();
            let pump = tokio::spawn(write_all(writer, data.clone()));
            let seen = json(client.execute(request).await.expect("upload")).await;
            pump.await.unwrap().expect("every write accepted");
            let case = format!("{alpn:?}, length known: {known}");
            assert_eq!(seen["length"], data.len() as u64, "{case}");
            assert_eq!(seen["sha256"], digest.as_str(), "{case}");
            let http2 = alpn == Alpn::Both;
            assert_eq!(seen["version"], if http2 { "HTTP/2.0" } else { "HTTP/1.1" }, "{case}");
            if known {
                assert_eq!(seen["content_length"], data.len().to_string(), "{case}");
                assert_eq!(seen["chunked"], false, "{case}");
            } else {
                assert_eq!(seen["content_length"], Value::Null, "{case}");
                // HTTP/2 has no chunked encoding: DATA frames until END_STREAM.
                assert_eq!(seen["chunked"], !http2, "{case}");
            }
        }
    }
}

#[tokio::test]
async fn progress_is_heard_in_order_up_to_the_total() {
    let pki = Pki::new("Progress");
    let server = TestServer::https("progress", &pki.leaf).await;
    let client = client_for(&pki, HttpVersions::default());
    let data = pattern(3 * 1024 * 1024 + 7);

    // A body in memory, and one written while sent, of known and unknown length.
    for case in ["bytes", "known", "unknown"] {
        let heard = Arc::new(Mutex::new(Vec::<(u64, Option<u64>)>::new()));
        let record = heard.clone();
        let listener = Arc::new(move |sent: u64, total: Option<u64>| record.lock().unwrap().push((sent, total)));
        let (body, pump) = match case {
            "bytes" => (Body::from(data.clone()), None),
            _ => {
                let (writer, body) = Body::channel((case == "known").then_some(data.len() as u64));
                (body, Some(tokio::spawn(write_all(writer, data.clone()))))
            }
        };
        let request = Request::post(&url(&server, HOST, "/upload/digest"), body.with_progress(listener)).unwrap();
        let seen = json(client.execute(request).await.expect("upload")).await;
        if let Some(pump) = pump {
            pump.await.unwrap().expect("writes accepted");
        }
        assert_eq!(seen["sha256"], sha256_hex(&data), "{case}");
        let heard = heard.lock().unwrap().clone();
        let total = (case != "unknown").then_some(data.len() as u64);
        assert!(heard.len() >= data.len() / CHUNK, "{case}: {} calls", heard.len());
        assert!(heard.windows(2).all(|w| w[0].0 < w[1].0), "{case}: sent only grows");
        assert!(
            heard.iter().all(|(_, t)| *t == total),
            "{case}: the total is the declared length"
        );
        assert_eq!(
            heard.last().map(|h| h.0),
            Some(data.len() as u64),
            "{case}: progress reaches the end"
        );
    }
}

#[tokio::test]
async fn a_wrong_length_or_an_aborted_source_fails_the_request_not_the_server() {
    let pki = Pki::new("WrongLength");
    let server = TestServer::https("wrong", &pki.leaf).await;
    let client = client_for(&pki, HttpVersions::Http1Only);
    let target = url(&server, HOST, "/upload/digest");

    // Longer than declared: the write that goes past is refused, and the request fails.
    let (writer, body) = Body::channel(Some(100));
    let call = tokio::spawn({
        let client = client.clone();
        let request = Request::post(&target, body).unwrap();
        async move { client.execute(request).await.map(|_| ()) }
    });
    writer
        .write(Bytes::from(vec![1u8; 60]))
        .await
        .expect("within the length");
    let error = writer.write(Bytes::from(vec![1u8; 60])).await.unwrap_err();
    assert_eq!(
        error,
        WriteError::TooLong {
            length: 100,
            written: 120
        }
    );
    assert_eq!(writer.written(), 60, "the refused write is not counted");
    let failed = call.await.unwrap().unwrap_err();
    assert!(
        matches!(&failed, Error::Protocol { detail, .. } if detail.contains("120 bytes written")),
        "{failed:?}"
    );

    // Shorter than declared.
    let (writer, body) = Body::channel(Some(100));
    let call = tokio::spawn({
        let client = client.clone();
        let request = Request::post(&target, body).unwrap();
        async move { client.execute(request).await.map(|_| ()) }
    });
    writer.write(Bytes::from(vec![1u8; 60])).await.unwrap();
    assert_eq!(
        writer.finish().unwrap_err(),
        WriteError::TooShort {
            length: 100,
            written: 60
        }
    );
    assert!(call.await.unwrap().is_err());

    // The source fails (a file that cannot be read): its reason is in the error.
    let (writer, body) = Body::channel(None);
    let call = tokio::spawn({
        let client = client.clone();
        let request = Request::post(&target, body).unwrap();
        async move { client.execute(request).await.map(|_| ()) }
    });
    writer.write(Bytes::from(vec![1u8; 60])).await.unwrap();
    writer.abort("disk on fire");
    let failed = call.await.unwrap().unwrap_err();
    assert!(
        matches!(&failed, Error::Protocol { detail, .. } if detail.contains("disk on fire")),
        "{failed:?}"
    );
    assert_eq!(writer.finish().unwrap_err(), WriteError::Finished);

    // A writer dropped without finishing never passes for a complete chunked body.
    let (writer, body) = Body::channel(None);
    let call = tokio::spawn({
        let client = client.clone();
        let request = Request::post(&target, body).unwrap();
        async move { client.execute(request).await.map(|_| ()) }
    });
    writer.write(Bytes::from(vec![1u8; 60])).await.unwrap();
    drop(writer);
    let failed = call.await.unwrap().unwrap_err();
    assert!(
        matches!(&failed, Error::Protocol { detail, .. } if detail.contains("dropped before finish")),
        "{failed:?}"
    );

    // A sized stream that ends early fails too.
    let short = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"abc"))]);
    let request = Request::post(&target, Body::from_sized_stream(short, 10)).unwrap();
    let failed = client.execute(request).await.unwrap_err();
    assert!(
        matches!(&failed, Error::Protocol { detail, .. } if detail.contains("declared as 10 bytes")),
        "{failed:?}"
    );

    // The server took none of these as a whole body; a good upload still works on the same client.
    let (writer, body) = Body::channel(Some(3));
    let pump = tokio::spawn(write_all(writer, b"abc".to_vec()));
    let seen = json(client.execute(Request::post(&target, body).unwrap()).await.unwrap()).await;
    pump.await.unwrap().unwrap();
    assert_eq!(seen["length"], 3);
}

#[tokio::test]
async fn cancelling_mid_upload_ends_the_call_and_the_writer() {
    let pki = Pki::new("CancelUpload");
    for alpn in [Alpn::Http1Only, Alpn::Both] {
        let server = TestServer::https_with("cancel", &pki.leaf, alpn).await;
        let client = client_for(&pki, HttpVersions::default());
        let total = 64 * 1024 * 1024u64;
        let token = CancellationToken::new();
        let (writer, body) = Body::channel(Some(total));
        let canceller = token.clone();
        let listener = Arc::new(move |sent: u64, _: Option<u64>| {
            if sent >= total / 2 {
                canceller.cancel();
            }
        });
        let request = Request::post(&url(&server, HOST, "/upload/digest"), body.with_progress(listener)).unwrap();
        // The writer would write the whole 64 MiB; it must be stopped by the cancellation.
        let pump = tokio::spawn(async move {
            let chunk = Bytes::from(vec![7u8; CHUNK]);
            loop {
                if let Err(e) = writer.write(chunk.clone()).await {
                    return (e, writer.written());
                }
            }
        });
        let result = tokio::time::timeout(Duration::from_secs(30), client.execute_cancellable(request, &token))
            .await
            .expect("the call ends");
        assert!(matches!(result, Err(Error::Cancelled)), "{alpn:?}: {result:?}");
        let (error, written) = tokio::time::timeout(Duration::from_secs(10), pump)
            .await
            .expect("the writer is stopped, not left waiting")
            .unwrap();
        assert_eq!(error, WriteError::Closed, "{alpn:?}");
        assert!(
            written >= total / 2 && written < total,
            "{alpn:?}: {written} bytes written"
        );
        if alpn == Alpn::Http1Only {
            // The connection carrying the half-sent body is closed, not returned to the pool.
            assert!(
                server.wait_closed(1, Duration::from_secs(10)).await,
                "the connection closes"
            );
        }
        assert!(server.stats().requests.load(Ordering::SeqCst) == 1);
    }
}

#[tokio::test]
async fn a_multipart_form_is_parsed_back_by_the_server() {
    let pki = Pki::new("Multipart");
    let server = TestServer::https("multipart", &pki.leaf).await;
    let client = client_for(&pki, HttpVersions::default());
    let target = url(&server, HOST, "/upload/multipart");
    let photo = pattern(2 * 1024 * 1024 + 5);
    let streamed = pattern(300_000);

    for all_in_memory in [true, false] {
        let mut form = Multipart::new()
            .text("title", "Holidays \u{2600}")
            .text("we\"ird\r\nname", "value")
            .part(
                PartHead::new("photo")
                    .filename("beach \"1\".jpg")
                    .content_type("image/jpeg"),
                photo.clone(),
            );
        let mut pump = None;
        if !all_in_memory {
            let (writer, body) = Body::channel(None);
            pump = Some(tokio::spawn(write_all(writer, streamed.clone())));
            form = form.part(PartHead::new("log").filename("log.bin"), body);
        }
        let (body, content_type) = form.into_body().unwrap();
        assert!(content_type.starts_with("multipart/form-data; boundary=pinwire-"));
        assert_eq!(matches!(body, Body::Bytes(_)), all_in_memory);
        let request = Request::post(&target, body)
            .unwrap()
            .header("content-type", &content_type)
            .unwrap();
        let seen = json(client.execute(request).await.expect("upload")).await;
        if let Some(pump) = pump {
            pump.await.unwrap().unwrap();
        }
        let parts = seen["parts"].as_array().expect("parts");
        assert_eq!(parts.len(), if all_in_memory { 3 } else { 4 });
        assert_eq!(parts[0]["name"], "title");
        assert_eq!(parts[0]["text"], "Holidays \u{2600}");
        assert_eq!(parts[0]["filename"], Value::Null);
        // The quote and line break are escaped as browsers do (%22, %0D%0A), so the head stays intact.
        assert_eq!(parts[1]["name"], "we%22ird%0D%0Aname");
        assert_eq!(parts[1]["text"], "value");
        assert_eq!(parts[2]["name"], "photo");
        assert_eq!(parts[2]["filename"], "beach %221%22.jpg");
        assert_eq!(parts[2]["content_type"], "image/jpeg");
        assert_eq!(parts[2]["length"], photo.len() as u64);
        assert_eq!(parts[2]["sha256"], sha256_hex(&photo));
        if !all_in_memory {
            assert_eq!(parts[3]["filename"], "log.bin");
            assert_eq!(parts[3]["sha256"], sha256_hex(&streamed));
        }
    }
}

#[tokio::test]
async fn a_form_with_a_sized_streamed_part_is_sent_with_its_content_length() {
    let pki = Pki::new("MultipartLength");
    let server = TestServer::https_with("multipart-length", &pki.leaf, Alpn::Http1Only).await;
    let client = client_for(&pki, HttpVersions::default());
    let data = pattern(200_000);
    let (writer, body) = Body::channel(Some(data.len() as u64));
    let pump = tokio::spawn(write_all(writer, data.clone()));
    let (body, content_type) = Multipart::new()
        .text("a", "b")
        .part(PartHead::new("f"), body)
        .into_body()
        .unwrap();
    let request = Request::post(&url(&server, HOST, "/upload/digest"), body)
        .unwrap()
        .header("content-type", &content_type)
        .unwrap();
    let seen = json(client.execute(request).await.unwrap()).await;
    pump.await.unwrap().unwrap();
    assert_eq!(seen["chunked"], false);
    assert_eq!(seen["content_length"], seen["length"].to_string());
}
