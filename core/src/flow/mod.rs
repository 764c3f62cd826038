//! The request flow as sans-IO steps: everything between the viewer's
//! request and the response, decided here once for every platform.
//!
//! An adapter does the I/O (its cache's lookups and writes, the origin
//! request, the response) and `match`es on the step core returns; it
//! decides nothing about HTTP caching. Each step is a value that owns what
//! it needs, so a step can be carried past the response (a background
//! refresh) and a flow can be driven by a test without a runtime.
//!
//! ```text
//! start ──► Start::Respond(EdgeReply)                       (rejection)
//!       ├─► Start::Pass(Pass) ── origin ──► Finish or EdgeReply (bypass)
//!       └─► Start::Lookup(Lookup)
//!             lookup.found(Found, Write) ──► AfterLookup
//!               ├─ Serve(FromCache)                          (fresh hit)
//!               ├─ ServeStale(FromCache, Refresh)            (stale-while-revalidate)
//!               ├─ Claim(Claim) ── claimed ──► AfterClaim    (write handed out on request)
//!               │                    ├─ Fetch(Fetch)
//!               │                    └─ Wait(Lookup)         (collapse behind the holder)
//!               ├─ Wait(Wait) ── holder done ──► again()     (a copy it may not serve, another refreshing)
//!               └─ Fetch(Fetch) ── response ──► AfterOrigin
//!                    │   ├─ Store(Store)                     (fill; serve what is stored)
//!                    │   ├─ Update(Update)                   (304: refresh the stored head)
//!                    │   ├─ Forward { finish, write }        (not stored, and why)
//!                    │   └─ FromCache(FromCache)             (stale-if-error, or a 304 not kept)
//!                    └── no response ──► AfterFailure
//!                        ├─ FromCache(FromCache)             (stale-if-error)
//!                        └─ Respond(EdgeReply)               (the edge's 502 or 504)
//! ```
//!
//! Every terminal step carries a [`Finish`]: the [`CacheOutcome`] that
//! the response headers (`X-Cache`, `Cache-Status`, `Age`) and the log
//! line are made of, and whether the body is sent (not for HEAD).
//!
//! [`CacheOutcome`]: crate::CacheOutcome
//!
//! ```
//! use edgecache_core::flow::{self, AfterLookup, AfterOrigin, Found, Start, Write};
//! use edgecache_core::{Config, Headers, OriginResponse, ViewerRequest};
//! let config = Config::from_json(r#"{"origins": {"api": {"domain": "api.example.com"}},
//!   "cache_policies": {"p": {"default_ttl": 60}}, "origin_request_policies": {"o": {}},
//!   "default_behavior": {"origin": "api", "cache_policy": "p", "origin_request_policy": "o"}}"#).unwrap();
//! let viewer = ViewerRequest::new("GET", "/a");
//! let Start::Lookup(lookup) = flow::start(&config, &viewer, 1_000) else { panic!() };
//! let AfterLookup::Fetch(fetch) = lookup.found(Found::Nothing, Write::Held) else { panic!() };
//! assert_eq!(fetch.request().url, "https://api.example.com/a");
//! let list = [("content-length", b"2".as_slice())];
//! let response = OriginResponse { status: 200, headers: Headers::new(&list) };
//! let AfterOrigin::Store(store) = fetch.answered(response) else { panic!() };
//! assert_eq!(store.entry.fresh_for, 60);
//! assert_eq!(store.serve.finish().decoration().x_cache, "Miss from edgecache");
//! ```

mod body_check;
mod claim;
mod claims;
mod exchange;
mod fetch;
mod finish;
mod from_cache;
mod lookup;
mod pass;

pub use body_check::{BodyCheck, BodyCut};
pub use claim::{AfterClaim, Claim, Claimed, Wait};
pub use claims::{Claims, TAKEOVER_AFTER_MS, Ticket};
pub use fetch::{
    AfterFailure, AfterOrigin, Fetch, MAX_CHECKED_BODY, Marker, NewEntry, Store, Update, WriteEnd,
};
pub use finish::{EdgeReply, Finish};
pub use from_cache::{BodyPart, FromCache, StoredReply};
pub use lookup::{AfterLookup, Entry, Found, Lookup, Refresh, Write};
pub use pass::Pass;

use crate::config::Config;
use crate::reason::PassReason;
use crate::request::{Disposition, RequestDecision, ViewerRequest, decide_request};

use exchange::Exchange;

/// The first step for a viewer request at `now` (Unix seconds).
pub enum Start<'c> {
    /// Answer at the edge; the origin is not asked.
    Respond(EdgeReply),
    /// Bypass the cache: send [`Pass::request`] with the viewer's body.
    Pass(Pass<'c>),
    /// Look [`Lookup::key`] up in the platform's cache.
    Lookup(Lookup<'c>),
}

/// Starts the flow of `viewer`'s request.
pub fn start<'c>(config: &'c Config, viewer: &ViewerRequest<'_>, now: u64) -> Start<'c> {
    let plan = match decide_request(config, viewer) {
        RequestDecision::Reject(rejection) => {
            return Start::Respond(EdgeReply::rejected(rejection, viewer, now));
        }
        RequestDecision::Forward(plan) => plan.into_owned(),
    };
    let disposition = plan.disposition.clone();
    let exchange = Exchange::new(config, plan, viewer, now);
    // RFC 9111 section 5.2.1.5, where the policy honors the viewer's
    // directives: nothing of this exchange is stored.
    if exchange.directives.is_some_and(|d| d.no_store())
        && let Disposition::Lookup(_) = disposition
    {
        return Start::Pass(Pass::new(exchange, PassReason::NoStore, viewer));
    }
    match disposition {
        Disposition::Pass(reason) => Start::Pass(Pass::new(exchange, reason, viewer)),
        Disposition::Lookup(key) => Start::Lookup(Lookup::new(exchange, key)),
    }
}

#[cfg(test)]
mod tests;
