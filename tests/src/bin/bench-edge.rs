//! Figures for an edge runtime in front of the demo origin with the
//! case study's 2-second search: start-up time, MISS and HIT latency, how
//! many origin requests 100 concurrent misses of one key make, hits per
//! second from wrk on loopback (when wrk is installed), and what loading
//! the configuration costs a request in wasm: the embedded precompiled
//! form, a store's precompiled text, a store's JSON.
//!
//! `cargo run --release -p edgecache-e2e --bin bench-edge -- fastly|cloudflare`
//! (make bench-fastly, make bench-cloudflare).

use std::time::{Duration, Instant};

use demo_origin::Options;
use e2e::{Edge, Platform, Request};

fn main() {
    let platform = Platform::from_args("bench-edge");
    let origin = match demo_origin::start(
        "127.0.0.1:0",
        Options {
            search_delay: Duration::from_millis(2000),
            hang: Duration::from_secs(30),
        },
    ) {
        Ok(origin) => origin,
        Err(e) => {
            eprintln!("bench-edge: the demo origin does not start: {e}");
            std::process::exit(1);
        }
    };
    // The test configuration times the origin out after 1 s; the search
    // here takes the case study's 2 s.
    let mut config: serde_json::Value =
        serde_json::from_str(&e2e::test_config(&origin.url())).unwrap_or_default();
    config["origins"]["demo"]["first_byte_timeout_ms"] = 10_000.into();
    let started = Instant::now();
    let edge = Edge::start_with_config(platform, &origin.url(), &config.to_string());
    let startup = started.elapsed();
    // The first request also instantiates the module.
    Request::get(&edge.url("/products/2")).send();
    let runtime = match platform {
        Platform::Fastly => "Viceroy",
        Platform::Cloudflare => "wrangler dev, workerd",
    };
    println!("platform: {platform:?} ({runtime})");
    println!(
        "start-up to first accepted connection: {} ms",
        startup.as_millis()
    );

    let misses: Vec<Duration> = (0..10)
        .map(|i| timed(&edge.url(&format!("/search/pcp?Keyword=miss{i}&Zipcode=10001"))))
        .collect();
    report("MISS (2 s search origin)", misses);

    let hit_url = edge.url("/search/pcp?Keyword=hit&Zipcode=10001");
    timed(&hit_url);
    let hits: Vec<Duration> = (0..500).map(|_| timed(&hit_url)).collect();
    report("HIT", hits);
    // The runtime's own floor: an answer from the edge, no cache, no origin.
    let rejected = edge.url("/media/a.mp3");
    let floor: Vec<Duration> = (0..500)
        .map(|_| {
            let started = Instant::now();
            Request::post(&rejected).send();
            started.elapsed()
        })
        .collect();
    report("edge-only answer (403, no cache read)", floor);
    hits_per_second(&hit_url);

    purge_to_miss(&edge);

    let key = "/search/pcp?Keyword=stampede&Zipcode=10001";
    let url = edge.url(key);
    let threads: Vec<_> = (0..100)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || Request::get(&url).send().status)
        })
        .collect();
    let ok = threads
        .into_iter()
        .map(|t| t.join().unwrap_or(0))
        .filter(|&s| s == 200)
        .count();
    let stats = Request::get(&format!("{}/__origin/stats", origin.url()))
        .send()
        .json();
    let reached = stats["targets"][key].as_u64().unwrap_or(0);
    println!("100 concurrent misses of one key: {ok} answered 200, {reached} origin request(s)");
    drop(edge);
    configuration_load(platform, &origin.url(), &config.to_string());
}

/// The edge's own answer (a 403, no cache, no origin) with the
/// configuration from each source: what a request pays to load it, in
/// wasm. Every source gives the answer: the demo's embedded configuration
/// and the test configuration both refuse a POST under /media/*.
fn configuration_load(platform: Platform, origin: &str, json: &str) {
    let precompiled = match edgecache_core::Config::from_json(json) {
        Ok(config) => config.to_precompiled_text(),
        Err(e) => {
            eprintln!("bench-edge: the test configuration is invalid: {e}");
            return;
        }
    };
    let mut sources = vec![
        ("embedded, precompiled", String::new()),
        ("store, precompiled text", precompiled),
    ];
    // The Worker reads no JSON configuration: it would measure a refusal.
    if platform == Platform::Fastly {
        sources.push(("store, JSON", json.to_string()));
    }
    for (source, document) in sources {
        let edge = Edge::start_with_document(platform, origin, &document);
        let rejected = edge.url("/media/a.mp3");
        Request::post(&rejected).send();
        let floor: Vec<Duration> = (0..500)
            .map(|_| {
                let started = Instant::now();
                let status = Request::post(&rejected).send().status;
                if status != 403 {
                    eprintln!("bench-edge: {source}: the edge answered {status}");
                }
                started.elapsed()
            })
            .collect();
        report(&format!("edge-only answer, configuration {source}"), floor);
    }
}

/// The invalidation API: how long a purge call takes, and the time from
/// its response to a MISS for what it purged (polling until one comes).
fn purge_to_miss(edge: &Edge) {
    let mut calls = Vec::new();
    let mut to_miss = Vec::new();
    let mut requests = 0;
    for i in 0..20 {
        let target = format!("/products/{}", 1000 + 2 * i);
        let url = edge.url(&target);
        while !Request::get(&url).send().x_cache().starts_with("Hit") {}
        let started = Instant::now();
        let answer = Request::post(&edge.url("/.edgecache/purge"))
            .header("authorization", &format!("Bearer {}", e2e::PURGE_TOKEN))
            .body(format!(r#"{{"paths": ["{target}"]}}"#))
            .send();
        let answered = Instant::now();
        calls.push(answered - started);
        if answer.status != 202 {
            eprintln!("bench-edge: purge answered {}", answer.status);
            return;
        }
        loop {
            requests += 1;
            if Request::get(&url).send().x_cache().starts_with("Miss") {
                break;
            }
        }
        to_miss.push(answered.elapsed());
    }
    report("purge call (202)", calls);
    println!("requests until the MISS, over 20 purges: {requests}");
    report("purge response to a MISS for the purged path", to_miss);
}

/// wrk's Requests/sec for one cached URL: 2 threads, 16 connections, 10 s.
fn hits_per_second(url: &str) {
    let run = std::process::Command::new("wrk")
        .args(["-t2", "-c16", "-d10s", "--latency", url])
        .output();
    match run {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            for line in text.lines().filter(|l| {
                l.contains("Requests/sec") || l.contains(" 50% ") || l.contains(" 99% ")
            }) {
                println!("wrk -t2 -c16 -d10s HIT: {}", line.trim());
            }
        }
        _ => println!("hits per second: wrk not installed (apt-get install wrk)"),
    }
}

fn timed(url: &str) -> Duration {
    let started = Instant::now();
    let got = Request::get(url).send();
    let elapsed = started.elapsed();
    if got.status != 200 {
        eprintln!("bench-edge: {url} answered {}", got.status);
    }
    elapsed
}

fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label}: n={} median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms",
        samples.len(),
        at(0.5).as_secs_f64() * 1000.0,
        at(0.9).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0
    );
}
