//! UniFFI bindings for Pinwire: a thin adapter. Every export converts its arguments, calls the
//! `pinwire` crate and converts the result back; policy, parsing, trust and HTTP live in the core.

// `deny`, not `forbid`: the JNI entry points (android.rs, jni/exports.rs) need `#[no_mangle]` and a few
// pointer casts, allowed there alone.
#![deny(unsafe_code)]
// The error crosses the FFI by value with all its fields (UniFFI cannot carry a boxed error), so its size
// is the point, not an accident.
#![allow(clippy::result_large_err)]

#[cfg(target_os = "android")]
mod android;
mod body;
#[cfg(test)]
mod builder_cases;
mod cancel;
mod client;
mod config;
mod cookies;
mod error;
mod events;
mod jni;
mod pins;
mod policy;
mod report;
mod runtime;
mod updates;
mod upload;
mod websocket;

pub use body::{BodyRead, BodyReader};
pub use cancel::CancellationToken;
pub use client::{ClientOptions, Header, HttpRequest, HttpResponse, PinwireClient, ResolveOverride};
pub use config::{NscImportOptions, PinConfig};
pub use cookies::{Cookie, CookieStore};
pub use error::{PinwireError, TimeoutKind, UntrustedReason};
pub use events::{PinEventListener, PinEventRecord, PinOutcome};
pub use pins::{pin_from_certificate_der, pin_from_certificates_pem, pin_from_private_key, pin_from_public_key};
pub use policy::{policy_json, PinRule};
pub use report::{ReportUri, ReportingOptions};
pub use updates::{
    UpdateError, UpdateEvent, UpdateEventKind, UpdateEventListener, UpdateOrigin, UpdateOutcome, UpdateRefusal,
    UpdateSource,
};
pub use upload::{multipart_framing, BodyWriter, MultipartFraming, MultipartPart, UploadProgressListener};

pub use websocket::{WebSocket, WebSocketCloseFrame, WebSocketMessage, WebSocketRequest};

uniffi::setup_scaffolding!();
