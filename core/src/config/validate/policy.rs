//! Checks on cache policies and origin request policies.

use std::collections::BTreeSet;

use super::{Checker, is_token};
use crate::config::schema::{HeaderForwarding, NameFilter, RawCachePolicy, RawOriginRequestPolicy};
use crate::config::{CachePolicy, NameSet, OriginRequestPolicy, Seconds, Text, TtlLimits};
use crate::forward::{CONDITIONAL_HEADERS, PASS_HEADERS};
use crate::query::normalize_name;

/// CloudFront's `max-age` ceiling ("100 years"), used to bound every duration.
const MAX_SECONDS: Seconds = 3_153_600_000;
/// CloudFront's default and maximum for a cache policy's TTLs.
const CLOUDFRONT_DEFAULT_TTL: Seconds = 86_400;
pub(super) const CLOUDFRONT_MAX_TTL: Seconds = 31_536_000;
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

pub(super) fn cache_policy(
    c: &mut Checker,
    path: &str,
    name: &str,
    p: &mut RawCachePolicy,
) -> CachePolicy {
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
        if check_header_name(c, &at, header, HeaderList::Key) {
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
    let targeted_cache_control = targeted_fields(c, path, p.targeted_cache_control.as_deref());
    if p.max_object_bytes == Some(0) {
        c.error(
            format!("{path}.max_object_bytes"),
            "0 bytes stores no answer: leave it out for the platform's limit, or set max_ttl to 0",
        );
    }
    CachePolicy {
        name: name.into(),
        ttl,
        query_strings,
        headers: headers.into_iter().map(Text::from).collect(),
        cookies,
        accept_encoding: p.accept_encoding,
        canonicalize_query: p.canonicalize_query,
        include_host: p.include_host,
        cloudfront_min_ttl_override: p.cloudfront_min_ttl_override,
        origin_ignores_unkeyed_credentials: p.origin_ignores_unkeyed_credentials,
        max_object_bytes: p.max_object_bytes,
        targeted_cache_control: targeted_cache_control.into_iter().map(Text::from).collect(),
        heuristic_freshness: p.heuristic_freshness,
        honor_request_directives: p.honor_request_directives,
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
) -> Vec<Text> {
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
            Text::from(normalize(name))
        })
        .collect()
}

/// Checks a header name for a key or forwarding list; true when usable.
fn check_header_name(c: &mut Checker, path: &str, name: &str, list: HeaderList) -> bool {
    if !is_token(name) {
        c.error(path, format!("{name:?} is not a valid header name"));
        return false;
    }
    match header_refusal(&name.to_ascii_lowercase(), list) {
        Some(why) => {
            c.error(path, format!("{name} cannot be listed here: {why}"));
            false
        }
        None => true,
    }
}

/// Why a header name (lower-case) cannot be listed in a cache policy's key
/// or an origin request policy's forwarding list, when it cannot: one that
/// another setting or the cache itself handles, or a hop-by-hop one.
///
/// ```
/// use edgecache_core::config::{HeaderList, header_refusal};
/// assert!(header_refusal("range", HeaderList::Key).is_some());
/// assert!(header_refusal("x-forwarded-for", HeaderList::Forward).is_none());
/// assert!(header_refusal("accept-language", HeaderList::Key).is_none());
/// ```
pub fn header_refusal(lower: &str, list: HeaderList) -> Option<&'static str> {
    RESERVED_HEADERS
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, why)| *why)
        .or_else(|| {
            CONDITIONAL_HEADERS.contains(&lower).then_some(
                "the cache answers conditional and range requests itself; they reach the origin only when the cache is bypassed",
            )
        })
        .or_else(|| {
            (list == HeaderList::Key && lower == "x-forwarded-for")
                .then_some("the edge sets it from the viewer's address")
        })
        .or_else(|| {
            (list == HeaderList::Forward && PASS_HEADERS.contains(&lower)).then_some(
                "it reaches the origin as sent when the cache is bypassed, and on cacheable requests only when the cache policy keys it",
            )
        })
}

/// Which list a header name is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderList {
    /// A cache policy's keyed headers.
    Key,
    /// An origin request policy's forwarded headers.
    Forward,
}

pub(super) fn origin_request_policy(
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
                check_header_name(
                    c,
                    &format!("{headers_path}.names[{i}]"),
                    header,
                    HeaderList::Forward,
                );
            }
            if mode == "whitelist" {
                NameSet::Only(list)
            } else {
                NameSet::AllExcept(list)
            }
        }
    };
    OriginRequestPolicy {
        name: name.into(),
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

/// The targeted fields edgecache honors (RFC 9213), lower-case: all are
/// removed from viewers' answers but `CDN-Cache-Control`, which targets
/// every CDN downstream too.
pub(crate) const TARGETED_FIELDS: [&str; 3] = [
    "cdn-cache-control",
    "surrogate-control",
    "edgecache-cache-control",
];

/// The policy's targeted fields, lower-case: the default pair when not
/// given; each one edgecache knows, once.
fn targeted_fields(c: &mut Checker, path: &str, names: Option<&[String]>) -> Vec<String> {
    let Some(names) = names else {
        return vec![
            TARGETED_FIELDS[0].to_string(),
            TARGETED_FIELDS[1].to_string(),
        ];
    };
    let mut fields: Vec<String> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let lower = name.to_ascii_lowercase();
        let at = format!("{path}.targeted_cache_control[{i}]");
        if !TARGETED_FIELDS.contains(&lower.as_str()) {
            c.error(
                at,
                format!("{name:?} is not a targeted field edgecache knows: CDN-Cache-Control, Surrogate-Control or Edgecache-Cache-Control"),
            );
        } else if fields.contains(&lower) {
            c.error(at, "field listed twice (names are case-insensitive)");
        } else {
            fields.push(lower);
        }
    }
    fields
}
