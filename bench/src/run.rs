//! `pinwire-bench run DIR ...`: the orchestrator. It starts every client as a long-lived process (the
//! Rust clients are this binary, the JVM clients one JVM each), sends each the same command in turn,
//! round after round with the order rotated each round so that drift on a shared machine hits all of
//! them alike, and writes the medians as a table (markdown and JSON).

use crate::env::{Env, HOST};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

type Res<T> = Result<T, String>;

/// Command-line options of `run`.
#[derive(Debug)]
pub struct Options {
    pub dir: PathBuf,
    pub out: PathBuf,
    pub rounds: usize,
    pub secs: f64,
    pub warmup_secs: f64,
    pub java: String,
    pub jvm_cp: Option<String>,
    pub jna_path: Option<String>,
    pub cdylib: Option<PathBuf>,
    pub bloat: Option<PathBuf>,
    pub callgrind: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Res<Options> {
        let mut options = Options {
            dir: PathBuf::new(),
            out: PathBuf::from("results"),
            rounds: 7,
            secs: 1.0,
            warmup_secs: 2.0,
            java: "java".into(),
            jvm_cp: None,
            jna_path: None,
            cdylib: None,
            bloat: None,
            callgrind: true,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || it.next().cloned().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--out" => options.out = value()?.into(),
                "--rounds" => options.rounds = value()?.parse().map_err(|_| "--rounds N")?,
                "--secs" => options.secs = value()?.parse().map_err(|_| "--secs S")?,
                "--warmup-secs" => options.warmup_secs = value()?.parse().map_err(|_| "--warmup-secs S")?,
                "--java" => options.java = value()?,
                "--jvm-cp" => options.jvm_cp = Some(value()?),
                "--jna-path" => options.jna_path = Some(value()?),
                "--cdylib" => options.cdylib = Some(value()?.into()),
                "--bloat" => options.bloat = Some(value()?.into()),
                "--no-callgrind" => options.callgrind = false,
                dir if !dir.starts_with('-') && options.dir.as_os_str().is_empty() => options.dir = dir.into(),
                other => return Err(format!("unknown option {other:?}")),
            }
        }
        if options.dir.as_os_str().is_empty() {
            return Err("run DIR [--out DIR] [--rounds N] [--secs S] [--jvm-cp CP --jna-path DIR] [--cdylib SO] [--bloat FILE] [--no-callgrind]".into());
        }
        Ok(options)
    }
}

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

fn label_of(id: &str) -> &'static str {
    match id {
        PINWIRE => "Pinwire (Rust)",
        REQWEST => "reqwest (Rust, no pins)",
        KOTLIN => "Pinwire (Kotlin, JVM)",
        OKHTTP => "OkHttp (JVM)",
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

/// Parses `callgrind_annotate` numbers ("1,234,567").
fn ir(text: &str) -> Option<f64> {
    text.trim().replace(',', "").parse().ok()
}

/// Runs `pinwire-bench handshakes MODE N` under callgrind; total instructions and the verifier's
/// inclusive instructions.
fn callgrind_run(env: &Env, mode: &str, n: u64, port: &str) -> Res<(f64, f64)> {
    let out = env.dir.join(format!("callgrind.{mode}.{port}.{n}.out"));
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let status = Command::new("valgrind")
        .env("PORT", port)
        .args(["--tool=callgrind", "-q"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(exe)
        .args(["handshakes", mode, &n.to_string()])
        .arg(&env.dir)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("valgrind: {e}"))?;
    if !status.success() {
        return Err(format!("valgrind {mode} {n}: {status}"));
    }
    let annotate = Command::new("callgrind_annotate")
        .args(["--inclusive=yes", "--threshold=100"])
        .arg(&out)
        .output()
        .map_err(|e| format!("callgrind_annotate: {e}"))?;
    let text = String::from_utf8_lossy(&annotate.stdout);
    let mut total = None;
    let mut verifier = 0.0;
    for line in text.lines() {
        let mut parts = line.trim().splitn(2, ' ');
        let (Some(number), Some(rest)) = (parts.next(), parts.next()) else {
            continue;
        };
        if rest.trim_start().starts_with("(PROGRAM TOTALS)") || rest.contains("PROGRAM TOTALS") {
            total = ir(number);
        } else if rest.contains("verify_server_cert") && verifier == 0.0 {
            verifier = ir(number).unwrap_or(0.0);
        }
    }
    Ok((
        total.ok_or("no PROGRAM TOTALS in callgrind_annotate's output")?,
        verifier,
    ))
}

/// Client-side instructions per full handshake for each mode, and per request on a reused HTTP/2
/// connection for Pinwire and plain reqwest, each by difference of two run lengths (start-up cancels).
fn callgrind(env: &Env) -> Res<Value> {
    let mut out = serde_json::Map::new();
    for (mode, port, n1, n2) in [
        ("pinned", "conn", 4u64, 24u64),
        ("unpinned", "conn", 4, 24),
        ("reqwest", "conn", 4, 24),
        ("pinned", "h2", 50, 300),
        ("reqwest", "h2", 50, 300),
    ] {
        eprint!("  callgrind {mode} {port:<24}");
        let (t1, v1) = callgrind_run(env, mode, n1, port)?;
        eprint!(".");
        let (t2, v2) = callgrind_run(env, mode, n2, port)?;
        eprintln!(".");
        let per = |a: f64, b: f64| (b - a) / (n2 - n1) as f64;
        let entry = if port == "conn" {
            json!({ "ir_per_handshake": per(t1, t2), "verifier_ir_per_handshake": per(v1, v2) })
        } else {
            json!({ "ir_per_request": per(t1, t2) })
        };
        out.insert(
            if port == "conn" {
                mode.to_string()
            } else {
                format!("{mode}-reused")
            },
            entry,
        );
    }
    Ok(Value::Object(out))
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

/// The crate a demangled symbol belongs to, as cargo-bloat counts it: the first path segment, after any
/// leading `<`, `&`, `dyn `, `mut `; symbols without a path are C or assembly (ring's, in this library).
fn crate_of(symbol: &str) -> String {
    let mut name = symbol.trim_start();
    loop {
        let before = name;
        for prefix in ["<", "&", "dyn ", "mut ", "*const ", "*mut ", "("] {
            name = name.trim_start_matches(prefix);
        }
        if name == before {
            break;
        }
    }
    match name.find("::") {
        Some(i) if !name[..i].contains([' ', '<', '>']) => name[..i].to_string(),
        _ if name.starts_with("ring_core") || name.starts_with("fe_") || name.starts_with("x25519") => {
            "ring (C and assembly)".into()
        }
        _ => "[other, unmangled]".into(),
    }
}

/// `.text` bytes by crate from the unstripped library's symbol table (`nm -S --size-sort -C`), the
/// equivalent of `cargo bloat --crates` (which refuses a package that is cdylib, staticlib and lib at once).
fn text_by_crate(so: &Path) -> Vec<(String, u64)> {
    let Ok(output) = Command::new("nm")
        .args(["-S", "--size-sort", "-C", "--defined-only"])
        .arg(so)
        .output()
    else {
        return Vec::new();
    };
    let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let mut fields = line.splitn(4, ' ');
        let (Some(_), Some(size), Some(kind), Some(symbol)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if !matches!(kind, "t" | "T" | "w" | "W") {
            continue;
        }
        let Ok(size) = u64::from_str_radix(size, 16) else {
            continue;
        };
        *sizes.entry(crate_of(symbol)).or_default() += size;
    }
    let mut sizes: Vec<(String, u64)> = sizes.into_iter().collect();
    sizes.sort_by_key(|s| std::cmp::Reverse(s.1));
    sizes
}

/// The stripped size of the cdylib and the biggest sections.
fn size(options: &Options) -> Res<Option<Value>> {
    let Some(so) = &options.cdylib else { return Ok(None) };
    let unstripped = std::fs::metadata(so)
        .map_err(|e| format!("{}: {e}", so.display()))?
        .len();
    let stripped_path = options.dir.join("libpinwire_ffi.stripped.so");
    let status = Command::new("strip")
        .arg("-o")
        .arg(&stripped_path)
        .arg(so)
        .status()
        .map_err(|e| format!("strip: {e}"))?;
    if !status.success() {
        return Err("strip failed".into());
    }
    let stripped = std::fs::metadata(&stripped_path).map_err(|e| e.to_string())?.len();
    let sections = Command::new("size")
        .arg("-A")
        .arg(&stripped_path)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let mut big: Vec<(String, u64)> = sections
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let name = f.next()?;
            let bytes = f.next()?.parse().ok()?;
            name.starts_with('.').then(|| (name.to_string(), bytes))
        })
        .collect();
    big.sort_by_key(|s| std::cmp::Reverse(s.1));
    big.truncate(5);
    let bloat = options
        .bloat
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let crates = text_by_crate(so);
    Ok(Some(json!({
        "unstripped_bytes": unstripped,
        "stripped_bytes": stripped,
        "sections": big.iter().map(|(n, b)| json!({"name": n, "bytes": b})).collect::<Vec<_>>(),
        "bloat": bloat,
        "text_by_crate": crates.iter().map(|(c, b)| json!({"crate": c, "bytes": b})).collect::<Vec<_>>(),
    })))
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

fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn with_ratio(v: Option<f64>, base: Option<f64>) -> String {
    match (v, base) {
        (Some(v), Some(b)) if b > 0.0 => format!("{} ({:.2}×)", fmt_num(v), v / b),
        (Some(v), _) => fmt_num(v),
        _ => "—".into(),
    }
}

struct Target {
    what: String,
    measured: String,
    met: Option<bool>,
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

    let all = vec![PINWIRE, REQWEST, KOTLIN, OKHTTP];
    let pinned = vec![PINWIRE, KOTLIN, OKHTTP];
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
            clients: vec![PINWIRE, REQWEST, KOTLIN, OKHTTP, CURL],
        },
        Row {
            figure: "bulk",
            id: "bulk-h1",
            label: "HTTP/1.1",
            command: "bulk h1".into(),
            clients: vec![PINWIRE, REQWEST, KOTLIN, OKHTTP, CURL],
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
            clients: vec![PINWIRE, KOTLIN],
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

struct Report<'a> {
    options: &'a Options,
    env: &'a Env,
    samples: &'a Samples,
    rows: &'a [Row],
    ready: &'a BTreeMap<String, Value>,
    pincheck: &'a Value,
    callgrind: Option<&'a Value>,
    size: Option<&'a Value>,
    machine: Value,
    when: time::OffsetDateTime,
    load: (String, String),
    wall: f64,
}

impl Report<'_> {
    fn m(&self, row: &str, client: &str) -> Option<f64> {
        self.samples.median(row, client)
    }

    fn rss_max_mib(&self, client: &str) -> Option<f64> {
        self.samples
            .rss
            .iter()
            .filter(|((row, c), _)| row.starts_with("bulk") && c == client)
            .flat_map(|(_, v)| v.iter().copied())
            .reduce(f64::max)
            .map(|kib| kib / 1024.0)
    }

    fn render(&self) -> (String, Value) {
        let s = self.samples;
        let mut md = String::new();
        let date = format!(
            "{:04}-{:02}-{:02}",
            self.when.year(),
            u8::from(self.when.month()),
            self.when.day()
        );
        let mach = &self.machine;
        let okhttp_version = self
            .ready
            .get(OKHTTP)
            .and_then(|r| r["version"].as_str())
            .unwrap_or("?");
        let _ = writeln!(md, "Measured {date} ({:02}:{:02} UTC) by `scripts/bench.sh` in one run of {:.0} s: {} rounds of {} s per figure after a warm-up round, clients in rotating order; medians of the rounds.", self.when.hour(), self.when.minute(), self.wall, self.options.rounds, self.options.secs);
        let _ = writeln!(md);
        let _ = writeln!(md, "Machine: {} ({} cores), {}, Linux {}; load average {} at the start, {} at the end (the machine was shared with other builds). Server: {} on 127.0.0.1, 1 worker, TLS 1.3, ECDSA P-256 chain (leaf, intermediate; root trusted by every client), session resumption off. Clients: Pinwire from Rust ({}), plain reqwest 0.13 with the same rustls/ring configuration and no pinning, Pinwire from Kotlin through `dev.pinwire` on {}, OkHttp {} with a `CertificatePinner` for the same pins on the same JVM, {}. Pins: the leaf's key and a backup key.",
            mach["cpu"].as_str().unwrap_or("?"), mach["cores"], mach["os"].as_str().unwrap_or("?"), mach["kernel"].as_str().unwrap_or("?"),
            self.load.0, self.load.1, mach["nginx"].as_str().unwrap_or("nginx"), mach["rustc"].as_str().unwrap_or("rustc"),
            mach["java"].as_str().unwrap_or("java"), okhttp_version, mach["curl"].as_str().unwrap_or("curl").split(" (").next().unwrap_or("curl"));
        let _ = writeln!(md);

        let header = |md: &mut String, first: &str, ids: &[&str]| {
            let _ = write!(md, "| {first} |");
            for id in ids {
                let _ = write!(md, " {} |", label_of(id));
            }
            let _ = writeln!(md);
            let _ = write!(md, "| --- |");
            for _ in ids {
                let _ = write!(md, " ---: |");
            }
            let _ = writeln!(md);
        };
        let four = [PINWIRE, REQWEST, KOTLIN, OKHTTP];

        let _ = writeln!(
            md,
            "**1. Small GET on a reused client** (requests/s; ratio to OkHttp)\n"
        );
        header(&mut md, "", &four);
        for row in self.rows.iter().filter(|r| r.figure == "small") {
            let base = self.m(row.id, OKHTTP);
            let _ = write!(md, "| {} |", row.label);
            for id in four {
                let _ = write!(md, " {} |", with_ratio(self.m(row.id, id), base));
            }
            let _ = writeln!(md);
        }

        let _ = writeln!(md, "\n**1b. Pinwire against plain reqwest, taking turns in one process** (every 0.2 s; every download for the 64 MiB rows, MB/s), so both see the same load on this shared machine\n");
        let _ = writeln!(
            md,
            "| | Pinwire (Rust) | reqwest (Rust, no pins) | Pinwire / reqwest |\n| --- | ---: | ---: | ---: |"
        );
        for row in self.rows.iter().filter(|r| r.figure == "ab") {
            let (a, b) = (self.m(row.id, PINWIRE), self.m(row.id, REQWEST));
            let ratio = match (a, b) {
                (Some(a), Some(b)) => format!("{:.3}", a / b),
                _ => "—".into(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {ratio} |",
                row.label.trim_start_matches("A/B "),
                a.map_or("—".into(), fmt_num),
                b.map_or("—".into(), fmt_num)
            );
        }
        let _ = writeln!(md, "\n**2. New connection per request** (full TLS handshake each; connections/s; ratio to OkHttp with the same pinning). Each client process alternates pinned and unpinned connections within every round (the Rust one also plain reqwest's), so both see the same load; rates from the time spent in each kind.\n");
        header(&mut md, "", &four);
        for row in self.rows.iter().filter(|r| r.figure == "conn") {
            let base = self.m(row.id, OKHTTP);
            let _ = write!(md, "| {} |", row.label);
            for id in four {
                let _ = write!(md, " {} |", with_ratio(self.m(row.id, id), base));
            }
            let _ = writeln!(md);
        }
        let _ = write!(md, "| cost of pinning (1 − on/off) |");
        for id in four {
            let share = match (self.m("conn-pinned", id), self.m("conn-unpinned", id)) {
                (Some(on), Some(off)) => format!("{:+.1}%", (1.0 - on / off) * 100.0),
                _ => "—".into(),
            };
            let _ = write!(md, " {share} |");
        }
        let _ = writeln!(md);
        let validate_ns = self.pincheck["validate_ns"].as_f64().unwrap_or(f64::NAN);
        let pin_ns = self.pincheck["pin_check_ns"].as_f64().unwrap_or(f64::NAN);
        let handshake_us = self.m("conn-pinned", PINWIRE).map(|r| 1e6 / r);
        let _ = writeln!(md, "\nThe pin check alone (Pinwire's `Policy::pins_for`, expiry, `PinSet::matches_any` over the validated path twice, the `PinEvent`; micro-benchmark): **{:.0} ns**, against {:.1} µs for the chain validation every handshake does (rustls-webpki plus describing the path) and {} µs per pinned connection end to end (wall time, client and nginx on 2 shared cores){}.",
            pin_ns, validate_ns / 1000.0, handshake_us.map_or("—".into(), |h| format!("{h:.0}")),
            handshake_us.map_or(String::new(), |h| format!(": {:.3}% of a connection", pin_ns / 1000.0 / h * 100.0)));
        if let Some(cg) = self.callgrind {
            let get = |mode: &str, key: &str| cg[mode][key].as_f64().unwrap_or(f64::NAN);
            let (on, off, plain) = (
                get("pinned", "ir_per_handshake"),
                get("unpinned", "ir_per_handshake"),
                get("reqwest", "ir_per_handshake"),
            );
            let (von, voff) = (
                get("pinned", "verifier_ir_per_handshake"),
                get("unpinned", "verifier_ir_per_handshake"),
            );
            let (reuse_on, reuse_plain) = (
                get("pinned-reused", "ir_per_request"),
                get("reqwest-reused", "ir_per_request"),
            );
            let _ = writeln!(md, "\nCallgrind, client process, instructions per small GET on a reused HTTP/2 connection: Pinwire (pinned) {:.1} k, plain reqwest {:.1} k ({:+.1}%).", reuse_on / 1e3, reuse_plain / 1e3, (reuse_on / reuse_plain - 1.0) * 100.0);
            let _ = writeln!(md, "\nCallgrind, client process, instructions per full handshake and request (difference of a 4- and a 24-connection run): Pinwire pinned **{:.2} M**, unpinned {:.2} M, plain reqwest {:.2} M. Pinwire's verifier: {:.0} k pinned, {:.0} k unpinned, so pinning adds **{:.1} k instructions = {:.2}%** of a pinned handshake; Pinwire unpinned over plain reqwest: {:+.1}%.",
                on / 1e6, off / 1e6, plain / 1e6, von / 1e3, voff / 1e3, (von - voff) / 1e3, (von - voff) / on * 100.0, (off / plain - 1.0) * 100.0);
        }

        let five = [PINWIRE, REQWEST, KOTLIN, OKHTTP, CURL];
        let _ = writeln!(md, "\n**3. 64 MiB download** (MB/s, 10⁶ bytes/s, over an open connection; ratio to curl) and peak RSS growth of the client process\n");
        header(&mut md, "", &five);
        for row in self.rows.iter().filter(|r| r.figure == "bulk") {
            let base = self.m(row.id, CURL);
            let _ = write!(md, "| {} |", row.label);
            for id in five {
                let _ = write!(md, " {} |", with_ratio(self.m(row.id, id), base));
            }
            let _ = writeln!(md);
        }
        let _ = write!(md, "| peak RSS growth, worst round (MiB) |");
        for id in five {
            let _ = write!(
                md,
                " {} |",
                self.rss_max_mib(id).map_or("—".into(), |v| format!("{v:.1}"))
            );
        }
        let _ = writeln!(md);

        let rust_ffi = self.m("ffi", PINWIRE).map(|r| 1e9 / r);
        let kotlin_ffi = self.m("ffi", KOTLIN).map(|r| 1e9 / r);
        let cpu = |id: &str| self.m("ffi-cpu-ns", id);
        let _ = writeln!(md, "\n**4. FFI**: `Pins.fromPublicKey` (P-256 SubjectPublicKeyInfo, DER; no I/O) from Kotlin through UniFFI/JNA: {} ns per call; `Pin::from_public_key(..).to_string()` from Rust: {} ns; **overhead {} µs per call** (wall time). Process CPU time per call (all threads: JIT, GC, JNA's cleaner): Kotlin {} ns, Rust {} ns.",
            kotlin_ffi.map_or("—".into(), |v| format!("{v:.0}")), rust_ffi.map_or("—".into(), |v| format!("{v:.0}")),
            match (kotlin_ffi, rust_ffi) { (Some(k), Some(r)) => format!("{:.2}", (k - r) / 1000.0), _ => "—".into() },
            cpu(KOTLIN).map_or("—".into(), |v| format!("{v:.0}")), cpu(PINWIRE).map_or("—".into(), |v| format!("{v:.0}")));

        let _ = writeln!(
            md,
            "\n**5. Cold start**: creating a client (µs; first in a fresh process / median of the next 30)\n"
        );
        let _ = writeln!(md, "| | first | next |\n| --- | ---: | ---: |");
        for (row, client, label) in [
            ("cold-json", PINWIRE, "Pinwire (Rust): `PinConfig::from_json` + `ConfiguredTrust` + `Client::builder().build()`"),
            ("cold-nsc", PINWIRE, "Pinwire (Rust): `PinConfig::from_nsc_xml` (+ `@raw/` root) + the same"),
            ("cold-json", KOTLIN, "Pinwire (Kotlin): `PinConfig.fromJson` + `PinwireClient { config(..) }` (first: includes loading the native library)"),
            ("cold-nsc", KOTLIN, "Pinwire (Kotlin): `PinConfig.fromNscXml` (+ `@raw/` root) + the same"),
            ("cold-builder", OKHTTP, "OkHttp: `OkHttpClient.Builder()` with `CertificatePinner` and a trust manager for the root"),
        ] {
            let first = self.m(&format!("{row}-first"), client);
            let warm = self.m(&format!("{row}-warm"), client);
            if first.is_some() {
                let _ = writeln!(md, "| {label} | {} | {} |", first.map_or("—".into(), fmt_num), warm.map_or("—".into(), fmt_num));
            }
        }

        if let Some(size) = self.size {
            let stripped = size["stripped_bytes"].as_f64().unwrap_or(f64::NAN);
            let _ = writeln!(md, "\n**6. Size**: `libpinwire_ffi.so` (x86_64, release profile as committed), stripped: **{:.2} MiB** ({:.2} MiB unstripped).",
                stripped / 1048576.0, size["unstripped_bytes"].as_f64().unwrap_or(f64::NAN) / 1048576.0);
            let sections: Vec<String> = size["sections"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    format!(
                        "{} {:.2} MiB",
                        s["name"].as_str().unwrap_or("?"),
                        s["bytes"].as_f64().unwrap_or(0.0) / 1048576.0
                    )
                })
                .collect();
            let _ = writeln!(md, "Largest sections: {}.", sections.join(", "));
            let crates: Vec<(String, f64)> = size["text_by_crate"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    (
                        c["crate"].as_str().unwrap_or("?").to_string(),
                        c["bytes"].as_f64().unwrap_or(0.0),
                    )
                })
                .collect();
            let total: f64 = crates.iter().map(|c| c.1).sum();
            if total > 0.0 {
                let top: Vec<String> = crates
                    .iter()
                    .take(12)
                    .map(|(c, b)| format!("{c} {:.0} KiB ({:.0}%)", b / 1024.0, b / total * 100.0))
                    .collect();
                let _ = writeln!(
                    md,
                    "Code (function symbols, {:.2} MiB) by crate, from `nm -S --size-sort -C`: {}.",
                    total / 1048576.0,
                    top.join(", ")
                );
            }
            if let Some(bloat) = size["bloat"].as_str().filter(|b| !b.trim().is_empty()) {
                let _ = writeln!(md, "\n```\n{}\n```", bloat.trim_end());
            }
        }

        // Targets.
        let mut targets = Vec::new();
        let ratio_row = |targets: &mut Vec<Target>, what: &str, rows: &[&str], a: &str, b: &str, min: f64| {
            let mut worst: Option<(f64, &str)> = None;
            for row in rows {
                let (Some(x), Some(y)) = (self.m(row, a), self.m(row, b)) else {
                    continue;
                };
                let r = x / y;
                if worst.is_none_or(|(w, _)| r < w) {
                    worst = Some((r, row));
                }
            }
            targets.push(Target {
                what: what.to_string(),
                measured: worst.map_or("not measured".into(), |(r, row)| format!("worst {r:.2}× ({row})")),
                met: worst.map(|(r, _)| r >= min),
            });
        };
        let speed_rows = ["seq-h2", "conc-h2", "seq-h1", "conc-h1", "bulk-h2", "bulk-h1"];
        ratio_row(
            &mut targets,
            "Pinwire (Rust) within 5% of plain reqwest, every row, measured taking turns in one process (≥ 0.95×)",
            &[
                "ab-seq-h2",
                "ab-conc-h2",
                "ab-seq-h1",
                "ab-conc-h1",
                "ab-bulk-h2",
                "ab-bulk-h1",
            ],
            PINWIRE,
            REQWEST,
            0.95,
        );
        // Pinned Pinwire against reqwest (which cannot pin): the new-connection row with pinning on.
        if let (Some(on), Some(plain)) = (self.m("conn-pinned", PINWIRE), self.m("conn-unpinned", REQWEST)) {
            targets.push(Target {
                what: "Pinwire (Rust) pinned vs plain reqwest, new connections (≥ 0.95×)".into(),
                measured: format!("{:.2}×", on / plain),
                met: Some(on / plain >= 0.95),
            });
        }
        if let Some(cg) = self.callgrind {
            let get = |mode: &str, key: &str| cg[mode][key].as_f64();
            for (what, a, b, key) in [
                ("Pinwire (Rust) vs plain reqwest, client instructions per request on a reused connection (callgrind; ≤ +5%)", "pinned-reused", "reqwest-reused", "ir_per_request"),
                ("Pinwire (Rust) pinned vs plain reqwest, client instructions per new connection (callgrind; ≤ +5%)", "pinned", "reqwest", "ir_per_handshake"),
            ] {
                if let (Some(x), Some(y)) = (get(a, key), get(b, key)) {
                    let extra = (x / y - 1.0) * 100.0;
                    targets.push(Target { what: what.into(), measured: format!("{extra:+.1}%"), met: Some(extra <= 5.0) });
                }
            }
        }
        ratio_row(
            &mut targets,
            "Pinwire (Kotlin) within 25% of Pinwire (Rust) (≥ 0.75×)",
            &speed_rows,
            KOTLIN,
            PINWIRE,
            0.75,
        );
        ratio_row(
            &mut targets,
            "Pinwire (Kotlin) ≥ 1.3× OkHttp, sequential",
            &["seq-h2", "seq-h1"],
            KOTLIN,
            OKHTTP,
            1.3,
        );
        ratio_row(
            &mut targets,
            "Pinwire (Kotlin) ≥ 2× OkHttp, 8 concurrent",
            &["conc-h2", "conc-h1"],
            KOTLIN,
            OKHTTP,
            2.0,
        );
        ratio_row(
            &mut targets,
            "Pinwire (Rust) ≥ 0.9× curl MB/s",
            &["bulk-h2", "bulk-h1"],
            PINWIRE,
            CURL,
            0.9,
        );
        ratio_row(
            &mut targets,
            "Pinwire (Kotlin) ≥ 0.9× curl MB/s",
            &["bulk-h2", "bulk-h1"],
            KOTLIN,
            CURL,
            0.9,
        );
        for id in [PINWIRE, KOTLIN] {
            let rss = self.rss_max_mib(id);
            targets.push(Target {
                what: format!("{} peak RSS growth on 64 MiB < 16 MiB", label_of(id)),
                measured: rss.map_or("not measured".into(), |v| format!("{v:.1} MiB")),
                met: rss.map(|v| v < 16.0),
            });
        }
        let cg_share = self.callgrind.and_then(|cg| {
            let on = cg["pinned"]["ir_per_handshake"].as_f64()?;
            Some(
                (cg["pinned"]["verifier_ir_per_handshake"].as_f64()?
                    - cg["unpinned"]["verifier_ir_per_handshake"].as_f64()?)
                    / on
                    * 100.0,
            )
        });
        let micro_share = handshake_us.map(|h| pin_ns / 1000.0 / h * 100.0);
        let share = cg_share.or(micro_share);
        targets.push(Target {
            what: "Pin check < 1% of a handshake".into(),
            measured: format!(
                "{} of the client's instructions (callgrind); {} of a connection's wall time (micro-benchmark)",
                cg_share.map_or("—".into(), |v| format!("{v:.2}%")),
                micro_share.map_or("—".into(), |v| format!("{v:.3}%"))
            ),
            met: share.map(|v| v < 1.0),
        });
        let ffi_us = match (kotlin_ffi, rust_ffi) {
            (Some(k), Some(r)) => Some((k - r) / 1000.0),
            _ => None,
        };
        targets.push(Target {
            what: "FFI overhead < 20 µs per call".into(),
            measured: ffi_us.map_or("not measured".into(), |v| format!("{v:.2} µs")),
            met: ffi_us.map(|v| v < 20.0),
        });
        let stripped = self.size.and_then(|s| s["stripped_bytes"].as_f64());
        targets.push(Target {
            what: "Stripped cdylib < 4 MiB".into(),
            measured: stripped.map_or("not measured".into(), |v| format!("{:.2} MiB", v / 1048576.0)),
            met: stripped.map(|v| v < 4.0 * 1048576.0),
        });

        let _ = writeln!(
            md,
            "\n**Targets** (issue 9)\n\n| Target | Measured | |\n| --- | --- | --- |"
        );
        for t in &targets {
            let verdict = match t.met {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "—",
            };
            let _ = writeln!(md, "| {} | {} | {verdict} |", t.what, t.measured);
        }

        let values: BTreeMap<String, Value> = s
            .values
            .iter()
            .map(|((row, client), v)| (format!("{row}/{client}"), json!({ "rounds": v, "median": median(v) })))
            .collect();
        let rss: BTreeMap<String, Value> = s
            .rss
            .iter()
            .map(|((row, client), v)| (format!("{row}/{client}"), json!(v)))
            .collect();
        let json = json!({
            "date": date,
            "time_utc": format!("{:02}:{:02}", self.when.hour(), self.when.minute()),
            "wall_secs": self.wall,
            "rounds": self.options.rounds,
            "secs_per_round": self.options.secs,
            "machine": self.machine,
            "load_average": { "start": self.load.0, "end": self.load.1 },
            "clients": self.ready,
            "units": { "seq/conc/conn": "requests or connections per second", "bulk": "MB/s (1e6 bytes/s)", "ffi": "calls per second", "cold": "microseconds", "rss": "KiB" },
            "values": values,
            "rss_growth_kib": rss,
            "pincheck": self.pincheck,
            "callgrind": self.callgrind,
            "size": self.size,
            "targets": targets.iter().map(|t| json!({ "target": t.what, "measured": t.measured, "met": t.met })).collect::<Vec<_>>(),
            "host": self.env.info["host"],
        });
        (md, json)
    }
}
