//! Pin configuration files: Pinwire's own JSON format, Android's Network Security Config, TrustKit's
//! dictionary (JSON, plist, and TrustKit-Android's XML), and export to those formats and to OkHttp.
//!
//! Every importer gives a [`PinConfig`]: the [`Policy`] the client enforces, plus what the policy model
//! does not carry (report URIs, trust anchors, debug-only anchors) and the [`Warnings`] about parts of
//! the file that were not understood. A file that is malformed or unsafe is a [`ConfigError`] naming
//! the file, line and column: never a weaker policy.
//!
//! ```
//! use pinwire::config::{ImportOptions, PinConfig};
//! let nsc = r#"<network-security-config>
//!   <domain-config>
//!     <domain includeSubdomains="true">example.com</domain>
//!     <pin-set expiration="2030-01-01">
//!       <pin digest="SHA-256">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin>
//!       <pin digest="SHA-256">fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=</pin>
//!     </pin-set>
//!   </domain-config>
//! </network-security-config>"#;
//! // Android's defaults depend on the app's targetSdkVersion.
//! let config = PinConfig::from_nsc_xml(nsc, "network_security_config.xml", &ImportOptions::new(34))?;
//! assert!(config.warnings().is_empty());
//! let json = config.to_json()?;
//! assert_eq!(PinConfig::from_json(&json, "pins.json")?, config);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | Format | Import | Export |
//! | --- | --- | --- |
//! | Pinwire JSON (`config.schema.json`) | [`PinConfig::from_json`] | [`PinConfig::to_json`] |
//! | Android Network Security Config | [`PinConfig::from_nsc_xml`] | [`PinConfig::to_nsc_xml`] |
//! | TrustKit (iOS) dictionary as JSON | [`PinConfig::from_trustkit_json`] | [`PinConfig::to_trustkit_json`] |
//! | TrustKit (iOS) dictionary as plist XML | [`PinConfig::from_trustkit_plist`] | [`PinConfig::to_trustkit_plist`] |
//! | TrustKit-Android (NSC + `trustkit-config`) | [`PinConfig::from_trustkit_android_xml`] | — |
//! | OkHttp `CertificatePinner.Builder` (Kotlin) | — | [`PinConfig::to_okhttp_kotlin`] |

mod anchors;
mod assemble;
mod certificates;
mod dates;
mod digest;
mod error;
mod json;
mod limits;
mod nsc;
mod okhttp;
mod options;
mod patterns;
mod pin_config;
mod source;
mod suffix;
mod trustkit;
mod xml;

pub use anchors::{AnchorSource, DomainAnchors, TrustAnchor, TrustConfig};
pub use error::{ConfigError, ConfigErrorKind, ExportError, Warning, Warnings};
pub use limits::{read_file, MAX_FILE_BYTES};
pub use options::{ImportOptions, RawResources};
pub use pin_config::{Exported, Format, PinConfig};
pub use source::Position;

pub(crate) use assemble::{assemble, parse_report_uri, Assembly, Ctx, Draft, SinglePin};
pub(crate) use certificates::{bundled_anchor, certificates_pem, valid_resource_name};
pub(crate) use dates::{date_only, parse_date, utc_in_range};
pub(crate) use patterns::patterns_overlap;
