//! Figures measured inside one process, without the network: the pin check alone (`pincheck`) and
//! creating a client from a configuration file (`cold`).

use crate::env::{Env, HOST};
use pinwire::config::{ImportOptions, PinConfig, RawResources};
use pinwire::trust::{ConfiguredTrust, PresentedChain};
use pinwire::{Host, PinEvent, PinOutcome, TrustSource};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Median nanoseconds per call of `f`, from batches of `batch` calls run for about `secs`.
fn per_call_ns(secs: f64, batch: u32, mut f: impl FnMut()) -> f64 {
    let mut samples = Vec::new();
    let end = Instant::now() + Duration::from_secs_f64(secs);
    while Instant::now() < end || samples.len() < 5 {
        let start = Instant::now();
        for _ in 0..batch {
            f();
        }
        samples.push(start.elapsed().as_nanos() as f64 / f64::from(batch));
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// `pinwire-bench pincheck DIR`: per call, on the bench chain (leaf, intermediate; root as anchor):
/// - `validate_ns`: the trust step every handshake runs, pinned or not (rustls-webpki path building
///   and signatures, then the validated path described: SPKI SHA-256 pins from webpki's own parse;
///   subjects are read only when diagnostics ask for them);
/// - `pin_check_ns`: what pinning adds on top, as `PinningVerifier::decide` does it: the policy lookup
///   (`Policy::pins_for`), the expiry test, `PinSet::matches_any` over the path's pins (twice: once
///   as the validator's path preference, once for the decision) and the `PinEvent` built for observers.
pub fn pincheck(env: &Env) -> Result<String, String> {
    let read = |name: &str| -> Result<CertificateDer<'static>, String> {
        Ok(CertificateDer::from(
            std::fs::read(env.dir.join(name)).map_err(|e| format!("{name}: {e}"))?,
        ))
    };
    let leaf = read("chain-0.der")?;
    let intermediates = vec![read("chain-1.der")?];
    let server_name = ServerName::try_from(HOST).map_err(|e| e.to_string())?;
    let now = UnixTime::now();
    let presented = PresentedChain {
        end_entity: &leaf,
        intermediates: &intermediates,
        server_name: &server_name,
        ocsp_response: &[],
        now,
    };
    let validator = TrustSource::Roots(vec![env.root.clone()])
        .validator()
        .map_err(|e| e.to_string())?;
    let policy = pinwire::Policy::builder()
        .pin(HOST, [env.leaf_pin.as_str(), env.backup_pin.as_str()])
        .build()
        .map_err(|e| e.to_string())?;
    let host = Host::parse(HOST).map_err(|e| e.to_string())?;
    let chain = validator
        .validate(&presented, &|_| true)
        .map_err(|e| format!("the bench chain does not validate: {e}"))?;
    let today = time::OffsetDateTime::now_utc();

    let validate_ns = per_call_ns(1.0, 50, || {
        black_box(validator.validate(black_box(&presented), &|_| true).is_ok());
    });
    let host_parse_ns = per_call_ns(0.3, 2000, || {
        black_box(Host::parse(black_box(HOST)).is_ok());
    });
    let pin_check_ns = per_call_ns(0.5, 2000, || {
        let requirement = policy.pins_for(black_box(&host)).expect("the bench host is pinned");
        let active = !requirement.pins.is_expired_at(today);
        let preferred = active && requirement.pins.matches_any(chain.pins()).is_some();
        let outcome = match requirement.pins.matches_any(chain.pins()) {
            Some(pin) => PinOutcome::Matched { pin },
            None => PinOutcome::Mismatch,
        };
        let event = PinEvent {
            host: host.to_string(),
            port: Some(443),
            pattern: requirement.rule.pattern().to_string(),
            include_subdomains: requirement.rule.includes_subdomains(),
            mode: requirement.pins.mode(),
            outcome,
            expected: requirement.pins.pins().copied().collect(),
            expiration: requirement.pins.expiration(),
            chain: chain.clone(), // the verifier moves its chain in; the clone is taken out below
            at: SystemTime::now(),
            config_version: 0,
        };
        black_box((preferred, event.allowed(), &event));
    });
    // The chain clone above is not part of the verifier's work: measure it alone and subtract it.
    let clone_ns = per_call_ns(0.3, 2000, || {
        black_box(black_box(&chain).clone());
    });
    Ok(serde_json::json!({
        "validate_ns": validate_ns,
        "host_parse_ns": host_parse_ns,
        "pin_check_ns": (pin_check_ns - clone_ns).max(0.0),
    })
    .to_string())
}

fn build_client(config: PinConfig) -> Result<pinwire::Client, String> {
    let trust = ConfiguredTrust::new(&config, false).map_err(|e| e.to_string())?;
    pinwire::Client::builder()
        .policy(config.into_policy())
        .trust(TrustSource::Custom(Arc::new(trust)))
        .resolve(HOST, env_localhost())
        .build()
        .map_err(|e| e.to_string())
}

fn env_localhost() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 0))
}

/// `pinwire-bench cold json|nsc DIR`: microseconds to parse the configuration file's text and build a
/// client from it (its bundled root as the only anchor): the first time in this process (`first_us`),
/// then the median of 30 more (`warm_us`). The file is read before the clock starts.
pub fn cold(format: &str, env: &Env) -> Result<String, String> {
    let config_dir = env.dir.join("config");
    let read = |name: &str| std::fs::read_to_string(config_dir.join(name)).map_err(|e| format!("{name}: {e}"));
    let (text, options) = match format {
        "json" => (read("pins.json")?, None),
        "nsc" => {
            let mut raw = BTreeMap::new();
            for entry in std::fs::read_dir(config_dir.join("raw")).map_err(|e| e.to_string())? {
                let entry = entry.map_err(|e| e.to_string())?;
                let name = entry.file_name().to_string_lossy().into_owned();
                raw.insert(name, std::fs::read(entry.path()).map_err(|e| e.to_string())?);
            }
            let options = ImportOptions::new(34).raw_resources(RawResources::Map(raw));
            (read("network_security_config.xml")?, Some(options))
        }
        other => return Err(format!("unknown format {other:?} (json, nsc)")),
    };
    let once = || -> Result<Duration, String> {
        let start = Instant::now();
        let config = match &options {
            None => PinConfig::from_json(&text, "pins.json"),
            Some(options) => PinConfig::from_nsc_xml(&text, "network_security_config.xml", options),
        }
        .map_err(|e| e.to_string())?;
        let client = build_client(config)?;
        let elapsed = start.elapsed();
        drop(black_box(client));
        Ok(elapsed)
    };
    let first = once()?;
    let mut warm = Vec::new();
    for _ in 0..30 {
        warm.push(once()?);
    }
    warm.sort();
    Ok(serde_json::json!({
        "first_us": first.as_secs_f64() * 1e6,
        "warm_us": warm[warm.len() / 2].as_secs_f64() * 1e6,
    })
    .to_string())
}
