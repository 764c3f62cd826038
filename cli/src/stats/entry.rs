//! One edge log line, a JSON object, read leniently: every field is
//! optional and unknown fields are ignored, so that lines older or newer
//! than this command still count. Fields: `time`, `host`, `pop`,
//! `behavior`, `x_cache`, `cache_status`, `status`, `bytes`, `origin_ms`,
//! `body_cut` (see `edgecache_core::LogLine`); an object with an `event`
//! is an event (`config-rejected`, `purge`), not a request.

use edgecache_core::CACHE_NAME;
use serde_json::{Map, Value};

use super::cache_status::{self, Item, Member};
use crate::time::parse_rfc3339;

/// What became of a request, from its `Cache-Status` (or, when that cannot
/// be read, its `X-Cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Served fresh from the cache (`hit`).
    Hit,
    /// Served stale: while revalidating (`hit; detail="stale-while-revalidate"`),
    /// or because the origin failed (`fwd=stale; detail="stale-if-error"`).
    Stale,
    /// Revalidated with the origin, which answered 304 (`fwd=stale; fwd-status=304`).
    Revalidated,
    /// Fetched from the origin and stored (`fwd=miss; stored`).
    Miss,
    /// Fetched from the origin, not stored (`fwd=miss` without `stored`).
    NotStored,
    /// Sent to the origin without a lookup (`fwd=bypass`, `fwd=method`).
    Pass,
    /// Answered by the edge itself: rejected (403, 400, 414), or the origin
    /// failed and no stale copy could stand in (502, 504).
    Error,
    /// Neither header says anything this command knows.
    Unknown,
}

impl Outcome {
    /// Whether the viewer was served from the cache.
    pub(crate) fn served_from_cache(self) -> bool {
        matches!(self, Outcome::Hit | Outcome::Stale | Outcome::Revalidated)
    }
}

/// The fields `stats` reads from one request's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Unix seconds: the line's `time`, or the time its envelope gives.
    pub time: Option<i64>,
    /// The `host` field.
    pub host: Option<String>,
    /// The `pop` field.
    pub pop: Option<String>,
    /// The `behavior` field, a path pattern or `-`.
    pub behavior: Option<String>,
    /// What became of the request.
    pub outcome: Outcome,
    /// Why it was not served from the cache, or not stored: the `detail`
    /// parameter, else the `fwd` one.
    pub reason: Option<String>,
    /// Where a stored answer's TTL came from (`max-age`, `default-ttl`).
    pub stored_by: Option<String>,
    /// The status sent to the viewer.
    pub status: Option<u16>,
    /// Body bytes sent to the viewer.
    pub bytes: Option<u64>,
    /// Whether the origin was asked (a non-null `origin_ms`).
    pub origin: bool,
    /// Whether a fill's body was cut short (`body_cut`).
    pub body_cut: bool,
}

/// What a JSON object is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Line {
    /// A request's line.
    Request(Box<Entry>),
    /// An event: an object with an `event` name.
    Event,
    /// Some other JSON.
    Other,
}

/// Reads `object`; `fallback_time` stands in for a missing `time`.
pub(crate) fn read(object: &Map<String, Value>, fallback_time: Option<i64>) -> Line {
    if object.get("event").is_some_and(Value::is_string) {
        return Line::Event;
    }
    let cache_status = text(object, "cache_status");
    let x_cache = text(object, "x_cache");
    if cache_status.is_none() && x_cache.is_none() {
        return Line::Other;
    }
    let verdict = cache_status
        .and_then(cache_status::parse)
        .and_then(|members| cache_status::member(&members, CACHE_NAME).map(classify))
        .unwrap_or_else(|| Verdict::of(x_cache.map_or(Outcome::Unknown, from_x_cache)));
    Line::Request(Box::new(Entry {
        time: text(object, "time")
            .and_then(parse_rfc3339)
            .or(fallback_time),
        host: text(object, "host").map(str::to_string),
        pop: text(object, "pop").map(str::to_string),
        behavior: text(object, "behavior").map(str::to_string),
        outcome: verdict.outcome,
        reason: verdict.reason,
        stored_by: verdict.stored_by,
        status: object
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok()),
        bytes: object.get("bytes").and_then(Value::as_u64),
        origin: object.get("origin_ms").is_some_and(|v| !v.is_null()),
        body_cut: object.get("body_cut").is_some_and(|v| !v.is_null()),
    }))
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// An outcome and what the parameters said about it.
struct Verdict {
    outcome: Outcome,
    reason: Option<String>,
    stored_by: Option<String>,
}

impl Verdict {
    fn of(outcome: Outcome) -> Self {
        Verdict {
            outcome,
            reason: None,
            stored_by: None,
        }
    }

    fn because(outcome: Outcome, reason: Option<String>) -> Self {
        Verdict {
            outcome,
            reason,
            stored_by: None,
        }
    }
}

/// Reads our member's parameters (core's `CacheOutcome::cache_status`).
fn classify(member: &Member) -> Verdict {
    let detail = member
        .param("detail")
        .and_then(Item::text)
        .map(str::to_string);
    if member.flag("hit") {
        let stale = detail.as_deref() == Some("stale-while-revalidate");
        return Verdict::of(if stale { Outcome::Stale } else { Outcome::Hit });
    }
    let fwd_status = member.param("fwd-status").and_then(Item::integer);
    let stored = member.flag("stored");
    let Some(fwd) = member.param("fwd").and_then(Item::text) else {
        return match detail {
            Some(detail) => Verdict::because(Outcome::Error, Some(detail)),
            None => Verdict::of(Outcome::Unknown),
        };
    };
    let reason = Some(detail.clone().unwrap_or_else(|| fwd.to_string()));
    match fwd {
        "stale" if fwd_status == Some(304) => {
            Verdict::because(Outcome::Revalidated, if stored { None } else { detail })
        }
        "stale" => Verdict::of(Outcome::Stale),
        "bypass" | "method" => Verdict::because(Outcome::Pass, reason),
        _ if fwd_status.is_none() => Verdict::because(Outcome::Error, reason),
        _ if stored => Verdict {
            outcome: Outcome::Miss,
            reason: None,
            stored_by: detail,
        },
        _ => Verdict::because(Outcome::NotStored, reason),
    }
}

/// CloudFront's words: `Hit from edgecache`, `RefreshHit from ...`, ...
fn from_x_cache(x_cache: &str) -> Outcome {
    let word = x_cache.split_whitespace().next().unwrap_or_default();
    match word.to_ascii_lowercase().as_str() {
        "hit" => Outcome::Hit,
        "refreshhit" => Outcome::Revalidated,
        "miss" => Outcome::Miss,
        "error" => Outcome::Error,
        _ => Outcome::Unknown,
    }
}

#[cfg(test)]
mod tests;
