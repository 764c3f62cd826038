//! Who fills each entry, on platforms that hand an entry's write out on
//! request within one process ([`Write::OnRequest`]: a Workers isolate).
//! One claim per entry; a claim whose holder has been gone too long is
//! taken over, so a request cancelled mid-way never holds the others.
//!
//! [`Write::OnRequest`]: super::Write::OnRequest

use std::collections::HashMap;

/// After this long a claim is taken over: its request was cancelled, or
/// its background work cut off, before it let go.
pub const TAKEOVER_AFTER_MS: u64 = 60_000;

/// The claims of one process, by entry.
#[derive(Debug, Default)]
pub struct Claims {
    /// The holder's claim number and when it claimed.
    held: HashMap<String, (u64, u64)>,
    next: u64,
}

/// A claim on one entry: this request fills it. Release it once the
/// entry is stored, or known not to be.
#[derive(Debug, PartialEq, Eq)]
pub struct Ticket {
    key: String,
    claim: u64,
}

impl Claims {
    /// Claims `entry` at `now_ms`: a ticket when nobody holds it (or its
    /// holder is gone), else the holder's ticket, to wait on with
    /// [`Claims::is_held`].
    ///
    /// ```
    /// use edgecache_core::flow::{Claims, TAKEOVER_AFTER_MS};
    /// let mut claims = Claims::default();
    /// let mine = claims.claim("/e/1", 0).unwrap();
    /// let theirs = claims.claim("/e/1", 10).unwrap_err();
    /// assert!(claims.is_held(&theirs));
    /// claims.release(&mine);
    /// assert!(!claims.is_held(&theirs));
    /// assert!(claims.claim("/e/2", 0).is_ok());
    /// assert!(claims.claim("/e/2", TAKEOVER_AFTER_MS).is_ok(), "taken over");
    /// ```
    pub fn claim(&mut self, entry: &str, now_ms: u64) -> Result<Ticket, Ticket> {
        if let Some(&(claim, since)) = self.held.get(entry)
            && now_ms.saturating_sub(since) < TAKEOVER_AFTER_MS
        {
            return Err(Ticket {
                key: entry.to_string(),
                claim,
            });
        }
        self.next = self.next.wrapping_add(1);
        self.held.insert(entry.to_string(), (self.next, now_ms));
        Ok(Ticket {
            key: entry.to_string(),
            claim: self.next,
        })
    }

    /// Whether `ticket`'s claim still holds its entry.
    pub fn is_held(&self, ticket: &Ticket) -> bool {
        self.held
            .get(&ticket.key)
            .is_some_and(|(claim, _)| *claim == ticket.claim)
    }

    /// Lets go of `ticket`'s claim, unless another request took it over.
    pub fn release(&mut self, ticket: &Ticket) {
        if self.is_held(ticket) {
            self.held.remove(&ticket.key);
        }
    }
}
