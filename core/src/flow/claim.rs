//! When another request holds an entry's write: claim it where the
//! platform hands writes out on request ([`Claim`]), or wait for its holder
//! where the platform handed this request a copy it may not serve
//! ([`Wait`]). Either way, concurrent requests for one entry make one
//! origin request (RFC 9111 section 4: a stale copy is not served without
//! permission, so the others wait for the one revalidating it).

use crate::key::CacheKey;
use crate::reason::PassReason;

use super::fetch::{Fetch, Storing};
use super::lookup::Lookup;

/// Claim the entry's write (the key's, or the variant's the lookup read),
/// then report with [`Claim::claimed`].
#[derive(Debug)]
pub struct Claim<'c> {
    lookup: Lookup<'c>,
    storing: Storing,
}

/// Whether the claim made this request the one that writes the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    /// It holds the write until the entry is stored, or known not to be.
    Leader,
    /// Another request holds it.
    Follower,
}

/// What to do after claiming the write.
#[derive(Debug)]
pub enum AfterClaim<'c> {
    /// Go to the origin.
    Fetch(Fetch<'c>),
    /// Wait for the holder to be done (at most [`Claim::wait_limit_ms`]),
    /// then look up again: its answer is usually stored by then.
    Wait(Lookup<'c>),
}

impl<'c> Claim<'c> {
    pub(crate) fn new(lookup: Lookup<'c>, storing: Storing) -> Claim<'c> {
        Claim { lookup, storing }
    }

    /// The key whose write is claimed.
    pub fn key(&self) -> &CacheKey {
        self.lookup.key()
    }

    /// How long to wait for another request's fill at the most: as long
    /// as the origin may take to answer it.
    pub fn wait_limit_ms(&self) -> u64 {
        self.lookup.wait_limit_ms()
    }

    /// Decides from the claim: fetch with the write; wait once for the
    /// holder; after waiting once, fetch without storing.
    pub fn claimed(self, claimed: Claimed) -> AfterClaim<'c> {
        let Claim { lookup, storing } = self;
        match claimed {
            Claimed::Leader => AfterClaim::Fetch(lookup.into_fetch(storing)),
            Claimed::Follower if lookup.has_waited() => {
                AfterClaim::Fetch(lookup.into_fetch(storing.without_write(PassReason::EntryBusy)))
            }
            Claimed::Follower => AfterClaim::Wait(lookup.waited()),
        }
    }
}

/// Another request holds the entry's write and the platform did not make
/// this one wait for it: wait until the holder is done (at most
/// [`Wait::limit_ms`]; the entry is no longer the one this lookup found,
/// or the write is free), then look up again. After one wait, a request
/// that still finds the write held goes to the origin without storing
/// (`entry-busy`).
#[derive(Debug)]
pub struct Wait<'c> {
    lookup: Lookup<'c>,
}

impl<'c> Wait<'c> {
    pub(crate) fn new(lookup: Lookup<'c>) -> Wait<'c> {
        Wait { lookup }
    }

    /// The key whose holder is awaited.
    pub fn key(&self) -> &CacheKey {
        self.lookup.key()
    }

    /// The lookup, to look up again with while waiting.
    pub fn lookup(&self) -> &Lookup<'c> {
        &self.lookup
    }

    /// How long to wait at the most: as long as the origin may take to
    /// answer the holder.
    pub fn limit_ms(&self) -> u64 {
        self.lookup.wait_limit_ms()
    }

    /// The lookup to report the next look with: it has waited once.
    pub fn again(self) -> Lookup<'c> {
        self.lookup.waited()
    }
}
