//! Core's request flow on Fastly's core cache: one transaction per lookup,
//! so concurrent misses for a key collapse into one origin request and
//! one request refreshes a stale entry while the others are served. This
//! module does the I/O of each step; core decides every one.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::io::{Read, Write as _};

use edgecache_core::flow::{
    AfterClaim, AfterFailure, AfterLookup, AfterOrigin, BodyCheck, BodyCut, BodyPart, Claimed,
    Entry, Fetch, Finish, Found, FromCache, Lookup, MAX_CHECKED_BODY, Marker, NewEntry, Refresh,
    Store, Write, WriteEnd,
};
use edgecache_core::purge::{PurgeVerdict, fill_key};
use edgecache_core::{CacheKey, OriginResponse, StoredHead};
use fastly::cache::core::{CacheError, Found as Stored, Transaction};
use fastly::http::HeaderName;
use fastly::http::body::StreamingBody;
use fastly::http::purge::purge_surrogate_key;
use fastly::{Body, Response};

use crate::respond::{self, Served};
use crate::shield::{self, Route};

/// A stale entry to refresh once the viewer has its answer.
pub(crate) struct Later<'c> {
    transaction: Transaction,
    refresh: Box<Refresh<'c>>,
}

/// Serves a cacheable request; what is left to do after it is sent.
pub(crate) fn serve<'c>(lookup: Lookup<'c>) -> (Served, Option<Later<'c>>) {
    let limit = Duration::from_millis(lookup.wait_limit_ms());
    let transaction = begin(&lookup, limit);
    serve_with(lookup, transaction)
}

/// Serves a cacheable request from what its lookup's transaction found.
fn serve_with<'c>(
    lookup: Lookup<'c>,
    looked: Result<Transaction, CacheError>,
) -> (Served, Option<Later<'c>>) {
    // A lookup that waited its limit for another request's fill finds
    // nothing, and the write busy: core fetches without storing.
    let timed_out = matches!(looked, Err(CacheError::Timeout));
    let transaction = looked.ok();
    let stored = transaction.as_ref().and_then(Transaction::found);
    let found = match (&transaction, &stored) {
        (None, _) if timed_out => Found::Nothing,
        (None, _) => Found::Unavailable,
        (Some(_), None) => Found::Nothing,
        (Some(_), Some(stored)) => match StoredHead::from_bytes(&stored.user_metadata()) {
            Ok(head) => Found::Entry(Entry {
                head,
                platform_stale: stored.is_stale(),
                purge: PurgeVerdict::Kept,
                body_length: stored.known_length(),
            }),
            Err(_) => Found::Nothing,
        },
    };
    let write = match (&transaction, &stored) {
        (Some(transaction), _) if transaction.must_insert_or_update() => Write::Held,
        // The platform hands a stale object to every caller while one
        // updates it.
        (Some(_), Some(stored)) if stored.is_stale() => Write::Pending,
        _ => Write::Busy,
    };
    match lookup.found(found, write) {
        AfterLookup::Serve(serve) => {
            release(transaction.as_ref());
            (
                from_cache(serve, stored.as_ref(), None, Object::Whole),
                None,
            )
        }
        AfterLookup::ServeStale(serve, refresh) => {
            let served = from_cache(serve, stored.as_ref(), None, Object::Whole);
            let later = transaction
                .filter(Transaction::must_insert_or_update)
                .map(|transaction| Later {
                    transaction,
                    refresh,
                });
            (served, later)
        }
        // The transaction already said who holds the write; a lookup
        // again waits for the holder.
        AfterLookup::Claim(claim) => match claim.claimed(claimed(transaction.as_ref())) {
            AfterClaim::Fetch(fetch) => (fetch_with(fetch, transaction, stored), None),
            AfterClaim::Wait(again) => serve(again),
        },
        AfterLookup::Wait(wait) => {
            let limit = Duration::from_millis(wait.limit_ms());
            let transaction = await_holder(wait.lookup(), transaction, limit);
            serve_with(wait.again(), transaction)
        }
        AfterLookup::Fetch(fetch) => (fetch_with(fetch, transaction, stored), None),
    }
}

/// How soon, and how seldom at most, a request waiting for another one's
/// refresh looks again.
const FIRST_POLL: Duration = Duration::from_millis(10);
const MAX_POLL: Duration = Duration::from_millis(100);

/// Waits until the request refreshing a stale object is done (the object
/// found is no longer stale, or is gone, or the write is this request's),
/// or `limit` passes; returns the last lookup's transaction. The core
/// cache hands a stale object to every caller without waiting, so this
/// looks again after 10 ms, then at twice the interval each time up to
/// [`MAX_POLL`]; a look that blocks behind a fill waits only for what is
/// left of `limit`.
fn await_holder(
    lookup: &Lookup<'_>,
    transaction: Option<Transaction>,
    limit: Duration,
) -> Result<Transaction, CacheError> {
    let started = Instant::now();
    let mut transaction = transaction.ok_or(CacheError::Timeout);
    let mut poll = FIRST_POLL;
    while started.elapsed() < limit && transaction.as_ref().is_ok_and(still_pending) {
        drop(transaction);
        let slept = Instant::now();
        std::thread::sleep(poll.min(limit.saturating_sub(started.elapsed())));
        // A runtime whose sleep returns at once would make this a busy
        // loop: stop waiting instead.
        let asleep = slept.elapsed() >= poll / 2;
        transaction = begin(lookup, limit.saturating_sub(started.elapsed()));
        if !asleep {
            break;
        }
        poll = (poll * 2).min(MAX_POLL);
    }
    transaction
}

/// Whether another request still holds the write of the stale object
/// this transaction found.
fn still_pending(transaction: &Transaction) -> bool {
    !transaction.must_insert_or_update() && transaction.found().is_some_and(|f| f.is_stale())
}

/// Refreshes a stale entry after the viewer was answered from it.
pub(crate) fn refresh(later: Later<'_>) {
    // Nobody reads this response; a fill's body is still copied into the
    // cache. The stored body is not opened again: the viewer's response
    // may still be streaming it, and an object has one active body stream
    // at a time.
    fetch_with(later.refresh.fetch(), Some(later.transaction), None).finish_unsent();
}

/// The lookup: the headers the origin would receive select among stored
/// variants (Vary), with the values core normalized. A lookup that waits
/// for another request's fill waits at most `limit` (as long as the
/// origin may take to answer that one, or what is left of it), then
/// [`CacheError::Timeout`]: a wedged fill must not hold it until the
/// platform's two-minute limit ends it.
fn begin(lookup: &Lookup<'_>, limit: Duration) -> Result<Transaction, CacheError> {
    let mut builder = Transaction::lookup(lookup.key().hash_hex().into())
        .timeout(limit.max(Duration::from_millis(1)));
    for (name, value) in &lookup.plan().origin_request.headers {
        builder = builder.header(name.as_ref(), value.as_ref());
    }
    builder
        .execute()
        .inspect_err(|e| log::warn!("edgecache: cache lookup failed: {e:?}"))
}

fn claimed(transaction: Option<&Transaction>) -> Claimed {
    match transaction {
        Some(transaction) if transaction.must_insert_or_update() => Claimed::Leader,
        _ => Claimed::Follower,
    }
}

/// Lets go of the write, if this request holds it: waiting requests retry.
fn release(transaction: Option<&Transaction>) {
    if let Some(transaction) = transaction.filter(|t| t.must_insert_or_update()) {
        let _ = transaction.cancel_insert_or_update();
    }
}

/// Asks the origin, then does what core says with its answer.
fn fetch_with(fetch: Fetch<'_>, transaction: Option<Transaction>, stale: Option<Stored>) -> Served {
    let transaction = if fetch.stores() {
        transaction
    } else {
        release(transaction.as_ref());
        None
    };
    let started = Instant::now();
    let result = shield::send(&fetch);
    let origin_ms = Some(respond::millis(started));
    let (mut response, route) = match result {
        Ok(sent) => sent,
        Err(failure) => {
            release(transaction.as_ref());
            return match fetch.failed(failure) {
                AfterFailure::FromCache(serve) => {
                    from_cache(serve, stale.as_ref(), origin_ms, Object::Whole)
                }
                AfterFailure::Respond(reply) => respond::edge(reply, origin_ms),
            };
        }
    };
    let owned = respond::origin_pairs(&mut response);
    let pairs: Vec<(&str, &[u8])> = owned
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_slice()))
        .collect();
    let status = response.get_status().as_u16();
    let answer = OriginResponse {
        status,
        headers: edgecache_core::Headers::new(&pairs),
    };
    let step = match route {
        Route::Origin => fetch.answered(answer),
        Route::Shield => fetch.answered_by_shield(answer),
    };
    drop(pairs);
    match step {
        AfterOrigin::Store(store) => match transaction {
            Some(transaction) => match checked(store, response) {
                Ok((store, response)) => insert(transaction, store, response, origin_ms),
                Err(unstored) => {
                    release(Some(&transaction));
                    respond::forward(unstored.1, unstored.0, origin_ms)
                }
            },
            None => respond::forward(
                response,
                store.serve.cache_failed().into_finish(),
                origin_ms,
            ),
        },
        AfterOrigin::Update(update) => {
            let serve = match transaction.map(|t| update_entry(t, &update.entry)) {
                Some(Ok(())) => update.serve,
                _ => update.serve.cache_failed(),
            };
            from_cache(serve, stale.as_ref(), origin_ms, Object::Whole)
        }
        AfterOrigin::Forward { finish, write } => {
            match (write, transaction) {
                (WriteEnd::HitForPass(marker), Some(transaction)) => mark(transaction, &marker),
                (_, transaction) => release(transaction.as_ref()),
            }
            respond::forward(response, finish, origin_ms)
        }
        AfterOrigin::FromCache(serve) => {
            release(transaction.as_ref());
            from_cache(serve, stale.as_ref(), origin_ms, Object::Whole)
        }
    }
}

/// Reads the body first when core must check it before it is stored;
/// `Err`: forward it, unstored, with core's report.
fn checked(
    store: Store,
    mut response: Response,
) -> Result<(Store, Response), Box<(Finish, Response)>> {
    if !store.checks_body() {
        return Ok((store, response));
    }
    let mut body = response.take_body();
    let mut read = Vec::new();
    let limit = u64::try_from(MAX_CHECKED_BODY + 1).unwrap_or(u64::MAX);
    let whole = (&mut body).take(limit).read_to_end(&mut read).is_ok();
    match store.checked(&read, whole) {
        Ok(store) => {
            response.set_body(read);
            Ok((store, response))
        }
        Err(finish) => {
            let mut all = Body::from(read);
            all.append(body);
            response.set_body(all);
            Err(Box::new((*finish, response)))
        }
    }
}

/// Whether a stored object is all written, or still being written by the
/// fill this request sends (its body then streams in as the fill goes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Object {
    Whole,
    Filling,
}

/// Serves a stored body: whole, or the byte range core cut.
fn from_cache(
    serve: FromCache,
    stored: Option<&Stored>,
    origin_ms: Option<u64>,
    object: Object,
) -> Served {
    let Some(stored) = stored else {
        return respond::edge(serve.unreadable(), origin_ms);
    };
    let reply = serve.reply(stored.known_length());
    let body = match reply.body {
        BodyPart::Whole => stored.to_stream(),
        BodyPart::Range { start, end } => stored.to_stream_from_range(Some(start), Some(end)),
        BodyPart::Empty => Ok(Body::new()),
    };
    let body = match (body, reply.body, object) {
        (Ok(body), BodyPart::Whole, Object::Whole) => whole_if_small(body, stored.known_length()),
        (body, ..) => body.map_err(|e| format!("{e:?}")),
    };
    match body {
        Ok(body) => respond::stored(reply, body, serve.into_finish(), origin_ms),
        Err(e) => {
            log::error!("edgecache: cannot read a stored body: {e}");
            respond::edge(serve.unreadable(), origin_ms)
        }
    }
}

/// The most of a stored body read into memory before it is sent.
const SMALL_BODY: u64 = 64 * 1024;

/// A small stored body read whole, so that the response goes out with its
/// head in one write: streamed, the head and the body leave in separate
/// writes, and on a kept-alive connection the second waits for the
/// viewer's delayed ACK (Nagle's algorithm): 40 ms more under Viceroy.
/// Larger bodies stream. A read that fails or ends short of the stored
/// length (a fill abandoned while this request waited on it) is an error:
/// the viewer gets the edge's answer, never a body that looks whole.
fn whole_if_small(mut body: Body, length: Option<u64>) -> Result<Body, String> {
    let Some(length) = length.filter(|length| *length <= SMALL_BODY) else {
        return Ok(body);
    };
    let mut read = Vec::new();
    match (&mut body).take(SMALL_BODY + 1).read_to_end(&mut read) {
        Ok(n) if n as u64 == length => Ok(Body::from(read)),
        Ok(n) => Err(format!("{n} of {length} stored bytes")),
        Err(e) => Err(e.to_string()),
    }
}

/// The platform's TTL for an entry fresh `fresh_for` seconds from
/// `stored_at`, on core's whole-second clock: the object goes stale on the
/// platform at the second core calls it stale. A TTL counted from the
/// insert itself would keep it fresh on the platform up to a second
/// longer, and in that second every request would find the write held by
/// no one (the platform calls the object fresh) and go to the origin.
fn platform_ttl(stored_at: u64, fresh_for: u64) -> Duration {
    let stale_at = UNIX_EPOCH.checked_add(Duration::from_secs(stored_at.saturating_add(fresh_for)));
    stale_at
        .and_then(|at| at.duration_since(SystemTime::now()).ok())
        .unwrap_or_default()
        .max(Duration::from_millis(1))
}

/// The request headers an entry varies on.
fn vary_names(entry: &NewEntry) -> Vec<HeaderName> {
    entry
        .vary
        .iter()
        .filter_map(|name| HeaderName::from_bytes(name.as_bytes()).ok())
        .collect()
}

/// Stores an origin response and streams it back to the viewer as it is
/// written: the viewer's response goes out first, then [`Fill::copy`]
/// copies the body into the cache. When the cache refuses it, the viewer
/// still gets the origin's.
fn insert(
    transaction: Transaction,
    store: Store,
    mut response: Response,
    origin_ms: Option<u64>,
) -> Served {
    let store = match store.within(MAX_OBJECT_BYTES) {
        Ok(store) => store,
        Err(finish) => {
            release(Some(&transaction));
            return respond::forward(response, *finish, origin_ms);
        }
    };
    let check = store.body_check();
    let key_hash = store.serve.finish().key().map(CacheKey::hash_hex);
    let own_key = fill_key(&key_hash.unwrap_or_default(), &nonce());
    let Store { entry, serve, .. } = store;
    if let Some(warning) = entry.tags_warning() {
        log::warn!("{warning}");
    }
    let vary = vary_names(&entry);
    let keys = entry.purge_keys.iter().chain([&own_key]);
    let mut builder = transaction
        .insert(platform_ttl(entry.head.meta.stored_at, entry.fresh_for))
        .stale_while_revalidate(Duration::from_secs(entry.stale_for))
        .surrogate_keys(keys.map(String::as_str))
        .user_metadata(entry.head.to_bytes().into());
    if let Some(length) = entry.length {
        builder = builder.known_length(length);
    }
    if !vary.is_empty() {
        builder = builder.vary_by(vary.iter());
    }
    let (writer, stored) = match builder.execute_and_stream_back() {
        Ok(pair) => pair,
        Err(e) => {
            log::error!("edgecache: cache insert failed: {e:?}");
            return respond::forward(response, serve.cache_failed().into_finish(), origin_ms);
        }
    };
    let fill = Fill {
        writer,
        body: response.take_body(),
        check,
        own_key,
    };
    from_cache(serve, Some(&stored), origin_ms, Object::Filling).filling(fill)
}

/// A body to copy into the cache entry being written, once the viewer's
/// response (streamed back from that entry) is on its way.
pub(crate) struct Fill {
    writer: StreamingBody,
    body: Body,
    check: BodyCheck,
    /// The fill's own surrogate key ([`fill_key`]): purged when the body
    /// is cut, so that the abandoned object is never found (Viceroy keeps
    /// an abandoned insert, and serves what it got of it).
    own_key: String,
}

/// The most Fastly stores in one cached object.
const MAX_OBJECT_BYTES: u64 = 100_000_000;

/// How much of the origin's body is read at a time.
const CHUNK: usize = 64 * 1024;

impl Fill {
    /// Copies the body, counting it: finishes the entry when the body
    /// arrived whole, abandons it otherwise (nothing is stored, waiting
    /// requests retry, and viewers reading it back see the cut).
    pub(crate) fn copy(self) -> Result<u64, BodyCut> {
        let Fill {
            mut writer,
            mut body,
            mut check,
            own_key,
        } = self;
        let copied = copy_checked(&mut body, &mut writer, &mut check);
        let finished = match copied {
            Ok(length) => writer.finish().map(|()| length).map_err(|e| {
                log::error!("edgecache: cache write failed: {e}");
                check.broke()
            }),
            Err(cut) => {
                let _ = writer.abandon();
                Err(cut)
            }
        };
        if let Err(cut) = &finished {
            log::warn!("edgecache: not stored: {cut}");
            if let Err(e) = purge_surrogate_key(&own_key) {
                log::error!("edgecache: cannot purge an abandoned fill: {e:?}");
            }
        }
        finished
    }
}

/// Something unique to this fill: the clock's nanoseconds, and how many
/// fills this instance made before (an instance serves requests one after
/// another).
fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static FILLS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos}.{}", FILLS.fetch_add(1, Ordering::Relaxed))
}

/// Copies `body` into `writer` through `check`. On `Err` the writer is
/// left unfinished: dropping it abandons the entry.
fn copy_checked(
    body: &mut Body,
    writer: &mut StreamingBody,
    check: &mut BodyCheck,
) -> Result<u64, BodyCut> {
    for chunk in body.read_chunks(CHUNK) {
        let chunk = chunk.map_err(|_| check.broke())?;
        check.received(chunk.len())?;
        writer.write_all(&chunk).map_err(|_| check.broke())?;
    }
    check.ended()
}

/// Updates a stored entry's head after a 304.
fn update_entry(transaction: Transaction, entry: &NewEntry) -> Result<(), ()> {
    let vary = vary_names(entry);
    let mut update = transaction
        .update(platform_ttl(entry.head.meta.stored_at, entry.fresh_for))
        .stale_while_revalidate(Duration::from_secs(entry.stale_for))
        .surrogate_keys(entry.purge_keys.iter().map(String::as_str))
        .user_metadata(entry.head.to_bytes().into());
    if !vary.is_empty() {
        update = update.vary_by(vary.iter());
    }
    update
        .execute()
        .map_err(|e| log::warn!("edgecache: cache update failed: {e:?}"))
}

/// Stores a hit-for-pass marker in place of the entry.
fn mark(transaction: Transaction, marker: &Marker) {
    let writer = transaction
        .insert(platform_ttl(marker.head.meta.stored_at, marker.ttl))
        .user_metadata(marker.head.to_bytes().into())
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
