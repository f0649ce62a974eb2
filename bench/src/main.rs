//! `pinwire-bench`: the Rust side of `scripts/bench.sh`. Benchmarks, not tests: nothing here asserts a
//! timing; the numbers are reported beside their peers' from the same run.
//!
//! ```text
//! pinwire-bench setup DIR                   test PKI, nginx.conf, the 64 MiB file, pin configs, bench.json
//! pinwire-bench run DIR [options]           drives every client and writes results/ (see run/)
//! pinwire-bench client pinwire|reqwest DIR  a long-lived Rust client (line protocol on stdin/stdout)
//! pinwire-bench cold json|nsc DIR           creating a client from a config file, first and warm
//! pinwire-bench pincheck DIR                the pin check alone, and chain validation, per call
//! pinwire-bench handshakes MODE N DIR       N new connections (for callgrind); MODE pinned|unpinned|reqwest
//! ```

mod client;
mod env;
mod micro;
mod run;
mod setup;

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let result: Result<(), String> = match words.as_slice() {
        ["setup", dir] => setup::run(Path::new(dir)).map_err(|e| e.to_string()),
        ["run", ..] => run::Options::from_args(&args[1..])
            .and_then(|options| run::run(&options))
            .map(|markdown| println!("{markdown}")),
        ["client", which, dir] => env::Env::load(Path::new(dir)).and_then(|env| client::serve(which, &env)),
        ["cold", format, dir] => env::Env::load(Path::new(dir))
            .and_then(|env| micro::cold(format, &env))
            .map(|json| println!("{json}")),
        ["pincheck", dir] => env::Env::load(Path::new(dir))
            .and_then(|env| micro::pincheck(&env))
            .map(|json| println!("{json}")),
        ["handshakes", mode, n, dir] => match n.parse() {
            Ok(n) => env::Env::load(Path::new(dir)).and_then(|env| client::handshakes(mode, n, &env)),
            Err(_) => Err(format!("handshakes: {n:?} is not a count")),
        },
        _ => Err("usage: pinwire-bench setup|run|client|cold|pincheck|handshakes ... (see src/main.rs)".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One-shot commands answer in JSON on stdout, so the orchestrator can read the error too.
            println!("{}", serde_json::json!({ "error": e }));
            eprintln!("pinwire-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
