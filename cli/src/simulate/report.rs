//! What the simulator found: per behavior and overall, requests, hit
//! ratio, origin requests saved, and the same with the raw URL as key.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::assume::Rule;
use super::model::Capacity;
use crate::chart::{self, Series, Timeline};
use crate::format::{group, percent, ratio};

/// Counters for one behavior (or all of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Requests replayed: every log line read as a request.
    pub requests: u64,
    /// Served fresh from the cache.
    pub hits: u64,
    /// Served stale within stale-while-revalidate (and refreshed).
    pub stale_hits: u64,
    /// Not in the cache (or too stale); stored after.
    pub misses: u64,
    /// Not in the cache; the origin's answer was not storable.
    pub uncacheable: u64,
    /// Sent to the origin without a lookup (method, caching disabled, ...).
    pub passes: u64,
    /// Answered by the edge itself (403, 400, 414).
    pub rejected: u64,
    /// Requests that reached the origin, refreshes included.
    pub origin_requests: u64,
    /// The same replay with the raw URL (host, path and query as received) as key.
    pub raw_hits: u64,
    /// Requests that reached the origin in the raw-URL replay.
    pub raw_origin_requests: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.requests += other.requests;
        self.hits += other.hits;
        self.stale_hits += other.stale_hits;
        self.misses += other.misses;
        self.uncacheable += other.uncacheable;
        self.passes += other.passes;
        self.rejected += other.rejected;
        self.origin_requests += other.origin_requests;
        self.raw_hits += other.raw_hits;
        self.raw_origin_requests += other.raw_origin_requests;
    }

    /// Served from the cache, of all requests.
    pub fn hit_ratio(&self) -> f64 {
        ratio(self.hits + self.stale_hits, self.requests)
    }

    /// Served from the cache in the raw-URL replay, of all requests.
    pub fn raw_hit_ratio(&self) -> f64 {
        ratio(self.raw_hits, self.requests)
    }

    /// Requests the origin did not see, of all requests.
    pub fn saved(&self) -> u64 {
        self.requests - self.origin_requests.min(self.requests)
    }

    /// Requests the origin did not see in the raw-URL replay.
    pub fn raw_saved(&self) -> u64 {
        self.requests - self.raw_origin_requests.min(self.requests)
    }
}

/// One malformed line, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct Malformed {
    /// The file, as named on the command line.
    pub file: String,
    /// The line number in that file, from 1.
    pub line: u64,
    /// Why the line was not read as a request.
    pub reason: &'static str,
}

/// One behavior's row.
#[derive(Debug, Clone, Serialize)]
pub struct BehaviorReport {
    /// The behavior's path pattern, `*` for the default, `all` for the total.
    pub pattern: String,
    /// What became of the behavior's requests.
    pub counts: Counts,
    /// Served from the cache (fresh or stale), of all requests, 0 to 1.
    pub hit_ratio: f64,
    /// The same with the raw URL as key, 0 to 1: what the configured key
    /// gains over it.
    pub raw_url_hit_ratio: f64,
    /// Why requests passed or answers were not stored, with counts.
    pub reasons: BTreeMap<&'static str, u64>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The log files replayed, in order, as named on the command line.
    pub files: Vec<String>,
    /// Lines read, every file together.
    pub lines: u64,
    /// Lines read as requests: not blank, not a directive, not malformed.
    pub records: u64,
    /// Lines that could not be read as requests.
    pub malformed_lines: u64,
    /// The first few malformed lines.
    pub malformed_examples: Vec<Malformed>,
    /// Wall-clock seconds the replay took.
    pub seconds: f64,
    /// Lines read per second of wall-clock time.
    pub lines_per_second: f64,
    /// The cache model's bound; `None`: unbounded.
    pub capacity: Option<Capacity>,
    /// The `--assume` rules, in behavior order.
    pub assumptions: Vec<Rule>,
    /// One row per behavior, in matching order, the default last.
    pub behaviors: Vec<BehaviorReport>,
    /// Every behavior together.
    pub total: BehaviorReport,
    /// Objects in the configured-key model at the end, and evictions.
    pub objects: usize,
    /// Entries the configured-key model evicted to stay within capacity.
    pub evictions: u64,
    /// Objects in the raw-URL model at the end.
    pub raw_url_objects: usize,
    /// Entries the raw-URL model evicted to stay within capacity.
    pub raw_url_evictions: u64,
    /// Requests and cache-served requests per minute per behavior, for the
    /// `--svg` chart (not in the JSON).
    #[serde(skip)]
    pub timeline: Timeline,
}

impl BehaviorReport {
    pub(crate) fn new(
        pattern: String,
        counts: Counts,
        reasons: BTreeMap<&'static str, u64>,
    ) -> Self {
        BehaviorReport {
            pattern,
            hit_ratio: counts.hit_ratio(),
            raw_url_hit_ratio: counts.raw_hit_ratio(),
            counts,
            reasons,
        }
    }

    /// The sum of several behaviors.
    pub(crate) fn total(rows: &[BehaviorReport]) -> Self {
        let mut counts = Counts::default();
        let mut reasons = BTreeMap::new();
        for row in rows {
            counts.add(&row.counts);
            for (reason, n) in &row.reasons {
                *reasons.entry(*reason).or_default() += n;
            }
        }
        BehaviorReport::new("all".to_string(), counts, reasons)
    }
}

impl Report {
    /// The report as a table.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} lines from {} file{} in {:.1} s ({} lines/s); {} malformed",
            group(self.lines),
            self.files.len(),
            if self.files.len() == 1 { "" } else { "s" },
            self.seconds,
            group(self.lines_per_second as u64),
            group(self.malformed_lines)
        );
        let model = match self.capacity {
            None => "unbounded".to_string(),
            Some(Capacity::Objects(n)) => format!("LRU, {} objects", group(n)),
            Some(Capacity::Bytes(n)) => format!("LRU, {} bytes", group(n)),
        };
        let _ = writeln!(
            out,
            "cache model: {model}; {} objects at the end, {} evicted",
            group(self.objects as u64),
            group(self.evictions)
        );
        if self.assumptions.is_empty() {
            let _ = writeln!(
                out,
                "origin answers: no Cache-Control anywhere (each policy's default TTL); use --assume to say otherwise"
            );
        } else {
            let rules: Vec<String> = self
                .assumptions
                .iter()
                .map(|r| format!("{} {:?} {}%", r.pattern, r.cache_control, r.share_percent))
                .collect();
            let _ = writeln!(
                out,
                "origin answers: {}; otherwise no Cache-Control",
                rules.join(", ")
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<18} {:>12} {:>9} {:>14} {:>14} | {:>9} {:>14} | {:>8}",
            "behavior",
            "requests",
            "hit ratio",
            "origin reqs",
            "saved",
            "raw-URL",
            "origin reqs",
            "key gain"
        );
        for row in self.behaviors.iter().chain([&self.total]) {
            let c = &row.counts;
            let _ = writeln!(
                out,
                "{:<18} {:>12} {:>9} {:>14} {:>14} | {:>9} {:>14} | {:>8}",
                row.pattern,
                group(c.requests),
                percent(row.hit_ratio),
                group(c.origin_requests),
                group(c.saved()),
                percent(row.raw_url_hit_ratio),
                group(c.raw_origin_requests),
                format!("{:+.1} pt", (row.hit_ratio - row.raw_url_hit_ratio) * 100.0),
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "hit ratio: served from the cache (fresh, or stale while revalidating) of all requests;"
        );
        let _ = writeln!(
            out,
            "raw-URL: the same replay keyed on host, path and query exactly as received."
        );
        for row in &self.behaviors {
            if !row.reasons.is_empty() {
                let reasons: Vec<String> = row
                    .reasons
                    .iter()
                    .map(|(r, n)| format!("{r} {}", group(*n)))
                    .collect();
                let _ = writeln!(
                    out,
                    "not from cache, {}: {}",
                    row.pattern,
                    reasons.join(", ")
                );
            }
        }
        for example in &self.malformed_examples {
            let _ = writeln!(
                out,
                "malformed: {}:{}: {}",
                example.file, example.line, example.reason
            );
        }
        out
    }
}

impl Report {
    /// The `--svg` chart: the hit ratio over time per behavior.
    pub fn svg(&self) -> String {
        let series: Vec<Series<'_>> = self
            .behaviors
            .iter()
            .zip(&self.timeline.minutes)
            .map(|(row, minutes)| Series {
                label: &row.pattern,
                requests: row.counts.requests,
                hit_ratio: row.hit_ratio,
                minutes,
            })
            .collect();
        chart::hit_ratio_svg(
            "behavior",
            self.timeline.start,
            self.timeline.width,
            &series,
        )
    }
}
