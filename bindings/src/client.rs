//! The client, request and response as the foreign languages see them.

use crate::body::BodyReader;
use crate::cancel::CancellationToken;
use crate::config::PinConfig;
use crate::cookies::{CookieStore, ForeignCookieStore};
use crate::error::PinwireError;
use crate::events::{ListenerObserver, PinEventListener};
use crate::policy::{policy_from, PinRule};
use crate::report::ReportingOptions;
use crate::runtime;
use crate::updates::{update_options, UpdateError, UpdateEventListener, UpdateOutcome, UpdateSource};
use rustls_pki_types::CertificateDer;
use std::sync::Arc;
use std::time::Duration;

/// A host resolved to a fixed address instead of DNS (the port comes from the URL).
#[derive(Debug, Clone, uniffi::Record)]
pub struct ResolveOverride {
    /// The host name.
    pub host: String,
    /// An IP address, e.g. `127.0.0.1`.
    pub address: String,
}

/// Everything a client is built from.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClientOptions {
    /// The pin rules: one per builder `add` call, in call order (the core merges a pattern given twice).
    #[uniffi(default = [])]
    pub pins: Vec<PinRule>,
    /// Accept pin sets with a single pin (no backup): dangerous.
    #[uniffi(default = false)]
    pub dangerous_allow_single_pin: bool,
    /// Allow `http://` to hosts no rule speaks about.
    #[uniffi(default = false)]
    pub cleartext_permitted_by_default: bool,
    /// PEM root certificates to trust (app-bundled CAs, or a self-signed server certificate).
    #[uniffi(default = [])]
    pub trusted_roots_pem: Vec<String>,
    /// With `trusted_roots_pem`, also trust the platform's roots. Without roots, the platform is used.
    #[uniffi(default = true)]
    pub include_platform_trust: bool,
    /// Connect timeout (default 30 s).
    #[uniffi(default = None)]
    pub connect_timeout: Option<Duration>,
    /// Read timeout (default 30 s).
    #[uniffi(default = None)]
    pub read_timeout: Option<Duration>,
    /// Whole-call timeout (default none).
    #[uniffi(default = None)]
    pub call_timeout: Option<Duration>,
    /// Redirects to follow.
    #[uniffi(default = 10)]
    pub max_redirects: u32,
    /// An explicit HTTP proxy URL.
    #[uniffi(default = None)]
    pub proxy: Option<String>,
    /// Offer only HTTP/1.1.
    #[uniffi(default = false)]
    pub http1_only: bool,
    /// Fixed name resolutions.
    #[uniffi(default = [])]
    pub resolve: Vec<ResolveOverride>,
    /// The User-Agent header.
    #[uniffi(default = None)]
    pub user_agent: Option<String>,
    /// Send pin failure reports (TrustKit's format) in the background.
    #[uniffi(default = None)]
    pub reporting: Option<ReportingOptions>,
    /// Take signed pin updates: the pins given here (or by the configuration file) are the shipped ones.
    #[uniffi(default = None)]
    pub updates: Option<UpdateSource>,
    /// Decode gzip, brotli and zstd bodies, sending `Accept-Encoding` (a request can override it).
    #[uniffi(default = true)]
    pub decompress: bool,
    /// The most a decoded body may expand: decoded bytes per compressed byte, beyond the first MiB.
    #[uniffi(default = 1024)]
    pub max_decoded_ratio: u64,
    /// An absolute cap on a decoded body's size (default none).
    #[uniffi(default = None)]
    pub max_decoded_size: Option<u64>,
    /// Keep cookies in memory for the client's life (a `cookie_store` given to the constructor
    /// replaces this store).
    #[uniffi(default = false)]
    pub cookies: bool,
}

#[cfg(test)]
impl ClientOptions {
    /// The record as a foreign language gets it with every field left out (the `uniffi(default)`s above).
    pub(crate) fn defaults() -> ClientOptions {
        ClientOptions {
            pins: Vec::new(),
            dangerous_allow_single_pin: false,
            cleartext_permitted_by_default: false,
            trusted_roots_pem: Vec::new(),
            include_platform_trust: true,
            connect_timeout: None,
            read_timeout: None,
            call_timeout: None,
            max_redirects: 10,
            proxy: None,
            http1_only: false,
            resolve: Vec::new(),
            user_agent: None,
            reporting: None,
            updates: None,
            decompress: true,
            max_decoded_ratio: 1024,
            max_decoded_size: None,
            cookies: false,
        }
    }
}

/// A header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Header {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A request.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// An absolute `https://` (or permitted `http://`) URL.
    pub url: String,
    /// Headers, in order.
    #[uniffi(default = [])]
    pub headers: Vec<Header>,
    /// The body, in memory.
    #[uniffi(default = None)]
    pub body: Option<Vec<u8>>,
    /// A body written while it is sent (instead of `body`); a writer serves one request.
    #[uniffi(default = None)]
    pub body_writer: Option<Arc<crate::upload::BodyWriter>>,
    /// Overrides the client's call timeout.
    #[uniffi(default = None)]
    pub call_timeout: Option<Duration>,
    /// Whether the client follows redirects for this request (false: a redirect is the response).
    #[uniffi(default = true)]
    pub follow_redirects: bool,
    /// Overrides the client's `decompress` option.
    #[uniffi(default = None)]
    pub decompress: Option<bool>,
}

fn roots_from(pems: &[String]) -> Result<Vec<CertificateDer<'static>>, PinwireError> {
    let mut roots = Vec::new();
    for pem in pems {
        let certs =
            pinwire::inspect::certificates_from_pem(pem.as_bytes()).map_err(|e| PinwireError::InvalidConfig {
                detail: format!("trusted root PEM: {e}"),
            })?;
        roots.extend(certs);
    }
    Ok(roots)
}

/// The longest timeout handed to the core: a century stands for "never" (Kotlin's `Duration.INFINITE`) and
/// keeps deadline arithmetic (now + timeout) from overflowing.
const MAX_TIMEOUT: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

pub(crate) fn timeout(duration: Duration) -> Duration {
    duration.min(MAX_TIMEOUT)
}

/// The options every client takes, whatever its pins and trust come from.
fn build(
    mut builder: pinwire::ClientBuilder,
    options: &ClientOptions,
    listener: Option<Arc<dyn PinEventListener>>,
    update_listener: Option<Arc<dyn UpdateEventListener>>,
    cookie_store: Option<Arc<dyn CookieStore>>,
) -> Result<Arc<PinwireClient>, PinwireError> {
    builder = builder
        .decompress(options.decompress)
        .decode_limits(
            pinwire::DecodeLimits::default()
                .max_ratio(options.max_decoded_ratio)
                .max_size(options.max_decoded_size),
        )
        .max_redirects(options.max_redirects as usize)
        .call_timeout(options.call_timeout.map(timeout));
    if let Some(connect) = options.connect_timeout {
        builder = builder.connect_timeout(Some(timeout(connect)));
    }
    if let Some(read) = options.read_timeout {
        builder = builder.read_timeout(Some(timeout(read)));
    }
    if let Some(proxy) = &options.proxy {
        builder = builder.proxy(proxy);
    }
    if options.http1_only {
        builder = builder.http_versions(pinwire::HttpVersions::Http1Only);
    }
    if let Some(agent) = &options.user_agent {
        builder = builder.user_agent(agent);
    }
    for entry in &options.resolve {
        let ip: std::net::IpAddr = entry.address.parse().map_err(|_| PinwireError::InvalidConfig {
            detail: format!("resolve {}: {:?} is not an IP address", entry.host, entry.address),
        })?;
        builder = builder.resolve(&entry.host, std::net::SocketAddr::new(ip, 0));
    }
    match cookie_store {
        Some(store) => builder = builder.cookie_store(Arc::new(ForeignCookieStore(store))),
        None if options.cookies => builder = builder.cookie_store(Arc::new(pinwire::MemoryCookieStore::new())),
        None => {}
    }
    if let Some(listener) = listener {
        builder = builder.observer(Arc::new(ListenerObserver(listener)));
    }
    if let Some(reporting) = &options.reporting {
        builder = builder.reporting(crate::report::report_config(reporting)?);
    }
    match (&options.updates, update_listener) {
        (Some(source), listener) => builder = builder.updates(update_options(source, listener)?),
        (None, Some(_)) => {
            return Err(PinwireError::InvalidConfig {
                detail: "an update listener needs an update source (ClientOptions.updates)".into(),
            })
        }
        (None, None) => {}
    }
    let inner = runtime::enter(|| builder.build())?;
    Ok(Arc::new(PinwireClient { inner }))
}

/// An HTTPS client with pinning.
#[derive(Debug, uniffi::Object)]
pub struct PinwireClient {
    pub(crate) inner: pinwire::Client,
}

impl PinwireClient {
    /// The core client, for the exports in other files.
    pub(crate) fn core(&self) -> &pinwire::Client {
        &self.inner
    }
}

#[uniffi::export]
impl PinwireClient {
    /// Builds a client; `listener` receives every pin decision, `update_listener` every update outcome;
    /// `cookie_store` keeps the client's cookies.
    #[uniffi::constructor(default(update_listener = None, cookie_store = None))]
    pub fn new(
        options: ClientOptions,
        listener: Option<Arc<dyn PinEventListener>>,
        update_listener: Option<Arc<dyn UpdateEventListener>>,
        cookie_store: Option<Arc<dyn CookieStore>>,
    ) -> Result<Arc<PinwireClient>, PinwireError> {
        let trust =
            pinwire::TrustSource::from_roots(roots_from(&options.trusted_roots_pem)?, options.include_platform_trust)?;
        let builder = pinwire::Client::builder().policy(policy_from(&options)?).trust(trust);
        build(builder, &options, listener, update_listener, cookie_store)
    }

    /// Builds a client whose pins and trust anchors come from a configuration file; `options` gives
    /// the rest (timeouts, proxy, ...) and must not carry pins or trust of its own.
    #[uniffi::constructor(default(update_listener = None, cookie_store = None))]
    pub fn from_config(
        config: Arc<PinConfig>,
        options: ClientOptions,
        listener: Option<Arc<dyn PinEventListener>>,
        update_listener: Option<Arc<dyn UpdateEventListener>>,
        cookie_store: Option<Arc<dyn CookieStore>>,
    ) -> Result<Arc<PinwireClient>, PinwireError> {
        if !options.pins.is_empty()
            || !options.trusted_roots_pem.is_empty()
            || !options.include_platform_trust
            || options.dangerous_allow_single_pin
            || options.cleartext_permitted_by_default
        {
            return Err(PinwireError::InvalidConfig {
                detail: "a client built from a configuration file takes its pins, trust and cleartext rules from \
                         the file: do not also give pins, trusted roots, platform trust or cleartext options"
                    .into(),
            });
        }
        let builder = pinwire::Client::builder().pin_config(&config.inner, config.debuggable)?;
        build(builder, &options, listener, update_listener, cookie_store)
    }

    /// The version of the pin configuration in use: 0 (or the shipped version) until an update is applied.
    pub fn version_in_use(&self) -> u64 {
        self.inner.version_in_use()
    }

    /// Applies a signed pin update the app got another way (push, remote config). On success it decides
    /// every new connection; otherwise what is in use stays, and the error says why.
    pub fn apply_update(&self, document: Vec<u8>) -> Result<UpdateOutcome, UpdateError> {
        // The new configuration builds a new HTTP client, which needs the runtime context.
        let outcome = runtime::enter(|| self.inner.apply_update(&document))?;
        Ok(UpdateOutcome::new(outcome, self.inner.version_in_use()))
    }

    /// Fetches the update document from the update URL now, over a connection pinned by the shipped
    /// pins, and applies it.
    pub async fn check_for_update(&self) -> Result<UpdateOutcome, UpdateError> {
        let client = self.inner.clone();
        let outcome = runtime::spawn(async move { client.check_for_update().await })
            .await
            .map_err(|e| UpdateError::Client {
                detail: PinwireError::from_join_error(e).to_string(),
            })??;
        Ok(UpdateOutcome::new(outcome, self.inner.version_in_use()))
    }

    /// Sends a request; returns once the response headers have arrived, with the part of the body that
    /// had arrived with them. Dropping the call (Kotlin coroutine cancellation) stops it; `cancel` does
    /// the same where dropping is not possible (Swift).
    pub async fn execute(
        &self,
        request: HttpRequest,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<HttpResponse, PinwireError> {
        let client = self.inner.clone();
        let mut core_request = pinwire::Request::new(
            pinwire::http::Method::from_bytes(request.method.as_bytes()).map_err(|e| PinwireError::InvalidConfig {
                detail: format!("method {:?}: {e}", request.method),
            })?,
            &request.url,
        )?;
        for header in &request.headers {
            core_request = core_request.header(&header.name, &header.value)?;
        }
        match (request.body, request.body_writer) {
            (Some(_), Some(_)) => {
                return Err(PinwireError::InvalidConfig {
                    detail: "a request has a body or a body writer, not both".into(),
                })
            }
            (Some(body), None) => core_request = core_request.body(body),
            (None, Some(writer)) => core_request = core_request.body(writer.take_body()?),
            (None, None) => {}
        }
        if let Some(call) = request.call_timeout {
            core_request = core_request.call_timeout(timeout(call));
        }
        core_request = core_request.follow_redirects(request.follow_redirects);
        if let Some(decompress) = request.decompress {
            core_request = core_request.decompress(decompress);
        }
        let token = cancel.map(|t| t.inner.clone()).unwrap_or_default();
        let response = runtime::spawn(async move {
            let mut response = client.execute_cancellable(core_request, &token).await?;
            let body_start = response.take_ready(BODY_START_LIMIT).to_vec();
            Ok::<_, PinwireError>(HttpResponse::new(response, body_start))
        })
        .await
        .map_err(PinwireError::from_join_error)??;
        Ok(response)
    }
}

/// The most of the body [`PinwireClient::execute`] hands over with the headers.
pub(crate) const BODY_START_LIMIT: usize = 64 * 1024;

/// The most of a body read ahead of its reader (the JNI path's and [`BodyReader`]'s): the network side
/// keeps reading while the foreign side copies, up to this.
pub(crate) const READ_AHEAD_LIMIT: usize = 512 * 1024;

/// A response: everything but the rest of the body comes in this one record, since every call across
/// the FFI costs far more than the work it does (~20 µs through UniFFI's Kotlin/JNA glue).
#[derive(Debug, uniffi::Record)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub version: String,
    /// The final URL after redirects.
    pub url: String,
    /// The headers, in order.
    pub headers: Vec<Header>,
    /// The start of the body: what had already arrived with the headers (up to 64 KiB), possibly empty.
    pub body_start: Vec<u8>,
    /// The rest of the body; null when `body_start` is the whole body (the connection is already
    /// released then).
    pub body: Option<Arc<BodyReader>>,
}

impl HttpResponse {
    fn new(response: pinwire::Response, body_start: Vec<u8>) -> HttpResponse {
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| Header {
                name: name.to_string(),
                value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
            })
            .collect();
        let status = response.status().as_u16();
        let version = format!("{:?}", response.version());
        let url = response.url().to_string();
        // Read ahead from the head on, as on the JNI path: the connection goes on reading while the app looks
        // at the head; a body nobody reads holds at most the limit until it is discarded or dropped.
        let body = (!response.is_complete()).then(|| Arc::new(BodyReader::new(response.read_ahead(READ_AHEAD_LIMIT))));
        HttpResponse {
            status,
            version,
            url,
            headers,
            body_start,
            body,
        }
    }
}
