//! Local TLS servers, CONNECT proxies and a test PKI, shared by Pinwire's Rust suites, the Kotlin and
//! Swift suites (through the `pinwire-testserver` binary) and the demo. Loopback only.

pub mod content;
pub mod faults;
pub mod pki;
pub mod proxy;
pub mod server;
mod uploads;
pub mod websocket;
pub mod zstd_frames;

pub use faults::{refused_port, Fault, FaultServer};
pub use pki::{pem_cert, self_signed_leaf, Authority, Identity, LeafSpec};
pub use proxy::{ProxyMode, TestProxy};
pub use server::{Alpn, TestServer};
