//! `pinwire-bench run DIR ...`: the orchestrator. It starts every client as a long-lived process (the
//! Rust clients are this binary, the JVM clients one JVM each), sends each the same command in turn,
//! round after round with the order rotated each round so that drift on a shared machine hits all of
//! them alike, and writes the medians as a table (markdown and JSON).
//!
//! One concern per file: `args` (the command line), this file (the clients and the rounds), `callgrind`
//! (instruction counts), `size` (the library's size) and `render` (the tables).

mod args;
mod callgrind;
mod render;
mod size;

pub use args::Options;

use crate::env::{Env, HOST};
use callgrind::callgrind;
use render::Report;
use serde_json::{json, Value};
use size::size;
use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

type Res<T> = Result<T, String>;

/// A long-lived client process speaking the line protocol of `client.rs`, or curl run per command.
enum Runner {
    Process {
        child: std::process::Child,
        stdin: std::process::ChildStdin,
        stdout: BufReader<std::process::ChildStdout>,
    },
    Curl {
        dir: PathBuf,
        ports: BTreeMap<String, u16>,
        baseline_kib: Option<u64>,
    },
}

struct Client {
    id: &'static str,
    label: &'static str,
    runner: Runner,
    ready: Value,
}

impl Client {
    fn spawn(id: &'static str, label: &'static str, mut command: Command) -> Res<Client> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{label}: cannot start {command:?}: {e}"))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut client = Client {
            id,
            label,
            runner: Runner::Process { child, stdin, stdout },
            ready: Value::Null,
        };
        client.ready = client.read_line()?;
        Ok(client)
    }

    fn read_line(&mut self) -> Res<Value> {
        let Runner::Process { stdout, .. } = &mut self.runner else {
            unreachable!("curl has no output to read")
        };
        let mut line = String::new();
        let n = stdout
            .read_line(&mut line)
            .map_err(|e| format!("{}: {e}", self.label))?;
        if n == 0 {
            return Err(format!("{}: the client process ended", self.label));
        }
        let value: Value =
            serde_json::from_str(line.trim()).map_err(|e| format!("{}: bad answer {line:?}: {e}", self.label))?;
        if let Some(error) = value.get("error") {
            return Err(format!("{}: {error}", self.label));
        }
        Ok(value)
    }

    fn ask(&mut self, command: &str) -> Res<Value> {
        match &mut self.runner {
            Runner::Process { stdin, .. } => {
                writeln!(stdin, "{command}")
                    .and_then(|()| stdin.flush())
                    .map_err(|e| format!("{}: {e}", self.label))?;
                self.read_line()
            }
            Runner::Curl {
                dir,
                ports,
                baseline_kib,
            } => {
                let port = command.strip_prefix("bulk ").and_then(|p| ports.get(p)).copied();
                let port = port.ok_or_else(|| format!("curl runs only the bulk figure, not {command:?}"))?;
                if baseline_kib.is_none() {
                    *baseline_kib = curl(dir, port, "/small")?.1;
                }
                let (result, peak) = curl(dir, port, "/big.bin")?;
                let mut result = result;
                if let (Some(peak), Some(base)) = (peak, *baseline_kib) {
                    result["rss_growth_kib"] = json!(peak.saturating_sub(base));
                }
                Ok(result)
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Runner::Process { child, stdin, .. } = &mut self.runner {
            let _ = writeln!(stdin, "quit");
            let _ = stdin.flush();
            for _ in 0..50 {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One curl download of `path`; curl's own timing of the transfer after the TLS handshake, and its
/// peak RSS from GNU time (KiB) when /usr/bin/time exists.
fn curl(dir: &Path, port: u16, path: &str) -> Res<(Value, Option<u64>)> {
    let time = Path::new("/usr/bin/time").exists();
    let mut command = if time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "maxrss=%M", "curl"]);
        c
    } else {
        Command::new("curl")
    };
    command
        .arg("-q")
        .args(["-sS", "-o", "/dev/null", "--cacert"])
        .arg(dir.join("root.pem"))
        .arg("--resolve")
        .arg(format!("{HOST}:{port}:127.0.0.1"))
        .args([
            "-w",
            "%{size_download} %{time_appconnect} %{time_total} %{http_version}",
        ])
        .arg(format!("https://{HOST}:{port}{path}"));
    let output = command.output().map_err(|e| format!("curl: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("curl failed: {stderr}"));
    }
    let fields: Vec<&str> = stdout.split_whitespace().collect();
    let number = |i: usize| fields.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    let peak = stderr
        .lines()
        .find_map(|l| l.strip_prefix("maxrss="))
        .and_then(|v| v.trim().parse().ok());
    let result = json!({
        "bytes": number(0),
        "secs": (number(2) - number(1)).max(1e-9),
        "http_version": fields.get(3).copied().unwrap_or(""),
    });
    Ok((result, peak))
}

fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// One row of a figure: the same command sent to several clients.
struct Row {
    figure: &'static str,
    id: &'static str,
    label: &'static str,
    command: String,
    clients: Vec<&'static str>,
}

#[derive(Default)]
struct Samples {
    /// (row id, client id) -> per-round values.
    values: BTreeMap<(String, String), Vec<f64>>,
    /// (row id, client id) -> per-round peak RSS growth (KiB).
    rss: BTreeMap<(String, String), Vec<f64>>,
}

impl Samples {
    fn median(&self, row: &str, client: &str) -> Option<f64> {
        self.values
            .get(&(row.to_string(), client.to_string()))
            .map(|v| median(v))
            .filter(|m| m.is_finite())
    }
}

const PINWIRE: &str = "pinwire";
const REQWEST: &str = "reqwest";
const KOTLIN: &str = "pinwire-kotlin";
const OKHTTP: &str = "okhttp";
const CURL: &str = "curl";
const SWIFT: &str = "pinwire-swift";

fn label_of(id: &str) -> &'static str {
    match id {
        PINWIRE => "Pinwire (Rust)",
        REQWEST => "reqwest (Rust, no pins)",
        KOTLIN => "Pinwire (Kotlin, JVM)",
        OKHTTP => "OkHttp (JVM)",
        SWIFT => "Pinwire (Swift, Linux)",
        _ => "curl",
    }
}

fn jvm_command(options: &Options, env: &Env, implementation: &str, mode: &str) -> Option<Command> {
    let cp = options.jvm_cp.as_ref()?;
    let mut command = Command::new(&options.java);
    if let Some(jna) = &options.jna_path {
        command.arg(format!("-Djna.library.path={jna}"));
    }
    command
        .args(["-cp", cp, "dev.pinwire.bench.MainKt", mode, implementation])
        .arg(&env.dir);
    Some(command)
}

/// The Swift client (Pinwire's Swift API over the C ABI), when a program to start it was given.
fn swift_command(options: &Options, env: &Env) -> Option<Command> {
    let mut command = Command::new(options.swift_client.as_ref()?);
    command.args(["client", SWIFT]).arg(&env.dir);
    Some(command)
}

fn self_command(args: &[&str], env: &Env) -> Res<Command> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new(exe);
    command.args(args).arg(&env.dir);
    Ok(command)
}

fn run_rows(rows: &[Row], clients: &mut [Client], options: &Options, samples: &mut Samples) -> Res<()> {
    for row in rows {
        let present: Vec<usize> = row
            .clients
            .iter()
            .filter_map(|id| clients.iter().position(|c| c.id == *id))
            .collect();
        if present.is_empty() {
            continue;
        }
        eprint!("  {:<34}", row.label);
        // Round 0 warms every client up (JIT, pools, caches) and is not counted.
        for round in 0..=options.rounds {
            for k in 0..present.len() {
                let index = present[(k + round) % present.len()];
                let client = &mut clients[index];
                // The warm-up round runs longer: the JVM clients need it for their JIT.
                let secs = if round == 0 { options.warmup_secs } else { options.secs };
                let answer = client.ask(&row.command.replace("{secs}", &secs.to_string()))?;
                let key = (row.id.to_string(), client.id.to_string());
                // Peak RSS growth counts from the first download in the process on (worst round).
                if let Some(rss) = answer.get("rss_growth_kib").and_then(Value::as_f64) {
                    samples.rss.entry(key.clone()).or_default().push(rss);
                }
                if round == 0 {
                    continue;
                }
                if let Some(ab) = answer.get("ab").and_then(Value::as_object) {
                    for (id, rate) in ab {
                        let key = (row.id.to_string(), id.clone());
                        samples
                            .values
                            .entry(key)
                            .or_default()
                            .push(rate.as_f64().unwrap_or(f64::NAN));
                    }
                    continue;
                }
                if let Some(modes) = answer.get("modes").and_then(Value::as_object) {
                    // Interleaved new connections: Pinwire's plain reqwest counts as reqwest's.
                    for (mode, rate) in modes {
                        let (row, id) = match mode.as_str() {
                            "pinned" => ("conn-pinned", client.id),
                            "unpinned" => ("conn-unpinned", client.id),
                            _ => ("conn-unpinned", REQWEST),
                        };
                        let key = (row.to_string(), id.to_string());
                        samples
                            .values
                            .entry(key)
                            .or_default()
                            .push(rate.as_f64().unwrap_or(f64::NAN));
                    }
                    continue;
                }
                let value = if let Some(bytes) = answer.get("bytes").and_then(Value::as_f64) {
                    bytes / answer["secs"].as_f64().unwrap_or(f64::NAN) / 1e6
                } else {
                    answer["ops"].as_f64().unwrap_or(f64::NAN) / answer["secs"].as_f64().unwrap_or(f64::NAN)
                };
                if let Some(cpu) = answer.get("cpu_secs").and_then(Value::as_f64) {
                    let ops = answer["ops"].as_f64().unwrap_or(f64::NAN);
                    let cpu_key = (format!("{}-cpu-ns", row.id), client.id.to_string());
                    samples.values.entry(cpu_key).or_default().push(cpu / ops * 1e9);
                }
                samples.values.entry(key).or_default().push(value);
            }
            eprint!(".");
        }
        eprintln!();
    }
    Ok(())
}

fn first_line(mut command: Command) -> String {
    command
        .output()
        .ok()
        .map(|o| {
            let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

fn machine(options: &Options) -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string()))
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut curl = Command::new("curl");
    curl.arg("-V");
    let mut nginx = Command::new("nginx");
    nginx.arg("-v");
    let mut rustc = Command::new("rustc");
    rustc.arg("-V");
    let mut java = Command::new(&options.java);
    java.arg("-version");
    json!({
        "cpu": cpu, "cores": cores, "os": os, "kernel": kernel.trim(),
        "rustc": first_line(rustc), "java": first_line(java), "nginx": first_line(nginx), "curl": first_line(curl),
    })
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn cold_rounds(options: &Options, env: &Env, samples: &mut Samples) -> Res<()> {
    let mut jobs: Vec<(&str, &str, Command)> = Vec::new();
    for format in ["json", "nsc"] {
        jobs.push((
            if format == "json" { "cold-json" } else { "cold-nsc" },
            PINWIRE,
            self_command(&["cold", format], env)?,
        ));
    }
    for (row, client, implementation) in [
        ("cold-json", KOTLIN, "pinwire-kotlin-json"),
        ("cold-nsc", KOTLIN, "pinwire-kotlin-nsc"),
        ("cold-builder", OKHTTP, "okhttp"),
    ] {
        if let Some(command) = jvm_command(options, env, implementation, "cold") {
            jobs.push((row, client, command));
        }
    }
    eprint!("  {:<34}", "cold start (fresh processes)");
    for _round in 0..options.rounds {
        for (row, client, command) in jobs.iter_mut() {
            let output = command.stderr(Stdio::inherit()).output().map_err(|e| e.to_string())?;
            let text = String::from_utf8_lossy(&output.stdout);
            let value: Value = serde_json::from_str(text.lines().last().unwrap_or(""))
                .map_err(|e| format!("cold {row} {client}: {e}: {text:?}"))?;
            if let Some(error) = value.get("error") {
                return Err(format!("cold {row} {client}: {error}"));
            }
            for (suffix, field) in [("first", "first_us"), ("warm", "warm_us")] {
                let key = (format!("{row}-{suffix}"), client.to_string());
                samples
                    .values
                    .entry(key)
                    .or_default()
                    .push(value[field].as_f64().unwrap_or(f64::NAN));
            }
        }
        eprint!(".");
    }
    eprintln!();
    Ok(())
}

/// Runs everything and writes the results; returns the markdown.
pub fn run(options: &Options) -> Res<String> {
    let started = Instant::now();
    let env = Env::load(&options.dir)?;
    let when = time::OffsetDateTime::now_utc();
    let load_start = loadavg();
    let mut clients = Vec::new();
    eprintln!("==> starting the clients");
    clients.push(Client::spawn(
        PINWIRE,
        label_of(PINWIRE),
        self_command(&["client", PINWIRE], &env)?,
    )?);
    clients.push(Client::spawn(
        REQWEST,
        label_of(REQWEST),
        self_command(&["client", REQWEST], &env)?,
    )?);
    for implementation in [KOTLIN, OKHTTP] {
        if let Some(command) = jvm_command(options, &env, implementation, "client") {
            clients.push(Client::spawn(implementation, label_of(implementation), command)?);
        }
    }
    if let Some(command) = swift_command(options, &env) {
        // Optional like its chroot: a Swift client that does not start leaves its column empty.
        match Client::spawn(SWIFT, label_of(SWIFT), command) {
            Ok(client) => clients.push(client),
            Err(e) => eprintln!("!! the Swift client did not start, running without it: {e}"),
        }
    }
    let ports: BTreeMap<String, u16> = ["h2", "h1"]
        .iter()
        .map(|p| Ok((p.to_string(), env.port(p)?)))
        .collect::<Res<_>>()?;
    clients.push(Client {
        id: CURL,
        label: "curl",
        runner: Runner::Curl {
            dir: env.dir.clone(),
            ports,
            baseline_kib: None,
        },
        ready: Value::Null,
    });

    let all = vec![PINWIRE, REQWEST, KOTLIN, OKHTTP, SWIFT];
    let pinned = vec![PINWIRE, KOTLIN, OKHTTP, SWIFT];
    let rows = vec![
        Row {
            figure: "small",
            id: "seq-h2",
            label: "HTTP/2, sequential",
            command: "seq h2 {secs}".into(),
            clients: all.clone(),
        },
        Row {
            figure: "small",
            id: "conc-h2",
            label: "HTTP/2, 8 concurrent",
            command: "conc h2 {secs} 8".into(),
            clients: all.clone(),
        },
        Row {
            figure: "small",
            id: "seq-h1",
            label: "HTTP/1.1, sequential",
            command: "seq h1 {secs}".into(),
            clients: all.clone(),
        },
        Row {
            figure: "small",
            id: "conc-h1",
            label: "HTTP/1.1, 8 concurrent",
            command: "conc h1 {secs} 8".into(),
            clients: all.clone(),
        },
        // New connections: each client process alternates pinned and unpinned connections (and the Rust
        // one plain reqwest's too) within every round; the two rows after it are filled from its answers.
        Row {
            figure: "connab",
            id: "conn",
            label: "new connections, interleaved",
            command: "connab {secs}".into(),
            clients: pinned.clone(),
        },
        Row {
            figure: "conn",
            id: "conn-pinned",
            label: "pinning on",
            command: String::new(),
            clients: Vec::new(),
        },
        Row {
            figure: "conn",
            id: "conn-unpinned",
            label: "pinning off",
            command: String::new(),
            clients: Vec::new(),
        },
        Row {
            figure: "bulk",
            id: "bulk-h2",
            label: "HTTP/2",
            command: "bulk h2".into(),
            clients: vec![PINWIRE, REQWEST, KOTLIN, OKHTTP, SWIFT, CURL],
        },
        Row {
            figure: "bulk",
            id: "bulk-h1",
            label: "HTTP/1.1",
            command: "bulk h1".into(),
            clients: vec![PINWIRE, REQWEST, KOTLIN, OKHTTP, SWIFT, CURL],
        },
        // Pinwire against plain reqwest in one process, taking turns every 0.2 s (every download for bulk).
        Row {
            figure: "ab",
            id: "ab-seq-h2",
            label: "A/B HTTP/2, sequential",
            command: "ab seq h2 {secs}".into(),
            clients: vec![PINWIRE],
        },
        Row {
            figure: "ab",
            id: "ab-conc-h2",
            label: "A/B HTTP/2, 8 concurrent",
            command: "ab conc h2 {secs} 8".into(),
            clients: vec![PINWIRE],
        },
        Row {
            figure: "ab",
            id: "ab-seq-h1",
            label: "A/B HTTP/1.1, sequential",
            command: "ab seq h1 {secs}".into(),
            clients: vec![PINWIRE],
        },
        Row {
            figure: "ab",
            id: "ab-conc-h1",
            label: "A/B HTTP/1.1, 8 concurrent",
            command: "ab conc h1 {secs} 8".into(),
            clients: vec![PINWIRE],
        },
        Row {
            figure: "ab",
            id: "ab-bulk-h2",
            label: "A/B 64 MiB, HTTP/2",
            command: "ab bulk h2 {secs}".into(),
            clients: vec![PINWIRE],
        },
        Row {
            figure: "ab",
            id: "ab-bulk-h1",
            label: "A/B 64 MiB, HTTP/1.1",
            command: "ab bulk h1 {secs}".into(),
            clients: vec![PINWIRE],
        },
        Row {
            figure: "ffi",
            id: "ffi",
            label: "pinFromPublicKey",
            command: "ffi {secs}".into(),
            clients: vec![PINWIRE, KOTLIN, SWIFT],
        },
        Row {
            figure: "ffi",
            id: "jni",
            label: "JNI crossing",
            command: "jni {secs}".into(),
            clients: vec![KOTLIN],
        },
    ];
    let mut samples = Samples::default();
    eprintln!(
        "==> per figure: a warm-up round of {} s, then {} rounds of {} s, clients in rotating order",
        options.warmup_secs, options.rounds, options.secs
    );
    run_rows(&rows, &mut clients, options, &mut samples)?;
    let ready: BTreeMap<String, Value> = clients.iter().map(|c| (c.id.to_string(), c.ready.clone())).collect();
    drop(clients);

    cold_rounds(options, &env, &mut samples)?;

    eprintln!("==> the pin check alone");
    let pincheck: Value = {
        let output = self_command(&["pincheck"], &env)?
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| e.to_string())?;
        serde_json::from_slice(&output.stdout).map_err(|e| format!("pincheck: {e}"))?
    };
    let callgrind = if options.callgrind && Command::new("valgrind").arg("--version").output().is_ok() {
        match callgrind(&env) {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("!! callgrind: {e}");
                None
            }
        }
    } else {
        None
    };
    let size = size(options)?;
    let load_end = loadavg();
    let wall = started.elapsed().as_secs_f64();

    let report = Report {
        options,
        env: &env,
        samples: &samples,
        rows: &rows,
        ready: &ready,
        pincheck: &pincheck,
        callgrind: callgrind.as_ref(),
        size: size.as_ref(),
        machine: machine(options),
        when,
        load: (load_start, load_end),
        wall,
    };
    let (markdown, json) = report.render();
    std::fs::create_dir_all(&options.out).map_err(|e| format!("{}: {e}", options.out.display()))?;
    let stamp = format!(
        "{:04}-{:02}-{:02}T{:02}{:02}Z",
        when.year(),
        u8::from(when.month()),
        when.day(),
        when.hour(),
        when.minute()
    );
    for (name, text) in [
        (format!("bench-{stamp}.md"), markdown.clone()),
        ("latest.md".to_string(), markdown.clone()),
        (
            format!("bench-{stamp}.json"),
            serde_json::to_string_pretty(&json).unwrap_or_default(),
        ),
        (
            "latest.json".to_string(),
            serde_json::to_string_pretty(&json).unwrap_or_default(),
        ),
    ] {
        std::fs::write(options.out.join(&name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(markdown)
}
