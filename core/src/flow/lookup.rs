//! After the lookup: serve what is stored, refresh it, or go to the
//! origin, and who may write the entry.

use crate::cache_status::{CacheOutcome, StaleReason};
use crate::entry::EntryMeta;
use crate::key::CacheKey;
use crate::purge::{PurgeVerdict, entry_purge_keys};
use crate::reason::PassReason;
use crate::request::RequestPlan;
use crate::serve::{Serving, decide_serving};
use crate::stored::StoredHead;

use super::claim::{Claim, Wait};
use super::exchange::Exchange;
use super::fetch::{Fetch, Storing};
use super::from_cache::FromCache;

/// Look the key up, then report what was found with [`Lookup::found`].
#[derive(Debug, Clone)]
pub struct Lookup<'c> {
    ex: Exchange<'c>,
    key: CacheKey,
    /// This request already waited once for another one's fill.
    waited: bool,
}

/// What the platform's cache gave for the key.
// Built once per lookup and consumed at once: a box would cost an
// allocation on every request for no saving.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Nothing usable: absent, or a head that cannot be read (another
    /// metadata version, damage), which the next fill replaces.
    Nothing,
    /// A stored entry.
    Entry(Entry),
    /// The cache could not be read.
    Unavailable,
}

/// A stored entry as the platform found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its head, as stored.
    pub head: StoredHead,
    /// The platform's own cache calls it stale (Fastly's soft purge marks
    /// objects stale in place).
    pub platform_stale: bool,
    /// What the purge log says of it, on platforms that keep one.
    pub purge: PurgeVerdict,
    /// The stored body's length as the platform reports it, when it does.
    /// A body of another length than its head declares did not arrive
    /// whole (a platform kept part of a write that failed): the entry is
    /// not used, and the next fill replaces it.
    pub body_length: Option<u64>,
}

impl Entry {
    /// An entry found with `head`, neither stale on the platform nor
    /// purged, its body's length unknown.
    pub fn new(head: StoredHead) -> Entry {
        Entry {
            head,
            platform_stale: false,
            purge: PurgeVerdict::Kept,
            body_length: None,
        }
    }

    /// The metadata to decide with at `now`: `None` when purged or cut;
    /// stale from the purge when soft-purged (by the log, or by the
    /// platform while core's clock still calls it fresh).
    fn effective(self, now: u64) -> Option<StoredHead> {
        if let (Some(length), Some(declared)) = (self.body_length, self.head.declared_length())
            && length != declared
        {
            return None;
        }
        let mut head = self.head;
        match self.purge {
            PurgeVerdict::Hard => return None,
            PurgeVerdict::Soft { at_ms } => head.meta = head.meta.soft_purged(at_ms / 1000),
            PurgeVerdict::Kept => {}
        }
        if self.platform_stale && head.meta.remaining_ttl(now) > 0 {
            head.meta = head.meta.soft_purged(now);
        }
        Some(head)
    }
}

/// Whether this request may write the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// It holds the entry's write (Fastly: the transaction must insert or
    /// update): it fills or refreshes the entry, and lets go of it when it
    /// does not.
    Held,
    /// Another request holds it, and the platform already made this one
    /// wait for it.
    Busy,
    /// Another request holds it, and the platform handed this one the
    /// stored copy without waiting (Fastly gives an object within its
    /// platform stale window to every caller while one updates it): when
    /// that copy may not be served as it is, wait for the holder
    /// ([`AfterLookup::Wait`]).
    Pending,
    /// The platform hands the write out on request
    /// ([`AfterLookup::Claim`]): a per-isolate claim on Cloudflare.
    OnRequest,
}

/// What to do after the lookup.
#[derive(Debug)]
pub enum AfterLookup<'c> {
    /// Serve the stored entry; let go of the write if held.
    Serve(FromCache),
    /// Serve the stale entry, then refresh it in the background with the
    /// write: held, or claimed without waiting; when the claim fails,
    /// another request is refreshing it.
    ServeStale(FromCache, Box<Refresh<'c>>),
    /// Claim the write first, then report with [`Claim::claimed`].
    Claim(Claim<'c>),
    /// Another request is refreshing or filling the entry: wait for it,
    /// then look up again ([`Wait::again`]).
    Wait(Wait<'c>),
    /// Go to the origin.
    Fetch(Fetch<'c>),
}

impl<'c> Lookup<'c> {
    pub(crate) fn new(ex: Exchange<'c>, key: CacheKey) -> Lookup<'c> {
        Lookup {
            ex,
            key,
            waited: false,
        }
    }

    /// The key to look up.
    pub fn key(&self) -> &CacheKey {
        &self.key
    }

    /// The request's plan: its origin request's headers select among
    /// stored variants (Vary).
    pub fn plan(&self) -> &RequestPlan<'c, 'static> {
        &self.ex.plan
    }

    /// The purge keys of an entry stored under this key with `head`: the
    /// key's own, then the origin's tags.
    pub fn purge_keys_of(&self, head: &StoredHead) -> Vec<String> {
        let mut keys = entry_purge_keys(&self.ex.plan, &self.key);
        keys.extend(head.meta.tags.iter().cloned());
        keys
    }

    /// Decides from what the lookup found and who may write the entry.
    pub fn found(self, found: Found, write: Write) -> AfterLookup<'c> {
        let now = self.ex.now;
        let head = match found {
            Found::Unavailable => {
                return self.fetch(Storing::Nothing(PassReason::CacheUnavailable, None));
            }
            Found::Nothing => None,
            Found::Entry(entry) => entry.effective(now),
        };
        let Some(head) = head else {
            return self.write(Storing::Fill, write);
        };
        match self.viewer_allows(decide_serving(&head.meta, &self.ex.plan, now), &head, now) {
            Serving::Fresh { age } => {
                let remaining_ttl = head.meta.remaining_ttl(now);
                let outcome = CacheOutcome::Hit { age, remaining_ttl };
                AfterLookup::Serve(FromCache::new(&self.ex, head, outcome))
            }
            Serving::StaleWhileRevalidate { .. } => {
                let outcome = CacheOutcome::stale(&head.meta, now, StaleReason::WhileRevalidate);
                let serve = FromCache::new(&self.ex, head.clone(), outcome);
                match write {
                    Write::Busy | Write::Pending => AfterLookup::Serve(serve),
                    Write::Held | Write::OnRequest => {
                        let refresh = Box::new(Refresh {
                            ex: self.ex,
                            key: self.key,
                            head,
                        });
                        AfterLookup::ServeStale(serve, refresh)
                    }
                }
            }
            Serving::Revalidate { .. } => self.write(Storing::Revalidate(head), write),
            // Another variant is stored: this one replaces it.
            Serving::VaryMismatch => self.write(Storing::Fill, write),
            Serving::Unusable(reason) => self.fetch(Storing::Nothing(reason, None)),
            Serving::HitForPass => self.fetch(Storing::Nothing(PassReason::HitForPass, None)),
        }
    }

    /// The serving the viewer's directives allow, where the policy honors
    /// them (RFC 9111 section 5.2.1): an entry fresher than the viewer
    /// accepts is revalidated first, never served stale.
    fn viewer_allows(&self, serving: Serving, head: &StoredHead, now: u64) -> Serving {
        let Some(directives) = &self.ex.directives else {
            return serving;
        };
        match serving {
            Serving::Fresh { age } | Serving::StaleWhileRevalidate { age, .. }
                if directives.wants_revalidation(age, head.meta.remaining_ttl(now)) =>
            {
                Serving::Revalidate {
                    age,
                    validators: head.meta.validators.clone(),
                    stale_if_error: false,
                }
            }
            other => other,
        }
    }

    /// A fetch that needs the write: with it, without it (the entry is
    /// busy), after claiming it, or after waiting once for its holder.
    fn write(self, storing: Storing, write: Write) -> AfterLookup<'c> {
        match write {
            Write::Held => self.fetch(storing),
            Write::Pending if !self.waited => AfterLookup::Wait(Wait::new(self)),
            Write::Busy | Write::Pending => {
                self.fetch(storing.without_write(PassReason::EntryBusy))
            }
            Write::OnRequest => AfterLookup::Claim(Claim::new(self, storing)),
        }
    }

    /// How long to wait for another request's fill at the most: as long
    /// as the origin may take to answer it (its connect and first-byte
    /// timeouts).
    pub fn wait_limit_ms(&self) -> u64 {
        let origin = self.ex.plan.origin_request.origin;
        origin
            .connect_timeout_ms
            .saturating_add(origin.first_byte_timeout_ms)
    }

    /// This lookup, marked as having waited once for another request.
    pub(crate) fn waited(mut self) -> Lookup<'c> {
        self.waited = true;
        self
    }

    /// This lookup's fetch with what it would store.
    pub(crate) fn into_fetch(self, storing: Storing) -> Fetch<'c> {
        Fetch::new(self.ex, self.key, storing)
    }

    /// Whether it already waited once for another request.
    pub(crate) fn has_waited(&self) -> bool {
        self.waited
    }

    fn fetch(self, storing: Storing) -> AfterLookup<'c> {
        AfterLookup::Fetch(self.into_fetch(storing))
    }
}

/// A stale entry to refresh once the viewer is answered from it.
#[derive(Debug, Clone)]
pub struct Refresh<'c> {
    ex: Exchange<'c>,
    key: CacheKey,
    head: StoredHead,
}

impl<'c> Refresh<'c> {
    /// The key to refresh.
    pub fn key(&self) -> &CacheKey {
        &self.key
    }

    /// The refresh's fetch: conditional when the entry has validators. The
    /// platform holds the write (or has just claimed it).
    pub fn fetch(self) -> Fetch<'c> {
        Fetch::new(self.ex, self.key, Storing::Revalidate(self.head))
    }

    /// The stored entry's metadata.
    pub fn meta(&self) -> &EntryMeta {
        &self.head.meta
    }
}
