//! The command line of `pinwire-bench run`.

use super::Res;
use clap::{ArgAction, Parser};
use std::path::PathBuf;

/// Command-line options of `run`.
#[derive(Debug, Parser)]
#[command(name = "pinwire-bench run", about = "Drives every client and writes results/")]
pub struct Options {
    /// The directory `pinwire-bench setup` prepared.
    pub dir: PathBuf,
    /// Where the results are written.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
    /// Rounds per figure (each round rotates the order of the clients).
    #[arg(long, default_value_t = 7)]
    pub rounds: usize,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 1.0)]
    pub secs: f64,
    /// Seconds of warm-up per client.
    #[arg(long = "warmup-secs", default_value_t = 2.0)]
    pub warmup_secs: f64,
    /// The `java` to run the JVM clients with.
    #[arg(long, default_value = "java")]
    pub java: String,
    /// The JVM clients' class path (without it, no JVM client runs).
    #[arg(long = "jvm-cp")]
    pub jvm_cp: Option<String>,
    /// Where JNA finds `libpinwire_ffi.so`.
    #[arg(long = "jna-path")]
    pub jna_path: Option<String>,
    /// The Swift client: a program run as `PROGRAM client pinwire-swift DIR` (scripts/bench.sh writes one
    /// that starts the Swift bench client in the Swift chroot); without it, no Swift client runs.
    #[arg(long = "swift-client")]
    pub swift_client: Option<PathBuf>,
    /// The release `libpinwire_ffi.so` whose size is reported.
    #[arg(long)]
    pub cdylib: Option<PathBuf>,
    /// A `cargo bloat` report to include.
    #[arg(long)]
    pub bloat: Option<PathBuf>,
    /// Skip the instruction counts under callgrind.
    #[arg(long = "no-callgrind", action = ArgAction::SetFalse)]
    pub callgrind: bool,
}

impl Options {
    /// The options of `run`'s arguments (without the word `run`).
    pub fn from_args(args: &[String]) -> Res<Options> {
        Options::try_parse_from(std::iter::once("run").chain(args.iter().map(String::as_str)))
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::Options;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::from_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_flags_and_errors() {
        let options = parse(&["dir"]).unwrap();
        assert_eq!(options.dir.to_str(), Some("dir"));
        assert_eq!((options.rounds, options.secs, options.callgrind), (7, 1.0, true));
        assert!(options.swift_client.is_none());
        let options = parse(&[
            "dir",
            "--rounds",
            "3",
            "--no-callgrind",
            "--jvm-cp",
            "a:b",
            "--swift-client",
            "swift.sh",
        ])
        .unwrap();
        assert_eq!((options.rounds, options.callgrind), (3, false));
        assert_eq!(options.jvm_cp.as_deref(), Some("a:b"));
        assert_eq!(options.swift_client.as_deref(), Some(std::path::Path::new("swift.sh")));
        assert!(parse(&[]).is_err(), "DIR is required");
        assert!(parse(&["dir", "--rounds", "many"]).is_err());
    }
}
