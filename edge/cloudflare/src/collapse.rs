//! Request collapsing inside one isolate: while one request fetches a key
//! from the origin, the others for that key wait for it, then read what it
//! stored (or the hit-for-pass marker it left).
//!
//! Waiting requests poll on their own timers rather than being woken by
//! the leader: workerd ties I/O to the request that started it, and a
//! request woken from another request's callback would run its next cache
//! read in that other request's context (a 500 on the runtime).
//!
//! This is per isolate. Cloudflare runs many isolates per data center and
//! many data centers; the Workers Cache API does not lock entries, so
//! concurrent misses in different isolates each reach the origin once
//! (the README's Cloudflare section says what that means in production).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use worker::Delay;

/// How often a waiting request looks whether the leader is done.
const POLL: Duration = Duration::from_millis(10);
/// After this long a claim is taken over: its request was cancelled, or
/// its `waitUntil` cut off, before it let go (a pending JavaScript promise
/// leaves its Rust future pending for good).
const TAKEOVER_AFTER_MS: f64 = 60_000.0;

thread_local! {
    /// The keys being fetched: the leader's claim number and start time.
    static IN_FLIGHT: RefCell<HashMap<String, (u64, f64)>> = RefCell::new(HashMap::new());
    static NEXT_CLAIM: Cell<u64> = const { Cell::new(0) };
}

/// Who fetches a key.
pub(crate) enum Claim {
    /// This request does; the others wait until the leader is dropped.
    Leader(Leader),
    /// Another request does: [`wait`] for it.
    Follower(Follower),
}

/// The right to fetch a key. Dropping it lets the waiting requests go on,
/// so hold it until the entry is stored (or known not to be).
pub(crate) struct Leader {
    key: String,
    claim: u64,
}

/// A request waiting for the leader with this claim number.
pub(crate) struct Follower {
    key: String,
    claim: u64,
}

/// Claims `key` for this request, or joins the request that holds it.
pub(crate) fn claim(key: &str) -> Claim {
    match try_lead(key) {
        Some(leader) => Claim::Leader(leader),
        None => Claim::Follower(Follower {
            key: key.to_string(),
            claim: current(key).unwrap_or_default(),
        }),
    }
}

/// Claims `key` only when nobody holds it (or the holder is long gone):
/// for work that is skipped, not waited for, when another request is
/// doing it (a background refresh).
pub(crate) fn try_lead(key: &str) -> Option<Leader> {
    let now = worker::js_sys::Date::now();
    IN_FLIGHT.with(|in_flight| {
        let mut in_flight = in_flight.borrow_mut();
        if let Some((_, started)) = in_flight.get(key)
            && now - started < TAKEOVER_AFTER_MS
        {
            return None;
        }
        let claim = NEXT_CLAIM.with(|next| next.replace(next.get().wrapping_add(1)));
        in_flight.insert(key.to_string(), (claim, now));
        Some(Leader {
            key: key.to_string(),
            claim,
        })
    })
}

fn current(key: &str) -> Option<u64> {
    IN_FLIGHT.with(|in_flight| in_flight.borrow().get(key).map(|(claim, _)| *claim))
}

/// Waits until the leader is done, or about `limit` passes: a leader whose
/// request was cancelled mid-way must not hold the others forever.
pub(crate) async fn wait(follower: Follower, limit: Duration) {
    let mut waited = Duration::ZERO;
    while current(&follower.key) == Some(follower.claim) && waited < limit {
        Delay::from(POLL).await;
        waited += POLL;
    }
}

impl Drop for Leader {
    /// Lets go of the key, unless another request took it over.
    fn drop(&mut self) {
        IN_FLIGHT.with(|in_flight| {
            let mut in_flight = in_flight.borrow_mut();
            if in_flight
                .get(&self.key)
                .is_some_and(|(claim, _)| *claim == self.claim)
            {
                in_flight.remove(&self.key);
            }
        });
    }
}
