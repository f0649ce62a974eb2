//! TrustKit dictionaries as JSON: never a panic; an import exports and imports back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinwire::config::PinConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = PinConfig::from_trustkit_json(text, "fuzz.json") else {
        return;
    };
    let exported = config
        .to_trustkit_json()
        .expect("a TrustKit import exports to TrustKit");
    let again = PinConfig::from_trustkit_json(&exported.text, "again.json").expect("a JSON export loads");
    assert_eq!(again, config);
});
