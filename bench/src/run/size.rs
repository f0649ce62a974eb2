//! The size of the shipped library: stripped, its biggest sections, and its code by crate.

use super::{Options, Res};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

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
/// equivalent of `cargo bloat --crates` (which refuses a package that is cdylib and staticlib at once).
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
pub(super) fn size(options: &Options) -> Res<Option<Value>> {
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
