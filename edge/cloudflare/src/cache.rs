//! Core's decisions on the Workers Cache API (`caches.default`).
//!
//! The Cache API stores by the stored copy's `Cache-Control` and knows
//! nothing of stale-while-revalidate or stale-if-error. So an entry is
//! stored under a synthetic URL built from core's key, for as long as core
//! keeps it (TTL plus the stale windows), with core's [`StoredHead`] (the
//! origin's status and headers, stored-at, TTL, windows, validators, tags)
//! in one header; core then decides fresh / stale-while-revalidate /
//! revalidate / stale-if-error exactly as on Fastly. Viewers get the
//! origin's headers from the head, never the internal ones.
//!
//! Vary: a response that varies is stored under the key's URL plus a
//! variant id, and the key's URL holds an index naming the headers it
//! varies on, so one key keeps one entry per variant.

use std::time::Duration;

use edgecache_core::{
    CacheKey, CacheOutcome, Config, EntryMeta, HIT_FOR_PASS_TTL, Headers, Method, OriginFailure,
    OriginResponse, PassReason, PurgeVerdict, RangeAnswer, RequestPlan, ResponseDecision,
    Revalidation, Serving, StaleReason, StoreDecision, StoredHead, VaryRule, decide_response,
    decide_serving, is_origin_failure, revalidate, usable_on_error,
};
use futures_util::future::LocalBoxFuture;
use worker::{Cache, Response, ResponseBody};

use crate::collapse::{self, Claim, Leader};
use crate::origin;
use crate::purge;
use crate::respond;

/// The header of a stored response that holds core's [`StoredHead`].
const HEAD_HEADER: &str = "x-edgecache-head";
/// The header of a Vary index: the request headers its variants vary on.
const VARY_INDEX_HEADER: &str = "x-edgecache-vary";
/// The header of a stored response that holds when it was asked of the
/// origin (Unix milliseconds): purges after that time purge it.
const FETCHED_HEADER: &str = "x-edgecache-fetched-ms";
/// How long a Vary index is kept. Longer than any variant, so that a
/// short-lived variant written last does not take the index, and every
/// longer-lived variant with it, away; each variant is still checked
/// against its own Vary rule.
const VARY_INDEX_KEEP_FOR: u64 = 31_536_000;
/// The path under which entries are stored, on the zone's own host.
const ENTRY_PATH: &str = "/.edgecache/entry/";

/// What every step of serving one request needs.
pub struct Ctx<'a> {
    pub config: &'a Config,
    pub plan: &'a RequestPlan<'a, 'a>,
    /// The viewer's headers: `Range` and `If-Range` are answered from the
    /// stored object.
    pub viewer: Headers<'a>,
    pub now: u64,
    /// The key looked up: its entries' purge keys derive from it.
    pub key: &'a CacheKey,
    /// The URL the key's entry (or Vary index) is stored under.
    pub entry_url: String,
}

/// A response, what happened, and work left for after it is sent.
pub struct Served {
    pub response: Response,
    pub outcome: CacheOutcome,
    pub origin_ms: Option<u64>,
    /// Writes to finish once the viewer has its answer (`ctx.wait_until`).
    pub after: Option<LocalBoxFuture<'static, ()>>,
    /// A stale entry this request was chosen to refresh.
    pub refresh: Option<Leader>,
}

/// A stored entry that a lookup found.
pub struct Stored {
    response: Response,
    head: StoredHead,
    /// Where it is stored: the key's URL, or a variant's.
    url: String,
}

/// What a fetch may do with the cache.
enum Write {
    /// This request stores (or refreshes) the entry; the stale entry, if
    /// any, is revalidated and stands in on failure.
    Own(Leader, Option<Box<Stored>>),
    /// Store nothing, for this reason.
    Skip(PassReason),
}

impl<'a> Ctx<'a> {
    /// The context for `plan`'s `key`, whose entry is stored under the
    /// viewer's origin (the zone in production; the Cache API is per zone)
    /// and the key's hash.
    pub fn new(
        config: &'a Config,
        plan: &'a RequestPlan<'a, 'a>,
        viewer: Headers<'a>,
        now: u64,
        viewer_origin: &str,
        key: &'a CacheKey,
    ) -> Ctx<'a> {
        Ctx {
            config,
            plan,
            viewer,
            now,
            key,
            entry_url: format!("{viewer_origin}{ENTRY_PATH}{}", key.hash_hex()),
        }
    }
}

/// Milliseconds on the runtime's clock.
pub fn now_ms() -> f64 {
    worker::js_sys::Date::now()
}

fn elapsed_ms(started: f64) -> u64 {
    let elapsed = (now_ms() - started).max(0.0);
    // Whole milliseconds; far below u64::MAX.
    elapsed as u64
}

/// Serves a cacheable request: from the cache when core allows, else from
/// the origin, storing what core says to store.
pub async fn serve(ctx: &Ctx<'_>) -> Served {
    let mut waited = false;
    loop {
        let stored = match lookup(ctx).await {
            Lookup::Unavailable => {
                return fetch(ctx, Write::Skip(PassReason::CacheUnavailable)).await;
            }
            Lookup::Miss(url) => match claim(ctx, &url, &mut waited, None).await {
                Some(write) => return fetch(ctx, write).await,
                None => continue,
            },
            Lookup::Found(stored) => stored,
        };
        let url = stored.url.clone();
        let remaining_ttl = stored.head.meta.remaining_ttl(ctx.now);
        match decide_serving(&stored.head.meta, ctx.plan, ctx.now) {
            Serving::Fresh { age } => {
                let outcome = CacheOutcome::Hit { age, remaining_ttl };
                return from_cache(ctx, *stored, outcome, None).await;
            }
            Serving::StaleWhileRevalidate { .. } => {
                let reason = StaleReason::WhileRevalidate;
                let outcome = CacheOutcome::stale(&stored.head.meta, ctx.now, reason);
                let mut served = from_cache(ctx, *stored, outcome, None).await;
                // One refresh per key at a time; the others serve stale.
                served.refresh = collapse::try_lead(&url);
                return served;
            }
            Serving::Revalidate { .. } => match claim(ctx, &url, &mut waited, Some(stored)).await {
                Some(write) => return fetch(ctx, write).await,
                None => continue,
            },
            // The index named other headers than the variant has: replace it.
            Serving::VaryMismatch => match claim(ctx, &url, &mut waited, None).await {
                Some(write) => return fetch(ctx, write).await,
                None => continue,
            },
            Serving::Unusable(reason) => return fetch(ctx, Write::Skip(reason)).await,
            Serving::HitForPass => return fetch(ctx, Write::Skip(PassReason::HitForPass)).await,
        }
    }
}

/// Claims the write of the entry at `url` (the key's, or one variant's).
/// `None`: another request of this isolate was fetching it and is done now
/// (or took too long): look up again. A request that already waited once
/// goes to the origin without storing.
async fn claim(
    ctx: &Ctx<'_>,
    url: &str,
    waited: &mut bool,
    stale: Option<Box<Stored>>,
) -> Option<Write> {
    match collapse::claim(url) {
        Claim::Leader(leader) => Some(Write::Own(leader, stale)),
        Claim::Follower(_) if *waited => Some(Write::Skip(PassReason::EntryBusy)),
        Claim::Follower(follower) => {
            let origin = ctx.plan.origin_request.origin;
            let limit = origin.connect_timeout_ms + origin.first_byte_timeout_ms;
            collapse::wait(follower, Duration::from_millis(limit)).await;
            *waited = true;
            None
        }
    }
}

/// Refreshes a stale entry after the viewer was answered from it.
pub async fn refresh(ctx: &Ctx<'_>, leader: Leader) {
    let Lookup::Found(stored) = lookup(ctx).await else {
        return;
    };
    let served = fetch(ctx, Write::Own(leader, Some(stored))).await;
    // Nobody reads this copy: let the cache's branch of the body go alone.
    respond::discard(served.response.into_parts().1);
    if let Some(after) = served.after {
        after.await;
    }
}

enum Lookup {
    Found(Box<Stored>),
    /// Nothing stored at this URL (the key's, or the variant's the index
    /// points to).
    Miss(String),
    /// The Cache API failed: go to the origin, store nothing.
    Unavailable,
}

/// Reads the key's entry: directly, or through its Vary index.
async fn lookup(ctx: &Ctx<'_>) -> Lookup {
    let cache = Cache::default();
    let found = match cache.get(ctx.entry_url.as_str(), false).await {
        Ok(Some(found)) => found,
        Ok(None) => return Lookup::Miss(ctx.entry_url.clone()),
        Err(e) => {
            worker::console_warn!("edgecache: cache lookup failed, going to the origin: {e}");
            return Lookup::Unavailable;
        }
    };
    let Ok(Some(names)) = found.headers().get(VARY_INDEX_HEADER) else {
        return read(ctx, found, ctx.entry_url.clone());
    };
    let rule = VaryRule::for_request(names.split(',').map(str::trim), ctx.plan);
    let url = variant_url(&ctx.entry_url, &rule);
    match cache.get(url.as_str(), false).await {
        Ok(Some(found)) => read(ctx, found, url),
        Ok(None) => Lookup::Miss(url),
        Err(e) => {
            worker::console_warn!("edgecache: cache lookup failed, going to the origin: {e}");
            Lookup::Unavailable
        }
    }
}

/// An entry with an unreadable head is a miss: the next store replaces it.
/// So is a purged one; a soft-purged one is stale since its purge.
fn read(ctx: &Ctx<'_>, response: Response, url: String) -> Lookup {
    let header = |name: &str| response.headers().get(name).ok().flatten();
    let Some(mut head) = header(HEAD_HEADER).and_then(|v| StoredHead::from_header_value(&v).ok())
    else {
        return Lookup::Miss(url);
    };
    let fetched_ms = header(FETCHED_HEADER)
        .and_then(|v| v.parse().ok())
        .unwrap_or(head.meta.stored_at.saturating_mul(1000));
    match purge::verdict(ctx.plan, ctx.key, &head.meta.tags, fetched_ms) {
        PurgeVerdict::Hard => return Lookup::Miss(url),
        PurgeVerdict::Soft { at_ms } => head.meta = head.meta.soft_purged(at_ms / 1000),
        PurgeVerdict::Kept => {}
    }
    Lookup::Found(Box::new(Stored {
        response,
        head,
        url,
    }))
}

fn variant_url(entry_url: &str, rule: &VaryRule) -> String {
    format!("{entry_url}/{}", rule.variant_id())
}

/// Goes to the origin (conditionally, when a stale entry has validators),
/// and stores, refreshes or passes its answer as core decides.
async fn fetch(ctx: &Ctx<'_>, write: Write) -> Served {
    let (leader, stale, skip) = match write {
        Write::Own(leader, stale) => (Some(leader), stale, None),
        Write::Skip(reason) => (None, None, Some(reason)),
    };
    let request = match &stale {
        Some(stale) => ctx
            .plan
            .origin_request
            .revalidating(&stale.head.meta.validators),
        None => ctx.plan.origin_request.clone(),
    };
    let started = now_ms();
    let result = origin::send(&request, None).await;
    let origin_ms = Some(elapsed_ms(started));
    let response = match result {
        Ok(response) => response,
        Err(failure) => return on_failure(ctx, failure, None, stale, origin_ms).await,
    };
    let status = response.status_code();
    if is_origin_failure(status)
        && stale
            .as_ref()
            .is_some_and(|s| usable_on_error(&s.head.meta, ctx.now))
    {
        let failure = OriginFailure::Unreachable;
        return on_failure(ctx, failure, Some(status), stale, origin_ms).await;
    }
    let owned = respond::owned(response.headers());
    let pairs = respond::pairs(&owned);
    let headers = Headers::new(&pairs);
    let (leader, stale) = match (status, leader, stale) {
        (304, Some(leader), Some(stored)) => {
            return revalidated(ctx, (leader, started), stored, &headers, origin_ms).await;
        }
        (_, leader, stale) => (leader, stale),
    };
    drop(stale);
    let decision = match skip {
        Some(reason) => ResponseDecision::Pass(reason),
        None => decide_response(
            ctx.config,
            ctx.plan,
            &OriginResponse { status, headers },
            ctx.now,
        ),
    };
    let (_, body) = response.into_parts();
    match (decision, leader) {
        (ResponseDecision::Store(decision), Some(leader)) => {
            let fill = Fill::new((leader, started), &decision, status, &headers, ctx.now);
            store(ctx, fill, status, body, origin_ms).await
        }
        (decision, leader) => {
            let reason = match decision {
                ResponseDecision::Pass(reason) => reason,
                // Only without the write: another request holds it.
                ResponseDecision::Store(_) => PassReason::EntryBusy,
            };
            if let Some(leader) = leader.filter(|_| reason.records_hit_for_pass()) {
                mark_hit_for_pass(ctx, leader).await;
            }
            let outcome = CacheOutcome::Miss {
                status,
                stored: Err(reason),
            };
            let response = respond::build(status, respond::to_headers(headers.iter()), body);
            served(response, outcome, origin_ms)
        }
    }
}

/// Stores an origin response and streams it back to the viewer.
async fn store(
    ctx: &Ctx<'_>,
    fill: Fill<'_>,
    status: u16,
    body: ResponseBody,
    origin_ms: Option<u64>,
) -> Served {
    let decision = fill.decision;
    let ttl = i64::try_from(decision.fresh_for()).unwrap_or(i64::MAX);
    let miss = |stored| CacheOutcome::Miss {
        status,
        stored,
    };
    let outcomes = (
        miss(Ok((ttl, decision.source))),
        miss(Err(PassReason::CacheUnavailable)),
    );
    serve_and_keep(ctx, fill, body, outcomes, origin_ms).await
}

/// What to write for an entry, and the right to write it.
struct Fill<'d> {
    leader: Leader,
    decision: &'d StoreDecision,
    head: StoredHead,
    /// When the origin was asked (Unix milliseconds).
    fetched_ms: f64,
}

impl<'d> Fill<'d> {
    /// The fill of an origin response asked for at `fetched_ms`.
    fn new(
        (leader, fetched_ms): (Leader, f64),
        decision: &'d StoreDecision,
        status: u16,
        headers: &Headers<'_>,
        now: u64,
    ) -> Fill<'d> {
        let head = StoredHead::new(
            EntryMeta::new(decision, status, now),
            headers,
            decision.strip_set_cookie,
        );
        Fill {
            leader,
            decision,
            head,
            fetched_ms,
        }
    }
}

/// Serves `body` under the fill's head, and stores a copy once the
/// response is sent: the body is teed, one branch streaming to the viewer,
/// the other into the cache. `outcomes`: when stored, and when the body
/// could not be copied (nothing is lost: the viewer still gets it).
async fn serve_and_keep(
    ctx: &Ctx<'_>,
    fill: Fill<'_>,
    body: ResponseBody,
    (outcome, unstored): (CacheOutcome, CacheOutcome),
    origin_ms: Option<u64>,
) -> Served {
    let Fill {
        leader,
        decision,
        head,
        fetched_ms,
    } = fill;
    let (body, copy) = match tee(body) {
        Ok(pair) => pair,
        Err((body, e)) => {
            worker::console_error!("edgecache: cannot copy a body for the cache: {e}");
            let stored = Stored {
                response: Response::builder().body(body),
                head,
                url: ctx.entry_url.clone(),
            };
            return from_cache(ctx, stored, unstored, origin_ms).await;
        }
    };
    let entry = Entry {
        head: head.clone(),
        keep_for: decision.keep_for(),
        // Milliseconds since 1970, far below 2^53.
        fetched_ms: fetched_ms as u64,
    };
    let after = put(ctx, &decision.vary, entry, copy, leader);
    let stored = Stored {
        response: Response::builder().body(body),
        head,
        url: ctx.entry_url.clone(),
    };
    let mut served = from_cache(ctx, stored, outcome, origin_ms).await;
    served.after = Some(after);
    served
}

/// Two readers of one body.
fn tee(body: ResponseBody) -> Result<(ResponseBody, ResponseBody), (ResponseBody, worker::Error)> {
    match body {
        ResponseBody::Stream(stream) => {
            let mut response = Response::builder().stream(stream);
            match response.cloned() {
                Ok(copy) => Ok((response.into_parts().1, copy.into_parts().1)),
                Err(e) => Err((response.into_parts().1, e)),
            }
        }
        ResponseBody::Body(bytes) => {
            Ok((ResponseBody::Body(bytes.clone()), ResponseBody::Body(bytes)))
        }
        ResponseBody::Empty => Ok((ResponseBody::Empty, ResponseBody::Empty)),
    }
}

/// What is stored beside an entry's body.
struct Entry {
    head: StoredHead,
    keep_for: u64,
    fetched_ms: u64,
}

/// Writes an entry (and, when it varies, the key's Vary index) once the
/// viewer is answered, then lets waiting requests read it.
fn put(
    ctx: &Ctx<'_>,
    vary: &VaryRule,
    entry: Entry,
    body: ResponseBody,
    leader: Leader,
) -> LocalBoxFuture<'static, ()> {
    let names: Vec<&str> = vary.names().collect();
    let index = (!names.is_empty()).then(|| (ctx.entry_url.clone(), names.join(", ")));
    let entry_url = match &index {
        Some(_) => variant_url(&ctx.entry_url, vary),
        None => ctx.entry_url.clone(),
    };
    Box::pin(async move {
        let cache = Cache::default();
        let headers = [
            (HEAD_HEADER, entry.head.to_header_value()),
            (FETCHED_HEADER, entry.fetched_ms.to_string()),
        ];
        let headers = headers.each_ref().map(|(n, v)| (*n, v.as_str()));
        let stored = stored_response(entry.keep_for, &headers, body);
        if let Err(e) = cache.put(entry_url.as_str(), stored).await {
            worker::console_error!("edgecache: cache write failed: {e}");
        }
        if let Some((index_url, names)) = index {
            let marker = stored_response(
                VARY_INDEX_KEEP_FOR,
                &[(VARY_INDEX_HEADER, &names)],
                ResponseBody::Empty,
            );
            if let Err(e) = cache.put(index_url.as_str(), marker).await {
                worker::console_error!("edgecache: cache write failed: {e}");
            }
        }
        drop(leader);
    })
}

/// What the Cache API stores: kept `keep_for` seconds, with edgecache's
/// own headers only.
fn stored_response(keep_for: u64, headers: &[(&str, &str)], body: ResponseBody) -> Response {
    let cache_control = format!("max-age={keep_for}");
    let pairs = headers
        .iter()
        .map(|(name, value)| (*name, value.as_bytes()))
        .chain([("cache-control", cache_control.as_bytes())]);
    respond::build(200, respond::to_headers(pairs), body)
}

/// Stores a hit-for-pass marker: requests waiting on this key, and those
/// to come for a while, go to the origin at once instead of queueing.
async fn mark_hit_for_pass(ctx: &Ctx<'_>, leader: Leader) {
    let head = StoredHead::new(EntryMeta::hit_for_pass(ctx.now), &Headers::default(), false);
    let marker = stored_response(
        HIT_FOR_PASS_TTL,
        &[(HEAD_HEADER, &head.to_header_value())],
        ResponseBody::Empty,
    );
    if let Err(e) = Cache::default().put(ctx.entry_url.as_str(), marker).await {
        worker::console_warn!("edgecache: cannot store a hit-for-pass marker: {e}");
    }
    drop(leader);
}

/// A 304 from the origin: the stored entry is refreshed with the merged
/// headers and served.
async fn revalidated(
    ctx: &Ctx<'_>,
    (leader, fetched_ms): (Leader, f64),
    stored: Box<Stored>,
    not_modified: &Headers<'_>,
    origin_ms: Option<u64>,
) -> Served {
    let (head, decision) =
        match revalidate(ctx.config, ctx.plan, &stored.head, not_modified, ctx.now) {
            Revalidation::Refresh { head, decision } => (*head, decision),
            Revalidation::Keep(_) => {
                let outcome = CacheOutcome::Revalidated {
                    age: 0,
                    remaining_ttl: 0,
                    refreshed: Ok(()),
                };
                return from_cache(ctx, *stored, outcome, origin_ms).await;
            }
        };
    let outcome = CacheOutcome::Revalidated {
        age: head.meta.age(ctx.now),
        remaining_ttl: head.meta.remaining_ttl(ctx.now),
        refreshed: Ok(()),
    };
    let fill = Fill {
        leader,
        decision: &decision,
        head,
        fetched_ms,
    };
    let body = stored.response.into_parts().1;
    let outcomes = (outcome.clone(), outcome);
    serve_and_keep(ctx, fill, body, outcomes, origin_ms).await
}

/// The origin failed: serve the stale entry within its stale-if-error
/// window, else a short 502 or 504.
async fn on_failure(
    ctx: &Ctx<'_>,
    failure: OriginFailure,
    status: Option<u16>,
    stale: Option<Box<Stored>>,
    origin_ms: Option<u64>,
) -> Served {
    if let Some(stored) = stale.filter(|s| usable_on_error(&s.head.meta, ctx.now)) {
        let reason = StaleReason::OriginError { status };
        let outcome = CacheOutcome::stale(&stored.head.meta, ctx.now, reason);
        return from_cache(ctx, *stored, outcome, origin_ms).await;
    }
    unavailable(failure, origin_ms)
}

/// The edge's own short 502 or 504 when the origin gave no usable answer.
pub fn unavailable(failure: OriginFailure, origin_ms: Option<u64>) -> Served {
    served(
        respond::plain(
            failure.status(),
            &format!("edgecache: {}", failure.detail()),
        ),
        CacheOutcome::unavailable(failure),
        origin_ms,
    )
}

/// Serves a stored object: whole, or the single byte range the viewer
/// asked for (206), or 416 when the range lies outside it. A range is cut
/// from the whole body, read into memory.
async fn from_cache(
    ctx: &Ctx<'_>,
    stored: Stored,
    outcome: CacheOutcome,
    origin_ms: Option<u64>,
) -> Served {
    let status = stored.head.meta.status;
    let headers = stored.head.headers();
    let headers = respond::to_headers(headers.iter().map(|(n, v)| (*n, v.as_slice())));
    let mut body = stored.response.into_parts().1;
    // The runtime decodes gzip and br bodies: a range of the decoded bytes
    // would not match the stored Content-Encoding, so those are sent whole.
    let encoded = stored
        .head
        .headers()
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-encoding"));
    let ranged =
        ctx.plan.method == Method::Get && status == 200 && !encoded && ctx.viewer.contains("range");
    if !ranged {
        return served(respond::build(status, headers, body), outcome, origin_ms);
    }
    let bytes = match body_bytes(body).await {
        Ok(bytes) => bytes,
        Err(e) => {
            worker::console_error!("edgecache: cannot read a stored body: {e}");
            let outcome = CacheOutcome::OriginUnavailable {
                status: 502,
                detail: "cache-read-error",
            };
            return served(
                respond::plain(502, "edgecache: cached body unreadable"),
                outcome,
                None,
            );
        }
    };
    let length = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    let range = RangeAnswer::of(&ctx.viewer, Some(length), &stored.head.meta.validators);
    body = match range {
        RangeAnswer::Full => ResponseBody::Body(bytes),
        RangeAnswer::Partial { start, end, .. } => {
            let slice = usize::try_from(start)
                .ok()
                .zip(usize::try_from(end).ok())
                .and_then(|(start, end)| bytes.get(start..=end));
            ResponseBody::Body(slice.map(<[u8]>::to_vec).unwrap_or_default())
        }
        RangeAnswer::Unsatisfiable { .. } => ResponseBody::Empty,
    };
    if let Some(content_range) = range.content_range() {
        let _ = headers.set("content-range", &content_range);
        let _ = headers.delete("content-length");
    }
    served(
        respond::build(range.status(200), headers, body),
        outcome,
        origin_ms,
    )
}

async fn body_bytes(body: ResponseBody) -> worker::Result<Vec<u8>> {
    match body {
        ResponseBody::Body(bytes) => Ok(bytes),
        ResponseBody::Empty => Ok(Vec::new()),
        stream => Response::builder().body(stream).bytes().await,
    }
}

fn served(response: Response, outcome: CacheOutcome, origin_ms: Option<u64>) -> Served {
    Served {
        response,
        outcome,
        origin_ms,
        after: None,
        refresh: None,
    }
}
