//! Property tests: Pinwire JSON is lossless, and an NSC export means what the policy means.

use super::common::*;
use pinwire::config::{AnchorSource, DomainAnchors, ImportOptions, PinConfig, RawResources, TrustAnchor, TrustConfig};
use pinwire::{DomainRule, HostPattern, Pin, PinMode, PinSet, Policy};
use proptest::prelude::*;
use rustls_pki_types::CertificateDer;
use std::collections::BTreeSet;
use time::OffsetDateTime;

fn label() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,5}"
}

fn pattern() -> impl Strategy<Value = String> {
    (0..3u8, proptest::collection::vec(label(), 2..4)).prop_map(|(kind, labels)| {
        let base = labels.join(".");
        match kind {
            0 => base,
            1 => format!("*.{base}"),
            _ => format!("**.{base}"),
        }
    })
}

fn instant() -> impl Strategy<Value = OffsetDateTime> {
    // Years 1970..=9999, with and without sub-second parts, some at midnight UTC.
    (0i64..253_402_300_799, 0u32..1_000_000_000, any::<bool>()).prop_map(|(secs, nanos, midnight)| {
        let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
        if midnight {
            t.replace_time(time::Time::MIDNIGHT)
        } else {
            t.replace_nanosecond(nanos).unwrap()
        }
    })
}

#[derive(Debug, Clone)]
struct RuleSpec {
    pattern: String,
    subdomains: bool,
    pins: Option<(Vec<[u8; 32]>, Option<OffsetDateTime>, bool)>,
    cleartext: Option<bool>,
    report: bool,
    anchors: bool,
}

fn rule_spec() -> impl Strategy<Value = RuleSpec> {
    (
        pattern(),
        any::<bool>(),
        proptest::option::of((
            proptest::collection::vec(any::<[u8; 32]>(), 0..4),
            proptest::option::of(instant()),
            any::<bool>(),
        )),
        proptest::option::of(any::<bool>()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(pattern, subdomains, pins, cleartext, report, anchors)| RuleSpec {
            pattern,
            subdomains,
            pins,
            cleartext,
            report,
            anchors,
        })
}

fn my_ca() -> CertificateDer<'static> {
    use rustls_pki_types::pem::PemObject as _;
    CertificateDer::from_pem_slice(&fixture_bytes("nsc/raw/my_ca.pem")).unwrap()
}

fn anchor(choice: u8, override_pins: bool) -> TrustAnchor {
    let source = match choice % 3 {
        0 => AnchorSource::System,
        1 => AnchorSource::User,
        _ => AnchorSource::Bundled {
            name: "my_ca".into(),
            certificates: vec![my_ca()],
        },
    };
    TrustAnchor { source, override_pins }
}

fn anchors() -> impl Strategy<Value = Vec<TrustAnchor>> {
    proptest::collection::vec((any::<u8>(), any::<bool>()), 0..3)
        .prop_map(|v| v.into_iter().map(|(c, o)| anchor(c, o)).collect())
}

/// A configuration built through the public API, skipping rules the builder would refuse.
fn build(
    specs: Vec<RuleSpec>,
    cleartext_default: bool,
    single: bool,
    base: Vec<TrustAnchor>,
    debug: Vec<TrustAnchor>,
) -> PinConfig {
    let mut builder = Policy::builder().cleartext_default(cleartext_default);
    if single {
        builder = builder.dangerous_allow_single_pin();
    }
    let mut seen = BTreeSet::new();
    let mut reports = Vec::new();
    let mut domain_anchors: Vec<DomainAnchors> = Vec::new();
    for (i, spec) in specs.into_iter().enumerate() {
        let parsed = HostPattern::parse(&spec.pattern).unwrap();
        let mut rule = DomainRule::new(&spec.pattern)
            .unwrap()
            .include_subdomains(spec.subdomains);
        if let Some((digests, expires, report_only)) = &spec.pins {
            if !seen.insert((parsed.clone(), "pins")) {
                continue;
            }
            let mut digests: Vec<Pin> = digests.iter().map(|d| Pin::from_sha256(*d)).collect();
            if !digests.is_empty() && digests.len() < 2 && !single {
                digests.push(Pin::from_sha256([i as u8; 32]));
            }
            let mut set = PinSet::new(digests).unwrap();
            if let Some(at) = expires {
                set = set.expires_at(*at);
            }
            if *report_only {
                set = set.with_mode(PinMode::ReportOnly);
            }
            rule = rule.pins(set);
            if spec.report && !reports.iter().any(|(p, _)| *p == parsed) {
                let uri = format!("https://reports.example.com/{i}").parse().unwrap();
                reports.push((parsed.clone(), vec![uri]));
            }
        }
        if let Some(permitted) = spec.cleartext {
            if !seen.insert((parsed.clone(), "cleartext")) {
                continue;
            }
            rule = rule.cleartext_permitted(permitted);
        }
        if spec.anchors && !domain_anchors.iter().any(|d| d.pattern == parsed) {
            domain_anchors.push(DomainAnchors {
                pattern: parsed.clone(),
                include_subdomains: spec.subdomains,
                anchors: vec![anchor(i as u8, i % 2 == 0)],
            });
        }
        builder = builder.rule(rule);
    }
    let mut config = PinConfig::new(builder.build().unwrap()).with_trust(TrustConfig {
        base,
        domains: domain_anchors,
        debug,
    });
    for (pattern, uris) in reports {
        config = config.with_report_uris(pattern, uris);
    }
    config
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn pinwire_json_round_trips_losslessly(
        specs in proptest::collection::vec(rule_spec(), 0..6),
        cleartext_default in any::<bool>(),
        single in any::<bool>(),
        base in anchors(),
        debug in anchors(),
    ) {
        let config = build(specs, cleartext_default, single, base, debug);
        let text = config.to_json().unwrap();
        let again = PinConfig::from_json(&text, "p.json").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&again, &config);
        // The one warning a valid file can carry: overridePins on "system" is not applied on Apple.
        prop_assert!(again.warnings().iter().all(|w| w.message.starts_with("overridePins on the \"system\"")));
        prop_assert_eq!(again.to_json().unwrap(), text);
    }
}

/// Hosts of a small tree, so that rules overlap often.
const TREE: &[&str] = &["a.com", "b.a.com", "c.b.a.com", "d.a.com", "x.com"];

#[derive(Debug, Clone)]
struct NscRule {
    host: usize,
    subdomains: bool,
    pins: u8,
    cleartext: Option<bool>,
}

fn nsc_rule() -> impl Strategy<Value = NscRule> {
    (
        0..TREE.len(),
        any::<bool>(),
        0u8..4,
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(host, subdomains, pins, cleartext)| NscRule {
            host,
            subdomains,
            pins,
            cleartext,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever the overlaps, the exported NSC file gives every host the pins and cleartext permission the
    /// policy gives it.
    #[test]
    fn nsc_export_means_what_the_policy_means(
        rules in proptest::collection::vec(nsc_rule(), 0..5),
        cleartext_default in any::<bool>(),
    ) {
        let mut builder = Policy::builder().cleartext_default(cleartext_default);
        let mut used = BTreeSet::new();
        for r in rules {
            if !used.insert(r.host) {
                continue;
            }
            let mut rule = DomainRule::new(TREE[r.host]).unwrap().include_subdomains(r.subdomains);
            match r.pins {
                0 => {}
                1 => rule = rule.pins(PinSet::exempt()),
                n => rule = rule.pins(PinSet::new([Pin::from_sha256([n; 32]), Pin::from_sha256([0; 32])]).unwrap()),
            }
            if let Some(c) = r.cleartext {
                rule = rule.cleartext_permitted(c);
            }
            builder = builder.rule(rule);
        }
        let config = PinConfig::new(builder.build().unwrap());
        let exported = config.to_nsc_xml().unwrap();
        let again = PinConfig::from_nsc_xml(&exported.text, "e.xml", &ImportOptions::new(34).raw_resources(RawResources::Map(exported.files)))
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", exported.text)))?;
        for name in TREE.iter().copied().chain(["z.c.b.a.com", "z.d.a.com", "z.a.com", "z.x.com", "example.org"]) {
            prop_assert_eq!(pins_of(&again, name), pins_of(&config, name), "pins of {}\n{}", name, exported.text);
            prop_assert_eq!(cleartext(&again, name), cleartext(&config, name), "cleartext of {}\n{}", name, exported.text);
        }
        // And importing an NSC export is a fixed point.
        let twice = again.to_nsc_xml().unwrap();
        prop_assert_eq!(&twice.text, &again.to_nsc_xml().unwrap().text);
        let third = PinConfig::from_nsc_xml(&twice.text, "e.xml", &ImportOptions::new(34)).unwrap();
        prop_assert_eq!(third, again);
    }
}
