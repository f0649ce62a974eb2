//! What the Android formats need to know about the app.

use std::collections::BTreeMap;
use std::path::PathBuf;

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
    pub(crate) target_sdk: u32,
    pub(crate) debuggable: bool,
    pub(crate) raw: RawResources,
    pub(crate) allow_single_pin: bool,
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

    /// Accepts pin sets with a single pin in TrustKit-Android files, which TrustKit-Android refuses.
    /// (An Android NSC file may always have one, as on Android, with a warning; see
    /// [`PolicyBuilder::dangerous_allow_single_pin`](crate::PolicyBuilder::dangerous_allow_single_pin)
    /// for the risk.)
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
