//! The real `pinwire update` and `pinwire fetch --update` against local TLS servers.

use assert_cmd::Command;
use pinwire::Pin;
use pinwire_testserver::{Authority, LeafSpec, TestServer};
use std::path::{Path, PathBuf};

const HOST: &str = "api.pinwire.test";

fn pinwire_sync(args: &[String]) -> std::process::Output {
    Command::cargo_bin("pinwire").unwrap().args(args).output().unwrap()
}

/// Runs `pinwire args...` off the async runtime (the servers live on it).
async fn pinwire(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || pinwire_sync(&args)).await.unwrap()
}

fn code(output: &std::process::Output) -> i32 {
    output.status.code().expect("exited")
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// `pinwire update keygen` into `dir/name`; returns the private key path and the public JWK's path.
fn keygen(dir: &Path, name: &str, algorithm: &str) -> (PathBuf, PathBuf) {
    let private = dir.join(format!("{name}.pem"));
    let out = pinwire_sync(&[
        "update".into(),
        "keygen".into(),
        "--out".into(),
        s(&private),
        "--algorithm".into(),
        algorithm.into(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let public = dir.join(format!("{name}.jwk"));
    std::fs::write(&public, &out.stdout).unwrap();
    (private, public)
}

fn config_file(dir: &Path, name: &str, pins: &[String]) -> PathBuf {
    let path = dir.join(name);
    let json = serde_json::json!({ "version": 1, "rules": [{ "pattern": HOST, "pins": pins }] });
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

fn sign(dir: &Path, key: &Path, version: u64, config: &Path) -> PathBuf {
    let out = pinwire_sync(&[
        "update".into(),
        "sign".into(),
        "--key".into(),
        s(key),
        "--version".into(),
        version.to_string(),
        "--expires".into(),
        "2099-01-01".into(),
        s(config),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let path = dir.join(format!("update-{version}.jws"));
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

fn backup() -> String {
    Pin::from_sha256([0xEE; 32]).to_string()
}

#[test]
fn keygen_sign_and_verify_round_trip_and_refusals_have_their_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    for algorithm in ["ed25519", "es256"] {
        let (private, public) = keygen(dir.path(), algorithm, algorithm);
        let jwk: serde_json::Value = serde_json::from_slice(&std::fs::read(&public).unwrap()).unwrap();
        assert!(jwk.get("kid").is_some() && jwk.get("d").is_none(), "{jwk}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&private).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the private key is the owner's only");
        }
        let again = pinwire_sync(&["update".into(), "keygen".into(), "--out".into(), s(&private)]);
        assert_eq!(code(&again), 2, "an existing key file is not overwritten");

        let pins = vec![Pin::from_sha256([1; 32]).to_string(), backup()];
        let config = config_file(dir.path(), "pins.json", &pins);
        let document = sign(dir.path(), &private, 3, &config);
        let out = pinwire_sync(&[
            "update".into(),
            "verify".into(),
            "--key".into(),
            s(&public),
            s(&document),
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let carried: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(carried["rules"][0]["pins"][0], pins[0].as_str());
        assert!(stderr(&out).contains("valid: version 3"), "{}", stderr(&out));

        let out = pinwire_sync(&[
            "update".into(),
            "verify".into(),
            "--key".into(),
            s(&public),
            "--in-use".into(),
            "4".into(),
            s(&document),
        ]);
        assert_eq!(code(&out), 10, "rollback");
        assert!(stderr(&out).contains("rollback"), "{}", stderr(&out));
    }

    let (_, other_public) = keygen(dir.path(), "other", "ed25519");
    let (private, public) = keygen(dir.path(), "signer", "ed25519");
    let config = config_file(
        dir.path(),
        "two.json",
        &[Pin::from_sha256([2; 32]).to_string(), backup()],
    );
    let document = sign(dir.path(), &private, 1, &config);
    let out = pinwire_sync(&[
        "update".into(),
        "verify".into(),
        "--key".into(),
        s(&other_public),
        s(&document),
    ]);
    assert_eq!(code(&out), 10, "another key");
    assert!(stderr(&out).contains("no embedded update key"), "{}", stderr(&out));

    let mut tampered = std::fs::read_to_string(&document).unwrap();
    let middle = tampered.len() / 2;
    tampered.replace_range(
        middle..middle + 1,
        if &tampered[middle..middle + 1] == "A" { "B" } else { "A" },
    );
    let tampered_path = dir.path().join("tampered.jws");
    std::fs::write(&tampered_path, tampered).unwrap();
    let out = pinwire_sync(&[
        "update".into(),
        "verify".into(),
        "--key".into(),
        s(&public),
        s(&tampered_path),
    ]);
    assert_eq!(code(&out), 10, "tampered: {}", stderr(&out));

    let one_pin = config_file(dir.path(), "one.json", &[Pin::from_sha256([3; 32]).to_string()]);
    let out = pinwire_sync(&[
        "update".into(),
        "sign".into(),
        "--key".into(),
        s(&private),
        "--version".into(),
        "2".into(),
        "--expires".into(),
        "2099-01-01".into(),
        s(&one_pin),
    ]);
    assert_eq!(code(&out), 2, "a one-pin configuration is not signed");
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_applies_an_update_before_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let root = Authority::root("CLI Update Root");
    let intermediate = root.intermediate("CLI Update Intermediate");
    let old = intermediate.leaf([HOST]);
    let rotated = intermediate.issue(&LeafSpec::new([HOST]), rcgen::KeyPair::generate().unwrap());
    let server = TestServer::https("rotated", &rotated).await;
    let root_file = dir.path().join("root.pem");
    std::fs::write(&root_file, root.cert_pem()).unwrap();
    let old_pin = Pin::from_certificate_der(old.leaf()).unwrap().to_string();
    let new_pin = Pin::from_certificate_der(rotated.leaf()).unwrap().to_string();
    let shipped = config_file(dir.path(), "shipped.json", &[old_pin, backup()]);
    let (private, public) = keygen(dir.path(), "release", "es256");
    let update = sign(
        dir.path(),
        &private,
        1,
        &config_file(dir.path(), "new.json", &[new_pin, backup()]),
    );

    let fetch = |extra: &[String]| {
        let mut args = vec![
            "fetch".to_string(),
            format!("https://{HOST}:{}/", server.port()),
            "--config".into(),
            s(&shipped),
            "--cacert".into(),
            s(&root_file),
            "--no-system-roots".into(),
            "--resolve".into(),
            format!("{HOST}:{}:127.0.0.1", server.port()),
        ];
        args.extend_from_slice(extra);
        args
    };
    let out = pinwire(fetch(&[])).await;
    assert_eq!(code(&out), 3, "the shipped pins refuse the rotated key");

    let with_update = [
        "--update".to_string(),
        s(&update),
        "--update-key".into(),
        s(&public),
        "-v".into(),
    ];
    let out = pinwire(fetch(&with_update)).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from rotated");
    assert!(
        stderr(&out).contains("configuration version 1 in use"),
        "{}",
        stderr(&out)
    );

    let mut broken = std::fs::read(&update).unwrap();
    broken.truncate(broken.len() / 2);
    let broken_path = dir.path().join("broken.jws");
    std::fs::write(&broken_path, broken).unwrap();
    let out = pinwire(fetch(&[
        "--update".to_string(),
        s(&broken_path),
        "--update-key".into(),
        s(&public),
    ]))
    .await;
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(stderr(&out).contains("update refused"), "{}", stderr(&out));
}
