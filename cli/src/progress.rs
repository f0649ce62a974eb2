//! The progress line `pinwire fetch -o FILE` shows on a terminal while it downloads.

use std::io::Write;
use std::time::{Duration, Instant};

/// How often the line is redrawn at most.
const REDRAW: Duration = Duration::from_millis(100);

/// A download's progress, drawn on stderr with `\r` (so it stays on one line).
pub struct Progress {
    total: Option<u64>,
    done: u64,
    last_drawn: Option<Instant>,
}

impl Progress {
    /// A download of `total` bytes, when the response says.
    pub fn new(total: Option<u64>) -> Progress {
        Progress {
            total,
            done: 0,
            last_drawn: None,
        }
    }

    /// `bytes` more arrived; redraws the line if it was not drawn in the last [`REDRAW`].
    pub fn advance(&mut self, bytes: usize) {
        self.done += bytes as u64;
        let now = Instant::now();
        if self.last_drawn.is_none_or(|at| now.duration_since(at) >= REDRAW) {
            self.last_drawn = Some(now);
            self.draw("");
        }
    }

    /// The download ended: the final line, and a newline after it.
    pub fn finish(&mut self) {
        self.draw("\n");
    }

    fn draw(&self, end: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r{}\x1b[K{end}", line(self.done, self.total));
        let _ = stderr.flush();
    }
}

/// `1.5 MiB of 3.0 MiB (50%)`, or `1.5 MiB` when the size is unknown.
fn line(done: u64, total: Option<u64>) -> String {
    match total {
        Some(total) if total > 0 => format!(
            "{} of {} ({}%)",
            size(done),
            size(total),
            (done.min(total) * 100) / total
        ),
        _ => size(done),
    }
}

fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let value = bytes as f64;
    if value < KIB {
        format!("{bytes} B")
    } else if value < KIB * KIB {
        format!("{:.1} KiB", value / KIB)
    } else if value < KIB * KIB * KIB {
        format!("{:.1} MiB", value / (KIB * KIB))
    } else {
        format!("{:.1} GiB", value / (KIB * KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn the_line_shows_bytes_and_the_share_done() {
        assert_eq!(line(512, None), "512 B");
        assert_eq!(line(1536, Some(3072)), "1.5 KiB of 3.0 KiB (50%)");
        assert_eq!(line(3 << 20, Some(3 << 20)), "3.0 MiB of 3.0 MiB (100%)");
        assert_eq!(line(10, Some(0)), "10 B");
    }
}
