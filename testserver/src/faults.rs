//! Servers that misbehave in one defined way each, for the fault tests and the soak.
//!
//! Each [`FaultServer`] listens on its own loopback port and does the same wrong thing to every
//! connection, so a test (or a suite in another process) picks a fault by port. Faults that happen
//! before or inside the TLS handshake cannot be chosen by request path, hence one listener per fault.
//! Stalls and redirect loops need no special server: [`crate::TestServer`]'s `/stall`, `/slow-body` and
//! `/loop` routes are those faults.

use crate::pki::Identity;
use crate::server::{server_tls_config, Alpn};
use bytes::Bytes;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// What a [`FaultServer`] does to every connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Fault {
    /// Completes the TLS handshake, reads the request, then resets the TCP connection (RST) without
    /// answering.
    ResetBeforeResponse,
    /// Sends `200` with `Content-Length: 1048576` and 64 KiB of body, then resets the connection.
    ResetMidBody,
    /// Sends `200` with `Content-Length: 100000` and 1000 bytes of body, then closes cleanly
    /// (TLS close_notify and FIN): the body is shorter than announced.
    ShortBody,
    /// Reads the ClientHello and answers with a fatal TLS alert (handshake_failure).
    TlsAlert,
    /// Answers the ClientHello with bytes that are not TLS (a plain-HTTP response), then closes.
    Garbage,
    /// Sends a response head of 10 MiB (many headers), HTTP/1.1.
    HugeHeaders,
    /// HTTP/2: sends response headers and 64 KiB of body, then GOAWAY (INTERNAL_ERROR) and closes.
    Http2Goaway,
    /// HTTP/2: sends response headers and 64 KiB of body, then RST_STREAM (INTERNAL_ERROR) on it.
    Http2Reset,
}

impl Fault {
    /// Every fault, in a fixed order.
    pub const ALL: [Fault; 8] = [
        Fault::ResetBeforeResponse,
        Fault::ResetMidBody,
        Fault::ShortBody,
        Fault::TlsAlert,
        Fault::Garbage,
        Fault::HugeHeaders,
        Fault::Http2Goaway,
        Fault::Http2Reset,
    ];

    /// A short name (`reset-before-response`, ...), as the test server binary prints it.
    pub fn name(self) -> &'static str {
        match self {
            Fault::ResetBeforeResponse => "reset-before-response",
            Fault::ResetMidBody => "reset-mid-body",
            Fault::ShortBody => "short-body",
            Fault::TlsAlert => "tls-alert",
            Fault::Garbage => "garbage",
            Fault::HugeHeaders => "huge-headers",
            Fault::Http2Goaway => "http2-goaway",
            Fault::Http2Reset => "http2-reset",
        }
    }
}

/// Size of the [`Fault::HugeHeaders`] response head.
pub const HUGE_HEADERS_BYTES: usize = 10 * 1024 * 1024;
const PARTIAL_BODY: usize = 64 * 1024;

/// A listener that applies one [`Fault`] to every connection; it stops when dropped.
pub struct FaultServer {
    addr: SocketAddr,
    fault: Fault,
    connections: Arc<AtomicUsize>,
    _stop: watch::Sender<bool>,
}

impl std::fmt::Debug for FaultServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultServer")
            .field("addr", &self.addr)
            .field("fault", &self.fault)
            .finish()
    }
}

impl FaultServer {
    /// Starts a server presenting `identity` (for the faults that complete a handshake).
    pub async fn start(fault: Fault, identity: &Identity) -> FaultServer {
        let alpn = match fault {
            Fault::Http2Goaway | Fault::Http2Reset => Alpn::Both,
            _ => Alpn::Http1Only,
        };
        let mut config = server_tls_config(identity, alpn);
        if matches!(fault, Fault::Http2Goaway | Fault::Http2Reset) {
            config.alpn_protocols = vec![b"h2".to_vec()];
        }
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let connections = Arc::new(AtomicUsize::new(0));
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(accept_loop(listener, fault, acceptor, connections.clone(), stop_rx));
        FaultServer {
            addr,
            fault,
            connections,
            _stop: stop_tx,
        }
    }

    /// The fault it applies.
    pub fn fault(&self) -> Fault {
        self.fault
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many connections it has accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// A loopback port nothing listens on (bound, then released): connecting to it is refused.
pub async fn refused_port() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind loopback");
    listener.local_addr().expect("local addr").port()
}

async fn accept_loop(
    listener: TcpListener,
    fault: Fault,
    acceptor: TlsAcceptor,
    connections: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted { Ok((tcp, _)) => tcp, Err(_) => continue },
            _ = stop.changed() => return,
        };
        connections.fetch_add(1, Ordering::SeqCst);
        let acceptor = acceptor.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            // Bounded: a client that goes away mid-fault must not leave a task behind for long.
            tokio::select! {
                _ = tokio::time::timeout(Duration::from_secs(10), misbehave(tcp, fault, acceptor)) => {}
                _ = stop.changed() => {}
            }
        });
    }
}

async fn misbehave(mut tcp: TcpStream, fault: Fault, acceptor: TlsAcceptor) {
    match fault {
        Fault::TlsAlert => {
            read_some(&mut tcp).await;
            // A TLS 1.2-framed fatal alert record: level 2 (fatal), description 40 (handshake_failure).
            let _ = tcp.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]).await;
            let _ = tcp.shutdown().await;
        }
        Fault::Garbage => {
            read_some(&mut tcp).await;
            let _ = tcp
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nnot TLS :-(")
                .await;
            let _ = tcp.shutdown().await;
        }
        Fault::ResetBeforeResponse | Fault::ResetMidBody | Fault::ShortBody | Fault::HugeHeaders => {
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            if !read_request_head(&mut tls).await {
                return;
            }
            match fault {
                Fault::ResetBeforeResponse => reset(tls.into_inner().0),
                Fault::ResetMidBody => {
                    let head = "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n";
                    let _ = tls.write_all(head.as_bytes()).await;
                    let _ = tls.write_all(&vec![b'x'; PARTIAL_BODY]).await;
                    let _ = tls.flush().await;
                    // Let the client read what was sent before the reset discards it.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    reset(tls.into_inner().0);
                }
                Fault::ShortBody => {
                    let head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
                    let _ = tls.write_all(head.as_bytes()).await;
                    let _ = tls.write_all(&[b'x'; 1000]).await;
                    let _ = tls.shutdown().await;
                }
                _ => {
                    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\n").await;
                    // 10 MiB of `x-fill-<n>: <1000 x>` lines; a client should stop reading long before.
                    let value = "a".repeat(1000);
                    let mut sent = 0;
                    let mut n = 0;
                    while sent < HUGE_HEADERS_BYTES {
                        let line = format!("x-fill-{n}: {value}\r\n");
                        if tls.write_all(line.as_bytes()).await.is_err() {
                            return;
                        }
                        sent += line.len();
                        n += 1;
                    }
                    let _ = tls.write_all(b"content-length: 0\r\n\r\n").await;
                    let _ = tls.shutdown().await;
                }
            }
        }
        Fault::Http2Goaway | Fault::Http2Reset => {
            let Ok(tls) = acceptor.accept(tcp).await else { return };
            http2_fault(tls, fault).await;
        }
    }
}

async fn http2_fault<T>(io: T, fault: Fault)
where
    T: AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let Ok(mut connection) = h2::server::handshake(io).await else {
        return;
    };
    let Some(Ok((_request, mut respond))) = connection.accept().await else {
        return;
    };
    let Ok(mut body) = respond.send_response(http::Response::new(()), false) else {
        return;
    };
    let _ = body.send_data(Bytes::from(vec![b'x'; PARTIAL_BODY]), false);
    // Drive the connection so the headers and data go out before the fault.
    let drive = async {
        let _ = tokio::time::timeout(Duration::from_millis(200), connection.accept()).await;
    };
    drive.await;
    match fault {
        Fault::Http2Reset => {
            body.send_reset(h2::Reason::INTERNAL_ERROR);
            // Keep serving the connection so only the stream dies, not the connection.
            let _ = tokio::time::timeout(Duration::from_secs(5), async {
                while let Some(Ok((_, mut respond))) = connection.accept().await {
                    respond.send_reset(h2::Reason::REFUSED_STREAM);
                }
            })
            .await;
        }
        _ => {
            connection.abrupt_shutdown(h2::Reason::INTERNAL_ERROR);
            let _ = tokio::time::timeout(Duration::from_secs(5), async {
                while let Some(Ok(_)) = connection.accept().await {}
            })
            .await;
        }
    }
}

/// Closes with a TCP reset instead of a FIN.
fn reset(tcp: TcpStream) {
    let _ = tcp.set_zero_linger();
    drop(tcp);
}

async fn read_some(tcp: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf)).await;
}

/// Reads until the end of an HTTP/1 request head (`\r\n\r\n`); false if the client went away first.
async fn read_request_head<S: AsyncRead + Unpin>(stream: &mut S) -> bool {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return false;
        }
    }
    true
}
