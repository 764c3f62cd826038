//! The invalidation API's answers, the same on every platform: which
//! requests it takes, the checks made before anything is purged (in this
//! order: enabled, method, token, size, body), the purge keys to purge,
//! and the JSON response and log line.
//!
//! An adapter asks [`is_purge_request`] before anything else, then
//! [`purge_gate`] before reading the body, then [`plan_purge`], purges
//! [`PurgePlan::keys`] on its platform, and sends
//! [`PurgePlan::accepted`] (or [`PurgePlan::failed`]).

use serde::Serialize;

use crate::config::Config;
use crate::key::sha256_hex;
use crate::path::normalize_path;
use crate::purge::keys::{PURGE_ALL_KEY, target_purge_keys};
use crate::purge::{MAX_PURGE_BODY, PurgeError, authorized, parse_purge};

/// An answer of the invalidation API: status, headers, JSON body, and the
/// one log line that records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeResponse {
    /// The HTTP status: 202 accepted, 4xx refused, 503 failed.
    pub status: u16,
    /// Response headers, names lower-case: `content-type` (JSON) and
    /// `cache-control: no-store`, plus `allow` on 405 and
    /// `www-authenticate` on 401.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body: the summary, or the error and its problems.
    pub body: String,
    /// The JSON log line (`"event": "purge"`) to write for this call.
    pub log: String,
}

/// Whether `target` (path and query, as received) is the invalidation API.
/// The path is compared normalized, so `/.edgecache/%70urge` does not slip
/// through to the cache or the origin; the query is ignored.
///
/// ```
/// let config = edgecache_core::Config::from_json(r#"{
///     "origins": {"api": {"domain": "api.example.com"}},
///     "cache_policies": {"default": {}},
///     "default_behavior": {"origin": "api", "cache_policy": "default"}
/// }"#).unwrap();
/// assert!(edgecache_core::purge::is_purge_request(&config, "/.edgecache/purge?x=1"));
/// assert!(!edgecache_core::purge::is_purge_request(&config, "/products/1"));
/// ```
pub fn is_purge_request(config: &Config, target: &str) -> bool {
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    normalize_path(path).is_ok_and(|path| path == config.invalidation_path())
}

/// The checks made before the body is read: the API is disabled (404)
/// without a configured token; it takes `POST` only (405); the bearer
/// token must match (401); a declared length over [`MAX_PURGE_BODY`] is
/// refused unread (413).
pub fn purge_gate(
    method: &str,
    authorization: Option<&[u8]>,
    token: Option<&[u8]>,
    declared_length: Option<u64>,
) -> Result<(), PurgeResponse> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(refusal(404, "disabled", vec![]));
    };
    if method != "POST" {
        let mut response = refusal(405, "method not allowed: use POST", vec![]);
        response.headers.push(("allow", "POST".to_string()));
        return Err(response);
    }
    if !authorized(authorization, token) {
        let mut response = refusal(401, "unauthorized: Authorization: Bearer <token>", vec![]);
        response
            .headers
            .push(("www-authenticate", "Bearer realm=\"edgecache\"".to_string()));
        return Err(response);
    }
    let limit = u64::try_from(MAX_PURGE_BODY).unwrap_or(u64::MAX);
    if declared_length.is_some_and(|length| length > limit) {
        let error = PurgeError::TooLarge;
        return Err(refusal(error.status(), "body too large", error.problems()));
    }
    Ok(())
}

/// Reads the body (an adapter reads at most one byte more than
/// [`MAX_PURGE_BODY`]) into the purge to make. `now_ms` names the purge in
/// logs.
pub fn plan_purge(config: &Config, body: &[u8], now_ms: u64) -> Result<PurgePlan, PurgeResponse> {
    let request = parse_purge(body).map_err(|error| {
        let message = match error {
            PurgeError::TooLarge => "body too large",
            PurgeError::Malformed(_) => "malformed purge request",
        };
        refusal(error.status(), message, error.problems())
    })?;
    let targets = request
        .paths
        .iter()
        .map(|target| {
            let (key, widened_to) = target_purge_keys(config, target);
            Planned {
                label: target.label(),
                key,
                widened_to,
            }
        })
        .collect();
    Ok(PurgePlan {
        id: purge_id(now_ms, body),
        soft: request.soft,
        all: request.all,
        targets,
        tags: request.tags,
    })
}

/// A checked purge: what to purge on the platform, and how to report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgePlan {
    /// Names this purge in the response and the log.
    pub id: String,
    /// Mark entries stale instead of removing them (served stale while
    /// they revalidate).
    pub soft: bool,
    /// Purge everything this function cached ([`PURGE_ALL_KEY`]).
    pub all: bool,
    targets: Vec<Planned>,
    tags: Vec<String>,
}

/// One path of the request and the purge key that purges it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Planned {
    label: String,
    key: String,
    widened_to: Option<String>,
}

impl PurgePlan {
    /// The purge keys to purge, each once: [`PURGE_ALL_KEY`] alone for
    /// `all`, else one per path and the tags as the origin sent them.
    pub fn keys(&self) -> Vec<String> {
        if self.all {
            return vec![PURGE_ALL_KEY.to_string()];
        }
        let mut keys: Vec<String> = Vec::with_capacity(self.targets.len() + self.tags.len());
        let named = self.targets.iter().map(|t| &t.key).chain(&self.tags);
        for key in named {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        keys
    }

    /// 202 with the summary: what each path and tag purged. `propagation`
    /// says how the platform spreads it.
    pub fn accepted(&self, propagation: &str) -> PurgeResponse {
        let keys = self.keys();
        let body = Accepted {
            all: self.all,
            counts: Counts {
                paths: self.targets.len(),
                purge_keys: keys.len(),
                tags: self.tags.len(),
            },
            id: &self.id,
            paths: self.targets.iter().map(Planned::summary).collect(),
            propagation,
            soft: self.soft,
            status: "accepted",
            tags: &self.tags,
        };
        answer(202, &body, self.log_line(202, None))
    }

    /// 503: the platform refused to purge `failed` (the other keys were
    /// purged); the caller should retry the whole call.
    pub fn failed(&self, failed: &[String], detail: &str) -> PurgeResponse {
        let body = Failed {
            detail,
            error: "purge failed: retry",
            failed_purge_keys: failed,
            id: &self.id,
        };
        answer(503, &body, self.log_line(503, Some(detail)))
    }

    fn log_line(&self, status: u16, error: Option<&str>) -> String {
        to_json(&Logged {
            all: self.all,
            error,
            event: "purge",
            id: &self.id,
            paths: self.targets.iter().map(|t| t.label.as_str()).collect(),
            purge_keys: self.keys().len(),
            soft: self.soft,
            status,
            tags: &self.tags,
        })
    }
}

impl Planned {
    fn summary(&self) -> Summary<'_> {
        Summary {
            path: &self.label,
            purge_key: &self.key,
            widened_to: self.widened_to.as_deref(),
        }
    }
}

// The answers and log lines, their fields in the order they are written
// (alphabetical, as clients have always seen them).

/// One path of a 202's summary.
#[derive(Serialize)]
struct Summary<'a> {
    path: &'a str,
    purge_key: &'a str,
    widened_to: Option<&'a str>,
}

#[derive(Serialize)]
struct Counts {
    paths: usize,
    purge_keys: usize,
    tags: usize,
}

/// The 202's body.
#[derive(Serialize)]
struct Accepted<'a> {
    all: bool,
    counts: Counts,
    id: &'a str,
    paths: Vec<Summary<'a>>,
    propagation: &'a str,
    soft: bool,
    status: &'a str,
    tags: &'a [String],
}

/// The 503's body.
#[derive(Serialize)]
struct Failed<'a> {
    detail: &'a str,
    error: &'a str,
    failed_purge_keys: &'a [String],
    id: &'a str,
}

/// The log line of a planned purge.
#[derive(Serialize)]
struct Logged<'a> {
    all: bool,
    error: Option<&'a str>,
    event: &'a str,
    id: &'a str,
    paths: Vec<&'a str>,
    purge_keys: usize,
    soft: bool,
    status: u16,
    tags: &'a [String],
}

/// The body of a refusal.
#[derive(Serialize)]
struct Refused<'a> {
    error: &'a str,
    problems: &'a [String],
}

/// The log line of a refusal.
#[derive(Serialize)]
struct RefusedLogged<'a> {
    error: &'a str,
    event: &'a str,
    problems: &'a [String],
    status: u16,
}

/// Plain fields only: serializing cannot fail.
fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// 16 hex digits naming one call: its time and body.
fn purge_id(now_ms: u64, body: &[u8]) -> String {
    let hash = sha256_hex(&[&now_ms.to_be_bytes(), body]);
    hash[..16].to_string()
}

fn refusal(status: u16, error: &str, problems: Vec<String>) -> PurgeResponse {
    let log = to_json(&RefusedLogged {
        error,
        event: "purge",
        problems: &problems,
        status,
    });
    let body = Refused {
        error,
        problems: &problems,
    };
    answer(status, &body, log)
}

fn answer(status: u16, body: &impl Serialize, log: String) -> PurgeResponse {
    PurgeResponse {
        status,
        headers: vec![
            ("content-type", "application/json".to_string()),
            ("cache-control", "no-store".to_string()),
        ],
        body: to_json(body),
        log,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::demo_config;

    const TOKEN: &[u8] = b"demo-purge-token";

    fn gate(method: &str, auth: Option<&str>, token: Option<&[u8]>, length: Option<u64>) -> u16 {
        match purge_gate(method, auth.map(str::as_bytes), token, length) {
            Ok(()) => 0,
            Err(response) => response.status,
        }
    }

    #[test]
    fn checks_in_order_enabled_method_token_size() {
        let good = Some("Bearer demo-purge-token");
        let table = [
            ("POST", good, None, None, 404),
            ("POST", good, Some(&b""[..]), None, 404),
            ("GET", good, Some(TOKEN), None, 405),
            ("GET", None, Some(TOKEN), None, 405),
            ("POST", None, Some(TOKEN), None, 401),
            (
                "POST",
                Some("Bearer wrong"),
                Some(TOKEN),
                Some(999_999),
                401,
            ),
            (
                "POST",
                Some("Basic demo-purge-token"),
                Some(TOKEN),
                None,
                401,
            ),
            ("POST", good, Some(TOKEN), Some(999_999), 413),
            ("POST", good, Some(TOKEN), Some(10), 0),
            ("POST", good, Some(TOKEN), None, 0),
        ];
        for (method, auth, token, length, want) in table {
            assert_eq!(
                gate(method, auth, token, length),
                want,
                "{method} {auth:?} {length:?}"
            );
        }
    }

    #[test]
    fn refusals_say_how_to_succeed() {
        let Err(unauthorized) = purge_gate("POST", None, Some(TOKEN), None) else {
            panic!("accepted");
        };
        assert!(
            unauthorized
                .headers
                .contains(&("www-authenticate", "Bearer realm=\"edgecache\"".into()))
        );
        let Err(method) = purge_gate("DELETE", None, Some(TOKEN), None) else {
            panic!("accepted");
        };
        assert!(method.headers.contains(&("allow", "POST".into())));
        assert!(
            unauthorized
                .headers
                .contains(&("cache-control", "no-store".into()))
        );
    }

    #[test]
    fn malformed_bodies_are_400_with_every_problem() {
        let Err(response) = plan_purge(
            &demo_config(),
            br#"{"paths": ["x", "/a*b"], "tags": [""]}"#,
            1,
        ) else {
            panic!("accepted");
        };
        assert_eq!(response.status, 400);
        let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
        assert_eq!(body["problems"].as_array().unwrap().len(), 3, "{body}");
        assert!(response.log.contains("\"event\":\"purge\""));
    }

    #[test]
    fn purges_each_key_once_and_all_alone() {
        let config = demo_config();
        let body =
            br#"{"paths": ["/products/42", "/products/42", "/media/so*"], "tags": ["product-42"]}"#;
        let plan = plan_purge(&config, body, 1).unwrap();
        let keys = plan.keys();
        assert_eq!(keys.len(), 3, "{keys:?}");
        assert_eq!(keys[2], "product-42");
        let summary: serde_json::Value = serde_json::from_str(&plan.accepted("now").body).unwrap();
        assert_eq!(summary["paths"][2]["widened_to"], "/media/*");
        assert_eq!(summary["counts"]["paths"], 3);
        assert_eq!(summary["counts"]["purge_keys"], 3);
        let all = plan_purge(&config, br#"{"all": true, "tags": ["x"]}"#, 1).unwrap();
        assert_eq!(all.keys(), [PURGE_ALL_KEY]);
    }

    #[test]
    fn the_id_names_the_call() {
        let config = demo_config();
        let body = br#"{"all": true}"#;
        let a = plan_purge(&config, body, 1).unwrap();
        assert_eq!(a.id.len(), 16);
        assert_eq!(a.id, plan_purge(&config, body, 1).unwrap().id);
        assert_ne!(a.id, plan_purge(&config, body, 2).unwrap().id);
        let accepted = a.accepted("now");
        assert_eq!(accepted.status, 202);
        assert!(accepted.log.contains(&a.id));
        assert_eq!(a.failed(&["ec-all".into()], "down").status, 503);
    }

    #[test]
    fn the_api_path_is_matched_normalized() {
        let config = demo_config();
        for (target, want) in [
            ("/.edgecache/purge", true),
            ("/.edgecache/%70urge", true),
            ("/.edgecache/x/../purge?all", true),
            ("/.edgecache/purge/", false),
            ("/.edgecache/Purge", false),
        ] {
            assert_eq!(is_purge_request(&config, target), want, "{target}");
        }
    }

    /// The answers' and log lines' bytes, pinned: clients and log readers
    /// parse them, and their fields come in alphabetical order.
    #[test]
    fn answers_and_log_lines_are_pinned() {
        let body = br#"{"paths": ["/products/42", "/media/*"], "tags": ["t1"], "soft": true}"#;
        let Ok(plan) = plan_purge(&demo_config(), body, 1) else {
            panic!("refused");
        };
        let accepted = plan.accepted("now");
        let failed = plan.failed(&["k1".to_string()], "platform said no");
        let Err(refused) = plan_purge(&demo_config(), br#"{"paths": ["x"]}"#, 1) else {
            panic!("accepted");
        };
        let table = [
            (
                &accepted.body,
                r#"{"all":false,"counts":{"paths":2,"purge_keys":3,"tags":1},"id":"511910dc9035ab4a","paths":[{"path":"/products/42","purge_key":"ec-p-dd8fd928dd53fa73","widened_to":null},{"path":"/media/*","purge_key":"ec-d-9b7818f86bf06aee","widened_to":null}],"propagation":"now","soft":true,"status":"accepted","tags":["t1"]}"#,
            ),
            (
                &accepted.log,
                r#"{"all":false,"error":null,"event":"purge","id":"511910dc9035ab4a","paths":["/products/42","/media/*"],"purge_keys":3,"soft":true,"status":202,"tags":["t1"]}"#,
            ),
            (
                &failed.body,
                r#"{"detail":"platform said no","error":"purge failed: retry","failed_purge_keys":["k1"],"id":"511910dc9035ab4a"}"#,
            ),
            (
                &failed.log,
                r#"{"all":false,"error":"platform said no","event":"purge","id":"511910dc9035ab4a","paths":["/products/42","/media/*"],"purge_keys":3,"soft":true,"status":503,"tags":["t1"]}"#,
            ),
            (
                &refused.body,
                r#"{"error":"malformed purge request","problems":["paths[0]: must start with /"]}"#,
            ),
            (
                &refused.log,
                r#"{"error":"malformed purge request","event":"purge","problems":["paths[0]: must start with /"],"status":400}"#,
            ),
        ];
        for (got, want) in table {
            assert_eq!(got, want);
        }
    }
}
