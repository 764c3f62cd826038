//! The response decision: store an origin response (for how long, with
//! which stale windows, tags and Vary) or pass it through, and why.
//!
//! CloudFront's TTL rules ([`crate::ttl`]) decide how long; RFC 9111
//! decides what may be stored at all. Two deliberate differences from
//! CloudFront, both for safety:
//! - `private`, `no-store` and `Set-Cookie` responses are never stored for
//!   everyone, unless the cache policy opts into CloudFront's min-TTL
//!   override (`cloudfront_min_ttl_override`) and has a min TTL above 0;
//! - a response to a request with `Authorization` is stored only when it
//!   says `public`, `s-maxage` or `must-revalidate` (RFC 9111 section 3.5).
//!
//! `no-cache` (and a response stale on arrival) is stored only when it has
//! a validator: every use then revalidates (RFC 9111 section 5.2.2.4),
//! which saves the body transfer; without a validator a stored copy could
//! never be used, so the response passes.

use crate::cache_control::{CacheControl, parse_delta_seconds};
use crate::config::{CachePolicy, Config, Seconds};
use crate::headers::Headers;
use crate::reason::PassReason;
use crate::request::{Disposition, RequestPlan};
use crate::tags::response_tags;
use crate::ttl::{OriginLifetime, edge_ttl, error_ttl, heuristic_lifetime};
use crate::unkeyed::Watched;
use crate::vary::{Unmatchable, VaryRule};

/// How long a stale object with validators is kept for revalidation.
pub(crate) const REVALIDATION_RETENTION: Seconds = 86_400;

/// An origin response's status and headers.
#[derive(Debug, Clone, Copy)]
pub struct OriginResponse<'a> {
    /// The status code the origin answered with (e.g. 200, 404).
    pub status: u16,
    /// The origin's response headers, as received.
    pub headers: Headers<'a>,
}

/// What to do with an origin response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseDecision {
    /// Store the response, for the TTL and with the windows, tags and
    /// Vary rule the decision gives, and serve it.
    Store(StoreDecision),
    /// Serve the response to this request only and store nothing, for
    /// this reason.
    Pass(PassReason),
}

/// Where a stored response's TTL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtlSource {
    /// `Cache-Control: s-maxage`, clamped to the policy's min and max TTL
    /// (RFC 9111 section 5.2.2.10; it takes precedence over `max-age`).
    SMaxAge,
    /// `Cache-Control: max-age`, clamped to the policy's min and max TTL
    /// (RFC 9111 section 5.2.2.1).
    MaxAge,
    /// `Expires` minus `Date`, clamped to the policy's min and max TTL
    /// (RFC 9111 section 5.3).
    Expires,
    /// The origin stated no lifetime: the policy's default TTL.
    DefaultTtl,
    /// An error status: the error caching minimum TTL (or the origin's, if longer).
    ErrorTtl,
    /// `no-cache`: stored, and revalidated on every use.
    NoCache,
    /// CloudFront's min-TTL override of no-cache/no-store/private/Set-Cookie.
    MinTtlOverride,
    /// RFC 9111 section 4.2.2's heuristic, a tenth of the time since
    /// `Last-Modified` (opt-in per policy).
    Heuristic,
    /// A targeted field's `max-age` or `s-maxage` (`CDN-Cache-Control`,
    /// `Surrogate-Control`; RFC 9213), clamped to the policy's min and max.
    Targeted,
}

impl TtlSource {
    /// The stable short name, shown as the `detail` of `Cache-Status` on a
    /// stored miss (`max-age`, `default-ttl`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TtlSource::SMaxAge => "s-maxage",
            TtlSource::MaxAge => "max-age",
            TtlSource::Expires => "expires",
            TtlSource::DefaultTtl => "default-ttl",
            TtlSource::ErrorTtl => "error-ttl",
            TtlSource::NoCache => "no-cache",
            TtlSource::MinTtlOverride => "min-ttl-override",
            TtlSource::Targeted => "targeted",
            TtlSource::Heuristic => "heuristic",
        }
    }
}

/// Validators to revalidate a stored response with (RFC 9110 section 8.8).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    /// The response's `ETag`, quotes and any `W/` prefix included,
    /// sent back as `If-None-Match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The response's `Last-Modified` HTTP date, as received, sent back as
    /// `If-Modified-Since`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    /// The `ETag` and `Last-Modified` of a response's headers (the first
    /// line of each, trimmed).
    pub fn of(headers: &Headers<'_>) -> Validators {
        Validators {
            etag: headers.get_str("etag").map(str::to_string),
            last_modified: headers.get_str("last-modified").map(str::to_string),
        }
    }

    /// Whether there is neither validator, so that a stale copy cannot be
    /// revalidated with a conditional request, only fetched again.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// How to store a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreDecision {
    /// Freshness lifetime in seconds, counted from the response's age
    /// ([`StoreDecision::initial_age`]), not from now.
    pub ttl: Seconds,
    /// The response's age on arrival (its `Age` header).
    pub initial_age: Seconds,
    /// After the TTL, how long a stale copy may be served while one
    /// request refreshes it.
    pub stale_while_revalidate: Seconds,
    /// After the TTL, how long a stale copy may be served when the origin fails.
    pub stale_if_error: Seconds,
    /// Which rule set [`StoreDecision::ttl`], for `Cache-Status`.
    pub source: TtlSource,
    /// Purge tags (Surrogate-Key, Cache-Tag).
    pub tags: Vec<String>,
    /// Tags past the limits ([`crate::MAX_TAG_BYTES`]), dropped.
    pub tags_dropped: usize,
    /// The request header values the stored response was selected by
    /// (its `Vary`, RFC 9111 section 4.1), for matching later requests.
    pub vary: VaryRule,
    /// The response's validators, for revalidating it once stale.
    pub validators: Validators,
    /// Remove `Set-Cookie` from the stored copy (min-TTL override only).
    pub strip_set_cookie: bool,
    /// May answer requests that carry `Authorization`.
    pub shareable_with_credentials: bool,
}

impl StoreDecision {
    /// Seconds the response stays fresh from now.
    pub fn fresh_for(&self) -> Seconds {
        self.ttl.saturating_sub(self.initial_age)
    }

    /// How long after going stale the object is worth keeping: the longer
    /// stale window, and at least a day when it has validators (a 304 then
    /// saves sending the body again).
    pub fn stale_retention(&self) -> Seconds {
        let windows = self.stale_while_revalidate.max(self.stale_if_error);
        if self.validators.is_empty() {
            windows
        } else {
            windows.max(REVALIDATION_RETENTION)
        }
    }

    /// How long the platform should keep the object: fresh time plus the
    /// stale retention.
    pub fn keep_for(&self) -> Seconds {
        self.fresh_for().saturating_add(self.stale_retention())
    }
}

/// Decides whether and how to store an origin response to `plan`.
/// `now` is Unix seconds.
pub fn decide_response(
    config: &Config,
    plan: &RequestPlan<'_, '_>,
    response: &OriginResponse<'_>,
    now: u64,
) -> ResponseDecision {
    if let Disposition::Pass(reason) = plan.disposition {
        return ResponseDecision::Pass(reason);
    }
    decide_watching(config, plan, response, now, &Watched::of(plan))
}

/// [`decide_response`] for a request whose [`Watched`] values are found
/// already (the flow needs them again to check the body).
pub(crate) fn decide_watching(
    config: &Config,
    plan: &RequestPlan<'_, '_>,
    response: &OriginResponse<'_>,
    now: u64,
    watched: &Watched,
) -> ResponseDecision {
    if let Disposition::Pass(reason) = plan.disposition {
        return ResponseDecision::Pass(reason);
    }
    match store(config, plan, response, now, watched) {
        Ok(decision) => ResponseDecision::Store(decision),
        Err(reason) => ResponseDecision::Pass(reason),
    }
}

/// Whether the origin said explicitly that the answer is for everyone:
/// `public`, `s-maxage`, or a lifetime meant for CDNs (`Surrogate-Control`,
/// RFC 9213's `CDN-Cache-Control`). RFC 9111 section 3.5 asks that much
/// before an answer to a request with `Authorization` is shared; edgecache
/// asks the same of an answer to unkeyed cookies or credential headers.
fn explicitly_shared(cc: &CacheControl, targeted: bool) -> bool {
    cc.has("public") || cc.has("s-maxage") || (targeted && cc.has("max-age"))
}

/// The cache directives the edge decides by: the first of the policy's
/// targeted fields with a valid, non-empty value (RFC 9213 section 2.1),
/// else `Cache-Control`; and whether a targeted field it is (then
/// `Expires` is ignored as well).
fn edge_cache_control(headers: &Headers<'_>, policy: &CachePolicy) -> (CacheControl, bool) {
    let cc = CacheControl::parse(headers, "cache-control");
    for field in &policy.targeted_cache_control {
        let targeted = CacheControl::parse(headers, field);
        // Valid means it says something a cache acts on: a field of other
        // directives only (`Surrogate-Control: content="ESI/1.0"`) is no
        // field.
        if !TARGETED_DIRECTIVES.iter().any(|d| targeted.has(d)) {
            continue;
        }
        // Surrogate-Control is Fastly's, not RFC 9213's: it sets the edge's
        // lifetime, but never overrules the origin's `private` or
        // `no-store`.
        if field == "surrogate-control" && (cc.has("private") || cc.has("no-store")) {
            continue;
        }
        return (targeted, true);
    }
    (cc, false)
}

/// The directives that make a targeted field count (RFC 9213 section 2.1:
/// "a valid, non-empty value").
const TARGETED_DIRECTIVES: [&str; 10] = [
    "max-age",
    "s-maxage",
    "no-store",
    "no-cache",
    "private",
    "public",
    "must-revalidate",
    "proxy-revalidate",
    "stale-while-revalidate",
    "stale-if-error",
];

fn store(
    config: &Config,
    plan: &RequestPlan<'_, '_>,
    response: &OriginResponse<'_>,
    now: u64,
    watched: &Watched,
) -> Result<StoreDecision, PassReason> {
    let (headers, status, policy) = (&response.headers, response.status, plan.cache_policy);
    // 206 and 304 are not complete responses; 1xx are not final (RFC 9111 section 3).
    if status < 200 || status == 206 || status == 304 {
        return Err(PassReason::Status);
    }
    let (cc, targeted) = edge_cache_control(headers, policy);
    let vary = VaryRule::of(headers, plan).map_err(|unmatchable| match unmatchable {
        Unmatchable::Star => PassReason::VaryStar,
        Unmatchable::TooMany => PassReason::VaryTooMany,
    })?;
    let base = unexpired(headers, vary, &cc);
    let restrictive = restrictive_reason(&cc, headers);
    let min_ttl_override = policy.cloudfront_min_ttl_override && policy.ttl.min > 0;
    if let Some(reason) = restrictive
        && (!min_ttl_override || status >= 400)
    {
        return Err(reason);
    }
    if plan.credentials && !base.shareable_with_credentials {
        return Err(PassReason::Authorization);
    }
    if plan.unkeyed.credentials
        && !policy.origin_ignores_unkeyed_credentials
        && !explicitly_shared(&cc, targeted)
    {
        return Err(PassReason::UnkeyedCredentials);
    }
    if watched.reflected_in(headers) {
        return Err(PassReason::ReflectedUnkeyedInput);
    }
    if watched.overflowed() {
        return Err(PassReason::TooManyUnkeyedInputs);
    }
    if status >= 400 {
        return error_entry(config, plan, status, &cc, base);
    }
    let lifetime = match targeted {
        true => OriginLifetime::of(&cc, &Headers::default(), now),
        false => OriginLifetime::of(&cc, headers, now),
    };
    // RFC 9111 section 4.2.2, when the policy opts in: only heuristically
    // cacheable statuses, and not over `no-cache` (below).
    let lifetime = match (
        lifetime,
        policy.heuristic_freshness && heuristically_cacheable(status),
    ) {
        (OriginLifetime::Unstated, true) => heuristic_lifetime(headers, now)
            .map_or(OriginLifetime::Unstated, OriginLifetime::Heuristic),
        (lifetime, _) => lifetime,
    };
    // RFC 9111 section 3: without explicit freshness (or `public`), only
    // heuristically cacheable statuses may be stored.
    if !heuristically_cacheable(status) && lifetime == OriginLifetime::Unstated && !cc.has("public")
    {
        return Err(PassReason::Status);
    }
    if min_ttl_override && (restrictive.is_some() || cc.has("no-cache")) {
        // Still only when some request could use it: an `Age` past
        // `min_ttl`, with no validator, leaves nothing to serve.
        return usable(
            StoreDecision {
                ttl: policy.ttl.min,
                source: TtlSource::MinTtlOverride,
                strip_set_cookie: headers.contains("set-cookie"),
                ..base
            },
            PassReason::ZeroTtl,
        );
    }
    if cc.has("no-cache") {
        // RFC 9111 section 5.2.2.4: store, but revalidate on every use.
        return usable(
            StoreDecision {
                source: TtlSource::NoCache,
                ..base
            },
            PassReason::NoCache,
        );
    }
    let (stale_while_revalidate, stale_if_error) = stale_windows(&cc, policy);
    let decision = StoreDecision {
        ttl: edge_ttl(policy.ttl, lifetime),
        source: match lifetime {
            OriginLifetime::SMaxAge(_) | OriginLifetime::MaxAge(_) if targeted => {
                TtlSource::Targeted
            }
            OriginLifetime::SMaxAge(_) => TtlSource::SMaxAge,
            OriginLifetime::MaxAge(_) => TtlSource::MaxAge,
            OriginLifetime::Expires(_) => TtlSource::Expires,
            OriginLifetime::Heuristic(_) => TtlSource::Heuristic,
            OriginLifetime::Unstated => TtlSource::DefaultTtl,
        },
        stale_while_revalidate,
        stale_if_error,
        ..base
    };
    usable(decision, PassReason::ZeroTtl)
}

/// What every stored response records, before its TTL is known: stale at
/// once, no stale windows.
fn unexpired(headers: &Headers<'_>, vary: VaryRule, cc: &CacheControl) -> StoreDecision {
    let tags = response_tags(headers);
    StoreDecision {
        ttl: 0,
        initial_age: headers.get_str("age").map_or(0, parse_delta_seconds),
        stale_while_revalidate: 0,
        stale_if_error: 0,
        source: TtlSource::DefaultTtl,
        tags: tags.kept,
        tags_dropped: tags.dropped,
        vary,
        validators: Validators::of(headers),
        strip_set_cookie: false,
        shareable_with_credentials: cc.has("public")
            || cc.has("s-maxage")
            || cc.has("must-revalidate"),
    }
}

/// An error status, by CloudFront's error caching rules (CloudFront
/// Developer Guide, "Control how long CloudFront caches errors" and "HTTP
/// 4xx and 5xx status codes that CloudFront caches"), except that an error
/// is not stored when the origin said `no-cache`, nor when the request
/// carried inputs the key ignores.
fn error_entry(
    config: &Config,
    plan: &RequestPlan<'_, '_>,
    status: u16,
    cc: &CacheControl,
    base: StoreDecision,
) -> Result<StoreDecision, PassReason> {
    let ttl =
        error_ttl(status, cc, config.error_caching_min_ttl(status)).ok_or(PassReason::Status)?;
    if cc.has("no-cache") {
        return Err(PassReason::NoCache);
    }
    if plan.unkeyed.any {
        return Err(PassReason::ErrorFromUnkeyedInput);
    }
    let decision = StoreDecision {
        ttl,
        source: TtlSource::ErrorTtl,
        ..base
    };
    usable(decision, PassReason::ZeroTtl)
}

/// The first reason a response must not be shared, by default.
fn restrictive_reason(cc: &CacheControl, headers: &Headers<'_>) -> Option<PassReason> {
    if cc.has("no-store") {
        Some(PassReason::NoStore)
    } else if cc.has("private") {
        Some(PassReason::Private)
    } else if headers.contains("set-cookie") {
        Some(PassReason::SetCookie)
    } else {
        None
    }
}

/// Stores only what a later request could use: fresh now, within a stale
/// window, or revalidatable.
fn usable(decision: StoreDecision, otherwise: PassReason) -> Result<StoreDecision, PassReason> {
    let never_usable = decision.fresh_for() == 0
        && decision.stale_while_revalidate == 0
        && decision.stale_if_error == 0
        && decision.validators.is_empty();
    if never_usable {
        Err(otherwise)
    } else {
        Ok(decision)
    }
}

/// Statuses a cache may store without explicit freshness (RFC 9110
/// section 15.1), other than errors, which CloudFront's table governs.
fn heuristically_cacheable(status: u16) -> bool {
    matches!(status, 200 | 203 | 204 | 300 | 301 | 308)
}

/// Stale-while-revalidate and stale-if-error windows (RFC 5861), from the
/// origin's directives or else the policy's defaults.
///
/// - `must-revalidate` and `proxy-revalidate` forbid serving stale at all
///   (RFC 9111 sections 5.2.2.2, 5.2.2.8, 4.2.4).
/// - `s-maxage` implies `proxy-revalidate` for a shared cache (section
///   5.2.2.10), so the policy's defaults do not apply; the origin's own
///   explicit windows, a permission it gives knowingly next to s-maxage
///   (`s-maxage=60, stale-while-revalidate=30` is a common idiom), do.
fn stale_windows(cc: &CacheControl, policy: &CachePolicy) -> (Seconds, Seconds) {
    if cc.has("must-revalidate") || cc.has("proxy-revalidate") {
        return (0, 0);
    }
    let defaults = if cc.has("s-maxage") {
        (0, 0)
    } else {
        (policy.stale_while_revalidate, policy.stale_if_error)
    };
    (
        cc.seconds("stale-while-revalidate").unwrap_or(defaults.0),
        cc.seconds("stale-if-error").unwrap_or(defaults.1),
    )
}

#[cfg(test)]
mod tests;
