//! Options shared by the commands that connect: trust anchors and name resolution.

use clap::Args;
use pinwire::TrustSource;
use rustls_pki_types::CertificateDer;
use std::net::{IpAddr, SocketAddr};

/// Where trust comes from.
#[derive(Args, Debug, Clone, Default)]
pub struct TrustArgs {
    /// Trust the CA certificates in FILE (PEM or DER) in addition to the system's; repeatable.
    #[arg(long = "cacert", value_name = "FILE")]
    pub cacert: Vec<std::path::PathBuf>,
    /// Trust only the --cacert certificates, not the system's roots.
    #[arg(long = "no-system-roots", requires = "cacert")]
    pub no_system_roots: bool,
    /// Resolve HOST:PORT to ADDR instead of asking DNS, as curl's --resolve; repeatable.
    #[arg(long = "resolve", value_name = "HOST:PORT:ADDR", value_parser = parse_resolve)]
    pub resolve: Vec<Resolve>,
}

/// One `--resolve` entry.
#[derive(Debug, Clone)]
pub struct Resolve {
    /// The host name.
    pub host: String,
    /// The port it applies to.
    pub port: u16,
    /// The address to use.
    pub addr: IpAddr,
}

fn parse_resolve(text: &str) -> Result<Resolve, String> {
    let (host, rest) = text.split_once(':').ok_or("expected HOST:PORT:ADDR")?;
    let (port, addr) = rest.split_once(':').ok_or("expected HOST:PORT:ADDR")?;
    let port = port.parse().map_err(|_| format!("{port:?} is not a port"))?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let addr = addr.parse().map_err(|_| format!("{addr:?} is not an IP address"))?;
    Ok(Resolve {
        host: host.to_string(),
        port,
        addr,
    })
}

impl TrustArgs {
    /// The certificates of every --cacert file.
    pub fn extra_roots(&self) -> Result<Vec<CertificateDer<'static>>, String> {
        let mut roots = Vec::new();
        for path in &self.cacert {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let certs = pinwire::inspect::certificates_from_pem_or_der(&bytes)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            roots.extend(certs);
        }
        Ok(roots)
    }

    /// The trust source these options describe.
    pub fn trust_source(&self) -> Result<TrustSource, String> {
        TrustSource::from_roots(self.extra_roots()?, !self.no_system_roots).map_err(|e| e.to_string())
    }

    /// The address to connect to for `host:port`, if --resolve names one.
    pub fn resolved(&self, host: &str, port: u16) -> Option<SocketAddr> {
        self.resolve
            .iter()
            .find(|r| r.host.eq_ignore_ascii_case(host) && r.port == port)
            .map(|r| SocketAddr::new(r.addr, port))
    }

    /// Applies every --resolve to a client builder.
    pub fn apply(&self, mut builder: pinwire::ClientBuilder) -> pinwire::ClientBuilder {
        for r in &self.resolve {
            builder = builder.resolve(&r.host, SocketAddr::new(r.addr, r.port));
        }
        builder
    }
}
