//! The serving decision for a stored entry at `now`, what to do when the
//! origin fails, and how a 304 refreshes a stored response.

use crate::config::{Config, Seconds};
use crate::entry::EntryMeta;
use crate::headers::{HeaderPair, Headers};
use crate::reason::PassReason;
use crate::request::RequestPlan;
use crate::response::{
    OriginResponse, ResponseDecision, StoreDecision, Validators, decide_response,
};
use crate::stored::StoredHead;

/// How a stored entry may serve a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serving {
    /// Fresh: serve it.
    Fresh {
        /// The entry's current age in seconds, for the `Age` header.
        age: Seconds,
    },
    /// Stale within its stale-while-revalidate window: serve it now, and
    /// let one request refresh it in the background (conditionally, with
    /// these validators, when there are any).
    StaleWhileRevalidate {
        /// The entry's current age in seconds, for the `Age` header.
        age: Seconds,
        /// The entry's validators, for the background refresh.
        validators: Validators,
    },
    /// Stale: ask the origin first, conditionally when there are
    /// validators. `stale_if_error` says whether this copy may still be
    /// served if the origin fails or times out.
    Revalidate {
        /// The entry's current age in seconds, for the `Age` header.
        age: Seconds,
        /// The entry's validators; empty, the origin is asked
        /// unconditionally.
        validators: Validators,
        /// Whether the entry is still within its stale-if-error window
        /// (RFC 5861 section 4).
        stale_if_error: bool,
    },
    /// The entry cannot answer this request at all: fetch from the origin
    /// as on a miss (`Authorization` on a response that does not allow it).
    Unusable(PassReason),
    /// The stored response was selected by other request header values
    /// (RFC 9111 section 4.1): this request needs its own variant.
    VaryMismatch,
    /// A hit-for-pass marker: go to the origin at once and store nothing.
    HitForPass,
}

/// Decides how a stored entry serves `plan` at `now`.
pub fn decide_serving(meta: &EntryMeta, plan: &RequestPlan<'_, '_>, now: u64) -> Serving {
    if meta.hit_for_pass {
        return Serving::HitForPass;
    }
    if plan.credentials && !meta.shareable_with_credentials {
        return Serving::Unusable(PassReason::Authorization);
    }
    if !meta.vary.matches(plan) {
        return Serving::VaryMismatch;
    }
    let age = meta.age(now);
    if age < meta.ttl {
        return Serving::Fresh { age };
    }
    let staleness = age - meta.ttl;
    if staleness < meta.stale_while_revalidate {
        return Serving::StaleWhileRevalidate {
            age,
            validators: meta.validators.clone(),
        };
    }
    Serving::Revalidate {
        age,
        validators: meta.validators.clone(),
        stale_if_error: staleness < meta.stale_if_error,
    }
}

/// Whether a stale entry may be served at `now` because the origin failed
/// (a 500, 502, 503 or 504, a connection error, or a timeout): within its
/// stale-if-error window (RFC 5861 section 4).
pub fn usable_on_error(meta: &EntryMeta, now: u64) -> bool {
    let age = meta.age(now);
    age < meta.ttl || age - meta.ttl < meta.stale_if_error
}

/// Whether an origin status counts as a failure for stale-if-error (RFC
/// 5861 section 4; CloudFront uses the same four).
pub fn is_origin_failure(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

/// The conditional headers to revalidate with.
pub fn conditional_headers(validators: &Validators) -> Vec<(&'static str, &str)> {
    let mut out = Vec::with_capacity(2);
    if let Some(etag) = &validators.etag {
        out.push(("if-none-match", etag.as_str()));
    }
    if let Some(date) = &validators.last_modified {
        out.push(("if-modified-since", date.as_str()));
    }
    out
}

/// Header fields a 304 must not change in the stored response (RFC 9111
/// section 3.2: Content-Length, and those describing the stored body).
/// `Age` and `Date` are never kept from the stored response: the refreshed
/// response's age starts again from the 304's (RFC 9111 section 4.3.4).
const KEPT_ON_UPDATE: [&str; 6] = [
    "content-length",
    "content-encoding",
    "content-type",
    "content-range",
    "transfer-encoding",
    "connection",
];

/// The stored response's headers updated by a 304 (RFC 9111 section
/// 4.3.4): each field the 304 carries replaces the stored one.
pub fn merge_not_modified<'a>(
    stored: &Headers<'a>,
    not_modified: &Headers<'a>,
) -> Vec<HeaderPair<'a>> {
    let replaced = |name: &str| {
        !KEPT_ON_UPDATE.iter().any(|k| name.eq_ignore_ascii_case(k)) && not_modified.contains(name)
    };
    let outdated =
        |name: &str| name.eq_ignore_ascii_case("age") || name.eq_ignore_ascii_case("date");
    let mut merged: Vec<HeaderPair<'a>> = stored
        .iter()
        .filter(|(name, _)| !replaced(name) && !outdated(name))
        .collect();
    merged.extend(not_modified.iter().filter(|(name, _)| replaced(name)));
    merged
}

/// A stored entry after the origin answered its conditional request with
/// 304 Not Modified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revalidation {
    /// Store `head` (the stored headers updated from the 304, RFC 9111
    /// section 4.3.4, and a new TTL) with the decision's windows, tags and
    /// Vary, and serve from it.
    Refresh {
        /// The head to store: the merged headers and the new metadata.
        head: Box<StoredHead>,
        /// The new TTL, stale windows, tags and Vary of the refreshed
        /// response.
        decision: StoreDecision,
    },
    /// The updated response may no longer be stored, for this reason: the
    /// stored copy answers this request and the entry is left as it is.
    Keep(PassReason),
}

/// What a 304 makes of the stored entry `stored`: the merge of
/// [`merge_not_modified`] and the decision of [`decide_revalidated`] in
/// one, so every platform stores the same head.
pub fn revalidate(
    config: &Config,
    plan: &RequestPlan<'_, '_>,
    stored: &StoredHead,
    not_modified: &Headers<'_>,
    now: u64,
) -> Revalidation {
    let stored_headers = stored.headers();
    let pairs: Vec<HeaderPair<'_>> = stored_headers
        .iter()
        .map(|(name, value)| (*name, value.as_slice()))
        .collect();
    let merged = merge_not_modified(&Headers::new(&pairs), not_modified);
    let merged = Headers::new(&merged);
    let status = stored.meta.status;
    match decide_revalidated(config, plan, status, &merged, now) {
        ResponseDecision::Store(decision) => Revalidation::Refresh {
            head: Box::new(StoredHead::new(
                EntryMeta::new(&decision, status, now),
                &merged,
                decision.strip_set_cookie,
            )),
            decision,
        },
        ResponseDecision::Pass(reason) => Revalidation::Keep(reason),
    }
}

/// Decides how to store a response refreshed by a 304: the stored status
/// with the merged headers, judged again as a fresh response would be.
pub fn decide_revalidated(
    config: &Config,
    plan: &RequestPlan<'_, '_>,
    stored_status: u16,
    merged_headers: &Headers<'_>,
    now: u64,
) -> ResponseDecision {
    let response = OriginResponse {
        status: stored_status,
        headers: *merged_headers,
    };
    decide_response(config, plan, &response, now)
}

#[cfg(test)]
mod tests;
