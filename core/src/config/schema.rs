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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(title = "edgecache configuration"))]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// The JSON Schema the document follows (`edgecache schema` prints
    /// it), for editors; edgecache reads nothing from it.
    #[serde(default, rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawOrigin {
    /// Host name (or IP literal) of the origin, without scheme or path.
    pub domain: String,
    /// Which scheme the edge uses to reach the origin (default HTTPS only).
    #[serde(default)]
    pub protocol: ProtocolPolicy,
    /// The TCP port for HTTP connections to the origin (default 80).
    #[serde(default = "default_http_port")]
    pub http_port: u16,
    /// The TCP port for HTTPS connections to the origin (default 443).
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
    /// How long opening the connection may take, in milliseconds
    /// (default 10000).
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_ms: u64,
    /// How long the origin may take to send its response headers, in
    /// milliseconds (default 30000).
    #[serde(default = "default_first_byte_timeout")]
    pub first_byte_timeout_ms: u64,
    /// The longest pause allowed between two chunks of the response body,
    /// in milliseconds (default 10000); Workers cannot enforce it.
    #[serde(default = "default_between_bytes_timeout")]
    pub between_bytes_timeout_ms: u64,
    /// Fastly: the shield POP (its shield code, `iad-va-us`) every other
    /// POP sends this origin's misses through, so that they make one
    /// origin request there (CloudFront's Origin Shield). Needs the purge
    /// token secret. Cloudflare: ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shield: Option<String>,
}

/// CloudFront's origin protocol policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolPolicy {
    /// Always HTTPS, whatever the viewer used (`https-only`, the default).
    #[default]
    HttpsOnly,
    /// Always plain HTTP (`http-only`).
    HttpOnly,
    /// The scheme the viewer connected with (`match-viewer`).
    MatchViewer,
}

/// Which Host header reaches the origin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawCachePolicy {
    /// The shortest time a response is kept, in seconds, even when the
    /// origin asks for less (CloudFront's MinTTL, default 0).
    #[serde(default)]
    pub min_ttl: Seconds,
    /// Defaults to 86400, or to `min_ttl` when that is larger (CloudFront).
    #[serde(default)]
    pub default_ttl: Option<Seconds>,
    /// Defaults to 31536000, or to `default_ttl` when that is larger (CloudFront).
    #[serde(default)]
    pub max_ttl: Option<Seconds>,
    /// Query parameters in the key, and so forwarded (default none).
    #[serde(default)]
    pub query_strings: NameFilter,
    /// Viewer headers whose values are part of the key (names case-insensitive).
    #[serde(default)]
    pub headers: Vec<String>,
    /// Cookies in the key, and so forwarded (default none).
    #[serde(default)]
    pub cookies: NameFilter,
    /// Which compressed encodings the normalized `Accept-Encoding` keeps
    /// (default both gzip and brotli).
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
    /// The operator's word that the origin answers alike whatever the
    /// cookies and credential headers it receives without them being
    /// keyed. Off by default: an answer to such a request is then stored
    /// only when it says it is for everyone (`public`, `s-maxage`, a
    /// CDN-targeted lifetime), never by `default_ttl` alone.
    #[serde(default)]
    pub origin_ignores_unkeyed_credentials: bool,
    /// RFC 9111 section 4.2.2, opt-in: an answer with no explicit
    /// lifetime but a `Last-Modified` is fresh for a tenth of its age
    /// then, at most a day and at most `max_ttl` (instead of
    /// `default_ttl`). Off by default, as CloudFront.
    #[serde(default)]
    pub heuristic_freshness: bool,
    /// RFC 9111 section 5.2.1, opt-in: the viewer's `Cache-Control`
    /// (`no-cache`, `max-age`, `min-fresh`, `no-store`, and `Pragma:
    /// no-cache` without one; not `max-stale` nor `only-if-cached`) is
    /// honored. Off by default, as
    /// CloudFront, which ignores them: any viewer could otherwise send
    /// every request to the origin.
    #[serde(default)]
    pub honor_request_directives: bool,
    /// The response fields that, in this order, replace `Cache-Control`
    /// for the edge's decisions when one is present (RFC 9213): the first
    /// with a valid, non-empty value wins, and `Cache-Control` and
    /// `Expires` are then ignored. Default `["CDN-Cache-Control",
    /// "Surrogate-Control"]`; `Edgecache-Cache-Control` may be listed too;
    /// `[]` turns them off.
    #[serde(default)]
    pub targeted_cache_control: Option<Vec<String>>,
    /// The largest body stored, in bytes; larger answers are served, not
    /// stored. Default: the platform's own limit.
    #[serde(default)]
    pub max_object_bytes: Option<u64>,
    /// Stale-while-revalidate window used when the origin states none.
    #[serde(default)]
    pub stale_while_revalidate: Seconds,
    /// Stale-if-error window used when the origin states none.
    #[serde(default)]
    pub stale_if_error: Seconds,
}

/// The four query-string / cookie modes of a CloudFront cache policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(
    tag = "behavior",
    content = "names",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum NameFilter {
    /// No name (`"behavior": "none"`, the default).
    #[default]
    None,
    /// Only the names listed (`"whitelist"`).
    Whitelist(Vec<String>),
    /// Every name but those listed (`"all_except"`).
    AllExcept(Vec<String>),
    /// Every name (`"all"`).
    All,
}

/// CloudFront's `EnableAcceptEncodingGzip` / `EnableAcceptEncodingBrotli`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptEncodingNormalization {
    /// Keep `gzip` from the viewer's `Accept-Encoding` (default true).
    #[serde(default = "yes")]
    pub gzip: bool,
    /// Keep `br` from the viewer's `Accept-Encoding` (default true).
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawOriginRequestPolicy {
    /// Query parameters forwarded without being keyed (default none).
    #[serde(default)]
    pub query_strings: NameFilter,
    /// Viewer headers forwarded without being keyed (default none).
    #[serde(default)]
    pub headers: HeaderForwarding,
    /// Cookies forwarded without being keyed (default none).
    #[serde(default)]
    pub cookies: NameFilter,
}

/// Viewer headers forwarded to the origin without being keyed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(
    tag = "behavior",
    content = "names",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum HeaderForwarding {
    /// No header (`"behavior": "none"`, the default).
    #[default]
    None,
    /// Only the headers named (`"whitelist"`, names case-insensitive).
    Whitelist(Vec<String>),
    /// Every viewer header but those named, and but those known to poison
    /// caches such as `X-Forwarded-Host` (`"all_except"`).
    AllExcept(Vec<String>),
    /// Every viewer header (`"all_viewer"`, CloudFront's `allViewer`) but
    /// those known to poison caches, such as `X-Forwarded-Host`, and those
    /// the edge sets or answers itself.
    AllViewer,
}

/// An HTTP method a behavior may allow or cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET`, in every behavior's allowed and cached methods.
    Get,
    /// `HEAD`: GET without the body, sharing GET's cache key.
    Head,
    /// `OPTIONS` (CORS preflights), keyed apart from GET when cached.
    Options,
    /// `PUT`: never cached; when allowed, it bypasses the cache.
    Put,
    /// `POST`: never cached; when allowed, it bypasses the cache.
    Post,
    /// `PATCH` (RFC 5789): never cached; when allowed, it bypasses the cache.
    Patch,
    /// `DELETE`: never cached; when allowed, it bypasses the cache.
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawBehavior {
    /// CloudFront's path pattern (`*` any run of characters, `?` one),
    /// matched against the normalized path; absent on the default behavior.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_pattern: Option<String>,
    /// The name of the origin matching requests go to.
    pub origin: String,
    /// The name of the cache policy: key and TTLs.
    pub cache_policy: String,
    /// The name of the origin request policy, if any: what else is forwarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_request_policy: Option<String>,
    /// The methods answered, others getting 403: `[GET, HEAD]` (the
    /// default), `[GET, HEAD, OPTIONS]` or all seven, as in CloudFront.
    #[serde(default = "default_methods")]
    pub allowed_methods: Vec<Method>,
    /// The allowed methods whose responses may be cached: `[GET, HEAD]`
    /// (the default) or `[GET, HEAD, OPTIONS]`.
    #[serde(default = "default_methods")]
    pub cached_methods: Vec<Method>,
    /// Passes methods besides the seven (WebDAV's `PROPFIND`, `MKCOL`,
    /// `M-SEARCH`, ...) to the origin, uncached, instead of answering 403;
    /// `TRACE` and `CONNECT` stay refused. Needs all seven allowed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_extension_methods: bool,
    /// RFC 9111 section 4.4: a `POST`, `PUT`, `PATCH`, `DELETE` or
    /// extension method answered 2xx or 3xx purges what the cache holds for
    /// its URL and a same-host `Location` / `Content-Location`. Off by
    /// default, as in CloudFront: each such request is a purge (on
    /// Cloudflare, a call to the purge log's Durable Object).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invalidate_on_unsafe_methods: bool,
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
