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

thread_local! {
    /// The keys being fetched, each with the leader's claim number.
    static IN_FLIGHT: RefCell<HashMap<String, u64>> = RefCell::new(HashMap::new());
    static NEXT_CLAIM: Cell<u64> = const { Cell::new(0) };
}

/// Who fetches a key.
pub enum Claim {
    /// This request does; the others wait until the leader is dropped.
    Leader(Leader),
    /// Another request does: [`wait`] for it.
    Follower(Follower),
}

/// The right to fetch a key. Dropping it lets the waiting requests go on,
/// so hold it until the entry is stored (or known not to be).
pub struct Leader {
    key: String,
}

/// A request waiting for the leader with this claim number.
pub struct Follower {
    key: String,
    claim: u64,
}

/// Claims `key` for this request, or joins the request that holds it.
pub fn claim(key: &str) -> Claim {
    match try_lead(key) {
        Some(leader) => Claim::Leader(leader),
        None => Claim::Follower(Follower {
            key: key.to_string(),
            claim: current(key).unwrap_or_default(),
        }),
    }
}

/// Claims `key` only when nobody holds it: for work that is skipped, not
/// waited for, when another request is doing it (a background refresh).
pub fn try_lead(key: &str) -> Option<Leader> {
    IN_FLIGHT.with(|in_flight| {
        let mut in_flight = in_flight.borrow_mut();
        if in_flight.contains_key(key) {
            return None;
        }
        let claim = NEXT_CLAIM.with(|next| next.replace(next.get().wrapping_add(1)));
        in_flight.insert(key.to_string(), claim);
        Some(Leader {
            key: key.to_string(),
        })
    })
}

fn current(key: &str) -> Option<u64> {
    IN_FLIGHT.with(|in_flight| in_flight.borrow().get(key).copied())
}

/// Waits until the leader is done, or about `limit` passes: a leader whose
/// request was cancelled mid-way must not hold the others forever.
pub async fn wait(follower: Follower, limit: Duration) {
    let mut waited = Duration::ZERO;
    while current(&follower.key) == Some(follower.claim) && waited < limit {
        Delay::from(POLL).await;
        waited += POLL;
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        IN_FLIGHT.with(|in_flight| in_flight.borrow_mut().remove(&self.key));
    }
}
