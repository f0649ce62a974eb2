//! Link options of the shared library (`cdylib`) only; the static libraries are linked by the app's own
//! toolchain.
//!
//! Identical code folding (`--icf=all`): LLD merges functions whose machine code came out identical
//! (generic code instantiated for types of the same layout, closures, drop glue) and drops their unwind
//! entries: the stripped x86_64 library is 25 KiB smaller (docs/benchmarks.md). Rust promises no distinct
//! addresses for distinct functions, so nothing in Rust can tell; ring's C compares no function pointers.
//! Only where the linker is known to be
//! LLD: the Android NDK's (its only linker), and rustc's own `rust-lld`, which rustc 1.90 and newer link
//! `x86_64-unknown-linux-gnu` with unless a linker is configured. GNU ld would refuse the option, so
//! anything else links as before.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    if links_with_lld() {
        println!("cargo:rustc-link-arg-cdylib=-Wl,--icf=all");
    }
}

fn links_with_lld() -> bool {
    let target = env::var("TARGET").unwrap_or_default();
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("android") {
        return true;
    }
    if target != "x86_64-unknown-linux-gnu" || env::var_os("RUSTC_LINKER").is_some() {
        return false;
    }
    // A linker or linker flavour chosen in RUSTFLAGS may not be LLD.
    let rustflags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if ["linker", "link-self-contained", "fuse-ld"]
        .iter()
        .any(|f| rustflags.contains(f))
    {
        return false;
    }
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = |arg: &str| {
        Command::new(&rustc)
            .arg(arg)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let minor = output("--version").and_then(|v| v.split(['.', ' ']).nth(2).and_then(|m| m.parse::<u32>().ok()));
    let Some(sysroot) = output("--print=sysroot") else {
        return false;
    };
    let rust_lld = Path::new(&sysroot)
        .join("lib/rustlib")
        .join(&target)
        .join("bin/gcc-ld/ld.lld");
    minor.is_some_and(|m| m >= 90) && rust_lld.exists()
}
