//! The HTTPS client: reqwest over rustls, with [`PinningVerifier`] deciding every handshake.
//!
//! Why pooled connections cannot skip a pin decision: every connection, in the pool or not, was made
//! by a handshake this client's verifier decided for the connection's host, and the pool only reuses a
//! connection for the same scheme, host and port. A policy is immutable for the lifetime of the
//! generation that holds it (see `update::live`: a signed pin update makes a new generation with its own
//! pool and TLS config), so a reused connection (or a resumed TLS session, which rustls keys by server
//! name within one config) stands on the same decision a new one would get.

use crate::cookies::{CookieStore, Jar};
use crate::decode::DecodeLimits;
use crate::error::{from_join_error, from_panic, from_reqwest, Error, RedirectRefusal, TimeoutKind};
use crate::events::PinObserver;
use crate::host::{Host, HostPattern};
use crate::policy::Policy;
use crate::report::{ReportConfig, Reporter, Upload};
use crate::request::{Body, Request};
use crate::response::Response;
use crate::trust::TrustSource;
use crate::update::live::Live;
use crate::update::{UpdateError, UpdateOptions, UpdateOrigin, UpdateOutcome};
use crate::verifier::{PinningVerifier, CURRENT_PORT};
use futures_util::FutureExt;
use rustls_pki_types::CertificateDer;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Which HTTP versions the client offers by ALPN.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpVersions {
    /// HTTP/2 when the server agrees by ALPN, else HTTP/1.1.
    #[default]
    Http2AndHttp1,
    /// HTTP/1.1 only.
    Http1Only,
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    policy: Policy,
    trust: TrustSource,
    observers: Vec<Arc<dyn PinObserver>>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    max_redirects: usize,
    proxy: Option<String>,
    versions: HttpVersions,
    resolve: Vec<(String, SocketAddr)>,
    user_agent: String,
    pool_idle_timeout: Option<Duration>,
    reporting: Option<ReportConfig>,
    /// The report URIs of the configuration file given to [`ClientBuilder::pin_config`].
    config_report_uris: BTreeMap<HostPattern, Vec<reqwest::Url>>,
    updates: Option<UpdateOptions>,
    decompress: bool,
    decode_limits: DecodeLimits,
    cookies: Option<Arc<dyn CookieStore>>,
}

/// An HTTPS client with pinning. Cheap to clone; clones share connections and the configuration in use.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) live: Arc<Live>,
    call_timeout: Option<Duration>,
    reporter: Option<Arc<Reporter>>,
    decompress: bool,
    decode_limits: DecodeLimits,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            policy: Policy::unpinned(),
            trust: TrustSource::Platform,
            observers: Vec::new(),
            connect_timeout: Some(Duration::from_secs(30)),
            read_timeout: Some(Duration::from_secs(30)),
            call_timeout: None,
            max_redirects: 10,
            proxy: None,
            versions: HttpVersions::default(),
            resolve: Vec::new(),
            user_agent: concat!("pinwire/", env!("CARGO_PKG_VERSION")).to_string(),
            pool_idle_timeout: Some(Duration::from_secs(90)),
            reporting: None,
            config_report_uris: BTreeMap::new(),
            updates: None,
            decompress: true,
            decode_limits: DecodeLimits::default(),
            cookies: None,
        }
    }
}

impl ClientBuilder {
    /// The pin policy (default: none, so ordinary validation and no cleartext).
    pub fn policy(mut self, policy: Policy) -> ClientBuilder {
        self.policy = policy;
        self
    }

    /// Everything a configuration file describes: its policy, and its trust anchors (per host, with the
    /// debug-only ones when `debuggable`). A file that names only the system's CAs keeps platform trust.
    /// Its report URIs are used when [`ClientBuilder::reporting`] turns reporting on.
    pub fn pin_config(mut self, config: &crate::config::PinConfig, debuggable: bool) -> Result<ClientBuilder, Error> {
        let trust = config.trust();
        let system_only = *trust == crate::config::TrustConfig::default();
        self.trust = if system_only {
            TrustSource::Platform
        } else {
            TrustSource::Custom(Arc::new(crate::trust::ConfiguredTrust::new(config, debuggable)?))
        };
        self.policy = config.policy().clone();
        self.config_report_uris = config.report_uris().clone();
        Ok(self)
    }

    /// Where trust comes from (default: the platform's).
    pub fn trust(mut self, trust: TrustSource) -> ClientBuilder {
        self.trust = trust;
        self
    }

    /// Trusts only these root certificates (DER or PEM files' contents already decoded).
    pub fn trust_roots(self, roots: Vec<CertificateDer<'static>>) -> ClientBuilder {
        self.trust(TrustSource::Roots(roots))
    }

    /// Registers an observer of pin decisions.
    pub fn observer(mut self, observer: Arc<dyn PinObserver>) -> ClientBuilder {
        self.observers.push(observer);
        self
    }

    /// Sends pin failure reports (TrustKit's format) in the background, as `config` says, to its report
    /// URIs and to those of the configuration file given to [`ClientBuilder::pin_config`]. Uploads go out
    /// through a client of their own made from this one's trust and address overrides ([`resolve`]), with
    /// no pins (a report is never pinned against the failure it reports) and no observers (it never
    /// reports its own failures).
    ///
    /// [`resolve`]: ClientBuilder::resolve
    pub fn reporting(mut self, config: ReportConfig) -> ClientBuilder {
        self.reporting = Some(config);
        self
    }

    /// Time allowed to establish a connection, TLS included (default 30 s; `None` for none).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed between two reads (default 30 s; `None` for none).
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> ClientBuilder {
        self.read_timeout = timeout;
        self
    }

    /// Time allowed for a whole call: request, redirects and reading the body (default none).
    pub fn call_timeout(mut self, timeout: Option<Duration>) -> ClientBuilder {
        self.call_timeout = timeout;
        self
    }

    /// Redirects followed before [`Error::TooManyRedirects`] (default 10; 0 returns redirects as they are).
    pub fn max_redirects(mut self, max: usize) -> ClientBuilder {
        self.max_redirects = max;
        self
    }

    /// Sends every request through this HTTP proxy (`http://host:port`); HTTPS goes through a CONNECT
    /// tunnel and the pins apply to the origin's chain inside it. No proxy by default, and the
    /// environment's proxy variables are not read.
    pub fn proxy(mut self, url: &str) -> ClientBuilder {
        self.proxy = Some(url.to_string());
        self
    }

    /// Which HTTP versions to offer.
    pub fn http_versions(mut self, versions: HttpVersions) -> ClientBuilder {
        self.versions = versions;
        self
    }

    /// Resolves `host` to `addr` instead of asking DNS (as curl's `--resolve`; the port comes from the URL).
    pub fn resolve(mut self, host: &str, addr: SocketAddr) -> ClientBuilder {
        self.resolve.push((host.to_string(), addr));
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: &str) -> ClientBuilder {
        self.user_agent = user_agent.to_string();
        self
    }

    /// How long an idle pooled connection is kept (default 90 s; `None` keeps it until the server closes it).
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> ClientBuilder {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Takes signed pin updates: the policy given to this builder is the shipped configuration, the
    /// floor every update falls back to (see [`UpdateOptions`]).
    pub fn updates(mut self, options: UpdateOptions) -> ClientBuilder {
        self.updates = Some(options);
        self
    }

    /// Decodes gzip, brotli and zstd response bodies, sending `Accept-Encoding: gzip, br, zstd` (default
    /// on; [`Request::decompress`] overrides it per request). A decoded body's headers lose
    /// `Content-Encoding` and `Content-Length`, as with OkHttp. A request that sets its own
    /// `Accept-Encoding`, or a `Range`, gets the body as the server sent it.
    pub fn decompress(mut self, decompress: bool) -> ClientBuilder {
        self.decompress = decompress;
        self
    }

    /// How far a decoded body may expand (default [`DecodeLimits::default`]); beyond it, reading fails
    /// with [`Error::DecodedBodyTooLarge`].
    pub fn decode_limits(mut self, limits: DecodeLimits) -> ClientBuilder {
        self.decode_limits = limits;
        self
    }

    /// Keeps cookies in `store`, sending them back by RFC 6265's rules (none by default; see
    /// [`MemoryCookieStore`](crate::MemoryCookieStore) for one in memory).
    pub fn cookie_store(mut self, store: Arc<dyn CookieStore>) -> ClientBuilder {
        self.cookies = Some(store);
        self
    }

    /// Builds the client.
    pub fn build(mut self) -> Result<Client, Error> {
        let mut reporter = None;
        if let Some(config) = self.reporting.take() {
            let config = config.with_uris(&self.config_report_uris)?;
            let upload = upload_with(self.upload_client(config.upload_timeout_value())?);
            let created = Arc::new(Reporter::new(config, upload));
            self.observers.push(created.clone());
            reporter = Some(created);
        }
        let validator = self.trust.validator()?;
        let updates = self.updates.take();
        let call_timeout = self.call_timeout;
        let (decompress, decode_limits) = (self.decompress, self.decode_limits);
        let shipped = std::mem::take(&mut self.policy);
        let factory = Box::new(move |policy: Arc<Policy>, version: u64| self.http_client(&validator, policy, version));
        Ok(Client {
            live: Live::start(shipped, factory, updates)?,
            call_timeout,
            reporter,
            decompress,
            decode_limits,
        })
    }

    /// The HTTP client of one configuration in use: its own verifier, pool and TLS session cache.
    fn http_client(
        &self,
        validator: &Arc<dyn crate::trust::ChainValidator>,
        policy: Arc<Policy>,
        version: u64,
    ) -> Result<crate::update::live::Transport, Error> {
        let verifier = PinningVerifier::new(policy.clone(), validator.clone(), self.observers.clone())
            .with_config_version(version);
        let provider = Arc::new(crate::tls_provider::provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::InvalidConfig { detail: e.to_string() })?
            .dangerous() // only to install our own verifier, which validates before it pins
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        tls.alpn_protocols = match self.versions {
            HttpVersions::Http2AndHttp1 => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            HttpVersions::Http1Only => vec![b"http/1.1".to_vec()],
        };

        let websocket = crate::websocket::Connector::new(
            &tls,
            self.connect_timeout,
            self.read_timeout,
            &self.resolve,
            self.proxy.as_deref(),
            &self.user_agent,
        )?;
        let mut http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(&self.user_agent)
            .redirect(redirect_policy(policy.clone(), self.max_redirects))
            .pool_idle_timeout(self.pool_idle_timeout)
            .no_proxy();
        if let Some(timeout) = self.connect_timeout {
            http = http.connect_timeout(timeout);
        }
        if let Some(timeout) = self.read_timeout {
            http = http.read_timeout(timeout);
        }
        if self.versions == HttpVersions::Http1Only {
            http = http.http1_only();
        }
        if let Some(proxy) = &self.proxy {
            let proxy = reqwest::Proxy::all(proxy).map_err(|e| Error::InvalidConfig {
                detail: format!("proxy {proxy:?}: {e}"),
            })?;
            http = http.proxy(proxy);
        }
        for (host, addr) in &self.resolve {
            http = http.resolve(host, *addr);
        }
        if let Some(store) = &self.cookies {
            http = http.cookie_provider(Arc::new(Jar(store.clone())));
        }
        let http = http
            .build()
            .map_err(|e| Error::InvalidConfig { detail: e.to_string() })?;
        Ok(crate::update::live::Transport { http, websocket })
    }
}

impl ClientBuilder {
    /// The client that uploads this one's reports: the same trust and address overrides, nothing else.
    fn upload_client(&self, timeout: Duration) -> Result<Client, Error> {
        ClientBuilder {
            trust: self.trust.clone(),
            resolve: self.resolve.clone(),
            connect_timeout: Some(timeout),
            call_timeout: Some(timeout),
            max_redirects: 0,
            ..ClientBuilder::default()
        }
        .build()
    }
}

/// Sends each report once with `client`; a failure is dropped, never retried.
fn upload_with(client: Client) -> Upload {
    Arc::new(move |uri: String, body: Vec<u8>| {
        let client = client.clone();
        Box::pin(async move {
            let request = Request::post(&uri, body).and_then(|r| r.header("content-type", "application/json"));
            if let Ok(request) = request {
                if let Ok(response) = client.execute(request).await {
                    let _ = response.bytes().await;
                }
            }
        })
    })
}

tokio::task_local! {
    /// Whether the request being sent follows redirects ([`Request::follow_redirects`]): reqwest's
    /// redirect policy belongs to the client, so the request's choice reaches it this way.
    static FOLLOW_REDIRECTS: bool;
}

/// Follows redirects up to `max`, refusing cleartext where the policy does. Each hop's connection is
/// made (or taken from the pool) for the hop's own host, so its pins apply to it.
fn redirect_policy(policy: Arc<Policy>, max: usize) -> reqwest::redirect::Policy {
    if max == 0 {
        return reqwest::redirect::Policy::none();
    }
    reqwest::redirect::Policy::custom(move |attempt| {
        if !FOLLOW_REDIRECTS.try_with(|follow| *follow).unwrap_or(true) {
            return attempt.stop();
        }
        let url = attempt.url().clone();
        if attempt.previous().len() > max {
            return attempt.error(RedirectRefusal::TooMany {
                url: url.to_string(),
                max,
            });
        }
        if let Err(e) = check_url(&policy, &url) {
            let refusal = match e {
                Error::CleartextNotPermitted { host, url } => RedirectRefusal::Cleartext { host, url },
                other => RedirectRefusal::BadTarget {
                    url: url.to_string(),
                    detail: other.to_string(),
                },
            };
            return attempt.error(refusal);
        }
        // Tell the verifier which port the next hop's handshake is for.
        let _ = CURRENT_PORT
            .try_with(|port| port.store(url.port_or_known_default().map_or(0, u32::from), Ordering::Relaxed));
        attempt.follow()
    })
}

/// Checks the scheme and host of a URL before anything is sent to it.
///
/// Runs on every request, so an `https` URL whose host is already a plain lower-case DNS name (what the
/// URL parser makes of nearly every host) skips the full parse (IDNA): only cleartext needs the canonical
/// host, for the policy's per-host permission. Anything else is parsed in full and refused here when it
/// is no valid host name; the verifier parses the name again on every handshake in any case.
pub(crate) fn check_url(policy: &Policy, url: &reqwest::Url) -> Result<(), Error> {
    if url.scheme() == "https" && url.host_str().is_some_and(Host::is_plain_dns_name) {
        return Ok(());
    }
    let invalid = |detail: &str| Error::InvalidUrl {
        url: url.to_string(),
        detail: detail.to_string(),
    };
    let host = Host::parse(url.host_str().ok_or_else(|| invalid("no host"))?).map_err(|e| invalid(&e.to_string()))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if policy.cleartext_permitted(&host) => Ok(()),
        "http" => Err(Error::CleartextNotPermitted {
            host: host.to_string(),
            url: url.to_string(),
        }),
        other => Err(invalid(&format!("unsupported scheme {other:?}"))),
    }
}

/// A spawned request, aborted when the call that waits for it is dropped (cancelled, or timed out), so
/// that its connection is closed then as it was when the request ran inside the call.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> std::future::Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The policy this client enforces for new requests: the shipped one, or the last accepted update's.
    pub fn policy(&self) -> Arc<Policy> {
        self.live.current().policy.clone()
    }

    /// The version of the pin configuration in use: the shipped configuration's
    /// ([`UpdateOptions::shipped_version`], default 0) until an update is accepted.
    pub fn version_in_use(&self) -> u64 {
        self.live.current().version
    }

    /// Applies a signed pin update the app got another way (push, remote config). On success it decides
    /// every request from now on; otherwise what is in use stays, and the error (also sent to the update
    /// listeners) says why.
    pub fn apply_update(&self, document: &[u8]) -> Result<UpdateOutcome, UpdateError> {
        self.live.apply(document, UpdateOrigin::App)
    }

    /// Fetches the update document from the update URL now (over a connection pinned by the shipped
    /// configuration) and applies it.
    pub async fn check_for_update(&self) -> Result<UpdateOutcome, UpdateError> {
        self.live.check().await
    }

    /// Waits until every failure report queued so far has been uploaded (or its one upload attempt
    /// failed), for at most `timeout`; whether none is left (true when reporting is off). For short-lived
    /// processes such as the `pinwire` tool, which would otherwise exit with reports still queued.
    pub async fn flush_reports(&self, timeout: Duration) -> bool {
        match &self.reporter {
            Some(reporter) => reporter.flush(timeout).await,
            None => true,
        }
    }

    /// Sends `request` and returns the response once its headers have arrived. Dropping the returned
    /// future cancels the call and closes its connection if it was in use.
    pub async fn execute(&self, mut request: Request) -> Result<Response, Error> {
        // One configuration decides the whole call, redirects included, even if an update lands meanwhile.
        let generation = self.live.current();
        check_url(&generation.policy, &request.url)?;
        let url_text = request.url.as_str().to_owned();
        let timeout = request.call_timeout.or(self.call_timeout);
        let deadline = timeout.map(|t| Instant::now() + t);
        let port = Arc::new(AtomicU32::new(request.url.port_or_known_default().map_or(0, u32::from)));
        let follow = request.follow_redirects;
        let decode = (request.decompress.unwrap_or(self.decompress)
            && request.method != reqwest::Method::HEAD
            && crate::decode::offer(&mut request.headers))
        .then_some(self.decode_limits);

        let mut builder = generation.http.request(request.method, request.url);
        if !request.headers.is_empty() {
            builder = builder.headers(request.headers);
        }
        builder = match request.body {
            Body::Empty => builder,
            Body::Bytes(bytes) => builder.body(bytes),
            Body::Stream(stream) => builder.body(stream),
        };
        let send = FOLLOW_REDIRECTS.scope(follow, CURRENT_PORT.scope(port, builder.send()));
        let result = match deadline {
            // With a deadline the request runs as a task of its own and this future only waits for it: the
            // call timeout then fires on time even while the task's handshake waits for the platform or an
            // observer (see the verifier).
            Some(deadline) => tokio::time::timeout_at(deadline, AbortOnDrop(tokio::spawn(send)))
                .await
                .map_err(|_| Error::Timeout {
                    kind: TimeoutKind::Call,
                    url: url_text.clone(),
                })?
                .map_err(|e| from_join_error(e, &url_text))?,
            // Without one there is no timer to keep on time, and it runs inside this future: no hand-over
            // to another thread and back for every request. A panic inside it is an error all the same.
            None => AssertUnwindSafe(send)
                .catch_unwind()
                .await
                .map_err(|panic| from_panic(panic.as_ref(), &url_text))?,
        };
        let response = result.map_err(|e| from_reqwest(e, &url_text))?;
        Ok(Response::new(response, deadline, decode))
    }

    /// [`Client::execute`], ending early with [`Error::Cancelled`] when `token` is cancelled. For
    /// callers that cannot drop a future (foreign-language bindings).
    pub async fn execute_cancellable(&self, request: Request, token: &CancellationToken) -> Result<Response, Error> {
        tokio::select! {
            biased;
            _ = token.cancelled() => Err(Error::Cancelled),
            result = self.execute(request) => result,
        }
    }

    /// A `GET` of `url`.
    pub async fn get(&self, url: &str) -> Result<Response, Error> {
        self.execute(Request::get(url)?).await
    }
}
