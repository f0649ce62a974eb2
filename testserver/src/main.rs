//! `pinwire-testserver`: the local servers the Kotlin and Swift suites run against.
//!
//! Starts, on 127.0.0.1:
//! - `good`: a chain Test Root -> Test Intermediate -> leaf for `api.pinwire.test` (and `other.pinwire.test`)
//! - `http1`: the same certificate, HTTP/1.1 only
//! - `impostor`: a leaf for the same names from Evil Root (a CA the client may be told to trust)
//! - `untrusted`: a leaf from a root nobody trusts
//! - `fault-<name>` for every [`Fault`] (`fault-tls-alert`, `fault-http2-reset`, ...): the good chain,
//!   and the same misbehaviour on every connection
//! - `plain`: plain HTTP (for cleartext and `ws://`)
//! - `refused`: a port nothing listens on
//!
//! Every server has the WebSocket echo at `/ws/<id>` (see `pinwire_testserver::websocket`).
//!
//! and prints one line of JSON with the ports, the roots as PEM and the pins of every certificate. It
//! serves until its standard input closes, so a test harness that dies takes it down too.

use pinwire::Pin;
use pinwire_testserver::{refused_port, Alpn, Authority, Fault, FaultServer, TestServer};
use rustls_pki_types::CertificateDer;
use serde_json::json;
use tokio::io::AsyncReadExt;

fn pin(cert: &CertificateDer<'_>) -> String {
    Pin::from_certificate_der(cert).expect("own certificate").to_string()
}

#[tokio::main]
async fn main() {
    let names = ["api.pinwire.test", "other.pinwire.test"];
    let root = Authority::root("Test Root");
    let intermediate = root.intermediate("Test Intermediate");
    let leaf = intermediate.leaf(names);
    let evil = Authority::root("Evil Root");
    let impostor = evil.leaf(names);
    let stranger = Authority::root("Stranger Root");
    let untrusted = stranger.leaf(names);

    let good = TestServer::https("good", &leaf).await;
    let http1 = TestServer::https_with("http1", &leaf, Alpn::Http1Only).await;
    let impostor_server = TestServer::https("impostor", &impostor).await;
    let untrusted_server = TestServer::https("untrusted", &untrusted).await;
    let plain = TestServer::http("plain").await;
    let mut fault_servers = Vec::new();
    for fault in Fault::ALL {
        fault_servers.push(FaultServer::start(fault, &leaf).await);
    }

    let mut info = json!({
        "host": names[0],
        "other_host": names[1],
        "ports": {
            "good": good.port(),
            "http1": http1.port(),
            "impostor": impostor_server.port(),
            "untrusted": untrusted_server.port(),
            "plain": plain.port(),
        },
        "roots_pem": { "test": root.cert_pem(), "evil": evil.cert_pem() },
        "pins": {
            "leaf": pin(leaf.leaf()),
            "intermediate": pin(intermediate.cert()),
            "root": pin(root.cert()),
            "impostor_leaf": pin(impostor.leaf()),
            "evil_root": pin(evil.cert()),
        },
    });
    let ports = info["ports"].as_object_mut().expect("ports object");
    for server in &fault_servers {
        ports.insert(format!("fault-{}", server.fault().name()), server.port().into());
    }
    ports.insert("refused".into(), refused_port().await.into());
    println!("{info}");

    // Serve until stdin closes.
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 64];
    while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
}
