//! TrustKit dictionaries as plist XML: never a panic; an import exports and imports back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinwire::config::PinConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = PinConfig::from_trustkit_plist(text, "fuzz.plist") else {
        return;
    };
    let exported = config
        .to_trustkit_plist()
        .expect("a TrustKit import exports to TrustKit");
    let again = PinConfig::from_trustkit_plist(&exported.text, "again.plist").expect("a plist export loads");
    assert_eq!(again, config);
});
