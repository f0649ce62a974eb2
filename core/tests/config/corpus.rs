//! Real configuration files (`tests/fixtures/corpus`, provenance in its PROVENANCE.md): each is
//! imported as its platform reads it, with the outcome the platform gives, and every success round-trips
//! (NSC -> Pinwire -> NSC -> Pinwire gives the same configuration).

use super::common::{host, FIXTURES};
use pinwire::config::{AnchorSource, TrustAnchor};
use pinwire::config::{ConfigError, ImportOptions, PinConfig, RawResources};
use pinwire::PinMode;
use std::path::{Path, PathBuf};
use time::macros::datetime;

fn corpus_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![PathBuf::from(format!("{FIXTURES}/corpus"))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().unwrap() != "raw" {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "xml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn name(path: &Path) -> String {
    path.strip_prefix(format!("{FIXTURES}/corpus/"))
        .unwrap()
        .display()
        .to_string()
}

fn options(path: &Path, debuggable: bool) -> ImportOptions {
    ImportOptions::new(34)
        .debuggable(debuggable)
        .raw_resources(RawResources::Directory(path.parent().unwrap().join("raw")))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reader {
    /// As Android reads it.
    Nsc,
    /// As TrustKit-Android reads it.
    TrustKitAndroid,
}
use Reader::*;

#[derive(Debug)]
enum Expect {
    Imports,
    /// Imports with warnings: exactly these kinds (see `KINDS`), in any order.
    Warns(&'static [&'static str]),
    /// Refused, with this in the message, where the platform refuses it too.
    Refused(&'static str),
}
use Expect::*;

/// Warning kinds: a name and a piece of its message.
const KINDS: &[(&str, &str)] = &[
    ("single pin", "single pin and no backup pin"),
    ("debug-overrides left out", "<debug-overrides> was left out"),
    ("stray low bits", "stray low bits"),
    ("padding", "lacks its '=' padding"),
    ("not supported", "is not supported by Pinwire"),
    (
        "trustkit-config ignored",
        "TrustKit-Android's extension, which the Android platform ignores",
    ),
    ("unknown attribute", "unknown attribute"),
    ("unknown element", "unknown element"),
    ("underscore", "Pinwire refuses requests to host names with '_'"),
    ("not enforced", "TrustKit-Android's default is not to enforce"),
    ("default report URI", "default report URI"),
    (
        "system overridePins",
        "overridePins on the \"system\" trust anchor is not applied on Apple platforms",
    ),
];

/// Every file's outcome in a release build (a debuggable build differs only where debug-overrides
/// is read instead of left out; checked separately).
const EXPECTED: &[(Reader, &str, Expect)] = &[
    (Nsc, "aosp/attributes.xml", Warns(&["not supported"])),
    (Nsc, "aosp/bad_config0.xml", Refused("unsupported pin digest")),
    (Nsc, "aosp/bad_config1.xml", Refused("missing the digest attribute")),
    (
        Nsc,
        "aosp/bad_config2.xml",
        Refused("missing the base64 digest in <pin>"),
    ),
    (
        Nsc,
        "aosp/bad_config3.xml",
        Refused("android.com has already been specified"),
    ),
    (
        Nsc,
        "aosp/bad_config4.xml",
        Refused("<domain> is not allowed in <base-config>"),
    ),
    (
        Nsc,
        "aosp/bad_config5.xml",
        Refused("<pin-set> is not allowed in <base-config>"),
    ),
    (Nsc, "aosp/bad_extra_debug_resource.xml", Imports),
    (Nsc, "aosp/bad_pin.xml", Warns(&["single pin"])),
    (Nsc, "aosp/ct_domains.xml", Warns(&["not supported", "underscore"])),
    (Nsc, "aosp/debug_basic.xml", Warns(&["debug-overrides left out"])),
    (Nsc, "aosp/debug_domain.xml", Warns(&["debug-overrides left out"])),
    (Nsc, "aosp/debug_inherit.xml", Warns(&["debug-overrides left out"])),
    (Nsc, "aosp/domain1.xml", Imports),
    (Nsc, "aosp/domain_whitespace.xml", Warns(&["single pin"])),
    (Nsc, "aosp/empty_config.xml", Imports),
    (Nsc, "aosp/expired_pin.xml", Warns(&["single pin"])),
    (
        Nsc,
        "aosp/extra_debug_resource_debug.xml",
        Warns(&["debug-overrides left out"]),
    ),
    (Nsc, "aosp/multiple_configs.xml", Imports),
    (Nsc, "aosp/multiple_domains.xml", Imports),
    (Nsc, "aosp/nested_domains.xml", Warns(&["single pin"])),
    (Nsc, "aosp/nested_domains_override.xml", Imports),
    (
        Nsc,
        "aosp/override_dedup.xml",
        Warns(&["debug-overrides left out", "single pin"]),
    ),
    (
        Nsc,
        "aosp/override_pins.xml",
        Warns(&["single pin", "system overridePins"]),
    ),
    (Nsc, "aosp/pins1.xml", Warns(&["single pin"])),
    (Nsc, "aosp/resource_anchors_der.xml", Imports),
    (Nsc, "aosp/resource_anchors_pem.xml", Imports),
    (Nsc, "aosp/subdomains.xml", Imports),
    (
        Nsc,
        "apps/Automattic+pocket-casts-android/main-network_security_config.xml",
        Warns(&["debug-overrides left out"]),
    ),
    (
        Nsc,
        "apps/DP-3T+dp3t-app-android-ch/abnahme-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/DP-3T+dp3t-app-android-ch/dev-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/DP-3T+dp3t-app-android-ch/log-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/DP-3T+dp3t-app-android-ch/logDebug-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/DP-3T+dp3t-app-android-ch/main-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/DP-3T+dp3t-app-android-ch/prodDebug-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/DP-3T+dp3t-app-android-ch/tescht-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/admin-ch+CovidCertificate-App-Android/dev-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/admin-ch+CovidCertificate-App-Android/main-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/approov+shipfast-api-protection/certificate_pinning-network_security_config.xml",
        Warns(&["single pin"]),
    ),
    (
        Nsc,
        "apps/approov+shipfast-api-protection/main-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/corona-warn-app+cwa-app-android/main-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/datatheorem+TrustKit-Android/app-main-network_security_config.xml",
        Warns(&["trustkit-config ignored", "unknown attribute", "stray low bits"]),
    ),
    (
        Nsc,
        "apps/datatheorem+TrustKit-Android/demoappkotlin-main-network_security_config.xml",
        Warns(&["trustkit-config ignored", "unknown attribute", "stray low bits"]),
    ),
    (
        Nsc,
        "apps/datatheorem+TrustKit-Android/trustkit-androidTest-network_security_config.xml",
        Warns(&["trustkit-config ignored", "stray low bits"]),
    ),
    (
        Nsc,
        "apps/duckduckgo+Android/fdroid-network_security_config.xml",
        Warns(&["debug-overrides left out"]),
    ),
    (
        Nsc,
        "apps/duckduckgo+Android/internal-network_security_config.xml",
        Warns(&["debug-overrides left out"]),
    ),
    (
        Nsc,
        "apps/duckduckgo+Android/play-network_security_config.xml",
        Warns(&["debug-overrides left out"]),
    ),
    (Nsc, "apps/getodk+collect/main-network_security_config.xml", Imports),
    (
        Nsc,
        "apps/googlecodelabs+android-network-security-config/final-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/googlecodelabs+android-network-security-config/step5-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/googlecodelabs+android-network-security-config/step6-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/home-assistant+android/app-main-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/home-assistant+android/wear-main-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/httptoolkit+android-ssl-pinning-demo/main-network_security_config.xml",
        Warns(&["padding", "trustkit-config ignored", "not supported"]),
    ),
    (
        Nsc,
        "apps/mattermost+mattermost-mobile/main-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/nhsx+covid-19-app-android-ag-public/main-network_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/square+okhttp/android-test-app-main-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/square+okhttp/android-test-main-network_security_config.xml",
        Warns(&["unknown element"]),
    ),
    (
        Nsc,
        "apps/square+okhttp/regression-test-main-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/status-im+status-mobile/debug-react_native_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/thunderbird+thunderbird-android/main-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/wikimedia+apps-android-wikipedia/debug-network_security_config.xml",
        Imports,
    ),
    (
        Nsc,
        "apps/wikimedia+apps-android-wikipedia/main-network_security_config.xml",
        Imports,
    ),
    (
        TrustKitAndroid,
        "apps/datatheorem+TrustKit-Android/app-main-network_security_config.xml",
        Warns(&["unknown attribute", "stray low bits"]),
    ),
    (
        TrustKitAndroid,
        "apps/datatheorem+TrustKit-Android/demoappkotlin-main-network_security_config.xml",
        Warns(&["unknown attribute", "stray low bits"]),
    ),
    (
        TrustKitAndroid,
        "apps/datatheorem+TrustKit-Android/trustkit-androidTest-network_security_config.xml",
        Warns(&["stray low bits", "default report URI"]),
    ),
    (
        TrustKitAndroid,
        "apps/httptoolkit+android-ssl-pinning-demo/main-network_security_config.xml",
        Warns(&["padding", "not supported", "not enforced", "default report URI"]),
    ),
];

fn import(reader: Reader, path: &Path, debuggable: bool) -> Result<PinConfig, ConfigError> {
    let text = std::fs::read_to_string(path).unwrap();
    let options = options(path, debuggable);
    match reader {
        Nsc => PinConfig::from_nsc_xml(&text, &name(path), &options),
        TrustKitAndroid => PinConfig::from_trustkit_android_xml(&text, &name(path), &options),
    }
}

fn kinds(config: &PinConfig) -> Vec<&'static str> {
    let mut out = Vec::new();
    for warning in config.warnings() {
        let kind = KINDS
            .iter()
            .find(|(_, piece)| warning.message.contains(piece))
            .unwrap_or_else(|| panic!("a warning of no known kind: {warning}"))
            .0;
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    out
}

fn check(expect: &Expect, result: &Result<PinConfig, ConfigError>, what: &str) {
    match (expect, result) {
        (Imports, Ok(config)) => assert!(config.warnings().is_empty(), "{what}: {:?}", config.warnings()),
        (Warns(expected), Ok(config)) => {
            let mut got = kinds(config);
            let mut want = expected.to_vec();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{what}: {:?}", config.warnings());
        }
        (Refused(piece), Err(e)) => assert!(e.to_string().contains(piece), "{what}: {e}"),
        (expect, result) => panic!("{what}: expected {expect:?}, got {result:?}"),
    }
}

/// NSC -> Pinwire -> NSC -> Pinwire gives the same configuration (and so does Pinwire JSON).
/// A TrustKit-Android reading keeps its report URIs, which NSC cannot carry: that export says so and
/// keeps everything else.
fn round_trip(reader: Reader, config: &PinConfig, debuggable: bool, what: &str) {
    let json = PinConfig::from_json(&config.to_json().unwrap(), "again.json").unwrap();
    assert_eq!(&json, config, "{what}: through Pinwire JSON");
    let exported = match config.to_nsc_xml() {
        Ok(exported) => exported,
        // Report-only pins (TrustKit-Android's unenforced domains) have no NSC form: said, not dropped.
        Err(e) => {
            assert!(e.reason.contains("report-only"), "{what}: {e}");
            return;
        }
    };
    let options = ImportOptions::new(34)
        .debuggable(debuggable)
        .raw_resources(RawResources::Map(exported.files.clone()));
    let again = PinConfig::from_nsc_xml(&exported.text, "again.xml", &options)
        .unwrap_or_else(|e| panic!("{what}: the export does not import: {e}\n{}", exported.text));
    if reader == TrustKitAndroid && !config.report_uris().is_empty() {
        assert!(exported.warnings.iter().any(|w| w.contains("report URIs")), "{what}");
        assert_eq!(again.policy(), config.policy(), "{what}");
        assert_eq!(again.trust(), config.trust(), "{what}");
        return;
    }
    assert_eq!(
        &again, config,
        "{what}: NSC -> Pinwire -> NSC -> Pinwire\n{}",
        exported.text
    );
    let twice = again.to_nsc_xml().unwrap();
    assert_eq!(twice.text, exported.text, "{what}: the second export is the same text");
}

#[test]
fn every_corpus_file_imports_as_its_platform_reads_it_and_round_trips() {
    let files = corpus_files();
    let nsc_files: Vec<String> = files.iter().map(|p| name(p)).collect();
    let listed: Vec<&str> = EXPECTED
        .iter()
        .filter(|(r, _, _)| *r == Nsc)
        .map(|(_, f, _)| *f)
        .collect();
    assert_eq!(nsc_files, listed, "every corpus file has an expected outcome");
    let real = files.iter().filter(|p| name(p).starts_with("apps/")).count();
    assert!(real >= 30, "{real} real files");
    let mut round_trips = 0;
    for (reader, file, expect) in EXPECTED {
        let path = PathBuf::from(format!("{FIXTURES}/corpus/{file}"));
        let release = import(*reader, &path, false);
        check(expect, &release, &format!("{reader:?} {file}"));
        // A debuggable build: the same, except that debug-overrides is read rather than left out.
        let debug = import(*reader, &path, true);
        match (&release, &debug) {
            (Ok(r), Ok(d)) => {
                let left_out = |c: &PinConfig| {
                    kinds(c)
                        .into_iter()
                        .filter(|k| *k != "debug-overrides left out" && *k != "system overridePins")
                        .count()
                };
                assert!(kinds(d).iter().all(|k| *k != "debug-overrides left out"), "{file}");
                assert_eq!(left_out(r), left_out(d), "{file}: {:?}", d.warnings());
                assert_eq!(r.policy(), d.policy(), "{file}: debug-overrides never changes pins");
                round_trip(*reader, d, true, &format!("{reader:?} {file} (debuggable)"));
            }
            (Err(r), Err(d)) => assert_eq!(r, d, "{file}"),
            _ => panic!("{file}: release {release:?}, debuggable {debug:?}"),
        }
        if let Ok(config) = &release {
            round_trip(*reader, config, false, &format!("{reader:?} {file}"));
            round_trips += 1;
        }
    }
    assert!(round_trips >= 50, "{round_trips} round trips");
}

fn load(reader: Reader, file: &str, debuggable: bool) -> PinConfig {
    import(reader, &PathBuf::from(format!("{FIXTURES}/corpus/{file}")), debuggable).unwrap()
}

fn pins(config: &PinConfig, host_name: &str) -> Option<(Vec<String>, PinMode)> {
    config.policy().pins_for(&host(host_name)).map(|req| {
        let mut pins: Vec<String> = req.pins.pins().map(|p| p.to_string()).collect();
        pins.sort();
        (pins, req.pins.mode())
    })
}

#[test]
fn corpus_semantics_where_they_matter() {
    // Pins, includeSubdomains, expiration (00:00 UTC of the day, as documented), anchors.
    let cwa = load(
        Nsc,
        "apps/corona-warn-app+cwa-app-android/main-network_security_config.xml",
        false,
    );
    let (got, mode) = pins(&cwa, "svc90.main.px.t-online.de").unwrap();
    assert_eq!(got.len(), 3);
    assert!(got.contains(&"sha256/c3jf+L8VIAFQnJJDM6Mfb4MtI1JnhVS8JwZHMwJj28M=".to_string()));
    assert_eq!(mode, PinMode::Enforce);
    let set = cwa.policy().pins_for(&host("coronawarn.app")).unwrap().pins.clone();
    assert_eq!(set.expiration(), Some(datetime!(2024-02-12 00:00 UTC)));
    assert!(set.is_expired_at(datetime!(2024-02-12 00:00:00.001 UTC)));
    assert!(!cwa.policy().cleartext_permitted(&host("coronawarn.app")));
    assert!(pins(&cwa, "example.org").is_none());

    // Nesting: the child adds pins; the parent has none; the child inherits the parent's anchors.
    let nested = load(Nsc, "aosp/nested_domains.xml", false);
    assert_eq!(
        pins(&nested, "developer.android.com").unwrap().0,
        vec!["sha256/zCTnfLwLKbS9S2sbp+uFz4KZOocFvXxkV06Ce9O5M2w=".to_string()]
    );
    assert!(pins(&nested, "android.com").is_none());
    assert!(pins(&nested, "www.android.com").is_none());
    assert!(
        pins(&nested, "x.developer.android.com").is_none(),
        "the child does not include subdomains"
    );
    assert_eq!(
        nested.anchors_for(&host("developer.android.com"), false),
        vec![&TrustAnchor::system()]
    );
    // A nested domain-config overrides what it sets, and only for its own domain.
    let over = load(Nsc, "aosp/nested_domains_override.xml", false);
    assert!(over.policy().cleartext_permitted(&host("www.android.com")));
    assert!(!over.policy().cleartext_permitted(&host("developer.android.com")));
    assert!(over.policy().cleartext_permitted(&host("x.developer.android.com")));
    assert!(!over.policy().cleartext_permitted(&host("example.com")));

    // overridePins, and an expired pin set.
    let override_pins = load(Nsc, "aosp/override_pins.xml", false);
    let anchors = override_pins.anchors_for(&host("android.com"), false);
    assert_eq!(anchors.len(), 1);
    assert!(anchors[0].override_pins && anchors[0].source == AnchorSource::System);
    let expired = load(Nsc, "aosp/expired_pin.xml", false);
    let set = &expired.policy().pins_for(&host("android.com")).unwrap().pins;
    assert!(set.is_expired_at(time::OffsetDateTime::now_utc()));

    // debug-overrides: read only in a debuggable build, overridePins true by default there.
    let release = load(Nsc, "aosp/debug_domain.xml", false);
    assert!(release.trust().debug.is_empty());
    let debug = load(Nsc, "aosp/debug_domain.xml", true);
    assert_eq!(debug.trust().debug.len(), 1);
    assert!(debug.trust().debug[0].override_pins);
    assert!(matches!(debug.trust().debug[0].source, AnchorSource::Bundled { ref name, .. } if name == "test_debug_ca"));
    assert_eq!(debug.anchors_for(&host("android.com"), true).len(), 2);
    let dedup = load(Nsc, "aosp/override_dedup.xml", true);
    assert_eq!(
        dedup.trust().debug,
        vec![TrustAnchor {
            source: AnchorSource::System,
            override_pins: true
        }]
    );

    // Whitespace around domains and digests; an underscore in a host name.
    let ws = load(Nsc, "aosp/domain_whitespace.xml", false);
    assert!(pins(&ws, "android.com").is_some() && pins(&ws, "developer.android.com").is_some());
    let ct = load(Nsc, "aosp/ct_domains.xml", false);
    assert_eq!(
        ct.anchors_for(&host("android.com"), false),
        vec![&TrustAnchor::system()]
    );
    assert_eq!(ct.trust().domains.len(), 1, "the four '_' domains are left out");

    // The same file as Android and as TrustKit-Android read it.
    let demo = "apps/httptoolkit+android-ssl-pinning-demo/main-network_security_config.xml";
    let android = load(Nsc, demo, false);
    let trustkit = load(TrustKitAndroid, demo, false);
    assert_eq!(
        pins(&android, "rsa2048--untrusted-root.testserver.host").unwrap().1,
        PinMode::Enforce
    );
    assert_eq!(
        pins(&trustkit, "rsa2048--untrusted-root.testserver.host").unwrap().1,
        PinMode::ReportOnly
    );
    assert_eq!(
        pins(&trustkit, "rsa4096--untrusted-root.testserver.host").unwrap().1,
        PinMode::Enforce
    );
    assert_eq!(
        trustkit.report_uris_for(&host("rsa4096--untrusted-root.testserver.host")),
        &["http://trustkit-report-url.test/".parse().unwrap()]
    );
    assert!(android.report_uris().is_empty());
    let tests = load(
        TrustKitAndroid,
        "apps/datatheorem+TrustKit-Android/trustkit-androidTest-network_security_config.xml",
        false,
    );
    assert_eq!(pins(&tests, "www.yahoo.com").unwrap().1, PinMode::Enforce);
    assert_eq!(pins(&tests, "www.github.com").unwrap().1, PinMode::ReportOnly);
}
