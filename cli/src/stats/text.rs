//! The report as text: a summary, the outcomes and status classes per
//! group, the reasons, the events and the first lines skipped.

use std::fmt::Write as _;

use super::report::Report;
use crate::format::{bytes, group, percent};

/// An event is shown up to this many characters of its JSON.
const EVENT_WIDTH: usize = 300;

impl Report {
    /// The report as tables.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.summary(&mut out);
        let width = self.name_width();
        self.outcomes(&mut out, width);
        self.statuses(&mut out, width);
        self.reasons(&mut out);
        self.events_and_skips(&mut out);
        out
    }

    fn summary(&self, out: &mut String) {
        let inputs = if self.inputs.is_empty() {
            "no input".to_string()
        } else {
            self.inputs.join(", ")
        };
        let _ = writeln!(
            out,
            "{} lines from {inputs}: {} requests, {} events, {} skipped",
            group(self.lines),
            group(self.requests),
            group(self.events),
            group(self.skipped_lines),
        );
        if let (Some(first), Some(last)) = (&self.first, &self.last) {
            let _ = writeln!(out, "from {first} to {last}");
        }
        let _ = writeln!(out);
    }

    fn name_width(&self) -> usize {
        self.groups
            .iter()
            .map(|g| g.name.chars().count())
            .chain([self.by.noun().len(), 12])
            .max()
            .unwrap_or(12)
            .min(40)
    }

    fn outcomes(&self, out: &mut String, width: usize) {
        let _ = writeln!(
            out,
            "{:<width$} {:>9} {:>9} {:>7} {:>6} {:>6} {:>7} {:>10} {:>6} {:>6} {:>11} {:>9}",
            self.by.noun(),
            "requests",
            "hit ratio",
            "hit",
            "stale",
            "reval",
            "miss",
            "not stored",
            "pass",
            "error",
            "origin reqs",
            "bytes"
        );
        for row in self.groups.iter().chain([&self.total]) {
            let c = &row.counts;
            let _ = writeln!(
                out,
                "{:<width$} {:>9} {:>9} {:>7} {:>6} {:>6} {:>7} {:>10} {:>6} {:>6} {:>11} {:>9}",
                clip(&row.name, width),
                group(c.requests),
                percent(row.hit_ratio),
                group(c.hits),
                group(c.stale),
                group(c.revalidated),
                group(c.misses),
                group(c.not_stored),
                group(c.passes),
                group(c.errors),
                group(c.origin_requests),
                bytes(c.bytes),
            );
        }
        let _ = writeln!(out);
        for legend in [
            "hit ratio: served from the cache (hit, stale or reval) of all requests; hit: fresh;",
            "stale: while revalidating, or the origin failing; reval: revalidated with a 304;",
            "miss: fetched and stored; not stored: fetched, not stored; pass: sent to the origin",
            "without a lookup; error: answered by the edge (rejected, or the origin failed with",
            "no stale copy); origin reqs: lines with an origin_ms; bytes: body bytes to viewers.",
        ] {
            let _ = writeln!(out, "{legend}");
        }
        let total = &self.total.counts;
        if total.unknown > 0 {
            let _ = writeln!(
                out,
                "requests whose cache_status and x_cache say nothing known: {}",
                group(total.unknown)
            );
        }
        if total.body_cuts > 0 {
            let _ = writeln!(
                out,
                "fills whose body was cut short (body_cut): {}",
                group(total.body_cuts)
            );
        }
        let _ = writeln!(out);
    }

    fn statuses(&self, out: &mut String, width: usize) {
        const CLASSES: [&str; 6] = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];
        let _ = write!(out, "{:<width$}", self.by.noun());
        for class in CLASSES {
            let _ = write!(out, " {class:>8}");
        }
        let _ = writeln!(out);
        for row in self.groups.iter().chain([&self.total]) {
            let _ = write!(out, "{:<width$}", clip(&row.name, width));
            for class in CLASSES {
                let n = row.statuses.get(class).copied().unwrap_or(0);
                let _ = write!(out, " {:>8}", group(n));
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(out);
    }

    fn reasons(&self, out: &mut String) {
        for row in &self.groups {
            for (title, map) in [("not cached", &row.reasons), ("stored by", &row.stored_by)] {
                if !map.is_empty() {
                    let counted: Vec<String> = map
                        .iter()
                        .map(|(r, n)| format!("{r} {}", group(*n)))
                        .collect();
                    let _ = writeln!(out, "{title}, {}: {}", row.name, counted.join(", "));
                }
            }
        }
    }

    fn events_and_skips(&self, out: &mut String) {
        if self.events > 0 {
            let counted: Vec<String> = self
                .event_counts
                .iter()
                .map(|(e, n)| format!("{e} {}", group(*n)))
                .collect();
            let _ = writeln!(out, "events (for the operator): {}", counted.join(", "));
            for example in &self.event_examples {
                let json = example.event.to_string();
                let _ = writeln!(
                    out,
                    "  {}:{}: {}",
                    example.input,
                    example.line,
                    clip(&json, EVENT_WIDTH)
                );
            }
        }
        for skip in &self.skipped_examples {
            let lines = if skip.lines == 1 {
                String::new()
            } else {
                format!(" ({} lines)", group(skip.lines))
            };
            let _ = writeln!(
                out,
                "skipped: {}:{}: {}{lines}",
                skip.input, skip.line, skip.reason
            );
        }
    }
}

/// `text` cut to `width` characters, ending in `…` when cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_on_characters() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
        assert_eq!(clip("ééééé", 4), "ééé…");
    }
}
