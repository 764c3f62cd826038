//! The imported configuration as JSON: the fields in the order
//! `config/demo.json` writes them, those at edgecache's defaults left out
//! (except the three TTLs), and the text checked by the edge's own
//! validation before it is printed.

use std::collections::BTreeMap;

use edgecache_core::Config;
use edgecache_core::schema::{
    AcceptEncodingNormalization, HeaderForwarding, HostHeader, Method, NameFilter, ProtocolPolicy,
    QueryCanonicalization, RawBehavior, RawCachePolicy, RawConfig, RawOrigin,
    RawOriginRequestPolicy, Seconds,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::Error;

/// The configuration as pretty JSON, once edgecache accepts it.
pub(crate) fn render(raw: &RawConfig, file: &str) -> Result<String, Error> {
    let defaults = Defaults::new()?;
    let view = ConfigView {
        origins: raw
            .origins
            .iter()
            .map(|(n, o)| (n.as_str(), origin(o, &defaults.origin)))
            .collect(),
        cache_policies: raw
            .cache_policies
            .iter()
            .map(|(n, p)| (n.as_str(), cache_policy(p, &defaults.cache)))
            .collect(),
        origin_request_policies: raw
            .origin_request_policies
            .iter()
            .map(|(n, p)| (n.as_str(), request_policy(p)))
            .collect(),
        behaviors: raw
            .behaviors
            .iter()
            .map(|b| behavior(b, &defaults.behavior))
            .collect(),
        default_behavior: behavior(&raw.default_behavior, &defaults.behavior),
        error_caching_min_ttl: &raw.error_caching_min_ttl,
    };
    let json = serde_json::to_string_pretty(&view)
        .map_err(|e| Error::new(format!("cannot write JSON: {e}")))?
        + "\n";
    if let Err(error) = Config::from_json(&json) {
        let problems: Vec<String> = error
            .config_errors()
            .iter()
            .map(|e| format!("  {}: {}", e.path(), e.message()))
            .collect();
        return Err(Error::new(format!(
            "{file}: the configuration imported from it is not valid for edgecache:\n{}",
            problems.join("\n")
        )));
    }
    Ok(json)
}

/// edgecache's defaults, as its own schema fills them in.
struct Defaults {
    origin: RawOrigin,
    cache: RawCachePolicy,
    behavior: RawBehavior,
}

impl Defaults {
    fn new() -> Result<Self, Error> {
        Ok(Defaults {
            origin: from(json!({"domain": ""}))?,
            cache: from(json!({}))?,
            behavior: from(json!({"origin": "", "cache_policy": ""}))?,
        })
    }
}

fn from<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| Error::new(format!("edgecache's defaults: {e}")))
}

/// `value` unless it is the default.
fn changed<'a, T: PartialEq>(value: &'a T, default: &T) -> Option<&'a T> {
    (value != default).then_some(value)
}

#[derive(Serialize)]
struct ConfigView<'a> {
    origins: BTreeMap<&'a str, OriginView<'a>>,
    cache_policies: BTreeMap<&'a str, CacheView<'a>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    origin_request_policies: BTreeMap<&'a str, RequestView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    behaviors: Vec<BehaviorView<'a>>,
    default_behavior: BehaviorView<'a>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    error_caching_min_ttl: &'a BTreeMap<String, Seconds>,
}

#[derive(Serialize)]
struct OriginView<'a> {
    domain: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    protocol: Option<&'a ProtocolPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_port: Option<&'a u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    https_port: Option<&'a u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_headers: Option<&'a BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_header: Option<&'a HostHeader>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connect_timeout_ms: Option<&'a u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_byte_timeout_ms: Option<&'a u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    between_bytes_timeout_ms: Option<&'a u64>,
}

fn origin<'a>(o: &'a RawOrigin, d: &RawOrigin) -> OriginView<'a> {
    OriginView {
        domain: &o.domain,
        protocol: changed(&o.protocol, &d.protocol),
        http_port: changed(&o.http_port, &d.http_port),
        https_port: changed(&o.https_port, &d.https_port),
        path: changed(&o.path, &d.path),
        custom_headers: changed(&o.custom_headers, &d.custom_headers),
        host_header: changed(&o.host_header, &d.host_header),
        connect_timeout_ms: changed(&o.connect_timeout_ms, &d.connect_timeout_ms),
        first_byte_timeout_ms: changed(&o.first_byte_timeout_ms, &d.first_byte_timeout_ms),
        between_bytes_timeout_ms: changed(&o.between_bytes_timeout_ms, &d.between_bytes_timeout_ms),
    }
}

#[derive(Serialize)]
struct CacheView<'a> {
    min_ttl: Seconds,
    default_ttl: Option<Seconds>,
    max_ttl: Option<Seconds>,
    #[serde(skip_serializing_if = "Option::is_none")]
    query_strings: Option<&'a NameFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<&'a Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cookies: Option<&'a NameFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    accept_encoding: Option<&'a AcceptEncodingNormalization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    canonicalize_query: Option<&'a QueryCanonicalization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_host: Option<&'a bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloudfront_min_ttl_override: Option<&'a bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_ignores_unkeyed_credentials: Option<&'a bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    heuristic_freshness: Option<&'a bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    honor_request_directives: Option<&'a bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    targeted_cache_control: Option<&'a Option<Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_object_bytes: Option<&'a Option<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale_while_revalidate: Option<&'a Seconds>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale_if_error: Option<&'a Seconds>,
}

fn cache_policy<'a>(p: &'a RawCachePolicy, d: &RawCachePolicy) -> CacheView<'a> {
    CacheView {
        min_ttl: p.min_ttl,
        default_ttl: p.default_ttl,
        max_ttl: p.max_ttl,
        query_strings: changed(&p.query_strings, &d.query_strings),
        headers: changed(&p.headers, &d.headers),
        cookies: changed(&p.cookies, &d.cookies),
        accept_encoding: changed(&p.accept_encoding, &d.accept_encoding),
        canonicalize_query: changed(&p.canonicalize_query, &d.canonicalize_query),
        include_host: changed(&p.include_host, &d.include_host),
        cloudfront_min_ttl_override: changed(
            &p.cloudfront_min_ttl_override,
            &d.cloudfront_min_ttl_override,
        ),
        origin_ignores_unkeyed_credentials: changed(
            &p.origin_ignores_unkeyed_credentials,
            &d.origin_ignores_unkeyed_credentials,
        ),
        heuristic_freshness: changed(&p.heuristic_freshness, &d.heuristic_freshness),
        honor_request_directives: changed(&p.honor_request_directives, &d.honor_request_directives),
        targeted_cache_control: changed(&p.targeted_cache_control, &d.targeted_cache_control),
        max_object_bytes: changed(&p.max_object_bytes, &d.max_object_bytes),
        stale_while_revalidate: changed(&p.stale_while_revalidate, &d.stale_while_revalidate),
        stale_if_error: changed(&p.stale_if_error, &d.stale_if_error),
    }
}

#[derive(Serialize)]
struct RequestView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    query_strings: Option<&'a NameFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<&'a HeaderForwarding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cookies: Option<&'a NameFilter>,
}

fn request_policy(p: &RawOriginRequestPolicy) -> RequestView<'_> {
    let d = RawOriginRequestPolicy::default();
    RequestView {
        query_strings: changed(&p.query_strings, &d.query_strings),
        headers: changed(&p.headers, &d.headers),
        cookies: changed(&p.cookies, &d.cookies),
    }
}

#[derive(Serialize)]
struct BehaviorView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    path_pattern: Option<&'a String>,
    origin: &'a str,
    cache_policy: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_request_policy: Option<&'a String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_methods: Option<&'a Vec<Method>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cached_methods: Option<&'a Vec<Method>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_extension_methods: Option<&'a bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invalidate_on_unsafe_methods: Option<&'a bool>,
}

fn behavior<'a>(b: &'a RawBehavior, d: &RawBehavior) -> BehaviorView<'a> {
    BehaviorView {
        path_pattern: b.path_pattern.as_ref(),
        origin: &b.origin,
        cache_policy: &b.cache_policy,
        origin_request_policy: b.origin_request_policy.as_ref(),
        allowed_methods: changed(&b.allowed_methods, &d.allowed_methods),
        cached_methods: changed(&b.cached_methods, &d.cached_methods),
        allow_extension_methods: changed(&b.allow_extension_methods, &d.allow_extension_methods),
        invalidate_on_unsafe_methods: changed(
            &b.invalidate_on_unsafe_methods,
            &d.invalidate_on_unsafe_methods,
        ),
    }
}
