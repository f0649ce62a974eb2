//! HTTP CONNECT proxies on 127.0.0.1: one that tunnels bytes to the origin untouched, and one that
//! intercepts TLS the way Charles or mitmproxy do, presenting a certificate for the requested host
//! issued by its own CA.

use crate::pki::Authority;
use crate::server::{server_tls_config, Alpn};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// What the proxy does with a CONNECT.
pub enum ProxyMode {
    /// Connects to the requested authority (resolved through the proxy's own `hosts` map, since
    /// test names do not resolve) and copies bytes both ways.
    Tunnel {
        /// Host name to loopback address.
        hosts: HashMap<String, SocketAddr>,
    },
    /// Answers the TLS handshake itself with a leaf for the requested host from `ca`, and then
    /// answers every HTTP/1.1 request with `200 intercepted`.
    Intercept {
        /// The interceptor's CA.
        ca: Arc<Authority>,
    },
}

/// A running proxy; it stops when dropped.
pub struct TestProxy {
    addr: SocketAddr,
    connects: Arc<Mutex<Vec<String>>>,
    tunnelled: Arc<AtomicUsize>,
    _stop: watch::Sender<bool>,
}

impl std::fmt::Debug for TestProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestProxy").field("addr", &self.addr).finish()
    }
}

impl TestProxy {
    /// Starts the proxy.
    pub async fn start(mode: ProxyMode) -> TestProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let connects = Arc::new(Mutex::new(Vec::new()));
        let tunnelled = Arc::new(AtomicUsize::new(0));
        let (stop_tx, mut stop_rx) = watch::channel(false);
        let mode = Arc::new(mode);
        let (c, t) = (connects.clone(), tunnelled.clone());
        tokio::spawn(async move {
            loop {
                let (tcp, _) = tokio::select! {
                    a = listener.accept() => match a { Ok(a) => a, Err(_) => continue },
                    _ = stop_rx.changed() => return,
                };
                let (mode, c, t) = (mode.clone(), c.clone(), t.clone());
                tokio::spawn(async move {
                    let _ = handle(tcp, &mode, &c, &t).await;
                });
            }
        });
        TestProxy {
            addr,
            connects,
            tunnelled,
            _stop: stop_tx,
        }
    }

    /// The proxy URL, `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The authorities clients asked to CONNECT to, in order.
    pub fn connects(&self) -> Vec<String> {
        self.connects.lock().expect("lock").clone()
    }

    /// How many tunnels were opened to an origin.
    pub fn tunnelled(&self) -> usize {
        self.tunnelled.load(Ordering::SeqCst)
    }
}

async fn handle(
    tcp: TcpStream,
    mode: &ProxyMode,
    connects: &Mutex<Vec<String>>,
    tunnelled: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(tcp);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).await?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut words = request_line.split_whitespace();
    let (Some("CONNECT"), Some(authority)) = (words.next(), words.next()) else {
        reader
            .get_mut()
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    };
    let authority = authority.to_string();
    connects.lock().expect("lock").push(authority.clone());
    let host = authority
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(&authority)
        .to_string();
    match mode {
        ProxyMode::Tunnel { hosts } => {
            let Some(target) = hosts.get(&host) else {
                reader
                    .get_mut()
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                    .await?;
                return Ok(());
            };
            let mut upstream = TcpStream::connect(target).await?;
            tunnelled.fetch_add(1, Ordering::SeqCst);
            reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                .await?;
            let mut client = reader.into_inner();
            tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
        }
        ProxyMode::Intercept { ca } => {
            reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                .await?;
            let identity = ca.leaf([host]);
            let acceptor = TlsAcceptor::from(Arc::new(server_tls_config(&identity, Alpn::Http1Only)));
            let mut tls = acceptor.accept(reader.into_inner()).await?;
            let mut buf = vec![0u8; 4096];
            let _ = tls.read(&mut buf).await?;
            tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\nconnection: close\r\n\r\nintercepted")
                .await?;
            tls.shutdown().await?;
        }
    }
    Ok(())
}
