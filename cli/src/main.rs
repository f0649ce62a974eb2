//! `pinwire`: the tool teams reach for when they set up, debug or rotate pins.

#![forbid(unsafe_code)]

mod check;
mod common;
mod config_file;
mod convert;
mod cookie_jar;
mod demo;
mod exit;
mod fetch;
mod output;
mod pins;
mod progress;
mod update;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Pins of servers and files, a pinning curl, and a pre-rotation check, on the Pinwire core.
#[derive(Parser, Debug)]
#[command(name = "pinwire", version, about, long_about = None, after_help = exit::EXIT_CODES_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the pins of a server's chain, or of a certificate, chain, public key or private key file.
    Pins(pins::PinsArgs),
    /// Fetch a URL with Pinwire's checks, the way the app would (a curl with pinning).
    Fetch(Box<fetch::FetchArgs>),
    /// Check a configuration against today's servers before a release or a rotation.
    Check(check::CheckArgs),
    /// Convert between configuration formats.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Signed pin updates: make a signing key, sign a configuration, verify a document.
    #[command(subcommand)]
    Update(update::UpdateCommand),
    /// Start local TLS servers and walk through a pinned success, an impostor refused and a key rotation.
    Demo,
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Convert a pin configuration: `--from nsc|trustkit|pinwire --to nsc|trustkit|trustkit-json|pinwire|okhttp FILE`.
    Convert(convert::ConvertArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("pinwire: cannot start: {e}");
            return ExitCode::from(exit::OTHER);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Pins(args) => pins::run(args).await,
            Command::Fetch(args) => fetch::run(*args).await,
            Command::Check(args) => check::run(args).await,
            Command::Config(ConfigCommand::Convert(args)) => convert::run(args),
            Command::Update(command) => update::run(command),
            Command::Demo => demo::run().await,
        }
    });
    ExitCode::from(code)
}
