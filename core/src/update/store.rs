//! The last accepted update document on disk, in a directory the app gives (Android `filesDir`, iOS
//! Application Support). Written atomically: a temporary file in the same directory, flushed to the
//! disk, renamed over the old one, so a crash leaves the old document or the new one, never half of one.
//! What is read back is verified again like any other document: the file is not trusted.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The stored document's file name.
pub(crate) const STORE_FILE: &str = "pinwire-pin-update.jws";

#[derive(Debug, Clone)]
pub(crate) struct Store {
    dir: PathBuf,
}

impl Store {
    pub(crate) fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    /// The stored bytes, if any; at most `max + 1` bytes are read, so an oversized file is refused by
    /// the size rule without being read whole.
    pub(crate) fn load(&self, max: usize) -> io::Result<Option<Vec<u8>>> {
        let file = match File::open(self.path()) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut bytes = Vec::new();
        file.take(max as u64 + 1).read_to_end(&mut bytes)?;
        Ok(Some(bytes))
    }

    /// Replaces the stored document with `bytes`: write, fsync, rename, fsync the directory.
    pub(crate) fn save(&self, bytes: &[u8]) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let temporary = self.dir.join(format!(".{STORE_FILE}.{}.tmp", std::process::id()));
        let written = write_synced(&temporary, bytes).and_then(|()| fs::rename(&temporary, self.path()));
        if written.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        written?;
        sync_dir(&self.dir);
        Ok(())
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes the rename itself durable where directories can be opened and synced (Unix); elsewhere the
/// rename is as durable as the platform makes it.
fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}
