//! `pinwire update`: the release side of signed pin updates (make a key, sign a configuration, check a
//! document as an app would), and the `pinwire fetch --update` hooks that apply one before a request.

use crate::exit;
use crate::output::Style;
use clap::{Args, Subcommand, ValueEnum};
use pinwire::update::{
    sign_update, KeyAlgorithm, SigningKey, UpdateContent, UpdateError, UpdateOptions, UpdateVerifier, VerificationKey,
};
use pinwire::{Client, ClientBuilder};
use std::path::{Path, PathBuf};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// The subcommands of `pinwire update`.
#[derive(Subcommand, Debug)]
pub enum UpdateCommand {
    /// Make a signing key: writes the private key (PKCS#8 PEM) to --out, prints the public key (JWK) to embed in apps.
    Keygen(KeygenArgs),
    /// Sign a Pinwire JSON configuration into an update document (printed on standard output).
    Sign(SignArgs),
    /// Check an update document as an app would: prints the configuration it carries, or why it is refused.
    Verify(VerifyArgs),
}

/// Key algorithms on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AlgorithmArg {
    /// Ed25519 (JWS EdDSA).
    Ed25519,
    /// ECDSA P-256 (JWS ES256).
    Es256,
}

/// Arguments of `pinwire update keygen`.
#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Where to write the private key; an existing file is not overwritten.
    #[arg(long = "out", value_name = "FILE")]
    out: PathBuf,
    /// The key's algorithm.
    #[arg(long = "algorithm", value_enum, default_value = "ed25519")]
    algorithm: AlgorithmArg,
}

/// Arguments of `pinwire update sign`.
#[derive(Args, Debug)]
pub struct SignArgs {
    /// The private key file (from `pinwire update keygen`).
    #[arg(long = "key", value_name = "KEY")]
    key: PathBuf,
    /// The document's version: greater than every earlier document's.
    #[arg(long = "version", value_name = "N")]
    version: u64,
    /// When the document stops being accepted: `YYYY-MM-DD` (midnight UTC) or an RFC 3339 instant.
    #[arg(long = "expires", value_name = "DATE")]
    expires: String,
    /// When it is issued (default: now).
    #[arg(long = "issued-at", value_name = "DATE")]
    issued_at: Option<String>,
    /// The configuration to sign (Pinwire JSON).
    config: PathBuf,
}

/// Arguments of `pinwire update verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// A public key (JWK file) the app embeds; repeatable.
    #[arg(long = "key", value_name = "PUB", required = true)]
    keys: Vec<PathBuf>,
    /// The version the app has in use: the document must not be older.
    #[arg(long = "in-use", value_name = "N", default_value_t = 0)]
    in_use: u64,
    /// The update document.
    document: PathBuf,
}

/// Runs `pinwire update ...`.
pub fn run(command: UpdateCommand) -> u8 {
    let result = match command {
        UpdateCommand::Keygen(args) => keygen(&args),
        UpdateCommand::Sign(args) => sign(&args),
        UpdateCommand::Verify(args) => verify(&args),
    };
    match result {
        Ok(()) => exit::SUCCESS,
        Err((code, message)) => {
            eprintln!("{} {message}", Style::stderr().bad("error:"));
            code
        }
    }
}

type Failure = (u8, String);

fn usage(message: String) -> Failure {
    (exit::USAGE, message)
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| usage(format!("{}: {e}", path.display())))
}

fn keygen(args: &KeygenArgs) -> Result<(), Failure> {
    let algorithm = match args.algorithm {
        AlgorithmArg::Ed25519 => KeyAlgorithm::Ed25519,
        AlgorithmArg::Es256 => KeyAlgorithm::Es256,
    };
    let key = SigningKey::generate(algorithm).map_err(|e| (exit::OTHER, e.to_string()))?;
    write_private(&args.out, key.to_pkcs8_pem().as_bytes())
        .map_err(|e| usage(format!("{}: {e}", args.out.display())))?;
    println!("{}", key.verification_key().to_jwk());
    eprintln!(
        "wrote the private key to {}; keep it offline. Embed the public key above in the app.",
        args.out.display()
    );
    Ok(())
}

/// Creates `path` (never overwriting), readable by its owner only where the platform says so.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn parse_date(text: &str) -> Result<OffsetDateTime, Failure> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map(|date| date.midnight().assume_utc())
        .map_err(|_| usage(format!("{text:?}: expected YYYY-MM-DD or an RFC 3339 instant")))
}

fn sign(args: &SignArgs) -> Result<(), Failure> {
    let key = SigningKey::from_pkcs8_pem(&read(&args.key)?).map_err(|e| usage(e.to_string()))?;
    let content = UpdateContent {
        version: args.version,
        issued_at: match &args.issued_at {
            Some(text) => parse_date(text)?,
            None => OffsetDateTime::now_utc(),
        },
        expires_at: parse_date(&args.expires)?,
        config_json: read(&args.config)?,
    };
    let document = sign_update(&content, &key).map_err(|e| usage(e.to_string()))?;
    println!("{document}");
    Ok(())
}

fn read_keys(paths: &[PathBuf]) -> Result<Vec<VerificationKey>, Failure> {
    paths
        .iter()
        .map(|path| VerificationKey::from_jwk(&read(path)?).map_err(|e| usage(format!("{}: {e}", path.display()))))
        .collect()
}

fn verify(args: &VerifyArgs) -> Result<(), Failure> {
    let verifier = UpdateVerifier::new(read_keys(&args.keys)?);
    let bytes = std::fs::read(&args.document).map_err(|e| usage(format!("{}: {e}", args.document.display())))?;
    let refused = |e: UpdateError| (exit::UPDATE_REFUSED, format!("refused: {e}"));
    let document = verifier.verify(&bytes, OffsetDateTime::now_utc()).map_err(refused)?;
    if document.version() < args.in_use {
        return Err(refused(UpdateError::Rollback {
            version: document.version(),
            in_use: args.in_use,
        }));
    }
    let json = document.config().to_json().map_err(|e| (exit::OTHER, e.to_string()))?;
    println!("{json}");
    eprintln!(
        "valid: version {}, signed by {}, expires {}",
        document.version(),
        document.kid(),
        document.expires_at().format(&Rfc3339).unwrap_or_default()
    );
    Ok(())
}

/// `pinwire fetch --update-key PUB`: the client takes updates signed by these keys.
pub fn with_update_keys(builder: ClientBuilder, keys: &[PathBuf]) -> Result<ClientBuilder, String> {
    if keys.is_empty() {
        return Ok(builder);
    }
    let keys = read_keys(keys).map_err(|(_, message)| message)?;
    Ok(builder.updates(UpdateOptions::new(keys)))
}

/// `pinwire fetch --update DOC`: applies the document as the app would before the request; a refused
/// document is an error (the app would go on with its shipped pins, and say why).
pub fn apply_before_fetch(client: &Client, document: &Path, verbose: bool) -> Result<(), u8> {
    let style = Style::stderr();
    let bytes = std::fs::read(document).map_err(|e| {
        eprintln!("{} {}: {e}", style.bad("error:"), document.display());
        exit::USAGE
    })?;
    match client.apply_update(&bytes) {
        Ok(outcome) => {
            if verbose {
                eprintln!(
                    "* pin update {outcome:?}: configuration version {} in use",
                    client.version_in_use()
                );
            }
            Ok(())
        }
        Err(e) => {
            eprintln!("{} update refused: {e}", style.bad("error:"));
            Err(exit::UPDATE_REFUSED)
        }
    }
}
