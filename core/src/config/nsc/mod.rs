//! Android's Network Security Config (`res/xml/network_security_config.xml`), read with the platform's
//! semantics (AOSP `XmlConfigSource`), and written back.
//!
//! - `base-config` (at most one) sets the defaults; without it the platform's defaults apply, which
//!   depend on `targetSdkVersion`: cleartext is permitted below 28, user CAs are trusted up to 23.
//! - `domain-config` may nest; a child inherits every setting it does not set from its parent, and a
//!   top-level one from `base-config`. A host gets the configuration of the most specific `domain` that
//!   matches it **as a whole**: a domain-config without a `pin-set` is not pinned even under a pinned
//!   broader domain. The importer writes such inherited or cleared values explicitly into each rule, so
//!   the [`Policy`](crate::Policy) behaves the same.
//! - `pin-set expiration` as Android's `SimpleDateFormat("yyyy-MM-dd")` parses it (00:00 UTC that day);
//!   `pin digest="SHA-256"` only, its base64 as `android.util.Base64` decodes it; a single pin is
//!   allowed, with a warning, as Android has no minimum.
//! - `domain` text is trimmed and lower-cased, nothing else; a value no host name can equal is left
//!   out with a warning (it never matches on Android either), and so is a name with `_`, which
//!   Pinwire's client never connects to.
//! - Boolean attributes as Android reads them: anything but a boolean or an integer takes the
//!   attribute's default, with a warning.
//! - `trust-anchors` / `certificates src="system|user|@raw/name" overridePins`.
//! - `debug-overrides` is read only when [`ImportOptions::debuggable`](super::ImportOptions::debuggable)
//!   says so (Android skips it unread otherwise; the import warns that it was left out); its
//!   `overridePins` default to true.
//!
//! With TrustKit-Android's extension, a `domain-config` may also hold `trustkit-config enforcePinning
//! disableDefaultReportUri` with `report-uri` children; these are inherited by nested domain-configs.
//! Read as TrustKit-Android reads them: pins are enforced only where `enforcePinning="true"` applies
//! (otherwise report-only, with a warning), every pin set needs two pins, and `debug-overrides` keeps
//! only `@raw/` certificates with one `overridePins` (false unless written true).

mod anchors;
mod export;
mod import;
mod parser;
mod trustkit_android;
mod values;

pub(crate) use export::{as_domain, export};
pub(crate) use import::import;
