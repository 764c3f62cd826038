//! Semantic checks on a parsed [`RawConfig`], producing the validated
//! [`Config`] or every problem found, each with its JSON path.

use std::collections::{BTreeMap, BTreeSet};

use super::load::{Broken, Parsed, member_path};
use super::schema::{
    HeaderForwarding, NameFilter, RawBehavior, RawCachePolicy, RawOrigin, RawOriginRequestPolicy,
};
use super::{
    Behavior, CachePolicy, Config, HostHeader, Method, MethodSet, NameSet, Origin,
    OriginRequestPolicy, Seconds, TtlLimits,
};
use crate::behavior::PathPattern;
use crate::error::{ConfigError, Error};
use crate::query::normalize_name;

/// CloudFront's `max-age` ceiling ("100 years"), used to bound every duration.
const MAX_SECONDS: Seconds = 3_153_600_000;
/// CloudFront's default and maximum for a cache policy's TTLs.
const CLOUDFRONT_DEFAULT_TTL: Seconds = 86_400;
const CLOUDFRONT_MAX_TTL: Seconds = 31_536_000;
/// Statuses CloudFront lets you set an error caching minimum TTL for.
const ERROR_CACHING_STATUSES: [u16; 11] = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];
/// Longest origin timeout accepted, in milliseconds (CloudFront's raised limit).
const MAX_TIMEOUT_MS: u64 = 180_000;

/// Origin custom header names CloudFront refuses (add-origin-custom-headers).
const FORBIDDEN_CUSTOM_HEADERS: [&str; 22] = [
    "cache-control",
    "connection",
    "content-length",
    "cookie",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "pragma",
    "proxy-authorization",
    "proxy-connection",
    "range",
    "request-range",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "x-real-ip",
];
const FORBIDDEN_CUSTOM_PREFIXES: [&str; 2] = ["x-amz-", "x-edge-"];

/// Headers that shape how a request is routed or rewritten by common
/// frameworks; forwarding one without keying it lets one viewer poison the
/// entry every viewer gets (the set Cloudflare keys by default).
pub(crate) const POISONING_HEADERS: [&str; 10] = [
    "x-forwarded-host",
    "x-host",
    "x-forwarded-server",
    "x-forwarded-scheme",
    "x-original-url",
    "x-rewrite-url",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "forwarded",
];

/// Header names that are configured elsewhere, or hop-by-hop, and so may
/// not appear in a key or forwarding list.
const RESERVED_HEADERS: [(&str, &str); 9] = [
    (
        "host",
        "use the cache policy's include_host or the origin's host_header",
    ),
    ("cookie", "use the cookies setting"),
    ("connection", "it is hop-by-hop"),
    ("keep-alive", "it is hop-by-hop"),
    ("te", "it is hop-by-hop"),
    ("trailer", "it is hop-by-hop"),
    ("transfer-encoding", "it is hop-by-hop"),
    ("upgrade", "it is hop-by-hop"),
    ("proxy-authorization", "it is hop-by-hop"),
];

struct Checker {
    errors: Vec<ConfigError>,
}

impl Checker {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ConfigError::new(path, message));
    }
}

/// Validates a parsed configuration.
pub(super) fn validate(parsed: Parsed) -> Result<Config, Error> {
    let Parsed {
        mut raw,
        behavior_indices,
        broken,
        errors,
    } = parsed;
    let mut c = Checker { errors };
    if raw.origins.is_empty() && broken.origins.is_empty() {
        c.error("origins", "at least one origin is required");
    }
    let origins: Vec<Origin> = raw
        .origins
        .iter()
        .map(|(name, o)| origin(&mut c, &member_path("origins", name), name, o))
        .collect();
    let cache_policies: Vec<CachePolicy> = raw
        .cache_policies
        .iter_mut()
        .map(|(name, p)| cache_policy(&mut c, &member_path("cache_policies", name), name, p))
        .collect();
    let origin_request_policies: Vec<OriginRequestPolicy> = raw
        .origin_request_policies
        .iter()
        .map(|(name, p)| {
            origin_request_policy(
                &mut c,
                &member_path("origin_request_policies", name),
                name,
                p,
            )
        })
        .collect();
    let names = Names {
        origins: raw.origins.keys().cloned().collect(),
        cache_policies: raw.cache_policies.keys().cloned().collect(),
        origin_request_policies: raw.origin_request_policies.keys().cloned().collect(),
        broken: &broken,
    };
    let mut seen_patterns = BTreeMap::new();
    let behaviors: Vec<Behavior> = raw
        .behaviors
        .iter()
        .zip(&behavior_indices)
        .map(|(b, i)| {
            let path = format!("behaviors[{i}]");
            check_repeated_pattern(&mut c, &path, b, &mut seen_patterns);
            behavior(&mut c, &path, b, &names, true)
        })
        .collect();
    let default_behavior = if broken.default_behavior {
        behavior(
            &mut Checker { errors: Vec::new() },
            "",
            &raw.default_behavior,
            &names,
            false,
        )
    } else {
        behavior(
            &mut c,
            "default_behavior",
            &raw.default_behavior,
            &names,
            false,
        )
    };
    for (b, i) in behaviors.iter().zip(&behavior_indices) {
        check_forwarding_is_keyed(
            &mut c,
            &format!("behaviors[{i}]"),
            b,
            &cache_policies,
            &origin_request_policies,
        );
    }
    check_forwarding_is_keyed(
        &mut c,
        "default_behavior",
        &default_behavior,
        &cache_policies,
        &origin_request_policies,
    );
    let error_caching = error_caching(&mut c, &raw.error_caching_min_ttl);
    if !c.errors.is_empty() {
        return Err(Error::config(c.errors));
    }
    Ok(Config {
        raw,
        origins,
        cache_policies,
        origin_request_policies,
        behaviors,
        default_behavior,
        error_caching,
    })
}

/// The names that behaviors may refer to, in the order of the validated
/// vectors, and those that failed to parse (already reported).
struct Names<'a> {
    origins: Vec<String>,
    cache_policies: Vec<String>,
    origin_request_policies: Vec<String>,
    broken: &'a Broken,
}

fn origin(c: &mut Checker, path: &str, name: &str, o: &RawOrigin) -> Origin {
    check_domain(c, &format!("{path}.domain"), &o.domain);
    if o.http_port == 0 {
        c.error(format!("{path}.http_port"), "port 0 is not a port");
    }
    if o.https_port == 0 {
        c.error(format!("{path}.https_port"), "port 0 is not a port");
    }
    check_origin_path(c, &format!("{path}.path"), &o.path);
    let custom_headers = custom_headers(c, &format!("{path}.custom_headers"), &o.custom_headers);
    if let HostHeader::Custom(host) = &o.host_header
        && (host.is_empty() || !host.bytes().all(is_host_byte))
    {
        c.error(
            format!("{path}.host_header.custom"),
            format!("{host:?} is not a host name"),
        );
    }
    for (field, ms) in [
        ("connect_timeout_ms", o.connect_timeout_ms),
        ("first_byte_timeout_ms", o.first_byte_timeout_ms),
        ("between_bytes_timeout_ms", o.between_bytes_timeout_ms),
    ] {
        if ms == 0 || ms > MAX_TIMEOUT_MS {
            c.error(
                format!("{path}.{field}"),
                format!("{ms} ms is out of range, expected 1 to {MAX_TIMEOUT_MS}"),
            );
        }
    }
    Origin {
        name: name.to_string(),
        domain: o.domain.to_ascii_lowercase(),
        protocol: o.protocol,
        http_port: o.http_port,
        https_port: o.https_port,
        path: o.path.clone(),
        custom_headers,
        host_header: o.host_header.clone(),
        connect_timeout_ms: o.connect_timeout_ms,
        first_byte_timeout_ms: o.first_byte_timeout_ms,
        between_bytes_timeout_ms: o.between_bytes_timeout_ms,
    }
}

fn check_domain(c: &mut Checker, path: &str, domain: &str) {
    if let Some((scheme, _)) = domain.split_once("://") {
        c.error(path, format!("write the domain only, without {scheme}://"));
    } else if domain.contains(['/', '?', '#']) {
        c.error(
            path,
            "write the domain only, without a path; use the origin's path field",
        );
    } else if domain.contains(':') && !domain.starts_with('[') {
        c.error(
            path,
            "write the domain only, without a port; use http_port/https_port",
        );
    } else if !is_host_name(domain) {
        c.error(path, format!("{domain:?} is not a host name or IP address"));
    }
}

/// A DNS name (letters, digits, hyphens in dot-separated labels), an IPv4
/// address, or a bracketed IPv6 literal.
fn is_host_name(domain: &str) -> bool {
    if let Some(inner) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']')
}

fn check_origin_path(c: &mut Checker, path: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    if !value.starts_with('/') {
        c.error(path, "an origin path starts with /");
    } else if value.ends_with('/') {
        c.error(path, "an origin path does not end with /");
    } else if value.contains(['?', '#', '*']) || value.len() > 255 {
        c.error(
            path,
            "an origin path is a plain path of at most 255 characters",
        );
    }
}

fn custom_headers(
    c: &mut Checker,
    path: &str,
    headers: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let at = member_path(path, name);
        let lower = name.to_ascii_lowercase();
        if !is_token(name) {
            c.error(&at, "not a valid header name");
        } else if FORBIDDEN_CUSTOM_HEADERS.contains(&lower.as_str())
            || FORBIDDEN_CUSTOM_PREFIXES
                .iter()
                .any(|p| lower.starts_with(p))
        {
            c.error(
                &at,
                format!("{name} cannot be set as an origin custom header"),
            );
        } else if out.iter().any(|(n, _)| *n == lower) {
            c.error(&at, "header given twice (names are case-insensitive)");
        }
        if !value
            .bytes()
            .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
        {
            c.error(&at, "header value must be printable ASCII");
        }
        out.push((lower, value.clone()));
    }
    out.sort();
    out
}

/// RFC 9110 `token`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn cache_policy(c: &mut Checker, path: &str, name: &str, p: &mut RawCachePolicy) -> CachePolicy {
    let ttl = ttl_limits(c, path, p);
    // Fill in CloudFront's defaults so that `check --print` shows them.
    p.default_ttl = Some(ttl.default);
    p.max_ttl = Some(ttl.max);
    for (field, value) in [
        ("stale_while_revalidate", p.stale_while_revalidate),
        ("stale_if_error", p.stale_if_error),
    ] {
        if value > MAX_SECONDS {
            c.error(
                format!("{path}.{field}"),
                format!("at most {MAX_SECONDS} seconds"),
            );
        }
    }
    let query_strings = name_filter(
        c,
        &format!("{path}.query_strings"),
        &p.query_strings,
        normalize_name,
    );
    let cookies = name_filter(c, &format!("{path}.cookies"), &p.cookies, str::to_string);
    let mut headers = Vec::with_capacity(p.headers.len());
    for (i, header) in p.headers.iter().enumerate() {
        let at = format!("{path}.headers[{i}]");
        let lower = header.to_ascii_lowercase();
        if check_header_name(c, &at, header) {
            if lower == "accept-encoding" && (p.accept_encoding.gzip || p.accept_encoding.brotli) {
                c.error(&at, "Accept-Encoding is keyed by the accept_encoding setting; disable it to key the raw header");
            } else if headers.contains(&lower) {
                c.error(&at, "header listed twice (names are case-insensitive)");
            }
        }
        headers.push(lower);
    }
    headers.sort();
    headers.dedup();
    CachePolicy {
        name: name.to_string(),
        ttl,
        query_strings,
        headers,
        cookies,
        accept_encoding: p.accept_encoding,
        canonicalize_query: p.canonicalize_query,
        include_host: p.include_host,
        cloudfront_min_ttl_override: p.cloudfront_min_ttl_override,
        stale_while_revalidate: p.stale_while_revalidate,
        stale_if_error: p.stale_if_error,
    }
}

/// CloudFront's defaults: DefaultTTL is 86400, or MinTTL when larger;
/// MaxTTL is 31536000, or DefaultTTL when larger. Then min <= default <= max.
fn ttl_limits(c: &mut Checker, path: &str, p: &RawCachePolicy) -> TtlLimits {
    let min = p.min_ttl;
    let default = p.default_ttl.unwrap_or(CLOUDFRONT_DEFAULT_TTL.max(min));
    let max = p.max_ttl.unwrap_or(CLOUDFRONT_MAX_TTL.max(default));
    for (field, value) in [("min_ttl", min), ("default_ttl", default), ("max_ttl", max)] {
        if value > MAX_SECONDS {
            c.error(
                format!("{path}.{field}"),
                format!("at most {MAX_SECONDS} seconds (100 years)"),
            );
        }
    }
    if min > default {
        c.error(
            format!("{path}.default_ttl"),
            format!("default_ttl {default} is below min_ttl {min}"),
        );
    }
    if default > max {
        c.error(
            format!("{path}.max_ttl"),
            format!("max_ttl {max} is below default_ttl {default}"),
        );
    } else if min > max {
        c.error(
            format!("{path}.max_ttl"),
            format!("max_ttl {max} is below min_ttl {min}"),
        );
    }
    TtlLimits { min, default, max }
}

fn name_filter(
    c: &mut Checker,
    path: &str,
    filter: &NameFilter,
    normalize: fn(&str) -> String,
) -> NameSet {
    match filter {
        NameFilter::None => NameSet::None,
        NameFilter::All => NameSet::All,
        NameFilter::Whitelist(names) => {
            NameSet::Only(names_list(c, path, names, "whitelist", normalize))
        }
        NameFilter::AllExcept(names) => {
            NameSet::AllExcept(names_list(c, path, names, "all_except", normalize))
        }
    }
}

fn names_list(
    c: &mut Checker,
    path: &str,
    names: &[String],
    mode: &str,
    normalize: fn(&str) -> String,
) -> Vec<String> {
    if names.is_empty() {
        c.error(
            format!("{path}.names"),
            format!("{mode} with no names; use \"none\" or \"all\" instead"),
        );
    }
    let mut seen = BTreeSet::new();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if name.is_empty() {
                c.error(format!("{path}.names[{i}]"), "empty name");
            } else if !seen.insert(name.as_str()) {
                c.error(
                    format!("{path}.names[{i}]"),
                    format!("{name:?} listed twice"),
                );
            }
            normalize(name)
        })
        .collect()
}

/// Checks a header name for a key or forwarding list; true when usable.
fn check_header_name(c: &mut Checker, path: &str, name: &str) -> bool {
    if !is_token(name) {
        c.error(path, format!("{name:?} is not a valid header name"));
        return false;
    }
    let lower = name.to_ascii_lowercase();
    match RESERVED_HEADERS.iter().find(|(n, _)| *n == lower) {
        Some((_, why)) => {
            c.error(path, format!("{name} cannot be listed here: {why}"));
            false
        }
        None => true,
    }
}

fn origin_request_policy(
    c: &mut Checker,
    path: &str,
    name: &str,
    p: &RawOriginRequestPolicy,
) -> OriginRequestPolicy {
    let headers_path = format!("{path}.headers");
    let headers = match &p.headers {
        HeaderForwarding::None => NameSet::None,
        HeaderForwarding::AllViewer => NameSet::All,
        HeaderForwarding::Whitelist(names) | HeaderForwarding::AllExcept(names) => {
            let mode = if matches!(p.headers, HeaderForwarding::Whitelist(_)) {
                "whitelist"
            } else {
                "all_except"
            };
            let list = names_list(c, &headers_path, names, mode, |n| n.to_ascii_lowercase());
            for (i, header) in names.iter().enumerate() {
                check_header_name(c, &format!("{headers_path}.names[{i}]"), header);
            }
            if mode == "whitelist" {
                NameSet::Only(list)
            } else {
                NameSet::AllExcept(list)
            }
        }
    };
    OriginRequestPolicy {
        name: name.to_string(),
        query_strings: name_filter(
            c,
            &format!("{path}.query_strings"),
            &p.query_strings,
            normalize_name,
        ),
        headers,
        cookies: name_filter(c, &format!("{path}.cookies"), &p.cookies, str::to_string),
    }
}

fn check_repeated_pattern(
    c: &mut Checker,
    path: &str,
    b: &RawBehavior,
    seen: &mut BTreeMap<String, String>,
) {
    let Some(pattern) = &b.path_pattern else {
        return;
    };
    let canonical = if pattern.starts_with('/') || pattern.starts_with('*') {
        pattern.clone()
    } else {
        format!("/{pattern}")
    };
    if let Some(first) = seen.get(&canonical) {
        c.error(
            format!("{path}.path_pattern"),
            format!("{pattern:?} repeats {first}'s pattern, so this behavior never matches"),
        );
    } else {
        seen.insert(canonical, path.to_string());
    }
}

fn behavior(
    c: &mut Checker,
    path: &str,
    b: &RawBehavior,
    names: &Names<'_>,
    needs_pattern: bool,
) -> Behavior {
    let pattern = match (&b.path_pattern, needs_pattern) {
        (Some(p), true) => PathPattern::compile(p)
            .map_err(|e| c.error(format!("{path}.path_pattern"), e.to_string()))
            .ok(),
        (None, true) => {
            c.error(format!("{path}.path_pattern"), "missing required field");
            None
        }
        (Some(_), false) => {
            c.error(
                format!("{path}.path_pattern"),
                "the default behavior matches every path (*) and takes no pattern",
            );
            None
        }
        (None, false) => None,
    };
    let origin = reference(
        c,
        &format!("{path}.origin"),
        "origin",
        &b.origin,
        (&names.origins, &names.broken.origins),
    );
    let cache_policy = reference(
        c,
        &format!("{path}.cache_policy"),
        "cache policy",
        &b.cache_policy,
        (&names.cache_policies, &names.broken.cache_policies),
    );
    let origin_request_policy = b.origin_request_policy.as_ref().map(|name| {
        reference(
            c,
            &format!("{path}.origin_request_policy"),
            "origin request policy",
            name,
            (
                &names.origin_request_policies,
                &names.broken.origin_request_policies,
            ),
        )
    });
    let (allowed_methods, cached_methods) = methods(c, path, b);
    Behavior {
        pattern,
        origin,
        cache_policy,
        origin_request_policy,
        allowed_methods,
        cached_methods,
    }
}

/// Resolves a name to its index, recording an error (index 0) when unknown.
/// A name whose definition failed to parse was reported already.
fn reference(
    c: &mut Checker,
    path: &str,
    kind: &str,
    name: &str,
    (known, broken): (&[String], &BTreeSet<String>),
) -> usize {
    known.iter().position(|k| k == name).unwrap_or_else(|| {
        if broken.contains(name) {
            return 0;
        }
        let hint = if known.is_empty() {
            String::new()
        } else {
            format!(" (known: {})", known.join(", "))
        };
        c.error(path, format!("no {kind} named {name:?}{hint}"));
        0
    })
}

/// CloudFront's method sets: allowed is GET+HEAD, +OPTIONS, or all seven;
/// cached is GET+HEAD or +OPTIONS, and only what is allowed.
fn methods(c: &mut Checker, path: &str, b: &RawBehavior) -> (MethodSet, MethodSet) {
    use Method::*;
    let allowed = MethodSet::from_methods(&b.allowed_methods);
    let cached = MethodSet::from_methods(&b.cached_methods);
    let allowed_sets = [
        MethodSet::from_methods(&[Get, Head]),
        MethodSet::from_methods(&[Get, Head, Options]),
        MethodSet::from_methods(&Method::ALL),
    ];
    if !allowed_sets.contains(&allowed) {
        c.error(
            format!("{path}.allowed_methods"),
            "expected [GET, HEAD], [GET, HEAD, OPTIONS] or all of GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE",
        );
    }
    if !allowed_sets[..2].contains(&cached) {
        c.error(
            format!("{path}.cached_methods"),
            "expected [GET, HEAD] or [GET, HEAD, OPTIONS]",
        );
    } else if allowed_sets.contains(&allowed) && !cached.is_subset_of(allowed) {
        c.error(
            format!("{path}.cached_methods"),
            "caches a method that allowed_methods does not allow",
        );
    }
    (allowed, cached)
}

/// Refuses an origin request policy that forwards, unkeyed, a header known to
/// change what common frameworks answer (see [`POISONING_HEADERS`]).
fn check_forwarding_is_keyed(
    c: &mut Checker,
    path: &str,
    b: &Behavior,
    cache_policies: &[CachePolicy],
    request_policies: &[OriginRequestPolicy],
) {
    let (Some(policy), Some(orp)) = (
        cache_policies.get(b.cache_policy),
        b.origin_request_policy
            .and_then(|i| request_policies.get(i)),
    ) else {
        return;
    };
    if let NameSet::Only(names) = &orp.headers {
        for name in names
            .iter()
            .filter(|n| POISONING_HEADERS.contains(&n.as_str()))
        {
            if !policy.keys_header(name) {
                c.error(
                    format!("{path}.origin_request_policy"),
                    format!(
                        "{:?} forwards {name} but cache policy {:?} does not key it: one viewer could poison every viewer's entry; add it to the cache policy's headers",
                        orp.name, policy.name
                    ),
                );
            }
        }
    }
}

fn error_caching(c: &mut Checker, raw: &BTreeMap<String, Seconds>) -> Vec<(u16, Seconds)> {
    raw.iter()
        .filter_map(|(status, ttl)| {
            let at = member_path("error_caching_min_ttl", status);
            let code = status.parse::<u16>().ok().filter(|s| ERROR_CACHING_STATUSES.contains(s));
            if code.is_none() {
                c.error(&at, format!("not a status CloudFront caches errors for; expected one of {ERROR_CACHING_STATUSES:?}"));
            }
            if *ttl > CLOUDFRONT_MAX_TTL {
                c.error(&at, format!("at most {CLOUDFRONT_MAX_TTL} seconds"));
            }
            code.map(|s| (s, *ttl))
        })
        .collect()
}
