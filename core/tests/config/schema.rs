//! `core/config.schema.json` describes exactly what the importer reads.

use super::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn schema() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v["properties"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn schema_lists_the_keys_the_importer_reads() {
    let s = schema();
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        keys(&s),
        set(&[
            "$schema",
            "version",
            "cleartext_default",
            "allow_single_pin",
            "trust_anchors",
            "debug_anchors",
            "rules"
        ])
    );
    assert_eq!(
        keys(&s["$defs"]["rule"]),
        set(&[
            "pattern",
            "include_subdomains",
            "pins",
            "expires",
            "mode",
            "cleartext_permitted",
            "report_uris",
            "trust_anchors"
        ])
    );
    assert_eq!(
        keys(&s["$defs"]["anchor"]),
        set(&["source", "override_pins", "name", "pem"])
    );
}

/// Every key of a fixture is one the schema declares (checked structurally, without a validator).
#[test]
fn fixtures_use_only_schema_keys() {
    let s = schema();
    for file in [
        "pinwire/full.json",
        "nsc/docs_pins.json",
        "nsc/docs_inheritance.json",
        "trustkit/ios_readme.pinwire.json",
    ] {
        let doc: Value = serde_json::from_str(&fixture(file)).unwrap();
        let top = keys(&s);
        for k in doc.as_object().unwrap().keys() {
            assert!(top.contains(k), "{file}: {k}");
        }
        let anchor_keys = keys(&s["$defs"]["anchor"]);
        let check_anchors = |v: &Value| {
            for a in v.as_array().into_iter().flatten() {
                for k in a.as_object().unwrap().keys() {
                    assert!(anchor_keys.contains(k), "{file}: anchor key {k}");
                }
            }
        };
        check_anchors(&doc["trust_anchors"]);
        check_anchors(&doc["debug_anchors"]);
        let rule_keys = keys(&s["$defs"]["rule"]);
        for rule in doc["rules"].as_array().into_iter().flatten() {
            for k in rule.as_object().unwrap().keys() {
                assert!(rule_keys.contains(k), "{file}: rule key {k}");
            }
            check_anchors(&rule["trust_anchors"]);
        }
        // And the pins match the schema's pattern: sha256/ + 43 base64 characters + '='.
        for rule in doc["rules"].as_array().into_iter().flatten() {
            for pin in rule["pins"].as_array().into_iter().flatten() {
                let p = pin.as_str().unwrap();
                assert!(p.len() == 51 && p.starts_with("sha256/") && p.ends_with('='), "{p}");
            }
        }
    }
}
