//! Counting what the lines say, per group (behavior, host or POP).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::GroupBy;
use super::entry::{Entry, Outcome};
use super::extract::Found;
use super::report::{Counts, EventExample, GroupReport, Report, Skipped};
use crate::chart::Timeline;
use crate::time::format_rfc3339;

/// Groups beyond this many count together as [`OTHER`].
const MAX_GROUPS: usize = 200;
/// Distinct reasons (or events) kept per map; more count as [`OTHER`].
const MAX_KEYS: usize = 64;
/// The name that stands for the groups, reasons or events over the limits.
const OTHER: &str = "(other)";
/// Skipped lines and events shown in the report.
const EXAMPLES: usize = 5;
/// Events kept with their whole line.
const EVENT_EXAMPLES: usize = 10;

/// Everything counted so far.
#[derive(Debug)]
pub(crate) struct Tally {
    by: GroupBy,
    /// Lines read, every input together.
    pub lines: u64,
    groups: Vec<Group>,
    index: HashMap<String, usize>,
    events: BTreeMap<String, u64>,
    event_examples: Vec<EventExample>,
    skipped: u64,
    skipped_examples: Vec<Skipped>,
    first: Option<i64>,
    last: Option<i64>,
    timeline: Timeline,
}

/// One group's counters.
#[derive(Debug, Clone)]
struct Group {
    name: String,
    counts: Counts,
    reasons: BTreeMap<String, u64>,
    stored_by: BTreeMap<String, u64>,
    statuses: BTreeMap<&'static str, u64>,
}

impl Tally {
    /// Nothing counted yet, grouping by `by`.
    pub(crate) fn new(by: GroupBy) -> Self {
        Tally {
            by,
            lines: 0,
            groups: Vec::new(),
            index: HashMap::new(),
            events: BTreeMap::new(),
            event_examples: Vec::new(),
            skipped: 0,
            skipped_examples: Vec::new(),
            first: None,
            last: None,
            timeline: Timeline::new(0),
        }
    }

    /// Counts what a line of `input` gave.
    pub(crate) fn add(&mut self, input: &str, found: Found) {
        match found {
            Found::Request(entry) => self.request(&entry),
            Found::Event { line, value } => self.event(input, line, value),
            Found::Skipped {
                line,
                lines,
                reason,
            } => {
                self.skipped += lines;
                if self.skipped_examples.len() < EXAMPLES {
                    self.skipped_examples.push(Skipped {
                        input: input.to_string(),
                        line,
                        lines,
                        reason,
                    });
                }
            }
        }
    }

    fn request(&mut self, entry: &Entry) {
        let key = match self.by {
            GroupBy::Behavior => entry.behavior.as_deref(),
            GroupBy::Host => entry.host.as_deref(),
            GroupBy::Pop => entry.pop.as_deref(),
        };
        let index = self.group(key.unwrap_or("-"));
        if let Some(time) = entry.time {
            self.first = Some(self.first.map_or(time, |t| t.min(time)));
            self.last = Some(self.last.map_or(time, |t| t.max(time)));
            self.timeline
                .add(index, time, entry.outcome.served_from_cache());
        }
        if let Some(group) = self.groups.get_mut(index) {
            group.count(entry);
        }
    }

    /// The index of the group named `name`, added if new.
    fn group(&mut self, name: &str) -> usize {
        if let Some(index) = self.index.get(name) {
            return *index;
        }
        let name = if self.groups.len() < MAX_GROUPS {
            name
        } else if let Some(index) = self.index.get(OTHER) {
            return *index;
        } else {
            OTHER
        };
        self.groups.push(Group::new(name));
        self.index.insert(name.to_string(), self.groups.len() - 1);
        self.groups.len() - 1
    }

    fn event(&mut self, input: &str, line: u64, value: Value) {
        let name = value["event"].as_str().unwrap_or_default().to_string();
        bump(&mut self.events, name);
        if self.event_examples.len() < EVENT_EXAMPLES {
            self.event_examples.push(EventExample {
                input: input.to_string(),
                line,
                event: value,
            });
        }
    }

    /// The report on what is counted so far.
    pub(crate) fn report(&self, inputs: &[String]) -> Report {
        let mut groups: Vec<GroupReport> = self
            .groups
            .iter()
            .enumerate()
            .map(|(series, g)| g.report(series))
            .collect();
        groups.sort_by(|a, b| {
            b.counts
                .requests
                .cmp(&a.counts.requests)
                .then_with(|| a.name.cmp(&b.name))
        });
        let total = GroupReport::total(&groups);
        Report {
            inputs: inputs.to_vec(),
            by: self.by,
            lines: self.lines,
            requests: total.counts.requests,
            first: self.first.map(format_rfc3339),
            last: self.last.map(format_rfc3339),
            groups,
            total,
            events: self.events.values().sum(),
            event_counts: self.events.clone(),
            event_examples: self.event_examples.clone(),
            skipped_lines: self.skipped,
            skipped_examples: self.skipped_examples.clone(),
            timeline: self.timeline.clone(),
        }
    }
}

impl Group {
    fn new(name: &str) -> Self {
        Group {
            name: name.to_string(),
            counts: Counts::default(),
            reasons: BTreeMap::new(),
            stored_by: BTreeMap::new(),
            statuses: BTreeMap::new(),
        }
    }

    fn count(&mut self, entry: &Entry) {
        let c = &mut self.counts;
        c.requests += 1;
        *match entry.outcome {
            Outcome::Hit => &mut c.hits,
            Outcome::Stale => &mut c.stale,
            Outcome::Revalidated => &mut c.revalidated,
            Outcome::Miss => &mut c.misses,
            Outcome::NotStored => &mut c.not_stored,
            Outcome::Pass => &mut c.passes,
            Outcome::Error => &mut c.errors,
            Outcome::Unknown => &mut c.unknown,
        } += 1;
        c.origin_requests += u64::from(entry.origin);
        c.bytes = c.bytes.saturating_add(entry.bytes.unwrap_or(0));
        c.body_cuts += u64::from(entry.body_cut);
        if let Some(reason) = &entry.reason {
            bump(&mut self.reasons, reason.clone());
        }
        if let Some(source) = &entry.stored_by {
            bump(&mut self.stored_by, source.clone());
        }
        *self.statuses.entry(status_class(entry.status)).or_default() += 1;
    }

    fn report(&self, series: usize) -> GroupReport {
        GroupReport::new(
            self.name.clone(),
            self.counts,
            self.reasons.clone(),
            self.stored_by.clone(),
            self.statuses.clone(),
            series,
        )
    }
}

/// Adds one to `key`, or to [`OTHER`] once the map holds [`MAX_KEYS`].
fn bump(map: &mut BTreeMap<String, u64>, key: String) {
    let key = if map.len() < MAX_KEYS || map.contains_key(&key) {
        key
    } else {
        OTHER.to_string()
    };
    *map.entry(key).or_default() += 1;
}

/// `2xx` and the like; `other` for a missing or odd status.
fn status_class(status: Option<u16>) -> &'static str {
    match status {
        Some(100..=199) => "1xx",
        Some(200..=299) => "2xx",
        Some(300..=399) => "3xx",
        Some(400..=499) => "4xx",
        Some(500..=599) => "5xx",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(behavior: &str, outcome: Outcome, time: Option<i64>) -> Found {
        Found::Request(Box::new(Entry {
            time,
            host: None,
            pop: Some("FRA".into()),
            behavior: Some(behavior.into()),
            outcome,
            reason: (outcome == Outcome::Pass).then(|| "method".to_string()),
            stored_by: (outcome == Outcome::Miss).then(|| "max-age".to_string()),
            status: Some(200),
            bytes: Some(u64::MAX),
            origin: !outcome.served_from_cache(),
            body_cut: false,
        }))
    }

    #[test]
    fn counts_per_group_sorted_by_requests() {
        let mut tally = Tally::new(GroupBy::Behavior);
        tally.add("in", request("/a", Outcome::Hit, Some(60)));
        tally.add("in", request("/b", Outcome::Pass, None));
        tally.add("in", request("/b", Outcome::Miss, Some(200)));
        tally.add("in", request("/b", Outcome::Hit, Some(0)));
        let report = tally.report(&["in".to_string()]);
        let names: Vec<&str> = report.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["/b", "/a"]);
        let b = &report.groups[0];
        assert_eq!((b.counts.hits, b.counts.passes, b.counts.misses), (1, 1, 1));
        assert_eq!(b.counts.origin_requests, 2);
        assert_eq!(b.counts.bytes, u64::MAX);
        assert_eq!(b.reasons["method"], 1);
        assert_eq!(b.stored_by["max-age"], 1);
        assert_eq!(report.total.counts.requests, 4);
        assert_eq!(report.first.as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(report.last.as_deref(), Some("1970-01-01T00:03:20Z"));
        let by_pop = {
            let mut tally = Tally::new(GroupBy::Pop);
            tally.add("in", request("/a", Outcome::Hit, None));
            tally.report(&[])
        };
        assert_eq!(by_pop.groups[0].name, "FRA");
    }

    #[test]
    fn folds_groups_and_reasons_beyond_the_limits() {
        let mut tally = Tally::new(GroupBy::Behavior);
        for i in 0..MAX_GROUPS + 5 {
            tally.add("in", request(&format!("/{i}"), Outcome::Hit, None));
        }
        let report = tally.report(&[]);
        assert_eq!(report.groups.len(), MAX_GROUPS + 1);
        assert_eq!(report.groups[0].name, OTHER);
        assert_eq!(report.groups[0].counts.requests, 5);
        let mut map = BTreeMap::new();
        for i in 0..MAX_KEYS + 3 {
            bump(&mut map, i.to_string());
        }
        bump(&mut map, "0".to_string());
        assert_eq!(map.len(), MAX_KEYS + 1);
        assert_eq!((map["0"], map[OTHER]), (2, 3));
    }
}
