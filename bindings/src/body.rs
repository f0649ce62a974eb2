//! Body reads that take what has already arrived on the caller's thread, without a task of their own.
//!
//! [`BodyReader::chunk`] is an async export, each call a task on the runtime: even bytes that are already
//! there cost two thread wake-ups (onto a runtime worker, then back to the foreign executor). A reader that
//! calls [`BodyReader::ready_chunk`] first awaits `chunk` only when nothing has arrived, as the Kotlin
//! API's JNI reads do.

use crate::client::{BodyReader, CHUNK_LIMIT};
use crate::error::PinwireError;
use crate::runtime;

/// What [`BodyReader::ready_chunk`] found.
#[derive(Debug, PartialEq, Eq, uniffi::Enum)]
pub enum BodyRead {
    /// The next piece of the body (never empty).
    Data {
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// Nothing has arrived yet: `chunk` waits for it.
    WouldBlock,
    /// The end of the body.
    End,
}

#[uniffi::export]
impl BodyReader {
    /// The next piece of the body if some has already arrived, without waiting: what `chunk` returns
    /// (up to 256 KiB of what has arrived, never an empty piece), `WouldBlock` when nothing has (or a
    /// `chunk` call is reading), `End` at the end. Errors are `chunk`'s: the body's own (a timeout, a
    /// broken connection, a decoded body over its bound) and `Closed` after `discard`. It takes no
    /// cancellation token since it never waits: the caller checks its own cancellation.
    pub fn ready_chunk(&self) -> Result<BodyRead, PinwireError> {
        // Held by a `chunk` in flight, which gets what arrives.
        let Ok(mut guard) = self.response.try_lock() else {
            return Ok(BodyRead::WouldBlock);
        };
        let Some(body) = guard.as_mut().filter(|_| !self.closed.is_cancelled()) else {
            return Err(BodyReader::closed_error());
        };
        // `chunk`'s own read, polled once: what it gathers after its first piece is taken without
        // waiting, and a read that is not ready loses nothing when dropped.
        let read = runtime::poll_once(body.chunk_coalesced(CHUNK_LIMIT));
        if self.closed.is_cancelled() {
            // `discard` came while this held the body, so it could not drop it: drop it here.
            guard.take();
            return Err(BodyReader::closed_error());
        }
        Ok(match read {
            None => BodyRead::WouldBlock,
            Some(chunk) => match chunk? {
                // Without a copy: the piece gathered for this read is not shared.
                Some(bytes) => BodyRead::Data { bytes: bytes.into() },
                None => BodyRead::End,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ClientOptions, HttpRequest, HttpResponse, PinwireClient, ResolveOverride};
    use pinwire_testserver::pki::Authority;
    use pinwire_testserver::TestServer;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    const HOST: &str = "body.pinwire.test";

    /// A test server (on a runtime of its own) and a client trusting only its root.
    fn server_and_client(max_decoded_size: Option<u64>) -> (tokio::runtime::Runtime, TestServer, Arc<PinwireClient>) {
        let root = Authority::root("Body Test Root");
        let leaf = root.leaf([HOST]);
        let rt = tokio::runtime::Runtime::new().expect("a runtime for the server");
        let server = rt.block_on(TestServer::https("body", &leaf));
        let options = ClientOptions {
            trusted_roots_pem: vec![root.cert_pem()],
            include_platform_trust: false,
            resolve: vec![ResolveOverride {
                host: HOST.into(),
                address: "127.0.0.1".into(),
            }],
            max_decoded_size,
            ..ClientOptions::defaults()
        };
        let client = PinwireClient::new(options, None, None, None).expect("a client");
        (rt, server, client)
    }

    fn get(client: &PinwireClient, server: &TestServer, path: &str) -> HttpResponse {
        let request = HttpRequest {
            method: "GET".into(),
            url: format!("https://{HOST}:{}{path}", server.port()),
            headers: Vec::new(),
            body: None,
            body_writer: None,
            call_timeout: None,
            follow_redirects: true,
            decompress: None,
        };
        runtime::block_on(client.execute(request, None)).expect("a response")
    }

    /// Reads with `ready_chunk` alone, sleeping a little on `WouldBlock`, until the end or an error
    /// (bounded: 20 s). Returns the bytes, how often nothing had arrived, and the error if any.
    fn read_ready(reader: &BodyReader) -> (Vec<u8>, usize, Option<PinwireError>) {
        let (mut out, mut waits) = (Vec::new(), 0);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            match reader.ready_chunk() {
                Ok(BodyRead::Data { bytes }) => {
                    assert!(!bytes.is_empty(), "an empty piece");
                    assert!(bytes.len() <= CHUNK_LIMIT + 64 * 1024, "{} bytes", bytes.len());
                    out.extend_from_slice(&bytes);
                }
                Ok(BodyRead::End) => return (out, waits, None),
                Ok(BodyRead::WouldBlock) => {
                    waits += 1;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(error) => return (out, waits, Some(error)),
            }
        }
        panic!("the body did not end within 20 s ({} bytes read)", out.len());
    }

    /// A body that arrives over time is read whole, in order, to its end, by `ready_chunk` alone; after
    /// the end it stays at the end.
    #[test]
    fn reads_a_body_that_arrives_over_time_to_its_end() {
        let (_rt, server, client) = server_and_client(None);
        let size = 100_000;
        let response = get(&client, &server, &format!("/trickle/{size}"));
        let reader = response.body.expect("the body is still arriving");
        let (rest, waits, error) = read_ready(&reader);
        assert!(error.is_none(), "{error:?}");
        let body = [response.body_start, rest].concat();
        assert_eq!(body.len(), size);
        assert!(
            body.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8),
            "bytes out of order"
        );
        assert!(waits > 0, "the body arrives over ~0.5 s: some reads found nothing");
        assert_eq!(reader.ready_chunk().expect("still at the end"), BodyRead::End);
        // The async read agrees.
        assert_eq!(runtime::block_on(reader.chunk(None)).expect("the end"), None);
    }

    /// Reads that take what has arrived and reads that wait alternate on one body without losing a byte;
    /// `bytes` (which does the same) returns the rest.
    #[test]
    fn ready_reads_and_waiting_reads_share_one_body() {
        let (_rt, server, client) = server_and_client(None);
        let size = 300_000;
        let response = get(&client, &server, &format!("/trickle/{size}"));
        let reader = response.body.expect("the body is still arriving");
        let mut body = response.body_start;
        for _ in 0..10 {
            match reader.ready_chunk().expect("a read") {
                BodyRead::Data { bytes } => body.extend_from_slice(&bytes),
                BodyRead::WouldBlock => {
                    let chunk = runtime::block_on(reader.chunk(None)).expect("a read");
                    body.extend_from_slice(&chunk.expect("more before the end"));
                }
                BodyRead::End => panic!("the end after {} bytes", body.len()),
            }
        }
        body.extend_from_slice(&runtime::block_on(reader.bytes(None)).expect("the rest"));
        assert_eq!(body.len(), size);
        assert!(
            body.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8),
            "bytes out of order"
        );
    }

    /// After `discard`, a read says `Closed`, whether it would have found bytes or not.
    #[test]
    fn a_discarded_body_is_closed() {
        let (_rt, server, client) = server_and_client(None);
        // `/slow-body` sends "first", then stalls.
        let response = get(&client, &server, "/slow-body");
        let reader = response.body.expect("the body stalls");
        let mut first = response.body_start;
        let deadline = Instant::now() + Duration::from_secs(10);
        while first.len() < 5 && Instant::now() < deadline {
            match reader.ready_chunk().expect("a read") {
                BodyRead::Data { bytes } => first.extend_from_slice(&bytes),
                BodyRead::WouldBlock => std::thread::sleep(Duration::from_millis(5)),
                BodyRead::End => panic!("the body does not end"),
            }
        }
        assert_eq!(first, b"first");
        assert_eq!(reader.ready_chunk().expect("a read"), BodyRead::WouldBlock);
        reader.discard();
        assert!(matches!(reader.ready_chunk(), Err(PinwireError::Closed { .. })));
        assert!(matches!(
            runtime::block_on(reader.chunk(None)),
            Err(PinwireError::Closed { .. })
        ));
    }

    /// A decoded body over the client's bound fails the read that crosses it with the same error as
    /// `chunk`: `DecodedBodyTooLarge`.
    #[test]
    fn a_decompression_bomb_fails_the_same_way() {
        let (_rt, server, client) = server_and_client(Some(4 << 20));
        // The client offers gzip itself (a request's own Accept-Encoding would turn decoding off).
        let response = get(&client, &server, "/bomb/gzip");
        let reader = response.body.expect("the bomb is still arriving");
        let (read, _, error) = read_ready(&reader);
        assert!(
            matches!(error, Some(PinwireError::DecodedBodyTooLarge { .. })),
            "{error:?} after {} bytes",
            read.len()
        );
        assert!(response.body_start.len() + read.len() <= 4 << 20);
    }
}
