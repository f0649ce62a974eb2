//! The one error type callers act on, and the single place where lower-level errors (reqwest, hyper,
//! rustls, and the verifier's own failures travelling inside them) are mapped to it.

use crate::pin::{Pin, PinError};
use crate::policy::PolicyError;
use crate::trust::{UntrustedReason, ValidatedChain};
use std::error::Error as StdError;
use std::fmt;

/// Which timeout fired.
///
/// Not `#[non_exhaustive]`, like the other enums the bindings mirror variant by variant ([`Error`],
/// [`PinOutcome`](crate::PinOutcome), [`UntrustedReason`]): a new variant must break their build, not fall
/// into a catch-all arm that gives Kotlin and Swift the wrong value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeoutKind {
    /// Establishing the connection (TCP and TLS) took too long.
    Connect,
    /// No data arrived for longer than the read timeout.
    Read,
    /// The whole call (request, redirects, and reading the body) took longer than the call timeout.
    Call,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Read => "read",
            TimeoutKind::Call => "call",
        })
    }
}

/// A pin check that failed: the server's validated chain holds none of the expected keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinMismatch {
    /// The host, in canonical form.
    pub host: String,
    /// The port, when known.
    pub port: Option<u16>,
    /// The pattern of the rule that applied.
    pub pattern: String,
    /// The pins the rule expects.
    pub expected: Vec<Pin>,
    /// The validated path (leaf first, anchor last); its pins are what the server's keys really are.
    pub chain: ValidatedChain,
}

impl PinMismatch {
    /// The pins of the validated path, leaf first.
    pub fn chain_pins(&self) -> Vec<Pin> {
        self.chain.pins().copied().collect()
    }
}

impl fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The layout of OkHttp's message, which developers already know how to read in a crash log.
        write!(
            f,
            "Certificate pinning failure!\n  Peer certificate chain:{}",
            self.chain.describe()
        )?;
        write!(f, "\n  Pinned certificates for {} ({}):", self.host, self.pattern)?;
        for pin in &self.expected {
            write!(f, "\n    {pin}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong, with what a caller needs to act on it.
///
/// Not `#[non_exhaustive]`: the bindings map every variant by name (see [`TimeoutKind`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The certificate chain was valid, but none of its keys is pinned for the host.
    #[error("{0}")]
    PinMismatch(Box<PinMismatch>),
    /// The certificate chain did not validate; pins were not looked at.
    #[error("untrusted certificate for {host}: {reason}")]
    UntrustedCertificate {
        /// The host.
        host: String,
        /// Why.
        reason: UntrustedReason,
    },
    /// The certificate is valid, but not for this host name.
    #[error("certificate is not valid for {host}")]
    HostnameMismatch {
        /// The host.
        host: String,
    },
    /// `http://` to a host the policy does not allow cleartext to (also when a redirect leads there).
    #[error("cleartext HTTP to {host} is not permitted by the policy ({url})")]
    CleartextNotPermitted {
        /// The host.
        host: String,
        /// The URL refused.
        url: String,
    },
    /// A timeout fired.
    #[error("{kind} timeout for {url}")]
    Timeout {
        /// Which one.
        kind: TimeoutKind,
        /// The URL being fetched.
        url: String,
    },
    /// The connection could not be made (refused, unreachable, DNS, proxy refused the tunnel).
    #[error("could not connect to {url}: {detail}")]
    Connect {
        /// The URL being fetched.
        url: String,
        /// What the system said.
        detail: String,
    },
    /// The peer broke the TLS or HTTP protocol, or the connection dropped mid-exchange.
    #[error("protocol error for {url}: {detail}")]
    Protocol {
        /// The URL being fetched.
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// A compressed response body expanded beyond the client's bound when decoded (a decompression
    /// bomb, or a body larger than the app allows): see [`DecodeLimits`](crate::DecodeLimits). The
    /// body was not read further and its connection is closed.
    #[error("decoded body of {url} exceeds the bound ({limit}): {decoded} bytes from {compressed} compressed bytes")]
    DecodedBodyTooLarge {
        /// The URL being fetched.
        url: String,
        /// Decoded bytes when the bound was crossed.
        decoded: u64,
        /// Compressed bytes received by then.
        compressed: u64,
        /// The bound, as text.
        limit: String,
    },
    /// More redirects than the client allows.
    #[error("more than {max} redirects, last to {url}")]
    TooManyRedirects {
        /// The URL of the redirect that was refused.
        url: String,
        /// The limit.
        max: usize,
    },
    /// The client or policy configuration is invalid.
    #[error("invalid configuration: {detail}")]
    InvalidConfig {
        /// What is wrong.
        detail: String,
    },
    /// The pin policy is invalid.
    #[error("invalid pin policy: {0}")]
    InvalidPolicy(#[from] PolicyError),
    /// A pin, certificate or key could not be read.
    #[error(transparent)]
    InvalidPin(#[from] PinError),
    /// The URL is malformed, has no host, or uses a scheme other than `https` and `http`.
    #[error("invalid URL {url:?}: {detail}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong.
        detail: String,
    },
    /// A header name or value is invalid.
    #[error("invalid header: {detail}")]
    InvalidHeader {
        /// What is wrong.
        detail: String,
    },
    /// The call was cancelled through its cancellation token.
    #[error("the call was cancelled")]
    Cancelled,
    /// A bug: code inside the call panicked (Pinwire's, or a validator or observer the app supplied).
    /// The call failed; it was not cancelled.
    #[error("internal error: {detail}")]
    Internal {
        /// The panic's message.
        detail: String,
    },
}

/// The error for a request task that did not finish: [`Error::Internal`] with the panic's message when it
/// panicked, [`Error::Cancelled`] when it was cancelled (its runtime shut down).
pub(crate) fn from_join_error(error: tokio::task::JoinError, url: &str) -> Error {
    match error.try_into_panic() {
        Ok(panic) => from_panic(panic.as_ref(), url),
        Err(_) => Error::Cancelled,
    }
}

/// [`Error::Internal`] with the message of a panic inside the request to `url`.
pub(crate) fn from_panic(payload: &(dyn std::any::Any + Send), url: &str) -> Error {
    Error::Internal {
        detail: format!("the request to {url} panicked: {}", panic_message(payload)),
    }
}

/// The message of a panic's payload (`panic!` with a literal gives a `&str`, with arguments a `String`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// The verifier's failures travel through rustls, hyper and reqwest as this type and are recovered in
/// [`from_reqwest`].
#[derive(Debug, Clone)]
pub(crate) enum HandshakeFailure {
    Pin(Box<PinMismatch>),
    Untrusted { host: String, reason: UntrustedReason },
}

impl fmt::Display for HandshakeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeFailure::Pin(mismatch) => write!(f, "{mismatch}"),
            HandshakeFailure::Untrusted { host, reason } => write!(f, "untrusted certificate for {host}: {reason}"),
        }
    }
}

impl StdError for HandshakeFailure {}

/// A redirect the client refused, raised from reqwest's redirect policy and recovered in
/// [`from_reqwest`].
#[derive(Debug)]
pub(crate) enum RedirectRefusal {
    Cleartext { host: String, url: String },
    TooMany { url: String, max: usize },
    BadTarget { url: String, detail: String },
}

impl fmt::Display for RedirectRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefusal::Cleartext { url, .. } => write!(f, "redirect to cleartext {url} refused"),
            RedirectRefusal::TooMany { url, max } => write!(f, "more than {max} redirects, last to {url}"),
            RedirectRefusal::BadTarget { url, detail } => write!(f, "redirect to {url} refused: {detail}"),
        }
    }
}

impl StdError for RedirectRefusal {}

/// Each error in `error`'s source chain, looking inside `io::Error`s too (whose `source()` skips the
/// error they wrap).
pub(crate) fn chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        out.push(current);
        next = match current.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
    }
    out
}

pub(crate) fn handshake_failure(error: &(dyn StdError + 'static)) -> Option<HandshakeFailure> {
    if let Some(failure) = error.downcast_ref::<HandshakeFailure>() {
        return Some(failure.clone());
    }
    if let Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))) =
        error.downcast_ref::<rustls::Error>()
    {
        return other.0.downcast_ref::<HandshakeFailure>().cloned();
    }
    None
}

pub(crate) fn from_handshake(failure: HandshakeFailure, port: Option<u16>) -> Error {
    match failure {
        HandshakeFailure::Pin(mut mismatch) => {
            mismatch.port = mismatch.port.or(port);
            Error::PinMismatch(mismatch)
        }
        HandshakeFailure::Untrusted {
            host,
            reason: UntrustedReason::HostnameMismatch,
        } => Error::HostnameMismatch { host },
        HandshakeFailure::Untrusted { host, reason } => Error::UntrustedCertificate { host, reason },
    }
}

/// Maps a reqwest error (which carries everything below it) to [`Error`]. `fallback_url` names the
/// request when reqwest's error has no URL.
pub(crate) fn from_reqwest(error: reqwest::Error, fallback_url: &str) -> Error {
    let url = error
        .url()
        .map(|u| u.to_string())
        .unwrap_or_else(|| fallback_url.to_string());
    let port = error.url().and_then(|u| u.port_or_known_default());
    let links = chain(&error);
    for link in &links {
        if let Some(failure) = handshake_failure(*link) {
            return from_handshake(failure, port);
        }
        if let Some(refusal) = link.downcast_ref::<RedirectRefusal>() {
            return match refusal {
                RedirectRefusal::Cleartext { host, url } => Error::CleartextNotPermitted {
                    host: host.clone(),
                    url: url.clone(),
                },
                RedirectRefusal::TooMany { url, max } => Error::TooManyRedirects {
                    url: url.clone(),
                    max: *max,
                },
                RedirectRefusal::BadTarget { url, detail } => Error::InvalidUrl {
                    url: url.clone(),
                    detail: detail.clone(),
                },
            };
        }
    }
    let detail = links[1..]
        .last()
        .map(ToString::to_string)
        .unwrap_or_else(|| error.to_string());
    if error.is_timeout() {
        // reqwest's own whole-request timeout is not used (the client keeps the call deadline itself),
        // so a timeout from reqwest is the connect timeout while connecting and the read timeout after.
        let kind = if error.is_connect() {
            TimeoutKind::Connect
        } else {
            TimeoutKind::Read
        };
        return Error::Timeout { kind, url };
    }
    if error.is_connect() {
        // A TLS alert or handshake error also surfaces as a connect error: keep those as protocol errors.
        if links.iter().any(|l| l.downcast_ref::<rustls::Error>().is_some()) {
            return Error::Protocol { url, detail };
        }
        return Error::Connect { url, detail };
    }
    if error.is_builder() {
        return Error::InvalidUrl { url, detail };
    }
    Error::Protocol { url, detail }
}
