//! Reading configuration files in any format the core imports.

use clap::{Args, ValueEnum};
use pinwire::config::{Format, ImportOptions, PinConfig, RawResources};
use std::path::{Path, PathBuf};

/// A configuration format on the command line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// Pinwire's JSON format.
    Pinwire,
    /// Android's network_security_config.xml.
    Nsc,
    /// A TrustKit dictionary (JSON, or plist XML such as an Info.plist), or TrustKit-Android's XML.
    Trustkit,
}

/// How to read a configuration file.
#[derive(Args, Debug, Clone)]
pub struct ConfigArgs {
    /// The file's format; guessed from its contents when omitted.
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
    /// The app's targetSdkVersion (Android formats: it sets the cleartext and user-CA defaults).
    #[arg(long = "target-sdk", value_name = "N", default_value_t = 34)]
    pub target_sdk: u32,
    /// Apply debug-overrides and debug-only anchors, as in a debuggable build.
    #[arg(long = "debuggable")]
    pub debuggable: bool,
    /// The app's res/raw directory, for `@raw/name` certificates (Android formats).
    #[arg(long = "raw-dir", value_name = "DIR")]
    pub raw_dir: Option<PathBuf>,
}

fn guess(path: &Path, text: &str, hint: Option<FormatArg>) -> Format {
    let trimmed = text.trim_start();
    let xml = trimmed.starts_with('<');
    let plist = xml && (trimmed.contains("<plist") || trimmed.contains("<!DOCTYPE plist"));
    let trustkit_android = xml && text.contains("trustkit-config");
    let trustkit_json = !xml && (text.contains("TSKPinnedDomains") || text.contains("TSKConfiguration"));
    match hint {
        Some(FormatArg::Pinwire) => Format::PinwireJson,
        Some(FormatArg::Nsc) => Format::AndroidNsc,
        Some(FormatArg::Trustkit) if plist => Format::TrustKitPlist,
        Some(FormatArg::Trustkit) if xml => Format::TrustKitAndroid,
        Some(FormatArg::Trustkit) => Format::TrustKitJson,
        None if plist || path.extension().is_some_and(|e| e == "plist") => Format::TrustKitPlist,
        None if trustkit_android => Format::TrustKitAndroid,
        None if xml => Format::AndroidNsc,
        None if trustkit_json => Format::TrustKitJson,
        None => Format::PinwireJson,
    }
}

impl ConfigArgs {
    /// Loads `path`; warnings go to stderr.
    pub fn load(&self, path: &Path) -> Result<PinConfig, String> {
        let text = pinwire::config::read_file(path).map_err(|e| e.to_string())?;
        let format = guess(path, &text, self.format);
        let mut options = ImportOptions::new(self.target_sdk).debuggable(self.debuggable);
        if let Some(dir) = &self.raw_dir {
            options = options.raw_resources(RawResources::Directory(dir.clone()));
        }
        let config = PinConfig::load(path, format, &options).map_err(|e| e.to_string())?;
        for warning in config.warnings() {
            eprintln!("{warning}");
        }
        Ok(config)
    }
}
