//! What the fuzz targets share: the configurations they run against, how
//! an input's bytes become header lines, and the invariants more than one
//! target checks.
//!
//! Inputs are text-like on purpose (one header line per input line), so
//! that the seed corpus is readable and libFuzzer's mutations of it stay
//! meaningful; values are arbitrary bytes but `\n`.

use std::borrow::Cow;
use std::sync::LazyLock;

use edgecache_core::flow::Finish;
use edgecache_core::{CacheKey, Config, OriginRequest, RequestPlan, ViewerRequest};

/// `config/demo.json`, the configuration the demo and the tests run.
pub static DEMO: LazyLock<Config> = LazyLock::new(|| {
    Config::from_json(include_str!("../../../config/demo.json")).expect("config/demo.json is valid")
});

/// A configuration that keys and forwards much more than the demo does:
/// viewer headers (one shown in keys, others hashed), cookies, the
/// viewer's Host (sent to the origin, so keyed), every viewer header but
/// credentials forwarded unkeyed, the min-TTL override, OPTIONS cached,
/// and an HTTP origin for `/static/*`, so that keys, Vary and forwarding
/// see every kind of input.
pub static RICH: LazyLock<Config> = LazyLock::new(|| {
    Config::from_json(RICH_JSON).unwrap_or_else(|e| panic!("RICH_JSON is invalid: {e}"))
});

/// The JSON of [`RICH`].
pub const RICH_JSON: &str = r#"{
  "origins": {
    "api": {
      "domain": "api.example.com",
      "https_port": 8443,
      "path": "/v1",
      "host_header": "viewer",
      "custom_headers": {"X-Origin-Verify": "s3cret"}
    },
    "assets": {"domain": "assets.example.com", "protocol": "match-viewer", "http_port": 8080}
  },
  "cache_policies": {
    "keyed": {
      "min_ttl": 5,
      "default_ttl": 60,
      "max_ttl": 3600,
      "query_strings": {"behavior": "all_except", "names": ["utm_source"]},
      "headers": ["Accept-Language", "X-Api-Key", "Origin"],
      "cookies": {"behavior": "whitelist", "names": ["session", "lang"]},
      "canonicalize_query": {"sort": true, "dedupe": true},
      "include_host": true,
      "cloudfront_min_ttl_override": true,
      "stale_while_revalidate": 30,
      "stale_if_error": 300
    },
    "plain": {"accept_encoding": {"gzip": true, "brotli": false}}
  },
  "origin_request_policies": {
    "everything": {
      "query_strings": {"behavior": "all"},
      "headers": {"behavior": "all_except", "names": ["Authorization", "X-Auth-Token",
        "X-Access-Token", "X-Amz-Security-Token", "X-Csrf-Token", "X-Xsrf-Token"]},
      "cookies": {"behavior": "whitelist", "names": ["session"]}
    }
  },
  "behaviors": [
    {"path_pattern": "/static/*", "origin": "assets", "cache_policy": "plain"}
  ],
  "default_behavior": {
    "origin": "api",
    "cache_policy": "keyed",
    "origin_request_policy": "everything",
    "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
    "cached_methods": ["GET", "HEAD", "OPTIONS"]
  }
}"#;

/// The input's lines, split at `\n` (a value may hold `\r`).
pub fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == b'\n')
}

/// Bytes as text, invalid UTF-8 replaced.
pub fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Header lines read from `name: value` input lines: the name as text,
/// trimmed; the value as arbitrary bytes after the first `:`, leading
/// blanks dropped. A line without `:` is a name with an empty value.
pub fn header_lines<'a>(lines: impl Iterator<Item = &'a [u8]>) -> Vec<(String, Vec<u8>)> {
    lines
        .map(|line| {
            let (name, value) = match line.iter().position(|&b| b == b':') {
                Some(at) => (&line[..at], &line[at + 1..]),
                None => (line, &line[line.len()..]),
            };
            let start = value
                .iter()
                .position(|&b| b != b' ' && b != b'\t')
                .unwrap_or(value.len());
            (text(name).trim().to_string(), value[start..].to_vec())
        })
        .collect()
}

/// The borrowed form `Headers::new` takes.
pub fn borrowed(lines: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
    lines
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect()
}

/// RFC 9110 `token` (a header name).
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A value a platform could hand over or send: no CR, LF or NUL.
pub fn is_field_value(value: &[u8]) -> bool {
    !value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0)
}

/// Printable ASCII and space only.
pub fn is_printable(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
}

/// 64 lower-case hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A cache key is safe in a header (`Cache-Status: ...; key="..."`), a log
/// line and a platform key: printable ASCII without `"` or `\`; its hash is
/// 64 hex digits; its resource starts it (after an optional method and host)
/// and is a path.
pub fn check_key(key: &CacheKey) {
    let text = key.as_str();
    assert!(
        is_printable(text) && !text.contains(['"', '\\']),
        "key not printable ASCII without quote and backslash: {text:?}"
    );
    assert!(
        is_sha256_hex(&key.hash_hex()),
        "key hash {:?}",
        key.hash_hex()
    );
    let redacted = key.redacted();
    assert!(
        is_printable(&redacted) && !redacted.contains(['"', '\\']),
        "redacted key {redacted:?}"
    );
    let resource = key.resource();
    assert!(
        resource.starts_with('/'),
        "resource {resource:?} of {text:?}"
    );
    assert!(
        text.contains(resource),
        "resource {resource:?} not in {text:?}"
    );
    assert!(
        !resource.contains(' '),
        "resource {resource:?} holds a space"
    );
}

/// Whether everything the viewer request carries could come from a
/// platform: header names are tokens, and no value, Host or address holds
/// CR, LF or NUL (platforms refuse such requests before the edge sees them).
pub fn is_wire_valid(viewer: &ViewerRequest<'_>) -> bool {
    is_field_value(viewer.host.as_bytes())
        && viewer
            .client_ip
            .is_none_or(|ip| is_field_value(ip.as_bytes()))
        && viewer
            .headers
            .iter()
            .all(|(name, value)| is_token(name) && is_field_value(value))
}

/// The origin request: an absolute http(s) URL of printable ASCII, Host
/// first, and (when the viewer's request could come from a platform)
/// header names that are tokens and values without CR, LF or NUL.
pub fn check_origin_request(request: &OriginRequest<'_, '_>, wire_valid: bool) {
    let url = &request.url;
    assert!(
        url.starts_with("http://") || url.starts_with("https://"),
        "origin URL {url:?}"
    );
    assert!(
        url.bytes().all(|b| b.is_ascii_graphic()),
        "origin URL not printable ASCII without spaces: {url:?}"
    );
    assert_eq!(
        request.headers.first().map(|(n, _)| n.as_ref()),
        Some("host"),
        "Host is not the first origin header"
    );
    if wire_valid {
        for (name, value) in &request.headers {
            assert!(is_token(name), "origin header name {name:?}");
            assert!(
                is_field_value(value),
                "origin header {name}: {:?} holds CR, LF or NUL",
                text(value)
            );
        }
    }
}

/// A forwarded plan's invariants: the key, the origin request, the path.
pub fn check_plan(plan: &RequestPlan<'_, '_>, wire_valid: bool) {
    if let edgecache_core::Disposition::Lookup(key) = &plan.disposition {
        check_key(key);
        assert!(
            plan.behavior.cached_methods.contains(plan.method),
            "a lookup for a method that is not cached"
        );
    }
    assert!(
        plan.path.starts_with('/') && plan.path.bytes().all(|b| b.is_ascii_graphic()),
        "normalized path {:?}",
        plan.path
    );
    check_origin_request(&plan.origin_request, wire_valid);
}

/// A finished flow's report: response header edits printable ASCII (they
/// go into response headers), the log line one line of valid JSON.
pub fn check_finish(finish: &Finish, status: u16) {
    for (name, value) in finish.header_edits() {
        if let Some(value) = value {
            assert!(is_printable(&value), "{name}: {value:?}");
        }
    }
    if let Some(key) = finish.key() {
        check_key(key);
    }
    let sent = edgecache_core::Sent {
        status,
        origin_ms: Some(12),
        bytes: Some(34),
        platform: "fuzz",
        pop: Some("XXX"),
    };
    let log = finish.log_line(&sent);
    assert!(!log.contains('\n'), "log line spans lines: {log:?}");
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&log) {
        panic!("log line is not JSON ({e}): {log:?}");
    }
}

/// Runs `f` on the configuration read back from the precompiled form
/// `bytes` (which must outlive the program, as an embedded form does),
/// then frees the copy of `bytes` it lent: millions of executions must not
/// leak a form each.
pub fn with_precompiled<T>(
    bytes: &[u8],
    f: impl FnOnce(Result<Config, edgecache_core::Error>) -> T,
) -> T {
    let leaked: &'static mut [u8] = Box::leak(bytes.to_vec().into_boxed_slice());
    let pointer: *mut [u8] = leaked;
    // SAFETY: `pointer` comes from the Box leaked just above; the
    // configuration read from it (and everything borrowed from it) is
    // dropped inside `f` or with its result, which holds no configuration.
    let result = f(Config::from_precompiled(unsafe { &*pointer }));
    drop(unsafe { Box::from_raw(pointer) });
    result
}
