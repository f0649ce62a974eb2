//! `pinwire check`: before a release or a certificate rotation, would the shipped policy accept what the
//! servers serve today, and what is about to expire?

use crate::common::TrustArgs;
use crate::config_file::ConfigArgs;
use crate::exit;
use crate::output::{date, Style};
use clap::Args;
use pinwire::config::PinConfig;
use pinwire::inspect::{probe_server, CertificateInfo};
use pinwire::{Host, PatternKind, Pin, TrustSource};
use serde_json::json;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Arguments of `pinwire check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The configuration the app ships (any format `config convert` reads).
    #[arg(long = "config", value_name = "FILE")]
    config: PathBuf,
    #[command(flatten)]
    read: ConfigArgs,
    #[command(flatten)]
    trust: TrustArgs,
    /// Also check these hosts (needed for `*.` patterns, which name no host); repeatable.
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    /// The port to connect to.
    #[arg(long = "port", default_value_t = 443)]
    port: u16,
    /// Warn about certificates and pin sets that expire within this many days.
    #[arg(long = "warn-days", default_value_t = 30)]
    warn_days: i64,
    /// Seconds allowed per connection.
    #[arg(long = "connect-timeout", value_name = "SECONDS", default_value_t = 10.0)]
    connect_timeout: f64,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Ok,
    Warn,
    Fail,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        }
    }
}

struct Finding {
    level: Level,
    text: String,
}

struct HostReport {
    host: String,
    pattern: String,
    findings: Vec<Finding>,
}

impl HostReport {
    fn add(&mut self, level: Level, text: String) {
        self.findings.push(Finding { level, text });
    }

    fn level(&self) -> Level {
        self.findings.iter().map(|f| f.level).max().unwrap_or(Level::Ok)
    }
}

/// The hosts to connect to: every exact and `**.` pattern's name, and the --host names.
fn hosts_to_check(config: &PinConfig, extra: &[String]) -> (Vec<Host>, Vec<String>) {
    let mut hosts = Vec::new();
    let mut unchecked = Vec::new();
    for rule in config.policy().rules() {
        let Some(set) = rule.pin_set() else { continue };
        if set.is_exempt() {
            continue;
        }
        match rule.pattern().kind() {
            PatternKind::Exact | PatternKind::AnyDepth => hosts.push(rule.pattern().base().clone()),
            _ => {
                let covered = extra
                    .iter()
                    .filter_map(|h| Host::parse(h).ok())
                    .any(|h| rule.pattern().matches(&h, false));
                if !covered {
                    unchecked.push(rule.pattern().to_string());
                }
            }
        }
    }
    for name in extra {
        if let Ok(host) = Host::parse(name) {
            hosts.push(host);
        }
    }
    hosts.sort();
    hosts.dedup();
    (hosts, unchecked)
}

async fn check_host(
    args: &CheckArgs,
    config: &PinConfig,
    host: &Host,
    validator: Arc<dyn pinwire::trust::ChainValidator>,
) -> HostReport {
    let now = OffsetDateTime::now_utc();
    let soon = now + time::Duration::days(args.warn_days);
    let Some(requirement) = config.policy().pins_for(host) else {
        let mut report = HostReport {
            host: host.to_string(),
            pattern: "-".into(),
            findings: Vec::new(),
        };
        report.add(Level::Warn, "no pin set applies to this host".into());
        return report;
    };
    let mut report = HostReport {
        host: host.to_string(),
        pattern: requirement.rule.pattern().to_string(),
        findings: Vec::new(),
    };
    let pins: Vec<Pin> = requirement.pins.pins().copied().collect();
    if pins.len() < 2 {
        report.add(
            Level::Warn,
            format!("the pin set has {} pin: no backup key for a rotation", pins.len()),
        );
    }
    match requirement.pins.expiration() {
        Some(at) if at <= now => report.add(
            Level::Warn,
            format!("the pin set expired on {}: it is not enforced", date(at)),
        ),
        Some(at) if at <= soon => report.add(
            Level::Warn,
            format!("the pin set expires on {} (within {} days)", date(at), args.warn_days),
        ),
        _ => {}
    }
    let timeout = Duration::from_secs_f64(args.connect_timeout.max(0.001));
    let chain = match probe_server(
        host.as_str(),
        args.port,
        args.trust.resolved(host.as_str(), args.port),
        validator,
        timeout,
    )
    .await
    {
        Ok(chain) => chain,
        Err(e) => {
            report.add(Level::Fail, format!("cannot connect: {e}"));
            return report;
        }
    };
    let path = match (&chain.validated, chain.validated_info()) {
        (Ok(_), Some(path)) => path,
        (Err(reason), _) => {
            report.add(Level::Fail, format!("the served chain does not validate: {reason}"));
            return report;
        }
        _ => {
            report.add(Level::Fail, "the validated path cannot be read".into());
            return report;
        }
    };
    let matched: Vec<&CertificateInfo> = path.iter().filter(|c| pins.contains(&c.pin)).collect();
    if matched.is_empty() {
        report.add(
            Level::Fail,
            "no pin matches today's validated chain: the shipped policy would refuse this server".into(),
        );
    } else {
        let which: Vec<String> = matched.iter().map(|c| format!("{} ({})", c.pin, c.subject)).collect();
        report.add(Level::Ok, format!("today's chain is accepted: {}", which.join(", ")));
    }
    for pin in &pins {
        if !path.iter().any(|c| c.pin == *pin) {
            let level = if matched.is_empty() { Level::Fail } else { Level::Ok };
            report.add(level, format!("{pin} matches nothing served (fine for a backup key)"));
        }
    }
    for cert in &path {
        if cert.not_after <= soon {
            report.add(
                Level::Warn,
                format!("{} expires on {}", cert.subject, date(cert.not_after)),
            );
        }
    }
    for cert in matched.iter().filter(|c| c.is_ca) {
        report.add(
            Level::Warn,
            format!(
                "{} pins a CA key ({}): any certificate this CA issues for the host passes",
                cert.pin, cert.subject
            ),
        );
    }
    report
}

/// Runs the command.
pub async fn run(args: CheckArgs) -> u8 {
    let style = Style::stderr();
    let config = match args.read.load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{} {e}", style.bad("error:"));
            return exit::USAGE;
        }
    };
    let trust = if args.trust.cacert.is_empty() && *config.trust() != pinwire::config::TrustConfig::default() {
        pinwire::trust::ConfiguredTrust::new(&config, args.read.debuggable)
            .map(|t| TrustSource::Custom(Arc::new(t)))
            .map_err(|e| e.to_string())
    } else {
        args.trust.trust_source()
    };
    let validator = match trust.and_then(|t| t.validator().map_err(|e| e.to_string())) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{} {e}", style.bad("error:"));
            return exit::USAGE;
        }
    };
    let (hosts, unchecked) = hosts_to_check(&config, &args.hosts);
    let progress = std::io::stderr().is_terminal() && !args.json;
    let mut reports = Vec::new();
    for (i, host) in hosts.iter().enumerate() {
        if progress {
            eprint!("\r[{}/{}] checking {host} ...\x1b[K", i + 1, hosts.len());
        }
        reports.push(check_host(&args, &config, host, validator.clone()).await);
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    let worst = reports.iter().map(HostReport::level).max().unwrap_or(Level::Ok);
    if args.json {
        let hosts: Vec<_> = reports
            .iter()
            .map(|r| {
                json!({
                    "host": r.host,
                    "pattern": r.pattern,
                    "level": r.level().word(),
                    "findings": r.findings.iter().map(|f| json!({"level": f.level.word(), "text": f.text})).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!(
            "{}",
            json!({ "ok": worst != Level::Fail, "hosts": hosts, "unchecked_patterns": unchecked })
        );
    } else {
        let out = Style::stdout();
        for report in &reports {
            let head = format!("{} ({})", report.host, report.pattern);
            let badge = match report.level() {
                Level::Ok => out.good("ok  "),
                Level::Warn => out.warn("warn"),
                Level::Fail => out.bad("FAIL"),
            };
            println!("{badge} {}", out.bold(&head));
            for finding in &report.findings {
                let mark = match finding.level {
                    Level::Ok => out.dim("  -"),
                    Level::Warn => out.warn("  !"),
                    Level::Fail => out.bad("  x"),
                };
                println!("{mark} {}", finding.text);
            }
        }
        for pattern in &unchecked {
            println!(
                "{} {pattern}: names no host; give --host to check one",
                out.warn("warn")
            );
        }
        let verdict = match worst {
            Level::Fail => out.bad("would break users: do not ship this policy against these servers"),
            Level::Warn => out.warn("accepted today, with warnings"),
            Level::Ok => out.good("accepted today"),
        };
        println!("{verdict}");
    }
    if worst == Level::Fail {
        exit::CHECK_FAILED
    } else {
        exit::SUCCESS
    }
}
