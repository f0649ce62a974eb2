//! Clients built from configuration files: per-host trust anchors, debug overrides, overridePins.

use crate::common::*;
use pinwire::config::{ImportOptions, PinConfig, RawResources};
use pinwire::{Client, Error, PinOutcome, UntrustedReason};
use pinwire_testserver::{Authority, TestServer};
use std::collections::BTreeMap;

fn nsc(pins: &[pinwire::Pin]) -> String {
    let pins: String = pins
        .iter()
        .map(|p| format!("<pin digest=\"SHA-256\">{}</pin>", &p.to_string()[7..]))
        .collect();
    format!(
        r#"<network-security-config>
  <base-config><trust-anchors><certificates src="@raw/other_ca"/></trust-anchors></base-config>
  <domain-config>
    <domain includeSubdomains="false">{HOST}</domain>
    <trust-anchors><certificates src="@raw/app_ca"/></trust-anchors>
    <pin-set>{pins}</pin-set>
  </domain-config>
  <debug-overrides>
    <trust-anchors><certificates src="@raw/debug_ca" overridePins="true"/></trust-anchors>
  </debug-overrides>
</network-security-config>"#
    )
}

fn import(text: &str, raw: &[(&str, String)], debuggable: bool) -> PinConfig {
    let map: BTreeMap<String, Vec<u8>> = raw
        .iter()
        .map(|(n, pem)| (n.to_string(), pem.as_bytes().to_vec()))
        .collect();
    let options = ImportOptions::new(34)
        .debuggable(debuggable)
        .raw_resources(RawResources::Map(map));
    PinConfig::from_nsc_xml(text, "network_security_config.xml", &options).expect("config imports")
}

fn client_from(config: &PinConfig, debuggable: bool, recorder: Option<std::sync::Arc<Recorder>>) -> Client {
    let loopback = "127.0.0.1:0".parse().unwrap();
    let mut builder = Client::builder().pin_config(config, debuggable).unwrap();
    for name in NAMES {
        builder = builder.resolve(name, loopback);
    }
    if let Some(recorder) = recorder {
        builder = builder.observer(recorder);
    }
    builder.build().unwrap()
}

#[tokio::test]
async fn per_host_anchors_and_pins_from_a_network_security_config() {
    let pki = Pki::new("App");
    let other_ca = Authority::root("Other CA");
    let debug_ca = Authority::root("Debug CA");
    let raw = [
        ("app_ca", pki.root.cert_pem()),
        ("other_ca", other_ca.cert_pem()),
        ("debug_ca", debug_ca.cert_pem()),
    ];
    let server = TestServer::https("app", &pki.leaf).await;
    let other_server = TestServer::https("other", &other_ca.leaf([OTHER_HOST])).await;

    let good = import(&nsc(&[pki.intermediate_pin(), unrelated_pin(1)]), &raw, false);
    let client = client_from(&good, false, None);
    client
        .get(&url(&server, HOST, "/"))
        .await
        .expect("app CA for the app host, pinned");
    client
        .get(&url(&other_server, OTHER_HOST, "/"))
        .await
        .expect("base anchors for other hosts");
    // The app host does not trust the base CA, and other hosts do not trust the app CA.
    let crossed = TestServer::https("crossed", &other_ca.leaf([HOST])).await;
    let error = client.get(&url(&crossed, HOST, "/")).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::UntrustedCertificate {
                reason: UntrustedReason::UnknownIssuer,
                ..
            }
        ),
        "{error:?}"
    );
    let crossed = TestServer::https("crossed", &pki.intermediate.leaf([OTHER_HOST])).await;
    let error = client.get(&url(&crossed, OTHER_HOST, "/")).await.unwrap_err();
    assert!(matches!(error, Error::UntrustedCertificate { .. }), "{error:?}");

    let wrong = import(&nsc(&[unrelated_pin(1), unrelated_pin(2)]), &raw, false);
    let error = client_from(&wrong, false, None)
        .get(&url(&server, HOST, "/"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::PinMismatch(_)), "{error:?}");
}

#[tokio::test]
async fn debug_overrides_apply_only_to_debuggable_builds_and_override_pins() {
    let pki = Pki::new("App");
    let other_ca = Authority::root("Other CA");
    let debug_ca = Authority::root("Debug CA");
    let raw = [
        ("app_ca", pki.root.cert_pem()),
        ("other_ca", other_ca.cert_pem()),
        ("debug_ca", debug_ca.cert_pem()),
    ];
    // A debugging proxy's certificate for the app host, issued by the debug CA.
    let proxy = TestServer::https("debug proxy", &debug_ca.leaf([HOST])).await;
    let text = nsc(&[pki.intermediate_pin(), unrelated_pin(1)]);

    let release = import(&text, &raw, false);
    let error = client_from(&release, false, None)
        .get(&url(&proxy, HOST, "/"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::UntrustedCertificate { .. }),
        "release builds do not trust the debug CA: {error:?}"
    );

    let recorder = Recorder::new();
    let debug = import(&text, &raw, true);
    let client = client_from(&debug, true, Some(recorder.clone()));
    client
        .get(&url(&proxy, HOST, "/"))
        .await
        .expect("debug CA with overridePins passes the pins");
    assert_eq!(recorder.events()[0].outcome, PinOutcome::Overridden);

    // The real server still has its pins checked in the debug build.
    let server = TestServer::https("app", &pki.leaf).await;
    client.get(&url(&server, HOST, "/")).await.unwrap();
    assert!(matches!(recorder.events()[1].outcome, PinOutcome::Matched { .. }));
}

#[tokio::test]
async fn a_config_with_only_system_anchors_uses_platform_trust() {
    let json = format!(
        r#"{{"version": 1, "rules": [{{"pattern": "{HOST}", "pins": ["{}", "{}"]}}]}}"#,
        unrelated_pin(1),
        unrelated_pin(2)
    );
    let config = PinConfig::from_json(&json, "pins.json").unwrap_or_else(|e| panic!("{e}"));
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    assert!(config.policy().pins_for(&pinwire::Host::parse(HOST).unwrap()).is_some());
    let pki = Pki::new("System");
    let server = TestServer::https("app", &pki.leaf).await;
    // The test CA is not in the system store: validation fails before the (wrong) pins are looked at.
    let error = client_from(&config, false, None)
        .get(&url(&server, HOST, "/"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::UntrustedCertificate {
                reason: UntrustedReason::UnknownIssuer,
                ..
            }
        ),
        "{error:?}"
    );
}
