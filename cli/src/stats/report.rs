//! What `stats` found: per group and overall, the outcomes, hit ratio,
//! origin requests, bytes, reasons and status classes; the events; the
//! lines skipped.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::GroupBy;
use crate::chart::{self, Series, Timeline};
use crate::format::ratio;

/// How many groups the chart draws, the busiest.
const CHART_LINES: usize = 8;

/// Counters for one group (or all of them). The outcomes, from `hits` to
/// `unknown`, add up to `requests`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Request lines read.
    pub requests: u64,
    /// Served fresh from the cache.
    pub hits: u64,
    /// Served stale: while revalidating, or because the origin failed.
    pub stale: u64,
    /// Revalidated with the origin (a 304) and served from the cache.
    pub revalidated: u64,
    /// Fetched from the origin and stored.
    pub misses: u64,
    /// Fetched from the origin and not stored.
    pub not_stored: u64,
    /// Sent to the origin without a lookup (method, caching disabled, ...).
    pub passes: u64,
    /// Answered by the edge itself: rejected, or the origin failed with no
    /// stale copy to stand in.
    pub errors: u64,
    /// Neither `cache_status` nor `x_cache` said anything known.
    pub unknown: u64,
    /// Lines with an `origin_ms`: requests that reached the origin.
    pub origin_requests: u64,
    /// Body bytes sent to viewers.
    pub bytes: u64,
    /// Fills whose body was cut short (`body_cut`).
    pub body_cuts: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.requests += other.requests;
        self.hits += other.hits;
        self.stale += other.stale;
        self.revalidated += other.revalidated;
        self.misses += other.misses;
        self.not_stored += other.not_stored;
        self.passes += other.passes;
        self.errors += other.errors;
        self.unknown += other.unknown;
        self.origin_requests += other.origin_requests;
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.body_cuts += other.body_cuts;
    }

    /// Served from the cache (fresh, stale or revalidated), of all requests.
    pub fn hit_ratio(&self) -> f64 {
        ratio(self.hits + self.stale + self.revalidated, self.requests)
    }
}

/// One group's row: a behavior's path pattern (`-`: answered before one
/// was chosen), a host or a POP; `all` for the total.
#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// The group's name.
    pub name: String,
    /// What became of its requests.
    pub counts: Counts,
    /// Served from the cache, of all requests, 0 to 1.
    pub hit_ratio: f64,
    /// Why requests were not served from the cache or answers not stored:
    /// `Cache-Status`'s `detail` (else its `fwd`), with counts.
    pub reasons: BTreeMap<String, u64>,
    /// Where stored answers' TTLs came from (`max-age`, `default-ttl`, ...).
    pub stored_by: BTreeMap<String, u64>,
    /// Requests per status class (`2xx` ... `5xx`, `other`).
    pub statuses: BTreeMap<&'static str, u64>,
    /// The group's series in the timeline.
    #[serde(skip)]
    series: usize,
}

impl GroupReport {
    pub(crate) fn new(
        name: String,
        counts: Counts,
        reasons: BTreeMap<String, u64>,
        stored_by: BTreeMap<String, u64>,
        statuses: BTreeMap<&'static str, u64>,
        series: usize,
    ) -> Self {
        GroupReport {
            name,
            hit_ratio: counts.hit_ratio(),
            counts,
            reasons,
            stored_by,
            statuses,
            series,
        }
    }

    /// The sum of several groups.
    pub(crate) fn total(rows: &[GroupReport]) -> Self {
        let mut counts = Counts::default();
        let (mut reasons, mut stored_by, mut statuses) =
            (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        for row in rows {
            counts.add(&row.counts);
            merge(&mut reasons, &row.reasons);
            merge(&mut stored_by, &row.stored_by);
            merge(&mut statuses, &row.statuses);
        }
        GroupReport::new(
            "all".into(),
            counts,
            reasons,
            stored_by,
            statuses,
            usize::MAX,
        )
    }
}

fn merge<K: Ord + Clone>(into: &mut BTreeMap<K, u64>, from: &BTreeMap<K, u64>) {
    for (key, n) in from {
        *into.entry(key.clone()).or_default() += n;
    }
}

/// An event line, as logged: it signals a problem for the operator.
#[derive(Debug, Clone, Serialize)]
pub struct EventExample {
    /// The input, as named on the command line (`standard input` for `-`).
    pub input: String,
    /// Its line number, from 1.
    pub line: u64,
    /// The event's JSON object.
    pub event: Value,
}

/// Lines that hold no edgecache log line.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// The input, as named on the command line.
    pub input: String,
    /// The first line's number, from 1.
    pub line: u64,
    /// How many lines (a multi-line JSON text counts each of its lines).
    pub lines: u64,
    /// Why they were skipped.
    pub reason: &'static str,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The inputs read, in order (`standard input` for `-`).
    pub inputs: Vec<String>,
    /// What the rows group by.
    pub by: GroupBy,
    /// Lines read, every input together.
    pub lines: u64,
    /// Request lines found.
    pub requests: u64,
    /// The earliest request's time (RFC 3339), when lines have times.
    pub first: Option<String>,
    /// The latest request's time (RFC 3339).
    pub last: Option<String>,
    /// One row per group, the busiest first.
    pub groups: Vec<GroupReport>,
    /// Every group together.
    pub total: GroupReport,
    /// Event lines found: a problem for the operator (`config-rejected`).
    pub events: u64,
    /// Event lines per `event` name.
    pub event_counts: BTreeMap<String, u64>,
    /// The first event lines, whole.
    pub event_examples: Vec<EventExample>,
    /// Lines that hold no edgecache log line.
    pub skipped_lines: u64,
    /// The first of them, with the reason.
    pub skipped_examples: Vec<Skipped>,
    /// Requests and cache-served requests per minute per group, for the
    /// `--svg` chart (not in the JSON).
    #[serde(skip)]
    pub timeline: Timeline,
}

impl Report {
    /// The `--svg` chart: the hit ratio over time of the busiest groups.
    pub fn svg(&self) -> String {
        let none: &[[u32; 2]] = &[];
        let series: Vec<Series<'_>> = self
            .groups
            .iter()
            .take(CHART_LINES)
            .map(|row| Series {
                label: &row.name,
                requests: row.counts.requests,
                hit_ratio: row.hit_ratio,
                minutes: self
                    .timeline
                    .minutes
                    .get(row.series)
                    .map_or(none, Vec::as_slice),
            })
            .collect();
        chart::hit_ratio_svg(
            self.by.noun(),
            self.timeline.start,
            self.timeline.width,
            &series,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hit_ratio_counts_every_answer_from_the_cache() {
        let counts = Counts {
            requests: 10,
            hits: 2,
            stale: 1,
            revalidated: 1,
            misses: 6,
            ..Counts::default()
        };
        assert!((counts.hit_ratio() - 0.4).abs() < 1e-9);
        assert_eq!(Counts::default().hit_ratio(), 0.0);
    }
}
