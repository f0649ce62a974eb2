//! Android Network Security Config (and TrustKit-Android's variant): never a panic; an imported file
//! exports to NSC and imports back to the same configuration.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinwire::config::{ImportOptions, PinConfig, RawResources};
use std::collections::BTreeMap;

/// A certificate for `@raw/ca`, so that trust anchors get exercised too.
const CA: &[u8] = include_bytes!("../../core/tests/fixtures/nsc/raw/my_ca.pem");

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mut raw = BTreeMap::new();
    raw.insert("ca".to_string(), CA.to_vec());
    let options = ImportOptions::new(if flags & 1 == 0 { 34 } else { 23 })
        .debuggable(flags & 2 != 0)
        .raw_resources(RawResources::Map(raw));
    let trustkit = flags & 4 != 0;
    let loaded = if trustkit {
        PinConfig::from_trustkit_android_xml(text, "fuzz.xml", &options)
    } else {
        PinConfig::from_nsc_xml(text, "fuzz.xml", &options)
    };
    let Ok(config) = loaded else { return };
    let json = config.to_json().expect("a loaded configuration exports to JSON");
    assert_eq!(
        PinConfig::from_json(&json, "again.json").expect("JSON export loads"),
        config
    );
    if !trustkit {
        let exported = config.to_nsc_xml().expect("an NSC import exports to NSC");
        let options = options.raw_resources(RawResources::Map(exported.files.clone()));
        let again = PinConfig::from_nsc_xml(&exported.text, "again.xml", &options).expect("NSC export loads");
        assert_eq!(again, config);
    }
    let _ = config.to_trustkit_json();
    let _ = config.to_okhttp_kotlin();
});
