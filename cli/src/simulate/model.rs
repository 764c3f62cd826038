//! The cache model: what a cache holds and for how long, unbounded or
//! bounded by objects or bytes with least-recently-used eviction.
//!
//! Keys are held as 64-bit hashes of the key text (SipHash), so memory
//! grows with the number of distinct keys, not their length: about 60
//! bytes a key. (Two of ten million distinct keys share a hash with odds
//! of about 1 in 370,000.) Entries live in a slab threaded by a doubly linked
//! recency list, so a lookup, an insert and an eviction are each O(1).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hasher};

use crate::Error;

/// A bound on the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    /// At most this many objects, whatever their size.
    Objects(u64),
    /// At most this many bytes of response bodies, each object weighing
    /// the bytes its log line records.
    Bytes(u64),
}

impl Capacity {
    /// `100000` objects, or bytes with a unit: `500MB`, `10GiB`, `2TB`.
    pub fn parse(text: &str) -> Result<Capacity, Error> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let number: u64 = digits.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            Error::new(format!(
                "--capacity {text:?}: expected a number of objects (100000) or a size (500MB, 10GiB)"
            ))
        })?;
        let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" => return Ok(Capacity::Objects(number)),
            "b" => 1,
            "kb" => 1_000,
            "mb" => 1_000_000,
            "gb" => 1_000_000_000,
            "tb" => 1_000_000_000_000,
            "kib" => 1 << 10,
            "mib" => 1 << 20,
            "gib" => 1 << 30,
            "tib" => 1 << 40,
            other => {
                return Err(Error::new(format!(
                    "--capacity {text:?}: unknown unit {other:?}; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"
                )));
            }
        };
        Ok(Capacity::Bytes(number.saturating_mul(multiplier)))
    }
}

/// A key's 64-bit hash.
pub(crate) fn key_hash(parts: &[&str]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for part in parts {
        hasher.write(part.as_bytes());
    }
    hasher.finish()
}

/// What a lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    Fresh,
    /// Stale but within stale-while-revalidate: served, and refreshed.
    StaleWhileRevalidate,
    /// Absent, or too stale to serve.
    Miss,
}

/// How long a stored response serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lifetime {
    /// Fresh while `now < fresh_until`.
    pub fresh_until: i64,
    /// Served stale (and refreshed) while `now < stale_until`.
    pub stale_until: i64,
    pub weight: u64,
}

const NIL: u32 = u32::MAX;

/// The index's keys are already hashes: use their low bits as they are.
#[derive(Debug, Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Debug, Clone)]
struct Node {
    key: u64,
    life: Lifetime,
    prev: u32,
    next: u32,
}

/// The cache.
#[derive(Debug)]
pub(crate) struct Cache {
    capacity: Option<Capacity>,
    index: HashMap<u64, u32, BuildHasherDefault<PreHashed>>,
    nodes: Vec<Node>,
    free: Vec<u32>,
    /// Most recently used.
    head: u32,
    /// Least recently used: evicted first.
    tail: u32,
    weight: u64,
    pub evictions: u64,
}

impl Cache {
    pub(crate) fn new(capacity: Option<Capacity>) -> Self {
        Cache {
            capacity,
            index: HashMap::default(),
            nodes: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            weight: 0,
            evictions: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Looks `key` up at `now`; a hit counts as a use.
    pub(crate) fn lookup(&mut self, key: u64, now: i64) -> Found {
        let Some(&slot) = self.index.get(&key) else {
            return Found::Miss;
        };
        let life = self.nodes[slot as usize].life;
        self.touch(slot);
        if now < life.fresh_until {
            Found::Fresh
        } else if now < life.stale_until {
            Found::StaleWhileRevalidate
        } else {
            Found::Miss
        }
    }

    /// Stores (or replaces) `key`, evicting the least recently used
    /// entries beyond the capacity.
    pub(crate) fn insert(&mut self, key: u64, life: Lifetime) {
        self.remove(key);
        let life = Lifetime {
            weight: self.weight_of(life.weight),
            ..life
        };
        if self.capacity.is_some_and(|c| life.weight > self.limit(c)) {
            return;
        }
        let node = Node {
            key,
            life,
            prev: NIL,
            next: self.head,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.nodes[slot as usize] = node;
                slot
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        self.link_front(slot);
        self.index.insert(key, slot);
        self.weight += life.weight;
        while let Some(capacity) = self.capacity
            && self.weight > self.limit(capacity)
            && self.tail != NIL
        {
            let victim = self.nodes[self.tail as usize].key;
            self.remove(victim);
            self.evictions += 1;
        }
    }

    /// Forgets `key`: a refetch was not storable.
    pub(crate) fn remove(&mut self, key: u64) {
        if let Some(slot) = self.index.remove(&key) {
            self.unlink(slot);
            self.weight -= self.nodes[slot as usize].life.weight;
            self.free.push(slot);
        }
    }

    fn weight_of(&self, bytes: u64) -> u64 {
        match self.capacity {
            Some(Capacity::Bytes(_)) => bytes,
            _ => 1,
        }
    }

    fn limit(&self, capacity: Capacity) -> u64 {
        match capacity {
            Capacity::Objects(n) | Capacity::Bytes(n) => n,
        }
    }

    fn touch(&mut self, slot: u32) {
        if self.head != slot {
            self.unlink(slot);
            self.link_front(slot);
        }
    }

    fn link_front(&mut self, slot: u32) {
        let old_head = self.head;
        let node = &mut self.nodes[slot as usize];
        node.prev = NIL;
        node.next = old_head;
        if old_head != NIL {
            self.nodes[old_head as usize].prev = slot;
        } else {
            self.tail = slot;
        }
        self.head = slot;
    }

    fn unlink(&mut self, slot: u32) {
        let Node { prev, next, .. } = self.nodes[slot as usize];
        if prev != NIL {
            self.nodes[prev as usize].next = next;
        } else {
            self.head = next;
        }
        if next != NIL {
            self.nodes[next as usize].prev = prev;
        } else {
            self.tail = prev;
        }
    }
}

#[cfg(test)]
mod tests;
