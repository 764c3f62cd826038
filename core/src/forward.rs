//! What reaches the origin, and what goes into the key, for one request.
//!
//! One principle keeps the cache safe: a cacheable request forwards to the
//! origin only what is in its key, what the origin request policy names,
//! and what the edge itself sets. An input the key ignores never reaches
//! the origin unless the configuration says so, so it cannot shape a
//! response that other viewers are then served.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::accept_encoding::AcceptEncoding;
use crate::accept_language::normalize_accept_language;
use crate::config::{CachePolicy, HostHeader, NameSet, Origin, OriginRequestPolicy};
use crate::cookies::cookies;
use crate::headers::Headers;
use crate::key::KeyBuilder;
use crate::query::{Param, params};
use crate::request::ViewerRequest;
use crate::unkeyed::Unkeyed;

/// What the key and the origin request are built from: the policies of
/// the behavior, and what the edge decided about the request.
#[derive(Debug, Clone, Copy)]
pub struct Forwarding<'c> {
    pub(crate) policy: &'c CachePolicy,
    pub(crate) orp: Option<&'c OriginRequestPolicy>,
    pub(crate) origin: &'c Origin,
    /// The request bypasses the cache, so protocol headers may go through.
    pub(crate) pass: bool,
    /// The normalized Accept-Encoding, when the policy normalizes it.
    pub(crate) encoding: Option<AcceptEncoding>,
}

/// Headers that make a request conditional or partial. The cache answers
/// them itself from the stored response; they reach the origin only when
/// the cache is bypassed, never on a fill or a revalidation (a viewer's
/// `If-Modified-Since` from the future would otherwise earn a 304 that
/// keeps an outdated body alive).
pub(crate) const CONDITIONAL_HEADERS: [&str; 6] = [
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "if-range",
    "range",
];

/// Headers that describe a request body or steer caches: forwarded as
/// sent when the cache is bypassed (a POST, say), and otherwise only when
/// keyed.
pub(crate) const PASS_HEADERS: [&str; 4] = [
    "content-type",
    "content-encoding",
    "content-language",
    "cache-control",
];

/// Headers that shape how common frameworks route or rewrite a request;
/// forwarding one without keying it lets one viewer poison the entry every
/// viewer gets (the set Cloudflare keys by default, and the
/// `X-Forwarded-*` family CloudFront strips).
pub(crate) const POISONING_HEADERS: [&str; 26] = [
    "x-forwarded-host",
    "x-forwarded-uri",
    "x-forwarded-path",
    "x-forwarded-protocol",
    "x-original-uri",
    "x-url-scheme",
    "front-end-https",
    "x-http-host-override",
    // Next.js: a flight (RSC) answer, or a prefetch, for the same URL.
    "rsc",
    "next-router-state-tree",
    "next-router-prefetch",
    "x-middleware-prefetch",
    "x-forwarded-server",
    "x-forwarded-scheme",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-forwarded-prefix",
    "x-forwarded-ssl",
    "x-host",
    "x-original-host",
    "x-original-url",
    "x-rewrite-url",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "forwarded",
];

/// Request headers that carry a credential: forwarded without being
/// keyed, they make an answer possibly that viewer's own.
pub(crate) const CREDENTIAL_HEADERS: [&str; 7] = [
    "authorization",
    "x-api-key",
    "x-auth-token",
    "x-access-token",
    "x-amz-security-token",
    "x-csrf-token",
    "x-xsrf-token",
];

fn is_credential(name: &str) -> bool {
    let name = name.replace('_', "-");
    CREDENTIAL_HEADERS
        .iter()
        .any(|c| name.eq_ignore_ascii_case(c))
}

/// Query parameters that carry a credential (OAuth's `access_token`, API
/// keys, pre-signed URLs' signatures).
const CREDENTIAL_PARAMS: [&str; 9] = [
    "access_token",
    "id_token",
    "api_key",
    "apikey",
    "auth_token",
    "token",
    "session",
    "sessionid",
    "x-amz-signature",
];

fn is_credential_param(name: &str) -> bool {
    CREDENTIAL_PARAMS
        .iter()
        .any(|c| name.eq_ignore_ascii_case(c))
}

/// Never forwarded from the viewer: set by the edge, or hop-by-hop.
/// (`accept-encoding` is the edge's only while it normalizes it.)
pub(crate) const EDGE_OWNED_HEADERS: [&str; 15] = [
    "host",
    crate::shield::EDGE_HEADER,
    crate::shield::VIEWER_IP_HEADER,
    "cookie",
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
    pub(crate) fn keys_host(&self) -> bool {
        self.policy.include_host || self.origin.host_header == HostHeader::Viewer
    }

    /// Writes keyed parameters into the key; returns the forwarded query.
    /// Notes in `unkeyed` each parameter that reaches the origin without
    /// being keyed. A parameter whose name is an alias of a keyed one
    /// (`keyword`, `Keyword[]`, `Practice.Id` for `Practice_Id`: names
    /// that frameworks read as the keyed name) is not forwarded: the
    /// origin could answer for it what the key says is another request.
    pub(crate) fn query(&self, query: &str, key: &mut KeyBuilder, unkeyed: &mut Unkeyed) -> String {
        let canonical = self.policy.canonicalize_query;
        let mut seen = Seen::default();
        let mut keyed: Vec<Param<'_>> = Vec::new();
        let mut forwarded = String::with_capacity(query.len());
        for param in params(query) {
            if canonical.dedupe && !seen.insert(param.text) {
                continue;
            }
            let is_keyed = self.policy.query_strings.keys(param.name);
            let is_forwarded = is_keyed
                || self
                    .orp
                    .is_some_and(|p| p.query_strings.forwards(param.name));
            if is_keyed {
                keyed.push(param);
            } else if self.policy.query_strings.aliases(param.name) {
                continue;
            }
            if is_forwarded {
                if is_keyed {
                } else if is_credential_param(param.name) {
                    unkeyed.credential();
                } else {
                    unkeyed.input();
                }
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
    /// every header the origin receives. Notes in `unkeyed` whether a
    /// viewer header, cookie or `X-Forwarded-For` chain reaches the origin
    /// without being keyed.
    pub(crate) fn origin_headers<'r>(
        &self,
        request: &ViewerRequest<'r>,
        key: &mut KeyBuilder,
        unkeyed: &mut Unkeyed,
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
        // Each line on its own: `X-A: a` + `X-A: b` is not `X-A: a, b`
        // to an origin that reads the first line.
        for name in &self.policy.headers {
            for line in headers.get_all(name) {
                key.header(name, &normalized(name, Cow::Borrowed(line)));
            }
        }
        for (name, value) in headers.iter() {
            if self.forwards_viewer_header(name) {
                if self.keys_header(name) {
                } else if is_credential(name) {
                    unkeyed.credential();
                } else {
                    unkeyed.input();
                }
                out.push((Cow::Borrowed(name), normalized(name, Cow::Borrowed(value))));
            }
        }
        self.cookies(&headers, key, &mut out, unkeyed);
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
            let chain = forwarded_for(&headers, self.orp, ip);
            if chain.len() > ip.len() {
                unkeyed.input();
            }
            out.push((Cow::Borrowed("x-forwarded-for"), chain));
        }
        for (name, value) in &self.origin.custom_headers {
            out.push((
                Cow::Borrowed(name.as_str()),
                Cow::Borrowed(value.as_bytes()),
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

    fn keys_header(&self, name: &str) -> bool {
        self.policy
            .headers
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
    }

    fn is_custom_header(&self, name: &str) -> bool {
        self.origin
            .custom_headers
            .iter()
            .any(|(h, _)| name.eq_ignore_ascii_case(h))
    }

    /// Whether a viewer header of this name goes to the origin as sent.
    pub fn forwards_viewer_header(&self, name: &str) -> bool {
        if self.is_custom_header(name) {
            return false;
        }
        match HeaderRole::of(name) {
            HeaderRole::EdgeOwned => false,
            HeaderRole::AcceptEncoding if self.encoding.is_some() => false,
            HeaderRole::Conditional => self.pass,
            HeaderRole::Pass => self.pass || self.keys_header(name),
            role => {
                self.keys_header(name)
                    || self
                        .orp
                        .is_some_and(|p| forwards_unkeyed(&p.headers, name, role))
            }
        }
    }

    /// Whether the origin can receive a header of this name at all, from
    /// the viewer or from the edge: what a response may Vary on.
    pub fn reaches_origin(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "host" | "x-forwarded-for" => true,
            "accept-encoding" if self.encoding.is_some() => true,
            "cookie" => {
                !self.policy.cookies.is_none() || self.orp.is_some_and(|p| !p.cookies.is_none())
            }
            _ => self.is_custom_header(name) || self.forwards_viewer_header(name),
        }
    }

    /// Keys the policy's cookies; forwards keyed and policy-named cookies.
    fn cookies<'r>(
        &self,
        headers: &Headers<'r>,
        key: &mut KeyBuilder,
        out: &mut Vec<(Cow<'r, str>, Cow<'r, [u8]>)>,
        unkeyed: &mut Unkeyed,
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
                if !is_keyed {
                    unkeyed.credential();
                }
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
    /// The edge's while it normalizes encodings; otherwise like any header.
    AcceptEncoding,
    /// Conditional or range: only when the cache is bypassed.
    Conditional,
    /// Describes a body or steers caches: when bypassing, or keyed.
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
        // CGI, PHP and Rack read `_` in a header name as `-`:
        // `X-Forwarded_Proto` is `X-Forwarded-Proto` to them.
        for b in lower.iter_mut().filter(|b| **b == b'_') {
            *b = b'-';
        }
        let lower = std::str::from_utf8(lower).unwrap_or_default();
        if EDGE_OWNED_HEADERS.contains(&lower) {
            HeaderRole::EdgeOwned
        } else if lower == "accept-encoding" {
            HeaderRole::AcceptEncoding
        } else if CONDITIONAL_HEADERS.contains(&lower) {
            HeaderRole::Conditional
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

/// A viewer header's value as the key holds it and the origin gets it:
/// `Accept-Language` normalized ([`normalize_accept_language`]), any
/// other as sent.
fn normalized<'r>(name: &str, value: Cow<'r, [u8]>) -> Cow<'r, [u8]> {
    if name.eq_ignore_ascii_case("accept-language")
        && let Some(normal) = normalize_accept_language(&value)
    {
        return Cow::Owned(normal.into_bytes());
    }
    value
}
