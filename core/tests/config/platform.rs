//! Files read as their platforms read them: Android's base64, domains, attribute values, expiration
//! dates and debug-overrides; TrustKit-Android's defaults.

use super::common::*;
use pinwire::config::{AnchorSource, ConfigErrorKind, ImportOptions, PinConfig};
use pinwire::PinMode;
use time::macros::datetime;

const A: &str = "7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=";
const B: &str = "fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=";

fn domain_config(domain: &str, pin_a: &str) -> String {
    nsc_doc(&format!(
        "<domain-config><domain>{domain}</domain><pin-set><pin digest=\"SHA-256\">{pin_a}</pin>\
         <pin digest=\"SHA-256\">{B}</pin></pin-set></domain-config>"
    ))
}

fn load(xml: &str) -> PinConfig {
    PinConfig::from_nsc_xml(xml, "n.xml", &ImportOptions::new(34)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn base64_is_read_as_android_decodes_it_with_a_warning() {
    // No padding (43 characters), a line break inside, stray low bits in the last digit: Android
    // decodes all three to the same digest.
    let unpadded = &A[..43];
    let broken = format!("{}\n      {}", &A[..20], &A[20..]);
    let stray = "7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Z=";
    for (text, warning) in [
        (unpadded, Some("lacks its '=' padding")),
        (&broken, None),
        (stray, Some("stray low bits")),
    ] {
        let config = load(&domain_config("a.example.com", text));
        assert_eq!(
            pins_of(&config, "a.example.com"),
            Some(vec![format!("sha256/{A}"), format!("sha256/{B}")]),
            "{text}"
        );
        let messages = messages(&config);
        match warning {
            Some(w) => {
                assert_eq!(messages.len(), 1, "{messages:?}");
                assert!(messages[0].contains(w), "{messages:?}");
                assert!(messages[0].ends_with(&format!("read as {A}")), "{messages:?}");
            }
            None => assert!(messages.is_empty(), "{messages:?}"),
        }
    }
    // A digest of the wrong length: the message talks about the digest, not a prefix the file lacks.
    let err = PinConfig::from_nsc_xml(
        &domain_config("a.example.com", &A[..40]),
        "n.xml",
        &ImportOptions::new(34),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("decodes to 30 bytes; a SHA-256 digest has 32"),
        "{err}"
    );
    assert!(!err.to_string().contains("sha256/"), "{err}");
}

#[test]
fn trustkit_pins_with_stray_bits_are_read_as_apple_does() {
    let stray = "7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Z=";
    let text = format!("{{\"TSKPinnedDomains\": {{\"a.example.com\": {{\"TSKPublicKeyHashes\": [\"{stray}\", \"{B}\"], \"TSKDisableDefaultReportUri\": true}}}}}}");
    let config = PinConfig::from_trustkit_json(&text, "t.json").unwrap();
    assert_eq!(pins_of(&config, "a.example.com").unwrap()[0], format!("sha256/{A}"));
    let messages = messages(&config);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("stray low bits"), "{messages:?}");
}

#[test]
fn domains_are_only_trimmed_and_lower_cased() {
    // Trimmed and lower-cased, nothing else.
    let config = load(&domain_config("  Api.Example.COM\n ", A));
    assert!(pins_of(&config, "api.example.com").is_some());
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    // An underscore (AOSP's own test fixture has one) imports; Pinwire's client refuses such host
    // names before connecting, so the domain is left out, saying so.
    let config = load(&domain_config("Under_Score.Example.com", A));
    assert!(config.policy().rules().is_empty());
    let got = messages(&config);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("<domain>under_score.example.com</domain> is left out"),
        "{got:?}"
    );
    // Values no host name equals import, with a warning, and pin nothing, as on Android.
    for (value, why) in [
        ("api.example.com:8443", "a port"),
        ("*.example.com", "a wildcard"),
        ("example.com.", "no host name is written that way"),
    ] {
        let config = load(&domain_config(value, A));
        assert!(config.policy().rules().is_empty(), "{value}");
        let messages = messages(&config);
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages[0].contains("can never match a host"), "{messages:?}");
        assert!(messages[0].contains(why), "{messages:?}");
    }
}

#[test]
fn attribute_values_android_does_not_understand_take_its_default() {
    // A build placeholder left in the file: Android uses the attribute's default (true for
    // cleartextTrafficPermitted, false for includeSubdomains).
    let xml = nsc_doc(&format!(
        "<base-config cleartextTrafficPermitted=\"false\"/>\n<domain-config cleartextTrafficPermitted=\"${{isDebug}}\">\
         <domain includeSubdomains=\"${{subs}}\">a.example.com</domain><pin-set><pin digest=\"SHA-256\">{A}</pin>\
         <pin digest=\"SHA-256\">{B}</pin></pin-set></domain-config>\n<domain-config cleartextTrafficPermitted=\"0\">\
         <domain includeSubdomains=\"1\">b.example.com</domain></domain-config>"
    ));
    let config = load(&xml);
    assert!(cleartext(&config, "a.example.com"));
    assert!(
        pins_of(&config, "x.a.example.com").is_none(),
        "includeSubdomains fell back to false"
    );
    assert!(!cleartext(&config, "b.example.com"));
    assert!(
        !cleartext(&config, "x.b.example.com"),
        "includeSubdomains=\"1\" is true"
    );
    let messages = messages(&config);
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(messages[0].contains("\"${isDebug}\" is not a boolean, so Android uses its default, true"));
    assert!(messages[1].contains("\"${subs}\" is not a boolean, so Android uses its default, false"));
    assert!(messages[2].contains("\"0\" is an integer, which Android reads as false"));
}

#[test]
fn expiration_is_read_as_androids_simple_date_format() {
    let with = |expiration: &str| {
        nsc_doc(&format!(
            "<domain-config><domain>a.example.com</domain><pin-set expiration=\"{expiration}\">\
             <pin digest=\"SHA-256\">{A}</pin><pin digest=\"SHA-256\">{B}</pin></pin-set></domain-config>"
        ))
    };
    let expiry = |config: &PinConfig| config.policy().rules()[0].pin_set().unwrap().expiration().unwrap();
    for form in ["2030-1-1", "2030-01-01T12:00:00", " 2030-01-01", "2030-001-01 and more"] {
        let config = load(&with(form));
        assert_eq!(expiry(&config), datetime!(2030-01-01 00:00 UTC), "{form}");
        let messages = messages(&config);
        assert_eq!(messages.len(), 1, "{form}: {messages:?}");
        assert!(
            messages[0].contains("read as Android reads it: 2030-01-01"),
            "{messages:?}"
        );
    }
    let config = load(&with("2030-01-01"));
    assert!(config.warnings().is_empty());
    // The pins hold until the first instant of that day, then fail open.
    let set = config.policy().rules()[0].pin_set().unwrap().clone();
    assert!(!set.is_expired_at(datetime!(2029-12-31 23:59:59.999 UTC)));
    assert!(set.is_expired_at(datetime!(2030-01-01 00:00:00.001 UTC)));
    // What Android's non-lenient parser refuses, so does the import.
    for bad in [
        "2018/8/10",
        "2030-02-30",
        "2030-13-01",
        "30-01",
        "${expiry}",
        "",
        "0-01-01",
    ] {
        let err = PinConfig::from_nsc_xml(&with(bad), "n.xml", &ImportOptions::new(34)).unwrap_err();
        assert!(matches!(err.kind, ConfigErrorKind::InvalidDate { .. }), "{bad}: {err}");
    }
}

#[test]
fn a_release_import_leaves_debug_overrides_out_with_a_warning() {
    // Android skips the element unread in a release build, whatever it holds.
    let xml = nsc_doc(
        "<debug-overrides><domain-config/><trust-anchors><certificates src=\"@raw/debug_cas\"/></trust-anchors>\
         </debug-overrides>",
    );
    let config = PinConfig::from_nsc_xml(&xml, "n.xml", &ImportOptions::new(34)).unwrap();
    assert!(config.trust().debug.is_empty());
    let messages = messages(&config);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("release-build import"), "{messages:?}");
    assert!(messages[0].contains("--debuggable") && messages[0].contains("debuggable = true"));
    // A debuggable build reads it, and refuses what Android refuses there.
    let err = PinConfig::from_nsc_xml(&xml, "n.xml", &sdk(34).debuggable(true)).unwrap_err();
    assert!(
        err.to_string().contains("nested <domain-config> is not allowed"),
        "{err}"
    );
}

#[test]
fn trustkit_android_reads_debug_overrides_its_own_way() {
    let xml = format!(
        "<network-security-config>\n<domain-config><domain>a.example.com</domain><pin-set>\
         <pin digest=\"SHA-256\">{A}</pin><pin digest=\"SHA-256\">{B}</pin></pin-set>\
         <trustkit-config enforcePinning=\"true\" disableDefaultReportUri=\"true\"/></domain-config>\n\
         <debug-overrides><trust-anchors><certificates src=\"user\"/><certificates src=\"@raw/debug_cas\"/>\
         </trust-anchors></debug-overrides>\n</network-security-config>"
    );
    let config = PinConfig::from_trustkit_android_xml(&xml, "t.xml", &sdk(34).debuggable(true)).unwrap();
    // Only the @raw/ certificates, and overridePins false unless written "true" (NSC's default is true).
    let debug = &config.trust().debug;
    assert_eq!(debug.len(), 1, "{debug:?}");
    assert!(matches!(debug[0].source, AnchorSource::Bundled { ref name, .. } if name == "debug_cas"));
    assert!(!debug[0].override_pins);
    assert!(messages(&config).iter().any(|m| m.contains("ignores src=\"user\"")));
    let nsc = PinConfig::from_nsc_xml(&xml, "n.xml", &sdk(34).debuggable(true)).unwrap();
    assert_eq!(nsc.trust().debug.len(), 2);
    assert!(nsc.trust().debug.iter().all(|a| a.override_pins));
}

#[test]
fn trustkit_android_maps_both_unenforced_defaults_alike() {
    let pins = format!("<pin-set><pin digest=\"SHA-256\">{A}</pin><pin digest=\"SHA-256\">{B}</pin></pin-set>");
    let xml = format!(
        "<network-security-config>\n<domain-config><domain>a.example.com</domain>{pins}\
         <trustkit-config disableDefaultReportUri=\"true\"/></domain-config>\n\
         <domain-config><domain>b.example.com</domain>{pins}</domain-config>\n</network-security-config>"
    );
    let config = PinConfig::from_trustkit_android_xml(&xml, "t.xml", &ImportOptions::new(34)).unwrap();
    for name in ["a.example.com", "b.example.com"] {
        assert_eq!(
            config.policy().pins_for(&host(name)).unwrap().pins.mode(),
            PinMode::ReportOnly,
            "{name}"
        );
    }
    let messages = messages(&config);
    let unenforced: Vec<_> = messages
        .iter()
        .filter(|m| m.contains("TrustKit-Android's default is not to enforce"))
        .collect();
    assert_eq!(unenforced.len(), 2, "{messages:?}");
    assert!(unenforced.iter().all(|m| m.contains("--format nsc")));
}

#[test]
fn hints_name_cli_flags_and_kotlin_swift_parameters() {
    let xml = nsc_doc("<base-config><trust-anchors><certificates src=\"@raw/my_ca\"/></trust-anchors></base-config>");
    let err = PinConfig::from_nsc_xml(&xml, "n.xml", &ImportOptions::new(34)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("--raw-dir") && text.contains("rawResources"), "{text}");
    assert!(!text.contains("::"), "{text}");
}

#[test]
fn a_report_uri_on_a_pinned_host_warns_at_load() {
    let pinned = format!(
        "{{\"rules\": [{{\"pattern\": \"example.com\", \"include_subdomains\": true, \"pins\": [\"sha256/{A}\", \"sha256/{B}\"],\n  \
         \"report_uris\": [\"https://reports.example.com/pins\"]}}]}}"
    );
    let config = PinConfig::from_json(&pinned, "p.json").unwrap();
    let warnings = config.warnings().as_slice();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!((warnings[0].line, warnings[0].column), (1, 12));
    assert!(
        warnings[0]
            .message
            .contains("https://reports.example.com/pins is on reports.example.com, which this configuration pins"),
        "{warnings:?}"
    );
    // A collector elsewhere: no warning. Same rule in a TrustKit-Android file.
    let elsewhere = pinned.replace("reports.example.com", "collector.example.net");
    assert!(PinConfig::from_json(&elsewhere, "p.json")
        .unwrap()
        .warnings()
        .is_empty());
    let xml = format!(
        "<network-security-config><domain-config><domain includeSubdomains=\"true\">example.com</domain>\
         <pin-set><pin digest=\"SHA-256\">{A}</pin><pin digest=\"SHA-256\">{B}</pin></pin-set>\
         <trustkit-config enforcePinning=\"true\" disableDefaultReportUri=\"true\">\
         <report-uri>https://example.com/report</report-uri></trustkit-config></domain-config></network-security-config>"
    );
    let config = PinConfig::from_trustkit_android_xml(&xml, "t.xml", &ImportOptions::new(34)).unwrap();
    assert!(messages(&config)
        .iter()
        .any(|m| m.contains("which this configuration pins")));
}
