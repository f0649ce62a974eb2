//! Fixture access and small helpers.

use pinwire::config::{ConfigError, ImportOptions, PinConfig, RawResources};
use pinwire::Host;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// Android documentation's example pins.
pub const P1: &str = "sha256/7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=";
pub const P2: &str = "sha256/fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=";
/// A third pin (SHA-256 of nothing in particular).
pub const P3: &str = "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture_bytes(path: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn raw_dir() -> RawResources {
    RawResources::Directory(format!("{FIXTURES}/nsc/raw").into())
}

pub fn sdk(target: u32) -> ImportOptions {
    ImportOptions::new(target).raw_resources(raw_dir())
}

pub fn nsc(path: &str, options: &ImportOptions) -> PinConfig {
    PinConfig::from_nsc_xml(&fixture(path), path, options).unwrap_or_else(|e| panic!("{e}"))
}

pub fn json(path: &str) -> PinConfig {
    PinConfig::from_json(&fixture(path), path).unwrap_or_else(|e| panic!("{e}"))
}

pub fn host(name: &str) -> Host {
    Host::parse(name).unwrap()
}

/// The pins `name` must match, as sorted strings.
pub fn pins_of(config: &PinConfig, name: &str) -> Option<Vec<String>> {
    config.policy().pins_for(&host(name)).map(|req| {
        let mut pins: Vec<String> = req.pins.pins().map(|p| p.to_string()).collect();
        pins.sort();
        pins
    })
}

pub fn cleartext(config: &PinConfig, name: &str) -> bool {
    config.policy().cleartext_permitted(&host(name))
}

/// Line and column of an error.
pub fn at(e: &ConfigError) -> (u32, u32) {
    (e.line, e.column)
}

pub fn nsc_err(xml: &str) -> ConfigError {
    match PinConfig::from_nsc_xml(xml, "network_security_config.xml", &ImportOptions::new(34)) {
        Ok(c) => panic!("accepted: {c:?}"),
        Err(e) => e,
    }
}

pub fn messages(config: &PinConfig) -> Vec<String> {
    config.warnings().iter().map(|w| w.message.clone()).collect()
}

/// An NSC document with `body` inside `<network-security-config>` on line 2.
pub fn nsc_doc(body: &str) -> String {
    format!("<network-security-config>\n{body}\n</network-security-config>\n")
}
