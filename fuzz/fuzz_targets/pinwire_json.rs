//! Pinwire's JSON format: never a panic; whatever loads exports and loads back to the same thing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinwire::config::PinConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = PinConfig::from_json(text, "fuzz.json") else {
        return;
    };
    let exported = config.to_json().expect("a loaded configuration exports");
    let again = PinConfig::from_json(&exported, "again.json").expect("an export loads");
    assert_eq!(again, config);
    // The other exporters may refuse, but must not panic.
    let _ = config.to_nsc_xml();
    let _ = config.to_trustkit_plist();
    let _ = config.to_trustkit_json();
    let _ = config.to_okhttp_kotlin();
});
