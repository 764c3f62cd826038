//! Configuration: the JSON document ([`schema`]), how it is read with every
//! error reported (`load`) and checked (`validate`), the validated form the
//! rest of core works from ([`Config`]), with names resolved to indices and
//! path patterns compiled once, its precompiled form
//! ([`Config::from_precompiled`]), and which configuration an instance runs
//! with ([`choose`]).

mod choose;
mod cloudflare;
mod load;
mod precompiled;
pub mod schema;
mod text;
mod validate;

use serde::{Deserialize, Serialize};

use crate::behavior::PathPattern;
use crate::error::Error;
pub use choose::{Chosen, Embedded, Reader, UNCONFIGURED_BODY, UNCONFIGURED_STATUS, choose};
pub use cloudflare::{Unreachable, cloudflare_unreachable};
pub use precompiled::{MAX_PRECOMPILED_BYTES, PRECOMPILED_TEXT_PREFIX, precompiled_header};
pub(crate) use schema::{
    AcceptEncodingNormalization, HostHeader, ProtocolPolicy, QueryCanonicalization, RawConfig,
};
pub use schema::{DEFAULT_INVALIDATION_PATH, Method, Seconds};
pub use text::Text;
pub(crate) use validate::is_token;
pub use validate::{HeaderList, header_refusal};

/// CloudFront's default error caching minimum TTL.
pub const DEFAULT_ERROR_CACHING_MIN_TTL: Seconds = 10;

/// A validated configuration.
///
/// ```
/// let config = edgecache_core::Config::from_json(r#"{
///     "origins": {"api": {"domain": "api.example.com"}},
///     "cache_policies": {"default": {}},
///     "default_behavior": {"origin": "api", "cache_policy": "default"}
/// }"#).unwrap();
/// assert_eq!(config.behaviors().len(), 0);
/// assert_eq!(config.cache_policy(config.default_behavior()).ttl.default, 86400);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Config {
    invalidation_path: Text,
    origins: Vec<Origin>,
    cache_policies: Vec<CachePolicy>,
    origin_request_policies: Vec<OriginRequestPolicy>,
    behaviors: Vec<Behavior>,
    default_behavior: Behavior,
    error_caching: Vec<(u16, Seconds)>,
}

impl Config {
    /// Parses and validates a JSON configuration. On failure the error lists
    /// every problem found, each with its JSON path.
    pub fn from_json(json: &str) -> Result<Config, Error> {
        validate::validate(load::parse(json)?)
    }

    /// The document as written, with every default filled in and the TTLs
    /// CloudFront derives written out (a missing `default_ttl` or `max_ttl`),
    /// so that printing it shows every value in force; on failure, every
    /// problem with its JSON path, as [`Config::from_json`] reports them.
    ///
    /// ```
    /// let raw = edgecache_core::Config::normalized_document(r#"{
    ///     "origins": {"api": {"domain": "api.example.com"}},
    ///     "cache_policies": {"p": {"min_ttl": 100000}},
    ///     "default_behavior": {"origin": "api", "cache_policy": "p"}
    /// }"#).unwrap();
    /// let policy = &raw.cache_policies["p"];
    /// assert_eq!((policy.default_ttl, policy.max_ttl), (Some(100000), Some(31536000)));
    /// ```
    pub fn normalized_document(json: &str) -> Result<RawConfig, Error> {
        let parsed = load::parse(json)?;
        let mut raw = parsed.raw.clone();
        let config = validate::validate(parsed)?;
        for (name, policy) in &mut raw.cache_policies {
            if let Some(resolved) = config.cache_policies.iter().find(|p| &p.name == name) {
                policy.min_ttl = resolved.ttl.min;
                policy.default_ttl = Some(resolved.ttl.default);
                policy.max_ttl = Some(resolved.ttl.max);
            }
        }
        Ok(raw)
    }

    /// Behaviors with a path pattern, in matching order.
    pub fn behaviors(&self) -> &[Behavior] {
        &self.behaviors
    }

    /// The behavior used when no pattern matches.
    pub fn default_behavior(&self) -> &Behavior {
        &self.default_behavior
    }

    /// The origin a behavior routes to.
    pub fn origin(&self, behavior: &Behavior) -> &Origin {
        &self.origins[behavior.origin]
    }

    /// The cache policy of a behavior.
    pub fn cache_policy(&self, behavior: &Behavior) -> &CachePolicy {
        &self.cache_policies[behavior.cache_policy]
    }

    /// The origin request policy of a behavior, if it has one.
    pub fn origin_request_policy(&self, behavior: &Behavior) -> Option<&OriginRequestPolicy> {
        behavior
            .origin_request_policy
            .map(|i| &self.origin_request_policies[i])
    }

    /// Every origin, in name order.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// Every cache policy, in name order.
    pub fn cache_policies(&self) -> &[CachePolicy] {
        &self.cache_policies
    }

    /// Every origin request policy, in name order.
    pub fn origin_request_policies(&self) -> &[OriginRequestPolicy] {
        &self.origin_request_policies
    }

    /// Where the invalidation API answers.
    pub fn invalidation_path(&self) -> &str {
        &self.invalidation_path
    }

    /// The error caching minimum TTL for a status (CloudFront default 10 s).
    pub fn error_caching_min_ttl(&self, status: u16) -> Seconds {
        self.error_caching
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(DEFAULT_ERROR_CACHING_MIN_TTL, |(_, ttl)| *ttl)
    }
}

/// A validated origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Origin {
    /// The origin's name in the configuration's `origins`.
    pub name: Text,
    /// Lower-cased host name or IP literal.
    pub domain: Text,
    /// Whether the edge reaches the origin over HTTPS, HTTP, or the
    /// viewer's scheme (CloudFront's origin protocol policy).
    pub protocol: ProtocolPolicy,
    /// The TCP port for HTTP connections to the origin (default 80).
    pub http_port: u16,
    /// The TCP port for HTTPS connections to the origin (default 443).
    pub https_port: u16,
    /// Origin path prefix: empty, or starting with `/` and not ending with one.
    pub path: Text,
    /// Custom headers, names lower-cased, in name order.
    pub custom_headers: Vec<(Text, Text)>,
    /// The Host header the origin receives: its own domain, the viewer's
    /// Host (which then goes into the cache key), or a fixed value.
    pub host_header: HostHeader,
    /// How long opening the connection to the origin may take, in
    /// milliseconds (default 10000).
    pub connect_timeout_ms: u64,
    /// How long the origin may take to send its response headers, in
    /// milliseconds (default 30000); after it the edge answers 504, or
    /// serves a stale copy within stale-if-error.
    pub first_byte_timeout_ms: u64,
    /// The longest pause allowed between two chunks of the response body,
    /// in milliseconds (default 10000); Workers cannot enforce it.
    pub between_bytes_timeout_ms: u64,
    /// Fastly's shield POP for this origin's misses, if any
    /// ([`crate::shield`]).
    pub shield: Option<Text>,
}

/// The three TTLs of a cache policy, with CloudFront's defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TtlLimits {
    /// The shortest time a response is kept, in seconds, even when the
    /// origin asks for less (CloudFront's MinTTL, default 0).
    pub min: Seconds,
    /// The time a response is kept when the origin states no lifetime
    /// (no `s-maxage`, `max-age` or `Expires`), in seconds (CloudFront's
    /// DefaultTTL: 86400, or `min` when that is larger).
    pub default: Seconds,
    /// The longest time a response is kept, in seconds, even when the
    /// origin asks for more (CloudFront's MaxTTL: 31536000, or `default`
    /// when that is larger).
    pub max: Seconds,
}

/// A validated cache policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct CachePolicy {
    /// The policy's name in the configuration's `cache_policies`.
    pub name: Text,
    /// How long a response may be kept, with CloudFront's defaults applied.
    pub ttl: TtlLimits,
    /// Query parameters in the key (and so forwarded), names
    /// percent-encoded as the normalized query writes them.
    pub query_strings: NameSet,
    /// Header names in the key, lower-cased and sorted.
    pub headers: Vec<Text>,
    /// Cookies in the key (and so forwarded), names as written.
    pub cookies: NameSet,
    /// Which of gzip and brotli the normalized `Accept-Encoding` keeps
    /// (CloudFront's `EnableAcceptEncodingGzip`/`EnableAcceptEncodingBrotli`).
    pub accept_encoding: AcceptEncodingNormalization,
    /// Sorting and de-duplication of keyed query parameters, which
    /// CloudFront lacks; both off by default.
    pub canonicalize_query: QueryCanonicalization,
    /// Whether the viewer's Host is in the key, as configured; an origin
    /// that receives the viewer's Host puts it in the key regardless.
    pub include_host: bool,
    /// CloudFront's quirk, opt-in: with `min_ttl` above 0, `no-cache`,
    /// `no-store`, `private` and `Set-Cookie` responses are stored for
    /// `min_ttl` (Set-Cookie stripped from the stored copy).
    pub cloudfront_min_ttl_override: bool,
    /// The origin answers alike whatever unkeyed cookies and credential
    /// headers it receives: their answers may be stored by `default_ttl`.
    pub origin_ignores_unkeyed_credentials: bool,
    /// Heuristic freshness for answers with a `Last-Modified` and no
    /// explicit lifetime (RFC 9111 section 4.2.2).
    pub heuristic_freshness: bool,
    /// The viewer's request directives are honored (RFC 9111 section 5.2.1).
    pub honor_request_directives: bool,
    /// The targeted fields that replace `Cache-Control` for the edge's
    /// decisions, lower-case, in order of precedence (RFC 9213).
    pub targeted_cache_control: Vec<Text>,
    /// The largest body stored, in bytes (below the platform's own limit,
    /// which applies besides); `None`: the platform's limit only.
    pub max_object_bytes: Option<u64>,
    /// Seconds a stale response may be served while one request refreshes
    /// it, when the origin states no `stale-while-revalidate` (RFC 5861).
    pub stale_while_revalidate: Seconds,
    /// Seconds a stale response may be served when the origin fails, when
    /// the origin states no `stale-if-error` (RFC 5861).
    pub stale_if_error: Seconds,
}

impl CachePolicy {
    /// CloudFront's CachingDisabled: nothing can ever be stored.
    pub fn caching_disabled(&self) -> bool {
        self.ttl.max == 0
    }

    /// Whether a viewer header (lower-cased name) is part of the key.
    pub fn keys_header(&self, lower_name: &str) -> bool {
        self.headers.iter().any(|h| h == lower_name)
    }
}

/// A validated origin request policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct OriginRequestPolicy {
    /// The policy's name in the configuration's `origin_request_policies`.
    pub name: Text,
    /// Query parameters forwarded to the origin without being keyed.
    pub query_strings: NameSet,
    /// Viewer headers forwarded to the origin without being keyed, names
    /// lower-cased (`all_viewer` is [`NameSet::All`]).
    pub headers: NameSet,
    /// Cookies forwarded to the origin without being keyed.
    pub cookies: NameSet,
}

/// Which names (of query parameters, headers or cookies) a policy selects.
///
/// Two readings, both deliberately lopsided towards safety: a *cache key*
/// includes generously ([`NameSet::keys`]: a whitelist matches names in any
/// letter case, so `keyword` cannot slip past a key on `Keyword` to an origin
/// that ignores case), while *forwarding* is sparing ([`NameSet::forwards`]:
/// a whitelist matches exactly, an exclusion list in any case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub enum NameSet {
    /// No name: `"behavior": "none"`.
    None,
    /// Only the names listed: `"whitelist"`.
    Only(Vec<Text>),
    /// Every name but those listed: `"all_except"`.
    AllExcept(Vec<Text>),
    /// Every name: `"all"`, or `"all_viewer"` for forwarded headers.
    All,
}

impl NameSet {
    /// Whether the key includes `name`.
    pub fn keys(&self, name: &str) -> bool {
        match self {
            NameSet::None => false,
            NameSet::Only(names) => names.iter().any(|n| n.eq_ignore_ascii_case(name)),
            NameSet::AllExcept(names) => !names.iter().any(|n| n == name),
            NameSet::All => true,
        }
    }

    /// Whether `name` is not in the set but frameworks read it as a name
    /// that is (`Practice.Id` and `Practice_Id[]` for `Practice_Id`).
    pub(crate) fn aliases(&self, name: &str) -> bool {
        let NameSet::Only(names) = self else {
            return false;
        };
        // Without a character frameworks rewrite on either side, an alias
        // would be the same name in another case, which is keyed already.
        let rewritten = |s: &str| {
            s.bytes()
                .any(|b| matches!(b, b'.' | b' ' | b'[' | b'%' | b'+'))
        };
        if !rewritten(name) && !names.iter().any(|n| rewritten(n)) {
            return false;
        }
        let alias = crate::query::alias_form(name);
        names.iter().any(|n| crate::query::alias_form(n) == alias)
    }

    /// Whether `name` is forwarded to the origin without being keyed.
    pub fn forwards(&self, name: &str) -> bool {
        match self {
            NameSet::None => false,
            NameSet::Only(names) => names.iter().any(|n| n == name),
            NameSet::AllExcept(names) => !names.iter().any(|n| n.eq_ignore_ascii_case(name)),
            NameSet::All => true,
        }
    }

    /// Whether nothing at all is selected.
    pub fn is_none(&self) -> bool {
        matches!(self, NameSet::None)
    }
}

/// A set of HTTP methods, as a bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodSet(u8);

impl MethodSet {
    /// The set of the methods listed (repeats count once).
    pub fn from_methods(methods: &[Method]) -> Self {
        MethodSet(methods.iter().fold(0, |bits, m| bits | Self::bit(*m)))
    }

    /// Whether `method` is in the set.
    pub fn contains(self, method: Method) -> bool {
        self.0 & Self::bit(method) != 0
    }

    /// Whether every method in this set is also in `other`.
    pub fn is_subset_of(self, other: MethodSet) -> bool {
        self.0 & !other.0 == 0
    }

    fn bit(method: Method) -> u8 {
        1 << (method as u8)
    }
}

/// A validated behavior, its pattern compiled and its names resolved.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Behavior {
    /// `None` for the default behavior.
    pub pattern: Option<PathPattern>,
    /// The origin requests go to, as an index into [`Config::origins`];
    /// [`Config::origin`] resolves it.
    pub origin: usize,
    /// The cache policy, as an index that [`Config::cache_policy`] resolves.
    pub cache_policy: usize,
    /// The origin request policy, if any, as an index that
    /// [`Config::origin_request_policy`] resolves.
    pub origin_request_policy: Option<usize>,
    /// The methods answered: others get 403 at the edge, as in CloudFront
    /// (`[GET, HEAD]`, `[GET, HEAD, OPTIONS]` or all seven).
    pub allowed_methods: MethodSet,
    /// The methods whose responses may be cached; other allowed methods
    /// bypass the cache (`[GET, HEAD]` or `[GET, HEAD, OPTIONS]`).
    pub cached_methods: MethodSet,
    /// Methods besides the seven are passed to the origin, uncached
    /// (`TRACE`, `TRACK`, `CONNECT`, `PURGE` and `BAN` excepted).
    pub allow_extension_methods: bool,
    /// Successful unsafe methods purge what they changed (RFC 9111
    /// section 4.4).
    pub invalidate_on_unsafe_methods: bool,
}

impl Behavior {
    /// The pattern as configured (with its leading `/`), or `*` for the
    /// default behavior: how logs and headers name the behavior.
    pub fn label(&self) -> &str {
        self.pattern.as_ref().map_or("*", PathPattern::as_str)
    }
}

#[cfg(test)]
mod tests;
