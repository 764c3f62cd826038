//! After the origin answers a fetch for the cache (or fails to): store,
//! refresh, pass its answer on, or let a stale copy stand in.

use crate::cache_status::{CacheOutcome, StaleReason};
use crate::config::Seconds;
use crate::entry::{EntryMeta, HIT_FOR_PASS_TTL};
use crate::headers::Headers;
use crate::key::CacheKey;
use crate::purge::entry_purge_keys;
use crate::reason::{OriginFailure, PassReason};
use crate::request::OriginRequest;
use crate::response::{OriginResponse, ResponseDecision, StoreDecision, decide_watching};
use crate::serve::{
    Revalidation, conditional_headers, is_origin_failure, revalidate, usable_on_error,
};
use crate::shield::{SHIELD_ANSWER_HEADER, ShieldRequest};
use crate::stored::StoredHead;
use crate::unkeyed::{BodyScan, Watched};

use super::body_check::BodyCheck;
use super::exchange::Exchange;
use super::finish::{EdgeReply, Finish};
use super::from_cache::FromCache;

/// What a fetch may do with the cache.
#[derive(Debug, Clone)]
pub(crate) enum Storing {
    /// Store the answer: this request holds the write.
    Fill,
    /// Revalidate this stale entry (conditionally, when it has
    /// validators), which stands in if the origin fails: this request
    /// holds the write.
    Revalidate(StoredHead),
    /// Store nothing, for this reason; the stale entry, when there is one,
    /// still stands in if the origin fails (RFC 5861 section 4): another
    /// request holds the write, not the entry.
    Nothing(PassReason, Option<StoredHead>),
}

impl Storing {
    /// The same fetch without the write, for `reason`: the stale entry
    /// stays the stand-in.
    pub(crate) fn without_write(self, reason: PassReason) -> Storing {
        Storing::Nothing(reason, self.into_stale())
    }

    /// The stale entry that stands in if the origin fails.
    fn stale(&self) -> Option<&StoredHead> {
        match self {
            Storing::Revalidate(stale) | Storing::Nothing(_, Some(stale)) => Some(stale),
            Storing::Fill | Storing::Nothing(_, None) => None,
        }
    }

    fn into_stale(self) -> Option<StoredHead> {
        match self {
            Storing::Revalidate(stale) | Storing::Nothing(_, Some(stale)) => Some(stale),
            Storing::Fill | Storing::Nothing(_, None) => None,
        }
    }
}

/// Send [`Fetch::request`] to the origin, then report with
/// [`Fetch::answered`].
#[derive(Debug)]
pub struct Fetch<'c> {
    ex: Exchange<'c>,
    key: CacheKey,
    storing: Storing,
}

/// What to do after the origin answered a fetch with a response.
#[derive(Debug)]
pub enum AfterOrigin {
    /// Store the origin's response and serve it from what is stored. When
    /// the platform's cache refuses the write, forward the origin's
    /// response with `store.serve.cache_failed().into_finish()`; check
    /// the body first when [`Store::checks_body`].
    Store(Store),
    /// The origin confirmed the stale entry (304): update its head and
    /// serve the stored body.
    Update(Update),
    /// Forward the origin's response as received, stored nowhere; then end
    /// the write as told.
    Forward {
        /// What happened.
        finish: Finish,
        /// What to do with the write, if held.
        write: WriteEnd,
    },
    /// Serve the stored body as it is (stale-if-error, or a 304 whose
    /// refreshed response may not be kept); let go of the write.
    FromCache(FromCache),
}

/// What to do when the origin gave no response; either way, let go of
/// the write.
// One step, consumed at once: a box would cost an allocation for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum AfterFailure {
    /// Serve the stale entry's stored body (stale-if-error).
    FromCache(FromCache),
    /// The edge's own 502 or 504.
    Respond(EdgeReply),
}

/// How a write this request holds ends when nothing is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteEnd {
    /// Let go of it (cancel): the next request tries again.
    Release,
    /// Store this marker in its place: the answer is uncacheable, so the
    /// requests waiting for it, and those to come for a while, go to the
    /// origin at once instead of queueing (hit-for-pass).
    HitForPass(Marker),
}

/// A hit-for-pass marker: a head and no body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The head to store.
    pub head: StoredHead,
    /// How long to keep it.
    pub ttl: Seconds,
}

/// An entry to write: what the platform's cache needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// Stored beside the body.
    pub head: StoredHead,
    /// Seconds it stays fresh from now.
    pub fresh_for: Seconds,
    /// Seconds it is kept after it goes stale.
    pub stale_for: Seconds,
    /// Seconds the platform keeps it: fresh plus stale.
    pub keep_for: Seconds,
    /// Lower-case request header names it varies on (empty: none).
    pub vary: Vec<String>,
    /// Its purge keys and the origin's tags (Fastly: surrogate keys).
    pub purge_keys: Vec<String>,
    /// The origin's tags dropped past [`crate::MAX_TAG_BYTES`], for the
    /// log: the entry is stored under the others.
    pub tags_dropped: usize,
    /// The body's length when the origin declared it, for a body that is
    /// not content-coded ([`StoredHead::declared_length`]).
    pub length: Option<u64>,
}

impl NewEntry {
    /// The warning to log when the origin's tags ran past what an entry
    /// keeps ([`crate::MAX_TAG_BYTES`]); the entry is stored all the same.
    pub fn tags_warning(&self) -> Option<String> {
        (self.tags_dropped > 0).then(|| {
            format!(
                "edgecache: {} of the origin's tags dropped, past the tags that fit in {} bytes; stored under the others",
                self.tags_dropped,
                crate::MAX_TAG_BYTES
            )
        })
    }
}

/// Store an origin response, and serve it. When [`Store::checks_body`],
/// read the body first and let [`Store::checked`] decide.
#[derive(Debug)]
pub struct Store {
    /// What to write.
    pub entry: NewEntry,
    /// How to serve it once written.
    pub serve: FromCache,
    /// The poisoning guard's scan, when the request carried unkeyed input
    /// values an answer could echo.
    scan: Option<BodyScan>,
    /// The most of the body that may be stored: the cache policy's
    /// `max_object_bytes`, lowered to the platform's by [`Store::within`].
    limit: u64,
}

/// The most of a body read before it is stored, to check that it echoes
/// no unkeyed input. A larger body is served, not stored.
pub const MAX_CHECKED_BODY: usize = 4 * 1024 * 1024;

impl Store {
    /// Whether the body must be read and [`Store::checked`] before it is
    /// stored: the request carried values of unkeyed inputs (query
    /// parameters, cookies, headers) that the answer could echo.
    pub fn checks_body(&self) -> bool {
        self.scan.is_some()
    }

    /// The check the body's bytes go through as they are copied into the
    /// cache: a body that does not arrive whole is never stored (abandon
    /// the write, and report [`Finish::cut`]).
    pub fn body_check(&self) -> BodyCheck {
        BodyCheck::new(self.entry.length).limited(self.limit)
    }

    /// Decides on the platform's limit, `platform_limit` bytes in one
    /// object: `Err` (forward the response with this report, storing
    /// nothing) when the body's declared length is over it, or over the
    /// cache policy's `max_object_bytes`. A body of no declared length is
    /// held to the same limit as it is copied ([`Store::body_check`]).
    pub fn within(mut self, platform_limit: u64) -> Result<Store, Box<Finish>> {
        self.limit = self.limit.min(platform_limit);
        match self.entry.length {
            Some(length) if length > self.limit => Err(Box::new(
                self.serve.not_stored(PassReason::TooLarge).into_finish(),
            )),
            _ => Ok(self),
        }
    }

    /// Decides on the body read so far: `body`, the first bytes (at most
    /// [`MAX_CHECKED_BODY`] and one), `whole` when that is all of it.
    /// `Ok`: store it. `Err`: forward the response with this report,
    /// storing nothing: it echoes an unkeyed input, or it is too large to
    /// check.
    pub fn checked(mut self, body: &[u8], whole: bool) -> Result<Store, Box<Finish>> {
        let Some(mut scan) = self.scan.take() else {
            return Ok(self);
        };
        let reason = if scan.feed(body) {
            PassReason::ReflectedUnkeyedInput
        } else if !whole || body.len() > MAX_CHECKED_BODY {
            PassReason::UncheckedBody
        } else {
            return Ok(self);
        };
        Err(Box::new(self.serve.not_stored(reason).into_finish()))
    }
}

/// Update a stored entry's head after a 304, and serve its body.
#[derive(Debug)]
pub struct Update {
    /// The updated entry (the body stays as stored).
    pub entry: NewEntry,
    /// How to serve it; `serve.cache_failed()` when the update fails.
    pub serve: FromCache,
}

impl<'c> Fetch<'c> {
    pub(crate) fn new(ex: Exchange<'c>, key: CacheKey, storing: Storing) -> Fetch<'c> {
        Fetch { ex, key, storing }
    }

    /// The key fetched for.
    pub fn key(&self) -> &CacheKey {
        &self.key
    }

    /// The request to send: conditional on the stale entry's validators
    /// when revalidating (RFC 9111 section 4.3.1).
    pub fn request(&self) -> OriginRequest<'c, 'static> {
        match &self.storing {
            Storing::Revalidate(stale) => self
                .ex
                .plan
                .origin_request
                .revalidating(&stale.meta.validators),
            Storing::Fill | Storing::Nothing(..) => self.ex.plan.origin_request.clone(),
        }
    }

    /// The request to send the origin's shield POP instead of
    /// [`Fetch::request`], when the origin has one (Fastly's shielding,
    /// [`crate::shield`]) and this request did not come from a POP itself;
    /// `token` is the service's edge token. The adapter sends it only
    /// where it does not run on that POP.
    pub fn shield_request(&self, token: &str) -> Option<ShieldRequest> {
        let origin = self.ex.plan.origin_request.origin;
        let (pop, copy) = (origin.shield.as_ref()?, self.ex.viewer_copy.as_ref()?);
        let validators = match &self.storing {
            Storing::Revalidate(stale) => conditional_headers(&stale.meta.validators),
            Storing::Fill | Storing::Nothing(..) => Vec::new(),
        };
        let validators: Vec<(&str, &[u8])> = validators
            .iter()
            .map(|(name, value)| (*name, value.as_bytes()))
            .collect();
        let method = self.ex.plan.origin_request.method.as_str();
        Some(copy.request(pop, method, &validators, token))
    }

    /// Whether this fetch stores what it gets. When it does not, a write
    /// the platform handed this request must be let go of before the
    /// origin is asked, so that other requests need not wait for it.
    pub fn stores(&self) -> bool {
        !matches!(self.storing, Storing::Nothing(..))
    }

    /// Decides from the shield POP's response to
    /// [`Fetch::shield_request`]: as [`Fetch::answered`], except that an
    /// answer the shield did not mark as one to a POP
    /// ([`crate::shield::SHIELD_ANSWER_HEADER`]), but a 304, is not
    /// stored: it lacks the fields a stored copy needs
    /// (`shield-unrecognized`).
    pub fn answered_by_shield(self, response: OriginResponse<'_>) -> AfterOrigin {
        // A 304 confirms the validators this POP sent, marked or not: the
        // stored copy is refreshed from it as from the origin's (its own
        // fields for caches stay).
        if response.headers.contains(SHIELD_ANSWER_HEADER) || response.status == 304 {
            return self.answered(response);
        }
        let storing = self.storing.without_write(PassReason::ShieldUnrecognized);
        Fetch { storing, ..self }.answered(response)
    }

    /// Decides from the origin's response: its status and headers (the
    /// body stays with the platform).
    pub fn answered(self, response: OriginResponse<'_>) -> AfterOrigin {
        let (status, headers) = (response.status, response.headers);
        if is_origin_failure(status)
            && let Some(stale) = self.storing.stale()
            && usable_on_error(&stale.meta, self.ex.now)
        {
            let reason = StaleReason::OriginError {
                status: Some(status),
            };
            let outcome = CacheOutcome::stale(&stale.meta, self.ex.now, reason);
            return AfterOrigin::FromCache(FromCache::new(&self.ex, stale.clone(), outcome));
        }
        let Fetch { ex, key, storing } = self;
        let reason = match &storing {
            Storing::Revalidate(stale) if status == 304 => {
                return not_modified(&ex, &key, stale.clone(), &headers);
            }
            Storing::Nothing(reason, _) => *reason,
            Storing::Fill | Storing::Revalidate(_) => {
                let response = OriginResponse { status, headers };
                let watched = Watched::of(&ex.plan);
                match decide_watching(ex.config, &ex.plan, &response, ex.now, &watched) {
                    ResponseDecision::Store(decision) => {
                        return store(&ex, &key, &decision, (status, &headers), &watched);
                    }
                    ResponseDecision::Pass(reason) => {
                        let outcome = CacheOutcome::Miss {
                            status,
                            stored: Err(reason),
                        };
                        let write = write_end(&ex, &storing, reason);
                        let finish = ex.finish(outcome, Some(&key));
                        return AfterOrigin::Forward { finish, write };
                    }
                }
            }
        };
        let outcome = CacheOutcome::Miss {
            status,
            stored: Err(reason),
        };
        AfterOrigin::Forward {
            finish: ex.finish(outcome, Some(&key)),
            write: WriteEnd::Release,
        }
    }

    /// Decides when the origin gave no response: the stale entry within
    /// its stale-if-error window (RFC 5861 section 4), else the edge's
    /// 502 or 504.
    pub fn failed(self, failure: OriginFailure) -> AfterFailure {
        let now = self.ex.now;
        match self.storing.into_stale() {
            Some(stale) if usable_on_error(&stale.meta, now) => {
                let reason = StaleReason::OriginError { status: None };
                let outcome = CacheOutcome::stale(&stale.meta, now, reason);
                AfterFailure::FromCache(FromCache::new(&self.ex, stale, outcome))
            }
            _ => {
                let finish = self
                    .ex
                    .finish(CacheOutcome::unavailable(failure), Some(&self.key));
                AfterFailure::Respond(EdgeReply::unavailable(failure, finish))
            }
        }
    }
}

/// How the write ends when the answer passes for `reason`: a hit-for-pass
/// marker when the answer itself is uncacheable, so that requests do not
/// queue behind one another for it. Never when a viewer could have forced
/// the answer (inputs or credentials the key ignores: one request would
/// turn caching off for everyone), and never in place of a stale entry
/// that may still stand in for a failing origin.
fn write_end(ex: &Exchange<'_>, storing: &Storing, reason: PassReason) -> WriteEnd {
    let forced = ex.plan.unkeyed.any || ex.plan.unkeyed.credentials;
    let keeps_stale = match storing {
        Storing::Revalidate(stale) => usable_on_error(&stale.meta, ex.now),
        Storing::Fill | Storing::Nothing(..) => false,
    };
    if !reason.records_hit_for_pass() || forced || keeps_stale {
        return WriteEnd::Release;
    }
    WriteEnd::HitForPass(Marker {
        head: StoredHead::new(EntryMeta::hit_for_pass(ex.now), &Headers::default(), false),
        ttl: HIT_FOR_PASS_TTL,
    })
}

/// The entry to write for a response stored under `decision`.
fn new_entry(
    ex: &Exchange<'_>,
    key: &CacheKey,
    head: StoredHead,
    decision: &StoreDecision,
    length: Option<u64>,
) -> NewEntry {
    let mut purge_keys = entry_purge_keys(&ex.plan, key);
    purge_keys.extend(decision.tags.iter().cloned());
    NewEntry {
        head,
        fresh_for: decision.fresh_for(),
        stale_for: decision.stale_retention(),
        keep_for: decision.keep_for(),
        vary: decision.vary.names().map(str::to_string).collect(),
        purge_keys,
        tags_dropped: decision.tags_dropped,
        length,
    }
}

fn store(
    ex: &Exchange<'_>,
    key: &CacheKey,
    decision: &StoreDecision,
    (status, headers): (u16, &Headers<'_>),
    watched: &Watched,
) -> AfterOrigin {
    let head = StoredHead::new(
        EntryMeta::new(decision, status, ex.now),
        headers,
        decision.strip_set_cookie,
    );
    // The body's length as declared, where its bytes are those counted:
    // not for a content-coded body, which some platforms decode.
    let length = head.declared_length();
    let ttl = i64::try_from(decision.fresh_for()).unwrap_or(i64::MAX);
    let outcome = CacheOutcome::Miss {
        status,
        stored: Ok((ttl, decision.source)),
    };
    let entry = new_entry(ex, key, head.clone(), decision, length);
    let coded = headers
        .get_str("content-encoding")
        .is_some_and(|coding| !coding.eq_ignore_ascii_case("identity"));
    if coded && !watched.values().is_empty() {
        // A compressed body cannot be checked for echoes of the request's
        // unkeyed values as it is: served, not stored.
        let outcome = CacheOutcome::Miss {
            status,
            stored: Err(PassReason::UncheckedBody),
        };
        return AfterOrigin::Forward {
            finish: ex.finish(outcome, Some(key)),
            write: WriteEnd::Release,
        };
    }
    AfterOrigin::Store(Store {
        entry,
        serve: FromCache::new(ex, head, outcome),
        scan: (!watched.values().is_empty()).then(|| watched.body_scan()),
        limit: ex.plan.cache_policy.max_object_bytes.unwrap_or(u64::MAX),
    })
}

/// A 304 for the stale entry: refresh its head (RFC 9111 section 4.3.4),
/// or, when the refreshed response may not be kept, serve the stored copy
/// as it is and say why.
fn not_modified(
    ex: &Exchange<'_>,
    key: &CacheKey,
    stale: StoredHead,
    headers: &Headers<'_>,
) -> AfterOrigin {
    let now = ex.now;
    match revalidate(ex.config, &ex.plan, &stale, headers, now) {
        Revalidation::Refresh { head, decision } => {
            let outcome = CacheOutcome::Revalidated {
                age: head.meta.age(now),
                remaining_ttl: head.meta.remaining_ttl(now),
                refreshed: Ok(()),
            };
            let entry = new_entry(ex, key, (*head).clone(), &decision, None);
            AfterOrigin::Update(Update {
                entry,
                serve: FromCache::new(ex, *head, outcome),
            })
        }
        Revalidation::Keep(reason) => {
            let outcome = CacheOutcome::Revalidated {
                age: stale.meta.age(now),
                remaining_ttl: stale.meta.remaining_ttl(now),
                refreshed: Err(reason),
            };
            AfterOrigin::FromCache(FromCache::new(ex, stale, outcome))
        }
    }
}
