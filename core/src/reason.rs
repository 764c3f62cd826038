//! Why a request or response bypasses the cache, and why the edge answers a
//! request itself. Each reason has a short stable name, shown in the
//! `Cache-Status` `detail` parameter and in log lines.

use std::fmt;

/// Why the cache is not used for a request, or a response is not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PassReason {
    /// The behavior does not cache this method (CloudFront caches GET and
    /// HEAD, and OPTIONS when configured).
    Method,
    /// The cache policy's max TTL is 0 (CloudFront's CachingDisabled).
    CachingDisabled,
    /// A cacheable method (OPTIONS) with a body the key cannot see.
    RequestBody,
    /// `Cache-Control: no-store` (RFC 9111 section 5.2.2.5).
    NoStore,
    /// `Cache-Control: private` (RFC 9111 section 5.2.2.7).
    Private,
    /// The response sets a cookie: storing it would hand one viewer's
    /// cookie to every viewer.
    SetCookie,
    /// `Cache-Control: no-cache` without a validator to revalidate with.
    NoCache,
    /// Not fresh on arrival, with no stale window and no validator: a stored
    /// copy could never be used.
    ZeroTtl,
    /// `Vary: *` (RFC 9111 section 4.1): no later request can match.
    VaryStar,
    /// The response varies on more request headers than a stored copy
    /// may be selected by ([`crate::MAX_VARY_HEADERS`]).
    VaryTooMany,
    /// The status is not one a cache stores (by default or at all).
    Status,
    /// The request carried credentials and the response does not say
    /// `public`, `s-maxage` or `must-revalidate` (RFC 9111 section 3.5).
    Authorization,
    /// An earlier answer for this key was uncacheable: requests go to the
    /// origin at once instead of queueing behind one another (hit-for-pass).
    HitForPass,
    /// Another request holds the entry's refresh, and this one could not
    /// use the stale copy: it went to the origin without storing.
    EntryBusy,
    /// The origin's shield POP answered this POP as it answers viewers
    /// (it did not recognize the POP's token: a token rotated, a deploy
    /// under way), without the fields a stored copy needs.
    ShieldUnrecognized,
    /// The platform's cache could not be read or written.
    CacheUnavailable,
    /// The request carried cookies or a credential header that reached the
    /// origin without being keyed, and the answer did not say it is for
    /// everyone (`public`, `s-maxage`, a CDN-targeted lifetime): it may be
    /// that viewer's own.
    UnkeyedCredentials,
    /// The answer echoes the value of an input that reached the origin
    /// without being keyed: stored, it would carry one viewer's input
    /// (an attacker's) to every viewer of the key.
    ReflectedUnkeyedInput,
    /// More values reached the origin without being keyed than the
    /// poisoning guard looks for (`MAX_WATCHED`): the answer is not
    /// checked, so it is not stored.
    TooManyUnkeyedInputs,
    /// The answer could have echoed an unkeyed input and could not be
    /// checked before it is stored: larger than `flow::MAX_CHECKED_BODY`,
    /// or compressed (`Content-Encoding`).
    UncheckedBody,
    /// The answer is larger than the cache policy's `max_object_bytes` or
    /// the platform stores in one object: served, not stored.
    TooLarge,
    /// The body did not arrive whole (cut short of its declared length,
    /// past it, or broken): the viewer saw the cut, nothing was stored
    /// (RFC 9111 section 3.3).
    IncompleteBody,
    /// An error answered a request that carried inputs the key ignores
    /// (`?Keyword=flu&junk=...`): storing it would let one viewer take the
    /// clean URL down for everyone for the error TTL.
    ErrorFromUnkeyedInput,
}

impl PassReason {
    /// The stable short name.
    pub fn as_str(self) -> &'static str {
        match self {
            PassReason::Method => "method",
            PassReason::CachingDisabled => "caching-disabled",
            PassReason::RequestBody => "request-body",
            PassReason::NoStore => "no-store",
            PassReason::Private => "private",
            PassReason::SetCookie => "set-cookie",
            PassReason::NoCache => "no-cache",
            PassReason::ZeroTtl => "zero-ttl",
            PassReason::VaryStar => "vary-star",
            PassReason::VaryTooMany => "vary-too-many",
            PassReason::Status => "status",
            PassReason::Authorization => "authorization",
            PassReason::ErrorFromUnkeyedInput => "error-unkeyed-input",
            PassReason::UnkeyedCredentials => "unkeyed-credentials",
            PassReason::ReflectedUnkeyedInput => "reflected-unkeyed-input",
            PassReason::UncheckedBody => "unchecked-body",
            PassReason::IncompleteBody => "incomplete-body",
            PassReason::TooLarge => "too-large",
            PassReason::TooManyUnkeyedInputs => "too-many-unkeyed-inputs",
            PassReason::EntryBusy => "entry-busy",
            PassReason::ShieldUnrecognized => "shield-unrecognized",
            PassReason::HitForPass => "hit-for-pass",
            PassReason::CacheUnavailable => "cache-unavailable",
        }
    }
}

impl PassReason {
    /// Whether the *response* made this uncacheable, so that later
    /// requests for the key would get the same: then a hit-for-pass marker
    /// keeps them from queueing behind one another. Reasons that belong to
    /// one request (credentials, unkeyed inputs, a busy entry) do not.
    pub fn records_hit_for_pass(self) -> bool {
        matches!(
            self,
            PassReason::NoStore
                | PassReason::Private
                | PassReason::SetCookie
                | PassReason::NoCache
                | PassReason::ZeroTtl
                | PassReason::VaryStar
                | PassReason::VaryTooMany
                | PassReason::Status
        )
    }
}

impl fmt::Display for PassReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the edge answers a request itself, without the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// The method is not in the behavior's allowed methods (CloudFront: 403).
    MethodNotAllowed,
    /// A GET or HEAD with a body (CloudFront: 403): a body the key ignores
    /// must not shape a shared response ("fat GET").
    BodyOnSafeMethod,
    /// The request target is not an origin-form path.
    BadTarget,
    /// The request target is longer than CloudFront's 8,192 bytes.
    TargetTooLong,
}

impl Rejection {
    /// The status to answer with.
    pub fn status(self) -> u16 {
        match self {
            Rejection::MethodNotAllowed | Rejection::BodyOnSafeMethod => 403,
            Rejection::BadTarget => 400,
            Rejection::TargetTooLong => 414,
        }
    }

    /// The stable short name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::MethodNotAllowed => "method-not-allowed",
            Rejection::BodyOnSafeMethod => "body-on-safe-method",
            Rejection::BadTarget => "bad-target",
            Rejection::TargetTooLong => "target-too-long",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the origin gave no response. Both platforms classify their own
/// errors into these, so the viewer sees the same status either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OriginFailure {
    /// Connecting or answering took longer than the origin's timeouts.
    Timeout,
    /// Anything else: refused, reset, DNS, TLS, a malformed answer.
    Unreachable,
}

impl OriginFailure {
    /// The status the edge answers with when no stale copy can stand in:
    /// 504 for a timeout, 502 otherwise (RFC 9110 sections 15.6.3, 15.6.5).
    pub fn status(self) -> u16 {
        match self {
            OriginFailure::Timeout => 504,
            OriginFailure::Unreachable => 502,
        }
    }

    /// The `detail` shown in `Cache-Status` and the log line.
    pub fn detail(self) -> &'static str {
        match self {
            OriginFailure::Timeout => "origin-timeout",
            OriginFailure::Unreachable => "origin-unreachable",
        }
    }
}
