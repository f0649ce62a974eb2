//! The rest of a response body, as the foreign languages read it: read ahead of them by the core
//! ([`pinwire::ReadAhead`], from the head on), so that a read takes what has arrived on the caller's
//! thread and only a read that finds nothing waits.

use crate::cancel::CancellationToken;
use crate::error::PinwireError;
use pinwire::read_ahead::Ready;
use pinwire::ReadAhead;
use std::sync::Arc;

/// The most one read ([`BodyReader::ready_chunk`], [`BodyReader::chunk`]) takes of what has arrived, joined
/// into one piece: fewer, larger crossings of the FFI when the app reads slower than the network.
pub(crate) const CHUNK_LIMIT: usize = 256 * 1024;

/// The most reads [`BodyReader::bytes`] makes in a row without suspending (each up to [`CHUNK_LIMIT`]): then
/// it yields, so that a fast body does not hold the foreign thread (Swift's cooperative pool) for long.
const MAX_READY_IN_A_ROW: usize = 16;

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

/// The rest of a response body, read on demand.
#[derive(Debug, uniffi::Object)]
pub struct BodyReader {
    body: ReadAhead,
    /// Cancelled by [`BodyReader::discard`]: reads then say `Closed` (the read ahead alone would say `End`),
    /// and a read waiting in `chunk` ends.
    closed: pinwire::CancellationToken,
}

impl BodyReader {
    pub(crate) fn new(body: ReadAhead) -> BodyReader {
        BodyReader {
            body,
            closed: pinwire::CancellationToken::new(),
        }
    }

    fn closed_error() -> PinwireError {
        PinwireError::Closed {
            what: "response body".into(),
        }
    }
}

#[uniffi::export]
impl BodyReader {
    /// The next piece of the body if some has already arrived, without waiting: what `chunk` returns
    /// (up to 256 KiB of what has arrived, never an empty piece), `WouldBlock` when nothing has, `End` at
    /// the end. Errors are `chunk`'s: the body's own (a timeout, a broken connection, a decoded body over
    /// its bound), after the bytes before them, and `Closed` after `discard`. It takes no cancellation
    /// token since it never waits: the caller checks its own cancellation.
    pub fn ready_chunk(&self) -> Result<BodyRead, PinwireError> {
        if self.closed.is_cancelled() {
            return Err(BodyReader::closed_error());
        }
        let read = self.body.try_read_coalesced(CHUNK_LIMIT);
        // A `discard` from another thread during the read: the read ahead ended (or lost its bytes)
        // because of it, so the body is closed, not at its end.
        if self.closed.is_cancelled() {
            return Err(BodyReader::closed_error());
        }
        Ok(match read? {
            // Without a copy when the piece is not shared (a joined one never is).
            Ready::Data(bytes) => BodyRead::Data { bytes: bytes.into() },
            Ready::End => BodyRead::End,
            Ready::Empty => BodyRead::WouldBlock,
        })
    }

    /// The next piece of the body, or null at its end: waits for data, then takes what has arrived (up
    /// to 256 KiB). The wait runs in the caller's future, woken by the task that reads the body ahead:
    /// no task of its own. A cancelled read says `Cancelled`, even if the body was also closed.
    pub async fn chunk(&self, cancel: Option<Arc<CancellationToken>>) -> Result<Option<Vec<u8>>, PinwireError> {
        let token = cancel.map(|t| t.inner.clone()).unwrap_or_default();
        loop {
            if token.is_cancelled() {
                return Err(PinwireError::Cancelled);
            }
            match self.ready_chunk()? {
                BodyRead::Data { bytes } => return Ok(Some(bytes)),
                BodyRead::End => return Ok(None),
                BodyRead::WouldBlock => {}
            }
            // Cancel-safe: nothing is taken until `ready_chunk` above, on the next turn.
            tokio::select! {
                biased;
                () = token.cancelled() => return Err(PinwireError::Cancelled),
                () = self.closed.cancelled() => {}
                () = self.body.readable() => {}
            }
        }
    }

    /// The rest of the body.
    pub async fn bytes(&self, cancel: Option<Arc<CancellationToken>>) -> Result<Vec<u8>, PinwireError> {
        let mut out = Vec::new();
        let mut ready_in_a_row = 0;
        loop {
            if ready_in_a_row == MAX_READY_IN_A_ROW {
                // The bytes keep arriving: the foreign executor runs its other work before the next read.
                ready_in_a_row = 0;
                tokio::task::yield_now().await;
            }
            if cancel.as_ref().is_some_and(|token| token.is_cancelled()) {
                return Err(PinwireError::Cancelled);
            }
            let chunk = match self.ready_chunk()? {
                BodyRead::Data { bytes } => {
                    ready_in_a_row += 1;
                    Some(bytes)
                }
                BodyRead::End => None,
                BodyRead::WouldBlock => {
                    ready_in_a_row = 0;
                    self.chunk(cancel.clone()).await?
                }
            };
            let Some(chunk) = chunk else {
                return Ok(out);
            };
            out.extend_from_slice(&chunk);
        }
    }

    /// Discards the rest of the body and releases the connection; a read in flight ends with `Closed`.
    pub fn discard(&self) {
        self.closed.cancel();
        self.body.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ClientOptions, HttpRequest, HttpResponse, PinwireClient, ResolveOverride};
    use crate::runtime;
    use pinwire_testserver::pki::Authority;
    use pinwire_testserver::TestServer;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    const HOST: &str = "body.pinwire.test";

    /// A test server (on a runtime of its own) and a client trusting only its root.
    fn server_and_client(max_decoded_size: Option<u64>) -> (tokio::runtime::Runtime, TestServer, Arc<PinwireClient>) {
        server_and_client_with(|options| options.max_decoded_size = max_decoded_size)
    }

    fn server_and_client_with(
        configure: impl FnOnce(&mut ClientOptions),
    ) -> (tokio::runtime::Runtime, TestServer, Arc<PinwireClient>) {
        let root = Authority::root("Body Test Root");
        let leaf = root.leaf([HOST]);
        let rt = tokio::runtime::Runtime::new().expect("a runtime for the server");
        let server = rt.block_on(TestServer::https("body", &leaf));
        let mut options = ClientOptions {
            trusted_roots_pem: vec![root.cert_pem()],
            include_platform_trust: false,
            resolve: vec![ResolveOverride {
                host: HOST.into(),
                address: "127.0.0.1".into(),
            }],
            ..ClientOptions::defaults()
        };
        configure(&mut options);
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

    /// The test server's `/trickle` and `/pattern` bytes: byte `i` is `i % 251`.
    fn assert_pattern(body: &[u8]) {
        assert!(
            body.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8),
            "bytes out of order"
        );
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
        assert_pattern(&body);
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
        assert_pattern(&body);
    }

    /// After `discard`, a read says `Closed`, whether it would have found bytes or not.
    #[test]
    fn a_discarded_body_is_closed() {
        let (_rt, server, client) = server_and_client(None);
        // `/slow-body` sends "first", then stalls.
        let response = get(&client, &server, "/slow-body");
        let reader = response.body.clone().expect("the body stalls");
        read_first(&response, &reader);
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

    /// Reads until `/slow-body`'s first five bytes are in; then nothing more arrives.
    fn read_first(response: &HttpResponse, reader: &BodyReader) {
        let mut first = response.body_start.clone();
        let deadline = Instant::now() + Duration::from_secs(10);
        while first.len() < 5 && Instant::now() < deadline {
            match reader.ready_chunk().expect("a read") {
                BodyRead::Data { bytes } => first.extend_from_slice(&bytes),
                BodyRead::WouldBlock => std::thread::sleep(Duration::from_millis(5)),
                BodyRead::End => panic!("the body does not end"),
            }
        }
        assert_eq!(first, b"first");
    }

    /// A `discard` from another thread ends a read that waits, with `Closed`.
    #[test]
    fn a_discard_from_another_thread_ends_a_waiting_read() {
        let (_rt, server, client) = server_and_client(None);
        let response = get(&client, &server, "/slow-body");
        let reader = response.body.clone().expect("the body stalls");
        read_first(&response, &reader);
        let discarding = std::thread::spawn({
            let reader = reader.clone();
            move || {
                std::thread::sleep(Duration::from_millis(200));
                reader.discard();
            }
        });
        let started = Instant::now();
        let read = runtime::block_on(async {
            tokio::time::timeout(Duration::from_secs(20), reader.chunk(None))
                .await
                .expect("the discard ends the wait")
        });
        assert!(matches!(read, Err(PinwireError::Closed { .. })), "{read:?}");
        assert!(started.elapsed() >= Duration::from_millis(150), "the read did wait");
        discarding.join().expect("the discarding thread");
        assert!(matches!(reader.ready_chunk(), Err(PinwireError::Closed { .. })));
    }

    /// A read whose token is cancelled says `Cancelled`, before and during its wait, even if the body was
    /// closed too; the body stays readable after a cancelled wait.
    #[test]
    fn cancellation_beats_close() {
        let (_rt, server, client) = server_and_client(None);
        let response = get(&client, &server, "/slow-body");
        let reader = response.body.clone().expect("the body stalls");
        read_first(&response, &reader);
        let token = CancellationToken::new();
        let cancelling = std::thread::spawn({
            let token = token.clone();
            move || {
                std::thread::sleep(Duration::from_millis(100));
                token.cancel();
            }
        });
        let read = runtime::block_on(reader.chunk(Some(token.clone())));
        cancelling.join().expect("the cancelling thread");
        assert!(matches!(read, Err(PinwireError::Cancelled)), "{read:?}");
        assert_eq!(reader.ready_chunk().expect("still open"), BodyRead::WouldBlock);
        reader.discard();
        let read = runtime::block_on(reader.chunk(Some(token.clone())));
        assert!(matches!(read, Err(PinwireError::Cancelled)), "{read:?}");
        let read = runtime::block_on(reader.bytes(Some(token)));
        assert!(matches!(read, Err(PinwireError::Cancelled)), "{read:?}");
        assert!(matches!(
            runtime::block_on(reader.chunk(None)),
            Err(PinwireError::Closed { .. })
        ));
    }

    /// A body nobody reads, dropped with its response (a Swift `Response` freed), lets its connection go;
    /// over HTTP/1.1 an unfinished body closes it.
    #[test]
    fn an_unread_body_dropped_releases_its_connection() {
        let (rt, server, client) = server_and_client_with(|options| options.http1_only = true);
        let response = get(&client, &server, "/slow-body");
        assert!(response.body.is_some(), "the body stalls");
        drop(response);
        assert!(
            rt.block_on(server.wait_closed(1, Duration::from_secs(20))),
            "the connection was not closed"
        );
    }

    /// `bytes` reads a large body whole, past its bound of reads in a row without a yield.
    #[test]
    fn bytes_reads_a_large_body_whole() {
        let (_rt, server, client) = server_and_client(None);
        let size = 8 * 1024 * 1024 + 3;
        let response = get(&client, &server, &format!("/pattern/{size}"));
        let reader = response.body.expect("8 MiB do not come with the head");
        let rest = runtime::block_on(reader.bytes(None)).expect("the body");
        let body = [response.body_start, rest].concat();
        assert_eq!(body.len(), size);
        assert_pattern(&body);
    }
}
