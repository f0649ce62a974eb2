//! The shared builder fixture (tests/fixtures/builder-cases.json) through the FFI entry point the Kotlin
//! and Swift builders use: their suites replay the same calls, so all three must give the same policy.
//! A unit test: the crate is no Rust library (see Cargo.toml), so an integration test could not link it.

use crate::{policy_json, ClientOptions, PinRule};
use serde_json::Value;
use std::time::SystemTime;

fn instant(text: &str) -> SystemTime {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .expect("an RFC 3339 instant")
        .into()
}

/// Replays one case's calls on the FFI's options, as the Kotlin and Swift builders record them.
fn replay(calls: &[Value]) -> ClientOptions {
    let mut options = ClientOptions::defaults();
    for call in calls {
        let (name, args) = call.as_object().and_then(|o| o.iter().next()).expect("a call");
        match name.as_str() {
            "add" => options.pins.push(PinRule {
                pattern: args["pattern"].as_str().unwrap().into(),
                pins: args["pins"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap().into())
                    .collect(),
                include_subdomains: args["includeSubdomains"].as_bool().unwrap_or(false),
                report_only: args["reportOnly"].as_bool().unwrap_or(false),
                expiration: args["expiration"].as_str().map(instant),
                cleartext_permitted: args["cleartextPermitted"].as_bool(),
            }),
            "exempt" => options.pins.push(PinRule {
                pattern: args.as_str().unwrap().into(),
                pins: Vec::new(),
                include_subdomains: false,
                report_only: false,
                expiration: None,
                cleartext_permitted: None,
            }),
            "dangerousAllowSinglePin" => options.dangerous_allow_single_pin = args.as_bool().unwrap(),
            "cleartextPermittedByDefault" => options.cleartext_permitted_by_default = args.as_bool().unwrap(),
            other => panic!("unknown builder call {other:?}"),
        }
    }
    options
}

/// What the exported JSON holds that a builder's pin rules do not set (trust is not part of the fixture).
const NOT_FROM_THE_BUILDER: [&str; 3] = ["version", "trust_anchors", "debug_anchors"];

#[test]
fn every_builder_case_gives_its_policy() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/builder-cases.json"
    ))
    .expect("the fixture");
    let fixture: Value = serde_json::from_str(&text).expect("fixture JSON");
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() >= 10, "the fixture lost its cases");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let result = policy_json(replay(case["calls"].as_array().unwrap()));
        match (&case["policy"], &case["error"]) {
            (Value::Object(expected), Value::Null) => {
                let json = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                let mut actual: serde_json::Map<String, Value> = serde_json::from_str(&json).unwrap();
                for key in NOT_FROM_THE_BUILDER {
                    actual.remove(key);
                }
                assert_eq!(&actual, expected, "{name}");
            }
            (Value::Null, Value::String(expected)) => {
                let error = result.expect_err(name).to_string();
                assert!(
                    error.contains(expected.as_str()),
                    "{name}: {error:?} lacks {expected:?}"
                );
            }
            _ => panic!("{name}: give either a policy or an error"),
        }
    }
}
