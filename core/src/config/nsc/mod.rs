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
//! - `pin-set expiration="yyyy-MM-dd"`; `pin digest="SHA-256"` only.
//! - `trust-anchors` / `certificates src="system|user|@raw/name" overridePins`.
//! - `debug-overrides` applies only when [`ImportOptions::debuggable`](super::ImportOptions::debuggable)
//!   says so; its `overridePins` default to true.
//!
//! With TrustKit-Android's extension, a `domain-config` may also hold `trustkit-config enforcePinning
//! disableDefaultReportUri` with `report-uri` children; these are inherited by nested domain-configs.

mod anchors;
mod export;
mod import;
mod parser;
mod trustkit_android;

pub(crate) use export::{as_domain, export};
pub(crate) use import::import;
