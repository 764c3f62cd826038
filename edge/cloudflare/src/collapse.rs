//! Request collapsing inside one isolate, on core's [`Claims`]: while one
//! request fills an entry, the others for it wait, then read what it
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
//! (docs/cloudflare.md says what that means in production).

use std::cell::RefCell;
use std::time::Duration;

use edgecache_core::flow::{Claims, Ticket};
use worker::Delay;

/// How often a waiting request looks whether the leader is done.
const POLL: Duration = Duration::from_millis(10);

thread_local! {
    static CLAIMS: RefCell<Claims> = RefCell::new(Claims::default());
}

/// The right to fill an entry; dropping it lets the waiting requests go on.
pub(crate) struct Leader(Ticket);

/// Claims `entry` for this request, or names the request that holds it.
pub(crate) fn claim(entry: &str) -> Result<Leader, Ticket> {
    // Milliseconds since 1970, far below 2^53.
    let now = worker::js_sys::Date::now() as u64;
    CLAIMS.with_borrow_mut(|claims| claims.claim(entry, now).map(Leader))
}

/// Waits until `holder` is done, or about `limit` passes: a leader whose
/// request was cancelled mid-way must not hold the others forever.
pub(crate) async fn wait(holder: Ticket, limit: Duration) {
    let mut waited = Duration::ZERO;
    while CLAIMS.with_borrow(|claims| claims.is_held(&holder)) && waited < limit {
        Delay::from(POLL).await;
        waited += POLL;
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        CLAIMS.with_borrow_mut(|claims| claims.release(&self.0));
    }
}
