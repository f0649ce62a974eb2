//! The real `pinwire` binary against local TLS servers, one test per exit code and per input kind.

use assert_cmd::Command;
use pinwire::Pin;
use pinwire_testserver::{Authority, Identity, TestServer};
use std::io::Write;

const HOST: &str = "api.pinwire.test";

struct Setup {
    root: Authority,
    leaf: Identity,
    root_file: tempfile::NamedTempFile,
}

fn setup() -> Setup {
    let root = Authority::root("CLI Root");
    let leaf = root.intermediate("CLI Intermediate").leaf([HOST]);
    let mut root_file = tempfile::NamedTempFile::new().unwrap();
    root_file.write_all(root.cert_pem().as_bytes()).unwrap();
    Setup { root, leaf, root_file }
}

fn pin(cert: &rustls_pki_types::CertificateDer<'_>) -> String {
    Pin::from_certificate_der(cert).unwrap().to_string()
}

/// Runs `pinwire args...` off the async runtime (the servers live on it) and returns the output.
async fn pinwire(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || Command::cargo_bin("pinwire").unwrap().args(args).output().unwrap())
        .await
        .unwrap()
}

fn fetch_args(s: &Setup, server: &TestServer, path: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "fetch".to_string(),
        format!("https://{HOST}:{}{path}", server.port()),
        "--cacert".into(),
        s.root_file.path().display().to_string(),
        "--no-system-roots".into(),
        "--resolve".into(),
        format!("{HOST}:{}:127.0.0.1", server.port()),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

fn code(output: &std::process::Output) -> i32 {
    output.status.code().expect("exited")
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_succeeds_with_a_matching_pin_and_prints_the_decision_with_v() {
    let s = setup();
    let server = TestServer::https("cli", &s.leaf).await;
    let root_pin = pin(s.root.cert());
    let out = pinwire(fetch_args(&s, &server, "/", &["--pin", &root_pin, "-v"])).await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from cli");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("matched {root_pin}")), "{stderr}");
    assert!(
        stderr.contains(&pin(s.leaf.leaf())),
        "the chain's pins are listed: {stderr}"
    );
    assert!(stderr.contains("< HTTP/2.0 200 OK"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_failure_has_its_exit_code() {
    let s = setup();
    let server = TestServer::https("cli", &s.leaf).await;
    let wrong = Pin::from_sha256([1; 32]).to_string();

    let out = pinwire(fetch_args(&s, &server, "/", &["--pin", &wrong])).await;
    assert_eq!(code(&out), 3, "pin mismatch");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Certificate pinning failure!"));

    let stranger = Authority::root("Stranger");
    let untrusted = TestServer::https("untrusted", &stranger.leaf([HOST])).await;
    assert_eq!(
        code(&pinwire(fetch_args(&s, &untrusted, "/", &[])).await),
        4,
        "untrusted"
    );

    let elsewhere = TestServer::https("elsewhere", &s.root.leaf(["elsewhere.test"])).await;
    assert_eq!(
        code(&pinwire(fetch_args(&s, &elsewhere, "/", &[])).await),
        5,
        "hostname mismatch"
    );

    let plain = TestServer::http("plain").await;
    let out = pinwire(vec!["fetch".into(), format!("http://127.0.0.1:{}/", plain.port())]).await;
    assert_eq!(code(&out), 6, "cleartext refused");

    let out = pinwire(fetch_args(&s, &server, "/stall", &["--max-time", "0.3"])).await;
    assert_eq!(code(&out), 7, "timeout");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = pinwire(vec!["fetch".into(), format!("https://127.0.0.1:{port}/")]).await;
    assert_eq!(code(&out), 8, "connection failed");

    let out = pinwire(fetch_args(&s, &server, "/", &["--pin", "sha1/nope"])).await;
    assert_eq!(code(&out), 2, "bad pin is a usage error");

    let out = pinwire(fetch_args(&s, &server, "/loop", &["-L", "--max-redirects", "2"])).await;
    assert_eq!(code(&out), 1, "too many redirects is 'other'");
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_sends_method_headers_and_data_and_writes_output_files() {
    let s = setup();
    let server = TestServer::https("cli", &s.leaf).await;
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("body.txt");
    let out_path = out_file.display().to_string();
    let args = [
        "-X",
        "PUT",
        "-H",
        "x-test: cli",
        "-d",
        "hello",
        "-o",
        &out_path,
        "--http1.1",
    ];
    let out = pinwire(fetch_args(&s, &server, "/echo", &args)).await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "PUT x-test=cli body=5");
    // Without -L a redirect is printed as it is.
    let out = pinwire(fetch_args(&s, &server, "/redirect?to=/", &["-v"])).await;
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("302"));
}

#[tokio::test(flavor = "multi_thread")]
async fn pins_of_a_server_include_the_anchor_it_does_not_send() {
    let s = setup();
    let server = TestServer::https("cli", &s.leaf).await;
    let out = pinwire(vec![
        "pins".into(),
        format!("{HOST}:{}", server.port()),
        "--cacert".into(),
        s.root_file.path().display().to_string(),
        "--no-system-roots".into(),
        "--resolve".into(),
        format!("{HOST}:{}:127.0.0.1", server.port()),
        "--json".into(),
    ])
    .await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pins: Vec<&str> = json["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pin"].as_str().unwrap())
        .collect();
    assert_eq!(pins.len(), 3, "leaf, intermediate, and the anchor");
    assert_eq!(pins[2], pin(s.root.cert()));
    assert_eq!(json["validated"], true);
    assert_eq!(json["pins"][2]["role"], "anchor (not served)");
    assert_eq!(json["pins"][0]["is_ca"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn pins_of_certificate_and_key_files_agree() {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec![HOST.to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("cert.pem", cert.pem().into_bytes()),
        ("cert.der", cert.der().to_vec()),
        ("pub.pem", key.public_key_pem().into_bytes()),
        ("key.pem", key.serialize_pem().into_bytes()),
        ("key.der", key.serialize_der()),
    ];
    let expected = pin(cert.der());
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = pinwire(vec!["pins".into(), path.display().to_string(), "--json".into()]).await;
        assert_eq!(code(&out), 0, "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["pins"][0]["pin"], expected.as_str(), "{name}");
    }
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, b"not a key").unwrap();
    let out = pinwire(vec!["pins".into(), junk.display().to_string()]).await;
    assert_eq!(code(&out), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_walks_through_success_impostor_and_rotation() {
    let out = pinwire(vec!["demo".into()]).await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("hello from the real server"));
    assert!(text.contains("Certificate pinning failure!"));
    assert!(text.contains("hello from the rotated server"));
}

fn pinwire_json(pins: &[String]) -> String {
    let pins: Vec<String> = pins.iter().map(|p| format!("\"{p}\"")).collect();
    format!(
        r#"{{"version": 1, "rules": [{{"pattern": "{HOST}", "pins": [{}]}}]}}"#,
        pins.join(", ")
    )
}

fn check_args(s: &Setup, server: &TestServer, config: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "check".to_string(),
        "--config".into(),
        config.display().to_string(),
        "--cacert".into(),
        s.root_file.path().display().to_string(),
        "--no-system-roots".into(),
        "--port".into(),
        server.port().to_string(),
        "--resolve".into(),
        format!("{HOST}:{}:127.0.0.1", server.port()),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn check_accepts_a_good_policy_and_fails_one_that_would_break_users() {
    let s = setup();
    let server = TestServer::https("cli", &s.leaf).await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    let backup = Pin::from_sha256([7; 32]).to_string();
    std::fs::write(&good, pinwire_json(&[pin(s.leaf.leaf()), backup.clone()])).unwrap();
    let out = pinwire(check_args(&s, &server, &good, &[])).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 0, "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("today's chain is accepted"), "{stdout}");
    assert!(stdout.contains(&format!("{backup} matches nothing served")), "{stdout}");

    // Leaf expiring within the window, and a CA pin: warnings, still exit 0.
    let ca_pinned = dir.path().join("ca.json");
    let intermediate_pin = Pin::from_certificate_der(&s.leaf.chain[1]).unwrap().to_string();
    std::fs::write(&ca_pinned, pinwire_json(&[intermediate_pin, backup.clone()])).unwrap();
    let out = pinwire(check_args(&s, &server, &ca_pinned, &["--warn-days", "400", "--json"])).await;
    assert_eq!(code(&out), 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["hosts"][0]["level"], "warn");
    let texts: Vec<&str> = json["hosts"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert!(texts.iter().any(|t| t.contains("pins a CA key")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("expires on")), "{texts:?}");

    // A rotation gone wrong: no pin matches what is served.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, pinwire_json(&[backup, Pin::from_sha256([8; 32]).to_string()])).unwrap();
    let out = pinwire(check_args(&s, &server, &bad, &[])).await;
    assert_eq!(code(&out), 9);
    assert!(String::from_utf8_lossy(&out.stdout).contains("would refuse this server"));
}

#[tokio::test(flavor = "multi_thread")]
async fn config_convert_round_trips_and_fetch_uses_the_converted_config() {
    let s = setup();
    let server = TestServer::https("cli", &s.leaf).await;
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    std::fs::create_dir(&raw).unwrap();
    std::fs::write(raw.join("app_ca.pem"), s.root.cert_pem()).unwrap();
    let b64 = |p: String| p["sha256/".len()..].to_string();
    let nsc = format!(
        r#"<network-security-config>
  <domain-config>
    <domain>{HOST}</domain>
    <trust-anchors><certificates src="@raw/app_ca"/></trust-anchors>
    <pin-set><pin digest="SHA-256">{}</pin><pin digest="SHA-256">{}</pin></pin-set>
  </domain-config>
</network-security-config>"#,
        b64(pin(s.leaf.leaf())),
        b64(Pin::from_sha256([7; 32]).to_string())
    );
    let nsc_path = dir.path().join("network_security_config.xml");
    std::fs::write(&nsc_path, nsc).unwrap();
    let raw_dir = raw.display().to_string();

    let json_path = dir.path().join("pins.json");
    let out = pinwire(vec![
        "config".into(),
        "convert".into(),
        "--from".into(),
        "nsc".into(),
        "--to".into(),
        "pinwire".into(),
        nsc_path.display().to_string(),
        "--raw-dir".into(),
        raw_dir.clone(),
        "-o".into(),
        json_path.display().to_string(),
    ])
    .await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));

    // Back to NSC: the bundled CA comes out as a raw resource again.
    let raw_out = dir.path().join("raw-out");
    let out = pinwire(vec![
        "config".into(),
        "convert".into(),
        "--to".into(),
        "nsc".into(),
        json_path.display().to_string(),
        "--raw-out".into(),
        raw_out.display().to_string(),
    ])
    .await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("<pin-set"));
    let written: Vec<_> = std::fs::read_dir(&raw_out).unwrap().collect();
    assert_eq!(written.len(), 1);

    let out = pinwire(vec![
        "config".into(),
        "convert".into(),
        "--to".into(),
        "okhttp".into(),
        json_path.display().to_string(),
    ])
    .await;
    // The host trusts only its bundled CA, which OkHttp and TrustKit cannot say: refused, naming the rule.
    let refused = String::from_utf8_lossy(&out.stderr);
    assert_ne!(code(&out), 0, "{refused}");
    assert!(
        refused.contains(&format!("{HOST} trusts only its own CAs")),
        "{refused}"
    );
    let out = pinwire(vec![
        "config".into(),
        "convert".into(),
        "--to".into(),
        "trustkit".into(),
        json_path.display().to_string(),
    ])
    .await;
    assert_ne!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("trusts only its own CAs"));

    // fetch with the JSON: trust and pins come from the file (no --cacert).
    let out = pinwire(vec![
        "fetch".into(),
        format!("https://{HOST}:{}/", server.port()),
        "--config".into(),
        json_path.display().to_string(),
        "--resolve".into(),
        format!("{HOST}:{}:127.0.0.1", server.port()),
    ])
    .await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from cli");

    // A malformed file names file, line and column.
    let broken = dir.path().join("broken.xml");
    std::fs::write(
        &broken,
        "<network-security-config>\n  <domain-config>\n    <pin-set><pin digest=\"SHA-1\">x</pin></pin-set>\n",
    )
    .unwrap();
    let out = pinwire(vec![
        "config".into(),
        "convert".into(),
        "--to".into(),
        "pinwire".into(),
        broken.display().to_string(),
    ])
    .await;
    assert_eq!(code(&out), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken.xml:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_with_a_config_names_the_rule_and_sends_its_failure_reports() {
    const COLLECTOR: &str = "collector.pinwire.test";
    let s = setup();
    let server = TestServer::https("cli", &s.leaf).await;
    let collector = TestServer::https("collector", &s.root.leaf([COLLECTOR])).await;
    let wrong = [
        Pin::from_sha256([1; 32]).to_string(),
        Pin::from_sha256([2; 32]).to_string(),
    ];
    let config = format!(
        r#"{{"version": 1, "rules": [{{"pattern": "{HOST}", "pins": ["{}", "{}"],
            "report_uris": ["https://{COLLECTOR}:{}/collect"]}}]}}"#,
        wrong[0],
        wrong[1],
        collector.port()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pinwire.json");
    std::fs::write(&path, config).unwrap();
    let mut args = fetch_args(&s, &server, "/", &["-v", "--config", &path.display().to_string()]);

    // -v says which rule applies (not "no pins") before the decision.
    let out = pinwire(args.clone()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(code(&out), 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "* pin rule {HOST} ({}) applies to {HOST}: 2 pin(s), enforced",
            path.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("no pins for"), "{stderr}");
    assert!(collector.collected().is_empty(), "reports only with --send-reports");

    // --send-reports: the file's report reaches the collector before the command exits.
    args.extend([
        "--send-reports".to_string(),
        "--resolve".into(),
        format!("{COLLECTOR}:{}:127.0.0.1", collector.port()),
    ]);
    let out = pinwire(args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(code(&out), 0, "{stderr}");
    let collected = collector.collected();
    assert_eq!(collected.len(), 1, "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&collected[0]).unwrap();
    assert_eq!(report["hostname"], HOST);
    assert_eq!(report["app-bundle-id"], "pinwire-cli");
    assert_eq!(report["enforce-pinning"], true);
}
