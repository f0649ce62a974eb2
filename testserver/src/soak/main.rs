//! `pinwire-soak`: Pinwire's client under load, cancellation and faults for a bounded time, against
//! this crate's servers on 127.0.0.1 (scripts/soak.sh runs it).
//!
//! 64 tasks (by default) make calls for the given time (and at most `--max-calls` calls): pinned and
//! unpinned hosts, HTTP/2 and HTTP/1.1, small and large bodies, about a third cancelled through a token,
//! abandoned by dropping the call's future, or read partly and dropped, with every fault mode of
//! [`pinwire_testserver::Fault`] plus stalls, a redirect loop, a refused port and a pin mismatch
//! sprinkled in. At the end it checks that every call ended within its timeout with the outcome its
//! kind must have; that open file descriptors, threads and the servers' open connections (the client's
//! pool) are back to their baseline; that resident memory grew less than 16 MiB after the warm-up; and
//! that nothing panicked. It prints a table and `N passed, N failed`, and exits non-zero on a failure.
//!
//! It lives in the test-server crate because it is a test of the client against these servers, not a
//! benchmark: it asserts behaviour and prints figures only to explain a failure.

mod probe;
mod scenario;

use pinwire::{Client, Pin, Policy};
use pinwire_testserver::{refused_port, Authority, Fault, FaultServer, TestServer};
use probe::Resources;
use scenario::{Kind, Ports, Verdict, MISPINNED, PINNED, UNPINNED};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CALL_TIMEOUT: Duration = Duration::from_secs(10);
// reqwest measures the read timeout before the headers from the send to the final response head (across
// redirects and the handshake), so under load it must leave room for a whole redirect chain.
const READ_TIMEOUT: Duration = Duration::from_secs(3);
/// A call still running this long after its call timeout counts as hung and is abandoned.
const GRACE: Duration = Duration::from_secs(2);
const RSS_GROWTH_LIMIT: u64 = 16 * 1024 * 1024;
const SETTLE: Duration = Duration::from_secs(25);

static PANICS: AtomicUsize = AtomicUsize::new(0);

struct Options {
    seconds: u64,
    concurrency: usize,
    max_calls: usize,
    seed: u64,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        seconds: 60,
        concurrency: 64,
        max_calls: 2_000_000,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = value
            .parse::<u64>()
            .map_err(|_| format!("{flag}: not a number: {value}"))?;
        match flag.as_str() {
            "--seconds" => options.seconds = number.clamp(5, 24 * 3600),
            "--concurrency" => options.concurrency = (number as usize).clamp(1, 1024),
            "--max-calls" => options.max_calls = number as usize,
            "--seed" => options.seed = number.max(1),
            other => {
                return Err(format!(
                    "unknown option {other} (--seconds, --concurrency, --max-calls, --seed)"
                ))
            }
        }
    }
    Ok(options)
}

/// xorshift64*: reproducible from the printed seed, no dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[derive(Default, Clone)]
struct Tally {
    calls: usize,
    ok: usize,
    expected_errors: usize,
    abandoned: usize,
    unexpected: usize,
    h2_reset_limit: usize,
    hung: usize,
    late: usize,
    max: Duration,
    first_problem: Option<String>,
}

/// The servers, on a runtime of their own so the client's runtime holds only client work.
struct Servers {
    h2: TestServer,
    h1: TestServer,
    faults: Vec<FaultServer>,
    refused: u16,
}

impl Servers {
    fn open_connections(&self) -> usize {
        [&self.h2, &self.h1]
            .iter()
            .map(|s| {
                let stats = s.stats();
                stats.accepted.load(Ordering::SeqCst) - stats.closed.load(Ordering::SeqCst)
            })
            .sum()
    }

    fn ports(&self) -> Ports {
        Ports {
            h2: self.h2.port(),
            h1: self.h1.port(),
            refused: self.refused,
            faults: self.faults.iter().map(|f| (f.fault(), f.port())).collect(),
        }
    }
}

fn main() {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("pinwire-soak: {e}");
            println!("0 passed, 1 failed");
            std::process::exit(2);
        }
    };
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));

    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("soak-server")
        .enable_all()
        .build()
        .expect("server runtime");
    let root = Authority::root("Soak Root");
    let intermediate = root.intermediate("Soak Intermediate");
    let leaf = intermediate.leaf([PINNED, UNPINNED, MISPINNED]);
    let servers = server_runtime.block_on(async {
        let mut faults = Vec::new();
        for fault in Fault::ALL {
            faults.push(FaultServer::start(fault, &leaf).await);
        }
        Servers {
            h2: TestServer::https("soak-h2", &leaf).await,
            h1: TestServer::https_with("soak-h1", &leaf, pinwire_testserver::Alpn::Http1Only).await,
            faults,
            refused: refused_port().await,
        }
    });

    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("soak-client")
        .enable_all()
        .build()
        .expect("client runtime");
    let root_pin = Pin::from_certificate_der(root.cert()).expect("own root");
    let policy = Policy::builder()
        .pin(PINNED, [root_pin, Pin::from_sha256([0xEE; 32])])
        .pin(MISPINNED, [Pin::from_sha256([0x11; 32]), Pin::from_sha256([0x22; 32])])
        .build()
        .expect("policy");
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("address");
    let client = {
        let _guard = client_runtime.enter();
        Client::builder()
            .trust_roots(vec![root.cert().clone()])
            .policy(policy)
            .resolve(PINNED, loopback)
            .resolve(UNPINNED, loopback)
            .resolve(MISPINNED, loopback)
            .read_timeout(Some(READ_TIMEOUT))
            .call_timeout(Some(CALL_TIMEOUT))
            .connect_timeout(Some(Duration::from_secs(5)))
            .pool_idle_timeout(Some(Duration::from_secs(1)))
            // A loop of 4 hops, not 11: the read timeout before the headers spans the whole chain.
            .max_redirects(3)
            .build()
            .expect("client")
    };
    let client = Arc::new(client);

    let baseline = Resources::now();
    let warmup = Duration::from_secs((options.seconds / 6).clamp(3, 30));
    println!(
        "soak: {} s, {} concurrent, at most {} calls, seed {}; warm-up {} s; baseline {} fds, {} threads",
        options.seconds,
        options.concurrency,
        options.max_calls,
        options.seed,
        warmup.as_secs(),
        baseline.fds,
        baseline.threads
    );

    let tallies: Arc<Mutex<BTreeMap<Kind, Tally>>> = Arc::default();
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let (after_warmup, at_end, peak_rss, task_panics) = client_runtime.block_on(async {
        let mix = Kind::weighted();
        let total_weight: u64 = mix.iter().map(|(_, w)| u64::from(*w)).sum();
        let ports = servers.ports();
        let mut tasks = Vec::new();
        for worker in 0..options.concurrency {
            let client = client.clone();
            let tallies = tallies.clone();
            let issued = issued.clone();
            let mix = mix.clone();
            let ports = ports.clone();
            let mut random = Random((options.seed ^ (worker as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)).max(1));
            tasks.push(tokio::spawn(async move {
                while Instant::now() < deadline && issued.fetch_add(1, Ordering::SeqCst) < options.max_calls {
                    let mut pick = random.next() % total_weight;
                    let kind = mix
                        .iter()
                        .find(|(_, w)| {
                            let hit = pick < u64::from(*w);
                            pick = pick.saturating_sub(u64::from(*w));
                            hit
                        })
                        .map(|(k, _)| *k)
                        .expect("weights cover the range");
                    let began = Instant::now();
                    let outcome = tokio::time::timeout(
                        CALL_TIMEOUT + GRACE,
                        scenario::call(&client, &ports, kind, random.next()),
                    )
                    .await;
                    let took = began.elapsed();
                    let mut tallies = tallies.lock().expect("tally lock");
                    let tally = tallies.entry(kind).or_default();
                    tally.calls += 1;
                    tally.max = tally.max.max(took);
                    if took > CALL_TIMEOUT + Duration::from_millis(500) {
                        tally.late += 1;
                    }
                    let (verdict, problem) = match outcome {
                        Ok(result) => result,
                        Err(_) => {
                            tally.hung += 1;
                            continue;
                        }
                    };
                    match verdict {
                        Verdict::Ok => tally.ok += 1,
                        Verdict::ExpectedError => tally.expected_errors += 1,
                        Verdict::Abandoned => tally.abandoned += 1,
                        Verdict::Unexpected => tally.unexpected += 1,
                        Verdict::H2ResetLimit => tally.h2_reset_limit += 1,
                    }
                    if let Some(problem) = problem {
                        tally.first_problem.get_or_insert(problem);
                    }
                }
            }));
        }
        tokio::time::sleep_until((started + warmup).into()).await;
        let after_warmup = Resources::now();
        let mut peak = after_warmup.rss;
        let mut task_panics = 0;
        let monitor = async {
            while Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(250)).await;
                peak = peak.max(probe::rss_bytes());
            }
        };
        monitor.await;
        for task in tasks {
            if let Err(e) = task.await {
                if e.is_panic() {
                    task_panics += 1;
                }
            }
        }
        (after_warmup, Resources::now(), peak, task_panics)
    });
    let ran = started.elapsed();

    // Idle now: pooled connections expire (1 s idle timeout), servers see them close, the blocking
    // pool's threads retire. Wait for everything to be back where it started, within a bound.
    let settle_started = Instant::now();
    let settled = client_runtime.block_on(async {
        loop {
            let now = Resources::now();
            let back = now.fds <= baseline.fds && now.threads <= baseline.threads && servers.open_connections() == 0;
            if back || settle_started.elapsed() > SETTLE {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let open_connections = servers.open_connections();

    let tallies = tallies.lock().expect("tally lock").clone();
    let mut total = Tally::default();
    println!();
    println!(
        "{:<28} {:>7} {:>7} {:>9} {:>9} {:>10} {:>5} {:>8}",
        "kind", "calls", "ok", "exp.err", "dropped", "unexpected", "hung", "max ms"
    );
    for (kind, t) in &tallies {
        println!(
            "{:<28} {:>7} {:>7} {:>9} {:>9} {:>10} {:>5} {:>8}",
            kind.name(),
            t.calls,
            t.ok,
            t.expected_errors,
            t.abandoned,
            t.unexpected,
            t.hung,
            t.max.as_millis()
        );
        total.calls += t.calls;
        total.ok += t.ok;
        total.expected_errors += t.expected_errors;
        total.abandoned += t.abandoned;
        total.unexpected += t.unexpected;
        total.h2_reset_limit += t.h2_reset_limit;
        total.hung += t.hung;
        total.late += t.late;
        total.max = total.max.max(t.max);
    }
    println!(
        "{:<28} {:>7} {:>7} {:>9} {:>9} {:>10} {:>5} {:>8}",
        "total",
        total.calls,
        total.ok,
        total.expected_errors,
        total.abandoned,
        total.unexpected,
        total.hung,
        total.max.as_millis()
    );
    if total.h2_reset_limit > 0 {
        println!(
            "{} calls ended with a typed Protocol error when h2 closed a connection at its local reset limit \
             (GOAWAY ENHANCE_YOUR_CALM after 1024 resets): a known limitation under heavy cancellation",
            total.h2_reset_limit
        );
    }
    let cancelled: usize = tallies
        .iter()
        .filter(|(k, _)| matches!(k, Kind::CancelToken | Kind::DropFuture | Kind::PartialRead))
        .map(|(_, t)| t.calls)
        .sum();
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let growth = at_end.rss.saturating_sub(after_warmup.rss);
    println!();
    println!(
        "ran {:.1} s, {:.0} calls/s; {} of {} calls cancelled, abandoned or read partly ({:.0} %)",
        ran.as_secs_f64(),
        total.calls as f64 / ran.as_secs_f64(),
        cancelled,
        total.calls,
        100.0 * cancelled as f64 / total.calls.max(1) as f64
    );
    println!(
        "rss: {:.1} MiB at start, {:.1} MiB after warm-up, {:.1} MiB at end (peak {:.1}): growth {:.1} MiB",
        mib(baseline.rss),
        mib(after_warmup.rss),
        mib(at_end.rss),
        mib(peak_rss),
        mib(growth)
    );
    println!(
        "fds: {} baseline, {} at end of load, {} after {:.1} s idle; threads: {} / {} / {}; server-side open connections after idle: {}",
        baseline.fds,
        at_end.fds,
        settled.fds,
        settle_started.elapsed().as_secs_f64(),
        baseline.threads,
        at_end.threads,
        settled.threads,
        open_connections
    );

    let mut checks: Vec<(String, bool)> = Vec::new();
    for (kind, t) in &tallies {
        let ok = t.unexpected == 0 && t.hung == 0;
        let detail = t
            .first_problem
            .clone()
            .map(|p| format!(" (first: {p})"))
            .unwrap_or_default();
        checks.push((
            format!("{}: every call ended as its kind must{detail}", kind.name()),
            ok,
        ));
    }
    checks.push((
        format!(
            "every kind of call was made ({} of {})",
            tallies.len(),
            Kind::weighted().len()
        ),
        tallies.len() == Kind::weighted().len(),
    ));
    checks.push((
        format!(
            "every call ended within its timeout ({} hung, {} late)",
            total.hung, total.late
        ),
        total.hung == 0 && total.late == 0,
    ));
    checks.push((
        format!(
            "file descriptors back to baseline ({} -> {})",
            baseline.fds, settled.fds
        ),
        settled.fds <= baseline.fds,
    ));
    checks.push((
        format!("threads back to baseline ({} -> {})", baseline.threads, settled.threads),
        settled.threads <= baseline.threads,
    ));
    checks.push((
        format!("pooled connections closed when idle ({open_connections} open)"),
        open_connections == 0,
    ));
    checks.push((
        format!("RSS growth after warm-up {:.1} MiB < 16 MiB", mib(growth)),
        growth < RSS_GROWTH_LIMIT,
    ));
    let panics = PANICS.load(Ordering::SeqCst) + task_panics;
    checks.push((format!("no panic ({panics})"), panics == 0));

    println!();
    let mut passed = 0;
    let mut failed = 0;
    for (what, ok) in &checks {
        println!("{} {what}", if *ok { "PASS" } else { "FAIL" });
        if *ok {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    drop(client);
    drop(servers);
    println!("{passed} passed, {failed} failed");
    std::process::exit(if failed == 0 { 0 } else { 1 });
}
