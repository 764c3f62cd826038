//! Response decoration: what the viewer is told about the cache.
//!
//! - `X-Cache`, as CloudFront words it (`Hit from edgecache`, ...), so
//!   dashboards and scripts written for CloudFront keep working;
//! - `Age` on responses served from the cache (RFC 9111 section 5.1);
//! - `Cache-Status` (RFC 9211), which answers "why was this not cached?"
//!   on every response: `edgecache; fwd=miss; fwd-status=200;
//!   detail="set-cookie"`.

use crate::cache_control::DELTA_SECONDS_CAP;
use crate::config::Seconds;
use crate::entry::EntryMeta;
use crate::key::CacheKey;
use crate::reason::{OriginFailure, PassReason, Rejection};
use crate::response::TtlSource;

/// The cache's name in `Cache-Status` and `X-Cache`.
pub const CACHE_NAME: &str = "edgecache";

/// Response headers an origin sends for the CDN only; never shown to viewers.
pub const CDN_ONLY_HEADERS: [&str; 5] = [
    "surrogate-key",
    "cache-tag",
    "surrogate-control",
    "edgecache-cache-control",
    crate::shield::SHIELD_ANSWER_HEADER,
];

/// Why a stale copy was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleReason {
    /// Within stale-while-revalidate; a refresh is under way.
    WhileRevalidate,
    /// The origin failed (status or timeout); within stale-if-error.
    OriginError {
        /// The origin's failing status (500, 502, 503 or 504), or `None`
        /// when it gave no response (connection error or timeout).
        status: Option<u16>,
    },
}

/// What happened to a request, for the response headers and the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Served fresh from the cache.
    Hit {
        /// The age of the response served, in seconds (the `Age` header).
        age: Seconds,
        /// Seconds of freshness left (RFC 9211 `ttl`), positive on a hit.
        remaining_ttl: i64,
    },
    /// Served stale from the cache.
    Stale {
        /// The age of the response served, in seconds (the `Age` header).
        age: Seconds,
        /// Seconds of freshness left (RFC 9211 `ttl`), negative once
        /// stale: minus how long the copy has been stale.
        remaining_ttl: i64,
        /// Which stale window allowed it.
        reason: StaleReason,
    },
    /// Revalidated with the origin (304) and served from the cache.
    /// `refreshed`: the entry was updated from the 304, or why it was left
    /// as it was (then `age` and `remaining_ttl` are the stored copy's).
    Revalidated {
        /// The age of the response served.
        age: Seconds,
        /// Freshness left, negative when stale (RFC 9211 `ttl`).
        remaining_ttl: i64,
        /// Whether the refreshed entry was stored, or why not.
        refreshed: Result<(), PassReason>,
    },
    /// Fetched from the origin on a miss (or an unusable/mismatching
    /// entry); stored with a TTL and its source, or not stored and why.
    Miss {
        /// The origin's status.
        status: u16,
        /// The TTL left and where it came from, or why nothing was stored.
        stored: Result<(i64, TtlSource), PassReason>,
    },
    /// Sent to the origin without consulting the cache.
    Pass {
        /// The origin's status.
        status: u16,
        /// Why the cache was bypassed.
        reason: PassReason,
    },
    /// The origin could not be reached or did not answer in time, and no
    /// stale copy could stand in: the edge answered 502 or 504.
    OriginUnavailable {
        /// The edge's own status: 504 for a timeout, 502 otherwise.
        status: u16,
        /// The `Cache-Status` detail: `origin-timeout` or
        /// `origin-unreachable`.
        detail: &'static str,
    },
    /// Answered by the edge without the origin.
    Rejected(Rejection),
}

/// The headers to add to a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoration {
    /// The `X-Cache` value, in CloudFront's words (`Hit from edgecache`,
    /// `RefreshHit from edgecache`, `Miss from edgecache`, `Error from
    /// edgecache`).
    pub x_cache: &'static str,
    /// The `Cache-Status` value (RFC 9211): the cache's name and its
    /// parameters, such as `edgecache; fwd=miss; fwd-status=200; stored`.
    pub cache_status: String,
    /// `Age`, on responses served from the cache; `None`: leave the
    /// origin's as it is.
    pub age: Option<Seconds>,
}

impl CacheOutcome {
    /// Served stale from the entry `meta` describes, at `now`.
    pub fn stale(meta: &EntryMeta, now: u64, reason: StaleReason) -> CacheOutcome {
        CacheOutcome::Stale {
            age: meta.age(now),
            remaining_ttl: meta.remaining_ttl(now),
            reason,
        }
    }

    /// The edge's own 502 or 504: the origin failed and no stale copy
    /// could stand in.
    pub fn unavailable(failure: OriginFailure) -> CacheOutcome {
        CacheOutcome::OriginUnavailable {
            status: failure.status(),
            detail: failure.detail(),
        }
    }

    /// The `X-Cache` value, CloudFront's words.
    pub fn x_cache(&self) -> &'static str {
        match self {
            CacheOutcome::Hit { .. }
            | CacheOutcome::Stale {
                reason: StaleReason::WhileRevalidate,
                ..
            } => "Hit from edgecache",
            CacheOutcome::Stale { .. } | CacheOutcome::Revalidated { .. } => {
                "RefreshHit from edgecache"
            }
            CacheOutcome::Miss { status, .. } | CacheOutcome::Pass { status, .. }
                if *status < 400 =>
            {
                "Miss from edgecache"
            }
            _ => "Error from edgecache",
        }
    }

    /// All three headers. `key` is shown redacted (cookie and credential
    /// values hashed).
    ///
    /// ```
    /// use edgecache_core::{CacheOutcome, PassReason};
    /// let outcome = CacheOutcome::Miss {
    ///     status: 200, stored: Err(PassReason::SetCookie),
    /// };
    /// let headers = outcome.headers(None);
    /// assert_eq!(headers.x_cache, "Miss from edgecache");
    /// assert_eq!(headers.cache_status, r#"edgecache; fwd=miss; fwd-status=200; detail="set-cookie""#);
    /// ```
    pub fn headers(&self, key: Option<&CacheKey>) -> Decoration {
        Decoration {
            x_cache: self.x_cache(),
            cache_status: self.cache_status(key),
            age: self.age(),
        }
    }

    /// RFC 9111 section 5.1: an age too large to represent is sent as 2^31.
    fn age(&self) -> Option<Seconds> {
        match self {
            CacheOutcome::Hit { age, .. }
            | CacheOutcome::Stale { age, .. }
            | CacheOutcome::Revalidated { age, .. } => Some((*age).min(DELTA_SECONDS_CAP)),
            _ => None,
        }
    }

    /// The RFC 9211 `Cache-Status` value.
    pub fn cache_status(&self, key: Option<&CacheKey>) -> String {
        let mut out = String::from(CACHE_NAME);
        let mut param = |text: &str| {
            out.push_str("; ");
            out.push_str(text);
        };
        match self {
            CacheOutcome::Hit { remaining_ttl, .. } => {
                param("hit");
                param(&format!("ttl={remaining_ttl}"));
            }
            CacheOutcome::Stale {
                remaining_ttl,
                reason: StaleReason::WhileRevalidate,
                ..
            } => {
                param("hit");
                param(&format!("ttl={remaining_ttl}"));
                param("detail=\"stale-while-revalidate\"");
            }
            CacheOutcome::Stale {
                remaining_ttl,
                reason: StaleReason::OriginError { status },
                ..
            } => {
                param("fwd=stale");
                if let Some(status) = status {
                    param(&format!("fwd-status={status}"));
                }
                param(&format!("ttl={remaining_ttl}"));
                param("detail=\"stale-if-error\"");
            }
            CacheOutcome::Revalidated {
                remaining_ttl,
                refreshed,
                ..
            } => {
                param("fwd=stale");
                param("fwd-status=304");
                if refreshed.is_ok() {
                    param("stored");
                }
                param(&format!("ttl={remaining_ttl}"));
                if let Err(reason) = refreshed {
                    param(&format!("detail=\"{reason}\""));
                }
            }
            CacheOutcome::Miss { status, stored } => {
                param("fwd=miss");
                param(&format!("fwd-status={status}"));
                if let Ok((ttl, _)) = stored {
                    param("stored");
                    param(&format!("ttl={ttl}"));
                }
                let detail = match stored {
                    Ok((_, source)) => source.as_str(),
                    Err(reason) => reason.as_str(),
                };
                param(&format!("detail=\"{detail}\""));
            }
            CacheOutcome::Pass { status, reason } => {
                param(if *reason == PassReason::Method {
                    "fwd=method"
                } else {
                    "fwd=bypass"
                });
                param(&format!("fwd-status={status}"));
                param(&format!("detail=\"{reason}\""));
            }
            CacheOutcome::OriginUnavailable { detail, .. } => {
                param("fwd=miss");
                param(&format!("detail=\"{detail}\""));
            }
            CacheOutcome::Rejected(rejection) => {
                param(&format!("detail=\"{rejection}\""));
            }
        }
        if let Some(key) = key {
            // The key holds no `"` or `\` (see crate::key), so it needs no escaping.
            out.push_str("; key=\"");
            out.push_str(&key.redacted());
            out.push('"');
        }
        out
    }
}

#[cfg(test)]
mod tests;
