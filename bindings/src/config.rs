//! Configuration files for the foreign languages: the core's importers (Pinwire JSON, Android Network
//! Security Config) behind an object that `PinwireClient::from_config` builds a client from.

use crate::error::PinwireError;
use pinwire::config::{ConfigError, ImportOptions, RawResources};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

fn invalid(error: ConfigError) -> PinwireError {
    // "file:line:column: what is wrong"
    PinwireError::InvalidConfig {
        detail: error.to_string(),
    }
}

/// What the Network Security Config importer needs to know about the app.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NscImportOptions {
    /// The app's `targetSdkVersion` (Android's defaults for cleartext and user CAs depend on it).
    pub target_sdk_version: u32,
    /// Whether the build is debuggable: only then are `debug-overrides` applied.
    #[uniffi(default = false)]
    pub debuggable: bool,
    /// `@raw/name` certificate resources: name (`my_ca`) to contents (PEM or DER).
    #[uniffi(default)]
    pub raw_resources: HashMap<String, Vec<u8>>,
    /// Accept pin sets with a single pin, which Android allows and Pinwire refuses by default.
    #[uniffi(default = false)]
    pub dangerous_allow_single_pin: bool,
}

/// A loaded configuration: pin policy and trust anchors, for `PinwireClient::from_config`.
#[derive(Debug, uniffi::Object)]
pub struct PinConfig {
    pub(crate) inner: pinwire::config::PinConfig,
    /// Whether debug-only anchors count.
    pub(crate) debuggable: bool,
}

#[uniffi::export]
impl PinConfig {
    /// Reads Pinwire's JSON format; `file` names the text in errors. `debuggable`: whether its
    /// debug-only trust anchors count.
    #[uniffi::constructor]
    pub fn from_json(text: String, file: String, debuggable: bool) -> Result<Arc<PinConfig>, PinwireError> {
        let inner = pinwire::config::PinConfig::from_json(&text, &file).map_err(invalid)?;
        Ok(Arc::new(PinConfig { inner, debuggable }))
    }

    /// Reads an Android `network_security_config.xml` with the platform's semantics.
    #[uniffi::constructor]
    pub fn from_nsc_xml(text: String, file: String, options: NscImportOptions) -> Result<Arc<PinConfig>, PinwireError> {
        let mut import = ImportOptions::new(options.target_sdk_version).debuggable(options.debuggable);
        if !options.raw_resources.is_empty() {
            import = import.raw_resources(RawResources::Map(
                options.raw_resources.into_iter().collect::<BTreeMap<_, _>>(),
            ));
        }
        if options.dangerous_allow_single_pin {
            import = import.dangerous_allow_single_pin();
        }
        let inner = pinwire::config::PinConfig::from_nsc_xml(&text, &file, &import).map_err(invalid)?;
        Ok(Arc::new(PinConfig {
            inner,
            debuggable: options.debuggable,
        }))
    }

    /// Reads a TrustKit configuration dictionary (iOS) written as JSON, optionally under `TSKConfiguration`.
    #[uniffi::constructor]
    pub fn from_trustkit_json(text: String, file: String) -> Result<Arc<PinConfig>, PinwireError> {
        let inner = pinwire::config::PinConfig::from_trustkit_json(&text, &file).map_err(invalid)?;
        Ok(Arc::new(PinConfig {
            inner,
            debuggable: false,
        }))
    }

    /// Reads a TrustKit configuration dictionary (iOS) written as plist XML, or an Info.plist holding one
    /// under `TSKConfiguration`.
    #[uniffi::constructor]
    pub fn from_trustkit_plist(text: String, file: String) -> Result<Arc<PinConfig>, PinwireError> {
        let inner = pinwire::config::PinConfig::from_trustkit_plist(&text, &file).map_err(invalid)?;
        Ok(Arc::new(PinConfig {
            inner,
            debuggable: false,
        }))
    }

    /// What the file said that was not used, each as `file:line:column: warning: ...`.
    pub fn warnings(&self) -> Vec<String> {
        self.inner.warnings().iter().map(ToString::to_string).collect()
    }

    /// The configuration in Pinwire's JSON format.
    pub fn to_json(&self) -> Result<String, PinwireError> {
        self.inner
            .to_json()
            .map_err(|e| PinwireError::InvalidConfig { detail: e.to_string() })
    }
}
