//! What `setup` wrote, as the Rust clients and the orchestrator read it back from `DIR/bench.json`.

use rustls_pki_types::CertificateDer;
use serde_json::Value;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

pub use crate::setup::HOST;

/// The bench directory's description.
#[derive(Debug)]
pub struct Env {
    pub dir: PathBuf,
    pub info: Value,
    pub root: CertificateDer<'static>,
    pub leaf_pin: String,
    pub backup_pin: String,
}

impl Env {
    pub fn load(dir: &Path) -> Result<Env, String> {
        let text = std::fs::read_to_string(dir.join("bench.json"))
            .map_err(|e| format!("{}/bench.json: {e}", dir.display()))?;
        let info: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let root = std::fs::read(dir.join("root.der")).map_err(|e| e.to_string())?;
        let pin = |name: &str| info["pins"][name].as_str().unwrap_or_default().to_string();
        Ok(Env {
            dir: dir.to_path_buf(),
            root: CertificateDer::from(root),
            leaf_pin: pin("leaf"),
            backup_pin: pin("backup"),
            info,
        })
    }

    /// The port of the `h2`, `h1` or `conn` listener.
    pub fn port(&self, name: &str) -> Result<u16, String> {
        self.info["ports"][name]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| format!("no port {name:?} (h2, h1, conn)"))
    }

    pub fn url(&self, port: u16, path: &str) -> String {
        format!("https://{HOST}:{port}{path}")
    }

    /// 127.0.0.1 with `port` (0: the URL's port).
    pub fn localhost(&self, port: u16) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, port))
    }
}
