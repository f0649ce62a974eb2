//! `pinwire config convert`: one source of truth while migrating between platforms.

use crate::config_file::{ConfigArgs, FormatArg};
use crate::exit;
use crate::output::Style;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// What to convert to.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetFormat {
    /// Pinwire's JSON format.
    Pinwire,
    /// An Android network_security_config.xml (bundled CAs are written to --raw-out).
    Nsc,
    /// A TrustKit dictionary as plist XML (the value of TSKConfiguration).
    Trustkit,
    /// A TrustKit dictionary as JSON.
    TrustkitJson,
    /// Kotlin code for OkHttp's CertificatePinner.Builder.
    Okhttp,
}

/// Arguments of `pinwire config convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The format of FILE (guessed from its contents when omitted).
    #[arg(long = "from", value_enum)]
    from: Option<FormatArg>,
    /// The format to write.
    #[arg(long = "to", value_enum)]
    to: TargetFormat,
    /// The configuration file.
    file: PathBuf,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Where to write the certificate files an NSC export refers to (`@raw/name`).
    #[arg(long = "raw-out", value_name = "DIR")]
    raw_out: Option<PathBuf>,
    #[command(flatten)]
    read: ConfigArgs,
}

/// Runs the command.
pub fn run(mut args: ConvertArgs) -> u8 {
    let style = Style::stderr();
    let fail = |e: String| {
        eprintln!("{} {e}", style.bad("error:"));
        exit::USAGE
    };
    if args.from.is_some() {
        args.read.format = args.from;
    }
    let config = match args.read.load(&args.file) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let exported = match args.to {
        TargetFormat::Pinwire => config.to_json().map(|text| (text, Default::default(), Vec::new())),
        other => {
            let result = match other {
                TargetFormat::Nsc => config.to_nsc_xml(),
                TargetFormat::Trustkit => config.to_trustkit_plist(),
                TargetFormat::TrustkitJson => config.to_trustkit_json(),
                _ => config.to_okhttp_kotlin(),
            };
            result.map(|e| (e.text, e.files, e.warnings))
        }
    };
    let (text, files, warnings) = match exported {
        Ok(x) => x,
        Err(e) => return fail(e.to_string()),
    };
    for warning in &warnings {
        eprintln!("{} {warning}", style.warn("warning:"));
    }
    if !files.is_empty() {
        let Some(dir) = &args.raw_out else {
            return fail(format!(
                "the export refers to {} certificate file(s) (@raw/...): give --raw-out DIR to write them",
                files.len()
            ));
        };
        if let Err(e) = std::fs::create_dir_all(dir) {
            return fail(format!("{}: {e}", dir.display()));
        }
        for (name, bytes) in &files {
            // `@raw/my_ca` is the resource file `res/raw/my_ca.pem`.
            let path = if name.contains('.') {
                dir.join(name)
            } else {
                dir.join(format!("{name}.pem"))
            };
            if let Err(e) = std::fs::write(&path, bytes) {
                return fail(format!("{}: {e}", path.display()));
            }
        }
    }
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                return fail(format!("{}: {e}", path.display()));
            }
        }
        None => print!("{text}"),
    }
    exit::SUCCESS
}
