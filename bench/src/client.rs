//! `pinwire-bench client --impl pinwire|reqwest DIR`: a long-lived Rust bench client. It reads one
//! command a line on stdin and answers one JSON line on stdout; the orchestrator (`run`) drives it and
//! the JVM clients with the same commands, in alternating rounds.
//!
//! Commands: `seq PORT SECS`, `conc PORT SECS WORKERS`, `conn pinned|unpinned SECS`, `bulk PORT`,
//! `ffi SECS`, `quit`; in the Pinwire process also `connab SECS` (pinned, unpinned and plain reqwest
//! connections in turn) and `ab seq|conc|bulk PORT SECS [WORKERS]` (Pinwire and plain reqwest taking
//! turns). PORT is `h2` or `h1` (the nginx listener); `conn` and `connab` use the listener that closes
//! every connection after one response.

use crate::env::{self, Env};
use std::io::BufRead as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Res<T> = Result<T, String>;

/// The clients one process holds: Pinwire pinned and unpinned, or plain reqwest.
pub enum Clients {
    Pinwire {
        pinned: pinwire::Client,
        unpinned: pinwire::Client,
    },
    Reqwest(reqwest::Client),
}

/// A rustls configuration like Pinwire's (ring, safe default versions, h2 + http/1.1 by ALPN) with the
/// stock webpki verifier and the bench root: no pinning.
pub fn plain_rustls(env: &Env) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(env.root.clone()).expect("the bench root is a valid anchor");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    tls
}

/// Plain reqwest with the same settings Pinwire gives reqwest (timeouts, pool, no proxy).
pub fn plain_reqwest(env: &Env) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(plain_rustls(env))
        .user_agent("pinwire-bench")
        .pool_idle_timeout(Duration::from_secs(90))
        .connect_timeout(Duration::from_secs(30))
        .read_timeout(Duration::from_secs(30))
        .no_proxy()
        .resolve(env::HOST, env.localhost(0))
        .build()
        .expect("reqwest client")
}

/// Pinwire with the bench pins (leaf and a backup key) or none, trusting only the bench root.
pub fn pinwire_client(env: &Env, pinned: bool) -> pinwire::Client {
    let policy = if pinned {
        pinwire::Policy::builder()
            .pin(env::HOST, [env.leaf_pin.as_str(), env.backup_pin.as_str()])
            .build()
            .expect("bench policy")
    } else {
        pinwire::Policy::unpinned()
    };
    pinwire::Client::builder()
        .policy(policy)
        .trust_roots(vec![env.root.clone()])
        .user_agent("pinwire-bench")
        .resolve(env::HOST, env.localhost(0))
        // Only the callgrind comparison of decoding on and off sets this (nginx here never compresses).
        .decompress(std::env::var_os(NO_DECOMPRESS).is_none())
        .build()
        .expect("pinwire client")
}

/// Set in the environment of a `handshakes` run: Pinwire's clients do not decode (nor offer to).
pub const NO_DECOMPRESS: &str = "PINWIRE_BENCH_NO_DECOMPRESS";

impl Clients {
    pub fn new(which: &str, env: &Env) -> Res<Clients> {
        match which {
            "pinwire" => Ok(Clients::Pinwire {
                pinned: pinwire_client(env, true),
                unpinned: pinwire_client(env, false),
            }),
            "reqwest" => Ok(Clients::Reqwest(plain_reqwest(env))),
            other => Err(format!("unknown client {other:?}")),
        }
    }

    /// GETs `url` and reads the body as it streams (counting, not keeping it); returns its length.
    pub async fn get(&self, url: &str, pinned: bool) -> Res<u64> {
        let mut n = 0u64;
        match self {
            Clients::Pinwire { pinned: p, unpinned } => {
                let client = if pinned { p } else { unpinned };
                let mut response = client.get(url).await.map_err(|e| format!("{url}: {e}"))?;
                if response.status() != 200 {
                    return Err(format!("{url}: status {}", response.status()));
                }
                while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
                    n += chunk.len() as u64;
                }
            }
            Clients::Reqwest(client) => {
                let mut response = client.get(url).send().await.map_err(|e| format!("{url}: {e}"))?;
                if response.status() != 200 {
                    return Err(format!("{url}: status {}", response.status()));
                }
                while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
                    n += chunk.len() as u64;
                }
            }
        }
        Ok(n)
    }
}

/// The peak resident set size (VmHWM) and the current one (VmRSS), in KiB.
pub fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Resets the peak RSS to the current RSS (Linux `clear_refs` 5); returns whether it worked.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Sequential GETs for `secs`: (requests, seconds).
async fn run_seq(clients: &Clients, url: &str, pinned: bool, secs: f64) -> Res<(u64, f64)> {
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut ops = 0u64;
    while Instant::now() < deadline {
        clients.get(url, pinned).await?;
        ops += 1;
    }
    Ok((ops, start.elapsed().as_secs_f64()))
}

/// `workers` loops of GETs for `secs`: (requests, seconds).
async fn run_conc(clients: &Arc<Clients>, url: &str, secs: f64, workers: usize) -> Res<(u64, f64)> {
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let clients = clients.clone();
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let mut ops = 0u64;
            while Instant::now() < deadline {
                clients.get(&url, true).await?;
                ops += 1;
            }
            Ok::<u64, String>(ops)
        }));
    }
    let mut ops = 0;
    for task in tasks {
        ops += task.await.map_err(|e| e.to_string())??;
    }
    Ok((ops, start.elapsed().as_secs_f64()))
}

fn ops_json((ops, secs): (u64, f64)) -> String {
    format!(r#"{{"ops":{ops},"secs":{secs}}}"#)
}

/// `json` (an object) with the process CPU time since `cpu_before` added as `cpu_secs`.
fn with_cpu(json: String, cpu_before: f64) -> String {
    format!(
        r#"{},"cpu_secs":{}}}"#,
        json.trim_end_matches('}'),
        cpu_secs() - cpu_before
    )
}

/// Pinwire (pinned) and plain reqwest in this one process, taking turns: slices of 0.2 s of `seq` or
/// `conc` work, or one download each for `bulk`, for `secs` in all; the rate of each from its own time
/// (requests/s, or MB/s for `bulk`). Drift on a shared machine then hits both alike.
async fn alternating(
    clients: &Arc<Clients>,
    plain: &Arc<Clients>,
    kind: &str,
    url: &str,
    secs: f64,
    workers: usize,
) -> Res<String> {
    const SLICE: f64 = 0.2;
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut ops = [0u64; 2];
    let mut time = [0f64; 2];
    let mut pass = 0;
    while Instant::now() < deadline || ops[1] == 0 {
        // Who goes first alternates too, so neither always follows the other.
        pass += 1;
        let order = if pass % 2 == 1 { [0, 1] } else { [1, 0] };
        for k in order {
            let client = if k == 0 { clients } else { plain };
            let (n, t) = match kind {
                "seq" => run_seq(client, url, true, SLICE).await?,
                "conc" => run_conc(client, url, SLICE, workers).await?,
                _ => {
                    let start = Instant::now();
                    let bytes = client.get(url, true).await?;
                    (bytes, start.elapsed().as_secs_f64())
                }
            };
            ops[k] += n;
            time[k] += t;
        }
    }
    let scale = if kind == "bulk" { 1e-6 } else { 1.0 };
    let rate = |k: usize| ops[k] as f64 / time[k] * scale;
    Ok(serde_json::json!({ "ab": { "pinwire": rate(0), "reqwest": rate(1) } }).to_string())
}

/// New connections, one each in turn from Pinwire pinned, Pinwire unpinned and plain reqwest (all in
/// this process), so that the machine's drift hits the three alike; connections per second of each,
/// from the time spent in its own requests.
async fn interleaved(clients: &Clients, plain: &Clients, url: &str, secs: f64) -> Res<String> {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut time = [0f64; 3];
    let mut ops = [0u64; 3];
    while Instant::now() < deadline {
        for k in 0..3 {
            let (client, pinned) = match k {
                0 => (clients, true),
                1 => (clients, false),
                _ => (plain, false),
            };
            let start = Instant::now();
            client.get(url, pinned).await?;
            time[k] += start.elapsed().as_secs_f64();
            ops[k] += 1;
        }
    }
    let rate = |k: usize| ops[k] as f64 / time[k];
    Ok(serde_json::json!({ "modes": { "pinned": rate(0), "unpinned": rate(1), "plain": rate(2) } }).to_string())
}

async fn bulk(clients: &Clients, url: &str) -> Res<String> {
    let reset = reset_peak();
    let (before, _) = memory_kib();
    let start = Instant::now();
    let bytes = clients.get(url, true).await?;
    let secs = start.elapsed().as_secs_f64();
    let (after, _) = memory_kib();
    Ok(format!(
        r#"{{"bytes":{bytes},"secs":{secs},"rss_growth_kib":{},"peak_reset":{reset}}}"#,
        after.saturating_sub(before)
    ))
}

/// CPU time of this process (user + system), in seconds (Linux USER_HZ is 100).
pub fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The Rust side of the FFI figure: the call Kotlin makes through UniFFI, made directly.
fn ffi(env: &Env, secs: f64) -> Res<String> {
    let key = std::fs::read(env.dir.join("backup.spki.der")).map_err(|e| e.to_string())?;
    let cpu = cpu_secs();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut ops = 0u64;
    let mut sink = 0usize;
    while Instant::now() < deadline {
        for _ in 0..256 {
            let pin = pinwire::Pin::from_public_key(std::hint::black_box(&key))
                .map_err(|e| e.to_string())?
                .to_string();
            sink = sink.wrapping_add(pin.len());
        }
        ops += 256;
    }
    std::hint::black_box(sink);
    Ok(format!(
        r#"{{"ops":{ops},"secs":{},"cpu_secs":{}}}"#,
        start.elapsed().as_secs_f64(),
        cpu_secs() - cpu
    ))
}

fn answer(
    env: &Env,
    rt: &tokio::runtime::Runtime,
    clients: &Arc<Clients>,
    plain: &Arc<Clients>,
    line: &str,
) -> Res<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let secs = |i: usize| -> Res<f64> {
        words
            .get(i)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("{line:?}: seconds expected"))
    };
    let port = |i: usize| -> Res<u16> { env.port(words.get(i).copied().unwrap_or("")) };
    let cpu = cpu_secs();
    match words.as_slice() {
        // The loop runs as a task on the runtime, as an async Rust program's requests do (and as `conc`'s
        // workers do). Driven by `block_on` from this outside thread instead, every HTTP/1.1 request costs
        // two more cross-thread wake-ups: the response wakes this thread, and hyper's pool hands the
        // connection back through a task spawned from here, which must wake a worker.
        ["seq", ..] => {
            let (clients, url, secs) = (clients.clone(), env.url(port(1)?, "/small"), secs(2)?);
            rt.block_on(rt.spawn(async move { run_seq(&clients, &url, true, secs).await }))
                .map_err(|e| e.to_string())?
                .map(|result| with_cpu(ops_json(result), cpu))
        }
        ["conc", _, _, workers] => {
            let workers = workers.parse().map_err(|_| "workers".to_string())?;
            rt.block_on(run_conc(clients, &env.url(port(1)?, "/small"), secs(2)?, workers))
                .map(|result| with_cpu(ops_json(result), cpu))
        }
        ["conn", mode, _] => {
            let pinned = match *mode {
                "pinned" => true,
                "unpinned" => false,
                other => return Err(format!("conn {other:?}")),
            };
            if pinned && matches!(**clients, Clients::Reqwest(_)) {
                return Err("plain reqwest has no pins".into());
            }
            rt.block_on(run_seq(
                clients,
                &env.url(env.port("conn")?, "/small"),
                pinned,
                secs(2)?,
            ))
            .map(ops_json)
        }
        ["connab", _] if matches!(**clients, Clients::Pinwire { .. }) => rt.block_on(interleaved(
            clients,
            plain,
            &env.url(env.port("conn")?, "/small"),
            secs(1)?,
        )),
        ["bulk", _] => rt.block_on(bulk(clients, &env.url(port(1)?, "/big.bin"))),
        // `ab seq|conc|bulk PORT SECS [WORKERS]`: Pinwire and plain reqwest taking turns (Pinwire's process).
        ["ab", kind @ ("seq" | "conc" | "bulk"), _, _, rest @ ..] if matches!(**clients, Clients::Pinwire { .. }) => {
            let workers = rest.first().and_then(|w| w.parse().ok()).unwrap_or(8);
            let path = if *kind == "bulk" { "/big.bin" } else { "/small" };
            rt.block_on(alternating(
                clients,
                plain,
                kind,
                &env.url(port(2)?, path),
                secs(3)?,
                workers,
            ))
        }
        ["ffi", _] => ffi(env, secs(1)?),
        _ => Err(format!("unknown command {line:?}")),
    }
}

/// Serves commands until `quit` or the end of stdin.
pub fn serve(which: &str, env: &Env) -> Res<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (clients, plain) = {
        let _guard = rt.enter();
        (
            Arc::new(Clients::new(which, env)?),
            Arc::new(Clients::new("reqwest", env)?),
        )
    };
    println!(r#"{{"ready":true}}"#);
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let line = line.trim();
        if line == "quit" {
            break;
        }
        match answer(env, &rt, &clients, &plain, line) {
            Ok(json) => println!("{json}"),
            Err(e) => println!("{}", serde_json::json!({ "error": e })),
        }
    }
    Ok(())
}

/// `pinwire-bench handshakes MODE N DIR`: N sequential requests, each on a new connection (one full
/// TLS handshake each), for callgrind; MODE is `pinned`, `unpinned` or `reqwest`. With `PORT=h2` or
/// `h1` in the environment, the requests go to that listener instead and reuse one connection; with
/// `URL_PATH=/big.bin`, they download the 64 MiB file.
pub fn handshakes(mode: &str, n: u64, env: &Env) -> Res<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let clients = {
        let _guard = rt.enter();
        Clients::new(if mode == "reqwest" { "reqwest" } else { "pinwire" }, env)?
    };
    let port = std::env::var("PORT").unwrap_or_else(|_| "conn".into());
    let path = std::env::var("URL_PATH").unwrap_or_else(|_| "/small".into());
    let url = env.url(env.port(&port)?, &path);
    rt.block_on(async {
        for _ in 0..n {
            clients.get(&url, mode == "pinned").await?;
        }
        Ok(())
    })
}
