//! A small HTTPS (or plain HTTP) server on 127.0.0.1 with a few routes the suites need.
//!
//! Routes:
//! - `/` and anything unknown: `200 hello from <name>`
//! - `/version`: the HTTP version the request arrived with (`HTTP/1.1`, `HTTP/2.0`)
//! - `/echo`: method, the `x-test` header and the body length, as text
//! - `/redirect?to=<url>`: `302` to `<url>`
//! - `/loop`: `302` to itself
//! - `/collect`: records the request body (a report collector), `204`
//! - `/collected`: the bodies `/collect` received, as a JSON array of strings
//! - `/collected/last`: the last body `/collect` received (or [`TestServer::collect`] recorded), as it was
//! - `/open-gate`: the same as [`TestServer::open_gate`], for suites in other processes
//! - `/status/<code>`: an empty response with that status
//! - `/stall`: never answers (for timeouts and cancellation)
//! - `/slow-body`: sends headers and one chunk, then stalls the body
//! - `/bytes/<n>`: `n` bytes of `x` streamed in 64 KiB chunks
//! - `/pattern/<n>`: `n` bytes, byte `i` being `i % 251`, streamed in 64 KiB chunks (a body whose
//!   pieces cannot be swapped, lost or repeated unnoticed)
//! - `/trickle/<n>`: the same `n` bytes as `/pattern/<n>`, 4 KiB at a time, 20 ms apart, the first
//!   piece followed by an empty frame: a body that arrives over time, partly while the client reads
//!   (one empty frame only: h2 takes many as an attack)
//! - `/gated/<n>`: 1 MiB, then waits until [`TestServer::open_gate`] is called, then the rest up to `n`
//!   bytes: a client that buffers the whole body before handing any of it over never gets to open the
//!   gate.
//! - `/upload/...`: the upload routes of [`crate::uploads`]
//! - `/ws/<id>`, `/ws-state/<id>`: the WebSocket echo (see the `websocket` module)
//! - compressed bodies, a decompression bomb and cookies: see [`crate::content`].

use crate::pki::Identity;
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio_rustls::TlsAcceptor;

pub(crate) type Body = BoxBody<Bytes, Infallible>;

/// Which HTTP versions the server offers by ALPN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alpn {
    /// `h2` and `http/1.1`.
    Both,
    /// Only `http/1.1`.
    Http1Only,
}

/// Counters the tests read.
#[derive(Debug, Default)]
pub struct Stats {
    /// TCP connections accepted.
    pub accepted: AtomicUsize,
    /// TLS handshakes that completed.
    pub handshakes: AtomicUsize,
    /// Connections that ended (closed by either side, or failed).
    pub closed: AtomicUsize,
    /// Requests received.
    pub requests: AtomicUsize,
}

pub(crate) struct Shared {
    collected: std::sync::Mutex<Vec<Bytes>>,
    name: String,
    stats: Arc<Stats>,
    pub(crate) gate: Notify,
    pub(crate) gate_open: std::sync::atomic::AtomicBool,
}

/// A running server; it stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _stop: watch::Sender<bool>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .field("name", &self.shared.name)
            .finish()
    }
}

impl TestServer {
    /// Starts an HTTPS server presenting `identity`, offering h2 and http/1.1.
    pub async fn https(name: &str, identity: &Identity) -> TestServer {
        Self::https_with(name, identity, Alpn::Both).await
    }

    /// Starts an HTTPS server presenting `identity` with the given ALPN offer.
    pub async fn https_with(name: &str, identity: &Identity, alpn: Alpn) -> TestServer {
        let config = server_tls_config(identity, alpn);
        Self::start(name, Some(TlsAcceptor::from(Arc::new(config)))).await
    }

    /// Starts a plain-HTTP server.
    pub async fn http(name: &str) -> TestServer {
        Self::start(name, None).await
    }

    async fn start(name: &str, tls: Option<TlsAcceptor>) -> TestServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            collected: std::sync::Mutex::new(Vec::new()),
            name: name.to_string(),
            stats: Arc::new(Stats::default()),
            gate: Notify::new(),
            gate_open: false.into(),
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(accept_loop(listener, tls, shared.clone(), stop_rx));
        TestServer {
            addr,
            shared,
            _stop: stop_tx,
        }
    }

    /// Records `body` as if `/collect` had received it, so `/collected/last` serves it.
    pub fn collect(&self, body: impl Into<Bytes>) {
        self.shared.collected.lock().expect("lock").push(body.into());
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The server's counters.
    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    /// The bodies `/collect` received, in order.
    pub fn collected(&self) -> Vec<Bytes> {
        self.shared.collected.lock().expect("lock").clone()
    }

    /// Lets `/gated/<n>` responses send the rest of their body.
    pub fn open_gate(&self) {
        self.shared.gate_open.store(true, Ordering::SeqCst);
        self.shared.gate.notify_waiters();
    }

    /// Waits until the server has seen `n` connections end, or `timeout` passes; returns whether it did.
    pub async fn wait_closed(&self, n: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if self.shared.stats.closed.load(Ordering::SeqCst) >= n {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }
}

/// A rustls server config for `identity`.
pub fn server_tls_config(identity: &Identity, alpn: Alpn) -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(identity.chain.clone(), identity.private_key())
        .expect("server certificate");
    config.alpn_protocols = match alpn {
        Alpn::Both => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        Alpn::Http1Only => vec![b"http/1.1".to_vec()],
    };
    config
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
            _ = stop.changed() => return,
        };
        shared.stats.accepted.fetch_add(1, Ordering::SeqCst);
        let shared = shared.clone();
        let tls = tls.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = serve_connection(tcp, tls, shared.clone()) => {}
                _ = stop.changed() => {}
            }
            shared.stats.closed.fetch_add(1, Ordering::SeqCst);
        });
    }
}

async fn serve_connection(tcp: tokio::net::TcpStream, tls: Option<TlsAcceptor>, shared: Arc<Shared>) {
    let service_shared = shared.clone();
    let service = hyper::service::service_fn(move |req| route(req, service_shared.clone()));
    let builder = auto::Builder::new(TokioExecutor::new());
    match tls {
        Some(acceptor) => {
            let Ok(stream) = acceptor.accept(tcp).await else { return };
            shared.stats.handshakes.fetch_add(1, Ordering::SeqCst);
            let _ = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .await;
        }
        None => {
            let _ = builder.serve_connection_with_upgrades(TokioIo::new(tcp), service).await;
        }
    }
}

fn full(text: impl Into<Bytes>) -> Body {
    Full::new(text.into()).map_err(|never| match never {}).boxed()
}

fn response(status: StatusCode, body: Body) -> Response<Body> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp
}

const CHUNK: usize = 64 * 1024;

fn chunks(total: usize) -> impl futures_util::Stream<Item = Result<Frame<Bytes>, Infallible>> + Send {
    let chunk = Bytes::from(vec![b'x'; CHUNK]);
    stream::iter((0..total.div_ceil(CHUNK)).map(move |i| {
        let len = CHUNK.min(total - i * CHUNK);
        Ok(Frame::data(chunk.slice(..len)))
    }))
}

async fn route(req: Request<Incoming>, shared: Arc<Shared>) -> Result<Response<Body>, Infallible> {
    shared.stats.requests.fetch_add(1, Ordering::SeqCst);
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if let Some(resp) = crate::content::route(&parts, &query, req.headers(), &shared) {
        return Ok(resp);
    }
    let resp = match parts.as_slice() {
        ["upload", ..] => crate::uploads::route(&parts, req).await,
        ["version"] => response(StatusCode::OK, full(format!("{:?}", req.version()))),
        ["echo"] => {
            let method = req.method().to_string();
            let header = req
                .headers()
                .get("x-test")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            response(
                StatusCode::OK,
                full(format!("{method} x-test={header} body={}", body.len())),
            )
        }
        ["redirect"] => {
            // Tests pass the target unencoded: `:` and `/` are legal in a query.
            let to = query.strip_prefix("to=").unwrap_or("/");
            let mut resp = response(StatusCode::FOUND, full(""));
            resp.headers_mut()
                .insert("location", to.parse().expect("location header"));
            resp
        }
        ["collect"] => {
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            shared.collected.lock().expect("lock").push(body);
            response(StatusCode::NO_CONTENT, full(""))
        }
        ["collected"] => {
            // What `/collect` received, as a JSON array of strings, for suites in other processes.
            let bodies: Vec<String> = shared
                .collected
                .lock()
                .expect("lock")
                .iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect();
            response(
                StatusCode::OK,
                full(serde_json::to_string(&bodies).expect("strings serialise")),
            )
        }
        ["collected", "last"] => {
            // The last body `/collect` received, as it was: a file to download (a signed pin update).
            let last = shared.collected.lock().expect("lock").last().cloned();
            match last {
                Some(body) => response(StatusCode::OK, full(body)),
                None => response(StatusCode::NOT_FOUND, full("")),
            }
        }
        ["open-gate"] => {
            // For suites in other processes (Kotlin, Swift), which cannot call `open_gate`.
            shared.gate_open.store(true, Ordering::SeqCst);
            shared.gate.notify_waiters();
            response(StatusCode::OK, full("gate open"))
        }
        ["loop"] => {
            let mut resp = response(StatusCode::FOUND, full(""));
            resp.headers_mut()
                .insert("location", "/loop".parse().expect("location header"));
            resp
        }
        ["status", code] => {
            let status = code
                .parse::<u16>()
                .ok()
                .and_then(|c| StatusCode::from_u16(c).ok())
                .unwrap_or(StatusCode::OK);
            response(status, full(""))
        }
        ["stall"] => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            response(StatusCode::OK, full(""))
        }
        ["slow-body"] => {
            let first = stream::once(async { Ok(Frame::data(Bytes::from_static(b"first"))) });
            let stall = stream::once(async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(Frame::data(Bytes::new()))
            });
            response(StatusCode::OK, BodyExt::boxed(StreamBody::new(first.chain(stall))))
        }
        ["bytes", n] => {
            let n: usize = n.parse().unwrap_or(0);
            response(StatusCode::OK, BodyExt::boxed(StreamBody::new(chunks(n))))
        }
        ["pattern", n] => {
            let n: usize = n.parse().unwrap_or(0);
            let body = stream::iter((0..n.div_ceil(CHUNK)).map(move |i| {
                let range = i * CHUNK..n.min((i + 1) * CHUNK);
                Ok(Frame::data(range.map(|k| (k % 251) as u8).collect::<Bytes>()))
            }));
            response(StatusCode::OK, BodyExt::boxed(StreamBody::new(body)))
        }
        ["trickle", n] => {
            let n: usize = n.parse().unwrap_or(0);
            const PIECE: usize = 4096;
            let body = stream::iter(0..n.div_ceil(PIECE))
                .then(move |i| async move {
                    if i > 0 {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    let range = i * PIECE..n.min((i + 1) * PIECE);
                    let piece = range.map(|k| (k % 251) as u8).collect::<Bytes>();
                    let empty = (i == 0).then(|| Ok(Frame::data(Bytes::new())));
                    stream::iter(std::iter::once(Ok(Frame::data(piece))).chain(empty))
                })
                .flatten();
            response(StatusCode::OK, BodyExt::boxed(StreamBody::new(body)))
        }
        ["gated", n] => {
            let n: usize = n.parse().unwrap_or(0);
            let head = (1024 * 1024).min(n);
            let body = chunks(head)
                .chain(crate::content::gate(&shared))
                .chain(chunks(n - head));
            response(StatusCode::OK, BodyExt::boxed(StreamBody::new(body)))
        }
        _ if crate::websocket::handles(&path) => crate::websocket::route(req).await,
        _ => response(StatusCode::OK, full(format!("hello from {}", shared.name))),
    };
    Ok(resp)
}
