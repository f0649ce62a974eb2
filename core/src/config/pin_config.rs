//! [`PinConfig`]: a policy with what a file says beyond it, and the entry points of every format.

use super::limits::{check_size, read_file};
use super::{json, nsc, okhttp, trustkit, ConfigError, ExportError, ImportOptions, TrustAnchor, TrustConfig, Warnings};
use crate::host::{Host, HostPattern};
use crate::policy::Policy;
use reqwest::Url;
use std::collections::BTreeMap;
use std::path::Path;

/// A pin policy with everything a configuration file says beyond it.
///
/// Equality compares the configuration and ignores the [`warnings`](PinConfig::warnings), which are
/// about the text it was read from.
#[derive(Clone, Debug)]
pub struct PinConfig {
    pub(crate) policy: Policy,
    pub(crate) report_uris: BTreeMap<HostPattern, Vec<Url>>,
    pub(crate) trust: TrustConfig,
    pub(crate) warnings: Warnings,
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
        check_size(text, file)?;
        json::import(text, file)
    }

    /// Reads an Android Network Security Config with the platform's semantics.
    pub fn from_nsc_xml(text: &str, file: &str, options: &ImportOptions) -> Result<PinConfig, ConfigError> {
        check_size(text, file)?;
        nsc::import(text, file, options, false)
    }

    /// Reads TrustKit-Android's XML: an NSC file whose `domain-config`s may hold a `trustkit-config`
    /// (`enforcePinning`, `disableDefaultReportUri`, `report-uri`).
    pub fn from_trustkit_android_xml(
        text: &str,
        file: &str,
        options: &ImportOptions,
    ) -> Result<PinConfig, ConfigError> {
        check_size(text, file)?;
        nsc::import(text, file, options, true)
    }

    /// Reads a TrustKit configuration dictionary written as JSON (optionally under `TSKConfiguration`).
    pub fn from_trustkit_json(text: &str, file: &str) -> Result<PinConfig, ConfigError> {
        check_size(text, file)?;
        trustkit::import_json(text, file)
    }

    /// Reads a TrustKit configuration dictionary, or an Info.plist holding one under
    /// `TSKConfiguration`, written as plist XML.
    pub fn from_trustkit_plist(text: &str, file: &str) -> Result<PinConfig, ConfigError> {
        check_size(text, file)?;
        trustkit::import_plist(text, file)
    }

    /// Reads the file at `path` in `format`; `options` matter only to the Android formats. Files over
    /// [`MAX_FILE_BYTES`](super::MAX_FILE_BYTES) are refused.
    pub fn load(path: &Path, format: Format, options: &ImportOptions) -> Result<PinConfig, ConfigError> {
        let file = path.display().to_string();
        let text = read_file(path)?;
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
