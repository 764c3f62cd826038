//! `edgecache stats`: what the edge did, from its own JSON log lines (one
//! per request, see `edgecache_core::LogLine`), read from files or
//! standard input as the platforms' tails print them: per behavior (or
//! host, or POP) and overall, the outcomes, hit ratio, origin requests,
//! bytes, why requests were not cached, and status classes; event lines
//! (`config-rejected`) apart; what holds no log line, counted as skipped.
//!
//! Inputs are streamed a line at a time, plain or gzip: memory grows with
//! the number of groups and the time span, not with the log.

mod cache_status;
mod entry;
mod extract;
mod live;
mod report;
mod tally;
mod text;

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;

pub use report::{Counts, EventExample, GroupReport, Report, Skipped};

use crate::Error;
use crate::input::{self, LineRead, next_line};
use extract::{Extractor, Found};
use tally::Tally;

/// What the report's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// The behavior's path pattern (`-`: answered before one was chosen).
    Behavior,
    /// The request's Host.
    Host,
    /// The point of presence that answered.
    Pop,
}

impl GroupBy {
    /// The word for one row: `behavior`, `host`, `POP`.
    pub fn noun(self) -> &'static str {
        match self {
            GroupBy::Behavior => "behavior",
            GroupBy::Host => "host",
            GroupBy::Pop => "POP",
        }
    }
}

/// The command's settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// What the rows are.
    pub by: GroupBy,
    /// Redraw the report on standard output every second while reading
    /// (see [`live_wanted`]).
    pub live: bool,
}

/// Whether to redraw the report while reading: text output, standard
/// input among the inputs and not a terminal (a tail piped in), and
/// standard output a terminal.
pub fn live_wanted(inputs: &[PathBuf], json: bool) -> bool {
    !json
        && inputs.iter().any(|p| input::is_stdin(p))
        && !std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
}

/// Reads `inputs` in order (`-`: standard input) and reports.
pub fn run(inputs: &[PathBuf], options: &Options) -> Result<Report, Error> {
    let names: Vec<String> = inputs.iter().map(|p| input::name(p)).collect();
    let tally = Mutex::new(Tally::new(options.by));
    if options.live {
        live::run(&names, &tally, || read_all(inputs, &tally))?;
    } else {
        read_all(inputs, &tally)?;
    }
    Ok(lock(&tally).report(&names))
}

/// The tally, even if a reader panicked while holding it.
fn lock(tally: &Mutex<Tally>) -> MutexGuard<'_, Tally> {
    tally.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read_all(inputs: &[PathBuf], tally: &Mutex<Tally>) -> Result<(), Error> {
    inputs.iter().try_for_each(|path| read_one(path, tally))
}

/// Reads one input, counting each line as it comes.
fn read_one(path: &Path, tally: &Mutex<Tally>) -> Result<(), Error> {
    let name = input::name(path);
    let mut input = input::open(path)?;
    let mut extractor = Extractor::default();
    let mut buf = Vec::with_capacity(1024);
    let mut found = Vec::new();
    let mut number = 0u64;
    loop {
        let read = next_line(input.reader.as_mut(), &mut buf).map_err(|e| {
            let what = if input.gzip {
                "the gzip stream is cut short or corrupt"
            } else {
                "cannot be read"
            };
            Error::new(format!("{name}: {what} after line {number}: {e}"))
        })?;
        if read == LineRead::End {
            break;
        }
        number += 1;
        if read == LineRead::TooLong {
            found.push(Found::Skipped {
                line: number,
                lines: 1,
                reason: "longer than 64 KiB",
            });
        } else {
            extractor.line(number, &String::from_utf8_lossy(&buf), &mut found);
        }
        let mut tally = lock(tally);
        tally.lines += 1;
        found.drain(..).for_each(|f| tally.add(&name, f));
    }
    extractor.finish(&mut found);
    let mut tally = lock(tally);
    found.drain(..).for_each(|f| tally.add(&name, f));
    Ok(())
}
