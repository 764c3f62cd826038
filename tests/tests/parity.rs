//! Parity: for one table of requests and origin responses, the Fastly and
//! Cloudflare adapters report the same status, cache status (with the
//! key and TTL), and log the same behavior and key hash. Both call the
//! same core; this test shows that neither adapter bends its decisions.
//!
//! Every request sends `Accept-Encoding: br, gzip`: Cloudflare gives
//! Workers that value whatever the viewer sent, so with it both platforms
//! see the same input. Bodies are not compared: workerd compresses toward
//! a viewer that accepts it, as Cloudflare does, and Viceroy does not.

use e2e::{Edge, Got, Origin, Platform, Request};

/// One row: method, target, extra request headers, and how many times in
/// a row it is sent (the second time shows what was stored).
type Row = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    usize,
);

const TABLE: &[Row] = &[
    (
        "GET",
        "/search/pcp?Keyword=flu&Zipcode=10001&utm_source=a",
        &[],
        2,
    ),
    (
        "GET",
        "/search/pcp?Zipcode=10001&Keyword=flu&utm_source=b",
        &[],
        1,
    ),
    ("GET", "/search/allergy?Page=2&Keyword=flu", &[], 2),
    ("GET", "/search/allergy?Keyword=flu&Page=2", &[], 1),
    ("GET", "/products/2", &[], 2),
    ("GET", "/products/3", &[], 2),
    ("HEAD", "/products/4", &[], 2),
    ("GET", "/media/song-40k.mp3", &[("Range", "bytes=0-9")], 2),
    (
        "GET",
        "/respond?cc=public%2C%20max-age%3D600&body=a",
        &[],
        2,
    ),
    (
        "GET",
        "/respond?cc=private%2C%20max-age%3D600&body=b",
        &[],
        2,
    ),
    ("GET", "/respond?cc=no-store&body=c", &[], 2),
    ("GET", "/respond?cc=no-cache&etag=%22v1%22&body=d", &[], 2),
    (
        "GET",
        "/respond?cc=s-maxage%3D30%2C%20max-age%3D5&body=e",
        &[],
        2,
    ),
    (
        "GET",
        "/respond?expires=Thu%2C%2001%20Jan%202099%2000%3A00%3A00%20GMT&body=f",
        &[],
        2,
    ),
    ("GET", "/respond?body=g", &[], 2),
    (
        "GET",
        "/respond?cc=max-age%3D600&set-cookie=s%3D1&body=h",
        &[],
        2,
    ),
    ("GET", "/respond?status=404&body=i", &[], 2),
    ("GET", "/respond?status=500&body=j", &[], 2),
    (
        "GET",
        "/respond?cc=max-age%3D600&body=k",
        &[("Authorization", "Bearer x")],
        2,
    ),
    (
        "GET",
        "/respond?cc=max-age%3D600&surrogate-key=a%20b&cache-tag=c&body=l",
        &[],
        2,
    ),
    ("POST", "/orders", &[], 1),
    ("POST", "/media/a.mp3", &[], 1),
    // Conformance (RFC 9111, RFC 9213): a 304 to the viewer, targeted
    // fields, invalidation by a POST, Accept-Language written two ways.
    (
        "GET",
        "/respond?cc=max-age%3D600&etag=%22p1%22&body=m",
        &[("If-None-Match", "\"p1\"")],
        2,
    ),
    (
        "GET",
        "/respond?cc=max-age%3D60&cdn-cc=max-age%3D600&body=n",
        &[],
        2,
    ),
    (
        "GET",
        "/respond?cc=max-age%3D600&cdn-cc=no-store&body=o",
        &[],
        2,
    ),
    ("GET", "/respond?cc=max-age%3D600&body=p", &[], 1),
    ("POST", "/respond?cc=max-age%3D600&body=p", &[], 1),
    ("GET", "/respond?cc=max-age%3D600&body=p", &[], 1),
];

/// What a viewer saw, with the parts that depend on the clock (a hit's
/// remaining TTL, `Age`) left out.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    request: String,
    status: u16,
    x_cache: String,
    cache_status: String,
}

fn observe(edge: &Edge) -> Vec<Seen> {
    let mut seen = Vec::new();
    for &(method, target, headers, times) in TABLE {
        for time in 1..=times {
            let url = edge.url(target);
            let mut request = match method {
                "HEAD" => Request::head(&url),
                "POST" => Request::post(&url),
                _ => Request::get(&url),
            }
            .header("Accept-Encoding", "br, gzip");
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let got = request.send();
            seen.push(Seen {
                request: format!("{method} {target} #{time}"),
                status: got.status,
                x_cache: got.x_cache().to_string(),
                cache_status: without_clock(&got),
            });
        }
    }
    seen
}

/// `Cache-Status` with a hit's remaining `ttl` masked: it counts down
/// with the clock. A stored TTL (on a miss) is kept.
fn without_clock(got: &Got) -> String {
    let status = got.cache_status();
    let hit = status.split("; ").nth(1) == Some("hit");
    status
        .split("; ")
        .map(|part| match part.strip_prefix("ttl=") {
            Some(_) if hit => "ttl=*".to_string(),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The log lines of `count` requests, as (method, path, behavior, key
/// hash, status, cache status), waiting up to five seconds for them.
fn logged(edge: &Edge, count: usize) -> Vec<String> {
    let fields = |line: &str| {
        let json = line.find('{').map(|at| &line[at..])?;
        let entry: serde_json::Value = serde_json::from_str(json).ok()?;
        entry.get("key_hash")?;
        Some(format!(
            "{} {} behavior={} key_hash={} status={}",
            entry["method"], entry["path"], entry["behavior"], entry["key_hash"], entry["status"]
        ))
    };
    for _ in 0..100 {
        let lines: Vec<String> = edge.output().iter().filter_map(|l| fields(l)).collect();
        if lines.len() >= count {
            return lines;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!(
        "fewer than {count} log lines:\n{}",
        edge.output().join("\n")
    );
}

#[test]
fn both_adapters_make_the_same_decisions() {
    let origin = Origin::start();
    let fastly = Edge::start(Platform::Fastly, &origin.url());
    let cloudflare = Edge::start(Platform::Cloudflare, &origin.url());
    let on_fastly = observe(&fastly);
    let on_cloudflare = observe(&cloudflare);
    assert_eq!(on_fastly.len(), on_cloudflare.len());
    for (f, c) in on_fastly.iter().zip(&on_cloudflare) {
        assert_eq!(f, c, "Fastly (left) and Cloudflare (right) differ");
    }
    let count = on_fastly.len();
    let (fastly_log, cloudflare_log) = (logged(&fastly, count), logged(&cloudflare, count));
    for (f, c) in fastly_log.iter().zip(&cloudflare_log) {
        assert_eq!(
            f, c,
            "Fastly (left) and Cloudflare (right) logged differently"
        );
    }
    // The table exercises what it claims: hits, misses, passes, rejections.
    let x_caches: Vec<&str> = on_fastly.iter().map(|s| s.x_cache.as_str()).collect();
    for expected in [
        "Hit from edgecache",
        "Miss from edgecache",
        "Error from edgecache",
    ] {
        assert!(
            x_caches.contains(&expected),
            "{expected} not in {x_caches:?}"
        );
    }
}
