//! CloudFront cache policies and origin request policies (managed or
//! custom, in the API's shape) as edgecache policies.

use edgecache_core::schema::{
    AcceptEncodingNormalization, HeaderForwarding, NameFilter, QueryCanonicalization,
    RawCachePolicy, RawOriginRequestPolicy,
};

use super::distribution::List;
use super::headers::{self, Place};
use super::note::{Note, item, join};
use super::policy_file::{CachePolicyConfig, HeadersConfig, OriginRequestPolicyConfig};
use crate::Error;
use edgecache_core::config::HeaderList;

/// CloudFront's default `DefaultTTL`.
const DEFAULT_TTL: u64 = 86_400;
/// CloudFront's default `MaxTTL`.
const MAX_TTL: u64 = 31_536_000;

/// A cache policy as edgecache holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheDraft {
    /// The policy.
    pub(crate) policy: RawCachePolicy,
    /// CloudFront keys the viewer's `Host`, and so forwards it.
    pub(crate) keys_host: bool,
}

/// An origin request policy as edgecache holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrpDraft {
    /// The policy.
    pub(crate) policy: RawOriginRequestPolicy,
    /// CloudFront forwards the viewer's `Host`.
    pub(crate) forwards_host: bool,
}

impl OrpDraft {
    /// Whether the policy forwards cookies or headers (credentials among
    /// them, possibly) that the cache policy does not key.
    pub(crate) fn forwards_credentials(&self) -> bool {
        self.policy.cookies != edgecache_core::schema::NameFilter::None
            || self.policy.headers != edgecache_core::schema::HeaderForwarding::None
    }
}

/// Where a policy's settings are, for notes: the path of its config (for
/// a managed policy, of the id that names it, every note naming the policy).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    /// The JSON path of the config, or of the id.
    pub(crate) at: &'a str,
    /// The managed policy's name.
    pub(crate) managed: Option<&'a str>,
}

impl Source<'_> {
    /// The path of a setting inside the config.
    fn path(&self, sub: &str) -> String {
        match self.managed {
            Some(_) => self.at.to_string(),
            None => join(self.at, sub),
        }
    }

    /// Put before each message.
    fn prefix(&self) -> String {
        self.managed
            .map(|name| format!("managed policy {name}: "))
            .unwrap_or_default()
    }
}

const KEY: &str = "ParametersInCacheKeyAndForwardedToOrigin";

/// CloudFront's `[MinTTL, DefaultTTL, MaxTTL]`, its defaults filled in:
/// `DefaultTTL` 86400 or `MinTTL` if larger, `MaxTTL` 31536000 or
/// `DefaultTTL` if larger.
pub(crate) fn ttls(min: u64, default: Option<u64>, max: Option<u64>) -> [u64; 3] {
    let default = default.unwrap_or(DEFAULT_TTL.max(min));
    [min, default, max.unwrap_or(MAX_TTL.max(default))]
}

/// What a cache policy keys (and so forwards).
#[derive(Debug)]
pub(crate) struct Key {
    /// The query parameters keyed.
    pub(crate) query_strings: NameFilter,
    /// The headers keyed, by name.
    pub(crate) headers: Vec<String>,
    /// The cookies keyed.
    pub(crate) cookies: NameFilter,
    /// The normalized `Accept-Encoding`'s encodings.
    pub(crate) accept_encoding: AcceptEncodingNormalization,
    /// The viewer's `Host` is keyed.
    pub(crate) host: bool,
}

impl Key {
    /// The cache policy keying this for these TTLs; a keyed
    /// `Authorization` is noted at `at`.
    pub(crate) fn policy(
        self,
        ttl: [u64; 3],
        at: &str,
        prefix: &str,
        notes: &mut Vec<Note>,
    ) -> CacheDraft {
        let authorization = self
            .headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case("authorization"));
        if ttl[2] > 0 && authorization {
            notes.push(Note::new(at, keyed_authorization(prefix)));
        }
        CacheDraft {
            policy: RawCachePolicy {
                min_ttl: ttl[0],
                default_ttl: Some(ttl[1]),
                max_ttl: Some(ttl[2]),
                query_strings: self.query_strings,
                headers: self.headers,
                cookies: self.cookies,
                accept_encoding: self.accept_encoding,
                canonicalize_query: QueryCanonicalization::default(),
                include_host: self.host,
                cloudfront_min_ttl_override: false,
                origin_ignores_unkeyed_credentials: false,
                heuristic_freshness: false,
                honor_request_directives: false,
                targeted_cache_control: None,
                max_object_bytes: None,
                stale_while_revalidate: 0,
                stale_if_error: 0,
            },
            keys_host: self.host,
        }
    }
}

/// A cache policy: TTLs as CloudFront defaults them, and what it keys.
pub(crate) fn cache_policy(
    config: &CachePolicyConfig,
    source: Source<'_>,
    notes: &mut Vec<Note>,
) -> Result<CacheDraft, Error> {
    let key = &config.parameters_in_cache_key_and_forwarded_to_origin;
    let accept_encoding = AcceptEncodingNormalization {
        gzip: key.enable_accept_encoding_gzip,
        brotli: key.enable_accept_encoding_brotli,
    };
    let at = |sub: &str| source.path(&format!("{KEY}.{sub}"));
    let sorted = cache_headers(&key.headers_config, &at("HeadersConfig"), source, notes)?;
    let mut headers = sorted.names;
    if sorted.accept_encoding && !(accept_encoding.gzip || accept_encoding.brotli) {
        headers.push("Accept-Encoding".to_string());
    }
    let (cookies, query) = (&key.cookies_config, &key.query_strings_config);
    let key = Key {
        query_strings: names(
            &query.query_string_behavior,
            &query.query_strings,
            &at("QueryStringsConfig.QueryStringBehavior"),
        )?,
        headers,
        cookies: names(
            &cookies.cookie_behavior,
            &cookies.cookies,
            &at("CookiesConfig.CookieBehavior"),
        )?,
        accept_encoding,
        host: sorted.host,
    };
    let ttl = ttls(config.min_ttl, config.default_ttl, config.max_ttl);
    Ok(key.policy(ttl, &at("HeadersConfig"), &source.prefix(), notes))
}

/// The note for a cache policy that keys `Authorization`.
fn keyed_authorization(prefix: &str) -> String {
    format!(
        "{prefix}keys Authorization: edgecache stores an answer to a request with Authorization \
         only when it says public, s-maxage or must-revalidate (RFC 9111 section 3.5), where \
         CloudFront stores it by the TTLs; have the origin say so"
    )
}

fn cache_headers(
    config: &HeadersConfig,
    at: &str,
    source: Source<'_>,
    notes: &mut Vec<Note>,
) -> Result<headers::Sorted, Error> {
    match config.header_behavior.as_str() {
        "" | "none" => Ok(headers::Sorted::default()),
        "whitelist" => Ok(sorted(&config.headers, HeaderList::Key, at, source, notes)),
        other => Err(unknown(
            &join(at, "HeaderBehavior"),
            other,
            "none or whitelist",
        )),
    }
}

/// An origin request policy.
pub(crate) fn origin_request_policy(
    config: &OriginRequestPolicyConfig,
    source: Source<'_>,
    notes: &mut Vec<Note>,
) -> Result<OrpDraft, Error> {
    let (headers, forwards_host) = forwarded_headers(&config.headers_config, source, notes)?;
    let cookies = &config.cookies_config;
    let query = &config.query_strings_config;
    Ok(OrpDraft {
        policy: RawOriginRequestPolicy {
            query_strings: names(
                &query.query_string_behavior,
                &query.query_strings,
                &source.path("QueryStringsConfig.QueryStringBehavior"),
            )?,
            headers,
            cookies: names(
                &cookies.cookie_behavior,
                &cookies.cookies,
                &source.path("CookiesConfig.CookieBehavior"),
            )?,
        },
        forwards_host,
    })
}

/// The headers an origin request policy forwards, and whether `Host` is one.
fn forwarded_headers(
    config: &HeadersConfig,
    source: Source<'_>,
    notes: &mut Vec<Note>,
) -> Result<(HeaderForwarding, bool), Error> {
    let at = source.path("HeadersConfig");
    let mut list = || sorted(&config.headers, HeaderList::Forward, &at, source, notes);
    Ok(match config.header_behavior.as_str() {
        "" | "none" => (HeaderForwarding::None, false),
        "allViewer" => (HeaderForwarding::AllViewer, true),
        "allViewerAndWhitelistCloudFront" => {
            for (i, name) in config.headers.items().iter().enumerate() {
                let path = source.path(&item(&join("HeadersConfig", "Headers"), i));
                notes.push(Note::new(
                    path,
                    headers::added_by_cloudfront(&source.prefix(), name),
                ));
            }
            (HeaderForwarding::AllViewer, true)
        }
        "whitelist" => {
            let sorted = without_accept_encoding(list(), &at, source, notes);
            let forwarding = if sorted.names.is_empty() {
                HeaderForwarding::None
            } else {
                HeaderForwarding::Whitelist(sorted.names)
            };
            (forwarding, sorted.host)
        }
        "allExcept" => {
            let sorted = list();
            let forwarding = if sorted.names.is_empty() {
                HeaderForwarding::AllViewer
            } else {
                HeaderForwarding::AllExcept(sorted.names)
            };
            (forwarding, !sorted.host)
        }
        other => {
            return Err(unknown(
                &join(&at, "HeaderBehavior"),
                other,
                "none, whitelist, allViewer, allViewerAndWhitelistCloudFront or allExcept",
            ));
        }
    })
}

/// `Accept-Encoding` in an origin request policy: CloudFront sends the
/// normalized one whenever the cache policy caches compressed objects,
/// and edgecache only then.
fn without_accept_encoding(
    sorted: headers::Sorted,
    at: &str,
    source: Source<'_>,
    notes: &mut Vec<Note>,
) -> headers::Sorted {
    if sorted.accept_encoding {
        notes.push(Note::new(
            at.to_string(),
            format!(
                "{}Accept-Encoding is not forwarded by name: the origin gets the normalized one \
                 when the cache policy's Gzip or Brotli setting is on, as in CloudFront",
                source.prefix()
            ),
        ));
    }
    sorted
}

fn sorted(
    names: &List<String>,
    usage: HeaderList,
    at: &str,
    source: Source<'_>,
    notes: &mut Vec<Note>,
) -> headers::Sorted {
    let list = join(at, "Headers");
    let item_path = |i: usize| match source.managed {
        Some(_) => source.at.to_string(),
        None => item(&list, i),
    };
    let prefix = source.prefix();
    let place = Place {
        item: &item_path,
        prefix: &prefix,
    };
    headers::sort(names.items(), usage, &place, notes)
}

/// A query string or cookie behavior and its names.
pub(crate) fn names(behavior: &str, names: &List<String>, at: &str) -> Result<NameFilter, Error> {
    let list = names.items().to_vec();
    Ok(match behavior {
        "" | "none" => NameFilter::None,
        "all" => NameFilter::All,
        "whitelist" if list.is_empty() => NameFilter::None,
        "whitelist" => NameFilter::Whitelist(list),
        "allExcept" if list.is_empty() => NameFilter::All,
        "allExcept" => NameFilter::AllExcept(list),
        other => return Err(unknown(at, other, "none, whitelist, allExcept or all")),
    })
}

fn unknown(at: &str, value: &str, expected: &str) -> Error {
    Error::new(format!(
        "{at}: {value:?} is not a value CloudFront documents (expected {expected})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(json: &str) -> (CacheDraft, Vec<Note>) {
        let config: CachePolicyConfig = serde_json::from_str(json).unwrap();
        let mut notes = Vec::new();
        let source = Source {
            at: "p.json#C",
            managed: None,
        };
        (cache_policy(&config, source, &mut notes).unwrap(), notes)
    }

    fn request(json: &str) -> (OrpDraft, Vec<Note>) {
        let config: OriginRequestPolicyConfig = serde_json::from_str(json).unwrap();
        let mut notes = Vec::new();
        let source = Source {
            at: "r.json#R",
            managed: None,
        };
        (
            origin_request_policy(&config, source, &mut notes).unwrap(),
            notes,
        )
    }

    #[test]
    fn ttls_take_cloudfront_defaults() {
        let (draft, _) = cache(r#"{"Name": "p", "MinTTL": 100000}"#);
        let p = draft.policy;
        assert_eq!(
            (p.min_ttl, p.default_ttl, p.max_ttl),
            (100_000, Some(100_000), Some(31_536_000))
        );
        assert_eq!(p.query_strings, NameFilter::None);
    }

    #[test]
    fn a_keyed_host_becomes_include_host_and_accept_encoding_the_normalization() {
        let json = r#"{"Name": "p", "MinTTL": 0, "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": false, "EnableAcceptEncodingBrotli": false,
            "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 3, "Items": ["Host", "Accept-Encoding", "X-Tenant"]}},
            "CookiesConfig": {"CookieBehavior": "allExcept", "Cookies": {"Quantity": 1, "Items": ["_ga"]}},
            "QueryStringsConfig": {"QueryStringBehavior": "whitelist", "QueryStrings": {"Quantity": 0}}}}"#;
        let (draft, notes) = cache(json);
        assert!(draft.keys_host && draft.policy.include_host);
        // Without normalization, the raw Accept-Encoding is keyed, as CloudFront does.
        assert_eq!(draft.policy.headers, ["X-Tenant", "Accept-Encoding"]);
        assert_eq!(
            draft.policy.cookies,
            NameFilter::AllExcept(vec!["_ga".into()])
        );
        assert_eq!(draft.policy.query_strings, NameFilter::None);
        assert!(notes.is_empty());
    }

    #[test]
    fn origin_request_headers_map_onto_edgecache_forwarding() {
        let (all_but_host, _) = request(
            r#"{"HeadersConfig": {"HeaderBehavior": "allExcept", "Headers": {"Items": ["Host"]}}}"#,
        );
        assert_eq!(all_but_host.policy.headers, HeaderForwarding::AllViewer);
        assert!(!all_but_host.forwards_host);
        let (all_but_one, _) = request(
            r#"{"HeadersConfig": {"HeaderBehavior": "allExcept", "Headers": {"Items": ["X-Debug"]}}}"#,
        );
        assert_eq!(
            all_but_one.policy.headers,
            HeaderForwarding::AllExcept(vec!["X-Debug".into()])
        );
        assert!(all_but_one.forwards_host);
        let (with_cloudfront, notes) = request(
            r#"{"HeadersConfig": {"HeaderBehavior": "allViewerAndWhitelistCloudFront", "Headers": {"Items": ["CloudFront-Viewer-Country"]}}}"#,
        );
        assert_eq!(with_cloudfront.policy.headers, HeaderForwarding::AllViewer);
        assert_eq!(notes[0].path, "r.json#R.HeadersConfig.Headers.Items[0]");
        let (host_only, notes) = request(
            r#"{"HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Items": ["Host", "Accept-Encoding"]}}}"#,
        );
        assert_eq!(host_only.policy.headers, HeaderForwarding::None);
        assert!(host_only.forwards_host && !host_only.forwards_credentials());
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn a_value_cloudfront_does_not_document_is_an_error() {
        let config: OriginRequestPolicyConfig =
            serde_json::from_str(r#"{"CookiesConfig": {"CookieBehavior": "some"}}"#).unwrap();
        let source = Source {
            at: "r.json#R",
            managed: None,
        };
        let error = origin_request_policy(&config, source, &mut Vec::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "r.json#R.CookiesConfig.CookieBehavior: \"some\" is not a value CloudFront documents (expected none, whitelist, allExcept or all)"
        );
    }
}
