//! What the soak measures about its own process: open file descriptors, threads and resident memory,
//! read from `/proc/self` (Linux; the soak runs in CI on Linux).

/// Open file descriptors.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|dir| dir.count()).unwrap_or(0)
}

/// Threads of the process.
pub fn threads() -> usize {
    status_field("Threads:").unwrap_or(0) as usize
}

/// Resident set size, bytes.
pub fn rss_bytes() -> u64 {
    status_field("VmRSS:").unwrap_or(0) * 1024
}

fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// A snapshot of the three.
#[derive(Clone, Copy, Debug)]
pub struct Resources {
    pub fds: usize,
    pub threads: usize,
    pub rss: u64,
}

impl Resources {
    pub fn now() -> Resources {
        Resources {
            fds: open_fds(),
            threads: threads(),
            rss: rss_bytes(),
        }
    }
}
