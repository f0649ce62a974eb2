//! The platform's trust, chosen at compile time, as rustls-platform-verifier does: one function,
//! `platform_validator`, implemented per platform.
//!
//! - `other.rs`: the system store read directly and validated with rustls-webpki (Linux, Windows,
//!   BSDs, and the JVM test runs of the bindings).
//! - `android.rs`: `X509TrustManagerExtensions.checkServerTrusted` through JNI, which honours the app's
//!   Network Security Config and returns the chain Android validated.
//! - `apple.rs`: `SecTrust` evaluation, returning `SecTrustCopyCertificateChain`'s chain.

// The test-only `android-jvm-test` feature (core/Cargo.toml) puts the Android validator in place of the
// host's, so its JNI code can run on a desktop JVM (bindings/android/jvm-test); no shipped build enables it.
#[cfg(not(any(target_os = "android", target_vendor = "apple", feature = "android-jvm-test")))]
mod other;
#[cfg(not(any(target_os = "android", target_vendor = "apple", feature = "android-jvm-test")))]
pub use other::platform_validator;

#[cfg(any(target_os = "android", feature = "android-jvm-test"))]
mod android;
#[cfg(any(target_os = "android", feature = "android-jvm-test"))]
pub use android::{android_init, platform_validator};
// The exception-to-reason mapping is plain Rust: compiled for host tests too.
#[cfg(any(target_os = "android", feature = "android-jvm-test", test))]
mod android_reasons;

#[cfg(all(target_vendor = "apple", not(feature = "android-jvm-test")))]
mod apple;
#[cfg(all(target_vendor = "apple", not(feature = "android-jvm-test")))]
pub use apple::platform_validator;
