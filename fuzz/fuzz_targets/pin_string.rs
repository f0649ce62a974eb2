//! Pin strings and host patterns: never a panic; a parsed pin prints back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinwire::{Host, HostPattern, Pin};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(pin) = text.parse::<Pin>() {
        assert_eq!(pin.to_string().parse::<Pin>().unwrap(), pin);
    }
    if let Ok(pattern) = HostPattern::parse(text) {
        assert_eq!(HostPattern::parse(&pattern.to_string()).unwrap(), pattern);
    }
    if let Ok(host) = Host::parse(text) {
        assert_eq!(Host::parse(host.as_str()).unwrap(), host);
    }
    let _ = Pin::from_public_key(data);
    let _ = Pin::from_certificate_der(data);
});
