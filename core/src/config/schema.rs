//! The JSON configuration exactly as written by the user.
//!
//! Plain serde structs with `deny_unknown_fields`: a misspelt field is an
//! error, never silently ignored. Nothing here is validated beyond its JSON
//! type; validation turns a [`RawConfig`] into a [`super::Config`].
//!
//! Names follow CloudFront's so that a distribution maps over by name:
//! origins, cache policies, origin request policies, an ordered list of
//! behaviors and a default behavior.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Seconds, as CloudFront's cache policies count them.
pub type Seconds = u64;

/// The whole configuration document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Origins by name.
    pub origins: BTreeMap<String, RawOrigin>,
    /// Cache policies by name: what goes into the key and how long to keep.
    pub cache_policies: BTreeMap<String, RawCachePolicy>,
    /// Origin request policies by name: what reaches the origin beyond the key.
    #[serde(default)]
    pub origin_request_policies: BTreeMap<String, RawOriginRequestPolicy>,
    /// Behaviors in order; the first whose pattern matches wins.
    #[serde(default)]
    pub behaviors: Vec<RawBehavior>,
    /// The behavior for paths no pattern matches (CloudFront's `*`).
    pub default_behavior: RawBehavior,
    /// Error caching minimum TTL per status code, in seconds
    /// (CloudFront's `ErrorCachingMinTTL`); statuses not listed use 10.
    #[serde(default)]
    pub error_caching_min_ttl: BTreeMap<String, Seconds>,
    /// The invalidation API.
    #[serde(default)]
    pub invalidation: RawInvalidation,
}

/// The invalidation API (`POST` to `path`, bearer token from the
/// platform's secret store; without a token it answers 404).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInvalidation {
    /// Where the API answers; never cached, never sent to an origin.
    #[serde(default = "default_invalidation_path")]
    pub path: String,
}

impl Default for RawInvalidation {
    fn default() -> Self {
        RawInvalidation {
            path: default_invalidation_path(),
        }
    }
}

/// The invalidation API's path unless the configuration names another.
pub const DEFAULT_INVALIDATION_PATH: &str = "/.edgecache/purge";

fn default_invalidation_path() -> String {
    DEFAULT_INVALIDATION_PATH.to_string()
}

/// How the edge connects to an origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrigin {
    /// Host name (or IP literal) of the origin, without scheme or path.
    pub domain: String,
    #[serde(default)]
    pub protocol: ProtocolPolicy,
    #[serde(default = "default_http_port")]
    pub http_port: u16,
    #[serde(default = "default_https_port")]
    pub https_port: u16,
    /// Prefix put before the request path (CloudFront's "origin path").
    #[serde(default)]
    pub path: String,
    /// Headers added to every origin request, replacing viewer values.
    #[serde(default)]
    pub custom_headers: BTreeMap<String, String>,
    /// The Host header the origin receives.
    #[serde(default)]
    pub host_header: HostHeader,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_ms: u64,
    #[serde(default = "default_first_byte_timeout")]
    pub first_byte_timeout_ms: u64,
    #[serde(default = "default_between_bytes_timeout")]
    pub between_bytes_timeout_ms: u64,
}

/// CloudFront's origin protocol policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolPolicy {
    #[default]
    HttpsOnly,
    HttpOnly,
    MatchViewer,
}

/// Which Host header reaches the origin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HostHeader {
    /// The origin's own domain (CloudFront's default).
    #[default]
    Origin,
    /// The viewer's Host; this puts the host in the cache key.
    Viewer,
    /// A fixed value.
    Custom(String),
}

/// What a cache policy keys on and how long it keeps responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCachePolicy {
    #[serde(default)]
    pub min_ttl: Seconds,
    /// Defaults to 86400, or to `min_ttl` when that is larger (CloudFront).
    #[serde(default)]
    pub default_ttl: Option<Seconds>,
    /// Defaults to 31536000, or to `default_ttl` when that is larger (CloudFront).
    #[serde(default)]
    pub max_ttl: Option<Seconds>,
    #[serde(default)]
    pub query_strings: NameFilter,
    /// Viewer headers whose values are part of the key (names case-insensitive).
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(default)]
    pub cookies: NameFilter,
    #[serde(default)]
    pub accept_encoding: AcceptEncodingNormalization,
    /// Opt-in query canonicalization, which CloudFront lacks.
    #[serde(default)]
    pub canonicalize_query: QueryCanonicalization,
    /// Put the viewer's Host in the key (forced on when the origin receives it).
    #[serde(default)]
    pub include_host: bool,
    /// CloudFront's quirk: with `min_ttl > 0`, store `no-cache`, `no-store`,
    /// `private` and `Set-Cookie` responses for `min_ttl` (Set-Cookie is
    /// stripped from the stored copy). Off by default: sharing a private
    /// response is worse than not caching it.
    #[serde(default)]
    pub cloudfront_min_ttl_override: bool,
    /// Stale-while-revalidate window used when the origin states none.
    #[serde(default)]
    pub stale_while_revalidate: Seconds,
    /// Stale-if-error window used when the origin states none.
    #[serde(default)]
    pub stale_if_error: Seconds,
}

/// The four query-string / cookie modes of a CloudFront cache policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "behavior",
    content = "names",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum NameFilter {
    #[default]
    None,
    Whitelist(Vec<String>),
    AllExcept(Vec<String>),
    All,
}

/// CloudFront's `EnableAcceptEncodingGzip` / `EnableAcceptEncodingBrotli`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptEncodingNormalization {
    #[serde(default = "yes")]
    pub gzip: bool,
    #[serde(default = "yes")]
    pub brotli: bool,
}

impl Default for AcceptEncodingNormalization {
    fn default() -> Self {
        Self {
            gzip: true,
            brotli: true,
        }
    }
}

/// Opt-in normalization of the query part of the key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryCanonicalization {
    /// Order keyed parameters by name (stable: repeated names keep their order).
    #[serde(default)]
    pub sort: bool,
    /// Drop a parameter that repeats an earlier one exactly (name and value).
    #[serde(default)]
    pub dedupe: bool,
}

/// What reaches the origin beyond what the cache key already forwards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOriginRequestPolicy {
    #[serde(default)]
    pub query_strings: NameFilter,
    #[serde(default)]
    pub headers: HeaderForwarding,
    #[serde(default)]
    pub cookies: NameFilter,
}

/// Viewer headers forwarded to the origin without being keyed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "behavior",
    content = "names",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum HeaderForwarding {
    #[default]
    None,
    Whitelist(Vec<String>),
    AllExcept(Vec<String>),
    AllViewer,
}

/// An HTTP method a behavior may allow or cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Head,
    Options,
    Put,
    Post,
    Patch,
    Delete,
}

impl Method {
    /// Every method, in the order CloudFront lists them.
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Head,
        Method::Options,
        Method::Put,
        Method::Post,
        Method::Patch,
        Method::Delete,
    ];

    /// The method's token as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses a request method token (methods are case-sensitive, RFC 9110 9.1).
    pub fn from_token(token: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == token)
    }
}

/// One cache behavior: a path pattern and what to do with matching requests.
///
/// The default behavior uses the same struct without `path_pattern`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBehavior {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_pattern: Option<String>,
    pub origin: String,
    pub cache_policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_request_policy: Option<String>,
    #[serde(default = "default_methods")]
    pub allowed_methods: Vec<Method>,
    #[serde(default = "default_methods")]
    pub cached_methods: Vec<Method>,
}

fn yes() -> bool {
    true
}
fn default_http_port() -> u16 {
    80
}
fn default_https_port() -> u16 {
    443
}
fn default_connect_timeout() -> u64 {
    10_000
}
fn default_first_byte_timeout() -> u64 {
    30_000
}
fn default_between_bytes_timeout() -> u64 {
    10_000
}
fn default_methods() -> Vec<Method> {
    vec![Method::Get, Method::Head]
}
