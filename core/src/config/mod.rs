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

mod json;
mod nsc;
mod okhttp;
mod source;
mod suffix;
mod trustkit;

use crate::host::{Host, HostError, HostPattern, PatternKind};
use crate::pin::PinError;
use crate::policy::{DomainRule, Policy, PolicyError};
use reqwest::Url;
use rustls_pki_types::CertificateDer;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

pub use source::Position;

/// Why a configuration file was refused: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {kind}")]
pub struct ConfigError {
    /// The file name the caller gave (or the path that was read).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What is wrong.
    pub kind: ConfigErrorKind,
}

impl ConfigError {
    /// The position as one value.
    pub fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }
}

/// What is wrong in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The text is not well-formed JSON, XML or plist.
    #[error("not well-formed {format}: {message}")]
    Syntax {
        /// `JSON`, `XML` or `plist`.
        format: &'static str,
        /// What the parser said.
        message: String,
    },
    /// The structure is wrong: an element or key in the wrong place, a value of the wrong type or out of
    /// its allowed set.
    #[error("{0}")]
    Invalid(String),
    /// Something required is missing.
    #[error("missing {0}")]
    Missing(String),
    /// Something that may appear once appears again.
    #[error("{0}")]
    Duplicate(String),
    /// A pin is not valid.
    #[error(transparent)]
    Pin(PinError),
    /// A host or pattern is not valid.
    #[error(transparent)]
    Host(HostError),
    /// The rules do not make a valid policy (too few pins, a pattern configured twice).
    #[error(transparent)]
    Policy(PolicyError),
    /// A pin digest other than SHA-256.
    #[error("unsupported pin digest {digest:?}: only SHA-256 is supported")]
    UnsupportedDigest {
        /// The digest attribute as written.
        digest: String,
    },
    /// A date that is not `yyyy-MM-dd` (or, in Pinwire JSON, an RFC 3339 instant).
    #[error("invalid date {value:?}: expected {expected}")]
    InvalidDate {
        /// The text as written.
        value: String,
        /// The accepted forms.
        expected: &'static str,
    },
    /// A rule that would pin every name under a public suffix such as `com` or `co.uk`.
    #[error("{pattern} would pin every name under the public suffix {suffix}")]
    PublicSuffix {
        /// The pattern as written.
        pattern: String,
        /// The public suffix it covers.
        suffix: String,
    },
    /// A certificate resource (`@raw/name`, a bundled PEM) is missing or not a certificate.
    #[error("certificate resource {name:?}: {reason}")]
    Resource {
        /// The resource name.
        name: String,
        /// What went wrong.
        reason: String,
    },
    /// The file could not be read.
    #[error("cannot read the file: {reason}")]
    Io {
        /// What the OS said.
        reason: String,
    },
}

/// Something in a file that was understood but not used, or not understood at all; the configuration
/// was loaded without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file name.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What was ignored, and why.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: warning: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// The warnings of one import, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings(Vec<Warning>);

impl Warnings {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The warnings.
    pub fn iter(&self) -> std::slice::Iter<'_, Warning> {
        self.0.iter()
    }

    /// The warnings as a slice.
    pub fn as_slice(&self) -> &[Warning] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Warnings {
    type Item = &'a Warning;
    type IntoIter = std::slice::Iter<'a, Warning>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Where the certificates of a trust anchor come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorSource {
    /// The platform's preinstalled CAs.
    System,
    /// CAs the user added to the device.
    User,
    /// Certificates shipped with the app (Android `@raw/name`), DER-encoded.
    Bundled {
        /// The resource name (`my_ca` for `@raw/my_ca`): lower-case letters, digits and `_`.
        name: String,
        /// The certificates, in file order.
        certificates: Vec<CertificateDer<'static>>,
    },
}

/// One source of trusted CAs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustAnchor {
    /// Where the CAs come from.
    pub source: AnchorSource,
    /// Whether a chain that ends at one of these CAs skips pin checks (NSC `overridePins`).
    pub override_pins: bool,
}

impl TrustAnchor {
    /// The platform's CAs, without overriding pins.
    pub fn system() -> TrustAnchor {
        TrustAnchor {
            source: AnchorSource::System,
            override_pins: false,
        }
    }

    /// User-added CAs, without overriding pins.
    pub fn user() -> TrustAnchor {
        TrustAnchor {
            source: AnchorSource::User,
            override_pins: false,
        }
    }
}

/// Trust anchors for the hosts of one pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainAnchors {
    /// The hosts.
    pub pattern: HostPattern,
    /// Whether subdomains of the pattern's hosts are included.
    pub include_subdomains: bool,
    /// The anchors; they replace the base anchors for these hosts.
    pub anchors: Vec<TrustAnchor>,
}

/// Which CAs are trusted for which hosts: the trust-anchor part of a Network Security Config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustConfig {
    /// Anchors for hosts no [`DomainAnchors`] entry matches.
    pub base: Vec<TrustAnchor>,
    /// Per-host anchors; the most specific matching entry wins, as for policy rules.
    pub domains: Vec<DomainAnchors>,
    /// Anchors added to every host's anchors in debuggable builds only.
    pub debug: Vec<TrustAnchor>,
}

impl Default for TrustConfig {
    /// The system CAs for every host; no debug anchors.
    fn default() -> TrustConfig {
        TrustConfig {
            base: vec![TrustAnchor::system()],
            domains: Vec::new(),
            debug: Vec::new(),
        }
    }
}

/// A pin policy with everything a configuration file says beyond it.
///
/// Equality compares the configuration and ignores the [`warnings`](PinConfig::warnings), which are
/// about the text it was read from.
#[derive(Clone, Debug)]
pub struct PinConfig {
    policy: Policy,
    report_uris: BTreeMap<HostPattern, Vec<Url>>,
    trust: TrustConfig,
    warnings: Warnings,
}

impl PartialEq for PinConfig {
    fn eq(&self, other: &PinConfig) -> bool {
        self.policy == other.policy && self.report_uris == other.report_uris && self.trust == other.trust
    }
}

impl Eq for PinConfig {}

/// The formats [`PinConfig::load`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Pinwire's JSON format.
    PinwireJson,
    /// Android's `network_security_config.xml`.
    AndroidNsc,
    /// A TrustKit dictionary as JSON.
    TrustKitJson,
    /// A TrustKit dictionary (or an Info.plist with `TSKConfiguration`) as plist XML.
    TrustKitPlist,
    /// TrustKit-Android's XML: an NSC file with `trustkit-config` elements.
    TrustKitAndroid,
}

/// Where `@raw/name` certificate resources are found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RawResources {
    /// Nowhere: any `@raw/` reference is an error.
    #[default]
    None,
    /// An Android `res/raw` directory: `@raw/my_ca` is the file named `my_ca` or `my_ca.<ext>`.
    Directory(PathBuf),
    /// Resource name (`my_ca`) to file contents (PEM or DER).
    Map(BTreeMap<String, Vec<u8>>),
}

/// What the Android formats need to know about the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportOptions {
    target_sdk: u32,
    debuggable: bool,
    raw: RawResources,
    allow_single_pin: bool,
}

impl ImportOptions {
    /// Options for an app with this `targetSdkVersion`: cleartext is permitted by default below 28, and
    /// user-added CAs are trusted by default up to 23. Not debuggable, no raw resources.
    pub fn new(target_sdk_version: u32) -> ImportOptions {
        ImportOptions {
            target_sdk: target_sdk_version,
            debuggable: false,
            raw: RawResources::None,
            allow_single_pin: false,
        }
    }

    /// Whether the build is debuggable (`android:debuggable`): only then is `debug-overrides` applied.
    pub fn debuggable(mut self, debuggable: bool) -> ImportOptions {
        self.debuggable = debuggable;
        self
    }

    /// Where `@raw/name` certificate resources are read from.
    pub fn raw_resources(mut self, raw: RawResources) -> ImportOptions {
        self.raw = raw;
        self
    }

    /// Accepts pin sets with a single pin, which Android allows and Pinwire refuses by default (see
    /// [`PolicyBuilder::dangerous_allow_single_pin`](crate::PolicyBuilder::dangerous_allow_single_pin)).
    pub fn dangerous_allow_single_pin(mut self) -> ImportOptions {
        self.allow_single_pin = true;
        self
    }

    /// The `targetSdkVersion`.
    pub fn target_sdk_version(&self) -> u32 {
        self.target_sdk
    }

    /// Whether the build is debuggable.
    pub fn is_debuggable(&self) -> bool {
        self.debuggable
    }
}

/// An exported file, and what the target format could not say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// The file's text.
    pub text: String,
    /// Files that must ship beside it: for NSC, `res/raw` resource name to PEM contents.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Parts of the configuration the format has no place for and that were left out; none of them
    /// changes which pins are enforced (those are errors instead).
    pub warnings: Vec<String>,
}

/// Why a configuration cannot be written in a format without changing what it enforces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot export to {format}: {reason}")]
pub struct ExportError {
    /// The target format.
    pub format: &'static str,
    /// What cannot be expressed.
    pub reason: String,
}

impl PinConfig {
    /// A configuration holding only `policy`: system CAs for every host, no report URIs.
    pub fn new(policy: Policy) -> PinConfig {
        PinConfig {
            policy,
            report_uris: BTreeMap::new(),
            trust: TrustConfig::default(),
            warnings: Warnings::default(),
        }
    }

    /// The pin policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The pin policy, consuming the configuration.
    pub fn into_policy(self) -> Policy {
        self.policy
    }

    /// Where pin failures are reported, per rule pattern.
    pub fn report_uris(&self) -> &BTreeMap<HostPattern, Vec<Url>> {
        &self.report_uris
    }

    /// Where a pin failure on `host` is reported: the URIs of the rule that gives `host` its pins.
    pub fn report_uris_for(&self, host: &Host) -> &[Url] {
        self.policy
            .pins_for(host)
            .and_then(|req| self.report_uris.get(req.rule.pattern()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Sets the report URIs of the rule with `pattern` (an empty list removes them).
    pub fn with_report_uris(mut self, pattern: HostPattern, uris: Vec<Url>) -> PinConfig {
        if uris.is_empty() {
            self.report_uris.remove(&pattern);
        } else {
            self.report_uris.insert(pattern, uris);
        }
        self
    }

    /// The trust anchors.
    pub fn trust(&self) -> &TrustConfig {
        &self.trust
    }

    /// Replaces the trust anchors.
    pub fn with_trust(mut self, trust: TrustConfig) -> PinConfig {
        self.trust = trust;
        self
    }

    /// The anchors trusted for `host`: those of the most specific matching [`DomainAnchors`], else the
    /// base anchors, plus the debug anchors when `debuggable`.
    pub fn anchors_for(&self, host: &Host, debuggable: bool) -> Vec<&TrustAnchor> {
        let specific = self
            .trust
            .domains
            .iter()
            .filter(|d| d.pattern.matches(host, d.include_subdomains))
            .max_by_key(|d| d.pattern.specificity(host));
        let mut anchors: Vec<&TrustAnchor> = match specific {
            Some(d) => d.anchors.iter().collect(),
            None => self.trust.base.iter().collect(),
        };
        if debuggable {
            anchors.extend(self.trust.debug.iter());
        }
        anchors
    }

    /// What was ignored while reading the file.
    pub fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    /// Reads Pinwire's JSON format (`core/config.schema.json`). `file` names the file in errors.
    pub fn from_json(text: &str, file: &str) -> Result<PinConfig, ConfigError> {
        json::import(text, file)
    }

    /// Reads an Android Network Security Config with the platform's semantics.
    pub fn from_nsc_xml(text: &str, file: &str, options: &ImportOptions) -> Result<PinConfig, ConfigError> {
        nsc::import(text, file, options, false)
    }

    /// Reads TrustKit-Android's XML: an NSC file whose `domain-config`s may hold a `trustkit-config`
    /// (`enforcePinning`, `disableDefaultReportUri`, `report-uri`).
    pub fn from_trustkit_android_xml(
        text: &str,
        file: &str,
        options: &ImportOptions,
    ) -> Result<PinConfig, ConfigError> {
        nsc::import(text, file, options, true)
    }

    /// Reads a TrustKit configuration dictionary written as JSON (optionally under `TSKConfiguration`).
    pub fn from_trustkit_json(text: &str, file: &str) -> Result<PinConfig, ConfigError> {
        trustkit::import_json(text, file)
    }

    /// Reads a TrustKit configuration dictionary, or an Info.plist holding one under
    /// `TSKConfiguration`, written as plist XML.
    pub fn from_trustkit_plist(text: &str, file: &str) -> Result<PinConfig, ConfigError> {
        trustkit::import_plist(text, file)
    }

    /// Reads the file at `path` in `format`; `options` matter only to the Android formats.
    pub fn load(path: &Path, format: Format, options: &ImportOptions) -> Result<PinConfig, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: 1,
            column: 1,
            kind: ConfigErrorKind::Io { reason: e.to_string() },
        })?;
        match format {
            Format::PinwireJson => PinConfig::from_json(&text, &file),
            Format::AndroidNsc => PinConfig::from_nsc_xml(&text, &file, options),
            Format::TrustKitJson => PinConfig::from_trustkit_json(&text, &file),
            Format::TrustKitPlist => PinConfig::from_trustkit_plist(&text, &file),
            Format::TrustKitAndroid => PinConfig::from_trustkit_android_xml(&text, &file, options),
        }
    }

    /// Writes Pinwire's JSON format; reading it back gives an equal configuration.
    pub fn to_json(&self) -> Result<String, ExportError> {
        json::export(self)
    }

    /// Writes an Android Network Security Config. Bundled anchors come back in
    /// [`Exported::files`] (to put in `res/raw`).
    pub fn to_nsc_xml(&self) -> Result<Exported, ExportError> {
        nsc::export(self)
    }

    /// Writes a TrustKit dictionary as plist XML (the value of `TSKConfiguration` in an Info.plist).
    pub fn to_trustkit_plist(&self) -> Result<Exported, ExportError> {
        trustkit::export_plist(self)
    }

    /// Writes a TrustKit dictionary as JSON.
    pub fn to_trustkit_json(&self) -> Result<Exported, ExportError> {
        trustkit::export_json(self)
    }

    /// Writes Kotlin code building the equivalent OkHttp `CertificatePinner`.
    pub fn to_okhttp_kotlin(&self) -> Result<Exported, ExportError> {
        okhttp::export(self)
    }
}

// ---------------------------------------------------------------------------------------------------
// Shared by the importers.

/// Collects warnings and makes errors for one file.
pub(crate) struct Ctx {
    file: String,
    warnings: Vec<Warning>,
}

impl Ctx {
    pub(crate) fn new(file: &str) -> Ctx {
        Ctx {
            file: file.to_string(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn err(&self, pos: Position, kind: ConfigErrorKind) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            kind,
        }
    }

    pub(crate) fn invalid(&self, pos: Position, message: impl Into<String>) -> ConfigError {
        self.err(pos, ConfigErrorKind::Invalid(message.into()))
    }

    pub(crate) fn warn(&mut self, pos: Position, message: impl Into<String>) {
        self.warnings.push(Warning {
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        });
    }
}

/// One rule as read from a file, with where it was written.
pub(crate) struct Draft {
    pub(crate) rule: DomainRule,
    pub(crate) pos: Position,
    pub(crate) report_uris: Vec<Url>,
    pub(crate) anchors: Option<Vec<TrustAnchor>>,
}

/// Everything an importer read, before the checks shared by all formats.
pub(crate) struct Assembly {
    pub(crate) drafts: Vec<Draft>,
    pub(crate) cleartext_default: bool,
    pub(crate) allow_single_pin: bool,
    /// TrustKit's rule: a report-only set may have a single pin (enforcing sets still need two).
    pub(crate) report_only_single_pin: bool,
    pub(crate) base_anchors: Vec<TrustAnchor>,
    pub(crate) debug_anchors: Vec<TrustAnchor>,
}

/// Checks what every format must respect (no public-suffix pinning, enough pins, no pattern twice) with
/// the position of the offending rule, then builds the policy.
pub(crate) fn assemble(ctx: Ctx, assembly: Assembly) -> Result<PinConfig, ConfigError> {
    let lowest = |set: &crate::PinSet| {
        if assembly.allow_single_pin || (assembly.report_only_single_pin && set.mode() == crate::PinMode::ReportOnly) {
            1
        } else {
            2
        }
    };
    let single_pin_used = assembly
        .drafts
        .iter()
        .filter_map(|d| d.rule.pin_set())
        .any(|set| !set.is_exempt() && set.pins().len() < 2);
    let mut seen = BTreeSet::new();
    let mut report_uris = BTreeMap::new();
    let mut domains = Vec::new();
    let mut builder = Policy::builder().cleartext_default(assembly.cleartext_default);
    if assembly.allow_single_pin || (assembly.report_only_single_pin && single_pin_used) {
        builder = builder.dangerous_allow_single_pin();
    }
    for draft in assembly.drafts {
        let rule = &draft.rule;
        let pattern = rule.pattern();
        let pinned = rule.pin_set().filter(|set| !set.is_exempt());
        if let Some(set) = pinned {
            if let Some(suffix) = suffix::covered_public_suffix(pattern, rule.includes_subdomains()) {
                return Err(ctx.err(
                    draft.pos,
                    ConfigErrorKind::PublicSuffix {
                        pattern: describe(pattern, rule.includes_subdomains()),
                        suffix,
                    },
                ));
            }
            let count = set.pins().len();
            let min_pins = lowest(set);
            if count < min_pins {
                return Err(ctx.err(
                    draft.pos,
                    ConfigErrorKind::Policy(PolicyError::TooFewPins {
                        pattern: pattern.to_string(),
                        count,
                        required: min_pins,
                    }),
                ));
            }
        }
        let duplicate = |what: &'static str| {
            ctx.err(
                draft.pos,
                ConfigErrorKind::Policy(PolicyError::DuplicatePattern {
                    pattern: format!("{pattern} ({what})"),
                }),
            )
        };
        if rule.pin_set().is_some() && !seen.insert((pattern.clone(), "pins")) {
            return Err(duplicate("pins"));
        }
        if rule.cleartext().is_some() && !seen.insert((pattern.clone(), "cleartext")) {
            return Err(duplicate("cleartext permission"));
        }
        if !draft.report_uris.is_empty() {
            if report_uris.contains_key(pattern) {
                return Err(duplicate("report URIs"));
            }
            report_uris.insert(pattern.clone(), draft.report_uris);
        }
        if let Some(anchors) = draft.anchors {
            if domains.iter().any(|d: &DomainAnchors| d.pattern == *pattern) {
                return Err(duplicate("trust anchors"));
            }
            domains.push(DomainAnchors {
                pattern: pattern.clone(),
                include_subdomains: rule.includes_subdomains(),
                anchors,
            });
        }
        builder = builder.rule(draft.rule);
    }
    let policy = builder
        .build()
        .map_err(|e| ctx.err(Position::START, ConfigErrorKind::Policy(e)))?;
    Ok(PinConfig {
        policy,
        report_uris,
        trust: TrustConfig {
            base: assembly.base_anchors,
            domains,
            debug: assembly.debug_anchors,
        },
        warnings: Warnings(ctx.warnings),
    })
}

/// `example.com` or `example.com (with subdomains)`, for messages.
pub(crate) fn describe(pattern: &HostPattern, include_subdomains: bool) -> String {
    if include_subdomains && pattern.kind() != PatternKind::AnyDepth {
        format!("{pattern} (with subdomains)")
    } else {
        pattern.to_string()
    }
}

/// Parses a `yyyy-MM-dd` date strictly (four-digit year, two-digit month and day, a real calendar day).
pub(crate) fn parse_date(text: &str) -> Option<time::Date> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return None;
    }
    let year: i32 = text[0..4].parse().ok()?;
    let month: u8 = text[5..7].parse().ok()?;
    let day: u8 = text[8..10].parse().ok()?;
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// The `yyyy-MM-dd` text of an expiration instant, if it is exactly 00:00 UTC on a day with a 4-digit
/// year (the only instants NSC and TrustKit can express).
pub(crate) fn date_only(instant: time::OffsetDateTime) -> Option<String> {
    let utc = utc_in_range(instant)?;
    if utc.time() != time::Time::MIDNIGHT {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02}",
        utc.year(),
        u8::from(utc.month()),
        utc.day()
    ))
}

/// The instant in UTC, if its year there is 0 to 9999 (what RFC 3339 and `yyyy-MM-dd` can write).
pub(crate) fn utc_in_range(instant: time::OffsetDateTime) -> Option<time::OffsetDateTime> {
    // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z; checked on the timestamp, because
    // converting an instant near the limits to UTC could leave the range the time crate supports.
    const FIRST: i64 = -62_167_219_200;
    const LAST: i64 = 253_402_300_799;
    (FIRST..=LAST)
        .contains(&instant.unix_timestamp())
        .then(|| instant.to_offset(time::UtcOffset::UTC))
}

/// A report URI: an absolute `http` or `https` URL.
pub(crate) fn parse_report_uri(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("report URI {text:?} is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!("report URI {text:?} must be an http or https URL"));
    }
    Ok(url)
}

/// Android resource names: what aapt accepts for a `res/raw` file name, which also keeps a name from
/// escaping the resource directory.
pub(crate) fn valid_resource_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Certificates from PEM (one or more `CERTIFICATE` blocks) or a single DER certificate, each checked
/// to be a parseable X.509 certificate.
pub(crate) fn parse_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls_pki_types::pem::PemObject as _;
    let is_pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
    let certs: Vec<CertificateDer<'static>> = if is_pem {
        CertificateDer::pem_slice_iter(bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("not valid PEM: {e}"))?
    } else {
        vec![CertificateDer::from(bytes.to_vec())]
    };
    if certs.is_empty() {
        return Err("no CERTIFICATE found in the PEM text".into());
    }
    for cert in &certs {
        crate::pin::Pin::from_certificate_der(cert).map_err(|e| e.to_string())?;
    }
    Ok(certs)
}

/// PEM text of DER certificates.
pub(crate) fn certificates_pem(certs: &[CertificateDer<'static>]) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    for cert in certs {
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        let b64 = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
        for line in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(line).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    out
}

/// Whether some host matches both `(a, a_subs)` and `(b, b_subs)`.
pub(crate) fn patterns_overlap(a: &HostPattern, a_subs: bool, b: &HostPattern, b_subs: bool) -> bool {
    // A pattern covers the hosts `depth` labels below its base, for depth in [min, max].
    fn range(p: &HostPattern, subs: bool) -> (usize, usize) {
        match (p.kind(), subs) {
            (PatternKind::Exact, false) => (0, 0),
            (PatternKind::Exact, true) | (PatternKind::AnyDepth, _) => (0, usize::MAX),
            (PatternKind::OneLabel, false) => (1, 1),
            (PatternKind::OneLabel, true) => (1, usize::MAX),
        }
    }
    let labels = |h: &Host| -> Vec<String> { h.as_str().split('.').rev().map(str::to_string).collect() };
    let (ra, rb) = (range(a, a_subs), range(b, b_subs));
    let (la, lb) = (labels(a.base()), labels(b.base()));
    if a.base().is_ip() || b.base().is_ip() {
        return a.base() == b.base() && ra.0 == 0 && rb.0 == 0;
    }
    // Order so that `outer` is the shorter base; the other must lie below it.
    let (outer, r_outer, inner, r_inner) = if la.len() <= lb.len() {
        (&la, ra, &lb, rb)
    } else {
        (&lb, rb, &la, ra)
    };
    if inner[..outer.len()] != outer[..] {
        return false;
    }
    let k = inner.len() - outer.len();
    // A host d labels below `inner` is k + d below `outer`.
    let lo = r_inner.0.max(r_outer.0.saturating_sub(k));
    let hi = r_inner.1.min(r_outer.1.saturating_sub(k));
    r_outer.1 >= k && lo <= hi
}
