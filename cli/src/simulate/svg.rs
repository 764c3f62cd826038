//! `--svg`: the hit ratio over time per behavior, as a line chart.
//! Minutes are grouped into at most [`POINTS`] buckets; a bucket without
//! requests leaves a gap in its line.

use std::fmt::Write as _;

use super::report::{Report, group};
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

impl Report {
    /// The chart as an SVG document.
    pub fn svg(&self) -> String {
        let minutes = self
            .timeline
            .minutes
            .iter()
            .map(Vec::len)
            .max()
            .unwrap_or(0)
            .max(1);
        let bucket = minutes.div_ceil(POINTS);
        let buckets = minutes.div_ceil(bucket);
        let height = BOTTOM + 50.0 + 20.0 * self.behaviors.len() as f64;
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            out,
            r#"<text x="{LEFT}" y="22" font-size="15">Hit ratio over time per behavior ({bucket}-minute buckets)</text>"#
        );
        axes(&mut out, self.timeline.start, minutes);
        let x_of = |b: usize| LEFT + (RIGHT - LEFT) * (b as f64 + 0.5) / buckets as f64;
        for (index, (row, series)) in self
            .behaviors
            .iter()
            .zip(&self.timeline.minutes)
            .enumerate()
        {
            let colour = COLOURS[index % COLOURS.len()];
            for segment in segments(series, bucket, buckets) {
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
            let y = BOTTOM + 45.0 + 20.0 * index as f64;
            let _ = writeln!(
                out,
                r#"<rect x="{LEFT}" y="{:.0}" width="14" height="4" fill="{colour}"/><text x="{:.0}" y="{y:.0}">{} ({} requests, {:.1}% from cache)</text>"#,
                y - 5.0,
                LEFT + 20.0,
                escape(&row.pattern),
                group(row.counts.requests),
                row.hit_ratio * 100.0
            );
        }
        out.push_str("</svg>\n");
        out
    }
}

fn y_of(ratio: f64) -> f64 {
    BOTTOM - (BOTTOM - TOP) * ratio
}

fn axes(out: &mut String, start: Option<i64>, minutes: usize) {
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
        let at = start + (minutes as i64 * 60) * i64::from(i) / 2;
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
}
