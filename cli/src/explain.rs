//! `edgecache explain`: one request (and one origin response) through
//! every decision the edge makes, with the reasons.
//!
//! Everything here is core's: [`decide_request`], [`decide_response`],
//! [`CacheOutcome::headers`]. This module only parses the command line's
//! text into core's types and lays the answers out.

use std::fmt::Write as _;

use edgecache_core::purge::{entry_purge_keys, is_purge_request};
use edgecache_core::{
    CacheOutcome, Config, Disposition, Headers, OriginResponse, RequestDecision, ResponseDecision,
    Scheme, ViewerRequest, decide_request, decide_response, normalize_path, select_behavior,
};
use serde::Serialize;

use crate::Error;

/// What the user asked about.
#[derive(Debug, Clone)]
pub struct Input {
    /// The request method, as sent (`GET`; methods are case-sensitive).
    pub method: String,
    /// An absolute URL, or an origin-form target (`/path?query`).
    pub url: String,
    /// `Name: value` lines of the viewer request.
    pub headers: Vec<String>,
    /// The origin's status line (`HTTP/1.1 200`, or just `200`); `None`
    /// assumes a 200 with no headers.
    pub response: Option<String>,
    /// `Name: value` lines of the origin response.
    pub response_headers: Vec<String>,
    /// Unix seconds.
    pub now: u64,
}

/// Every decision for one request, as shown.
#[derive(Debug, Serialize)]
pub struct Explanation {
    /// The viewer request as understood from the input.
    pub request: ShownRequest,
    /// The request is for the invalidation API, which answers it itself.
    pub invalidation_api: bool,
    /// The normalized path behaviors are matched against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Each behavior in matching order, then the default.
    pub behaviors: Vec<BehaviorStep>,
    /// Why the edge answers the request itself with an error, if it does;
    /// nothing after this step is shown then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected: Option<ShownRejection>,
    /// The cache policy's verdict: look up a key or bypass the cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<ShownCache>,
    /// What the origin would receive on a miss or a bypass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_request: Option<ShownOriginRequest>,
    /// The origin response the decision is made on (given, or assumed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ShownResponse>,
    /// Whether that response would be stored, for how long, or why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<ShownDecision>,
    /// The `X-Cache` header the viewer would get.
    pub x_cache: &'static str,
    /// The `Cache-Status` header the viewer would get (RFC 9211).
    pub cache_status: String,
}

/// The viewer request, as the edge would receive it.
#[derive(Debug, Serialize)]
pub struct ShownRequest {
    /// The method, as given.
    pub method: String,
    /// `https`, or `http` for an `http://` URL.
    pub scheme: &'static str,
    /// The Host: a `Host` header given with `-H`, else the URL's host
    /// (`localhost` for a bare target).
    pub host: String,
    /// The origin-form target (`/path?query`), as given.
    pub target: String,
    /// Every header line, `Host` first when it came from the URL.
    pub headers: Vec<(String, String)>,
}

/// One behavior and what it made of the path.
#[derive(Debug, Serialize)]
pub struct BehaviorStep {
    /// The path pattern as configured, or `* (default)`.
    pub pattern: String,
    /// `matched`, `no-match` or `not-tried`.
    pub outcome: &'static str,
    /// The reason in words, with near misses (letter case, a trailing `/`).
    pub why: String,
}

/// A request the edge refuses before any cache or origin is involved.
#[derive(Debug, Serialize)]
pub struct ShownRejection {
    /// The status the edge answers with: 400, 403 or 414.
    pub status: u16,
    /// Why, as logged: `method-not-allowed`, `body-on-safe-method`,
    /// `bad-target` or `target-too-long`.
    pub reason: &'static str,
}

/// Whether the cache is used, and the key.
#[derive(Debug, Serialize)]
pub struct ShownCache {
    /// The name of the behavior's cache policy.
    pub cache_policy: String,
    /// `lookup` or `pass`.
    pub disposition: &'static str,
    /// Why the cache is bypassed (`method`, `caching-disabled`,
    /// `request-body`), as `Cache-Status` says it in `detail`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_reason: Option<&'static str>,
    /// The key as `Cache-Status` shows it (cookie and secret header values hashed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The key's stable SHA-256 hash (64 hex digits), what the platform
    /// stores the entry under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_hash: Option<String>,
    /// Inputs reach the origin that the key ignores.
    pub unkeyed_inputs: bool,
}

/// The request the origin would receive.
#[derive(Debug, Serialize)]
pub struct ShownOriginRequest {
    /// The origin's name in the configuration.
    pub origin: String,
    /// The method sent: the viewer's, but GET for a HEAD that fills the
    /// cache.
    pub method: String,
    /// The full URL: scheme, origin domain and port, origin path,
    /// normalized path and forwarded query.
    pub url: String,
    /// Every header sent, `Host` first; nothing else is sent.
    pub headers: Vec<(String, String)>,
}

/// The origin's response, as given on the command line.
#[derive(Debug, Serialize)]
pub struct ShownResponse {
    /// The status code (200 when assumed).
    pub status: u16,
    /// The response's header lines, as given.
    pub headers: Vec<(String, String)>,
    /// No response was given: a 200 with no headers was assumed.
    pub assumed: bool,
}

/// Store (how) or pass (why).
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShownDecision {
    /// Stored: for how long, under which variants and purge keys.
    Store(ShownStore),
    /// Not stored.
    Pass {
        /// Why, as `Cache-Status` says it in `detail` (`no-store`,
        /// `private`, `set-cookie`, `zero-ttl`, ...).
        reason: &'static str,
    },
}

/// How a response would be stored.
#[derive(Debug, Serialize)]
pub struct ShownStore {
    /// The freshness lifetime in seconds, counted from the response's age
    /// on arrival.
    pub ttl: u64,
    /// Where the TTL came from: `s-maxage`, `max-age`, `expires`,
    /// `default-ttl`, `error-ttl`, `no-cache` or `min-ttl-override`.
    pub ttl_source: &'static str,
    /// The response's age on arrival in seconds (its `Age` header).
    pub initial_age: u64,
    /// Seconds the response stays fresh from now: `ttl` minus
    /// `initial_age`.
    pub fresh_for: u64,
    /// Seconds after going stale that it may be served while one request
    /// refreshes it.
    pub stale_while_revalidate: u64,
    /// Seconds after going stale that it may be served when the origin
    /// fails.
    pub stale_if_error: u64,
    /// How long the platform keeps the object: fresh time and stale retention.
    pub keep_for: u64,
    /// The selecting headers of `Vary`, each as `name=value` (the value
    /// the origin received) or `name (absent)`.
    pub vary: Vec<String>,
    /// The origin's purge tags (`Surrogate-Key`, `Cache-Tag`).
    pub tags: Vec<String>,
    /// Every purge key the entry carries: `ec-all`, its path's, its
    /// path and query's, each directory's, then the tags.
    pub purge_keys: Vec<String>,
    /// `ETag ...` and `Last-Modified ...`, when the response has them, for
    /// revalidation.
    pub validators: Vec<String>,
    /// `Set-Cookie` is removed from the stored copy (min-TTL override only).
    pub strip_set_cookie: bool,
    /// The entry may answer requests that carry `Authorization` (the
    /// response said `public`, `s-maxage` or `must-revalidate`; RFC 9111
    /// section 3.5).
    pub shareable_with_credentials: bool,
}

/// Runs `input` through core.
pub fn explain(config: &Config, input: &Input) -> Result<Explanation, Error> {
    let (scheme, host, target) = split_url(&input.url)?;
    let mut header_lines = parse_header_lines(&input.headers, "-H")?;
    if !header_lines
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("host"))
    {
        header_lines.insert(0, ("Host".to_string(), host.clone()));
    }
    let host = header_lines
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map_or(host, |(_, v)| v.clone());
    let pairs: Vec<(&str, &[u8])> = header_lines
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let viewer = ViewerRequest {
        method: &input.method,
        scheme,
        host: &host,
        target: &target,
        headers: Headers::new(&pairs),
        has_body: false,
        client_ip: None,
        from_edge: false,
    };
    let mut shown = Explanation {
        request: ShownRequest {
            method: input.method.clone(),
            scheme: scheme.as_str(),
            host: host.clone(),
            target: target.clone(),
            headers: header_lines.clone(),
        },
        invalidation_api: is_purge_request(config, &target),
        path: None,
        behaviors: Vec::new(),
        rejected: None,
        cache: None,
        origin_request: None,
        response: None,
        decision: None,
        x_cache: "",
        cache_status: String::new(),
    };
    let raw_path = target.split_once('?').map_or(target.as_str(), |(p, _)| p);
    if let Ok(path) = normalize_path(raw_path) {
        shown.behaviors = behavior_steps(config, &path);
        shown.path = Some(path);
    }
    let plan = match decide_request(config, &viewer) {
        RequestDecision::Reject(rejection) => {
            shown.rejected = Some(ShownRejection {
                status: rejection.status(),
                reason: rejection.as_str(),
            });
            return Ok(decorate(shown, &CacheOutcome::Rejected(rejection), None));
        }
        RequestDecision::Forward(plan) => plan,
    };
    shown.cache = Some(ShownCache {
        cache_policy: plan.cache_policy.name.to_string(),
        disposition: match plan.disposition {
            Disposition::Lookup(_) => "lookup",
            Disposition::Pass(_) => "pass",
        },
        pass_reason: match plan.disposition {
            Disposition::Pass(reason) => Some(reason.as_str()),
            Disposition::Lookup(_) => None,
        },
        key: lookup_key(&plan.disposition).map(|k| k.redacted()),
        key_hash: lookup_key(&plan.disposition).map(|k| k.hash_hex()),
        unkeyed_inputs: plan.unkeyed.any,
    });
    let request = &plan.origin_request;
    shown.origin_request = Some(ShownOriginRequest {
        origin: request.origin.name.to_string(),
        method: request.method_str().to_string(),
        url: request.url.clone(),
        headers: request
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned()))
            .collect(),
    });
    let status = parse_status(input.response.as_deref())?;
    let response_lines = parse_header_lines(&input.response_headers, "-R")?;
    let response_pairs: Vec<(&str, &[u8])> = response_lines
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let response = OriginResponse {
        status,
        headers: Headers::new(&response_pairs),
    };
    shown.response = Some(ShownResponse {
        status,
        headers: response_lines.clone(),
        assumed: input.response.is_none() && input.response_headers.is_empty(),
    });
    let decision = decide_response(config, &plan, &response, input.now);
    let key = lookup_key(&plan.disposition);
    let outcome = match (&plan.disposition, &decision) {
        (Disposition::Pass(reason), _) => CacheOutcome::Pass {
            status,
            reason: *reason,
        },
        (Disposition::Lookup(_), ResponseDecision::Pass(reason)) => CacheOutcome::Miss {
            status,
            stored: Err(*reason),
        },
        (Disposition::Lookup(_), ResponseDecision::Store(store)) => CacheOutcome::Miss {
            status,
            stored: Ok((
                i64::try_from(store.fresh_for()).unwrap_or(i64::MAX),
                store.source,
            )),
        },
    };
    shown.decision = Some(match (&decision, key) {
        (ResponseDecision::Store(store), Some(key)) => {
            let mut purge_keys = entry_purge_keys(&plan, key);
            purge_keys.extend(store.tags.iter().cloned());
            ShownDecision::Store(ShownStore {
                ttl: store.ttl,
                ttl_source: store.source.as_str(),
                initial_age: store.initial_age,
                fresh_for: store.fresh_for(),
                stale_while_revalidate: store.stale_while_revalidate,
                stale_if_error: store.stale_if_error,
                keep_for: store.keep_for(),
                vary: store
                    .vary
                    .headers
                    .iter()
                    .map(|(name, value)| match value {
                        Some(v) => format!("{name}={v}"),
                        None => format!("{name} (absent)"),
                    })
                    .collect(),
                tags: store.tags.clone(),
                purge_keys,
                validators: [
                    store.validators.etag.as_ref().map(|e| format!("ETag {e}")),
                    store
                        .validators
                        .last_modified
                        .as_ref()
                        .map(|l| format!("Last-Modified {l}")),
                ]
                .into_iter()
                .flatten()
                .collect(),
                strip_set_cookie: store.strip_set_cookie,
                shareable_with_credentials: store.shareable_with_credentials,
            })
        }
        (ResponseDecision::Pass(reason), _) => ShownDecision::Pass {
            reason: reason.as_str(),
        },
        (ResponseDecision::Store(_), None) => ShownDecision::Pass { reason: "no-key" },
    });
    Ok(decorate(shown, &outcome, key))
}

fn decorate(
    mut shown: Explanation,
    outcome: &CacheOutcome,
    key: Option<&edgecache_core::CacheKey>,
) -> Explanation {
    let decoration = outcome.headers(key);
    shown.x_cache = decoration.x_cache;
    shown.cache_status = decoration.cache_status;
    shown
}

fn lookup_key(disposition: &Disposition) -> Option<&edgecache_core::CacheKey> {
    match disposition {
        Disposition::Lookup(key) => Some(key),
        Disposition::Pass(_) => None,
    }
}

/// Each behavior's verdict on `path`, as CloudFront tries them: in order,
/// the first match wins, the default takes the rest.
fn behavior_steps(config: &Config, path: &str) -> Vec<BehaviorStep> {
    let chosen = select_behavior(config, path);
    let mut matched = false;
    let mut steps = Vec::new();
    for behavior in config.behaviors() {
        let Some(pattern) = &behavior.pattern else {
            continue;
        };
        let (outcome, why) = if matched {
            ("not-tried", "an earlier behavior matched".to_string())
        } else if pattern.matches(path) {
            matched = true;
            (
                "matched",
                format!("{:?} matches {path:?}", pattern.as_str()),
            )
        } else {
            ("no-match", mismatch(pattern, path))
        };
        steps.push(BehaviorStep {
            pattern: behavior.label().to_string(),
            outcome,
            why,
        });
    }
    let default_chosen = std::ptr::eq(chosen, config.default_behavior());
    steps.push(BehaviorStep {
        pattern: "* (default)".to_string(),
        outcome: if default_chosen {
            "matched"
        } else {
            "not-tried"
        },
        why: if default_chosen {
            "no pattern matched".to_string()
        } else {
            "an earlier behavior matched".to_string()
        },
    });
    steps
}

/// Why a pattern does not match, with the near misses people make.
fn mismatch(pattern: &edgecache_core::PathPattern, path: &str) -> String {
    let text = pattern.as_str();
    let lower_path = path.to_ascii_lowercase();
    let near = if edgecache_core::PathPattern::compile(&text.to_ascii_lowercase())
        .is_ok_and(|p| p.matches(&lower_path))
    {
        ": it would if letter case were ignored, but patterns are case-sensitive"
    } else if pattern.matches(&format!("{path}/")) {
        ": it matches the path with a trailing /"
    } else if path.len() > 1 && pattern.matches(path.trim_end_matches('/')) {
        ": it matches the path without its trailing /"
    } else {
        ""
    };
    format!("{text:?} does not match {path:?}{near}")
}

/// Scheme, Host and origin-form target of an absolute URL, or of a bare
/// target (then `https` and `localhost`).
fn split_url(url: &str) -> Result<(Scheme, String, String), Error> {
    if url.starts_with('/') {
        return Ok((Scheme::Https, "localhost".to_string(), url.to_string()));
    }
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (Scheme::Https, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (Scheme::Http, rest)
    } else {
        return Err(Error::new(format!(
            "{url:?}: expected an http:// or https:// URL, or a path starting with /"
        )));
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(end);
    if authority.is_empty() || authority.contains('@') {
        return Err(Error::new(format!(
            "{url:?}: expected a host name after the scheme (and no user name)"
        )));
    }
    let target = target.split('#').next().unwrap_or_default();
    let target = match target {
        "" => "/".to_string(),
        t if t.starts_with('?') => format!("/{t}"),
        t => t.to_string(),
    };
    Ok((scheme, authority.to_string(), target))
}

/// `Name: value` lines; `flag` names the option in errors.
fn parse_header_lines(lines: &[String], flag: &str) -> Result<Vec<(String, String)>, Error> {
    lines
        .iter()
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| Error::new(format!("{flag} {line:?}: expected \"Name: value\"")))?;
            let name = name.trim();
            if name.is_empty() || !name.bytes().all(is_tchar) {
                return Err(Error::new(format!(
                    "{flag} {line:?}: {name:?} is not a header name"
                )));
            }
            Ok((name.to_string(), value.trim().to_string()))
        })
        .collect()
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The `--now` option: Unix seconds or an HTTP date; the clock when absent.
pub fn parse_now(text: Option<&str>) -> Result<u64, Error> {
    let Some(text) = text else {
        return Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()));
    };
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(seconds);
    }
    httpdate::parse_http_date(text)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .ok_or_else(|| {
            Error::new(format!(
                "--now {text:?}: expected Unix seconds or an HTTP date such as \"Sun, 22 Nov 2026 12:00:00 GMT\""
            ))
        })
}

/// `HTTP/1.1 200`, `HTTP/2 404 Not Found` or `200`; 200 when absent.
fn parse_status(line: Option<&str>) -> Result<u16, Error> {
    let Some(line) = line else {
        return Ok(200);
    };
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or_default();
    let code = if first.starts_with("HTTP/") {
        words.next().unwrap_or_default()
    } else {
        first
    };
    code.parse::<u16>()
        .ok()
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| {
            Error::new(format!(
                "--response {line:?}: expected a status line such as \"HTTP/1.1 200\""
            ))
        })
}

impl Explanation {
    /// The explanation as text, one section per decision.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let r = &self.request;
        let _ = writeln!(
            out,
            "request      {} {}://{}{}",
            r.method, r.scheme, r.host, r.target
        );
        for (name, value) in &r.headers {
            let _ = writeln!(out, "             {name}: {value}");
        }
        if self.invalidation_api {
            let _ = writeln!(
                out,
                "\nThis is the invalidation API's path: the edge answers it itself (POST with a bearer token), never from the cache or the origin."
            );
            return out;
        }
        self.text_behaviors(&mut out);
        if let Some(rejected) = &self.rejected {
            let _ = writeln!(
                out,
                "\nrejected     {} ({}): the edge answers without asking the origin",
                rejected.status, rejected.reason
            );
        }
        self.text_cache(&mut out);
        self.text_origin(&mut out);
        self.text_decision(&mut out);
        let _ = writeln!(out, "\nX-Cache: {}", self.x_cache);
        let _ = writeln!(out, "Cache-Status: {}", self.cache_status);
        out
    }

    fn text_behaviors(&self, out: &mut String) {
        let Some(path) = &self.path else {
            return;
        };
        let _ = writeln!(out, "\npath         {path} (normalized)");
        let _ = writeln!(out, "behaviors");
        for step in &self.behaviors {
            let mark = match step.outcome {
                "matched" => "=>",
                "no-match" => " x",
                _ => "  ",
            };
            let _ = writeln!(out, "  {mark} {:<20} {}", step.pattern, step.why);
        }
    }

    fn text_cache(&self, out: &mut String) {
        let Some(cache) = &self.cache else {
            return;
        };
        let _ = writeln!(out, "\ncache policy {}", cache.cache_policy);
        match (&cache.key, cache.pass_reason) {
            (Some(key), _) => {
                let _ = writeln!(out, "cache key    {key}");
                let _ = writeln!(
                    out,
                    "key hash     {}",
                    cache.key_hash.as_deref().unwrap_or_default()
                );
            }
            (None, reason) => {
                let _ = writeln!(out, "cache        bypassed: {}", reason.unwrap_or_default());
            }
        }
        if cache.unkeyed_inputs {
            let _ = writeln!(
                out,
                "             inputs the key ignores reach the origin: an error answer will not be stored"
            );
        }
    }

    fn text_origin(&self, out: &mut String) {
        let Some(request) = &self.origin_request else {
            return;
        };
        let _ = writeln!(
            out,
            "\norigin       {} {} (origin {:?})",
            request.method, request.url, request.origin
        );
        for (name, value) in &request.headers {
            let _ = writeln!(out, "             {name}: {value}");
        }
    }

    fn text_decision(&self, out: &mut String) {
        let (Some(response), Some(decision)) = (&self.response, &self.decision) else {
            return;
        };
        let assumed = if response.assumed {
            " (assumed: no --response given)"
        } else {
            ""
        };
        let _ = writeln!(out, "\nresponse     {}{assumed}", response.status);
        for (name, value) in &response.headers {
            let _ = writeln!(out, "             {name}: {value}");
        }
        match decision {
            ShownDecision::Pass { reason } => {
                let _ = writeln!(out, "decision     pass: {reason}");
            }
            ShownDecision::Store(s) => {
                let _ = writeln!(
                    out,
                    "decision     store: ttl {} s from {}, fresh for {} s, stale-while-revalidate {} s, stale-if-error {} s, kept {} s",
                    s.ttl,
                    s.ttl_source,
                    s.fresh_for,
                    s.stale_while_revalidate,
                    s.stale_if_error,
                    s.keep_for
                );
                let list = |items: &[String]| {
                    if items.is_empty() {
                        "none".to_string()
                    } else {
                        items.join(", ")
                    }
                };
                let _ = writeln!(out, "vary         {}", list(&s.vary));
                let _ = writeln!(out, "validators   {}", list(&s.validators));
                let _ = writeln!(out, "tags         {}", list(&s.tags));
                let _ = writeln!(out, "purge keys   {}", list(&s.purge_keys));
                if s.strip_set_cookie {
                    let _ = writeln!(
                        out,
                        "             Set-Cookie is removed from the stored copy"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
