//! Failure reports (TrustKit's format) configured from Kotlin or Swift: the app's identity and where
//! to send reports. The reporting itself is the core's `pinwire::report`.

use crate::error::PinwireError;
use std::sync::Arc;

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
    /// Seconds an identical report is suppressed (default 24 hours).
    #[uniffi(default = None)]
    pub rate_limit_seconds: Option<u64>,
}

/// The core's reporter for these options.
///
/// Uploads use `upload_trust` (the client's own roots, so an app-bundled CA works for the collector too)
/// and the client's name overrides, never its pins.
pub(crate) fn reporter(
    options: &ReportingOptions,
    config: Option<&pinwire::config::PinConfig>,
    upload_trust: pinwire::TrustSource,
    resolve: &[(String, std::net::SocketAddr)],
) -> Result<Arc<pinwire::report::Reporter>, PinwireError> {
    let app = pinwire::report::AppInfo {
        bundle_id: options.app_bundle_id.clone(),
        version: options.app_version.clone(),
        vendor_id: options.app_vendor_id.clone(),
        platform: options.app_platform.clone(),
        platform_version: options.app_platform_version.clone(),
    };
    let mut report = pinwire::report::ReportConfig::new(app).upload_trust(upload_trust);
    for (host, addr) in resolve {
        report = report.upload_resolve(host, *addr);
    }
    if let Some(seconds) = options.rate_limit_seconds {
        report = report.rate_limit(std::time::Duration::from_secs(seconds));
    }
    if let Some(config) = config {
        report = report.with_config_uris(config)?;
    }
    for entry in &options.uris {
        report = report.report_uri(&entry.pattern, &entry.uri)?;
    }
    Ok(Arc::new(pinwire::report::Reporter::new(report)?))
}
