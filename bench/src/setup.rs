//! `pinwire-bench setup DIR`: the test PKI, the files nginx serves, its configuration, and the pin
//! configurations the cold-start figure reads. Everything the clients need is described in
//! `DIR/bench.json`.

use pinwire::config::{AnchorSource, PinConfig, TrustAnchor, TrustConfig};
use pinwire::{Pin, Policy};
use pinwire_testserver::{pem_cert, Authority};
use rcgen::{KeyPair, PublicKeyData as _};
use serde_json::json;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::Path;

/// The host name the certificate is for; every client resolves it to 127.0.0.1.
pub const HOST: &str = "bench.pinwire.test";
/// The small response's body.
pub const SMALL_BODY: &str = r#"{"id":42,"name":"pinwire","ok":true}"#;
/// The bulk file's size: 64 MiB.
pub const BIG_SIZE: usize = 64 << 20;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn free_port() -> Res<TcpListener> {
    Ok(TcpListener::bind("127.0.0.1:0")?)
}

fn write(path: &Path, contents: impl AsRef<[u8]>) -> Res<()> {
    std::fs::write(path, contents).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ascii"));
        out.push('\n');
    }
    let _ = writeln!(out, "-----END {label}-----");
    out
}

/// Writes 64 MiB of incompressible bytes (xorshift), quickly.
fn write_big(path: &Path) -> Res<()> {
    let mut file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut block = vec![0u8; 1 << 16];
    for _ in 0..BIG_SIZE / block.len() {
        for word in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        file.write_all(&block)?;
    }
    file.flush()?;
    Ok(())
}

fn nginx_conf(dir: &Path, ports: &[u16; 3]) -> String {
    let d = dir.display();
    let [h2, h1, conn] = ports;
    let server = |listen: String, extra: &str| {
        format!(
            r#"    server {{
        listen {listen};
        server_name {HOST};
        root {d}/www;
{extra}        location = /small {{
            default_type application/json;
            return 200 '{SMALL_BODY}';
        }}
    }}
"#
        )
    };
    let mut conf = format!(
        r#"# Written by pinwire-bench setup; started by scripts/bench.sh as the invoking user, not as a service.
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
daemon off;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    client_body_temp_path {d}/nginx-tmp/body;
    proxy_temp_path {d}/nginx-tmp/proxy;
    fastcgi_temp_path {d}/nginx-tmp/fastcgi;
    uwsgi_temp_path {d}/nginx-tmp/uwsgi;
    scgi_temp_path {d}/nginx-tmp/scgi;
    default_type application/octet-stream;
    # Reused connections stay reused for the whole run (nginx closes after 1000 requests by default).
    keepalive_requests 100000000;
    keepalive_timeout 600s;
    ssl_certificate {d}/chain.pem;
    ssl_certificate_key {d}/leaf.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    # Every new connection is a full handshake (no resumption), so its certificate check runs each time.
    ssl_session_cache off;
    ssl_session_tickets off;
"#
    );
    conf.push_str(&server(format!("127.0.0.1:{h2} ssl http2"), ""));
    conf.push_str(&server(format!("127.0.0.1:{h1} ssl"), ""));
    // One request per connection: the new-connections figure.
    conf.push_str(&server(
        format!("127.0.0.1:{conn} ssl"),
        "        keepalive_timeout 0;\n",
    ));
    conf.push_str("}\n");
    conf
}

/// Writes everything under `dir`.
pub fn run(dir: &Path) -> Res<()> {
    for sub in ["www", "nginx-tmp", "config", "config/raw"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let root = Authority::root("Bench Root");
    let intermediate = root.intermediate("Bench Intermediate");
    let leaf = intermediate.leaf([HOST]);
    // A backup key that is not deployed, as every real pin set has.
    let backup = KeyPair::generate()?;
    let backup_pin = Pin::from_spki_der(&backup.subject_public_key_info());
    let leaf_pin = Pin::from_certificate_der(leaf.leaf())?;
    let intermediate_pin = Pin::from_certificate_der(intermediate.cert())?;
    let root_pin = Pin::from_certificate_der(root.cert())?;

    let mut chain_pem = String::new();
    for cert in &leaf.chain {
        chain_pem.push_str(&pem_cert(cert));
    }
    write(&dir.join("root.pem"), root.cert_pem())?;
    write(&dir.join("root.der"), root.cert().as_ref())?;
    write(&dir.join("chain.pem"), &chain_pem)?;
    for (i, cert) in leaf.chain.iter().enumerate() {
        write(&dir.join(format!("chain-{i}.der")), cert.as_ref())?;
    }
    write(&dir.join("leaf.key"), pem("PRIVATE KEY", leaf.key.secret_pkcs8_der()))?;
    // A public key for the FFI figure: the backup key's SubjectPublicKeyInfo, DER.
    write(&dir.join("backup.spki.der"), backup.subject_public_key_info())?;
    write(&dir.join("www/small"), SMALL_BODY)?;
    write_big(&dir.join("www/big.bin"))?;

    // Pin configurations for the cold-start figure: the same policy as JSON and as NSC XML, both with
    // the bench root as their only (bundled) trust anchor.
    let policy = Policy::builder()
        .pin(HOST, [leaf_pin.to_string(), backup_pin.to_string()])
        .build()?;
    let bundled = TrustAnchor {
        source: AnchorSource::Bundled {
            name: "bench_root".into(),
            certificates: vec![root.cert().clone()],
        },
        override_pins: false,
    };
    let config = PinConfig::new(policy).with_trust(TrustConfig {
        base: vec![bundled],
        domains: Vec::new(),
        debug: Vec::new(),
    });
    write(&dir.join("config/pins.json"), config.to_json()?)?;
    let nsc = config.to_nsc_xml()?;
    write(&dir.join("config/network_security_config.xml"), &nsc.text)?;
    for (name, contents) in &nsc.files {
        write(&dir.join("config/raw").join(name), contents)?;
    }

    // Three free ports, held until all are chosen.
    let listeners = [free_port()?, free_port()?, free_port()?];
    let mut ports = [0u16; 3];
    for (port, listener) in ports.iter_mut().zip(&listeners) {
        *port = listener.local_addr()?.port();
    }
    drop(listeners);
    write(&dir.join("nginx.conf"), nginx_conf(dir, &ports))?;

    let info = json!({
        "host": HOST,
        "ports": { "h2": ports[0], "h1": ports[1], "conn": ports[2] },
        "small_body_len": SMALL_BODY.len(),
        "big_size": BIG_SIZE,
        "pins": {
            "leaf": leaf_pin.to_string(),
            "backup": backup_pin.to_string(),
            "intermediate": intermediate_pin.to_string(),
            "root": root_pin.to_string(),
        },
    });
    write(&dir.join("bench.json"), serde_json::to_string_pretty(&info)?)?;
    println!("{}", serde_json::to_string(&info)?);
    Ok(())
}
