//! The request decision: which behavior, whether the cache is used (and
//! why not), the cache key, and the exact request the origin receives
//! (what it holds is [`crate::forward`]'s business).

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::accept_encoding::AcceptEncoding;
use crate::behavior::select;
use crate::config::{Behavior, CachePolicy, Config, Method, Origin, ProtocolPolicy};
use crate::forward::Forwarding;
use crate::headers::Headers;
use crate::key::{CacheKey, KeyBuilder};
use crate::path::normalize_path;
use crate::query::normalize_query;
use crate::reason::{PassReason, Rejection};
use crate::response::Validators;
use crate::serve::conditional_headers;
use crate::unkeyed::Unkeyed;

/// CloudFront's maximum URL length.
pub const MAX_TARGET_LEN: usize = 8192;

/// The scheme the viewer connected with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP (default port 80).
    Http,
    /// HTTP over TLS (default port 443).
    Https,
}

impl Scheme {
    /// The URL scheme, lower case: `http` or `https`.
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
    /// The request method as sent (case-sensitive, RFC 9110 section 9.1):
    /// `GET` is a method the configuration may allow, `get` is not.
    pub method: &'r str,
    /// The scheme the viewer connected with; the origin gets the same under
    /// a `match-viewer` origin protocol policy.
    pub scheme: Scheme,
    /// The Host the viewer asked for.
    pub host: &'r str,
    /// Path and query as received (origin form: `/path?query`).
    pub target: &'r str,
    /// The request's header lines, as received.
    pub headers: Headers<'r>,
    /// Whether the request has a body (Content-Length > 0 or chunked).
    pub has_body: bool,
    /// The viewer's address, sent to the origin as `X-Forwarded-For`.
    pub client_ip: Option<&'r str>,
    /// The request comes from one of the service's own POPs, through
    /// shielding ([`ViewerRequest::shield_token`]).
    pub from_edge: bool,
}

impl<'r> ViewerRequest<'r> {
    /// A request for `target` (origin form, `/path?query`) with `method`:
    /// HTTPS, no host, no headers, no body, no client address; the
    /// builder methods below set the rest.
    ///
    /// ```
    /// use edgecache_core::{Headers, Scheme, ViewerRequest};
    /// let list = [("accept", b"application/json".as_slice())];
    /// let request = ViewerRequest::new("GET", "/search?Keyword=flu")
    ///     .host("edge.example.com")
    ///     .headers(Headers::new(&list));
    /// assert_eq!(request.scheme, Scheme::Https);
    /// assert!(!request.has_body);
    /// ```
    pub fn new(method: &'r str, target: &'r str) -> ViewerRequest<'r> {
        ViewerRequest {
            method,
            scheme: Scheme::Https,
            host: "",
            target,
            headers: Headers::default(),
            has_body: false,
            client_ip: None,
            from_edge: false,
        }
    }

    /// The scheme the viewer connected with.
    pub fn scheme(self, scheme: Scheme) -> ViewerRequest<'r> {
        ViewerRequest { scheme, ..self }
    }

    /// The Host the viewer asked for.
    pub fn host(self, host: &'r str) -> ViewerRequest<'r> {
        ViewerRequest { host, ..self }
    }

    /// The request's headers, as received.
    pub fn headers(self, headers: Headers<'r>) -> ViewerRequest<'r> {
        ViewerRequest { headers, ..self }
    }

    /// Whether the request has a body: see [`has_body`] to tell it from
    /// the framing headers.
    pub fn body(self, has_body: bool) -> ViewerRequest<'r> {
        ViewerRequest { has_body, ..self }
    }

    /// The viewer's address, sent to the origin as `X-Forwarded-For`.
    pub fn client_ip(self, client_ip: Option<&'r str>) -> ViewerRequest<'r> {
        ViewerRequest { client_ip, ..self }
    }

    /// The service's edge token ([`crate::shield::edge_token`]), when it
    /// has one; set after [`ViewerRequest::headers`] and
    /// [`ViewerRequest::client_ip`]. A request whose
    /// [`crate::shield::EDGE_HEADER`] holds it comes from one of the
    /// service's POPs: its viewer's address is the one
    /// [`crate::shield::VIEWER_IP_HEADER`] names, and its answer keeps
    /// what caches need. Any other request is a viewer's, whatever it sends.
    ///
    /// ```
    /// use edgecache_core::{Headers, ViewerRequest};
    /// use edgecache_core::shield::{EDGE_HEADER, VIEWER_IP_HEADER, edge_token};
    /// let token = edge_token(b"secret");
    /// let list = [(EDGE_HEADER, token.as_bytes()), (VIEWER_IP_HEADER, b"192.0.2.7".as_slice())];
    /// let request = ViewerRequest::new("GET", "/a")
    ///     .headers(Headers::new(&list))
    ///     .client_ip(Some("198.51.100.1"))
    ///     .shield_token(Some(&token));
    /// assert!(request.from_edge);
    /// assert_eq!(request.client_ip, Some("192.0.2.7"));
    /// ```
    pub fn shield_token(self, token: Option<&str>) -> ViewerRequest<'r> {
        let sent = self.headers.get(crate::shield::EDGE_HEADER);
        let from_edge = matches!((sent, token), (Some(sent), Some(token))
            if crate::shield::is_token(sent, token));
        if !from_edge {
            return self;
        }
        let viewer_ip = self
            .headers
            .get_str(crate::shield::VIEWER_IP_HEADER)
            .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok());
        ViewerRequest {
            from_edge,
            client_ip: viewer_ip.or(self.client_ip),
            ..self
        }
    }
}

/// Whether a request carries a body, by its framing (RFC 9112 section
/// 6.3): a `Transfer-Encoding`, or a `Content-Length` above 0; a
/// `Content-Length` of 0 declares none. With neither header, `stream` says
/// whether the platform handed the request a body stream (workerd may
/// remove `Transfer-Encoding` and keep the stream; Fastly gives every
/// request a body handle, so it passes `false`).
///
/// ```
/// use edgecache_core::{Headers, has_body};
/// let chunked = [("transfer-encoding", b"chunked".as_slice())];
/// assert!(has_body(&Headers::new(&chunked), false));
/// let empty = [("content-length", b"0".as_slice())];
/// assert!(!has_body(&Headers::new(&empty), true));
/// assert!(has_body(&Headers::default(), true));
/// ```
pub fn has_body(headers: &Headers<'_>, stream: bool) -> bool {
    if headers.contains("transfer-encoding") {
        return true;
    }
    match headers.get_str("content-length") {
        Some(length) => length.parse::<u64>().map_or(true, |length| length > 0),
        None => stream,
    }
}

/// What to do with a viewer request.
#[derive(Debug, Clone)]
// Made once per request and taken apart at once: boxing the plan would
// cost an allocation for nothing.
#[allow(clippy::large_enum_variant)]
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
    /// The cache behavior whose path pattern matched the normalized path
    /// (the first that matches, else the default behavior).
    pub behavior: &'c Behavior,
    /// The behavior's cache policy: TTLs, stale windows and what the key
    /// holds.
    pub cache_policy: &'c CachePolicy,
    /// The viewer's method, one the behavior allows.
    pub method: Method,
    /// The normalized path: what the behavior matched and the origin gets.
    pub path: String,
    /// Whether the cache is used, under which key, or why not.
    pub disposition: Disposition,
    /// The viewer sent `Authorization`: a stored response may only be
    /// used if it explicitly allows it (RFC 9111 section 3.5).
    pub credentials: bool,
    /// What to send the origin on a miss or a pass.
    pub origin_request: OriginRequest<'c, 'r>,
    /// What reaches the origin, for Vary: a response can only vary on a
    /// header the origin could have received.
    pub forwarding: Forwarding<'c>,
    /// Whether anything, and whether a credential, reached the origin
    /// without being keyed ([`crate::Watched`] finds the values, when an
    /// answer is about to be stored).
    pub unkeyed: Unkeyed,
}

/// The request to send to the origin on a miss or a pass.
#[derive(Debug, Clone)]
pub struct OriginRequest<'c, 'r> {
    /// The behavior's origin: where the request goes, with its timeouts.
    pub origin: &'c Origin,
    /// GET for a HEAD that fills the cache; POST for an extension method
    /// (then [`OriginRequest::extension`] holds it).
    pub method: Method,
    /// An extension method the behavior passes (`PROPFIND`), as sent.
    pub extension: Option<String>,
    /// Full URL: scheme, origin domain and port, origin path, normalized
    /// path, forwarded query.
    pub url: String,
    /// Every header to send, `Host` first; nothing else is sent.
    pub headers: Vec<(Cow<'r, str>, Cow<'r, [u8]>)>,
}

impl<'c> RequestPlan<'c, '_> {
    /// The plan with every value it borrows from the viewer's request
    /// copied, so that it can outlive the request (a background refresh
    /// carries it past the response).
    pub fn into_owned(self) -> RequestPlan<'c, 'static> {
        RequestPlan {
            behavior: self.behavior,
            cache_policy: self.cache_policy,
            method: self.method,
            path: self.path,
            disposition: self.disposition,
            credentials: self.credentials,
            origin_request: self.origin_request.into_owned(),
            forwarding: self.forwarding,
            unkeyed: self.unkeyed,
        }
    }
}

impl<'c, 'r> OriginRequest<'c, 'r> {
    /// The method to send: the extension method when there is one.
    pub fn method_str(&self) -> &str {
        self.extension
            .as_deref()
            .unwrap_or_else(|| self.method.as_str())
    }

    /// The request with its headers copied, borrowing nothing from the
    /// viewer's request.
    pub fn into_owned(self) -> OriginRequest<'c, 'static> {
        OriginRequest {
            origin: self.origin,
            method: self.method,
            extension: self.extension,
            url: self.url,
            headers: self
                .headers
                .into_iter()
                .map(|(name, value)| {
                    (
                        Cow::Owned(name.into_owned()),
                        Cow::Owned(value.into_owned()),
                    )
                })
                .collect(),
        }
    }

    /// This request made conditional on a stored entry's validators
    /// (RFC 9111 section 4.3.1): `If-None-Match` and `If-Modified-Since`
    /// from the cache, never from the viewer.
    ///
    /// ```
    /// # use edgecache_core::{decide_request, Config, RequestDecision, Validators, ViewerRequest};
    /// # let config = Config::from_json(r#"{"origins": {"api": {"domain": "api.example.com"}},
    /// #   "cache_policies": {"p": {}}, "origin_request_policies": {"o": {}},
    /// #   "default_behavior": {"origin": "api", "cache_policy": "p", "origin_request_policy": "o"}}"#).unwrap();
    /// let viewer = ViewerRequest::new("GET", "/a");
    /// let RequestDecision::Forward(plan) = decide_request(&config, &viewer) else { panic!() };
    /// let validators = Validators { etag: Some("\"v1\"".into()), last_modified: None };
    /// let conditional = plan.origin_request.revalidating(&validators);
    /// assert_eq!(conditional.header("if-none-match"), Some(&b"\"v1\""[..]));
    /// assert_eq!(plan.origin_request.header("if-none-match"), None);
    /// ```
    pub fn revalidating(&self, validators: &Validators) -> OriginRequest<'c, 'r> {
        let mut request = self.clone();
        for (name, value) in conditional_headers(validators) {
            request
                .headers
                .push((name.into(), value.as_bytes().to_vec().into()));
        }
        request
    }

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
/// use edgecache_core::{decide_request, Config, Disposition, RequestDecision, ViewerRequest};
/// let config = Config::from_json(r#"{
///   "origins": {"api": {"domain": "api.example.com"}},
///   "cache_policies": {"search": {"query_strings": {"behavior": "whitelist", "names": ["Keyword"]}}},
///   "origin_request_policies": {"all-query": {"query_strings": {"behavior": "all"}}},
///   "default_behavior": {"origin": "api", "cache_policy": "search", "origin_request_policy": "all-query"}
/// }"#).unwrap();
/// let request = ViewerRequest::new("GET", "/search?utm_source=x&Keyword=flu");
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
    let (method, extension) = match Method::from_token(request.method) {
        Some(m) if behavior.allowed_methods.contains(m) => (m, None),
        // An extension method is unsafe for all the edge knows: it passes
        // like a POST (RFC 9110 section 9.2.1), as sent.
        None if behavior.allow_extension_methods && is_extension_method(request.method) => {
            (Method::Post, Some(request.method.to_string()))
        }
        _ => return Err(Rejection::MethodNotAllowed),
    };
    if matches!(method, Method::Get | Method::Head) && request.has_body {
        return Err(Rejection::BodyOnSafeMethod);
    }
    let policy = config.cache_policy(behavior);
    let origin = config.origin(behavior);
    let pass = pass_reason(behavior, policy, method, request);
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
    let mut unkeyed = Unkeyed::default();
    let forwarded_query = forwarding.query(&query, &mut key, &mut unkeyed);
    let headers = forwarding.origin_headers(request, &mut key, &mut unkeyed);
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
            extension,
            url,
            headers,
        },
        forwarding,
        unkeyed,
    })
}

/// Methods never passed as extensions, in any case: the seven (another
/// case of one is not that method to the edge, but may be to an origin),
/// `TRACE` and `TRACK` (they echo the request, cookies included),
/// `CONNECT` (a tunnel), `PURGE` and `BAN` (cache control verbs an origin's
/// own cache may trust from the edge).
const NEVER_EXTENSIONS: [&str; 12] = [
    "GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE", "TRACE", "TRACK", "CONNECT",
    "PURGE", "BAN",
];

/// A method token (RFC 9110 section 9.1) that none of
/// [`NEVER_EXTENSIONS`] is, in any case.
fn is_extension_method(token: &str) -> bool {
    const TCHAR: &[u8] = b"!#$%&'*+-.^_`|~";
    !token.is_empty()
        && token.len() <= 32
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || TCHAR.contains(&b))
        && !NEVER_EXTENSIONS
            .iter()
            .any(|never| token.eq_ignore_ascii_case(never))
}

/// Why a request that the behavior allows bypasses the cache, if it does.
fn pass_reason(
    behavior: &Behavior,
    policy: &CachePolicy,
    method: Method,
    request: &ViewerRequest<'_>,
) -> Option<PassReason> {
    if !behavior.cached_methods.contains(method) {
        Some(PassReason::Method)
    } else if policy.caching_disabled() {
        Some(PassReason::CachingDisabled)
    } else if request.has_body {
        // A cached OPTIONS with a body: the body would shape a shared
        // response the key knows nothing of.
        Some(PassReason::RequestBody)
    } else {
        None
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
