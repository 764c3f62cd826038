//! The reference adapter: edgecache's whole request flow on an in-memory
//! platform, native and synchronous. A `HashMap` is the cache, a number
//! is the clock, a closure is the origin. It does what a platform adapter
//! does — the I/O, and one `match` per step core returns — and nothing
//! else, so it shows what a third platform needs to write.
//!
//! Two ways of handing out an entry's write are modelled, as the real
//! platforms do: a transaction handed out with the lookup (Fastly's core
//! cache) and a claim asked for after it (a Cloudflare isolate).

// Each test binary uses a part of it; tests may panic.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use edgecache_core::flow::{
    self, AfterClaim, AfterFailure, AfterLookup, AfterOrigin, BodyPart, Claimed, Claims, EdgeReply,
    Entry, Fetch, Finish, Found, FromCache, Lookup, NewEntry, Start, Ticket, Write, WriteEnd,
};
use edgecache_core::purge::PurgeLog;
use edgecache_core::{
    Config, Headers, OriginFailure, OriginRequest, OriginResponse, StoredHead, ViewerRequest,
};

/// How the platform hands out an entry's write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Locking {
    /// With the lookup: the request that must fill a missing or stale
    /// entry holds it (Fastly).
    Transaction,
    /// On request, per key (a Cloudflare isolate).
    Claim,
}

/// What the scripted origin answers.
#[derive(Debug, Clone)]
pub(crate) enum Scripted {
    /// A response.
    Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A response whose body breaks after `body` (a reset, a timeout
    /// between bytes): the viewer gets the bytes that came.
    Broken {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// No response.
    Fail(OriginFailure),
}

/// A request the origin received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }
}

/// A response the viewer got.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    pub(crate) body: Vec<u8>,
    /// The JSON log line of the request.
    pub(crate) log: String,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// `Hit`, `Miss`, `RefreshHit` or `Error`.
    pub(crate) fn x_cache(&self) -> &str {
        self.header("x-cache")
            .and_then(|v| v.strip_suffix(" from edgecache"))
            .unwrap_or("")
    }

    pub(crate) fn cache_status(&self) -> &str {
        self.header("cache-status").unwrap_or("")
    }
}

/// One stored object.
#[derive(Debug, Clone)]
struct Object {
    head: StoredHead,
    body: Vec<u8>,
    /// Clock second after which the platform calls it stale.
    stale_after: u64,
    /// Clock second after which the platform drops it.
    gone_after: u64,
    /// When its response was asked of the origin, for the purge log.
    fetched_ms: u64,
    /// Its surrogate keys, for purges in place.
    purge_keys: Vec<String>,
}

/// The in-memory platform.
pub(crate) struct Platform {
    config: Config,
    locking: Locking,
    now: Cell<u64>,
    /// Per key hash, one object per variant.
    cache: RefCell<HashMap<String, Vec<Object>>>,
    /// Who fills which entry (core's claims), and the tickets held.
    claims: RefCell<Claims>,
    tickets: RefCell<HashMap<String, Ticket>>,
    purges: RefCell<PurgeLog>,
    origin: Box<dyn Fn(&Received) -> Scripted>,
    received: RefCell<Vec<Received>>,
}

impl Platform {
    /// A platform running `config` in front of `origin`, its clock at
    /// 1,700,000,000.
    pub(crate) fn new(
        config: &str,
        locking: Locking,
        origin: impl Fn(&Received) -> Scripted + 'static,
    ) -> Platform {
        Platform {
            config: Config::from_json(config).unwrap_or_else(|e| panic!("{e}")),
            locking,
            now: Cell::new(1_700_000_000),
            cache: RefCell::default(),
            claims: RefCell::default(),
            tickets: RefCell::default(),
            purges: RefCell::default(),
            origin: Box::new(origin),
            received: RefCell::default(),
        }
    }

    pub(crate) fn advance(&self, seconds: u64) {
        self.now.set(self.now.get() + seconds);
    }

    /// Every request the origin received.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.borrow().clone()
    }

    /// How many requests the origin received.
    pub(crate) fn origin_calls(&self) -> usize {
        self.received.borrow().len()
    }

    /// Purges `keys` now: with transactions, in place (a soft purge makes
    /// objects stale, as Fastly's does); with claims, in a purge log that
    /// lookups consult (as a Cloudflare isolate's mirror).
    pub(crate) fn purge(&self, keys: &[String], soft: bool) {
        let now = self.now.get();
        if self.locking == Locking::Claim {
            self.purges
                .borrow_mut()
                .record(keys, soft, now * 1000 + 999);
            return;
        }
        let named = |o: &Object| o.purge_keys.iter().any(|k| keys.contains(k));
        for variants in self.cache.borrow_mut().values_mut() {
            if soft {
                variants
                    .iter_mut()
                    .filter(|o| named(o))
                    .for_each(|o| o.stale_after = o.stale_after.min(now));
            } else {
                variants.retain(|o| !named(o));
            }
        }
    }

    /// Sends a viewer request through the flow.
    pub(crate) fn send(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
        let pairs: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
        let viewer = ViewerRequest::new(method, target)
            .host("edge.example.com")
            .headers(Headers::new(&pairs));
        match flow::start(&self.config, &viewer, self.now.get()) {
            Start::Respond(reply) => edge_reply(reply),
            Start::Pass(pass) => match self.ask(pass.request()) {
                Scripted::Response {
                    status,
                    headers,
                    body,
                }
                | Scripted::Broken {
                    status,
                    headers,
                    body,
                } => {
                    let pairs: Vec<(&str, &[u8])> = headers
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.as_bytes()))
                        .collect();
                    let keys = pass.invalidates(status, &Headers::new(&pairs));
                    self.purge(&keys, false);
                    forward(status, headers, body, &pass.answered(status))
                }
                Scripted::Fail(failure) => edge_reply(pass.failed(failure)),
            },
            Start::Lookup(lookup) => self.cached(lookup),
        }
    }

    pub(crate) fn get(&self, target: &str) -> Reply {
        self.send("GET", target, &[])
    }

    /// Starts a request and stops where it is about to ask the origin
    /// (holding whatever write it got), to interleave another one.
    pub(crate) fn begin<'c>(&'c self, target: &str) -> Fetch<'c> {
        let viewer = ViewerRequest::new("GET", target).host("edge.example.com");
        let Start::Lookup(lookup) = flow::start(&self.config, &viewer, self.now.get()) else {
            panic!("{target} is not looked up");
        };
        match self.after_lookup(lookup) {
            Ok(fetch) => fetch,
            Err(reply) => panic!("{target} was answered: {}", reply.cache_status()),
        }
    }

    /// Finishes a request [`Platform::begin`] started.
    pub(crate) fn finish(&self, fetch: Fetch<'_>) -> Reply {
        self.fetch(fetch)
    }

    fn cached(&self, lookup: Lookup<'_>) -> Reply {
        match self.after_lookup(lookup) {
            Ok(fetch) => self.fetch(fetch),
            Err(reply) => reply,
        }
    }

    /// Looks up until core says what to fetch, or answers from the cache.
    fn after_lookup<'c>(&'c self, mut lookup: Lookup<'c>) -> Result<Fetch<'c>, Reply> {
        loop {
            let key = lookup.key().hash_hex();
            let (found, write) = self.look_up(&lookup);
            match lookup.found(found, write) {
                AfterLookup::Serve(serve) => {
                    self.release(&key, write);
                    return Err(self.serve(serve));
                }
                AfterLookup::ServeStale(serve, refresh) => {
                    let reply = self.serve(serve);
                    // Background work, done before the next request.
                    if write == Write::Held || self.try_claim(&key) {
                        self.fetch(refresh.fetch());
                    }
                    return Err(reply);
                }
                AfterLookup::Claim(claim) => {
                    let claimed = if self.try_claim(&key) {
                        Claimed::Leader
                    } else {
                        Claimed::Follower
                    };
                    match claim.claimed(claimed) {
                        AfterClaim::Fetch(fetch) => return Ok(fetch),
                        // Nothing runs meanwhile here: look up at once.
                        AfterClaim::Wait(next) => lookup = next,
                    }
                }
                // Nothing runs meanwhile here: look up again at once.
                AfterLookup::Wait(wait) => lookup = wait.again(),
                AfterLookup::Fetch(fetch) => {
                    if !fetch.stores() {
                        self.release(&key, write);
                    }
                    return Ok(fetch);
                }
            }
        }
    }

    /// What the cache holds for the lookup's key, and the write.
    fn look_up(&self, lookup: &Lookup<'_>) -> (Found, Write) {
        let key = lookup.key().hash_hex();
        let now = self.now.get();
        let object = self.cache.borrow().get(&key).and_then(|variants| {
            variants
                .iter()
                .find(|o| o.gone_after > now && o.head.meta.vary.matches(lookup.plan()))
                .cloned()
        });
        let write = match self.locking {
            Locking::Claim => Write::OnRequest,
            Locking::Transaction if object.as_ref().is_some_and(|o| o.stale_after > now) => {
                Write::Busy
            }
            Locking::Transaction if self.try_claim(&key) => Write::Held,
            // Fastly hands a stored copy to every caller while one
            // refreshes it.
            Locking::Transaction if object.is_some() => Write::Pending,
            Locking::Transaction => Write::Busy,
        };
        let Some(object) = object else {
            return (Found::Nothing, write);
        };
        let keys = lookup.purge_keys_of(&object.head);
        let purge = self
            .purges
            .borrow()
            .verdict(keys.iter().map(String::as_str), object.fetched_ms);
        let entry = Entry {
            head: object.head,
            platform_stale: object.stale_after <= now,
            purge,
            body_length: Some(object.body.len() as u64),
        };
        (Found::Entry(entry), write)
    }

    fn try_claim(&self, key: &str) -> bool {
        let claimed = self.claims.borrow_mut().claim(key, self.now.get() * 1000);
        claimed
            .map(|ticket| self.tickets.borrow_mut().insert(key.to_string(), ticket))
            .is_ok()
    }

    fn release(&self, key: &str, write: Write) {
        if write == Write::Held {
            self.let_go(key);
        }
    }

    fn let_go(&self, key: &str) {
        if let Some(ticket) = self.tickets.borrow_mut().remove(key) {
            self.claims.borrow_mut().release(&ticket);
        }
    }

    /// Asks the origin, then does what core says with its answer.
    fn fetch(&self, fetch: Fetch<'_>) -> Reply {
        let key = fetch.key().hash_hex();
        let fetched_ms = self.now.get() * 1000;
        let scripted = self.ask(&fetch.request());
        let (status, headers, body, broken) = match scripted {
            Scripted::Response {
                status,
                headers,
                body,
            } => (status, headers, body, false),
            Scripted::Broken {
                status,
                headers,
                body,
            } => (status, headers, body, true),
            Scripted::Fail(failure) => {
                self.let_go(&key);
                return match fetch.failed(failure) {
                    AfterFailure::FromCache(serve) => self.serve(serve),
                    AfterFailure::Respond(reply) => edge_reply(reply),
                };
            }
        };
        let pairs: Vec<(&str, &[u8])> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let response = OriginResponse {
            status,
            headers: Headers::new(&pairs),
        };
        let step = fetch.answered(response);
        self.let_go(&key);
        match step {
            AfterOrigin::Store(store) => match store
                .checked(&body, !broken)
                .and_then(|store| store.within(u64::MAX))
            {
                Ok(store) => {
                    // The copy into the cache, counted as it goes.
                    let mut check = store.body_check();
                    let copied = check.received(body.len()).and_then(|()| match broken {
                        true => Err(check.broke()),
                        false => check.ended().map(drop),
                    });
                    match copied {
                        Ok(()) => {
                            self.write(&key, store.entry, body.clone(), fetched_ms);
                            self.serve_body(store.serve, &body)
                        }
                        Err(cut) => {
                            let finish = store.serve.into_finish().cut(cut);
                            forward(status, headers, body, &finish)
                        }
                    }
                }
                Err(finish) => forward(status, headers, body, &finish),
            },
            AfterOrigin::Update(update) => {
                let body = self.stored_body(&key, &update.entry.head);
                self.write(&key, update.entry, body.clone(), fetched_ms);
                self.serve_body(update.serve, &body)
            }
            AfterOrigin::Forward { finish, write } => {
                if let WriteEnd::HitForPass(marker) = write {
                    let entry = NewEntry {
                        head: marker.head,
                        fresh_for: marker.ttl,
                        stale_for: 0,
                        keep_for: marker.ttl,
                        vary: Vec::new(),
                        purge_keys: Vec::new(),
                        tags_dropped: 0,
                        length: Some(0),
                    };
                    self.write(&key, entry, Vec::new(), fetched_ms);
                }
                forward(status, headers, body, &finish)
            }
            AfterOrigin::FromCache(serve) => self.serve(serve),
        }
    }

    fn ask(&self, request: &OriginRequest<'_, '_>) -> Scripted {
        let received = Received {
            method: request.method.as_str().to_string(),
            url: request.url.clone(),
            headers: request
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_vec()))
                .collect(),
        };
        let scripted = (self.origin)(&received);
        self.received.borrow_mut().push(received);
        scripted
    }

    /// Stores an entry: one object per key and variant.
    fn write(&self, key: &str, entry: NewEntry, body: Vec<u8>, fetched_ms: u64) {
        let now = self.now.get();
        let object = Object {
            stale_after: now + entry.fresh_for,
            gone_after: now + entry.keep_for.max(1),
            head: entry.head,
            body,
            fetched_ms,
            purge_keys: entry.purge_keys,
        };
        let mut cache = self.cache.borrow_mut();
        let variants = cache.entry(key.to_string()).or_default();
        variants.retain(|o| o.head.meta.vary != object.head.meta.vary);
        variants.push(object);
    }

    fn stored_body(&self, key: &str, head: &StoredHead) -> Vec<u8> {
        self.cache
            .borrow()
            .get(key)
            .and_then(|variants| variants.iter().find(|o| o.head.meta.vary == head.meta.vary))
            .map(|o| o.body.clone())
            .unwrap_or_default()
    }

    /// Serves the stored body of the entry `serve` names.
    fn serve(&self, serve: FromCache) -> Reply {
        let key = serve
            .finish()
            .key()
            .map(|k| k.hash_hex())
            .unwrap_or_default();
        let body = self.stored_body(&key, serve.head());
        self.serve_body(serve, &body)
    }

    fn serve_body(&self, serve: FromCache, body: &[u8]) -> Reply {
        let length = u64::try_from(body.len()).ok();
        let reply = serve.reply(length);
        let body = match reply.body {
            BodyPart::Whole => body.to_vec(),
            BodyPart::Range { start, end } => {
                body[usize::try_from(start).unwrap()..=usize::try_from(end).unwrap()].to_vec()
            }
            BodyPart::Empty => Vec::new(),
        };
        respond(reply.status, reply.headers, body, serve.finish())
    }
}

fn forward(status: u16, headers: Vec<(String, String)>, body: Vec<u8>, finish: &Finish) -> Reply {
    let headers = headers
        .into_iter()
        .map(|(n, v)| (n, v.into_bytes()))
        .collect();
    respond(status, headers, body, finish)
}

fn edge_reply(reply: EdgeReply) -> Reply {
    let headers = vec![(
        "content-type".to_string(),
        b"text/plain; charset=utf-8".to_vec(),
    )];
    respond(
        reply.status,
        headers,
        reply.text.into_bytes(),
        &reply.finish,
    )
}

/// The response as the viewer gets it: decorated, without CDN-only
/// headers, without a body for HEAD; and its log line.
fn respond(
    status: u16,
    mut headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    finish: &Finish,
) -> Reply {
    for (name, value) in finish.header_edits() {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if let Some(value) = value {
            headers.push((name.to_string(), value.into_bytes()));
        }
    }
    let sent = edgecache_core::Sent {
        status,
        bytes: Some(if finish.send_body() {
            body.len() as u64
        } else {
            0
        }),
        platform: "reference",
        ..edgecache_core::Sent::default()
    };
    Reply {
        status,
        headers,
        log: finish.log_line(&sent),
        body: if finish.send_body() { body } else { Vec::new() },
    }
}
