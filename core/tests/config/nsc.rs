//! Android Network Security Config import: the platform's semantics, element by element.

use super::common::*;
use pinwire::config::{AnchorSource, ImportOptions, PinConfig, RawResources, TrustAnchor};
use pinwire::{PinMode, PinOutcome};
use std::collections::BTreeMap;
use time::macros::datetime;

fn bundled_name(anchor: &TrustAnchor) -> Option<&str> {
    match &anchor.source {
        AnchorSource::Bundled { name, .. } => Some(name),
        _ => None,
    }
}

#[test]
fn docs_pin_set_equals_its_pinwire_json() {
    let from_nsc = nsc("nsc/docs_pins.xml", &sdk(34));
    let from_json = json("nsc/docs_pins.json");
    assert_eq!(from_nsc, from_json);
    assert_eq!(from_nsc.policy(), from_json.policy());
    assert!(from_nsc.warnings().is_empty(), "{:?}", from_nsc.warnings());
    // includeSubdomains: the domain and every name below it.
    for name in ["example.com", "www.example.com", "a.b.example.com"] {
        assert_eq!(
            pins_of(&from_nsc, name),
            Some(vec![P1.to_string(), P2.to_string()]),
            "{name}"
        );
    }
    assert_eq!(pins_of(&from_nsc, "example.org"), None);
    assert_eq!(pins_of(&from_nsc, "notexample.com"), None);
}

#[test]
fn pin_set_expiration_is_midnight_utc_and_fails_open() {
    let config = nsc("nsc/docs_pins.xml", &sdk(34));
    let set = config.policy().pins_for(&host("example.com")).unwrap().pins;
    assert_eq!(set.expiration(), Some(datetime!(2018-01-01 00:00 UTC)));
    assert!(!set.is_expired_at(datetime!(2017-12-31 23:59:59 UTC)));
    // Still enforced at the instant itself, as on Android (`now > expiration`).
    assert!(!set.is_expired_at(datetime!(2018-01-01 00:00 UTC)));
    assert!(set.is_expired_at(datetime!(2018-01-01 00:00:00.001 UTC)));
    // The outcome the client reports for an expired set.
    let _ = PinOutcome::Expired;
}

#[test]
fn nested_domain_configs_inherit_what_they_do_not_set() {
    let opts = sdk(34);
    let config = nsc("nsc/docs_inheritance.xml", &opts);
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    assert_eq!(config, json("nsc/docs_inheritance.json"));

    let pinned = Some(vec![P1.to_string(), P2.to_string()]);
    // The parent's pins, and the nested insecure.example.com inherits them.
    assert_eq!(pins_of(&config, "www.example.com"), pinned);
    assert_eq!(pins_of(&config, "x.insecure.example.com"), pinned);
    // An empty nested pin-set exempts exactly its domain (no includeSubdomains).
    assert_eq!(pins_of(&config, "open.example.com"), None);
    assert_eq!(pins_of(&config, "a.open.example.com"), pinned);
    // A top-level domain-config under a pinned domain gets nothing from it: not pinned, base anchors.
    assert_eq!(pins_of(&config, "cdn.example.com"), None);

    // Cleartext: base-config says false; the nested config says true for its subtree only.
    assert!(!cleartext(&config, "www.example.com"));
    assert!(cleartext(&config, "insecure.example.com"));
    assert!(cleartext(&config, "a.insecure.example.com"));
    assert!(!cleartext(&config, "cdn.example.com"));
    assert!(!cleartext(&config, "example.org"));

    // Trust anchors: example.com and its nested configs trust my_ca only; the rest the base anchors.
    let names = |h: &str| -> Vec<Option<String>> {
        config
            .anchors_for(&host(h), false)
            .iter()
            .map(|a| bundled_name(a).map(str::to_string))
            .collect()
    };
    assert_eq!(names("api.example.com"), vec![Some("my_ca".to_string())]);
    assert_eq!(names("x.insecure.example.com"), vec![Some("my_ca".to_string())]);
    assert_eq!(names("open.example.com"), vec![Some("my_ca".to_string())]);
    assert_eq!(names("cdn.example.com"), vec![None, Some("extracas".to_string())]);
    assert_eq!(names("example.org"), vec![None, Some("extracas".to_string())]);
    match &config.trust().base[1].source {
        AnchorSource::Bundled { certificates, .. } => {
            // extracas is a DER file: one certificate, the same bytes.
            assert_eq!(certificates.len(), 1);
            assert_eq!(
                certificates[0].as_ref(),
                fixture_bytes("nsc/raw/extracas.der").as_slice()
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn raw_resources_from_a_map_equal_those_from_a_directory() {
    let mut map = BTreeMap::new();
    map.insert("my_ca".to_string(), fixture_bytes("nsc/raw/my_ca.pem"));
    map.insert("extracas".to_string(), fixture_bytes("nsc/raw/extracas.der"));
    let from_map = nsc(
        "nsc/docs_inheritance.xml",
        &ImportOptions::new(34).raw_resources(RawResources::Map(map)),
    );
    assert_eq!(from_map, nsc("nsc/docs_inheritance.xml", &sdk(34)));
}

#[test]
fn cleartext_default_depends_on_target_sdk() {
    for (target, default) in [(23, true), (27, true), (28, false), (35, false)] {
        let config = nsc("nsc/docs_cleartext.xml", &sdk(target));
        assert_eq!(config.policy().cleartext_default(), default, "targetSdk {target}");
        assert_eq!(cleartext(&config, "example.org"), default);
        // The domain-config says false whatever the default.
        assert!(!cleartext(&config, "secure.example.com"));
        assert!(!cleartext(&config, "a.secure.example.com"));
    }
    let nested = nsc("nsc/docs_nested_cleartext.xml", &sdk(30));
    assert!(cleartext(&nested, "example.com"));
    assert!(cleartext(&nested, "www.example.com"));
    assert!(!cleartext(&nested, "secure.example.com"));
    assert!(!cleartext(&nested, "api.secure.example.com"));
    assert!(!cleartext(&nested, "example.org"));
}

#[test]
fn default_trust_anchors_depend_on_target_sdk() {
    let empty = "<network-security-config/>";
    let options = ImportOptions::new(23);
    let old = PinConfig::from_nsc_xml(empty, "a.xml", &options).unwrap();
    assert_eq!(old.trust().base, vec![TrustAnchor::system(), TrustAnchor::user()]);
    let new = PinConfig::from_nsc_xml(empty, "a.xml", &ImportOptions::new(24)).unwrap();
    assert_eq!(new.trust().base, vec![TrustAnchor::system()]);
    assert!(new.policy().rules().is_empty());
    // A base-config that says nothing about anchors keeps the platform's.
    let base = "<network-security-config><base-config cleartextTrafficPermitted=\"true\"/></network-security-config>";
    let config = PinConfig::from_nsc_xml(base, "a.xml", &ImportOptions::new(30)).unwrap();
    assert_eq!(config.trust().base, vec![TrustAnchor::system()]);
    assert!(config.policy().cleartext_default());
}

#[test]
fn seed_that_trusts_user_cas_again() {
    let config = nsc("nsc/seed_trust_user_cas.xml", &sdk(30));
    assert_eq!(config.trust().base, vec![TrustAnchor::system(), TrustAnchor::user()]);
    assert!(config.policy().rules().is_empty());
    assert!(!config.policy().cleartext_default());
}

#[test]
fn debug_overrides_apply_only_to_debuggable_builds() {
    let release = nsc("nsc/docs_debug_overrides.xml", &ImportOptions::new(34));
    assert!(
        release.trust().debug.is_empty(),
        "release builds ignore debug-overrides"
    );
    let debug = nsc("nsc/docs_debug_overrides.xml", &sdk(34).debuggable(true));
    assert_eq!(debug.trust().debug.len(), 1);
    let anchor = &debug.trust().debug[0];
    assert_eq!(bundled_name(anchor), Some("debug_cas"));
    assert!(anchor.override_pins, "overridePins defaults to true in debug-overrides");
    assert_eq!(debug.anchors_for(&host("example.com"), true).len(), 2);
    assert_eq!(debug.anchors_for(&host("example.com"), false).len(), 1);
    // Debuggable without the raw resource: an error naming it.
    let err = PinConfig::from_nsc_xml(
        &fixture("nsc/docs_debug_overrides.xml"),
        "docs_debug_overrides.xml",
        &ImportOptions::new(34).debuggable(true),
    )
    .unwrap_err();
    assert_eq!(at(&err), (6, 27));
    assert!(err.to_string().contains("debug_cas"), "{err}");
}

#[test]
fn every_element_and_attribute() {
    let config = nsc("nsc/everything.xml", &sdk(34).debuggable(true));
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    let policy = config.policy();
    assert!(policy.cleartext_default(), "base-config cleartextTrafficPermitted");
    assert_eq!(
        config.trust().base,
        vec![
            TrustAnchor::system(),
            TrustAnchor {
                source: AnchorSource::User,
                override_pins: true
            }
        ]
    );
    let zero_pins = Some(vec![
        "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_string(),
        "sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=".to_string(),
    ]);
    // Three domains share one domain-config; includeSubdomains true, false and absent.
    assert_eq!(pins_of(&config, "api.example.com"), zero_pins);
    assert_eq!(pins_of(&config, "v2.api.example.com"), zero_pins);
    assert_eq!(pins_of(&config, "static.example.org"), zero_pins);
    assert_eq!(pins_of(&config, "img.static.example.org"), None);
    assert_eq!(pins_of(&config, "login.example.net"), zero_pins);
    assert_eq!(pins_of(&config, "www.login.example.net"), None);
    let set = policy.pins_for(&host("login.example.net")).unwrap().pins;
    assert_eq!(set.expiration(), Some(datetime!(2031-06-30 00:00 UTC)));
    assert_eq!(set.mode(), PinMode::Enforce);
    // The nested config replaces the pins and the cleartext setting, and inherits the anchors.
    assert_eq!(
        pins_of(&config, "a.legacy.api.example.com"),
        Some(vec![P1.to_string(), P2.to_string()])
    );
    assert_eq!(
        policy
            .pins_for(&host("legacy.api.example.com"))
            .unwrap()
            .pins
            .expiration(),
        None
    );
    assert!(!cleartext(&config, "api.example.com"));
    assert!(cleartext(&config, "legacy.api.example.com"));
    assert!(cleartext(&config, "example.com"));
    let anchors = config.anchors_for(&host("legacy.api.example.com"), false);
    assert_eq!(anchors.len(), 2);
    assert_eq!(bundled_name(anchors[1]), Some("my_ca"));
    assert!(anchors[1].override_pins, "overridePins=\"TRUE\"");
    // debug-overrides: default overridePins true, explicit false kept.
    let debug = &config.trust().debug;
    assert_eq!(debug.len(), 2);
    assert!(debug[0].override_pins);
    assert_eq!(
        debug[1],
        TrustAnchor {
            source: AnchorSource::User,
            override_pins: false
        }
    );
    assert_eq!(config.anchors_for(&host("api.example.com"), true).len(), 4);
}

#[test]
fn single_pin_sets_import_with_a_warning_as_on_android() {
    let xml = nsc_doc(&format!(
        "<domain-config><domain>example.com</domain><pin-set><pin digest=\"SHA-256\">{}</pin></pin-set></domain-config>",
        &P1[7..]
    ));
    let config = PinConfig::from_nsc_xml(&xml, "a.xml", &ImportOptions::new(34)).unwrap();
    assert_eq!(config.policy().min_pins(), 1);
    assert_eq!(pins_of(&config, "example.com"), Some(vec![P1.to_string()]));
    let warnings = config.warnings().as_slice();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!((warnings[0].line, warnings[0].column), (2, 16));
    assert!(
        warnings[0].message.contains("single pin and no backup pin"),
        "{warnings:?}"
    );
    // No Rust API in what a CLI or Kotlin user reads.
    assert!(!warnings[0].message.contains("::"), "{warnings:?}");
    // Through Pinwire JSON and back to NSC, the same configuration.
    let json = PinConfig::from_json(&config.to_json().unwrap(), "p.json").unwrap();
    assert_eq!(json, config);
    let again = PinConfig::from_nsc_xml(&config.to_nsc_xml().unwrap().text, "b.xml", &ImportOptions::new(34)).unwrap();
    assert_eq!(again, config);
    // TrustKit-Android keeps its own rule (two pins), and says how to read the file as Android does.
    let err = PinConfig::from_trustkit_android_xml(&xml, "a.xml", &ImportOptions::new(34)).unwrap_err();
    assert_eq!(at(&err), (2, 16));
    assert!(err.to_string().contains("--format nsc"), "{err}");
    assert!(!err.to_string().contains("::"), "{err}");
}

#[test]
fn trustkit_config_is_ignored_by_the_platform_reader_with_a_warning() {
    let config = nsc("nsc/seed_approov_trustkit.xml", &sdk(34));
    assert!(config.report_uris().is_empty());
    let warnings = config.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!((warnings.as_slice()[0].line, warnings.as_slice()[0].column), (10, 9));
    assert!(warnings.as_slice()[0].message.contains("trustkit-config"));
    let set = config
        .policy()
        .pins_for(&host("currency-converter-demo.pdm.approov.io"))
        .unwrap();
    assert_eq!(set.pins.mode(), PinMode::Enforce);
}

#[test]
fn unknown_elements_and_attributes_are_warnings_with_positions() {
    let xml = "<network-security-config version=\"2\">\n\
               <base-config hstsEnforced=\"true\" colour=\"red\"/>\n\
               <domain-config>\n\
               <domain includeSubdomains=\"true\" tools:ignore=\"x\" xmlns:tools=\"urn:tools\">example.com</domain>\n\
               <pin-set><pin digest=\"SHA-256\" note=\"a\">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin>\
               <pin digest=\"SHA-256\">fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=</pin><backup/></pin-set>\n\
               <certificateTransparency enabled=\"true\"/>\n\
               <trust-anchors><certificates src=\"system\"/><bundle/></trust-anchors>\n\
               <flavour/>\n\
               </domain-config>\n\
               <extra-config/>\n\
               </network-security-config>";
    let config = PinConfig::from_nsc_xml(xml, "w.xml", &ImportOptions::new(34)).unwrap();
    let got: Vec<(u32, u32, String)> = config
        .warnings()
        .iter()
        .map(|w| (w.line, w.column, w.message.clone()))
        .collect();
    let expect = [
        (
            1,
            26,
            "unknown attribute \"version\" on <network-security-config> ignored",
        ),
        (2, 14, "hstsEnforced is not supported by Pinwire and was ignored"),
        (2, 34, "unknown attribute \"colour\" on <base-config> ignored"),
        (5, 32, "unknown attribute \"note\" on <pin> ignored"),
        (5, 163, "unknown element <backup> in <pin-set> ignored"),
        (
            6,
            1,
            "<certificateTransparency> is not supported by Pinwire and was ignored",
        ),
        (7, 44, "unknown element <bundle> in <trust-anchors> ignored"),
        (8, 1, "unknown element <flavour> in <domain-config> ignored"),
        (
            10,
            1,
            "unknown element <extra-config> in <network-security-config> ignored",
        ),
    ];
    let expect: Vec<(u32, u32, String)> = expect.iter().map(|(l, c, m)| (*l, *c, m.to_string())).collect();
    assert_eq!(got, expect);
    assert!(config.warnings().iter().all(|w| w.file == "w.xml"));
    assert!(config.warnings().as_slice()[0]
        .to_string()
        .starts_with("w.xml:1:26: warning: "));
    // What was understood still applies.
    assert!(config.policy().pins_for(&host("a.example.com")).is_some());
}

#[test]
fn domain_names_are_trimmed_and_case_folded_as_android_does() {
    let xml = nsc_doc(
        "<domain-config cleartextTrafficPermitted=\"true\"><domain>\n  Example.COM  \n</domain></domain-config>",
    );
    let config = PinConfig::from_nsc_xml(&xml, "a.xml", &ImportOptions::new(34)).unwrap();
    assert_eq!(config.policy().rules()[0].pattern().to_string(), "example.com");
    assert!(cleartext(&config, "example.com"));
}
