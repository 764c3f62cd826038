//! Core's request flow on the Workers Cache API (`caches.default`). This
//! module does the I/O of each step; core decides every one.
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

use std::cell::Cell;
use std::time::Duration;

use edgecache_core::flow::{
    AfterClaim, AfterFailure, AfterLookup, AfterOrigin, BodyCut, BodyPart, Claimed, Entry, Fetch,
    Finish, Found, FromCache, Lookup, MAX_CHECKED_BODY, Marker, NewEntry, Refresh, Store, Write,
    WriteEnd,
};
use edgecache_core::{Headers, OriginResponse, StoredHead, VaryRule, cache_tag_value};
use futures_util::future::LocalBoxFuture;
use worker::{Cache, Response, ResponseBody};

use crate::body::{self, Verdict};
use crate::collapse::{self, Leader};
use crate::origin;
use crate::purge;
use crate::respond::{self, Served};

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
/// The most a Worker stores in one object (the Cache API takes 512 MB):
/// a fill's body is teed, and a viewer slower than the cache's branch
/// makes the isolate (128 MB) queue what that branch read ahead.
const MAX_OBJECT_BYTES: u64 = 64 * 1024 * 1024;
/// The most of fill bodies that an isolate tees at once, counted by their
/// declared length (by [`UNDECLARED_TEED`] when they declare none): a
/// fill past it is served uncached (`cache-unavailable`).
const MAX_TEED_FILLS: usize = 64 * 1024 * 1024;
/// What a fill of no declared length counts for in [`MAX_TEED_FILLS`]:
/// API answers streamed in chunks are mostly small, and counting them at
/// the most they may hold would leave room for four at a time.
const UNDECLARED_TEED: u64 = 1024 * 1024;
/// The largest body read whole before it is put: a larger one is put as
/// it streams.
const MAX_BUFFERED_FILL: usize = 16 * 1024 * 1024;
/// The most of fill bodies an isolate holds at once (it has 128 MB): the
/// fills beyond are put as they stream.
const MAX_BUFFERED_FILLS: usize = 32 * 1024 * 1024;
/// The path under which entries are stored, on the zone's own host.
const ENTRY_PATH: &str = "/.edgecache/entry/";

/// Milliseconds on the runtime's clock.
pub(crate) fn now_ms() -> f64 {
    worker::js_sys::Date::now()
}

/// Whole milliseconds since `started`.
pub(crate) fn elapsed_ms(started: f64) -> u64 {
    // Far below u64::MAX.
    (now_ms() - started).max(0.0) as u64
}

/// Where a key's entries live: under the viewer's origin (the zone in
/// production; the Cache API is per zone) and the key's hash.
#[derive(Clone)]
pub(crate) struct Place {
    /// Whether the Cache API stores anything for this host: nothing on
    /// `*.workers.dev`, where `put` still resolves ("Cache API" docs).
    cacheable: bool,
    /// The key's URL: its entry, or its Vary index.
    key_url: String,
    /// The URL the lookup read last: the key's, or the variant's its
    /// index named. A hit-for-pass marker goes there, never over an index.
    read_url: String,
}

impl Place {
    pub(crate) fn new(viewer_origin: &str, lookup: &Lookup<'_>) -> Place {
        let host = viewer_origin.rsplit("://").next().unwrap_or_default();
        let host = host.split(':').next().unwrap_or_default();
        Place {
            cacheable: !host.to_ascii_lowercase().ends_with(".workers.dev"),
            key_url: format!("{viewer_origin}{ENTRY_PATH}{}", lookup.key().hash_hex()),
            read_url: String::new(),
        }
    }

    /// Where an entry that varies by `rule` is stored.
    fn entry_url(&self, rule: &VaryRule) -> String {
        if rule.is_empty() {
            self.key_url.clone()
        } else {
            format!("{}/{}", self.key_url, rule.variant_id())
        }
    }
}

/// What a lookup read: what core is told, where it was, and the body.
struct Read {
    found: Found,
    /// The URL read last (the key's, or a variant's): the one to claim.
    url: String,
    body: Option<ResponseBody>,
}

/// Serves a cacheable request.
pub(crate) async fn serve(mut lookup: Lookup<'static>, mut place: Place) -> Served {
    loop {
        let read = read(&lookup, &place).await;
        place.read_url.clone_from(&read.url);
        let claim = match lookup.found(read.found, Write::OnRequest) {
            AfterLookup::Serve(serve) => return from_cache(serve, read.body, None).await,
            AfterLookup::ServeStale(serve, refresh) => {
                let mut served = from_cache(serve, read.body, None).await;
                // One refresh per entry at a time; the others serve stale.
                if let Ok(leader) = collapse::claim(&read.url) {
                    served.after(refresh_later(refresh, leader, place, read.url));
                }
                return served;
            }
            AfterLookup::Fetch(fetch) => return fetch_with(fetch, None, read.body, place).await,
            AfterLookup::Claim(claim) => claim,
            // Core asks to wait only where the platform hands out stale
            // copies without a claim (not here): look again, once.
            AfterLookup::Wait(wait) => {
                lookup = wait.again();
                continue;
            }
        };
        let limit = claim.wait_limit_ms();
        let (claimed, leader, holder) = match collapse::claim(&read.url) {
            Ok(leader) => (Claimed::Leader, Some(leader), None),
            Err(holder) => (Claimed::Follower, None, Some(holder)),
        };
        match claim.claimed(claimed) {
            AfterClaim::Fetch(fetch) => return fetch_with(fetch, leader, read.body, place).await,
            AfterClaim::Wait(again) => {
                if let Some(holder) = holder {
                    collapse::wait(holder, Duration::from_millis(limit)).await;
                }
                lookup = again;
            }
        }
    }
}

/// Refreshes a stale entry after the viewer was answered from it.
async fn refresh_later(refresh: Box<Refresh<'static>>, leader: Leader, place: Place, url: String) {
    // A 304 keeps the stored body: read it again, and refresh only if it
    // is still the entry that was served (another isolate may have
    // replaced or purged it meanwhile).
    let found = match Cache::default().get(url.as_str(), false).await {
        Ok(Some(found)) => found,
        _ => return,
    };
    let head = found.headers().get(HEAD_HEADER).ok().flatten();
    let same = head.and_then(|v| StoredHead::from_header_value(&v).ok());
    if same.is_none_or(|head| !head.meta.same_entry(refresh.meta())) {
        return;
    }
    let body = Some(found.into_parts().1);
    let served = fetch_with(refresh.fetch(), Some(leader), body, place).await;
    served.finish_background().await;
}

/// Reads the key's entry: directly, or through its Vary index.
async fn read(lookup: &Lookup<'_>, place: &Place) -> Read {
    let mut url = place.key_url.clone();
    if !place.cacheable {
        // What really happens there: nothing is stored, so nothing is
        // looked up, and core says `cache-unavailable`.
        return Read {
            found: Found::Unavailable,
            url,
            body: None,
        };
    }
    let cache = Cache::default();
    let mut found = cache.get(url.as_str(), false).await;
    let names = match &found {
        Ok(Some(index)) => index.headers().get(VARY_INDEX_HEADER).ok().flatten(),
        _ => None,
    };
    if let Some(names) = names {
        let rule = VaryRule::for_request(names.split(',').map(str::trim), lookup.plan());
        url = place.entry_url(&rule);
        found = cache.get(url.as_str(), false).await;
    }
    let response = match found {
        Ok(Some(response)) => response,
        Ok(None) => return read_nothing(url),
        Err(e) => {
            worker::console_warn!("edgecache: cache lookup failed: {e}");
            return Read {
                found: Found::Unavailable,
                url,
                body: None,
            };
        }
    };
    let header = |name: &str| response.headers().get(name).ok().flatten();
    // An unreadable head is nothing: the next fill replaces it.
    let Some(head) = header(HEAD_HEADER).and_then(|v| StoredHead::from_header_value(&v).ok())
    else {
        return read_nothing(url);
    };
    let fetched_ms = header(FETCHED_HEADER)
        .and_then(|v| v.parse().ok())
        .unwrap_or(head.meta.stored_at.saturating_mul(1000));
    let entry = Entry {
        purge: purge::verdict(&lookup.purge_keys_of(&head), fetched_ms),
        body_length: header("content-length").and_then(|v| v.trim().parse().ok()),
        ..Entry::new(head)
    };
    Read {
        found: Found::Entry(entry),
        url,
        body: Some(response.into_parts().1),
    }
}

fn read_nothing(url: String) -> Read {
    Read {
        found: Found::Nothing,
        url,
        body: None,
    }
}

/// Asks the origin, then does what core says with its answer. `leader`
/// is the write, when this request holds it; it is let go of once the
/// entry is written (or known not to be).
async fn fetch_with(
    fetch: Fetch<'static>,
    leader: Option<Leader>,
    stale: Option<ResponseBody>,
    place: Place,
) -> Served {
    let started = now_ms();
    let request = fetch.request();
    let between = Duration::from_millis(request.origin.between_bytes_timeout_ms);
    let result = origin::send(&request, None).await;
    drop(request);
    let origin_ms = Some(elapsed_ms(started));
    let response = match result {
        Ok(response) => response,
        Err(failure) => {
            return match fetch.failed(failure) {
                AfterFailure::FromCache(serve) => from_cache(serve, stale, origin_ms).await,
                AfterFailure::Respond(reply) => respond::edge(reply, origin_ms),
            };
        }
    };
    let status = response.status_code();
    let owned = respond::owned(response.headers());
    let pairs = respond::pairs(&owned);
    let step = fetch.answered(OriginResponse {
        status,
        headers: Headers::new(&pairs),
    });
    let body = response.into_parts().1;
    let forwarded = |body| respond::build(status, respond::to_headers(pairs.iter().copied()), body);
    match (step, leader) {
        (AfterOrigin::Store(store), Some(leader)) => match checked(store, body).await {
            Ok((store, body)) => {
                let store = match store.within(MAX_OBJECT_BYTES) {
                    Ok(store) => store,
                    Err(finish) => return respond::forward(forwarded(body), *finish, origin_ms),
                };
                let teeing = store.entry.length.unwrap_or(UNDECLARED_TEED);
                let Some(teed) = Share::claim(Pool::Teed, teeing) else {
                    worker::console_warn!(
                        "edgecache: not stored: this isolate already tees {MAX_TEED_FILLS} bytes of fills"
                    );
                    let finish = store.serve.cache_failed().into_finish();
                    return respond::forward(forwarded(body), finish, origin_ms);
                };
                // The viewer gets all of a body the cache may not keep: the
                // storage limit applies to the cache's branch only.
                let check = store.body_check();
                let limit = check.limit();
                let (body, verdict) = body::checked(body, check.without_limit(), between);
                let report = Report {
                    finish: store.serve.finish().clone(),
                    status,
                    origin_ms,
                    limit,
                };
                if let Some(warning) = store.entry.tags_warning() {
                    worker::console_warn!("{warning}");
                }
                let keep = Keep::new(place, store.entry, leader, started)
                    .checked(verdict, report)
                    .teeing(teed);
                keep.serve(store.serve, body, origin_ms).await
            }
            Err((finish, body)) => respond::forward(forwarded(body), *finish, origin_ms),
        },
        (AfterOrigin::Store(store), None) => {
            let finish = store.serve.cache_failed().into_finish();
            respond::forward(forwarded(body), finish, origin_ms)
        }
        (AfterOrigin::Update(update), leader) => {
            // The stored body stays: the origin's 304 has none.
            respond::discard(body);
            match (stale, leader) {
                (Some(stale), Some(leader)) => {
                    let keep = Keep::new(place, update.entry, leader, started);
                    keep.serve(update.serve, stale, origin_ms).await
                }
                (stale, _) => from_cache(update.serve.cache_failed(), stale, origin_ms).await,
            }
        }
        (AfterOrigin::Forward { finish, write }, leader) => {
            if let (WriteEnd::HitForPass(marker), Some(leader)) = (write, leader) {
                mark_hit_for_pass(&place, &marker, leader).await;
            }
            respond::forward(forwarded(body), finish, origin_ms)
        }
        (AfterOrigin::FromCache(serve), _) => {
            respond::discard(body);
            from_cache(serve, stale, origin_ms).await
        }
    }
}

/// Reads the body first when core must check it before it is stored;
/// `Err`: forward it, unstored, with core's report.
async fn checked(
    store: Store,
    body: ResponseBody,
) -> Result<(Store, ResponseBody), (Box<Finish>, ResponseBody)> {
    if !store.checks_body() {
        return Ok((store, body));
    }
    let (read, whole, rest) = respond::read_at_most(body, MAX_CHECKED_BODY + 1).await;
    match store.checked(&read, whole) {
        Ok(store) => Ok((store, ResponseBody::Body(read))),
        Err(finish) => Err((finish, respond::prefixed(read, rest))),
    }
}

/// An entry to write once the viewer is answered, with the right to
/// write it.
struct Keep {
    place: Place,
    entry: NewEntry,
    leader: Leader,
    /// When the origin was asked (Unix milliseconds): purges after it
    /// purge the entry.
    fetched_ms: f64,
    /// For a fill: how its body ended, and the request's report to log
    /// again when it did not arrive whole.
    checked: Option<(Verdict, Report)>,
    /// For a fill: its share of the isolate's teed bytes, until it is put.
    teed: Option<Share>,
}

/// What the log line of a request whose fill was cut is made of.
struct Report {
    finish: Finish,
    status: u16,
    origin_ms: Option<u64>,
    /// The most of the body that may be stored.
    limit: u64,
}

impl Report {
    /// Logs the request's line again, with what really happened: the
    /// fill's body was cut, and nothing was stored.
    fn log(self, cut: BodyCut) {
        worker::console_warn!("edgecache: not stored: {cut}");
        crate::respond::log(&self.finish.cut(cut), self.status, self.origin_ms, None);
    }
}

/// How a checked body failed to be storable, once known: cut, or longer
/// than may be stored.
fn cut(checked: Option<&(Verdict, Report)>) -> Option<BodyCut> {
    let (verdict, report) = checked?;
    match verdict.get()? {
        Err(cut) => Some(cut),
        Ok(length) if length > report.limit => Some(BodyCut::TooLarge {
            limit: report.limit,
        }),
        Ok(_) => None,
    }
}

thread_local! {
    /// Bytes of fill bodies this isolate holds until they are put.
    static BUFFERED: Cell<usize> = const { Cell::new(0) };
    /// Bytes of fill bodies this isolate tees until they are put.
    static TEED: Cell<usize> = const { Cell::new(0) };
}

/// What a fill's body takes of the isolate's memory.
#[derive(Clone, Copy)]
enum Pool {
    /// Read whole before the put ([`MAX_BUFFERED_FILLS`]).
    Buffered,
    /// Teed between the viewer and the cache ([`MAX_TEED_FILLS`]).
    Teed,
}

impl Pool {
    fn cap(self) -> usize {
        match self {
            Pool::Buffered => MAX_BUFFERED_FILLS,
            Pool::Teed => MAX_TEED_FILLS,
        }
    }

    fn with<T>(self, f: impl FnOnce(&Cell<usize>) -> T) -> T {
        match self {
            Pool::Buffered => BUFFERED.with(f),
            Pool::Teed => TEED.with(f),
        }
    }
}

/// The right to hold `bytes` of fill bodies in one of the isolate's
/// pools; given back when dropped.
struct Share {
    pool: Pool,
    bytes: usize,
}

impl Share {
    fn claim(pool: Pool, bytes: u64) -> Option<Share> {
        let bytes = usize::try_from(bytes).ok()?;
        pool.with(|held| {
            let total = held.get().checked_add(bytes)?;
            (total <= pool.cap()).then(|| {
                held.set(total);
                Share { pool, bytes }
            })
        })
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        self.pool
            .with(|held| held.set(held.get().saturating_sub(self.bytes)));
    }
}

impl Keep {
    /// `entry`, to write under `place` with the write `leader` holds, its
    /// origin asked at `fetched_ms`.
    fn new(place: Place, entry: NewEntry, leader: Leader, fetched_ms: f64) -> Keep {
        Keep {
            place,
            entry,
            leader,
            fetched_ms,
            checked: None,
            teed: None,
        }
    }

    /// The same, its body checked: stored only when `verdict` says it
    /// arrived whole.
    fn checked(self, verdict: Verdict, report: Report) -> Keep {
        Keep {
            checked: Some((verdict, report)),
            ..self
        }
    }

    /// The same, holding `teed` of the isolate's teed bytes until it is put.
    fn teeing(self, teed: Share) -> Keep {
        Keep {
            teed: Some(teed),
            ..self
        }
    }

    /// Serves `body` under the entry's head and stores a copy once the
    /// response is sent: the body is teed, one branch streaming to the
    /// viewer, the other into the cache. When it cannot be copied, the
    /// viewer still gets it, and nothing is stored.
    async fn serve(self, serve: FromCache, body: ResponseBody, origin_ms: Option<u64>) -> Served {
        match tee(body) {
            Ok((body, copy)) => {
                // The viewer's branch carries the declared length, so that a
                // body cut short cuts the viewer's connection too.
                let body = match self.entry.length {
                    Some(length) => respond::fixed_length(body, length),
                    None => body,
                };
                let mut served = from_cache(serve, Some(body), origin_ms).await;
                served.after(self.put(copy));
                served
            }
            Err((body, e)) => {
                worker::console_error!("edgecache: cannot copy a body for the cache: {e}");
                from_cache(serve.cache_failed(), Some(body), origin_ms).await
            }
        }
    }

    /// Writes the entry (and, when it varies, the key's Vary index), then
    /// lets waiting requests read it.
    fn put(self, body: ResponseBody) -> LocalBoxFuture<'static, ()> {
        Box::pin(async move {
            let Keep {
                place,
                entry,
                leader,
                fetched_ms,
                checked,
                // Held until the put is done, whichever way it ends.
                teed: _teed,
            } = self;
            let cache = Cache::default();
            let url = place.entry_url(&entry.head.meta.vary);
            // Milliseconds since 1970, far below 2^53.
            let fetched = (fetched_ms as u64).to_string();
            let head = entry.head.to_header_value();
            // Tagged with its purge keys, so that Cloudflare's purge by tag
            // deletes it in every data center.
            let tags = cache_tag_value(&entry.purge_keys);
            let headers = [
                (HEAD_HEADER, head.as_str()),
                (FETCHED_HEADER, &fetched),
                ("cache-tag", &tags),
            ];
            // A body up to MAX_BUFFERED_FILL is put only once it has
            // arrived whole, while the isolate holds less than
            // MAX_BUFFERED_FILLS of such bodies (one of no declared length
            // reserves the most it may hold): a put whose body fails
            // midway may still keep what it got (workerd does), and would
            // replace a stale copy with it. Any other body is put as it
            // streams, and deleted when it fails.
            let reserve = entry.length.unwrap_or(MAX_BUFFERED_FILL as u64);
            let buffering = (reserve <= MAX_BUFFERED_FILL as u64)
                .then(|| Share::claim(Pool::Buffered, reserve))
                .flatten();
            let (body, streamed) = match &buffering {
                Some(_) => match respond::read_at_most(body, MAX_BUFFERED_FILL).await {
                    (read, true, _) => (Some(ResponseBody::Body(read)), false),
                    // Longer than it may hold: the rest is put as it streams.
                    (read, false, rest @ Some(_)) => (Some(respond::prefixed(read, rest)), true),
                    (_, false, None) => (None, false),
                },
                None => (Some(body), true),
            };
            let put = match body {
                Some(body) if cut(checked.as_ref()).is_none() => {
                    let stored = stored_response(entry.keep_for, &headers, body);
                    cache
                        .put(url.as_str(), stored)
                        .await
                        .map_err(|e| e.to_string())
                }
                // Nothing was put: an entry it would have replaced stays.
                _ => Err("the body broke".to_string()),
            };
            drop(buffering);
            let failed = match (put, cut(checked.as_ref())) {
                (Ok(()), None) => None,
                (Ok(()), Some(cut)) => Some(Ok(cut)),
                (Err(_), Some(cut)) => Some(Ok(cut)),
                (Err(e), None) => Some(Err(e)),
            };
            if let Some(failed) = failed {
                if streamed {
                    // Whatever part of a streamed put was kept is not served
                    // (the entry it replaced is gone with it).
                    let _ = cache.delete(url.as_str(), false).await;
                }
                match (failed, checked) {
                    (Ok(cut), Some((_, report))) => report.log(cut),
                    (Ok(cut), None) => worker::console_warn!("edgecache: not stored: {cut}"),
                    (Err(e), _) => worker::console_error!("edgecache: cache write failed: {e}"),
                }
                drop(leader);
                return;
            }
            if !entry.vary.is_empty() {
                let names = entry.vary.join(", ");
                let index = [(VARY_INDEX_HEADER, names.as_str())];
                let index = stored_response(VARY_INDEX_KEEP_FOR, &index, ResponseBody::Empty);
                if let Err(e) = cache.put(place.key_url.as_str(), index).await {
                    worker::console_error!("edgecache: cache write failed: {e}");
                }
            }
            drop(leader);
        })
    }
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

/// Stores a hit-for-pass marker where the lookup read: under the key, or
/// under the variant, leaving the key's Vary index in place.
async fn mark_hit_for_pass(place: &Place, marker: &Marker, leader: Leader) {
    let head = marker.head.to_header_value();
    let stored = stored_response(marker.ttl, &[(HEAD_HEADER, &head)], ResponseBody::Empty);
    if let Err(e) = Cache::default().put(place.read_url.as_str(), stored).await {
        worker::console_warn!("edgecache: cannot store a hit-for-pass marker: {e}");
    }
    drop(leader);
}

/// Serves a stored body: whole, or the byte range core cut from it, read
/// from the stored stream as it comes (never the whole body in memory).
async fn from_cache(
    serve: FromCache,
    body: Option<ResponseBody>,
    origin_ms: Option<u64>,
) -> Served {
    let Some(body) = body else {
        return respond::edge(serve.unreadable(), origin_ms);
    };
    let length = match &body {
        ResponseBody::Body(bytes) => u64::try_from(bytes.len()).ok(),
        ResponseBody::Empty => Some(0),
        ResponseBody::Stream(_) => serve.stored_length(),
    };
    let reply = serve.reply(length);
    let body = match reply.body {
        BodyPart::Whole => body,
        BodyPart::Range { start, end } => respond::slice(body, start, end),
        // A 304 or 416 sends nothing: the stored stream is cancelled, so
        // that a fill's other branch does not hold the body for it.
        BodyPart::Empty => {
            respond::discard(body);
            ResponseBody::Empty
        }
    };
    respond::stored(reply, body, serve.into_finish(), origin_ms)
}
