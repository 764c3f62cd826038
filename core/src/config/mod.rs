//! Configuration: the JSON document ([`schema`]), how it is read with every
//! error reported ([`load`]), checked ([`validate`]), and the validated form
//! the rest of core works from ([`Config`]), with names resolved to indices
//! and path patterns compiled once.

mod load;
pub mod schema;
mod validate;

use crate::behavior::PathPattern;
use crate::error::Error;
pub use schema::{
    AcceptEncodingNormalization, DEFAULT_INVALIDATION_PATH, HostHeader, Method, ProtocolPolicy,
    QueryCanonicalization, RawConfig, Seconds,
};
pub(crate) use validate::is_token;

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
#[derive(Debug, Clone)]
pub struct Config {
    raw: RawConfig,
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

    /// The configuration as written, with every default filled in.
    pub fn raw(&self) -> &RawConfig {
        &self.raw
    }

    /// The configuration as it takes effect: [`Config::raw`] with the TTLs
    /// CloudFront derives filled in (a missing `default_ttl` or `max_ttl`
    /// written out), so that printing it shows every value in force.
    ///
    /// ```
    /// let config = edgecache_core::Config::from_json(r#"{
    ///     "origins": {"api": {"domain": "api.example.com"}},
    ///     "cache_policies": {"p": {"min_ttl": 100000}},
    ///     "default_behavior": {"origin": "api", "cache_policy": "p"}
    /// }"#).unwrap();
    /// let policy = &config.normalized().cache_policies["p"];
    /// assert_eq!((policy.default_ttl, policy.max_ttl), (Some(100000), Some(31536000)));
    /// ```
    pub fn normalized(&self) -> RawConfig {
        let mut raw = self.raw.clone();
        for (name, policy) in &mut raw.cache_policies {
            if let Some(resolved) = self.cache_policies.iter().find(|p| &p.name == name) {
                policy.min_ttl = resolved.ttl.min;
                policy.default_ttl = Some(resolved.ttl.default);
                policy.max_ttl = Some(resolved.ttl.max);
            }
        }
        raw
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

    /// Where the invalidation API answers.
    pub fn invalidation_path(&self) -> &str {
        &self.raw.invalidation.path
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub name: String,
    /// Lower-cased host name or IP literal.
    pub domain: String,
    pub protocol: ProtocolPolicy,
    pub http_port: u16,
    pub https_port: u16,
    /// Origin path prefix: empty, or starting with `/` and not ending with one.
    pub path: String,
    /// Custom headers, names lower-cased, in name order.
    pub custom_headers: Vec<(String, String)>,
    pub host_header: HostHeader,
    pub connect_timeout_ms: u64,
    pub first_byte_timeout_ms: u64,
    pub between_bytes_timeout_ms: u64,
}

/// The three TTLs of a cache policy, with CloudFront's defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TtlLimits {
    pub min: Seconds,
    pub default: Seconds,
    pub max: Seconds,
}

/// A validated cache policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicy {
    pub name: String,
    pub ttl: TtlLimits,
    pub query_strings: NameSet,
    /// Header names in the key, lower-cased and sorted.
    pub headers: Vec<String>,
    pub cookies: NameSet,
    pub accept_encoding: AcceptEncodingNormalization,
    pub canonicalize_query: QueryCanonicalization,
    pub include_host: bool,
    pub cloudfront_min_ttl_override: bool,
    pub stale_while_revalidate: Seconds,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRequestPolicy {
    pub name: String,
    pub query_strings: NameSet,
    /// Header names lower-cased.
    pub headers: NameSet,
    pub cookies: NameSet,
}

/// Which names (of query parameters, headers or cookies) a policy selects.
///
/// Two readings, both deliberately lopsided towards safety: a *cache key*
/// includes generously ([`NameSet::keys`]: a whitelist matches names in any
/// letter case, so `keyword` cannot slip past a key on `Keyword` to an origin
/// that ignores case), while *forwarding* is sparing ([`NameSet::forwards`]:
/// a whitelist matches exactly, an exclusion list in any case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameSet {
    None,
    Only(Vec<String>),
    AllExcept(Vec<String>),
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MethodSet(u8);

impl MethodSet {
    pub fn from_methods(methods: &[Method]) -> Self {
        MethodSet(methods.iter().fold(0, |bits, m| bits | Self::bit(*m)))
    }

    pub fn contains(self, method: Method) -> bool {
        self.0 & Self::bit(method) != 0
    }

    pub fn is_subset_of(self, other: MethodSet) -> bool {
        self.0 & !other.0 == 0
    }

    fn bit(method: Method) -> u8 {
        1 << (method as u8)
    }
}

/// A validated behavior, its pattern compiled and its names resolved.
#[derive(Debug, Clone)]
pub struct Behavior {
    /// `None` for the default behavior.
    pub pattern: Option<PathPattern>,
    pub origin: usize,
    pub cache_policy: usize,
    pub origin_request_policy: Option<usize>,
    pub allowed_methods: MethodSet,
    pub cached_methods: MethodSet,
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
