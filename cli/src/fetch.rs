//! `pinwire fetch`: a curl-like client on the Pinwire core.

use crate::common::TrustArgs;
use crate::exit;
use crate::output::Style;
use clap::Args;
use pinwire::{Client, HttpVersions, PinEvent, PinOutcome, Policy, Request};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `pinwire fetch`.
#[derive(Args, Debug)]
pub struct FetchArgs {
    /// The URL.
    url: String,
    /// Pin the URL's host to this key (`sha256/...`); repeatable. A single pin is accepted here, since
    /// this is a check, not a shipped app.
    #[arg(long = "pin", value_name = "sha256/BASE64", conflicts_with = "config")]
    pins: Vec<String>,
    /// Use the pins and trust anchors of this configuration file (Pinwire JSON, NSC XML, TrustKit), as
    /// the app ships it.
    #[arg(long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    read: crate::config_file::ConfigArgs,
    #[command(flatten)]
    trust: TrustArgs,
    /// The HTTP method.
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    /// A request header, `Name: value`; repeatable.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// The request body (makes the default method POST); `@FILE` reads a file.
    #[arg(short = 'd', long = "data", value_name = "DATA")]
    data: Option<String>,
    /// Write the body to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Send everything through this HTTP proxy (CONNECT for https).
    #[arg(short = 'x', long = "proxy", value_name = "URL")]
    proxy: Option<String>,
    /// Follow redirects (each hop is checked against the policy).
    #[arg(short = 'L', long = "location")]
    follow: bool,
    /// How many redirects -L follows.
    #[arg(long = "max-redirects", value_name = "N", default_value_t = 10)]
    max_redirects: usize,
    /// Use HTTP/1.1 only.
    #[arg(long = "http1.1", conflicts_with = "http2")]
    http1: bool,
    /// Offer HTTP/2 (the default: HTTP/2 by ALPN, else HTTP/1.1).
    #[arg(long = "http2")]
    http2: bool,
    /// Seconds allowed to connect (TCP and TLS).
    #[arg(long = "connect-timeout", value_name = "SECONDS")]
    connect_timeout: Option<f64>,
    /// Seconds allowed for the whole transfer.
    #[arg(short = 'm', long = "max-time", value_name = "SECONDS")]
    max_time: Option<f64>,
    /// Apply this signed pin update before the request, as the app would (needs --update-key).
    #[arg(long = "update", value_name = "DOC", requires = "update_keys")]
    update: Option<PathBuf>,
    /// A public key (JWK file) that signs pin updates; repeatable.
    #[arg(long = "update-key", value_name = "PUB")]
    update_keys: Vec<PathBuf>,
    /// Print the chain, each certificate's pin, the pin decision, the HTTP version and headers to stderr.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
}

fn seconds(value: f64) -> Duration {
    Duration::from_secs_f64(value.max(0.001))
}

fn print_event(event: &PinEvent) {
    let style = Style::stderr();
    eprintln!("* pin check for {} (rule {}):", event.host, event.pattern);
    for cert in event.chain.certs() {
        let marker = match &event.outcome {
            PinOutcome::Matched { pin } if *pin == cert.pin() => style.good(" <- matched"),
            _ => String::new(),
        };
        eprintln!("*   {}  {}{marker}", cert.pin(), cert.subject());
    }
    let verdict = match (&event.outcome, event.allowed()) {
        (PinOutcome::Matched { pin }, _) => style.good(&format!("matched {pin}")),
        (PinOutcome::Expired, _) => style.warn("pin set expired: not enforced"),
        (PinOutcome::Mismatch, true) => style.warn("no pin matched (report-only: continuing)"),
        _ => style.bad("no pin matched"),
    };
    eprintln!(
        "*   expected: {}",
        event
            .expected
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    eprintln!("*   {verdict}");
}

fn build_client(args: &FetchArgs, host: &str) -> Result<Client, String> {
    let mut policy = Policy::builder();
    if !args.pins.is_empty() {
        policy = policy
            .pin(host, args.pins.iter().map(String::as_str))
            .dangerous_allow_single_pin();
    }
    let policy = policy.build().map_err(|e| e.to_string())?;
    let mut builder = Client::builder().policy(policy).trust(args.trust.trust_source()?);
    if let Some(path) = &args.config {
        let config = args.read.load(path)?;
        builder = builder
            .pin_config(&config, args.read.debuggable)
            .map_err(|e| e.to_string())?;
        if !args.trust.cacert.is_empty() {
            builder = builder.trust(args.trust.trust_source()?);
        }
    }
    let mut builder = builder
        .max_redirects(if args.follow { args.max_redirects } else { 0 })
        .call_timeout(args.max_time.map(seconds));
    if let Some(t) = args.connect_timeout {
        builder = builder.connect_timeout(Some(seconds(t)));
    }
    if let Some(proxy) = &args.proxy {
        builder = builder.proxy(proxy);
    }
    if args.http1 {
        builder = builder.http_versions(HttpVersions::Http1Only);
    }
    if args.verbose {
        builder = builder.observer(Arc::new(print_event));
    }
    builder = args.trust.apply(builder);
    builder = crate::update::with_update_keys(builder, &args.update_keys)?;
    builder.build().map_err(|e| e.to_string())
}

fn build_request(args: &FetchArgs) -> Result<Request, String> {
    let body = match &args.data {
        Some(data) => Some(match data.strip_prefix('@') {
            Some(path) => std::fs::read(path).map_err(|e| format!("{path}: {e}"))?,
            None => data.clone().into_bytes(),
        }),
        None => None,
    };
    let method = args
        .method
        .clone()
        .unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.to_string());
    let method = pinwire::http::Method::from_bytes(method.as_bytes()).map_err(|e| format!("{method}: {e}"))?;
    let mut request = Request::new(method, &args.url).map_err(|e| e.to_string())?;
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| format!("header {header:?}: expected `Name: value`"))?;
        request = request.header(name.trim(), value.trim()).map_err(|e| e.to_string())?;
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    Ok(request)
}

/// Runs the command.
pub async fn run(args: FetchArgs) -> u8 {
    let style = Style::stderr();
    let usage = |e: String| {
        eprintln!("{} {e}", style.bad("error:"));
        exit::USAGE
    };
    let request = match build_request(&args) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let host = request
        .url()
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let client = match build_client(&args, &host) {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    if let Some(document) = &args.update {
        if let Err(code) = crate::update::apply_before_fetch(&client, document, args.verbose) {
            return code;
        }
    }
    if args.verbose {
        eprintln!("> {} {}", request.method(), request.url());
        if args.pins.is_empty() {
            eprintln!("* no pins for {host}: ordinary certificate validation only");
        }
    }
    let mut response = match client.execute(request).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{} {e}", style.bad("error:"));
            return exit::code_for(&e);
        }
    };
    if args.verbose {
        eprintln!("< {:?} {}", response.version(), response.status());
        for (name, value) in response.headers() {
            eprintln!("< {name}: {}", String::from_utf8_lossy(value.as_bytes()));
        }
    }
    let mut sink: Box<dyn Write> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return usage(format!("{}: {e}", path.display())),
        },
        None => Box::new(std::io::stdout().lock()),
    };
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if let Err(e) = sink.write_all(&chunk) {
                    eprintln!("{} writing the body: {e}", style.bad("error:"));
                    return exit::OTHER;
                }
            }
            Ok(None) => break,
            Err(e) => {
                eprintln!("{} {e}", style.bad("error:"));
                return exit::code_for(&e);
            }
        }
    }
    if let Err(e) = sink.flush() {
        eprintln!("{} writing the body: {e}", style.bad("error:"));
        return exit::OTHER;
    }
    exit::SUCCESS
}
