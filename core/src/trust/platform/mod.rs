//! The platform's trust, chosen at compile time.
//!
//! Only the system-store validator exists so far; Android (`X509TrustManagerExtensions`, honouring
//! the app's Network Security Config) and Apple (`SecTrust`) validators come with their bindings and
//! will be selected here by `cfg`.

mod other;

pub use other::platform_validator;
