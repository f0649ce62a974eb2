//! The platform's trust, chosen at compile time, as rustls-platform-verifier does: one function,
//! `platform_validator`, implemented per platform.
//!
//! - `other.rs`: the system store read directly and validated with rustls-webpki (Linux, Windows,
//!   BSDs, and the JVM test runs of the bindings).
//! - `android.rs`: `X509TrustManagerExtensions.checkServerTrusted` through JNI, which honours the app's
//!   Network Security Config and returns the chain Android validated.
//! - `apple.rs`: `SecTrust` evaluation, returning `SecTrustCopyCertificateChain`'s chain.

#[cfg(not(any(target_os = "android", target_vendor = "apple")))]
mod other;
#[cfg(not(any(target_os = "android", target_vendor = "apple")))]
pub use other::platform_validator;

#[cfg(target_os = "android")]
mod android;
#[cfg(target_os = "android")]
pub use android::{android_init, platform_validator};
// The exception-to-reason mapping is plain Rust: compiled for host tests too.
#[cfg(any(target_os = "android", test))]
mod android_reasons;

#[cfg(target_vendor = "apple")]
mod apple;
#[cfg(target_vendor = "apple")]
pub use apple::platform_validator;
