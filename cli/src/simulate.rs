//! `edgecache simulate`: replay access logs through the configuration's
//! matching and keys and a cache model, and predict the hit ratio.
//!
//! Each line goes through core's [`edgecache_core::decide_request`]
//! exactly as at the edge; on a miss, the origin's answer (the log's
//! status, and the `Cache-Control` the `--assume` rules give) goes
//! through [`edgecache_core::decide_response`]. Files are read as streams,
//! a line at a time: memory grows with the number of distinct keys, not
//! with the log.

mod assume;
mod logs;
mod model;
mod progress;
mod replay;
mod report;

use std::path::PathBuf;
use std::time::Instant;

use edgecache_core::Config;

pub use assume::{Assumptions, Rule};
pub use logs::Format;
pub use model::Capacity;
pub use report::{BehaviorReport, Counts, Malformed, Report};

use crate::Error;
use crate::input::{self, LineRead, next_line};
use logs::{LineParser, Parsed};
use progress::Progress;
use replay::Replay;

/// How many malformed lines the report shows.
const MALFORMED_EXAMPLES: usize = 5;

/// The simulation's settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// The cache's bound, evicting the least recently used beyond it;
    /// `None`: unbounded.
    pub capacity: Option<Capacity>,
    /// What the origin answers, per behavior (`--assume`).
    pub assume: Assumptions,
    /// The log format, or [`Format::Auto`] to recognize it from each
    /// file's first line.
    pub format: Format,
    /// The Host of requests whose log line has none.
    pub host: String,
    /// Draw a progress bar (only on a terminal).
    pub progress: bool,
}

/// Replays `files` in order (`-` for standard input).
pub fn run(config: &Config, files: &[PathBuf], options: &Options) -> Result<Report, Error> {
    let started = Instant::now();
    let sizes = files
        .iter()
        .map(|f| file_size(f))
        .collect::<Result<Vec<Option<u64>>, Error>>()?;
    let total = sizes.iter().copied().sum::<Option<u64>>();
    let mut progress = Progress::new(options.progress, total);
    let mut replay = Replay::new(config, &options.assume, options.capacity, &options.host);
    let mut tally = Tally::default();
    let mut done_bytes = 0;
    for (file, size) in files.iter().zip(&sizes) {
        let read = read_file(
            file,
            options.format,
            &mut replay,
            &mut tally,
            &mut |lines, consumed| {
                progress.tick(lines, done_bytes + consumed, &input::name(file));
            },
        );
        done_bytes += size.unwrap_or(0);
        if let Err(error) = read {
            progress.finish();
            return Err(error);
        }
    }
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    Ok(report(config, files, options, replay, tally, seconds))
}

/// The size of a log file for the progress bar; `None` for standard input.
fn file_size(file: &std::path::Path) -> Result<Option<u64>, Error> {
    if input::is_stdin(file) {
        return Ok(None);
    }
    std::fs::metadata(file)
        .map(|m| Some(m.len()))
        .map_err(|e| input::read_error(file, &e))
}

/// Line counts across files.
#[derive(Debug, Default)]
struct Tally {
    lines: u64,
    records: u64,
    malformed: u64,
    examples: Vec<Malformed>,
}

impl Tally {
    fn malformed(&mut self, file: &std::path::Path, line: u64, reason: &'static str) {
        self.malformed += 1;
        if self.examples.len() < MALFORMED_EXAMPLES {
            self.examples.push(Malformed {
                file: input::name(file),
                line,
                reason,
            });
        }
    }
}

fn read_file(
    file: &std::path::Path,
    format: Format,
    replay: &mut Replay<'_>,
    tally: &mut Tally,
    tick: &mut dyn FnMut(u64, u64),
) -> Result<(), Error> {
    let mut input = input::open(file)?;
    let mut parser = LineParser::new(format);
    let mut buf = Vec::with_capacity(1024);
    let mut line_number = 0u64;
    loop {
        let read = next_line(input.reader.as_mut(), &mut buf).map_err(|e| {
            let what = if input.gzip {
                "the gzip stream is cut short or corrupt (a truncated download?)"
            } else {
                "cannot be read"
            };
            Error::new(format!(
                "{}: {what} after line {line_number}: {e}",
                input::name(file)
            ))
        })?;
        if read == LineRead::End {
            return Ok(());
        }
        line_number += 1;
        tally.lines += 1;
        if read == LineRead::TooLong {
            tally.malformed(file, line_number, "longer than 64 KiB");
            continue;
        }
        let line = match std::str::from_utf8(&buf) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&buf),
        };
        match parser.parse(&line) {
            Parsed::Record(record) => {
                tally.records += 1;
                replay.record(&record);
            }
            Parsed::Skip => {}
            Parsed::Malformed(reason) => tally.malformed(file, line_number, reason),
        }
        if line_number.is_multiple_of(65_536) {
            tick(tally.lines, input.consumed.get());
        }
    }
}

fn report(
    config: &Config,
    files: &[PathBuf],
    options: &Options,
    replay: Replay<'_>,
    tally: Tally,
    seconds: f64,
) -> Report {
    let (objects, evictions, raw_url_objects, raw_url_evictions) = replay.cache_figures();
    let labels = config
        .behaviors()
        .iter()
        .map(|b| b.label().to_string())
        .chain(["*".to_string()]);
    let behaviors: Vec<BehaviorReport> = labels
        .zip(replay.counts.iter().zip(&replay.reasons))
        .map(|(label, (counts, reasons))| BehaviorReport::new(label, *counts, reasons.clone()))
        .collect();
    Report {
        files: files.iter().map(|f| input::name(f)).collect(),
        lines: tally.lines,
        records: tally.records,
        malformed_lines: tally.malformed,
        malformed_examples: tally.examples,
        seconds,
        lines_per_second: tally.lines as f64 / seconds.max(1e-9),
        capacity: options.capacity,
        assumptions: options.assume.rules().cloned().collect(),
        total: BehaviorReport::total(&behaviors),
        behaviors,
        objects,
        evictions,
        raw_url_objects,
        raw_url_evictions,
        timeline: replay.timeline,
    }
}
