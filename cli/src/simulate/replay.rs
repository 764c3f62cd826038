//! One log record through core's decisions and the cache models: the
//! configured keys, and the raw URL as key for comparison.

use std::collections::BTreeMap;

use edgecache_core::{
    Config, Disposition, Headers, OriginResponse, RequestDecision, RequestPlan, ResponseDecision,
    ViewerRequest, decide_request, decide_response, normalize_path, select_behavior,
};

use super::assume::Assumptions;
use super::logs::Record;
use super::model::{Cache, Capacity, Found, Lifetime, key_hash};
use super::report::Counts;
use crate::chart::Timeline;

/// The replay's state.
pub(crate) struct Replay<'c> {
    config: &'c Config,
    assume: &'c Assumptions,
    default_host: &'c str,
    keyed: Cache,
    raw: Cache,
    /// Indexed like the behaviors, the default last.
    pub counts: Vec<Counts>,
    pub timeline: Timeline,
    /// Reasons requests passed or responses were not stored, per behavior.
    pub reasons: Vec<BTreeMap<&'static str, u64>>,
    target: String,
}

impl<'c> Replay<'c> {
    pub(crate) fn new(
        config: &'c Config,
        assume: &'c Assumptions,
        capacity: Option<Capacity>,
        default_host: &'c str,
    ) -> Self {
        let behaviors = config.behaviors().len() + 1;
        Replay {
            config,
            assume,
            default_host,
            keyed: Cache::new(capacity),
            raw: Cache::new(capacity),
            counts: vec![Counts::default(); behaviors],
            timeline: Timeline::new(behaviors),
            reasons: vec![BTreeMap::new(); behaviors],
            target: String::new(),
        }
    }

    /// Objects held, and evictions, by the configured-key model.
    pub(crate) fn cache_figures(&self) -> (usize, u64, usize, u64) {
        (
            self.keyed.len(),
            self.keyed.evictions,
            self.raw.len(),
            self.raw.evictions,
        )
    }

    pub(crate) fn record(&mut self, record: &Record<'_>) {
        let mut target = std::mem::take(&mut self.target);
        target.clear();
        target.push_str(record.path);
        if let Some(query) = record.query {
            target.push('?');
            target.push_str(query);
        }
        let host = record.host.unwrap_or(self.default_host);
        let mut list: Vec<(&str, &[u8])> = vec![("host", host.as_bytes())];
        for (name, value) in [
            ("user-agent", record.user_agent),
            ("referer", record.referer),
            ("cookie", record.cookie),
        ] {
            if let Some(value) = value {
                list.push((name, value.as_bytes()));
            }
        }
        let viewer = ViewerRequest {
            method: record.method,
            scheme: record.scheme,
            host,
            target: &target,
            headers: Headers::new(&list),
            has_body: false,
            client_ip: None,
            from_edge: false,
        };
        let (behavior, served) = match decide_request(self.config, &viewer) {
            RequestDecision::Reject(rejection) => {
                let behavior = self.behavior_of_target(&target);
                self.counts[behavior].rejected += 1;
                *self.reasons[behavior]
                    .entry(rejection.as_str())
                    .or_default() += 1;
                (behavior, false)
            }
            RequestDecision::Forward(plan) => {
                let behavior = self.behavior_index(&plan);
                let served = self.forward(&plan, behavior, record, host, &target);
                (behavior, served)
            }
        };
        self.counts[behavior].requests += 1;
        self.timeline.add(behavior, record.time, served);
        self.target = target;
    }

    /// Returns whether the response came from the cache.
    fn forward(
        &mut self,
        plan: &RequestPlan<'_, '_>,
        behavior: usize,
        record: &Record<'_>,
        host: &str,
        target: &str,
    ) -> bool {
        let key = match &plan.disposition {
            Disposition::Pass(reason) => {
                let counts = &mut self.counts[behavior];
                counts.passes += 1;
                counts.origin_requests += 1;
                counts.raw_origin_requests += 1;
                *self.reasons[behavior].entry(reason.as_str()).or_default() += 1;
                return false;
            }
            Disposition::Lookup(key) => key,
        };
        let now = record.time;
        let keyed_hash = key_hash(&[key.as_str()]);
        let raw_hash = key_hash(&[host, "\n", target]);
        let keyed = self.keyed.lookup(keyed_hash, now);
        let raw = self.raw.lookup(raw_hash, now);
        let mut lifetime = None;
        let mut answer = |this: &mut Self| -> Option<Lifetime> {
            *lifetime.get_or_insert_with(|| this.origin_answer(plan, behavior, record, keyed_hash))
        };
        let counts_index = behavior;
        match keyed {
            Found::Fresh => self.counts[counts_index].hits += 1,
            Found::StaleWhileRevalidate | Found::Miss => {
                let life = answer(self);
                let counts = &mut self.counts[counts_index];
                counts.origin_requests += 1;
                match (keyed, life) {
                    (Found::StaleWhileRevalidate, _) => counts.stale_hits += 1,
                    (_, Some(_)) => counts.misses += 1,
                    (_, None) => counts.uncacheable += 1,
                }
                self.store(true, keyed_hash, life);
            }
        }
        match raw {
            Found::Fresh => self.counts[counts_index].raw_hits += 1,
            Found::StaleWhileRevalidate | Found::Miss => {
                let life = answer(self);
                let counts = &mut self.counts[counts_index];
                counts.raw_origin_requests += 1;
                if raw == Found::StaleWhileRevalidate {
                    counts.raw_hits += 1;
                }
                self.store(false, raw_hash, life);
            }
        }
        keyed != Found::Miss
    }

    fn store(&mut self, keyed: bool, hash: u64, life: Option<Lifetime>) {
        let cache = if keyed {
            &mut self.keyed
        } else {
            &mut self.raw
        };
        match life {
            Some(life) => cache.insert(hash, life),
            None => cache.remove(hash),
        }
    }

    /// What the origin answers, per the log's status and the `--assume`
    /// rules, and core's decision on it: how long it serves, or `None`
    /// when it is not stored.
    fn origin_answer(
        &mut self,
        plan: &RequestPlan<'_, '_>,
        behavior: usize,
        record: &Record<'_>,
        keyed_hash: u64,
    ) -> Option<Lifetime> {
        // The viewer's 304 or 206 was served from a full 200; a status of 0
        // (CloudFront's 000: the viewer went away) tells nothing.
        let status = match record.status {
            Some(304 | 206 | 0) | None => 200,
            Some(status) => status,
        };
        let cache_control = self.assume.cache_control(behavior, keyed_hash);
        let list: Vec<(&str, &[u8])> = cache_control
            .map(|cc| ("cache-control", cc.as_bytes()))
            .into_iter()
            .collect();
        let response = OriginResponse {
            status,
            headers: Headers::new(&list),
        };
        let now = u64::try_from(record.time).unwrap_or(0);
        match decide_response(self.config, plan, &response, now) {
            ResponseDecision::Store(decision) => {
                let fresh_until = record
                    .time
                    .saturating_add(i64::try_from(decision.fresh_for()).unwrap_or(i64::MAX));
                Some(Lifetime {
                    fresh_until,
                    stale_until: fresh_until.saturating_add(
                        i64::try_from(decision.stale_while_revalidate).unwrap_or(i64::MAX),
                    ),
                    weight: record.bytes,
                })
            }
            ResponseDecision::Pass(reason) => {
                *self.reasons[behavior].entry(reason.as_str()).or_default() += 1;
                None
            }
        }
    }

    fn behavior_index(&self, plan: &RequestPlan<'_, '_>) -> usize {
        self.config
            .behaviors()
            .iter()
            .position(|b| std::ptr::eq(b, plan.behavior))
            .unwrap_or(self.config.behaviors().len())
    }

    /// The behavior of a rejected request, when its path can be read.
    fn behavior_of_target(&self, target: &str) -> usize {
        let path = target.split_once('?').map_or(target, |(p, _)| p);
        let behaviors = self.config.behaviors();
        normalize_path(path)
            .ok()
            .and_then(|path| {
                let chosen = select_behavior(self.config, &path);
                behaviors.iter().position(|b| std::ptr::eq(b, chosen))
            })
            .unwrap_or(behaviors.len())
    }
}
