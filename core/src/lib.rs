//! Pinwire: an HTTPS client whose TLS connections are validated by the platform's (or your) trust and
//! then checked against SPKI SHA-256 pins, with typed, diagnosable failures.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pinwire::Error> {
//! use pinwire::{Client, Policy};
//! let policy = Policy::builder()
//!     .pin("api.example.com", [
//!         "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
//!         "sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=",
//!     ])
//!     .build()?;
//! let client = Client::builder().policy(policy).build()?;
//! let body = client.get("https://api.example.com/").await?.text().await?;
//! # let _ = body; Ok(()) }
//! ```
//!
//! The order of checks on every handshake is fixed: the chain is validated first (path to a trust
//! anchor, validity dates, host name, serverAuth usage), and only then are the pins matched, against the
//! **validated path including its anchor**, never against the certificates as the server sent them.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod blocking;
mod body_writer;
mod client;
pub mod config;
mod cookies;
mod decode;
mod error;
mod events;
mod host;
pub mod inspect;
pub mod multipart;
mod pin;
mod policy;
mod progress;
pub mod read_ahead;
pub mod report;
mod request;
mod response;
mod sized_body;
mod tls_provider;
pub mod trust;
pub mod update;
mod verifier;
pub mod websocket;
mod x509;

pub use body_writer::{BodyAborted, BodyWriter, WriteError};
pub use client::{Client, ClientBuilder, HttpVersions};
pub use cookies::{Cookie, CookieStore, MemoryCookieStore};
pub use decode::DecodeLimits;
pub use error::{panic_message, Error, PinMismatch, TimeoutKind};
pub use events::{PinEvent, PinObserver, PinOutcome};
pub use host::{Host, HostError, HostPattern, PatternKind};
pub use pin::{Pin, PinError, PIN_PREFIX};
pub use policy::{DomainRule, PinMode, PinRequirement, PinSet, Policy, PolicyBuilder, PolicyError};
pub use progress::UploadProgress;
pub use read_ahead::ReadAhead;
pub use request::{Body, Request};
pub use response::Response;
pub use trust::{TrustSource, UntrustedReason, ValidatedChain};

/// The HTTP types requests and responses use.
pub mod http {
    pub use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    pub use reqwest::{Method, StatusCode, Url, Version};
}

/// Cancels a call started with [`Client::execute_cancellable`].
pub use tokio_util::sync::CancellationToken;
