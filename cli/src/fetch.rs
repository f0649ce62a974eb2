//! `pinwire fetch`: a curl-like client on the Pinwire core.

use crate::common::TrustArgs;
use crate::exit;
use crate::output::Style;
use crate::progress::Progress;
use clap::Args;
use pinwire::report::{AppInfo, ReportConfig};
use pinwire::{Client, Host, HttpVersions, PinEvent, PinMode, PinOutcome, Policy, Request};
use std::io::{IsTerminal, Write};
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
    /// Print the pin rule that applies, the chain, each certificate's pin, the pin decision, the HTTP
    /// version and headers to stderr.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
    /// Send the pin failure reports the --config file configures (its report URIs) and wait for them, at
    /// most 10 seconds, before exiting: a check of the collector end to end. Uploads use the trust and
    /// --resolve given here, without pins.
    #[arg(long = "send-reports", requires = "config")]
    send_reports: bool,
    /// Hand the body over as the server sent it: no `Accept-Encoding`, no decoding (by default gzip,
    /// brotli and zstd bodies are decoded, within the decompression-bomb bound).
    #[arg(long = "no-decompress")]
    no_decompress: bool,
    /// Send the cookies of this JSON file and write the cookies the server sets back to it (created
    /// when missing).
    #[arg(short = 'c', long = "cookie-jar", value_name = "FILE")]
    cookie_jar: Option<PathBuf>,
}

/// How long `--send-reports` waits for the uploads.
const REPORT_WAIT: Duration = Duration::from_secs(10);

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

/// The line `-v` prints about the pin rule that applies to `host`, before connecting.
fn rule_line(policy: &Policy, host: &str, source: &str) -> String {
    let requirement = Host::parse(host)
        .ok()
        .and_then(|h| policy.pins_for(&h).map(|r| (r.rule, r.pins)));
    let Some((rule, pins)) = requirement else {
        return format!("* no pin rule for {host} ({source}): ordinary certificate validation only");
    };
    let pattern = if rule.includes_subdomains() && !rule.pattern().to_string().starts_with('*') {
        format!("{} (with subdomains)", rule.pattern())
    } else {
        rule.pattern().to_string()
    };
    let mode = match pins.mode() {
        PinMode::ReportOnly => "report-only",
        _ => "enforced",
    };
    let expiry = match pins.expiration() {
        Some(at) if pins.is_expired_at(time::OffsetDateTime::now_utc()) => format!(", expired {at}: not enforced"),
        Some(at) => format!(", until {at}"),
        None => String::new(),
    };
    format!(
        "* pin rule {pattern} ({source}) applies to {host}: {} pin(s), {mode}{expiry}",
        pins.pins().len()
    )
}

/// Reporting for `--send-reports`: the file's report URIs, uploaded with the command's trust and --resolve
/// (the client's own).
fn reporting() -> ReportConfig {
    ReportConfig::new(AppInfo {
        bundle_id: "pinwire-cli".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        vendor_id: String::new(),
        platform: std::env::consts::OS.to_uppercase(),
        platform_version: String::new(),
    })
}

fn build_client(
    args: &FetchArgs,
    host: &str,
    cookies: Option<Arc<pinwire::MemoryCookieStore>>,
) -> Result<Client, String> {
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
        if args.send_reports {
            builder = builder.reporting(reporting());
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
    if let Some(store) = cookies {
        builder = builder.cookie_store(store);
    }
    builder = builder.decompress(!args.no_decompress);
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
    let cookies = match args.cookie_jar.as_deref().map(crate::cookie_jar::load).transpose() {
        Ok(store) => store.map(Arc::new),
        Err(e) => return usage(e),
    };
    let client = match build_client(&args, &host, cookies.clone()) {
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
        let source = match &args.config {
            Some(path) => path.display().to_string(),
            None if args.pins.is_empty() => "no --pin or --config".to_string(),
            None => "--pin".to_string(),
        };
        eprintln!("{}", rule_line(&client.policy(), &host, &source));
    }
    let result = client.execute(request).await;
    if args.send_reports {
        if args.verbose {
            eprintln!("* waiting for failure reports (at most {} s)", REPORT_WAIT.as_secs());
        }
        if !client.flush_reports(REPORT_WAIT).await {
            eprintln!(
                "{} failure reports were still being sent after {} s",
                style.warn("warning:"),
                REPORT_WAIT.as_secs()
            );
        }
    }
    let mut response = match result {
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
    // A download to a file, watched from a terminal, shows its progress there.
    let mut progress =
        (args.output.is_some() && std::io::stderr().is_terminal()).then(|| Progress::new(response.content_length()));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if let Err(e) = sink.write_all(&chunk) {
                    eprintln!("{} writing the body: {e}", style.bad("error:"));
                    return exit::OTHER;
                }
                if let Some(progress) = &mut progress {
                    progress.advance(chunk.len());
                }
            }
            Ok(None) => {
                if let Some(progress) = &mut progress {
                    progress.finish();
                }
                break;
            }
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
    if let (Some(store), Some(path)) = (&cookies, &args.cookie_jar) {
        if let Err(e) = crate::cookie_jar::save(store, path) {
            eprintln!("{} {e}", style.bad("error:"));
            return exit::OTHER;
        }
    }
    exit::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::rule_line;
    use pinwire::{DomainRule, PinSet, Policy};

    fn pins() -> PinSet {
        PinSet::new([pinwire::Pin::from_sha256([1; 32]), pinwire::Pin::from_sha256([2; 32])]).unwrap()
    }

    #[test]
    fn the_rule_line_names_the_rule_that_applies() {
        let policy = Policy::builder()
            .rule(
                DomainRule::new("example.com")
                    .unwrap()
                    .include_subdomains(true)
                    .pins(pins()),
            )
            .rule(DomainRule::new("api.example.com").unwrap().pins(pins().report_only()))
            .build()
            .unwrap();
        assert_eq!(
            rule_line(&policy, "cdn.example.com", "app.json"),
            "* pin rule example.com (with subdomains) (app.json) applies to cdn.example.com: 2 pin(s), enforced"
        );
        assert_eq!(
            rule_line(&policy, "api.example.com", "app.json"),
            "* pin rule api.example.com (app.json) applies to api.example.com: 2 pin(s), report-only"
        );
        assert_eq!(
            rule_line(&policy, "example.org", "app.json"),
            "* no pin rule for example.org (app.json): ordinary certificate validation only"
        );
    }
}
