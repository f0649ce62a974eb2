//! Failure reports (TrustKit's format) configured from Kotlin or Swift: the app's identity and where
//! to send reports. The reporting itself is the core's `pinwire::report`.

use crate::error::PinwireError;

/// Where failures of one pattern's rule are reported.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ReportUri {
    /// The rule's pattern, as given in its pin rule.
    pub pattern: String,
    /// An `https` URL that accepts TrustKit's JSON reports.
    pub uri: String,
}

/// The app's identity, as TrustKit reports carry it, and the report URIs.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ReportingOptions {
    /// Bundle identifier or Android package name.
    pub app_bundle_id: String,
    /// The app's version.
    pub app_version: String,
    /// An identifier of this installation.
    pub app_vendor_id: String,
    /// `ANDROID`, `IOS`, ...
    pub app_platform: String,
    /// The OS version.
    pub app_platform_version: String,
    /// Report URIs per pattern (a client built from a configuration file also uses the file's).
    #[uniffi(default = [])]
    pub uris: Vec<ReportUri>,
    /// How long an identical report is suppressed (default 24 hours).
    #[uniffi(default = None)]
    pub rate_limit: Option<std::time::Duration>,
}

/// The core's report configuration for these options; the client adds its configuration file's URIs and
/// uploads with its own trust and address overrides.
pub(crate) fn report_config(options: &ReportingOptions) -> Result<pinwire::report::ReportConfig, PinwireError> {
    let app = pinwire::report::AppInfo {
        bundle_id: options.app_bundle_id.clone(),
        version: options.app_version.clone(),
        vendor_id: options.app_vendor_id.clone(),
        platform: options.app_platform.clone(),
        platform_version: options.app_platform_version.clone(),
    };
    let mut report = pinwire::report::ReportConfig::new(app);
    if let Some(window) = options.rate_limit {
        report = report.rate_limit(window);
    }
    for entry in &options.uris {
        report = report.report_uri(&entry.pattern, &entry.uri)?;
    }
    Ok(report)
}
