//! The one structured log line per request, the same on every platform:
//! a JSON object with the time, host, method, path, behavior, key hash,
//! cache outcome, status, bytes, TTL, origin latency and the platform's
//! POP: what `edgecache stats` turns into live hit ratios.

use serde::Serialize;

use crate::cache_status::CacheOutcome;
use crate::error::Error;
use crate::flow::BodyCut;
use crate::key::CacheKey;

/// What the adapter knows of a response once it was sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent<'a> {
    /// The status sent to the viewer.
    pub status: u16,
    /// Milliseconds the origin took, when it was asked.
    pub origin_ms: Option<u64>,
    /// Body bytes sent to the viewer, when known (counted, or declared).
    pub bytes: Option<u64>,
    /// The platform: `fastly` or `cloudflare`.
    pub platform: &'a str,
    /// The point of presence (Fastly's POP, Cloudflare's colo), where the
    /// platform says.
    pub pop: Option<&'a str>,
}

/// What one request did.
#[derive(Debug, Clone, Copy)]
pub struct LogLine<'a> {
    /// The request's clock reading, Unix seconds (logged as RFC 3339 UTC).
    pub time: u64,
    /// The viewer's Host.
    pub host: &'a str,
    /// The request method as the viewer sent it.
    pub method: &'a str,
    /// The request path: the normalized one once a behavior was chosen,
    /// otherwise the target as received.
    pub path: &'a str,
    /// The behavior's path pattern, `-` for a request answered before one
    /// was chosen.
    pub behavior: &'a str,
    /// The cache key looked up, logged as its SHA-256 hash (`key_hash`) so
    /// that no cookie or credential value reaches the log; `None` when the
    /// cache was not consulted.
    pub key: Option<&'a CacheKey>,
    /// What happened, logged as its `X-Cache` and `Cache-Status` values,
    /// and the TTL it gives (`ttl`: seconds of freshness the copy served
    /// or stored has left; null when nothing was stored or served from
    /// the cache).
    pub outcome: &'a CacheOutcome,
    /// What was sent.
    pub sent: &'a Sent<'a>,
    /// How the body of a fill failed to arrive whole, when it did
    /// (logged as `body_cut`, beside `detail="incomplete-body"`).
    pub cut: Option<BodyCut>,
}

impl LogLine<'_> {
    /// The line: one JSON object, no newline.
    pub fn to_json(&self) -> String {
        let decoration = self.outcome.headers(None);
        let time = rfc3339(self.time);
        let key_hash = self.key.map(CacheKey::hash_hex);
        let cut = self.cut.map(|cut| cut.to_string());
        let line = Fields {
            time: time.as_deref(),
            platform: self.sent.platform,
            pop: self.sent.pop,
            host: self.host,
            method: self.method,
            path: self.path,
            behavior: self.behavior,
            key_hash: key_hash.as_deref(),
            x_cache: decoration.x_cache,
            cache_status: &decoration.cache_status,
            status: self.sent.status,
            bytes: self.sent.bytes,
            ttl: ttl(self.outcome),
            origin_ms: self.sent.origin_ms,
            body_cut: cut.as_deref(),
        };
        // Strings and integers only: serializing cannot fail.
        serde_json::to_string(&line).unwrap_or_default()
    }
}

/// The line's fields, in the order they are written.
#[derive(Serialize)]
struct Fields<'a> {
    time: Option<&'a str>,
    platform: &'a str,
    pop: Option<&'a str>,
    host: &'a str,
    method: &'a str,
    path: &'a str,
    behavior: &'a str,
    key_hash: Option<&'a str>,
    x_cache: &'a str,
    cache_status: &'a str,
    status: u16,
    bytes: Option<u64>,
    ttl: Option<i64>,
    origin_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_cut: Option<&'a str>,
}

/// Seconds of freshness left on the copy served or stored.
fn ttl(outcome: &CacheOutcome) -> Option<i64> {
    match outcome {
        CacheOutcome::Hit { remaining_ttl, .. }
        | CacheOutcome::Stale { remaining_ttl, .. }
        | CacheOutcome::Revalidated { remaining_ttl, .. } => Some(*remaining_ttl),
        CacheOutcome::Miss {
            stored: Ok((ttl, _)),
            ..
        } => Some(*ttl),
        _ => None,
    }
}

/// The last second RFC 3339 can write: 9999-12-31T23:59:59Z.
const LAST_RFC3339_SECOND: u64 = 253_402_300_799;

/// Unix seconds as RFC 3339 UTC (`2026-11-30T02:40:07Z`), by the civil
/// calendar (Howard Hinnant's days-from-civil, inverted); `None` past year
/// 9999, which RFC 3339 cannot write (a clock gone wrong).
fn rfc3339(unix: u64) -> Option<String> {
    if unix > LAST_RFC3339_SECOND {
        return None;
    }
    let (days, secs) = (unix / 86_400, unix % 86_400);
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ))
}

/// The log line for a configuration the platform delivered and core
/// rejected: one JSON object naming where it came from, every problem
/// (each with its JSON path) and what serves instead.
pub fn config_rejected(source: &str, error: &Error, instead: &str) -> String {
    let errors: Vec<String> = error
        .config_errors()
        .iter()
        .map(ToString::to_string)
        .collect();
    event("config-rejected", source, instead, Some(&errors))
}

/// A log line about the configuration: what happened, where, and what
/// serves instead (the problems, when a document was refused).
pub(crate) fn event(event: &str, source: &str, message: &str, errors: Option<&[String]>) -> String {
    /// Its fields, in the order they are written.
    #[derive(Serialize)]
    struct Event<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        errors: Option<&'a [String]>,
        event: &'a str,
        message: &'a str,
        source: &'a str,
    }
    let line = Event {
        errors,
        event,
        message,
        source,
    };
    // Strings only: serializing cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn a_rejected_configuration_is_one_line_with_every_problem() {
        let Err(error) = Config::from_json(r#"{"origins": {"a": {"domain": "https://x"}}}"#) else {
            panic!("accepted");
        };
        let line = config_rejected("config store edgecache/config", &error, "instead");
        assert!(!line.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        let errors = value["errors"].as_array().unwrap();
        assert_eq!(errors.len(), error.config_errors().len());
        let domain = "origins.a.domain: write the domain only, without https://";
        assert!(errors.iter().any(|e| e == domain), "{line}");
    }
    use crate::reason::PassReason;

    #[test]
    fn times_are_rfc3339_utc() {
        let table = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_795_305_600, "2026-11-22T00:00:00Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"),
            (LAST_RFC3339_SECOND, "9999-12-31T23:59:59Z"),
        ];
        for (unix, expected) in table {
            assert_eq!(rfc3339(unix).as_deref(), Some(expected), "{unix}");
        }
        assert_eq!(rfc3339(LAST_RFC3339_SECOND + 1), None);
        assert_eq!(rfc3339(u64::MAX), None);
    }

    #[test]
    fn the_ttl_is_what_the_copy_served_or_stored_has_left() {
        let hit = CacheOutcome::Hit {
            age: 5,
            remaining_ttl: 55,
        };
        let stored = CacheOutcome::Miss {
            status: 200,
            stored: Ok((60, crate::response::TtlSource::MaxAge)),
        };
        let pass = CacheOutcome::Pass {
            status: 200,
            reason: PassReason::Method,
        };
        assert_eq!(
            (ttl(&hit), ttl(&stored), ttl(&pass)),
            (Some(55), Some(60), None)
        );
    }

    #[test]
    fn is_one_json_object_with_the_outcome() {
        let outcome = CacheOutcome::Pass {
            status: 201,
            reason: PassReason::Method,
        };
        let sent = Sent {
            status: 201,
            origin_ms: Some(12),
            bytes: Some(7),
            platform: "fastly",
            pop: Some("LHR"),
        };
        let line = LogLine {
            time: 1_795_305_607,
            host: "api.example.com",
            method: "POST",
            path: "/a",
            behavior: "*",
            key: None,
            outcome: &outcome,
            sent: &sent,
            cut: None,
        }
        .to_json();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["time"], "2026-11-22T00:00:07Z");
        assert_eq!(value["host"], "api.example.com");
        assert_eq!(
            (&value["platform"], &value["pop"]),
            (&"fastly".into(), &"LHR".into())
        );
        assert_eq!(
            (&value["bytes"], &value["ttl"]),
            (&7.into(), &serde_json::Value::Null)
        );
        assert_eq!(value["method"], "POST");
        assert_eq!(value["key_hash"], serde_json::Value::Null);
        assert_eq!(value["origin_ms"], 12);
        assert!(value["cache_status"].as_str().unwrap().contains("method"));
        assert!(!line.contains('\n'));
        assert!(!line.contains("body_cut"));
    }

    #[test]
    fn a_cut_body_says_how() {
        let outcome = CacheOutcome::Miss {
            status: 200,
            stored: Err(PassReason::IncompleteBody),
        };
        let sent = Sent {
            status: 200,
            origin_ms: Some(3),
            ..Sent::default()
        };
        let line = LogLine {
            time: 0,
            host: "",
            method: "GET",
            path: "/a",
            behavior: "*",
            key: None,
            outcome: &outcome,
            sent: &sent,
            cut: Some(BodyCut::Short {
                received: 5,
                declared: 9,
            }),
        }
        .to_json();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["body_cut"], "the body ended at 5 of 9 declared bytes");
        assert!(
            value["cache_status"]
                .as_str()
                .unwrap()
                .contains("incomplete-body")
        );
    }
}
