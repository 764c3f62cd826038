//! A purge log: when each purge key was last purged, hard and soft. For a
//! platform whose cache cannot find entries by purge key (the Workers
//! Cache API keeps one URL per entry and deletes in one data center only),
//! the adapter keeps this log in one strongly consistent place, mirrors it
//! in each isolate, and asks it about every entry it finds: an entry
//! fetched from the origin before a purge of one of its keys is purged.
//!
//! Marks carry milliseconds; an entry fetched in the same millisecond as
//! the purge counts as purged (more is purged, never less). At most
//! [`MAX_PURGE_MARKS`] keys are remembered: the oldest beyond that are
//! folded into [`PURGE_ALL_KEY`], which purges every entry fetched before
//! them (again more, never less).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::purge::keys::PURGE_ALL_KEY;

/// The most purge keys a log remembers.
pub const MAX_PURGE_MARKS: usize = 10_000;

/// When one purge key was last purged; 0 for never.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeMark {
    /// Last hard purge, Unix milliseconds.
    #[serde(rename = "h")]
    pub hard_ms: u64,
    /// Last soft purge, Unix milliseconds.
    #[serde(rename = "s")]
    pub soft_ms: u64,
    /// The log's sequence number when this mark last changed.
    #[serde(rename = "q")]
    pub seq: u64,
}

impl PurgeMark {
    fn latest(&self) -> u64 {
        self.hard_ms.max(self.soft_ms)
    }
}

/// What the log says of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeVerdict {
    /// No purge since it was fetched.
    Kept,
    /// Soft-purged: stale since `at_ms`, still usable while revalidating.
    Soft {
        /// The earliest soft purge since the fetch, Unix milliseconds.
        at_ms: u64,
    },
    /// Purged: a miss.
    Hard,
}

/// The marks changed since a sequence number, for a mirror to apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeDelta {
    /// The sequence number of the source log's latest change: the mirror's
    /// sequence number once the delta is applied.
    pub seq: u64,
    /// The mirror's marks are to be replaced, not updated.
    pub reset: bool,
    /// Each changed purge key with its mark, oldest change first.
    pub marks: Vec<(String, PurgeMark)>,
}

/// What one change did, for the keeper of the log to persist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeChange {
    /// Each purge key whose mark changed, with its new mark (to write).
    pub changed: Vec<(String, PurgeMark)>,
    /// Folded into [`PURGE_ALL_KEY`]: no longer stored on their own.
    pub removed: Vec<String>,
}

/// The purge log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeLog {
    seq: u64,
    marks: HashMap<String, PurgeMark>,
}

impl PurgeLog {
    /// A log from persisted marks.
    pub fn from_marks(marks: impl IntoIterator<Item = (String, PurgeMark)>) -> PurgeLog {
        let marks: HashMap<String, PurgeMark> = marks.into_iter().collect();
        let seq = marks.values().map(|m| m.seq).max().unwrap_or(0);
        PurgeLog { seq, marks }
    }

    /// The sequence number of the latest change.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// How many purge keys are remembered.
    pub fn len(&self) -> usize {
        self.marks.len()
    }

    /// Whether no purge key is remembered (no key was ever purged).
    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// Records a purge of `keys` at `at_ms`.
    ///
    /// ```
    /// use edgecache_core::purge::{PurgeLog, PurgeVerdict};
    /// let mut log = PurgeLog::default();
    /// log.record(&["product-42".to_string()], false, 2_000);
    /// assert_eq!(log.verdict(["ec-all", "product-42"], 1_000), PurgeVerdict::Hard);
    /// assert_eq!(log.verdict(["ec-all", "product-42"], 3_000), PurgeVerdict::Kept);
    /// ```
    pub fn record(&mut self, keys: &[String], soft: bool, at_ms: u64) -> PurgeChange {
        self.seq += 1;
        let mut change = PurgeChange::default();
        for key in keys {
            let mark = self.marks.entry(key.clone()).or_default();
            if soft {
                mark.soft_ms = mark.soft_ms.max(at_ms);
            } else {
                mark.hard_ms = mark.hard_ms.max(at_ms);
            }
            mark.seq = self.seq;
            change.changed.push((key.clone(), *mark));
        }
        self.fold(&mut change);
        change
    }

    /// What the log says of an entry with `keys`, fetched from the origin
    /// at `fetched_ms`.
    pub fn verdict<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k str>,
        fetched_ms: u64,
    ) -> PurgeVerdict {
        let mut soft: Option<u64> = None;
        for mark in keys.into_iter().filter_map(|key| self.marks.get(key)) {
            if mark.hard_ms >= fetched_ms && mark.hard_ms > 0 {
                return PurgeVerdict::Hard;
            }
            if mark.soft_ms >= fetched_ms && mark.soft_ms > 0 {
                soft = Some(soft.map_or(mark.soft_ms, |s| s.min(mark.soft_ms)));
            }
        }
        match soft {
            Some(at_ms) => PurgeVerdict::Soft { at_ms },
            None => PurgeVerdict::Kept,
        }
    }

    /// The marks changed after `seq`; everything, as a reset, when `seq`
    /// is from another log (ahead of this one).
    pub fn since(&self, seq: u64) -> PurgeDelta {
        let reset = seq > self.seq;
        let mut marks: Vec<(String, PurgeMark)> = self
            .marks
            .iter()
            .filter(|(_, mark)| reset || mark.seq > seq)
            .map(|(key, mark)| (key.clone(), *mark))
            .collect();
        marks.sort_by(|a, b| a.1.seq.cmp(&b.1.seq).then_with(|| a.0.cmp(&b.0)));
        PurgeDelta {
            seq: self.seq,
            reset,
            marks,
        }
    }

    /// Applies a delta from the log this one mirrors.
    pub fn apply(&mut self, delta: PurgeDelta) {
        if delta.reset {
            self.marks.clear();
        }
        for (key, mark) in delta.marks {
            let kept = self.marks.entry(key).or_default();
            kept.hard_ms = kept.hard_ms.max(mark.hard_ms);
            kept.soft_ms = kept.soft_ms.max(mark.soft_ms);
            kept.seq = kept.seq.max(mark.seq);
        }
        self.seq = delta.seq;
        self.fold(&mut PurgeChange::default());
    }

    /// Folds the oldest marks beyond [`MAX_PURGE_MARKS`] into
    /// [`PURGE_ALL_KEY`].
    fn fold(&mut self, change: &mut PurgeChange) {
        if self.marks.len() <= MAX_PURGE_MARKS {
            return;
        }
        let mut by_age: Vec<(u64, String)> = self
            .marks
            .iter()
            .filter(|(key, _)| key.as_str() != PURGE_ALL_KEY)
            .map(|(key, mark)| (mark.latest(), key.clone()))
            .collect();
        by_age.sort();
        let excess = self.marks.len() - MAX_PURGE_MARKS + 1;
        let mut all = self.marks.get(PURGE_ALL_KEY).copied().unwrap_or_default();
        for (_, key) in by_age.into_iter().take(excess) {
            if let Some(mark) = self.marks.remove(&key) {
                all.hard_ms = all.hard_ms.max(mark.hard_ms);
                all.soft_ms = all.soft_ms.max(mark.soft_ms);
                change.removed.push(key);
            }
        }
        all.seq = self.seq;
        self.marks.insert(PURGE_ALL_KEY.to_string(), all);
        change
            .changed
            .retain(|(key, _)| self.marks.contains_key(key));
        change.changed.retain(|(key, _)| key != PURGE_ALL_KEY);
        change.changed.push((PURGE_ALL_KEY.to_string(), all));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn an_entry_fetched_before_a_purge_of_one_of_its_keys_is_purged() {
        let mut log = PurgeLog::default();
        log.record(&keys(&["ec-p-a"]), false, 1_000);
        log.record(&keys(&["tag"]), true, 2_000);
        let table = [
            (&["ec-p-a", "x"][..], 999, PurgeVerdict::Hard),
            (&["ec-p-a"], 1_000, PurgeVerdict::Hard),
            (&["ec-p-a"], 1_001, PurgeVerdict::Kept),
            (&["tag", "ec-p-a"], 500, PurgeVerdict::Hard),
            (
                &["tag", "ec-p-a"],
                1_500,
                PurgeVerdict::Soft { at_ms: 2_000 },
            ),
            (&["tag"], 2_001, PurgeVerdict::Kept),
            (&["other"], 0, PurgeVerdict::Kept),
        ];
        for (entry, fetched, want) in table {
            assert_eq!(
                log.verdict(entry.iter().copied(), fetched),
                want,
                "{entry:?} {fetched}"
            );
        }
    }

    #[test]
    fn a_later_soft_purge_does_not_hide_an_earlier_hard_one() {
        let mut log = PurgeLog::default();
        log.record(&keys(&["k"]), false, 1_000);
        log.record(&keys(&["k"]), true, 2_000);
        assert_eq!(log.verdict(["k"], 500), PurgeVerdict::Hard);
        assert_eq!(
            log.verdict(["k"], 1_500),
            PurgeVerdict::Soft { at_ms: 2_000 }
        );
    }

    #[test]
    fn a_mirror_catches_up_with_deltas() {
        let mut log = PurgeLog::default();
        let mut mirror = PurgeLog::default();
        log.record(&keys(&["a", "b"]), false, 1_000);
        mirror.apply(log.since(mirror.seq()));
        log.record(&keys(&["c"]), true, 2_000);
        let delta = log.since(mirror.seq());
        assert_eq!(delta.marks.len(), 1);
        mirror.apply(delta);
        assert_eq!(mirror, log);
        // A mirror ahead of the log (the log was lost) starts again.
        let fresh = PurgeLog::default();
        let reset = fresh.since(mirror.seq());
        assert!(reset.reset);
        mirror.apply(reset);
        assert!(mirror.is_empty());
    }

    #[test]
    fn folds_the_oldest_marks_into_purge_all() {
        let mut log = PurgeLog::default();
        for i in 0..MAX_PURGE_MARKS {
            log.record(&[format!("k{i}")], false, 1_000 + i as u64);
        }
        assert_eq!(log.len(), MAX_PURGE_MARKS);
        let change = log.record(&keys(&["new"]), false, 50_000);
        assert!(log.len() <= MAX_PURGE_MARKS);
        assert_eq!(change.removed, ["k0", "k1"]);
        // What k0 and k1 purged is still purged, and more with it.
        assert_eq!(log.verdict(["ec-all", "k0"], 1_000), PurgeVerdict::Hard);
        assert_eq!(log.verdict(["ec-all"], 1_001), PurgeVerdict::Hard);
        assert_eq!(log.verdict(["ec-all"], 1_002), PurgeVerdict::Kept);
        assert!(change.changed.iter().any(|(k, _)| k == "new"));
        assert!(change.changed.iter().any(|(k, _)| k == PURGE_ALL_KEY));
    }
}
