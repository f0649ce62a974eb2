//! The results as a markdown table and JSON.

use super::{label_of, median, Options, Row, Samples, CURL, KOTLIN, OKHTTP, PINWIRE, REQWEST, SWIFT};
use crate::env::Env;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

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

pub(super) struct Report<'a> {
    pub(super) options: &'a Options,
    pub(super) env: &'a Env,
    pub(super) samples: &'a Samples,
    pub(super) rows: &'a [Row],
    pub(super) ready: &'a BTreeMap<String, Value>,
    pub(super) pincheck: &'a Value,
    pub(super) callgrind: Option<&'a Value>,
    pub(super) size: Option<&'a Value>,
    pub(super) machine: Value,
    pub(super) when: time::OffsetDateTime,
    pub(super) load: (String, String),
    pub(super) wall: f64,
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

    pub(super) fn render(&self) -> (String, Value) {
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
        let four = [PINWIRE, REQWEST, KOTLIN, OKHTTP, SWIFT];

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
        // The Swift API calls the C ABI directly (no JNA, no JNI): against Pinwire from Rust it shows what the
        // Swift layer costs.
        let swift: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.figure == "small")
            .filter_map(|row| {
                let (s, r) = (self.m(row.id, SWIFT)?, self.m(row.id, PINWIRE)?);
                Some(format!("{} {:.2}×", row.label, s / r))
            })
            .collect();
        if !swift.is_empty() {
            let _ = writeln!(
                md,
                "\nPinwire from Swift (Linux, over the C ABI) against Pinwire from Rust: {}.",
                swift.join(", ")
            );
        }

        let _ = writeln!(
            md,
            "\nProcess CPU time per request (all threads, user + system; µs; ratio to OkHttp), the battery figure:\n"
        );
        header(&mut md, "", &four);
        for row in self.rows.iter().filter(|r| r.figure == "small") {
            let cpu_row = format!("{}-cpu-ns", row.id);
            let micros = |id: &str| self.m(&cpu_row, id).map(|ns| ns / 1e3);
            let base = micros(OKHTTP);
            let _ = write!(md, "| {} |", row.label);
            for id in four {
                let _ = write!(md, " {} |", with_ratio(micros(id), base));
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
            let no_decoding = get("pinned-reused-no-decoding", "ir_per_request");
            let _ = writeln!(md, "\nThe same with Pinwire's decoding of compressed bodies off (`decompress(false)`: no `Accept-Encoding` sent, nothing decoded; nginx here never compresses): {:.1} k, so decoding on costs {:+.2}% per request when the server does not compress.", no_decoding / 1e3, (reuse_on / no_decoding - 1.0) * 100.0);
            let _ = writeln!(md, "\nCallgrind, client process, instructions per full handshake and request (difference of a 4- and a 24-connection run): Pinwire pinned **{:.2} M**, unpinned {:.2} M, plain reqwest {:.2} M. Pinwire's verifier: {:.0} k pinned, {:.0} k unpinned, so pinning adds **{:.1} k instructions = {:.2}%** of a pinned handshake; Pinwire unpinned over plain reqwest: {:+.1}%.",
                on / 1e6, off / 1e6, plain / 1e6, von / 1e3, voff / 1e3, (von - voff) / 1e3, (von - voff) / on * 100.0, (off / plain - 1.0) * 100.0);
        }

        let five = [PINWIRE, REQWEST, KOTLIN, OKHTTP, SWIFT, CURL];
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
        let _ = writeln!(md, "\n**4. FFI**: `Pin.fromPublicKey` (P-256 SubjectPublicKeyInfo, DER; no I/O) from Kotlin through UniFFI/JNA: {} ns per call; `Pin::from_public_key(..).to_string()` from Rust: {} ns; **overhead {} µs per call** (wall time). Process CPU time per call (all threads: JIT, GC, JNA's cleaner): Kotlin {} ns, Rust {} ns.",
            kotlin_ffi.map_or("—".into(), |v| format!("{v:.0}")), rust_ffi.map_or("—".into(), |v| format!("{v:.0}")),
            match (kotlin_ffi, rust_ffi) { (Some(k), Some(r)) => format!("{:.2}", (k - r) / 1000.0), _ => "—".into() },
            cpu(KOTLIN).map_or("—".into(), |v| format!("{v:.0}")), cpu(PINWIRE).map_or("—".into(), |v| format!("{v:.0}")));
        if let Some(jni) = self.m("jni", KOTLIN).map(|r| 1e9 / r) {
            let _ = writeln!(md, "\nThe Kotlin request path crosses by JNI instead (execute, body reads, cancel, release): **{jni:.0} ns per crossing** (a native method that reads one counter, wall time).");
        }
        if let Some(swift_ffi) = self.m("ffi", SWIFT).map(|r| 1e9 / r) {
            let _ = writeln!(md, "\nThe same call from Swift (Linux) through UniFFI's Swift over the C ABI: {swift_ffi:.0} ns per call{}.",
                rust_ffi.map_or(String::new(), |r| format!(", overhead {:.2} µs", (swift_ffi - r) / 1000.0)));
        }

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
            for (what, a, b, key, most) in [
                ("Pinwire (Rust) vs plain reqwest, client instructions per request on a reused connection (callgrind; ≤ +5%)", "pinned-reused", "reqwest-reused", "ir_per_request", 5.0),
                ("Pinwire (Rust) pinned vs plain reqwest, client instructions per new connection (callgrind; ≤ +5%)", "pinned", "reqwest", "ir_per_handshake", 5.0),
                ("Decoding on vs off when the server does not compress, client instructions per small GET (callgrind; ≤ +1%)", "pinned-reused", "pinned-reused-no-decoding", "ir_per_request", 1.0),
            ] {
                if let (Some(x), Some(y)) = (get(a, key), get(b, key)) {
                    let extra = (x / y - 1.0) * 100.0;
                    targets.push(Target { what: what.into(), measured: format!("{extra:+.1}%"), met: Some(extra <= most) });
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
        let small_rows = ["seq-h2", "conc-h2", "seq-h1", "conc-h1"];
        ratio_row(
            &mut targets,
            "Pinwire (Kotlin) ≥ 1.0× OkHttp, every small-GET row",
            &small_rows,
            KOTLIN,
            OKHTTP,
            1.0,
        );
        // CPU time per request: the worst row of Kotlin's over OkHttp's (≤ 1.0× is met).
        let cpu_worst = small_rows
            .iter()
            .filter_map(|row| {
                let row = format!("{row}-cpu-ns");
                Some((self.m(&row, KOTLIN)? / self.m(&row, OKHTTP)?, row))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        targets.push(Target {
            what: "Pinwire (Kotlin) CPU time per request ≤ OkHttp's, every small-GET row".into(),
            measured: cpu_worst.as_ref().map_or("not measured".into(), |(r, row)| {
                format!("worst {r:.2}× OkHttp's ({row})")
            }),
            met: cpu_worst.map(|(r, _)| r <= 1.0),
        });
        let crossing = self.m("jni", KOTLIN).map(|r| 1e9 / r);
        targets.push(Target {
            what: "JNI crossing < 2 µs".into(),
            measured: crossing.map_or("not measured".into(), |ns| format!("{ns:.0} ns")),
            met: crossing.map(|ns| ns < 2000.0),
        });
        ratio_row(
            &mut targets,
            "Pinwire (Kotlin) ≥ 0.9× OkHttp MB/s, 64 MiB",
            &["bulk-h2", "bulk-h1"],
            KOTLIN,
            OKHTTP,
            0.9,
        );
        ratio_row(
            &mut targets,
            "Pinwire (Kotlin) ≥ 0.8× curl MB/s, 64 MiB",
            &["bulk-h2", "bulk-h1"],
            KOTLIN,
            CURL,
            0.8,
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

        let _ = writeln!(md, "\n**Targets**\n\n| Target | Measured | |\n| --- | --- | --- |");
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
