//! A progress bar on standard error, drawn only on a terminal, at most
//! five times a second.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::format::group;

pub(crate) struct Progress {
    enabled: bool,
    /// The bytes to read; `None` when unknown (standard input): then only
    /// lines and the rate are shown.
    total_bytes: Option<u64>,
    started: Instant,
    drawn: Instant,
}

impl Progress {
    pub(crate) fn new(wanted: bool, total_bytes: Option<u64>) -> Self {
        let now = Instant::now();
        Progress {
            enabled: wanted && std::io::stderr().is_terminal(),
            total_bytes: total_bytes.map(|t| t.max(1)),
            started: now,
            drawn: now,
        }
    }

    /// Redraws, if it is time: `done_bytes` of the files' bytes are read.
    pub(crate) fn tick(&mut self, lines: u64, done_bytes: u64, file: &str) {
        if !self.enabled || self.drawn.elapsed() < Duration::from_millis(200) {
            return;
        }
        self.drawn = Instant::now();
        let rate = lines as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        let bar = match self.total_bytes {
            Some(total) => {
                let fraction = (done_bytes as f64 / total as f64).min(1.0);
                let filled = (fraction * 30.0) as usize;
                format!(
                    "[{}{}] {:>3.0}% ",
                    "#".repeat(filled),
                    ".".repeat(30 - filled),
                    fraction * 100.0
                )
            }
            None => String::new(),
        };
        let _ = write!(
            std::io::stderr(),
            "\r{bar}{} lines, {} lines/s  {file}\x1b[K",
            group(lines),
            group(rate as u64),
        );
    }

    /// Clears the bar.
    pub(crate) fn finish(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}
