//! The viewer's cache directives (RFC 9111 section 5.2.1), honored where a
//! cache policy opts in (`honor_request_directives`). CloudFront ignores
//! them, and so does edgecache by default: any viewer could otherwise
//! send every request to the origin.
//!
//! Honored: `no-cache` (and `Pragma: no-cache` without `Cache-Control`,
//! section 5.4), `max-age`, `min-fresh` (each makes a fresher entry than
//! the viewer accepts revalidate first) and `no-store` (the request
//! bypasses the cache). Not honored: `max-stale` (serving stale is a
//! cache's choice, never an obligation) and `only-if-cached`.
//!
//! ```
//! use edgecache_core::{Headers, RequestDirectives};
//! let list = [("cache-control", b"max-age=10".as_slice())];
//! let directives = RequestDirectives::of(&Headers::new(&list));
//! assert!(directives.wants_revalidation(11, 100));
//! assert!(!directives.wants_revalidation(9, 100));
//! ```

use crate::cache_control::CacheControl;
use crate::headers::Headers;

/// What the viewer asked of the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestDirectives {
    no_cache: bool,
    no_store: bool,
    max_age: Option<u64>,
    min_fresh: Option<u64>,
}

impl RequestDirectives {
    /// The directives of a request's `headers`.
    pub fn of(headers: &Headers<'_>) -> RequestDirectives {
        let cc = CacheControl::parse(headers, "cache-control");
        let pragma_no_cache = !headers.contains("cache-control")
            && headers.get_all("pragma").any(|value| {
                value
                    .split(|&b| b == b',')
                    .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"no-cache"))
            });
        RequestDirectives {
            no_cache: cc.has("no-cache") || pragma_no_cache,
            no_store: cc.has("no-store"),
            max_age: cc.seconds("max-age"),
            min_fresh: cc.seconds("min-fresh"),
        }
    }

    /// Whether the viewer forbids storing anything of this exchange.
    pub fn no_store(&self) -> bool {
        self.no_store
    }

    /// Whether a stored entry `age` seconds old with `remaining` seconds
    /// of freshness left must be revalidated before it serves this viewer.
    pub fn wants_revalidation(&self, age: u64, remaining: i64) -> bool {
        self.no_cache
            || self.max_age.is_some_and(|max| age > max)
            || self
                .min_fresh
                .is_some_and(|min| remaining < i64::try_from(min).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directives(lines: &[(&str, &str)]) -> RequestDirectives {
        let list: Vec<(&str, &[u8])> = lines.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
        RequestDirectives::of(&Headers::new(&list))
    }

    /// Request fields, age, remaining freshness, whether to revalidate.
    type Row<'a> = (&'a [(&'a str, &'a str)], u64, i64, bool);

    #[test]
    fn each_directive_asks_what_rfc_9111_says() {
        let table: [Row<'_>; 9] = [
            (&[], 50, 10, false),
            (&[("cache-control", "no-cache")], 0, 60, true),
            (&[("pragma", "no-cache")], 0, 60, true),
            (
                &[("pragma", "no-cache"), ("cache-control", "max-age=100")],
                0,
                60,
                false,
            ),
            (&[("cache-control", "max-age=30")], 31, 29, true),
            (&[("cache-control", "max-age=30")], 30, 30, false),
            (&[("cache-control", "min-fresh=20")], 0, 19, true),
            (&[("cache-control", "min-fresh=20")], 0, 20, false),
            (&[("cache-control", "max-stale=100")], 50, 10, false),
        ];
        for (lines, age, remaining, expected) in table {
            assert_eq!(
                directives(lines).wants_revalidation(age, remaining),
                expected,
                "{lines:?} at age {age}"
            );
        }
        assert!(directives(&[("cache-control", "no-store")]).no_store());
    }
}
