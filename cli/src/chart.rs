//! The hit ratio over time per behavior (or host, or POP), as an SVG line
//! chart: `simulate --svg` and `stats --svg`. Minutes are grouped into at
//! most [`POINTS`] buckets; a bucket without requests leaves a gap in its
//! line.

use std::fmt::Write as _;

use serde::Serialize;

use crate::format::group;
use crate::time::format_minute;

const POINTS: usize = 120;
const WIDTH: f64 = 900.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 880.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 320.0;
const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
];

/// The chart keeps a year of minutes; later records still count in the totals.
const MAX_MINUTES: i64 = 366 * 24 * 60;

/// The most slots a series keeps: past them, slots widen (twice as many
/// minutes each, neighbours merged), so that memory stays bounded (a few
/// kilobytes a series) however long the log spans.
const MAX_SLOTS: usize = 1440;

/// Requests and cache-served requests per slot of minutes per series, for
/// the chart.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// Unix seconds of minute 0 (the first record's minute).
    pub start: Option<i64>,
    /// Minutes per slot: 1, then doubled whenever a series would need more
    /// than [`MAX_SLOTS`] slots.
    pub width: i64,
    /// Per series: (requests, from cache) per slot since `start`.
    #[serde(skip)]
    pub minutes: Vec<Vec<[u32; 2]>>,
}

impl Timeline {
    /// An empty timeline of `series` series (more are added as needed).
    pub fn new(series: usize) -> Self {
        Timeline {
            start: None,
            width: 1,
            minutes: vec![Vec::new(); series],
        }
    }

    /// Twice as many minutes a slot: neighbouring slots merged.
    fn widen(&mut self) {
        self.width *= 2;
        for slots in &mut self.minutes {
            let merged = slots
                .chunks(2)
                .map(|pair| {
                    pair.iter().fold([0u32, 0], |[r, c], [pr, pc]| {
                        [r.saturating_add(*pr), c.saturating_add(*pc)]
                    })
                })
                .collect();
            *slots = merged;
        }
    }

    /// Counts one request of `series` at `time` (Unix seconds). Minute 0 is
    /// the first request's; earlier ones count in it.
    pub fn add(&mut self, series: usize, time: i64, from_cache: bool) {
        let start = *self
            .start
            .get_or_insert(time.saturating_sub(time.rem_euclid(60)));
        let minute = time
            .saturating_sub(start)
            .div_euclid(60)
            .clamp(0, MAX_MINUTES - 1);
        while (minute / self.width) as usize >= MAX_SLOTS {
            self.widen();
        }
        let minute = (minute / self.width) as usize;
        if self.minutes.len() <= series {
            self.minutes.resize(series + 1, Vec::new());
        }
        let minutes = &mut self.minutes[series];
        if minutes.len() <= minute {
            minutes.resize(minute + 1, [0, 0]);
        }
        let [requests, cached] = &mut minutes[minute];
        *requests = requests.saturating_add(1);
        *cached = cached.saturating_add(u32::from(from_cache));
    }
}

/// One line of the chart.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Series<'a> {
    /// The legend: a behavior's path pattern, a host, a POP.
    pub label: &'a str,
    /// Requests in all, for the legend.
    pub requests: u64,
    /// Served from the cache, of all requests, 0 to 1, for the legend.
    pub hit_ratio: f64,
    /// (requests, from cache) per minute since the timeline's start.
    pub minutes: &'a [[u32; 2]],
}

/// The chart as an SVG document: one line per series, titled "per
/// `noun`", the time axis from `start` (Unix seconds, `None`: no times).
pub(crate) fn hit_ratio_svg(
    noun: &str,
    start: Option<i64>,
    width: i64,
    series: &[Series<'_>],
) -> String {
    let minutes = series
        .iter()
        .map(|s| s.minutes.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let bucket = minutes.div_ceil(POINTS);
    let buckets = minutes.div_ceil(bucket);
    let height = BOTTOM + 50.0 + 20.0 * series.len() as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="{LEFT}" y="22" font-size="15">Hit ratio over time per {} ({bucket}-minute buckets)</text>"#,
        escape(noun)
    );
    axes(&mut out, start, minutes as i64 * width);
    let x_of = |b: usize| LEFT + (RIGHT - LEFT) * (b as f64 + 0.5) / buckets as f64;
    for (index, line) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        for segment in segments(line.minutes, bucket, buckets) {
            let points: Vec<String> = segment
                .iter()
                .map(|(b, r)| format!("{:.1},{:.1}", x_of(*b), y_of(*r)))
                .collect();
            let _ = writeln!(
                out,
                r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
                points.join(" ")
            );
        }
        legend(&mut out, index, colour, line);
    }
    out.push_str("</svg>\n");
    out
}

fn legend(out: &mut String, index: usize, colour: &str, line: &Series<'_>) {
    let y = BOTTOM + 45.0 + 20.0 * index as f64;
    let _ = writeln!(
        out,
        r#"<rect x="{LEFT}" y="{:.0}" width="14" height="4" fill="{colour}"/><text x="{:.0}" y="{y:.0}">{} ({} requests, {:.1}% from cache)</text>"#,
        y - 5.0,
        LEFT + 20.0,
        escape(line.label),
        group(line.requests),
        line.hit_ratio * 100.0
    );
}

fn y_of(ratio: f64) -> f64 {
    BOTTOM - (BOTTOM - TOP) * ratio
}

fn axes(out: &mut String, start: Option<i64>, minutes: i64) {
    for tick in 0..=4 {
        let ratio = f64::from(tick) / 4.0;
        let y = y_of(ratio);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y}" x2="{RIGHT}" y2="{y}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{}%</text>"##,
            LEFT - 6.0,
            y + 4.0,
            tick * 25
        );
    }
    let Some(start) = start else {
        return;
    };
    for (i, anchor) in [(0, "start"), (1, "middle"), (2, "end")] {
        let x = LEFT + (RIGHT - LEFT) * f64::from(i) / 2.0;
        let at = start + (minutes * 60) * i64::from(i) / 2;
        let _ = writeln!(
            out,
            r#"<text x="{x}" y="{}" text-anchor="{anchor}">{} UTC</text>"#,
            BOTTOM + 18.0,
            format_minute(at)
        );
    }
}

/// Runs of buckets with requests, as (bucket, hit ratio).
fn segments(series: &[[u32; 2]], bucket: usize, buckets: usize) -> Vec<Vec<(usize, f64)>> {
    let mut out: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current = Vec::new();
    for b in 0..buckets {
        let window = series
            .get(b * bucket..((b + 1) * bucket).min(series.len()))
            .unwrap_or(&[]);
        let (requests, hits) = window.iter().fold((0u64, 0u64), |(r, h), [mr, mh]| {
            (r + u64::from(*mr), h + u64::from(*mh))
        });
        if requests == 0 {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push((b, hits as f64 / requests as f64));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_break_where_there_are_no_requests() {
        let series = [[2, 1], [2, 2], [0, 0], [0, 0], [4, 4]];
        let got = segments(&series, 2, 3);
        assert_eq!(got, [vec![(0, 0.75)], vec![(2, 1.0)]]);
    }

    #[test]
    fn the_timeline_counts_per_minute_from_the_first_record() {
        let mut timeline = Timeline::new(2);
        timeline.add(0, 125, true);
        timeline.add(0, 179, false);
        timeline.add(1, 185, true);
        timeline.add(0, 10, true);
        timeline.add(3, 130, false);
        assert_eq!(timeline.start, Some(120));
        assert_eq!(timeline.minutes[0], [[3, 2]]);
        assert_eq!(timeline.minutes[1], [[0, 0], [1, 1]]);
        assert!(timeline.minutes[2].is_empty());
        assert_eq!(timeline.minutes[3], [[1, 0]]);
    }

    #[test]
    fn a_long_log_widens_the_slots_instead_of_growing_without_bound() {
        let mut timeline = Timeline::new(0);
        let year = 365 * 24 * 3600;
        for series in 0..201 {
            timeline.add(series, 0, true);
            timeline.add(series, year, false);
        }
        assert!(
            timeline
                .minutes
                .iter()
                .all(|slots| slots.len() <= MAX_SLOTS)
        );
        assert_eq!(timeline.width, 512);
        let first: u32 = timeline.minutes.iter().map(|s| s[0][0]).sum();
        assert_eq!(first, 201, "every early request counted in the first slot");
    }

    #[test]
    fn the_chart_names_its_series_and_escapes_them() {
        let minutes = [[4, 3], [2, 2]];
        let series = [Series {
            label: "/a&<b>",
            requests: 6,
            hit_ratio: 5.0 / 6.0,
            minutes: &minutes,
        }];
        let svg = hit_ratio_svg("host", Some(1_795_305_600), 1, &series);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("per host (1-minute buckets)"), "{svg}");
        assert!(svg.contains("/a&amp;&lt;b&gt; (6 requests, 83.3% from cache)"));
        assert!(svg.contains("2026-11-22 00:00 UTC"));
        assert_eq!(svg.matches("<polyline").count(), 1);
    }
}
