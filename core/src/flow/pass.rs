//! A request that bypasses the cache: to the origin with its body, and
//! the origin's answer back as it is.

use crate::cache_status::CacheOutcome;
use crate::headers::Headers;
use crate::purge::invalidated_keys;
use crate::reason::{OriginFailure, PassReason};
use crate::request::{OriginRequest, ViewerRequest};

use super::exchange::Exchange;
use super::finish::{EdgeReply, Finish};

/// Send [`Pass::request`] with the viewer's body, then report with
/// [`Pass::answered`].
#[derive(Debug)]
pub struct Pass<'c> {
    ex: Exchange<'c>,
    reason: PassReason,
    /// The query as the viewer sent it, and its `Host`: what an unsafe
    /// method invalidates is judged by them (a lookup never needs them).
    query: String,
    host: String,
}

impl<'c> Pass<'c> {
    pub(crate) fn new(
        ex: Exchange<'c>,
        reason: PassReason,
        viewer: &ViewerRequest<'_>,
    ) -> Pass<'c> {
        let query = viewer.target.split_once('?').map_or("", |(_, query)| query);
        Pass {
            ex,
            reason,
            query: query.to_string(),
            host: viewer.host.to_string(),
        }
    }

    /// Why the cache is bypassed.
    pub fn reason(&self) -> PassReason {
        self.reason
    }

    /// The request to send, with the viewer's body.
    pub fn request(&self) -> &OriginRequest<'c, 'static> {
        &self.ex.plan.origin_request
    }

    /// The purge keys the origin's answer (`status`, `headers`)
    /// invalidates, where the behavior says `invalidate_on_unsafe_methods`:
    /// what the cache holds for the target URI, and for a same-host
    /// `Location` or `Content-Location`, after a successful unsafe method
    /// (RFC 9111 section 4.4). Purge them as the invalidation API would
    /// (hard); empty for anything else.
    pub fn invalidates(&self, status: u16, headers: &Headers<'_>) -> Vec<String> {
        let ex = &self.ex;
        if !ex.plan.behavior.invalidate_on_unsafe_methods {
            return Vec::new();
        }
        invalidated_keys(
            ex.config,
            ex.plan.method,
            (&ex.plan.path, &self.query),
            &self.host,
            (status, headers),
        )
    }

    /// The origin answered with `status`: forward its response as received.
    pub fn answered(self, status: u16) -> Finish {
        let outcome = CacheOutcome::Pass {
            status,
            reason: self.reason,
        };
        self.ex.finish(outcome, None)
    }

    /// The origin gave no response: the edge's 502 or 504.
    pub fn failed(self, failure: OriginFailure) -> EdgeReply {
        let finish = self.ex.finish(CacheOutcome::unavailable(failure), None);
        EdgeReply::unavailable(failure, finish)
    }
}
