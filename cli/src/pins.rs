//! `pinwire pins`: the pins of a server's chain, or of certificate and key files.

use crate::common::TrustArgs;
use crate::exit;
use crate::output::{date, Style};
use clap::Args;
use pinwire::inspect::{probe_server, CertificateInfo};
use pinwire::Pin;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// Arguments of `pinwire pins`.
#[derive(Args, Debug)]
pub struct PinsArgs {
    /// `https://host[:port]`, `host[:port]`, or a file: certificate(s), public key or PKCS#8 private key,
    /// PEM or DER.
    target: String,
    #[command(flatten)]
    trust: TrustArgs,
    /// Seconds allowed to connect and receive the certificates.
    #[arg(long = "connect-timeout", value_name = "SECONDS", default_value_t = 10.0)]
    connect_timeout: f64,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

/// One line of output: a pin with what it belongs to.
struct Row {
    role: String,
    info: Option<CertificateInfo>,
    pin: Pin,
}

fn cert_json(role: &str, info: &CertificateInfo) -> serde_json::Value {
    json!({
        "role": role,
        "pin": info.pin.to_string(),
        "subject": info.subject,
        "issuer": info.issuer,
        "not_before": date(info.not_before),
        "not_after": date(info.not_after),
        "is_ca": info.is_ca,
        "names": info.names,
    })
}

fn print_rows(rows: &[Row], json: bool, extra: serde_json::Value) {
    if json {
        let items: Vec<_> = rows
            .iter()
            .map(|row| match &row.info {
                Some(info) => cert_json(&row.role, info),
                None => json!({ "role": row.role, "pin": row.pin.to_string() }),
            })
            .collect();
        let mut out = json!({ "pins": items });
        if let (Some(map), serde_json::Value::Object(more)) = (out.as_object_mut(), extra) {
            map.extend(more);
        }
        println!("{out}");
        return;
    }
    let style = Style::stdout();
    let width = rows.iter().map(|r| r.role.len()).max().unwrap_or(0);
    for row in rows {
        println!("{:width$}  {}", row.role, style.bold(&row.pin.to_string()));
        if let Some(info) = &row.info {
            let kind = if info.is_ca { "CA" } else { "leaf" };
            println!("{:width$}    subject  {}", "", info.subject);
            println!("{:width$}    issuer   {}", "", style.dim(&info.issuer));
            println!(
                "{:width$}    valid    {} .. {}  ({kind})",
                "",
                date(info.not_before),
                date(info.not_after)
            );
        }
    }
}

fn from_file(path: &Path) -> Result<Vec<Row>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let is_pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
    let text = String::from_utf8_lossy(&bytes);
    if !is_pem || text.contains("-----BEGIN CERTIFICATE-----") {
        let certs = if is_pem {
            CertificateInfo::from_pem(&bytes).map_err(|e| e.to_string())
        } else {
            CertificateInfo::from_der(bytes.clone().into())
                .map(|c| vec![c])
                .map_err(|e| e.to_string())
        };
        if let Ok(certs) = certs {
            let count = certs.len();
            return Ok(certs
                .into_iter()
                .enumerate()
                .map(|(i, info)| Row {
                    role: if count == 1 {
                        "certificate".into()
                    } else {
                        format!("certificate {}", i + 1)
                    },
                    pin: info.pin,
                    info: Some(info),
                })
                .collect());
        }
    }
    if let Ok(pin) = Pin::from_public_key(&bytes) {
        return Ok(vec![Row {
            role: "public key".into(),
            info: None,
            pin,
        }]);
    }
    match Pin::from_private_key(&bytes) {
        Ok(pin) => Ok(vec![Row {
            role: "private key's public key".into(),
            info: None,
            pin,
        }]),
        Err(e) => Err(format!(
            "{}: not a certificate, public key or private key ({e})",
            path.display()
        )),
    }
}

/// Splits `https://host:port/...`, `host:port` or `host` into host and port.
pub fn host_port(target: &str) -> Result<(String, u16), String> {
    let url_text = if target.contains("://") {
        target.to_string()
    } else {
        format!("https://{target}")
    };
    let url = pinwire::http::Url::parse(&url_text).map_err(|e| format!("{target:?}: {e}"))?;
    if url.scheme() != "https" {
        return Err(format!("{target:?}: only https servers have certificates"));
    }
    let host = url.host_str().ok_or_else(|| format!("{target:?}: no host"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
    Ok((host, url.port().unwrap_or(443)))
}

/// Runs the command.
pub async fn run(args: PinsArgs) -> u8 {
    let style = Style::stderr();
    let path = Path::new(&args.target);
    if path.exists() {
        return match from_file(path) {
            Ok(rows) => {
                print_rows(&rows, args.json, json!({ "source": args.target }));
                exit::SUCCESS
            }
            Err(e) => {
                eprintln!("{} {e}", style.bad("error:"));
                exit::USAGE
            }
        };
    }
    let (host, port) = match host_port(&args.target) {
        Ok(hp) => hp,
        Err(e) => {
            eprintln!("{} {e} (and no such file)", style.bad("error:"));
            return exit::USAGE;
        }
    };
    let validator = match args.trust.trust_source().map_err(|e| e.to_string()) {
        Ok(source) => source.validator().map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    let validator = match validator {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{} {e}", style.bad("error:"));
            return exit::USAGE;
        }
    };
    let timeout = Duration::from_secs_f64(args.connect_timeout.max(0.001));
    let chain = match probe_server(&host, port, args.trust.resolved(&host, port), validator, timeout).await {
        Ok(chain) => chain,
        Err(e) => {
            eprintln!("{} {e}", style.bad("error:"));
            return exit::code_for(&e);
        }
    };
    let mut rows: Vec<Row> = chain
        .presented
        .iter()
        .enumerate()
        .map(|(i, info)| Row {
            role: if i == 0 {
                "served leaf".into()
            } else {
                format!("served #{i}")
            },
            pin: info.pin,
            info: Some(info.clone()),
        })
        .collect();
    let validation = match (&chain.validated, chain.validated_info()) {
        (Ok(_), Some(path)) => {
            if let Some(anchor) = path.last().filter(|a| !chain.presented.iter().any(|p| p.der == a.der)) {
                rows.push(Row {
                    role: "anchor (not served)".into(),
                    pin: anchor.pin,
                    info: Some(anchor.clone()),
                });
            }
            json!({ "validated": true, "validated_path": path.iter().map(|c| c.pin.to_string()).collect::<Vec<_>>() })
        }
        (Err(reason), _) => json!({ "validated": false, "reason": reason.to_string() }),
        _ => json!({ "validated": false, "reason": "unreadable path" }),
    };
    let mut extra = json!({ "host": host, "port": port });
    if let (Some(map), serde_json::Value::Object(more)) = (extra.as_object_mut(), validation) {
        map.extend(more);
    }
    if !args.json {
        println!("{}", Style::stdout().bold(&format!("{host}:{port}")));
    }
    print_rows(&rows, args.json, extra);
    if !args.json {
        match &chain.validated {
            Ok(path) => {
                println!(
                    "{}",
                    Style::stdout().good(&format!(
                        "validated path: {} certificates, anchor included",
                        path.certs().len()
                    ))
                )
            }
            Err(reason) => println!("{}", Style::stdout().warn(&format!("not trusted: {reason}"))),
        }
    }
    exit::SUCCESS
}
