//! The function's logger: every line goes to the log endpoint
//! `edgecache_log` (`[setup.log_endpoints]` in `fastly.toml`) and, in
//! production, to standard output too, which `fastly log-tail` shows
//! (`fastly log-tail | edgecache stats -`). Viceroy prints endpoint lines
//! itself and says it is local with `FASTLY_HOSTNAME=localhost`: there the
//! echo would print every line twice.
//!
//! A plain writer on `fastly::log::Endpoint` behind the `log` facade,
//! rather than `log-fastly`, whose per-module filters pull a regular
//! expression engine into the binary.

use std::io::Write as _;

use fastly::log::Endpoint;
use log::{LevelFilter, Log, Metadata, Record};

/// The log endpoint the JSON lines go to.
const ENDPOINT: &str = "edgecache_log";

struct Logger {
    echo: bool,
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &Record<'_>) {
        let line = record.args().to_string();
        if let Ok(mut endpoint) = Endpoint::try_from_name(ENDPOINT) {
            // An endpoint write cannot be retried usefully: drop the line.
            let _ = endpoint.write_all(line.as_bytes());
        }
        if self.echo {
            println!("{line}");
        }
    }

    fn flush(&self) {}
}

/// Installs the logger, once, when the instance starts.
pub(crate) fn init() {
    let echo = !crate::config::local();
    let logger: &'static Logger = Box::leak(Box::new(Logger { echo }));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(LevelFilter::Info);
    }
}
