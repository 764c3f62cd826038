//! The request decision: which behavior, whether the cache is used (and
//! why not), the cache key, and the exact request the origin receives.
//!
//! One principle keeps the cache safe: a cacheable request forwards to the
//! origin only what is in its key, what the origin request policy names,
//! and what the edge itself sets. An input the key ignores never reaches
//! the origin unless the configuration says so, so it cannot shape a
//! response that other viewers are then served.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::Write as _;

use crate::accept_encoding::AcceptEncoding;
use crate::behavior::select;
use crate::config::POISONING_HEADERS;
use crate::config::{
    Behavior, CachePolicy, Config, HostHeader, Method, NameSet, Origin, OriginRequestPolicy,
    ProtocolPolicy,
};
use crate::cookies::cookies;
use crate::headers::Headers;
use crate::key::{CacheKey, KeyBuilder};
use crate::path::normalize_path;
use crate::query::{Param, normalize_query, params};
use crate::reason::{PassReason, Rejection};

/// CloudFront's maximum URL length.
pub const MAX_TARGET_LEN: usize = 8192;

/// The scheme the viewer connected with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A viewer request, as the adapter received it.
#[derive(Debug, Clone, Copy)]
pub struct ViewerRequest<'r> {
    pub method: &'r str,
    pub scheme: Scheme,
    /// The Host the viewer asked for.
    pub host: &'r str,
    /// Path and query as received (origin form: `/path?query`).
    pub target: &'r str,
    pub headers: Headers<'r>,
    /// Whether the request has a body (Content-Length > 0 or chunked).
    pub has_body: bool,
    /// The viewer's address, sent to the origin as `X-Forwarded-For`.
    pub client_ip: Option<&'r str>,
}

/// What to do with a viewer request.
#[derive(Debug, Clone)]
pub enum RequestDecision<'c, 'r> {
    /// Answer at the edge with the rejection's status; the origin is not asked.
    Reject(Rejection),
    /// Go to the cache and/or the origin.
    Forward(RequestPlan<'c, 'r>),
}

/// Whether the cache is used for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Look the key up; fetch from the origin on a miss.
    Lookup(CacheKey),
    /// Go straight to the origin and store nothing.
    Pass(PassReason),
}

/// A request the edge will serve through the cache or the origin.
#[derive(Debug, Clone)]
pub struct RequestPlan<'c, 'r> {
    pub behavior: &'c Behavior,
    pub cache_policy: &'c CachePolicy,
    pub method: Method,
    /// The normalized path: what the behavior matched and the origin gets.
    pub path: String,
    pub disposition: Disposition,
    /// The viewer sent `Authorization`: a stored response may only be
    /// used if it explicitly allows it (RFC 9111 section 3.5).
    pub credentials: bool,
    pub origin_request: OriginRequest<'c, 'r>,
    /// What reaches the origin, for Vary: a response can only vary on a
    /// header the origin could have received.
    pub forwarding: Forwarding<'c>,
}

/// The request to send to the origin on a miss or a pass.
#[derive(Debug, Clone)]
pub struct OriginRequest<'c, 'r> {
    pub origin: &'c Origin,
    /// GET for a HEAD that fills the cache.
    pub method: Method,
    /// Full URL: scheme, origin domain and port, origin path, normalized
    /// path, forwarded query.
    pub url: String,
    /// Every header to send, `Host` first; nothing else is sent.
    pub headers: Vec<(Cow<'r, str>, Cow<'r, [u8]>)>,
}

impl OriginRequest<'_, '_> {
    /// The first value of a header to be sent (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

/// Decides how to serve a viewer request.
///
/// ```
/// use edgecache_core::{decide_request, Config, Disposition, Headers, RequestDecision, Scheme, ViewerRequest};
/// let config = Config::from_json(r#"{
///   "origins": {"api": {"domain": "api.example.com"}},
///   "cache_policies": {"search": {"query_strings": {"behavior": "whitelist", "names": ["Keyword"]}}},
///   "origin_request_policies": {"all-query": {"query_strings": {"behavior": "all"}}},
///   "default_behavior": {"origin": "api", "cache_policy": "search", "origin_request_policy": "all-query"}
/// }"#).unwrap();
/// let request = ViewerRequest {
///     method: "GET", scheme: Scheme::Https, host: "edge.example.com",
///     target: "/search?utm_source=x&Keyword=flu", headers: Headers::default(),
///     has_body: false, client_ip: None,
/// };
/// let RequestDecision::Forward(plan) = decide_request(&config, &request) else { panic!() };
/// let Disposition::Lookup(key) = &plan.disposition else { panic!() };
/// assert_eq!(key.as_str(), "/search?Keyword=flu");
/// assert_eq!(plan.origin_request.url, "https://api.example.com/search?utm_source=x&Keyword=flu");
/// ```
pub fn decide_request<'c: 'r, 'r>(
    config: &'c Config,
    request: &ViewerRequest<'r>,
) -> RequestDecision<'c, 'r> {
    match plan(config, request) {
        Ok(plan) => RequestDecision::Forward(plan),
        Err(rejection) => RequestDecision::Reject(rejection),
    }
}

fn plan<'c: 'r, 'r>(
    config: &'c Config,
    request: &ViewerRequest<'r>,
) -> Result<RequestPlan<'c, 'r>, Rejection> {
    if request.target.len() > MAX_TARGET_LEN {
        return Err(Rejection::TargetTooLong);
    }
    let (raw_path, raw_query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target, ""));
    let path = normalize_path(raw_path).map_err(|_| Rejection::BadTarget)?;
    let behavior = select(config, &path);
    let method = Method::from_token(request.method)
        .filter(|m| behavior.allowed_methods.contains(*m))
        .ok_or(Rejection::MethodNotAllowed)?;
    if matches!(method, Method::Get | Method::Head) && request.has_body {
        return Err(Rejection::BodyOnSafeMethod);
    }
    let policy = config.cache_policy(behavior);
    let origin = config.origin(behavior);
    let pass = if !behavior.cached_methods.contains(method) {
        Some(PassReason::Method)
    } else if policy.caching_disabled() {
        Some(PassReason::CachingDisabled)
    } else {
        None
    };
    let forwarding = Forwarding {
        policy,
        orp: config.origin_request_policy(behavior),
        origin,
        pass: pass.is_some(),
        encoding: (policy.accept_encoding.gzip || policy.accept_encoding.brotli)
            .then(|| AcceptEncoding::normalize(&request.headers, policy.accept_encoding)),
    };
    let query = normalize_query(raw_query);
    let mut key = KeyBuilder::new(
        (method == Method::Options).then_some("OPTIONS"),
        forwarding.keys_host().then_some(request.host),
        &path,
    );
    let forwarded_query = forwarding.query(&query, &mut key);
    let headers = forwarding.origin_headers(request, &mut key);
    let origin_method = match (method, pass) {
        (Method::Head, None) => Method::Get,
        (m, _) => m,
    };
    let url = origin_url(origin, request.scheme, &path, &forwarded_query);
    Ok(RequestPlan {
        behavior,
        cache_policy: policy,
        method,
        disposition: match pass {
            Some(reason) => Disposition::Pass(reason),
            None => Disposition::Lookup(key.finish()),
        },
        path,
        credentials: request.headers.contains("authorization"),
        origin_request: OriginRequest {
            origin,
            method: origin_method,
            url,
            headers,
        },
        forwarding,
    })
}

/// What the key and the origin request are built from: the policies of
/// the behavior, and what the edge decided about the request.
#[derive(Debug, Clone, Copy)]
pub struct Forwarding<'c> {
    policy: &'c CachePolicy,
    orp: Option<&'c OriginRequestPolicy>,
    origin: &'c Origin,
    /// The request bypasses the cache, so protocol headers may go through.
    pass: bool,
    /// The normalized Accept-Encoding, when the policy normalizes it.
    encoding: Option<AcceptEncoding>,
}

/// Headers a bypassing request (a POST, say) carries through unchanged:
/// they describe its body or make it conditional, and nothing is stored.
const PASS_HEADERS: [&str; 10] = [
    "content-type",
    "content-encoding",
    "content-language",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "if-range",
    "range",
    "cache-control",
];

/// Never forwarded from the viewer: set by the edge, or hop-by-hop.
const EDGE_OWNED_HEADERS: [&str; 14] = [
    "host",
    "cookie",
    "accept-encoding",
    "x-forwarded-for",
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "expect",
];

impl<'c> Forwarding<'c> {
    /// The host is keyed when the policy says so or when the origin
    /// receives the viewer's Host (then it can shape the response).
    fn keys_host(&self) -> bool {
        self.policy.include_host || self.origin.host_header == HostHeader::Viewer
    }

    /// Writes keyed parameters into the key; returns the forwarded query.
    fn query(&self, query: &str, key: &mut KeyBuilder) -> String {
        let canonical = self.policy.canonicalize_query;
        let mut seen = Seen::default();
        let mut keyed: Vec<Param<'_>> = Vec::new();
        let mut forwarded = String::with_capacity(query.len());
        for param in params(query) {
            if canonical.dedupe && !seen.insert(param.text) {
                continue;
            }
            let is_keyed = self.policy.query_strings.keys(param.name);
            if is_keyed {
                keyed.push(param);
            }
            if is_keyed
                || self
                    .orp
                    .is_some_and(|p| p.query_strings.forwards(param.name))
            {
                if !forwarded.is_empty() {
                    forwarded.push('&');
                }
                forwarded.push_str(param.text);
            }
        }
        if canonical.sort {
            // Stable: repeated names keep their relative order, so
            // `a=1&a=2` and `a=2&a=1` stay distinct keys.
            keyed.sort_by(|a, b| a.name.cmp(b.name));
        }
        for (i, param) in keyed.iter().enumerate() {
            key.query_param(param.text, i == 0);
        }
        forwarded
    }

    /// Writes keyed headers, cookies and encoding into the key; returns
    /// every header the origin receives.
    fn origin_headers<'r>(
        &self,
        request: &ViewerRequest<'r>,
        key: &mut KeyBuilder,
    ) -> Vec<(Cow<'r, str>, Cow<'r, [u8]>)>
    where
        'c: 'r,
    {
        let headers = request.headers;
        let mut out: Vec<(Cow<'r, str>, Cow<'r, [u8]>)> = Vec::with_capacity(8);
        out.push((
            Cow::Borrowed("host"),
            Cow::Borrowed(self.host_header(request).as_bytes()),
        ));
        for name in &self.policy.headers {
            if let Some(value) = joined(&headers, name) {
                key.header(name, &value);
            }
        }
        for (name, value) in headers.iter() {
            if self.forwards_viewer_header(name) {
                out.push((Cow::Borrowed(name), Cow::Borrowed(value)));
            }
        }
        self.cookies(&headers, key, &mut out);
        if let Some(encoding) = self.encoding {
            if encoding != AcceptEncoding::Identity {
                key.accept_encoding(encoding.as_str());
            }
            out.push((
                Cow::Borrowed("accept-encoding"),
                Cow::Borrowed(encoding.as_str().as_bytes()),
            ));
        }
        if let Some(ip) = request.client_ip {
            out.push((
                Cow::Borrowed("x-forwarded-for"),
                forwarded_for(&headers, self.orp, ip),
            ));
        }
        for (name, value) in &self.origin.custom_headers {
            out.push((
                Cow::Owned(name.clone()),
                Cow::Owned(value.clone().into_bytes()),
            ));
        }
        out
    }

    fn host_header<'r>(&self, request: &ViewerRequest<'r>) -> &'r str
    where
        'c: 'r,
    {
        match &self.origin.host_header {
            HostHeader::Origin => &self.origin.domain,
            HostHeader::Viewer => request.host,
            HostHeader::Custom(host) => host,
        }
    }

    /// Whether a viewer header of this name goes to the origin as sent.
    pub fn forwards_viewer_header(&self, name: &str) -> bool {
        let role = HeaderRole::of(name);
        if role == HeaderRole::EdgeOwned
            || self
                .origin
                .custom_headers
                .iter()
                .any(|(h, _)| name.eq_ignore_ascii_case(h))
        {
            return false;
        }
        (self.pass && role == HeaderRole::Pass)
            || self
                .policy
                .headers
                .iter()
                .any(|h| name.eq_ignore_ascii_case(h))
            || self
                .orp
                .is_some_and(|p| forwards_unkeyed(&p.headers, name, role))
    }

    /// Keys the policy's cookies; forwards keyed and policy-named cookies.
    fn cookies<'r>(
        &self,
        headers: &Headers<'r>,
        key: &mut KeyBuilder,
        out: &mut Vec<(Cow<'r, str>, Cow<'r, [u8]>)>,
    ) {
        let keyed_set = &self.policy.cookies;
        let forwarded_set = self.orp.map(|p| &p.cookies);
        if keyed_set.is_none() && forwarded_set.is_none_or(NameSet::is_none) {
            return;
        }
        let mut keyed: Vec<_> = Vec::new();
        let mut header = String::new();
        for cookie in cookies(headers) {
            let is_keyed = keyed_set.keys(cookie.name);
            if is_keyed {
                keyed.push(cookie);
            }
            if is_keyed || forwarded_set.is_some_and(|s| s.forwards(cookie.name)) {
                if !header.is_empty() {
                    header.push_str("; ");
                }
                header.push_str(cookie.name);
                header.push('=');
                header.push_str(cookie.value);
            }
        }
        // Cookie order carries no meaning (RFC 6265 section 5.4): sort by name, stably.
        keyed.sort_by(|a, b| a.name.cmp(b.name));
        for cookie in keyed {
            key.cookie(cookie.name, cookie.value);
        }
        if !header.is_empty() {
            out.push((Cow::Borrowed("cookie"), Cow::Owned(header.into_bytes())));
        }
    }
}

/// An origin request policy's header list, minus the headers known to
/// poison caches when they are not keyed: those pass only when named
/// explicitly (and validation then demands they be keyed).
fn forwards_unkeyed(set: &NameSet, name: &str, role: HeaderRole) -> bool {
    match set {
        NameSet::Only(names) => names.iter().any(|n| name.eq_ignore_ascii_case(n)),
        NameSet::All => role != HeaderRole::Poisoning,
        NameSet::AllExcept(names) => {
            role != HeaderRole::Poisoning && !names.iter().any(|n| name.eq_ignore_ascii_case(n))
        }
        NameSet::None => false,
    }
}

/// What a viewer header name is to the edge, found with one lower-cased
/// copy instead of case-insensitive scans of every list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderRole {
    /// Set by the edge, or hop-by-hop: never forwarded from the viewer.
    EdgeOwned,
    /// Describes a bypassing request's body or makes it conditional.
    Pass,
    /// Known to poison caches when forwarded unkeyed.
    Poisoning,
    Other,
}

impl HeaderRole {
    fn of(name: &str) -> HeaderRole {
        let mut buffer = [0u8; 32];
        let Some(lower) = buffer.get_mut(..name.len()) else {
            return HeaderRole::Other;
        };
        lower.copy_from_slice(name.as_bytes());
        lower.make_ascii_lowercase();
        let lower = std::str::from_utf8(lower).unwrap_or_default();
        if EDGE_OWNED_HEADERS.contains(&lower) {
            HeaderRole::EdgeOwned
        } else if PASS_HEADERS.contains(&lower) {
            HeaderRole::Pass
        } else if POISONING_HEADERS.contains(&lower) {
            HeaderRole::Poisoning
        } else {
            HeaderRole::Other
        }
    }
}

/// Parameters seen so far, for dedupe: a short inline list, then a set
/// once the query is long enough for a linear scan to cost more than hashing.
#[derive(Default)]
struct Seen<'q> {
    few: [&'q str; Seen::INLINE],
    len: usize,
    many: Option<HashSet<&'q str>>,
}

impl<'q> Seen<'q> {
    const INLINE: usize = 16;

    /// Records `text`; false when it was seen before.
    fn insert(&mut self, text: &'q str) -> bool {
        if let Some(set) = self.many.as_mut() {
            return set.insert(text);
        }
        if self.few[..self.len].contains(&text) {
            return false;
        }
        if self.len == Self::INLINE {
            let mut set: HashSet<&'q str> = self.few.iter().copied().collect();
            set.insert(text);
            self.many = Some(set);
        } else {
            self.few[self.len] = text;
            self.len += 1;
        }
        true
    }
}

/// Every line of a header joined with `, ` (RFC 9110 section 5.3).
fn joined<'r>(headers: &Headers<'r>, name: &str) -> Option<Cow<'r, [u8]>> {
    let mut lines = headers.get_all(name);
    let first = lines.next()?;
    let mut rest = lines.peekable();
    if rest.peek().is_none() {
        return Some(Cow::Borrowed(first));
    }
    let mut value = first.to_vec();
    for line in rest {
        value.extend_from_slice(b", ");
        value.extend_from_slice(line);
    }
    Some(Cow::Owned(value))
}

/// The viewer's address; appended to the viewer's own `X-Forwarded-For`
/// only when the origin request policy forwards that header.
fn forwarded_for<'r>(
    headers: &Headers<'r>,
    orp: Option<&OriginRequestPolicy>,
    ip: &str,
) -> Cow<'r, [u8]> {
    let keep_viewer_chain = orp.is_some_and(|p| p.headers.forwards("x-forwarded-for"));
    match joined(headers, "x-forwarded-for") {
        Some(chain) if keep_viewer_chain => {
            let mut value = chain.into_owned();
            value.extend_from_slice(b", ");
            value.extend_from_slice(ip.as_bytes());
            Cow::Owned(value)
        }
        _ => Cow::Owned(ip.as_bytes().to_vec()),
    }
}

/// The origin URL: scheme by protocol policy, port only when not the
/// scheme's default, then origin path, normalized path and forwarded query.
fn origin_url(origin: &Origin, viewer: Scheme, path: &str, query: &str) -> String {
    let scheme = match origin.protocol {
        ProtocolPolicy::HttpsOnly => Scheme::Https,
        ProtocolPolicy::HttpOnly => Scheme::Http,
        ProtocolPolicy::MatchViewer => viewer,
    };
    let port = match scheme {
        Scheme::Http => (origin.http_port != 80).then_some(origin.http_port),
        Scheme::Https => (origin.https_port != 443).then_some(origin.https_port),
    };
    let mut url = String::with_capacity(
        scheme.as_str().len()
            + origin.domain.len()
            + origin.path.len()
            + path.len()
            + query.len()
            + 16,
    );
    url.push_str(scheme.as_str());
    url.push_str("://");
    url.push_str(&origin.domain);
    if let Some(port) = port {
        // Writing to a String cannot fail.
        let _ = write!(url, ":{port}");
    }
    url.push_str(&origin.path);
    url.push_str(path);
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    url
}

#[cfg(test)]
mod tests;
