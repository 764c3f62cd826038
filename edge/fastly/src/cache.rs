//! Core's decisions on Fastly's core cache: one transaction per lookup, so
//! concurrent misses for a key collapse into one origin request and one
//! request refreshes a stale entry while the others are served.

use std::time::{Duration, Instant};

use edgecache_core::{
    CacheKey, CacheOutcome, Config, EntryMeta, HIT_FOR_PASS_TTL, Headers, Method, OriginResponse,
    PassReason, RangeAnswer, RequestPlan, ResponseDecision, Revalidation, Serving, StaleReason,
    StoreDecision, StoredHead, decide_response, decide_serving, is_origin_failure, revalidate,
    usable_on_error,
};
use fastly::cache::core::{Found, Transaction};
use fastly::http::HeaderName;
use fastly::{Body, Response};

use crate::origin;
use crate::purge;
use crate::respond;
use edgecache_core::OriginFailure as Failure;

/// What every step of serving one request needs.
pub struct Ctx<'a> {
    pub config: &'a Config,
    pub plan: &'a RequestPlan<'a, 'a>,
    /// The viewer's headers: `Range` and `If-Range` are answered from the
    /// stored object.
    pub viewer: Headers<'a>,
    pub now: u64,
    /// The key looked up: its entries carry purge keys derived from it.
    pub key: &'a CacheKey,
}

/// A response, what happened, and work left for after it is sent.
pub struct Served {
    pub response: Response,
    pub outcome: CacheOutcome,
    pub origin_ms: Option<u64>,
    pub after: After,
}

/// Work done once the viewer has its response.
pub enum After {
    Nothing,
    /// Refresh a stale entry this request was chosen to update.
    Refresh(Transaction, StoredHead),
}

/// A stored entry that a lookup found, with its readable head.
struct Stored {
    found: Found,
    head: StoredHead,
}

/// What a fetch may do with the cache.
enum Write {
    /// This request holds the entry's write: store, refresh or cancel it.
    /// The stale entry, if any, is revalidated and stands in on failure.
    Own(Transaction, Option<Stored>),
    /// Store nothing, for this reason.
    Skip(PassReason),
}

/// Milliseconds since `started`, for the log line.
pub fn millis(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Serves a cacheable request: from the cache when core allows, else from
/// the origin, storing what core says to store.
pub fn serve(ctx: &Ctx<'_>) -> Served {
    let key = ctx.key;
    // The headers the origin would receive select among stored variants
    // (Vary), with the values core normalized.
    let mut lookup = Transaction::lookup(key.hash_hex().into());
    for (name, value) in &ctx.plan.origin_request.headers {
        lookup = lookup.header(name.as_ref(), value.as_ref());
    }
    let transaction = match lookup.execute() {
        Ok(transaction) => transaction,
        Err(e) => {
            log::warn!("edgecache: cache lookup failed, going to the origin: {e:?}");
            return fetch(ctx, Write::Skip(PassReason::CacheUnavailable));
        }
    };
    let stored = transaction.found().and_then(|found| {
        let head = StoredHead::from_bytes(&found.user_metadata()).ok()?;
        Some(Stored { found, head })
    });
    let Some(mut stored) = stored else {
        return fetch(ctx, owned(transaction, None));
    };
    // The cache says stale where core's clock says fresh: a soft purge.
    if stored.found.is_stale() && stored.head.meta.remaining_ttl(ctx.now) > 0 {
        stored.head.meta = stored.head.meta.soft_purged(ctx.now);
    }
    let remaining_ttl = stored.head.meta.remaining_ttl(ctx.now);
    match decide_serving(&stored.head.meta, ctx.plan, ctx.now) {
        Serving::Fresh { age } => {
            from_cache(ctx, &stored, CacheOutcome::Hit { age, remaining_ttl }, None)
        }
        Serving::StaleWhileRevalidate { .. } => {
            let reason = StaleReason::WhileRevalidate;
            let outcome = CacheOutcome::stale(&stored.head.meta, ctx.now, reason);
            let mut served = from_cache(ctx, &stored, outcome, None);
            if transaction.must_insert_or_update() {
                served.after = After::Refresh(transaction, stored.head);
            }
            served
        }
        Serving::Revalidate { .. } => fetch(ctx, owned(transaction, Some(stored))),
        // Another variant is stored: this one replaces it.
        Serving::VaryMismatch => fetch(ctx, owned(transaction, None)),
        Serving::Unusable(reason) => {
            cancel(&transaction);
            fetch(ctx, Write::Skip(reason))
        }
        Serving::HitForPass => {
            cancel(&transaction);
            fetch(ctx, Write::Skip(PassReason::HitForPass))
        }
    }
}

/// The write, when this request holds it; else skip, the entry being busy.
fn owned(transaction: Transaction, stale: Option<Stored>) -> Write {
    if transaction.must_insert_or_update() {
        Write::Own(transaction, stale)
    } else {
        Write::Skip(PassReason::EntryBusy)
    }
}

/// Refreshes a stale entry after the viewer was answered from it.
pub fn refresh(ctx: &Ctx<'_>, transaction: Transaction, head: StoredHead) {
    let Some(found) = transaction.found() else {
        cancel(&transaction);
        return;
    };
    let stored = Stored { found, head };
    let _ = fetch(ctx, Write::Own(transaction, Some(stored)));
}

/// Serves a stored object: whole, or the single byte range the viewer
/// asked for (206), or 416 when the range lies outside it.
/// Serves from `stored`; `origin_ms` is the origin's latency when it was
/// asked first (a fill, a revalidation, a failure).
fn from_cache(
    ctx: &Ctx<'_>,
    stored: &Stored,
    outcome: CacheOutcome,
    origin_ms: Option<u64>,
) -> Served {
    let range = if ctx.plan.method == Method::Get && stored.head.meta.status == 200 {
        RangeAnswer::of(
            &ctx.viewer,
            stored.found.known_length(),
            &stored.head.meta.validators,
        )
    } else {
        RangeAnswer::Full
    };
    let body = match range {
        RangeAnswer::Partial { start, end, .. } => {
            stored.found.to_stream_from_range(Some(start), Some(end))
        }
        RangeAnswer::Full | RangeAnswer::Unsatisfiable { .. } => stored.found.to_stream(),
    };
    let mut response = match body {
        Ok(body) => respond::from_stored(&stored.head, body),
        Err(e) => {
            log::error!("edgecache: cannot read a stored body: {e:?}");
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
    if let Some(content_range) = range.content_range() {
        response.set_status(range.status(200));
        response.set_header("content-range", content_range);
        response.remove_header("content-length");
        if let RangeAnswer::Unsatisfiable { .. } = range {
            response.set_body(Body::new());
        }
    }
    served(response, outcome, origin_ms)
}

fn served(response: Response, outcome: CacheOutcome, origin_ms: Option<u64>) -> Served {
    Served {
        response,
        outcome,
        origin_ms,
        after: After::Nothing,
    }
}

fn cancel(transaction: &Transaction) {
    if transaction.must_insert_or_update() {
        let _ = transaction.cancel_insert_or_update();
    }
}

/// Goes to the origin (conditionally, when a stale entry has validators),
/// and stores, refreshes or passes its answer as core decides.
fn fetch(ctx: &Ctx<'_>, write: Write) -> Served {
    let (transaction, stale, skip) = match write {
        Write::Own(transaction, stale) => (Some(transaction), stale, None),
        Write::Skip(reason) => (None, None, Some(reason)),
    };
    let request = match &stale {
        Some(stale) => ctx
            .plan
            .origin_request
            .revalidating(&stale.head.meta.validators),
        None => ctx.plan.origin_request.clone(),
    };
    let started = Instant::now();
    let result = origin::send(&request, None);
    let origin_ms = Some(millis(started));
    let response = match result {
        Ok(response) => response,
        Err(failure) => {
            transaction.as_ref().map(cancel);
            return on_failure(ctx, failure, None, stale, origin_ms);
        }
    };
    let status = response.get_status().as_u16();
    if is_origin_failure(status)
        && stale
            .as_ref()
            .is_some_and(|s| usable_on_error(&s.head.meta, ctx.now))
    {
        transaction.as_ref().map(cancel);
        return on_failure(ctx, Failure::Unreachable, Some(status), stale, origin_ms);
    }
    let owned_headers: Vec<(String, Vec<u8>)> = response
        .get_headers()
        .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let pairs: Vec<(&str, &[u8])> = owned_headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let headers = Headers::new(&pairs);
    let transaction = match (status, transaction, stale) {
        (304, Some(transaction), Some(stored)) => {
            return revalidated(ctx, transaction, stored, &headers, origin_ms);
        }
        (_, transaction, _) => transaction,
    };
    let decision = match skip {
        Some(reason) => ResponseDecision::Pass(reason),
        None => decide_response(
            ctx.config,
            ctx.plan,
            &OriginResponse { status, headers },
            ctx.now,
        ),
    };
    match (decision, transaction) {
        (ResponseDecision::Store(decision), Some(transaction)) => insert(
            ctx,
            transaction,
            &decision,
            status,
            &headers,
            response,
            origin_ms,
        )
        .unwrap_or_else(|response| {
            let outcome = CacheOutcome::Miss {
                status,
                stored: Err(PassReason::CacheUnavailable),
            };
            served(*response, outcome, origin_ms)
        }),
        (decision, transaction) => {
            let reason = match decision {
                ResponseDecision::Pass(reason) => reason,
                // Only without a write: another request holds it.
                ResponseDecision::Store(_) => PassReason::EntryBusy,
            };
            match transaction {
                Some(transaction) if reason.records_hit_for_pass() => {
                    mark_hit_for_pass(transaction, ctx.now);
                }
                Some(transaction) => cancel(&transaction),
                None => {}
            }
            let outcome = CacheOutcome::Miss {
                status,
                stored: Err(reason),
            };
            served(response, outcome, origin_ms)
        }
    }
}

/// The request headers the stored response varies on, as core decided.
fn vary_names(decision: &StoreDecision) -> Vec<HeaderName> {
    decision
        .vary
        .names()
        .filter_map(|name| HeaderName::from_bytes(name.as_bytes()).ok())
        .collect()
}

/// Stores a hit-for-pass marker: requests waiting on this key, and those
/// to come for a while, go to the origin at once instead of queueing.
fn mark_hit_for_pass(transaction: Transaction, now: u64) {
    let head = StoredHead::new(EntryMeta::hit_for_pass(now), &Headers::default(), false);
    let writer = transaction
        .insert(Duration::from_secs(HIT_FOR_PASS_TTL))
        .user_metadata(head.to_bytes().into())
        .known_length(0)
        .execute();
    let finished = match writer {
        Ok(writer) => writer.finish().map_err(|e| e.to_string()),
        Err(e) => Err(format!("{e:?}")),
    };
    if let Err(e) = finished {
        log::warn!("edgecache: cannot store a hit-for-pass marker: {e}");
    }
}

/// Stores an origin response and streams it back to the viewer as it is written.
fn insert(
    ctx: &Ctx<'_>,
    transaction: Transaction,
    decision: &StoreDecision,
    status: u16,
    headers: &Headers<'_>,
    mut response: Response,
    origin_ms: Option<u64>,
) -> Result<Served, Box<Response>> {
    let head = StoredHead::new(
        EntryMeta::new(decision, status, ctx.now),
        headers,
        decision.strip_set_cookie,
    );
    let vary = vary_names(decision);
    let surrogate_keys = purge::surrogate_keys(ctx.plan, ctx.key, &decision.tags);
    let mut builder = transaction
        .insert(Duration::from_secs(decision.fresh_for()))
        .stale_while_revalidate(Duration::from_secs(decision.stale_retention()))
        .surrogate_keys(surrogate_keys.iter().map(String::as_str))
        .user_metadata(head.to_bytes().into());
    if let Some(length) = headers
        .get_str("content-length")
        .and_then(|l| l.parse().ok())
    {
        builder = builder.known_length(length);
    }
    if !vary.is_empty() {
        builder = builder.vary_by(vary.iter());
    }
    // Nothing is lost when the cache cannot take the object: the viewer
    // still gets the origin's response.
    let (mut writer, found) = match builder.execute_and_stream_back() {
        Ok(pair) => pair,
        Err(e) => {
            log::error!("edgecache: cache insert failed: {e:?}");
            return Err(Box::new(response));
        }
    };
    writer.append(response.take_body());
    if let Err(e) = writer.finish() {
        // The body was streamed into the cache and cannot be sent twice.
        log::error!("edgecache: cache write failed: {e}");
    }
    let stored = Stored { found, head };
    let ttl = i64::try_from(decision.fresh_for()).unwrap_or(i64::MAX);
    Ok(from_cache(
        ctx,
        &stored,
        CacheOutcome::Miss {
            status,
            stored: Ok((ttl, decision.source)),
        },
        origin_ms,
    ))
}

/// A 304 from the origin: the stored entry is refreshed with the merged
/// headers and served.
fn revalidated(
    ctx: &Ctx<'_>,
    transaction: Transaction,
    stored: Stored,
    not_modified: &Headers<'_>,
    origin_ms: Option<u64>,
) -> Served {
    let (head, decision) =
        match revalidate(ctx.config, ctx.plan, &stored.head, not_modified, ctx.now) {
            Revalidation::Refresh { head, decision } => (*head, decision),
            Revalidation::Keep(_) => {
                cancel(&transaction);
                let outcome = CacheOutcome::Revalidated {
                    age: 0,
                    remaining_ttl: 0,
                    refreshed: Ok(()),
                };
                return from_cache(ctx, &stored, outcome, origin_ms);
            }
        };
    let vary = vary_names(&decision);
    let surrogate_keys = purge::surrogate_keys(ctx.plan, ctx.key, &decision.tags);
    let mut update = transaction
        .update(Duration::from_secs(decision.fresh_for()))
        .stale_while_revalidate(Duration::from_secs(decision.stale_retention()))
        .surrogate_keys(surrogate_keys.iter().map(String::as_str))
        .user_metadata(head.to_bytes().into());
    if !vary.is_empty() {
        update = update.vary_by(vary.iter());
    }
    let update = update.execute();
    if let Err(e) = update {
        log::warn!("edgecache: cache update failed: {e:?}");
    }
    let refreshed = Stored {
        found: stored.found,
        head,
    };
    let outcome = CacheOutcome::Revalidated {
        age: refreshed.head.meta.age(ctx.now),
        remaining_ttl: refreshed.head.meta.remaining_ttl(ctx.now),
        refreshed: Ok(()),
    };
    from_cache(ctx, &refreshed, outcome, origin_ms)
}

/// The origin failed: serve the stale entry within its stale-if-error
/// window, else a short 502 or 504.
fn on_failure(
    ctx: &Ctx<'_>,
    failure: Failure,
    status: Option<u16>,
    stale: Option<Stored>,
    origin_ms: Option<u64>,
) -> Served {
    if let Some(stored) = stale.filter(|s| usable_on_error(&s.head.meta, ctx.now)) {
        let reason = StaleReason::OriginError { status };
        let outcome = CacheOutcome::stale(&stored.head.meta, ctx.now, reason);
        return from_cache(ctx, &stored, outcome, origin_ms);
    }
    unavailable(failure, origin_ms)
}

/// The edge's own short 502 or 504 when the origin gave no usable answer.
pub fn unavailable(failure: Failure, origin_ms: Option<u64>) -> Served {
    served(
        respond::plain(
            failure.status(),
            &format!("edgecache: {}", failure.detail()),
        ),
        CacheOutcome::unavailable(failure),
        origin_ms,
    )
}
