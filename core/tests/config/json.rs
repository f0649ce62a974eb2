//! Pinwire's JSON format.

use super::common::*;
use pinwire::config::{AnchorSource, PinConfig, TrustAnchor};
use pinwire::{DomainRule, PinMode, PinSet, Policy};
use time::macros::datetime;

#[test]
fn every_key_of_the_format() {
    let config = json("pinwire/full.json");
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    let policy = config.policy();
    assert_eq!(policy.rules().len(), 6);
    assert!(!policy.cleartext_default());
    assert_eq!(policy.min_pins(), 2);
    let example = policy.pins_for(&host("www.example.com")).unwrap();
    assert_eq!(example.pins.expiration(), Some(datetime!(2030-01-01 00:00 UTC)));
    assert_eq!(example.pins.mode(), PinMode::Enforce);
    let cdn = policy.pins_for(&host("img.cdn.example.com")).unwrap();
    assert_eq!(cdn.rule.pattern().to_string(), "*.cdn.example.com");
    assert_eq!(cdn.pins.mode(), PinMode::ReportOnly);
    assert_eq!(cdn.pins.expiration(), Some(datetime!(2030-06-01 12:30 UTC)));
    assert_eq!(
        config.report_uris_for(&host("img.cdn.example.com")),
        &["https://reports.example.net/cdn".parse().unwrap()]
    );
    assert!(
        policy.pins_for(&host("api.example.org")).is_some(),
        "**. includes the base name"
    );
    assert!(policy.pins_for(&host("a.b.api.example.org")).is_some());
    assert_eq!(pins_of(&config, "open.example.com"), None);
    assert!(cleartext(&config, "old.legacy.example.com"));
    assert!(cleartext(&config, "10.0.2.2"));
    assert!(!cleartext(&config, "www.example.com"));
    assert_eq!(config.trust().base.len(), 2);
    assert!(
        matches!(&config.trust().base[1].source, AnchorSource::Bundled { name, certificates } if name == "my_ca" && certificates.len() == 1)
    );
    assert_eq!(config.trust().debug.len(), 2);
    assert!(config.trust().debug.iter().all(|a| a.override_pins));
    assert_eq!(
        config.anchors_for(&host("api.example.com"), false),
        vec![&TrustAnchor::system()]
    );
    assert_eq!(config.anchors_for(&host("example.org"), false).len(), 2);
    assert_eq!(config.anchors_for(&host("example.org"), true).len(), 4);
}

#[test]
fn loading_gives_the_policy_the_builder_gives() {
    let text = format!(
        "{{\"rules\": [{{\"pattern\": \"example.com\", \"include_subdomains\": true, \"pins\": [\"{P1}\", \"{P2}\"], \
         \"expires\": \"2030-01-01\"}}, {{\"pattern\": \"legacy.example.com\", \"cleartext_permitted\": true}}], \
         \"cleartext_default\": false}}"
    );
    let loaded = PinConfig::from_json(&text, "p.json").unwrap();
    let built = Policy::builder()
        .rule(
            DomainRule::new("example.com").unwrap().include_subdomains(true).pins(
                PinSet::new([P1, P2])
                    .unwrap()
                    .expires_on(time::macros::date!(2030 - 01 - 01)),
            ),
        )
        .permit_cleartext("legacy.example.com")
        .build()
        .unwrap();
    assert_eq!(loaded.policy(), &built);
    assert_eq!(loaded, PinConfig::new(built));
}

#[test]
fn unknown_top_level_keys_warn_with_their_position() {
    let text = "{\n  \"verison\": 1,\n  \"rules\": [\n    {\"pattern\": \"a.com\"}\n  ]\n}";
    let config = PinConfig::from_json(text, "p.json").unwrap();
    let got: Vec<(u32, u32, String)> = config
        .warnings()
        .iter()
        .map(|w| (w.line, w.column, w.message.clone()))
        .collect();
    assert_eq!(got, vec![(2, 3, "unknown key \"verison\" ignored".to_string())]);
}

#[test]
fn unknown_keys_in_a_rule_or_anchor_are_errors_with_their_position() {
    // "pin" for "pins" would leave the host unpinned; "include_subdomain" would narrow the rule.
    let cases = [
        (
            format!("{{\n  \"rules\": [\n    {{\"pattern\": \"a.com\", \"pin\": [\"{P1}\", \"{P2}\"]}}\n  ]\n}}"),
            (3, 26),
            "\"pin\"",
        ),
        (
            format!(
                "{{\"rules\": [\n  {{\"pattern\": \"a.com\", \"pins\": [\"{P1}\", \"{P2}\"],\n   \"include_subdomain\": true}}]}}"
            ),
            (3, 4),
            "\"include_subdomain\"",
        ),
        (
            "{\"trust_anchors\": [\n  {\"source\": \"system\", \"overide_pins\": true}]}".to_string(),
            (2, 24),
            "\"overide_pins\"",
        ),
    ];
    for (text, position, key) in cases {
        let err = PinConfig::from_json(&text, "p.json").unwrap_err();
        assert_eq!((err.line, err.column), position, "{err}");
        assert!(err.to_string().contains(&format!("unknown key {key}")), "{err}");
        assert!(err.to_string().starts_with("p.json:"), "{err}");
    }
}

#[test]
fn duplicate_pins_warn_and_count_once() {
    let text = format!("{{\"rules\": [{{\"pattern\": \"a.com\", \"pins\": [\"{P1}\", \"{P2}\", \"{P1}\"]}}]}}");
    let config = PinConfig::from_json(&text, "p.json").unwrap();
    assert_eq!(messages(&config), vec![format!("pin {P1} is listed twice")]);
    let text = format!("{{\"rules\": [{{\"pattern\": \"a.com\", \"pins\": [\"{P1}\", \"{P1}\"]}}]}}");
    assert!(
        PinConfig::from_json(&text, "p.json").is_err(),
        "one distinct pin is not two"
    );
}

#[test]
fn non_ascii_positions_count_characters() {
    let text = "{\"rules\": [{\"pattern\": \"bücher.example\", \"include_subdomains\": \"ja\"}]}";
    let err = PinConfig::from_json(text, "p.json").unwrap_err();
    assert_eq!(at(&err), (1, 64));
    let text = "{\"é\": 1, \"rules\": [}";
    let err = PinConfig::from_json(text, "p.json").unwrap_err();
    assert_eq!(at(&err), (1, 20));
}
