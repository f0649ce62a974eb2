//! Client-side instruction counts per handshake and per reused-connection request, under callgrind.

use super::Res;
use crate::env::Env;
use serde_json::{json, Value};
use std::process::{Command, Stdio};

/// Parses `callgrind_annotate` numbers ("1,234,567").
fn ir(text: &str) -> Option<f64> {
    text.trim().replace(',', "").parse().ok()
}

/// Runs `pinwire-bench handshakes MODE N` under callgrind; total instructions and the verifier's
/// inclusive instructions.
fn callgrind_run(env: &Env, mode: &str, n: u64, port: &str, decode: bool) -> Res<(f64, f64)> {
    let out = env.dir.join(format!("callgrind.{mode}.{port}.{n}.{decode}.out"));
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new("valgrind");
    if !decode {
        command.env(crate::client::NO_DECOMPRESS, "1");
    }
    let status = command
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
/// connection for Pinwire (decoding on, and off) and plain reqwest, each by difference of two run lengths
/// (start-up cancels).
pub(super) fn callgrind(env: &Env) -> Res<Value> {
    let mut out = serde_json::Map::new();
    for (mode, port, n1, n2, decode) in [
        ("pinned", "conn", 4u64, 24u64, true),
        ("unpinned", "conn", 4, 24, true),
        ("reqwest", "conn", 4, 24, true),
        ("pinned", "h2", 50, 300, true),
        ("pinned", "h2", 50, 300, false),
        ("reqwest", "h2", 50, 300, true),
    ] {
        eprint!(
            "  callgrind {mode} {port:<24}{}",
            if decode { "" } else { " (no decoding)" }
        );
        let (t1, v1) = callgrind_run(env, mode, n1, port, decode)?;
        eprint!(".");
        let (t2, v2) = callgrind_run(env, mode, n2, port, decode)?;
        eprintln!(".");
        let per = |a: f64, b: f64| (b - a) / (n2 - n1) as f64;
        let entry = if port == "conn" {
            json!({ "ir_per_handshake": per(t1, t2), "verifier_ir_per_handshake": per(v1, v2) })
        } else {
            json!({ "ir_per_request": per(t1, t2) })
        };
        out.insert(
            match (port, decode) {
                ("conn", _) => mode.to_string(),
                (_, true) => format!("{mode}-reused"),
                (_, false) => format!("{mode}-reused-no-decoding"),
            },
            entry,
        );
    }
    Ok(Value::Object(out))
}
