//! CloudFront's TTL rules: how long the edge keeps a response, given the
//! origin's freshness information and the cache policy's min/default/max.
//!
//! Reference: CloudFront developer guide, "Managing how long content stays
//! in the cache (expiration)" and "Caching error responses".

use crate::cache_control::CacheControl;
use crate::config::{Seconds, TtlLimits};
use crate::headers::Headers;

/// The freshness lifetime the origin stated, and where it came from, in
/// CloudFront's (and RFC 9111 section 4.2.1's) order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginLifetime {
    /// `Cache-Control: s-maxage`, the lifetime for shared caches: it wins.
    SMaxAge(Seconds),
    /// `Cache-Control: max-age`, when there is no `s-maxage`.
    MaxAge(Seconds),
    /// `Expires` minus `Date` (or minus now when `Date` is missing or
    /// invalid); an invalid `Expires` is already expired.
    Expires(Seconds),
    /// No lifetime stated, one from `Last-Modified` instead (RFC 9111
    /// section 4.2.2), when the policy asks for it.
    Heuristic(Seconds),
    /// The origin stated no lifetime.
    Unstated,
}

impl OriginLifetime {
    /// Reads the lifetime from a response. `now` is Unix seconds.
    pub fn of(cc: &CacheControl, headers: &Headers<'_>, now: u64) -> OriginLifetime {
        if let Some(s) = cc.seconds("s-maxage") {
            return OriginLifetime::SMaxAge(s);
        }
        if let Some(s) = cc.seconds("max-age") {
            return OriginLifetime::MaxAge(s);
        }
        if let Some(expires) = headers.get_str("expires") {
            let base = headers.get_str("date").and_then(http_date).unwrap_or(now);
            let lifetime = http_date(expires).map_or(0, |e| e.saturating_sub(base));
            return OriginLifetime::Expires(lifetime);
        }
        OriginLifetime::Unstated
    }

    /// The stated lifetime, if any.
    pub fn seconds(self) -> Option<Seconds> {
        match self {
            OriginLifetime::SMaxAge(s)
            | OriginLifetime::MaxAge(s)
            | OriginLifetime::Expires(s)
            | OriginLifetime::Heuristic(s) => Some(s),
            OriginLifetime::Unstated => None,
        }
    }
}

/// The longest heuristic lifetime: a day.
pub const MAX_HEURISTIC_LIFETIME: Seconds = 86_400;

/// RFC 9111 section 4.2.2's heuristic: a tenth of the time since the
/// answer's `Last-Modified`, measured at its `Date` (or `now`), at most
/// [`MAX_HEURISTIC_LIFETIME`]; `None` without a valid `Last-Modified`.
pub fn heuristic_lifetime(headers: &Headers<'_>, now: u64) -> Option<Seconds> {
    let modified = headers.get_str("last-modified").and_then(http_date)?;
    let date = headers.get_str("date").and_then(http_date).unwrap_or(now);
    Some((date.saturating_sub(modified) / 10).min(MAX_HEURISTIC_LIFETIME))
}

/// Parses an HTTP date (any of RFC 9110's three formats) to Unix seconds.
pub(crate) fn http_date(text: &str) -> Option<u64> {
    let time = httpdate::parse_http_date(text).ok()?;
    time.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

/// The edge TTL of a successful response (CloudFront's expiration rules):
/// a stated lifetime is clamped into `[min, max]`; with none, the default
/// TTL applies (raised to the minimum).
///
/// ```
/// use edgecache_core::{edge_ttl, OriginLifetime, TtlLimits};
/// let limits = TtlLimits { min: 0, default: 86400, max: 31536000 };
/// assert_eq!(edge_ttl(limits, OriginLifetime::MaxAge(60)), 60);
/// assert_eq!(edge_ttl(limits, OriginLifetime::Unstated), 86400);
/// ```
pub fn edge_ttl(limits: TtlLimits, lifetime: OriginLifetime) -> Seconds {
    match lifetime.seconds() {
        Some(stated) => stated.clamp(limits.min, limits.max.max(limits.min)),
        None => limits.default.max(limits.min),
    }
}

/// How CloudFront treats an error status ("Caching error responses").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCaching {
    /// Cached even without Cache-Control: 404, 414, 500, 501, 502, 503, 504.
    Always,
    /// Cached only when the origin sends max-age or s-maxage: 400, 403,
    /// 405, 412, 415, 416.
    WhenOriginSaysSo,
    /// Never cached.
    Never,
}

impl ErrorCaching {
    /// CloudFront's treatment of `status`; every status not listed, 2xx
    /// and 3xx included, is [`ErrorCaching::Never`].
    pub fn of(status: u16) -> ErrorCaching {
        match status {
            404 | 414 | 500 | 501 | 502 | 503 | 504 => ErrorCaching::Always,
            400 | 403 | 405 | 412 | 415 | 416 => ErrorCaching::WhenOriginSaysSo,
            _ => ErrorCaching::Never,
        }
    }
}

/// The TTL of an error response: the larger of the error caching minimum
/// TTL and the origin's s-maxage/max-age, or `None` when it is not cached.
pub fn error_ttl(status: u16, cc: &CacheControl, error_min_ttl: Seconds) -> Option<Seconds> {
    let stated = cc.seconds("s-maxage").or_else(|| cc.seconds("max-age"));
    match (ErrorCaching::of(status), stated) {
        (ErrorCaching::Always, stated) => Some(error_min_ttl.max(stated.unwrap_or(0))),
        (ErrorCaching::WhenOriginSaysSo, Some(stated)) => Some(error_min_ttl.max(stated)),
        (ErrorCaching::WhenOriginSaysSo, None) | (ErrorCaching::Never, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::test_support::header_list;

    const NOW: u64 = 1_700_000_000; // Tue, 14 Nov 2023 22:13:20 GMT

    fn lifetime(lines: &[&str]) -> OriginLifetime {
        let list = header_list(lines);
        let headers = Headers::new(&list);
        OriginLifetime::of(
            &CacheControl::parse(&headers, "cache-control"),
            &headers,
            NOW,
        )
    }

    /// CloudFront developer guide, expiration table,
    /// one row per cell: (origin headers, min, default, max, edge TTL).
    #[test]
    fn follows_cloudfronts_ttl_table() {
        let in_1h = "Expires: Wed, 15 Nov 2023 00:13:20 GMT"; // now + 7200
        let rows: &[(&[&str], u64, u64, u64, u64)] = &[
            // max-age, MinTTL = 0: min(N, MaxTTL).
            (&["Cache-Control: max-age=60"], 0, 86400, 31536000, 60),
            (
                &["Cache-Control: max-age=99999999"],
                0,
                86400,
                31536000,
                31536000,
            ),
            (&["Cache-Control: max-age=0"], 0, 86400, 31536000, 0),
            // max-age, MinTTL > 0: N < Min -> Min; Min <= N <= Max -> N; N > Max -> Max.
            (&["Cache-Control: max-age=5"], 60, 86400, 3600, 60),
            (&["Cache-Control: max-age=600"], 60, 86400, 3600, 600),
            (&["Cache-Control: max-age=7200"], 60, 600, 3600, 3600),
            // CachingOptimized (1/86400/31536000) raises max-age=0 to 1 s.
            (&["Cache-Control: max-age=0"], 1, 86400, 31536000, 1),
            // No max-age, s-maxage or Expires: DefaultTTL (at least MinTTL).
            (&[], 0, 86400, 31536000, 86400),
            (&["Cache-Control: public"], 0, 300, 31536000, 300),
            (&[], 0, 0, 0, 0),
            // s-maxage beats max-age; clamped the same way.
            (
                &["Cache-Control: max-age=10, s-maxage=100"],
                0,
                86400,
                31536000,
                100,
            ),
            (
                &["Cache-Control: max-age=10, s-maxage=100"],
                0,
                86400,
                50,
                50,
            ),
            (
                &["Cache-Control: max-age=10, s-maxage=5"],
                30,
                86400,
                31536000,
                30,
            ),
            // Expires: until Expires or MaxTTL, whichever is sooner; clamped.
            (&[in_1h], 0, 86400, 31536000, 7200),
            (&[in_1h], 0, 86400, 3600, 3600),
            (&[in_1h], 9000, 9000, 31536000, 9000),
            // max-age beats Expires.
            (
                &[in_1h, "Cache-Control: max-age=30"],
                0,
                86400,
                31536000,
                30,
            ),
            // An invalid Expires is already expired.
            (&["Expires: 0"], 0, 86400, 31536000, 0),
            (&["Expires: 0"], 5, 86400, 31536000, 5),
        ];
        for (i, (lines, min, default, max, want)) in rows.iter().enumerate() {
            let limits = TtlLimits {
                min: *min,
                default: *default,
                max: *max,
            };
            assert_eq!(
                edge_ttl(limits, lifetime(lines)),
                *want,
                "row {i}: {lines:?}"
            );
        }
    }

    #[test]
    fn measures_expires_from_the_origins_date() {
        let got = lifetime(&[
            "Date: Tue, 14 Nov 2023 22:00:00 GMT",
            "Expires: Tue, 14 Nov 2023 22:01:00 GMT",
        ]);
        assert_eq!(got, OriginLifetime::Expires(60));
        let past = lifetime(&["Expires: Mon, 13 Nov 2023 00:00:00 GMT"]);
        assert_eq!(past, OriginLifetime::Expires(0));
    }

    /// CloudFront "Caching error responses":
    /// (status, Cache-Control, error caching min TTL, TTL or not cached).
    #[test]
    fn follows_cloudfronts_error_caching_table() {
        let rows: &[(u16, &str, u64, Option<u64>)] = &[
            // Always cached, for max(error min TTL, max-age/s-maxage).
            (404, "", 10, Some(10)),
            (414, "", 10, Some(10)),
            (500, "", 10, Some(10)),
            (501, "", 10, Some(10)),
            (502, "", 10, Some(10)),
            (503, "", 10, Some(10)),
            (504, "", 10, Some(10)),
            (404, "max-age=300", 10, Some(300)),
            (503, "max-age=2", 10, Some(10)),
            (503, "s-maxage=60, max-age=1", 10, Some(60)),
            (404, "", 0, Some(0)),
            // Cached only if the origin sends max-age or s-maxage.
            (400, "", 10, None),
            (403, "", 10, None),
            (405, "", 10, None),
            (412, "", 10, None),
            (415, "", 10, None),
            (416, "", 10, None),
            (403, "max-age=60", 10, Some(60)),
            (400, "s-maxage=1", 10, Some(10)),
            // Other errors are not cached.
            (401, "max-age=60", 10, None),
            (429, "", 10, None),
            (505, "max-age=60", 10, None),
        ];
        for (status, cc, min, want) in rows {
            let got = error_ttl(*status, &CacheControl::parse_str(cc), *min);
            assert_eq!(got, *want, "{status} {cc:?}");
        }
    }
}
