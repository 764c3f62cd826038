//! The one structured log line per request, the same on every platform:
//! a JSON object with the method, path, behavior, key hash, cache outcome,
//! status and origin latency.

use serde_json::json;

use crate::cache_status::CacheOutcome;
use crate::error::Error;
use crate::flow::BodyCut;
use crate::key::CacheKey;

/// What one request did.
#[derive(Debug, Clone, Copy)]
pub struct LogLine<'a> {
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
    /// What happened, logged as its `X-Cache` and `Cache-Status` values.
    pub outcome: &'a CacheOutcome,
    /// The status sent to the viewer.
    pub status: u16,
    /// Milliseconds the origin took, when it was asked.
    pub origin_ms: Option<u64>,
    /// How the body of a fill failed to arrive whole, when it did
    /// (logged as `body_cut`, beside `detail="incomplete-body"`).
    pub cut: Option<BodyCut>,
}

impl LogLine<'_> {
    /// The line: one JSON object, no newline.
    pub fn to_json(&self) -> String {
        let decoration = self.outcome.headers(None);
        let mut line = json!({
            "method": self.method,
            "path": self.path,
            "behavior": self.behavior,
            "key_hash": self.key.map(CacheKey::hash_hex),
            "x_cache": decoration.x_cache,
            "cache_status": decoration.cache_status,
            "status": self.status,
            "origin_ms": self.origin_ms,
        });
        if let Some(cut) = self.cut {
            line["body_cut"] = cut.to_string().into();
        }
        line.to_string()
    }
}

/// The log line for a configuration the platform delivered and core
/// rejected: one JSON object naming where it came from and every problem,
/// each with its JSON path. The edge then runs the embedded configuration.
pub fn config_rejected(source: &str, error: &Error) -> String {
    let errors: Vec<String> = error
        .config_errors()
        .iter()
        .map(ToString::to_string)
        .collect();
    json!({
        "event": "config-rejected",
        "source": source,
        "message": "using the embedded configuration",
        "errors": errors,
    })
    .to_string()
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
        let line = config_rejected("config store edgecache/config", &error);
        assert!(!line.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        let errors = value["errors"].as_array().unwrap();
        assert_eq!(errors.len(), error.config_errors().len());
        let domain = "origins.a.domain: write the domain only, without https://";
        assert!(errors.iter().any(|e| e == domain), "{line}");
    }
    use crate::reason::PassReason;

    #[test]
    fn is_one_json_object_with_the_outcome() {
        let outcome = CacheOutcome::Pass {
            status: 201,
            reason: PassReason::Method,
        };
        let line = LogLine {
            method: "POST",
            path: "/a",
            behavior: "*",
            key: None,
            outcome: &outcome,
            status: 201,
            origin_ms: Some(12),
            cut: None,
        }
        .to_json();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
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
        let line = LogLine {
            method: "GET",
            path: "/a",
            behavior: "*",
            key: None,
            outcome: &outcome,
            status: 200,
            origin_ms: Some(3),
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
