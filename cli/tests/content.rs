//! `pinwire fetch` decodes compressed bodies unless told not to, and keeps cookies in a jar file.

use assert_cmd::Command;
use pinwire_testserver::content::{pattern, Coding};
use pinwire_testserver::{Authority, TestServer};
use std::io::Write;

const HOST: &str = "api.pinwire.test";

async fn pinwire(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || Command::cargo_bin("pinwire").unwrap().args(args).output().unwrap())
        .await
        .unwrap()
}

struct Setup {
    server: TestServer,
    root_file: tempfile::NamedTempFile,
}

async fn setup() -> Setup {
    let root = Authority::root("CLI Root");
    let leaf = root.leaf([HOST]);
    let mut root_file = tempfile::NamedTempFile::new().unwrap();
    root_file.write_all(root.cert_pem().as_bytes()).unwrap();
    let server = TestServer::https("cli", &leaf).await;
    Setup { server, root_file }
}

fn fetch(s: &Setup, path: &str, extra: &[&str]) -> Vec<String> {
    let port = s.server.port();
    let mut args = vec![
        "fetch".to_string(),
        format!("https://{HOST}:{port}{path}"),
        "--cacert".into(),
        s.root_file.path().display().to_string(),
        "--no-system-roots".into(),
        "--resolve".into(),
        format!("{HOST}:{port}:127.0.0.1"),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_decodes_by_default_and_not_with_no_decompress() {
    let s = setup().await;
    let out = pinwire(fetch(&s, "/compressed/5000?coding=br", &["-v"])).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, pattern(5000));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("content-encoding"), "{stderr}");

    let raw = ["--no-decompress", "-H", "accept-encoding: br", "-v"];
    let out = pinwire(fetch(&s, "/compressed/5000", &raw)).await;
    assert!(out.status.success());
    assert_eq!(out.stdout, Coding::Brotli.encode(&pattern(5000)));
    assert!(String::from_utf8_lossy(&out.stderr).contains("content-encoding: br"));
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_keeps_cookies_in_a_jar_file_across_runs() {
    let s = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let jar = dir.path().join("jar.json");
    let jar_arg = jar.display().to_string();
    let out = pinwire(fetch(&s, "/cookies/login?to=/cookies/echo", &["-L", "-c", &jar_arg])).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "session=s3cr3t");
    assert!(std::fs::read_to_string(&jar).unwrap().contains("\"s3cr3t\""));
    // A new process sends the cookie from the file.
    let out = pinwire(fetch(&s, "/cookies/echo", &["-c", &jar_arg])).await;
    assert_eq!(String::from_utf8_lossy(&out.stdout), "session=s3cr3t");
    // Without the jar: none.
    let out = pinwire(fetch(&s, "/cookies/echo", &[])).await;
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}
