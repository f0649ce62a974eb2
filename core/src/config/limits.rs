//! The size cap every importer applies before parsing.
//!
//! Real configuration files are a few kilobytes; the cap bounds the work any file can cause (together
//! with refusing DTDs, which is what lets a small XML file expand into gigabytes).

use super::{ConfigError, ConfigErrorKind};
use std::io::Read as _;
use std::path::Path;

/// The largest configuration file any importer reads: 1 MiB.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

fn too_large(file: &str, size: u64) -> ConfigError {
    ConfigError {
        file: file.to_string(),
        line: 1,
        column: 1,
        kind: ConfigErrorKind::TooLarge {
            size,
            limit: MAX_FILE_BYTES,
        },
    }
}

/// Refuses text over [`MAX_FILE_BYTES`].
pub(crate) fn check_size(text: &str, file: &str) -> Result<(), ConfigError> {
    let size = u64::try_from(text.len()).unwrap_or(u64::MAX);
    if size > MAX_FILE_BYTES {
        return Err(too_large(file, size));
    }
    Ok(())
}

/// Reads a configuration file as UTF-8 text, refusing one over [`MAX_FILE_BYTES`] without reading
/// more than one byte past the cap.
pub fn read_file(path: &Path) -> Result<String, ConfigError> {
    let file = path.display().to_string();
    let io = |e: std::io::Error| ConfigError {
        file: file.clone(),
        line: 1,
        column: 1,
        kind: ConfigErrorKind::Io { reason: e.to_string() },
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let size = std::fs::metadata(path).map_or(MAX_FILE_BYTES + 1, |m| m.len());
        return Err(too_large(&file, size));
    }
    String::from_utf8(bytes).map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}
