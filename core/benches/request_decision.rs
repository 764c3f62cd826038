//! The whole request decision against `url::Url::parse` of the same URL.
//!
//! `cargo bench -p edgecache-core` runs criterion's measurements, then a
//! head-to-head pass that prints the ratio (goal: at most 3x), the
//! poisoning guard's scan rate, and what loading the configuration costs
//! an instance against the decision.

// Benchmarks may panic: a failed unwrap or expect stops the run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use edgecache_core::{
    Config, Disposition, Headers, RequestDecision, Scheme, ViewerRequest, Watched, decide_request,
};

const URL: &str = "https://api.example.com/search/pcp?Zipcode=10001&Keyword=flu&utm_source=newsletter&Limit=10&Page=2";
const TARGET: &str = "/search/pcp?Zipcode=10001&Keyword=flu&utm_source=newsletter&Limit=10&Page=2";

/// Headers a browser sends with an API call.
const HEADERS: [(&str, &[u8]); 6] = [
    ("host", b"api.example.com"),
    (
        "user-agent",
        b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
    ),
    ("accept", b"application/json"),
    ("accept-encoding", b"gzip, deflate, br"),
    ("accept-language", b"en-US,en;q=0.9"),
    ("cookie", b"session=0123456789abcdef; theme=dark"),
];

fn config() -> Config {
    Config::from_json(include_str!("../../config/demo.json")).expect("demo config")
}

fn viewer() -> ViewerRequest<'static> {
    ViewerRequest {
        method: "GET",
        scheme: Scheme::Https,
        host: "api.example.com",
        target: TARGET,
        headers: Headers::new(&HEADERS),
        has_body: false,
        client_ip: Some("192.0.2.1"),
        from_edge: false,
    }
}

/// The decision plus the key's hash, which every lookup needs.
fn decide_and_hash(config: &Config, request: &ViewerRequest<'_>) -> usize {
    match decide_request(config, request) {
        RequestDecision::Forward(plan) => match &plan.disposition {
            Disposition::Lookup(key) => key.hash_hex().len() + plan.origin_request.url.len(),
            Disposition::Pass(_) => 0,
        },
        RequestDecision::Reject(_) => 0,
    }
}

fn benches(c: &mut Criterion) {
    let config = config();
    let request = viewer();
    c.bench_function("url::Url::parse", |b| {
        b.iter(|| url::Url::parse(black_box(URL)))
    });
    c.bench_function("decide_request", |b| {
        b.iter(|| decide_request(black_box(&config), black_box(&request)))
    });
    c.bench_function("decide_request + key hash", |b| {
        b.iter(|| decide_and_hash(black_box(&config), black_box(&request)))
    });
}

/// Criterion's measurements of [`benches`], configured from the command
/// line (`cargo bench -- <filter>`), as `criterion_group!` would generate
/// it; written out so that it carries a doc comment.
fn group() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
}

/// Median nanoseconds per call over `rounds` batches.
fn median_ns(rounds: usize, per_round: u32, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_round {
                f();
            }
            start.elapsed().as_nanos() as f64 / f64::from(per_round)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[rounds / 2]
}

fn print_ratio() {
    let config = config();
    let request = viewer();
    // Interleave the two so that machine load hits both alike.
    let (mut parse, mut decide, mut hashed) = (Vec::new(), Vec::new(), Vec::new());
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        parse.push(median_ns(5, 2000, || {
            black_box(url::Url::parse(black_box(URL)).ok());
        }));
        decide.push(median_ns(5, 2000, || {
            black_box(decide_request(black_box(&config), black_box(&request)));
        }));
        hashed.push(median_ns(5, 2000, || {
            black_box(decide_and_hash(black_box(&config), black_box(&request)));
        }));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (parse, decide, hashed) = (median(parse), median(decide), median(hashed));
    println!();
    println!("head-to-head (median ns per call, release profile):");
    println!("  url::Url::parse            {parse:8.0} ns");
    println!(
        "  decide_request             {decide:8.0} ns   ratio {:.2}x (goal <= 3x)",
        decide / parse
    );
    println!(
        "  decide_request + key hash  {hashed:8.0} ns   ratio {:.2}x",
        hashed / parse
    );
}

/// A configuration like the demo's with `behaviors` behaviors in all: the
/// demo's five, then API paths of their own.
fn config_with_behaviors(behaviors: usize) -> String {
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("../../config/demo.json")).unwrap();
    let list = doc["behaviors"].as_array_mut().unwrap();
    for i in list.len()..behaviors {
        list.push(serde_json::json!({
            "path_pattern": format!("/api/v{i}/*"),
            "origin": "demo",
            "cache_policy": "origin-decides",
            "origin_request_policy": "all-query-strings",
        }));
    }
    doc.to_string()
}

/// What a request pays when its instance loads the configuration (Fastly
/// starts an instance per request), against the request decision itself:
/// the JSON document parsed and validated (a config store holding JSON),
/// the precompiled form embedded at build time, and its text form in a
/// config store.
fn print_config_load() {
    let config = config();
    let request = viewer();
    let decide = median_ns(21, 2000, || {
        black_box(decide_request(black_box(&config), black_box(&request)));
    });
    println!();
    println!("configuration load per instance (median, release profile):");
    for behaviors in [5, 60] {
        let json = config_with_behaviors(behaviors);
        let compiled = Config::from_json(&json).expect("valid");
        let binary: &'static [u8] = Vec::leak(compiled.to_precompiled());
        let text = compiled.to_precompiled_text();
        let forms: [(&str, usize, &dyn Fn()); 3] = [
            ("JSON, validated", json.len(), &|| {
                black_box(Config::from_json(black_box(&json)).ok());
            }),
            ("precompiled, embedded", binary.len(), &|| {
                black_box(Config::from_precompiled(black_box(binary)).ok());
            }),
            ("precompiled, store text", text.len(), &|| {
                black_box(Config::from_document(black_box(&text)).ok());
            }),
        ];
        for (form, bytes, load) in forms {
            let ns = median_ns(11, 200, load);
            println!(
                "  {behaviors:2} behaviors, {form:24} {bytes:6} bytes: {:7.2} us, {:5.2}x the request decision",
                ns / 1000.0,
                ns / decide
            );
        }
    }
}

/// The poisoning guard's cost on a miss: scanning a 64 KiB body, fed in
/// 8 KiB chunks, for the request's unkeyed values (hits never scan).
fn print_scan() {
    let config = config();
    let request = viewer();
    let RequestDecision::Forward(plan) = decide_request(&config, &request) else {
        return;
    };
    let pattern = br#"{"practice": "Main Street Clinic", "distance_km": 1.2}, "#;
    let body: Vec<u8> = pattern.iter().copied().cycle().take(64 * 1024).collect();
    let watched = Watched::of(&plan);
    let ns = median_ns(9, 50, || {
        let mut scan = watched.body_scan();
        for chunk in body.chunks(8192) {
            black_box(scan.feed(black_box(chunk)));
        }
    });
    println!(
        "  reflection scan, 64 KiB    {:8.0} ns   {:.0} MB/s, {} values looked for",
        ns,
        65_536.0 / ns * 1000.0,
        watched.values().len()
    );
}

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    print_ratio();
    print_scan();
    print_config_load();
}
