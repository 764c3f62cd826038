//! What an adapter keeps beside a stored response so that core can decide,
//! at any later `now`, how it may be served. Serialized compactly (JSON)
//! into the platform's per-object metadata.

use serde::{Deserialize, Serialize};

use crate::config::Seconds;
use crate::error::Error;
use crate::response::{StoreDecision, Validators};
use crate::vary::VaryRule;

/// How long a hit-for-pass marker lasts (Varnish's `uncacheable_ttl`).
pub const HIT_FOR_PASS_TTL: Seconds = 120;

/// Metadata format version; entries of another version are misses.
const META_VERSION: u8 = 1;

/// A stored response's caching metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryMeta {
    /// Format version.
    pub v: u8,
    /// Unix seconds when stored (or last revalidated).
    pub stored_at: u64,
    /// Age of the response when stored.
    pub initial_age: Seconds,
    /// Freshness lifetime.
    pub ttl: Seconds,
    /// Seconds after the TTL during which a stale copy may be served while
    /// one request refreshes it (RFC 5861 section 3).
    pub stale_while_revalidate: Seconds,
    /// Seconds after the TTL during which a stale copy may be served when
    /// the origin fails (RFC 5861 section 4).
    pub stale_if_error: Seconds,
    /// The stored response's status code; 0 for a hit-for-pass marker.
    pub status: u16,
    /// The stored response's `ETag` and `Last-Modified`, for revalidating
    /// it once stale.
    #[serde(default)]
    pub validators: Validators,
    /// May answer requests that carry `Authorization`.
    pub shareable_with_credentials: bool,
    /// The request header values the stored response was selected by
    /// (RFC 9111 section 4.1); a request with others is a miss.
    #[serde(default)]
    pub vary: VaryRule,
    /// The response's purge tags (Surrogate-Key, Cache-Tag).
    #[serde(default)]
    pub tags: Vec<String>,
    /// A hit-for-pass marker, not a response: requests for the key go to
    /// the origin without waiting for one another.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hit_for_pass: bool,
}

impl EntryMeta {
    /// The metadata for a response stored at `now` under `decision`.
    pub fn new(decision: &StoreDecision, status: u16, now: u64) -> EntryMeta {
        EntryMeta {
            v: META_VERSION,
            stored_at: now,
            initial_age: decision.initial_age,
            ttl: decision.ttl,
            stale_while_revalidate: decision.stale_while_revalidate,
            stale_if_error: decision.stale_if_error,
            status,
            validators: decision.validators.clone(),
            shareable_with_credentials: decision.shareable_with_credentials,
            vary: decision.vary.clone(),
            tags: decision.tags.clone(),
            hit_for_pass: false,
        }
    }

    /// A hit-for-pass marker stored at `now` for [`HIT_FOR_PASS_TTL`].
    pub fn hit_for_pass(now: u64) -> EntryMeta {
        EntryMeta {
            v: META_VERSION,
            stored_at: now,
            initial_age: 0,
            ttl: HIT_FOR_PASS_TTL,
            stale_while_revalidate: 0,
            stale_if_error: 0,
            status: 0,
            validators: Validators::default(),
            shareable_with_credentials: false,
            vary: VaryRule::default(),
            tags: Vec::new(),
            hit_for_pass: true,
        }
    }

    /// The entry as a soft purge at `at` left it: stale from then on
    /// (Fastly's soft purge), so it serves within its stale windows while
    /// one request revalidates it.
    ///
    /// ```
    /// # use edgecache_core::EntryMeta;
    /// # let mut meta = EntryMeta::hit_for_pass(1_000);
    /// # meta.hit_for_pass = false;
    /// # meta.ttl = 3_600;
    /// assert_eq!(meta.remaining_ttl(1_010), 3_590);
    /// assert_eq!(meta.soft_purged(1_005).remaining_ttl(1_010), -5);
    /// ```
    pub fn soft_purged(&self, at: u64) -> EntryMeta {
        EntryMeta {
            ttl: self.ttl.min(self.age(at)),
            ..self.clone()
        }
    }

    /// Whether `other` describes the same stored response: the same store
    /// (time, age on arrival, status, validators, variant), whatever a
    /// purge since made of its freshness.
    ///
    /// ```
    /// # use edgecache_core::EntryMeta;
    /// let meta = EntryMeta::hit_for_pass(1_000);
    /// assert!(meta.same_entry(&meta.soft_purged(1_005)));
    /// assert!(!meta.same_entry(&EntryMeta::hit_for_pass(1_001)));
    /// ```
    pub fn same_entry(&self, other: &EntryMeta) -> bool {
        self.stored_at == other.stored_at
            && self.initial_age == other.initial_age
            && self.status == other.status
            && self.validators == other.validators
            && self.vary == other.vary
    }

    /// The response's current age (RFC 9111 section 4.2.3, with the
    /// edge's own clock as the only clock).
    pub fn age(&self, now: u64) -> Seconds {
        self.initial_age
            .saturating_add(now.saturating_sub(self.stored_at))
    }

    /// Freshness left at `now`: positive while fresh, negative once stale
    /// (the `ttl` parameter of Cache-Status, RFC 9211 section 2.5), within
    /// the 15 digits a structured-field integer may have (RFC 8941 3.3.1).
    pub fn remaining_ttl(&self, now: u64) -> i64 {
        const SF_INTEGER_MAX: i64 = 999_999_999_999_999;
        let ttl = i64::try_from(self.ttl).unwrap_or(i64::MAX);
        let age = i64::try_from(self.age(now)).unwrap_or(i64::MAX);
        ttl.saturating_sub(age)
            .clamp(-SF_INTEGER_MAX, SF_INTEGER_MAX)
    }

    /// The metadata as compact JSON, for the platform's per-object
    /// metadata; [`EntryMeta::from_bytes`] reads it back.
    pub fn to_bytes(&self) -> Vec<u8> {
        // A struct of plain fields always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads stored metadata; anything unreadable or of another version is
    /// an error, which an adapter treats as a miss.
    pub fn from_bytes(bytes: &[u8]) -> Result<EntryMeta, Error> {
        let meta: EntryMeta = serde_json::from_slice(bytes).map_err(Error::corrupt_entry)?;
        Self::check_version(&meta)?;
        Ok(meta)
    }

    pub(crate) fn check_version(meta: &EntryMeta) -> Result<(), Error> {
        if meta.v == META_VERSION {
            Ok(())
        } else {
            Err(Error::corrupt_entry(format!(
                "version {} is not {META_VERSION}",
                meta.v
            )))
        }
    }
}
