//! `pinwire demo`, the README's demo: local TLS servers, a pinned request that succeeds, an impostor that is refused,
//! and a key rotation onto the backup pin. Everything runs on 127.0.0.1 with certificates made now.

use pinwire::{Client, Error, Pin, PinEvent, PinOutcome, Policy};
use pinwire_testserver::{Authority, LeafSpec, TestServer};
use std::sync::Arc;

const HOST: &str = "api.pinwire.test";

fn pin(cert: &rustls_pki_types::CertificateDer<'_>) -> Pin {
    Pin::from_certificate_der(cert).expect("certificate parses")
}

fn log_event(event: &PinEvent) {
    let verdict = match &event.outcome {
        PinOutcome::Matched { pin } => format!("matched {pin}"),
        PinOutcome::Mismatch => "MISMATCH".to_string(),
        PinOutcome::Expired => "pin set expired, not enforced".to_string(),
        _ => "other".to_string(),
    };
    println!("    [observer] {}:{} -> {verdict}", event.host, event.port.unwrap_or(0));
}

/// Runs the demo; the exit code is non-zero if anything did not go as shown.
pub async fn run() -> u8 {
    match walk_through().await {
        Ok(()) => crate::exit::SUCCESS,
        Err(e) => {
            eprintln!("demo failed: {e}");
            crate::exit::OTHER
        }
    }
}

async fn walk_through() -> Result<(), Box<dyn std::error::Error>> {
    println!("Pinwire demo: every server below runs on 127.0.0.1 with certificates generated just now.\n");

    let root = Authority::root("Demo Root CA");
    let intermediate = root.intermediate("Demo Issuing CA");
    let current_key = rcgen::KeyPair::generate()?;
    let backup_key = rcgen::KeyPair::generate()?;
    let backup_pin = Pin::from_public_key(backup_key.public_key_pem().as_bytes())?;
    let leaf = intermediate.issue(&LeafSpec::new([HOST]), current_key);

    // A second CA the device also trusts: a user-installed proxy CA, a compromised or coerced CA.
    let rogue = Authority::root("Rogue CA (trusted by the device)");
    let impostor = rogue.leaf([HOST]);

    println!("Pins of the real server's chain:");
    println!("  leaf          {}", pin(leaf.leaf()));
    println!("  intermediate  {}", pin(intermediate.cert()));
    println!("  root          {}", pin(root.cert()));
    println!("Backup key (not deployed yet): {backup_pin}\n");

    let policy = Policy::builder().pin(HOST, [pin(leaf.leaf()), backup_pin]).build()?;
    let real = TestServer::https("the real server", &leaf).await;
    let fake = TestServer::https("an impostor", &impostor).await;
    let loopback = "127.0.0.1:0".parse()?;
    let client = Client::builder()
        .trust_roots(vec![root.cert().clone(), rogue.cert().clone()])
        .policy(policy)
        .resolve(HOST, loopback)
        .observer(Arc::new(log_event))
        .build()?;

    println!("1. Pinned request to the real server");
    let url = format!("https://{HOST}:{}/", real.port());
    let response = client.get(&url).await?;
    println!(
        "    {} {:?}: {:?}\n",
        response.status(),
        response.version(),
        response.text().await?
    );

    println!("2. The same host served by an impostor whose certificate the device trusts");
    let url = format!("https://{HOST}:{}/", fake.port());
    match client.get(&url).await {
        Err(Error::PinMismatch(mismatch)) => {
            println!("    refused: {}\n", mismatch.to_string().replace('\n', "\n    "));
        }
        other => return Err(format!("the impostor was not refused: {other:?}").into()),
    }

    println!("3. The server rotates to the backup key; the app ships unchanged");
    let rotated = intermediate.issue(&LeafSpec::new([HOST]), backup_key);
    let rotated_server = TestServer::https("the rotated server", &rotated).await;
    let url = format!("https://{HOST}:{}/", rotated_server.port());
    let response = client.get(&url).await?;
    println!(
        "    {} {:?}: {:?}\n",
        response.status(),
        response.version(),
        response.text().await?
    );

    println!("Done: pinned success, impostor refused, rotation onto the backup pin.");
    Ok(())
}
