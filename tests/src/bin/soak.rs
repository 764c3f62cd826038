//! A bounded soak: one edge runtime in front of the demo origin, N
//! threads for S seconds asking for Zipf-distributed keys whose bodies
//! each name their key, with passes and purges mixed in. Prints what
//! happened, and exits 1 when a body mismatched or a transport error or
//! an unexpected 5xx happened (`make soak`, not part of `make test`).
//!
//! `cargo run --release -p edgecache-e2e --bin soak -- fastly|cloudflare`
//! with `SOAK_THREADS` (4), `SOAK_SECONDS` (20), `SOAK_KEYS` (2000),
//! `SOAK_TTL` (5 seconds, the keys' `max-age`), `SOAK_PURGES` (1: percent
//! of requests that purge a key) and `SOAK_PASSES` (4: percent that are
//! POSTs, passed to the origin).
//!
//! Every answer is checked: a GET's body must be exactly its key's (the
//! length and bytes are a function of the key), a pass's must be the
//! echo of its own request. "Ideal" origin requests are those a perfect
//! cache would make: one per key per TTL window it was asked in, plus a
//! refill after each purge of an asked-for key.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use demo_origin::Options;
use e2e::{Edge, PURGE_TOKEN, Platform, Request};

/// What the threads count.
#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    gets: AtomicU64,
    hits: AtomicU64,
    passes: AtomicU64,
    purges: AtomicU64,
    transport_errors: AtomicU64,
    unexpected_5xx: AtomicU64,
    mismatches: AtomicU64,
}

/// A perfect cache, kept beside the real one: when each key's fill
/// expires, and how many fills it made. Its clock is the edge's: whole
/// Unix seconds (an entry stored at 10.9 s is stale at 15 s).
#[derive(Default)]
struct Ideal {
    fresh_until: HashMap<u32, f64>,
    fills: u64,
}

impl Ideal {
    fn asked(&mut self, key: u32, ttl: f64) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()) as f64;
        let fresh_until = self.fresh_until.entry(key).or_insert(f64::MIN);
        if now >= *fresh_until {
            *fresh_until = now + ttl;
            self.fills += 1;
        }
    }

    fn purged(&mut self, key: u32) {
        self.fresh_until.remove(&key);
    }
}

/// The settings, from the environment.
struct Settings {
    platform: Platform,
    threads: u64,
    seconds: u64,
    keys: u32,
    ttl: u64,
    purges: u64,
    passes: u64,
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn settings() -> Settings {
    let platform = Platform::from_args("soak");
    Settings {
        platform,
        threads: env_or("SOAK_THREADS", 4).max(1),
        seconds: env_or("SOAK_SECONDS", 20).max(1),
        keys: u32::try_from(env_or("SOAK_KEYS", 2000))
            .unwrap_or(2000)
            .max(1),
        ttl: env_or("SOAK_TTL", 5).max(1),
        purges: env_or("SOAK_PURGES", 1).min(100),
        passes: env_or("SOAK_PASSES", 4).min(100),
    }
}

/// The body the origin answers for `key`: its name, repeated to a length
/// that depends on the key (between 64 bytes and about 16 KiB).
fn body_of(key: u32) -> Vec<u8> {
    // The origin ends the body parameter with a newline, then repeats it.
    let word = format!("soak-key-{key};\n");
    let length = 64 + (key as usize * 7919) % 16_384;
    word.bytes().cycle().take(length).collect()
}

/// The target for `key`.
fn target_of(key: u32, ttl: u64) -> String {
    let length = body_of(key).len();
    format!("/respond/soak/{key}?cc=public%2C%20max-age%3D{ttl}&body=soak-key-{key};&size={length}")
}

/// Zipf (s = 1) over `keys` keys: the cumulative weights.
fn zipf(keys: u32) -> Vec<f64> {
    let mut total = 0.0;
    (1..=keys)
        .map(|rank| {
            total += 1.0 / f64::from(rank);
            total
        })
        .collect()
}

/// A small PRNG (xorshift64*), seeded per thread.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A float in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn key(&mut self, cumulative: &[f64]) -> u32 {
        let total = cumulative.last().copied().unwrap_or(1.0);
        let x = self.unit() * total;
        let index = cumulative.partition_point(|&c| c < x);
        u32::try_from(index).unwrap_or(0)
    }
}

struct Run<'a> {
    edge: &'a Edge,
    settings: &'a Settings,
    counts: &'a Counts,
    ideal: &'a Mutex<Ideal>,
    started: Instant,
    cumulative: &'a [f64],
}

impl Run<'_> {
    fn thread(&self, seed: u64) {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let until = self.started + Duration::from_secs(self.settings.seconds);
        while Instant::now() < until {
            let key = rng.key(self.cumulative);
            let (purges, passes) = (self.settings.purges, self.settings.passes);
            match rng.next() % 100 {
                n if n < purges => self.purge(key),
                n if n < purges + passes => self.pass(key, rng.next()),
                _ => self.get(key),
            }
            self.counts.requests.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn get(&self, key: u32) {
        self.ideal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .asked(key, self.settings.ttl as f64);
        self.counts.gets.fetch_add(1, Ordering::Relaxed);
        let target = target_of(key, self.settings.ttl);
        let Some(got) = self.send(Request::get(&self.edge.url(&target))) else {
            return;
        };
        if got.x_cache().starts_with("Hit") || got.x_cache().starts_with("RefreshHit") {
            self.counts.hits.fetch_add(1, Ordering::Relaxed);
        }
        if got.status != 200 || got.cut || got.body != body_of(key) {
            self.mismatch(&format!(
                "GET {target}: {} {} bytes",
                got.status,
                got.body.len()
            ));
        }
    }

    /// A POST, which the behavior passes to the origin: the echo must be
    /// of this very request.
    fn pass(&self, key: u32, nonce: u64) {
        self.counts.passes.fetch_add(1, Ordering::Relaxed);
        let body = format!("soak-pass-{key}-{nonce};");
        let target = format!("/respond/soak-pass/{key}?body={body}");
        let Some(got) = self.send(Request::post(&self.edge.url(&target))) else {
            return;
        };
        if got.status != 200 || got.body != format!("{body}\n").into_bytes() {
            self.mismatch(&format!(
                "POST {target}: {} {} bytes",
                got.status,
                got.body.len()
            ));
        }
    }

    fn purge(&self, key: u32) {
        self.counts.purges.fetch_add(1, Ordering::Relaxed);
        let call = format!(r#"{{"paths": ["/respond/soak/{key}"]}}"#);
        let request = Request::post(&self.edge.url("/.edgecache/purge"))
            .header("authorization", &format!("Bearer {PURGE_TOKEN}"))
            .header("content-type", "application/json")
            .body(call);
        // Purged first on the ideal side: a request racing the purge may
        // then count one fill more than the real cache makes, never less.
        self.ideal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .purged(key);
        if let Some(got) = self.send(request)
            && !matches!(got.status, 200 | 202)
        {
            self.mismatch(&format!("purge of {key}: {}", got.status));
        }
    }

    fn send(&self, request: Request) -> Option<e2e::Got> {
        match request.try_send() {
            Ok(got) => {
                if got.status >= 500 {
                    self.counts.unexpected_5xx.fetch_add(1, Ordering::Relaxed);
                }
                Some(got)
            }
            Err(e) => {
                self.counts.transport_errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("soak: {e}");
                None
            }
        }
    }

    fn mismatch(&self, what: &str) {
        let n = self.counts.mismatches.fetch_add(1, Ordering::Relaxed);
        if n < 10 {
            eprintln!("soak: mismatch: {what}");
        }
    }
}

fn main() {
    let settings = settings();
    let origin = match demo_origin::start("127.0.0.1:0", Options::default()) {
        Ok(origin) => origin,
        Err(e) => {
            eprintln!("soak: the demo origin does not start: {e}");
            std::process::exit(1);
        }
    };
    let edge = Edge::start(settings.platform, &origin.url());
    // Until the runtime answers: wrangler accepts before workerd serves.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Request::get(&edge.url("/soak-probe")).try_send().is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let memory_before = edge.memory_kib();
    let counts = Counts::default();
    let ideal = Mutex::new(Ideal::default());
    let cumulative = zipf(settings.keys);
    let started = Instant::now();
    let runner = Run {
        edge: &edge,
        settings: &settings,
        counts: &counts,
        ideal: &ideal,
        started,
        cumulative: &cumulative,
    };
    // The runtime's memory every five seconds while the threads run.
    let mut samples = Vec::new();
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..settings.threads)
            .map(|seed| {
                let runner = &runner;
                scope.spawn(move || runner.thread(seed + 1))
            })
            .collect();
        let mut next = Instant::now() + Duration::from_secs(5);
        while threads.iter().any(|t| !t.is_finished()) {
            std::thread::sleep(Duration::from_millis(100));
            if Instant::now() >= next {
                samples.push(edge.memory_kib());
                next += Duration::from_secs(5);
            }
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let memory_after = edge.memory_kib();
    let stats: serde_json::Value = Request::get(&format!("{}/__origin/stats", origin.url()))
        .send()
        .json();
    let origin_fills: u64 = stats["paths"]
        .as_object()
        .map(|paths| {
            paths
                .iter()
                .filter(|(path, _)| path.starts_with("/respond/soak/"))
                .filter_map(|(_, n)| n.as_u64())
                .sum()
        })
        .unwrap_or(0);
    samples.insert(0, memory_before);
    samples.push(memory_after);
    report(&settings, &counts, &ideal, origin_fills, elapsed, &samples);
    let failures = [
        &counts.mismatches,
        &counts.transport_errors,
        &counts.unexpected_5xx,
    ]
    .iter()
    .map(|n| n.load(Ordering::Relaxed))
    .sum::<u64>();
    if failures > 0 {
        std::process::exit(1);
    }
}

fn report(
    settings: &Settings,
    counts: &Counts,
    ideal: &Mutex<Ideal>,
    origin_fills: u64,
    elapsed: f64,
    memory: &[Option<u64>],
) {
    let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
    let requests = get(&counts.requests);
    let gets = get(&counts.gets);
    let ideal_fills = ideal.lock().unwrap_or_else(PoisonError::into_inner).fills;
    let ratio = |a: u64, b: u64| {
        if b == 0 {
            0.0
        } else {
            a as f64 * 100.0 / b as f64
        }
    };
    let mib = |m: &Option<u64>| m.map_or("?".to_string(), |k| format!("{:.0}", k as f64 / 1024.0));
    println!(
        "soak: {:?}, {} threads, {:.1} s, {} keys (Zipf s=1), max-age {} s, {}% purges, {}% passes",
        settings.platform,
        settings.threads,
        elapsed,
        settings.keys,
        settings.ttl,
        settings.purges,
        settings.passes
    );
    println!(
        "requests          {requests} ({:.0}/s)",
        requests as f64 / elapsed
    );
    println!(
        "  GETs            {gets}, hits {} ({:.1}%)",
        get(&counts.hits),
        ratio(get(&counts.hits), gets)
    );
    println!("  passes (POST)   {}", get(&counts.passes));
    println!("  purges          {}", get(&counts.purges));
    println!("transport errors  {}", get(&counts.transport_errors));
    println!("unexpected 5xx    {}", get(&counts.unexpected_5xx));
    println!("body mismatches   {}", get(&counts.mismatches));
    println!(
        "origin fills      {origin_fills} (ideal {ideal_fills}, {:+.1}%)",
        ratio(origin_fills, ideal_fills.max(1)) - 100.0
    );
    let memory: Vec<String> = memory.iter().map(mib).collect();
    println!(
        "runtime memory    {} MiB (at the start, every 5 s, at the end)",
        memory.join(" -> ")
    );
}
