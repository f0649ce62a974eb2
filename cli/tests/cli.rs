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
