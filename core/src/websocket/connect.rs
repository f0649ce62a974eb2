//! Opening a WebSocket: TCP (directly or through a CONNECT tunnel), TLS with the client's own
//! configuration, then the HTTP/1.1 upgrade.

use super::request::WebSocketRequest;
use super::socket::{Io, WebSocket};
use crate::client::check_url;
use crate::error::{chain, from_handshake, handshake_failure, Error, TimeoutKind};
use crate::policy::Policy;
use crate::verifier::CURRENT_PORT;
use reqwest::header::HeaderValue;
use reqwest::Url;
use rustls_pki_types::ServerName;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Error as WsError;

/// The longest CONNECT response head read from a proxy.
const MAX_PROXY_RESPONSE: usize = 8 * 1024;

/// A generation's WebSocket settings: its TLS configuration (the HTTP client's, verifier and session
/// cache included, offering only `http/1.1`) and the client builder's connection settings.
pub(crate) struct Connector {
    tls: TlsConnector,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    resolve: Vec<(String, SocketAddr)>,
    proxy: Option<String>,
    user_agent: HeaderValue,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("connect_timeout", &self.connect_timeout)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// `tls` is the HTTP client's configuration; the clone shares its verifier and session store.
    pub(crate) fn new(
        tls: &rustls::ClientConfig,
        connect_timeout: Option<Duration>,
        read_timeout: Option<Duration>,
        resolve: &[(String, SocketAddr)],
        proxy: Option<&str>,
        user_agent: &str,
    ) -> Result<Connector, Error> {
        let mut tls = tls.clone();
        // The upgrade is an HTTP/1.1 exchange: a server that picked h2 could not answer it.
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let user_agent = HeaderValue::from_str(user_agent).map_err(|e| Error::InvalidConfig {
            detail: format!("user agent {user_agent:?}: {e}"),
        })?;
        Ok(Connector {
            tls: TlsConnector::from(Arc::new(tls)),
            connect_timeout,
            read_timeout,
            resolve: resolve.to_vec(),
            proxy: proxy.map(str::to_string),
            user_agent,
        })
    }

    /// Opens the WebSocket `request` describes, under `policy`'s cleartext rules.
    pub(crate) async fn connect(&self, policy: &Policy, request: WebSocketRequest) -> Result<WebSocket, Error> {
        let url = request.url.clone();
        let url_text = url.to_string();
        let secure = url.scheme() == "wss";
        // The same check as an HTTP request's: ws:// is cleartext HTTP until the upgrade.
        let mut as_http = url.clone();
        let _ = as_http.set_scheme(if secure { "https" } else { "http" });
        check_url(policy, &as_http).map_err(|e| match e {
            Error::CleartextNotPermitted { host, .. } => Error::CleartextNotPermitted {
                host,
                url: url_text.clone(),
            },
            other => other,
        })?;
        let port = url.port_or_known_default().unwrap_or(if secure { 443 } else { 80 });

        let connecting = async {
            let tcp = self.tcp(&url, port, &url_text).await?;
            if !secure {
                return Ok(Box::new(tcp) as Box<dyn Io>);
            }
            let name = server_name(&url, &url_text)?;
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| from_tls_io(&e, &url_text, port))?;
            Ok::<_, Error>(Box::new(tls) as Box<dyn Io>)
        };
        // Pin events name the port, as they do for HTTP requests.
        let connecting = CURRENT_PORT.scope(Arc::new(AtomicU32::new(u32::from(port))), connecting);
        let io = within(self.connect_timeout, TimeoutKind::Connect, &url_text, connecting).await??;

        let mut upgrade = url_text.as_str().into_client_request().map_err(|e| Error::InvalidUrl {
            url: url_text.clone(),
            detail: e.to_string(),
        })?;
        let headers = upgrade.headers_mut();
        headers.insert("user-agent", self.user_agent.clone());
        for (name, value) in &request.headers {
            headers.append(name.clone(), value.clone());
        }
        if !request.protocols.is_empty() {
            let offered = HeaderValue::from_str(&request.protocols.join(", ")).map_err(|e| Error::InvalidHeader {
                detail: format!("sec-websocket-protocol: {e}"),
            })?;
            headers.insert("sec-websocket-protocol", offered);
        }
        let config = WebSocketConfig::default()
            .max_message_size(Some(request.max_message_size))
            .max_frame_size(Some(request.max_message_size));
        let handshake = tokio_tungstenite::client_async_with_config(upgrade, io, Some(config));
        let (stream, response) = within(self.read_timeout, TimeoutKind::Read, &url_text, handshake)
            .await?
            .map_err(|e| from_upgrade_error(e, &url_text))?;
        let protocol = response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(WebSocket::start(stream, protocol, url_text, request.max_message_size))
    }

    /// A TCP connection to the URL's host (or, with a proxy, a tunnel to it through the proxy).
    async fn tcp(&self, url: &Url, port: u16, url_text: &str) -> Result<TcpStream, Error> {
        let connect_error = |detail: String| Error::Connect {
            url: url_text.to_string(),
            detail,
        };
        let Some(proxy) = &self.proxy else {
            let addrs = self.addresses(url, port).await.map_err(connect_error)?;
            return dial(&addrs).await.map_err(connect_error);
        };
        let proxy_url = Url::parse(proxy).map_err(|e| Error::InvalidConfig {
            detail: format!("proxy {proxy:?}: {e}"),
        })?;
        if proxy_url.scheme() != "http" || !proxy_url.username().is_empty() {
            return Err(Error::InvalidConfig {
                detail: format!("WebSockets go through http:// proxies without credentials only, not {proxy:?}"),
            });
        }
        let proxy_host = proxy_url.host_str().unwrap_or_default();
        let proxy_port = proxy_url.port_or_known_default().unwrap_or(80);
        let addrs = tokio::net::lookup_host((proxy_host.trim_matches(['[', ']']), proxy_port))
            .await
            .map(Iterator::collect::<Vec<_>>)
            .map_err(|e| connect_error(format!("proxy {proxy_host}: {e}")))?;
        let mut tcp = dial(&addrs).await.map_err(|e| connect_error(format!("proxy: {e}")))?;
        let authority = format!("{}:{port}", url.host_str().unwrap_or_default());
        tunnel(&mut tcp, &authority).await.map_err(connect_error)?;
        Ok(tcp)
    }

    /// Where the URL's host is: the builder's override for it, its IP address, or DNS.
    async fn addresses(&self, url: &Url, port: u16) -> Result<Vec<SocketAddr>, String> {
        match url.host() {
            Some(url::Host::Domain(domain)) => {
                if let Some((_, addr)) = self.resolve.iter().find(|(host, _)| host.eq_ignore_ascii_case(domain)) {
                    return Ok(vec![SocketAddr::new(addr.ip(), port)]);
                }
                let found: Vec<SocketAddr> = tokio::net::lookup_host((domain, port))
                    .await
                    .map_err(|e| format!("{domain}: {e}"))?
                    .collect();
                if found.is_empty() {
                    return Err(format!("{domain}: no address"));
                }
                Ok(found)
            }
            Some(url::Host::Ipv4(ip)) => Ok(vec![SocketAddr::new(IpAddr::V4(ip), port)]),
            Some(url::Host::Ipv6(ip)) => Ok(vec![SocketAddr::new(IpAddr::V6(ip), port)]),
            None => Err("no host".into()),
        }
    }
}

/// Connects to the first address that answers.
async fn dial(addrs: &[SocketAddr]) -> Result<TcpStream, String> {
    let mut last = String::from("no address");
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                return Ok(tcp);
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(last)
}

/// Asks the proxy on `tcp` for a tunnel to `authority`; the pins then apply to the origin's chain
/// inside it, as for HTTPS through a proxy.
async fn tunnel(tcp: &mut TcpStream, authority: &str) -> Result<(), String> {
    let request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    tcp.write_all(request.as_bytes())
        .await
        .map_err(|e| format!("proxy: {e}"))?;
    // Byte by byte: nothing after the head may be consumed, it belongs to the tunnel.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_PROXY_RESPONSE {
            return Err("proxy: response head too long".into());
        }
        let byte = tcp.read_u8().await.map_err(|e| format!("proxy: {e}"))?;
        head.push(byte);
    }
    let status_line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let success = status_line
        .split_whitespace()
        .nth(1)
        .is_some_and(|code| code.len() == 3 && code.starts_with('2'));
    if success {
        Ok(())
    } else {
        Err(format!("proxy refused the tunnel: {status_line}"))
    }
}

/// The name the certificate must be valid for: the URL's host, a DNS name or an IP address.
fn server_name(url: &Url, url_text: &str) -> Result<ServerName<'static>, Error> {
    let invalid = |detail: String| Error::InvalidUrl {
        url: url_text.to_string(),
        detail,
    };
    match url.host() {
        Some(url::Host::Domain(domain)) => {
            ServerName::try_from(domain.to_string()).map_err(|e| invalid(format!("{domain}: {e}")))
        }
        Some(url::Host::Ipv4(ip)) => Ok(ServerName::IpAddress(IpAddr::V4(ip).into())),
        Some(url::Host::Ipv6(ip)) => Ok(ServerName::IpAddress(IpAddr::V6(ip).into())),
        None => Err(invalid("no host".into())),
    }
}

/// `future` within `limit`, else the timeout error of `kind`.
async fn within<T>(
    limit: Option<Duration>,
    kind: TimeoutKind,
    url: &str,
    future: impl std::future::Future<Output = T>,
) -> Result<T, Error> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, future).await.map_err(|_| Error::Timeout {
            kind,
            url: url.to_string(),
        }),
        None => Ok(future.await),
    }
}

/// A failed TLS handshake: the verifier's typed failure when it decided, else a protocol error (an
/// alert, a broken record) or, when the connection itself dropped, a connect error.
fn from_tls_io(error: &std::io::Error, url: &str, port: u16) -> Error {
    let links = chain(error);
    for link in &links {
        if let Some(failure) = handshake_failure(*link) {
            return from_handshake(failure, Some(port));
        }
    }
    let detail = links
        .last()
        .map(ToString::to_string)
        .unwrap_or_else(|| error.to_string());
    if links.iter().any(|l| l.downcast_ref::<rustls::Error>().is_some()) {
        return Error::Protocol {
            url: url.to_string(),
            detail,
        };
    }
    Error::Connect {
        url: url.to_string(),
        detail,
    }
}

/// A failed upgrade: the server answered something other than `101 Switching Protocols`, or broke
/// the exchange.
fn from_upgrade_error(error: WsError, url: &str) -> Error {
    let detail = match error {
        WsError::Http(response) => format!(
            "the server answered {} to the WebSocket upgrade, not 101 Switching Protocols",
            response.status()
        ),
        other => format!("WebSocket upgrade failed: {other}"),
    };
    Error::Protocol {
        url: url.to_string(),
        detail,
    }
}
