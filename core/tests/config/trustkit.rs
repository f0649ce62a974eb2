//! TrustKit: the iOS dictionary (JSON and plist) and TrustKit-Android's XML.

use super::common::*;
use pinwire::config::{ImportOptions, PinConfig};
use pinwire::PinMode;
use time::macros::datetime;

#[test]
fn ios_dictionary_from_json_and_plist_equals_its_pinwire_json() {
    let from_json = PinConfig::from_trustkit_json(&fixture("trustkit/ios_readme.json"), "ios_readme.json").unwrap();
    let from_plist = PinConfig::from_trustkit_plist(&fixture("trustkit/Info.plist"), "Info.plist").unwrap();
    let pinwire = json("trustkit/ios_readme.pinwire.json");
    assert_eq!(from_json, pinwire);
    assert_eq!(from_plist, pinwire);
}

#[test]
fn trustkit_semantics() {
    let config = PinConfig::from_trustkit_json(&fixture("trustkit/ios_readme.json"), "ios_readme.json").unwrap();
    // TSKIncludeSubdomains, with the excluded subdomain.
    assert!(pins_of(&config, "yahoo.com").is_some());
    assert!(pins_of(&config, "mail.yahoo.com").is_some());
    assert_eq!(pins_of(&config, "login.yahoo.com"), None);
    // Exclusion is of that host only, as in TrustKit.
    assert!(pins_of(&config, "a.login.yahoo.com").is_some());
    let yahoo = config.policy().pins_for(&host("yahoo.com")).unwrap().pins;
    assert_eq!(yahoo.mode(), PinMode::Enforce);
    assert_eq!(yahoo.expiration(), Some(datetime!(2030-01-01 00:00 UTC)));
    assert_eq!(
        config.report_uris_for(&host("news.yahoo.com")),
        &["https://reports.example.com/log_report".parse().unwrap()]
    );
    assert!(config.report_uris_for(&host("login.yahoo.com")).is_empty());
    // TSKEnforcePinning false: report-only, and one pin is enough.
    let dt = config.policy().pins_for(&host("www.datatheorem.com")).unwrap().pins;
    assert_eq!(dt.mode(), PinMode::ReportOnly);
    assert_eq!(dt.pins().len(), 1);
    assert_eq!(pins_of(&config, "datatheorem.com"), None);
    // TrustKit does not speak about cleartext: Pinwire's default (refused) stays.
    assert!(!config.policy().cleartext_default());
}

#[test]
fn swizzling_and_other_ignored_keys_warn() {
    let config = PinConfig::from_trustkit_json(&fixture("trustkit/ios_readme.json"), "ios_readme.json").unwrap();
    let warnings = config.warnings().as_slice();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!((warnings[0].line, warnings[0].column), (2, 3));
    assert!(warnings[0].message.starts_with("TSKSwizzleNetworkDelegates ignored"));

    let text = format!(
        "{{\"TSKIgnorePinningForUserDefinedTrustAnchors\": true, \"TSKColour\": 1, \"TSKPinnedDomains\": {{\"a.com\": \
         {{\"TSKPublicKeyHashes\": [\"{}\", \"{}\"], \"TSKPublicKeyAlgorithms\": [\"TSKAlgorithmRsa2048\"]}}}}}}",
        &P1[7..],
        &P2[7..]
    );
    let config = PinConfig::from_trustkit_json(&text, "t.json").unwrap();
    let got = messages(&config);
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[0].contains("TSKIgnorePinningForUserDefinedTrustAnchors"));
    assert_eq!(got[1], "unknown key \"TSKColour\" ignored");
    assert!(got[2].contains("TSKPublicKeyAlgorithms is deprecated"));
    // TSKDisableDefaultReportUri not set: TrustKit would report to its own server.
    assert!(got[3].contains("overmind.datatheorem.com"), "{}", got[4]);
    assert!(config.report_uris().is_empty(), "the default report URI is never added");
}

#[test]
fn plist_positions_come_from_the_xml() {
    let config = PinConfig::from_trustkit_plist(&fixture("trustkit/Info.plist"), "Info.plist").unwrap();
    let w = &config.warnings().as_slice()[0];
    assert_eq!((w.file.as_str(), w.line, w.column), ("Info.plist", 11, 9));
}

#[test]
fn trustkit_android_xml() {
    let options = sdk(34).debuggable(true);
    let config =
        PinConfig::from_trustkit_android_xml(&fixture("trustkit/android_readme.xml"), "a.xml", &options).unwrap();
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    let set = config.policy().pins_for(&host("www.datatheorem.com")).unwrap().pins;
    assert_eq!(set.mode(), PinMode::ReportOnly, "enforcePinning=\"false\"");
    assert_eq!(
        config.report_uris_for(&host("www.datatheorem.com")),
        &["http://report.datatheorem.com/log_report".parse().unwrap()]
    );
    // The nested domain-config inherits the trustkit-config.
    let nested = config.policy().pins_for(&host("v1.api.datatheorem.com")).unwrap();
    assert_eq!(nested.pins.mode(), PinMode::ReportOnly);
    assert_eq!(config.report_uris_for(&host("api.datatheorem.com")).len(), 1);
    assert_eq!(config.trust().debug.len(), 1);
    assert!(config.trust().debug[0].override_pins);

    // The same file read as a plain NSC enforces the pins (Android 7+ does) and warns.
    let platform = PinConfig::from_nsc_xml(&fixture("trustkit/android_readme.xml"), "a.xml", &options).unwrap();
    let set = platform.policy().pins_for(&host("www.datatheorem.com")).unwrap().pins;
    assert_eq!(set.mode(), PinMode::Enforce);
    assert_eq!(platform.warnings().len(), 1);
}

#[test]
fn trustkit_android_seed_and_defaults() {
    let config = PinConfig::from_trustkit_android_xml(
        &fixture("nsc/seed_approov_trustkit.xml"),
        "seed.xml",
        &ImportOptions::new(34),
    )
    .unwrap();
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    let host_name = "currency-converter-demo.pdm.approov.io";
    assert_eq!(
        config.policy().pins_for(&host(host_name)).unwrap().pins.mode(),
        PinMode::Enforce
    );
    assert_eq!(config.report_uris_for(&host(host_name)).len(), 1);

    let body = |tk: &str, pins: &str| {
        nsc_doc(&format!(
            "<domain-config><domain>a.com</domain><pin-set>{pins}</pin-set>{tk}</domain-config>"
        ))
    };
    let one = format!("<pin digest=\"SHA-256\">{}</pin>", &P1[7..]);
    let two = format!("{one}<pin digest=\"SHA-256\">{}</pin>", &P2[7..]);
    // trustkit-config without enforcePinning: TrustKit-Android's default, report-only, with warnings.
    let config =
        PinConfig::from_trustkit_android_xml(&body("<trustkit-config/>", &two), "t.xml", &ImportOptions::new(34))
            .unwrap();
    assert_eq!(
        config.policy().pins_for(&host("a.com")).unwrap().pins.mode(),
        PinMode::ReportOnly
    );
    let got = messages(&config);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().any(|m| m.contains("does not set enforcePinning")));
    assert!(got.iter().any(|m| m.contains("default report URI")));
    // Enforcing needs two pins; an empty pin-set cannot be enforced.
    let tk = "<trustkit-config enforcePinning=\"true\" disableDefaultReportUri=\"true\"/>";
    let err = PinConfig::from_trustkit_android_xml(&body(tk, &one), "t.xml", &ImportOptions::new(34)).unwrap_err();
    assert!(err.to_string().contains("at least 2"), "{err}");
    let err = PinConfig::from_trustkit_android_xml(&body(tk, ""), "t.xml", &ImportOptions::new(34)).unwrap_err();
    assert!(err.to_string().contains("empty pin-set"), "{err}");
    assert_eq!(at(&err), (2, 1));
    let bad =
        "<trustkit-config enforcePinning=\"true\"><report-uri>mailto:x@example.com</report-uri></trustkit-config>";
    let err = PinConfig::from_trustkit_android_xml(&body(bad, &one), "t.xml", &ImportOptions::new(34)).unwrap_err();
    assert!(err.to_string().contains("http or https"), "{err}");
}

#[test]
fn unknown_keys_in_a_domain_policy_are_errors() {
    let text = format!(
        "{{\"TSKPinnedDomains\": {{\"a.com\": {{\"TSKPublicKeyHashes\": [\"{}\", \"{}\"],\n  \"TSKIncludeSubdomain\": true}}}}}}",
        &P1[7..],
        &P2[7..]
    );
    let err = PinConfig::from_trustkit_json(&text, "t.json").unwrap_err();
    assert_eq!((err.line, err.column), (2, 3), "{err}");
    assert!(
        err.to_string()
            .contains("unknown key \"TSKIncludeSubdomain\" in the policy of a.com"),
        "{err}"
    );
}

/// Found by the `trustkit_json` fuzz target: a hash with a leading space was read as the digest of
/// "sha256/...", and its export lost those characters. Apple's decoder refuses the space, so we do.
#[test]
fn a_hash_with_whitespace_is_refused() {
    let text = fixture("trustkit/fuzz-report-uri-roundtrip.json");
    let err = PinConfig::from_trustkit_json(&text, "fuzz.json").unwrap_err();
    assert!(err.to_string().contains("' ' is not a base64 character"), "{err}");
    assert_eq!(at(&err), (10, 8));
}

/// `sha256/` is base64 too: a digest whose base64 starts with it is a digest, not a prefixed pin, and
/// both TrustKit and the Network Security Config write it back as it was.
#[test]
fn a_digest_that_starts_with_sha256_slash_round_trips() {
    let digest = "sha256/OVNa4ihaBciRSC7XHjliYS9VwUGOIud4PB18=";
    let text = format!(
        "{{\"TSKPinnedDomains\": {{\"a.com\": {{\"TSKPublicKeyHashes\": [\"{digest}\", \"{}\"]}}}}}}",
        &P1[7..]
    );
    let config = PinConfig::from_trustkit_json(&text, "t.json").unwrap();
    let exported = config.to_trustkit_json().unwrap();
    assert!(exported.text.contains(digest), "{}", exported.text);
    assert_eq!(
        PinConfig::from_trustkit_json(&exported.text, "again.json").unwrap(),
        config
    );
    let nsc = config.to_nsc_xml().unwrap();
    assert!(nsc.text.contains(&format!(">{digest}</pin>")), "{}", nsc.text);
    // Written with the prefix, the same pin is refused with the reason.
    let prefixed = text.replace(&P1[7..], P1);
    let err = PinConfig::from_trustkit_json(&prefixed, "t.json").unwrap_err();
    assert!(err.to_string().contains("without the \"sha256/\" prefix"), "{err}");
}
