//! The demo origin over real HTTP on loopback.

// A panic in a helper is a failed test, as in a test (clippy.toml allows
// unwrap and expect in tests; helpers here are test code too).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use demo_origin::{Options, RunningOrigin, start};
use ureq::Agent;

fn origin() -> RunningOrigin {
    let options = Options {
        search_delay: Duration::from_millis(20),
        hang: Duration::from_millis(300),
    };
    start("127.0.0.1:0", options).expect("origin starts")
}

fn agent() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

fn get(origin: &RunningOrigin, target: &str, headers: &[(&str, &str)]) -> Got {
    let mut request = agent().get(format!("{}{target}", origin.url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.call().expect("request");
    Got {
        status: response.status().as_u16(),
        headers: response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect(),
        body: response.body_mut().read_to_vec().expect("body"),
    }
}

fn post(origin: &RunningOrigin, target: &str) -> u16 {
    let response = agent()
        .post(format!("{}{target}", origin.url()))
        .send_empty()
        .expect("request");
    response.status().as_u16()
}

fn stats(origin: &RunningOrigin) -> serde_json::Value {
    get(origin, "/__origin/stats", &[]).json()
}

#[test]
fn search_answers_the_whitelisted_parameters_with_a_stable_etag() {
    let origin = origin();
    let a = get(
        &origin,
        "/search/pcp?Zipcode=10001&Keyword=flu&utm_source=x",
        &[],
    );
    assert_eq!(a.status, 200);
    assert_eq!(a.header("cache-control"), None);
    let params = &a.json()["params"];
    assert_eq!(params["Keyword"], "flu");
    assert_eq!(params["Zipcode"], "10001");
    assert!(params.get("utm_source").is_none());
    let b = get(&origin, "/search/pcp?Keyword=flu&Zipcode=10001", &[]);
    assert_eq!(a.header("etag"), b.header("etag"));
    let etag = a.header("etag").unwrap();
    let revalidated = get(
        &origin,
        "/search/pcp?Keyword=flu&Zipcode=10001",
        &[("If-None-Match", etag)],
    );
    assert_eq!(revalidated.status, 304);
    assert!(revalidated.body.is_empty());
    let partner = get(&origin, "/search/partner?Keyword=flu", &[]);
    assert_eq!(partner.header("cache-control"), Some("max-age=1"));
}

#[test]
fn products_decide_their_own_cacheability() {
    let origin = origin();
    let even = get(&origin, "/products/42", &[]);
    assert_eq!(even.header("cache-control"), Some("public, max-age=604800"));
    assert_eq!(even.header("surrogate-key"), Some("product-42 products"));
    let odd = get(&origin, "/products/7", &[]);
    assert_eq!(odd.header("cache-control"), Some("no-cache"));
    let etag = odd.header("etag").unwrap().to_string();
    assert_eq!(
        get(&origin, "/products/7", &[("If-None-Match", &etag)]).status,
        304
    );
    assert_eq!(get(&origin, "/products/x", &[]).status, 404);
}

#[test]
fn media_supports_ranges_and_conditionals() {
    let origin = origin();
    let full = get(&origin, "/media/song-40k.mp3", &[]);
    assert_eq!(full.status, 200);
    assert_eq!(full.body.len(), 40 * 1024);
    assert_eq!(full.header("content-type"), Some("audio/mpeg"));
    let part = get(&origin, "/media/song-40k.mp3", &[("Range", "bytes=10-19")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-range"), Some("bytes 10-19/40960"));
    assert_eq!(part.body, full.body[10..20]);
    let unsatisfiable = get(&origin, "/media/song-40k.mp3", &[("Range", "bytes=50000-")]);
    assert_eq!(unsatisfiable.status, 416);
    let several = get(
        &origin,
        "/media/song-40k.mp3",
        &[("Range", "bytes=0-1,5-6")],
    );
    assert_eq!(several.status, 200);
    let since = get(
        &origin,
        "/media/song-40k.mp3",
        &[("If-Modified-Since", "Tue, 02 Jan 2024 00:00:00 GMT")],
    );
    assert_eq!(since.status, 304);
    let head = agent()
        .head(format!("{}/media/song-40k.mp3", origin.url()))
        .call()
        .unwrap();
    assert_eq!(head.headers().get("content-length").unwrap(), "40960");
}

#[test]
fn respond_answers_what_it_is_asked() {
    let origin = origin();
    let got = get(
        &origin,
        "/respond?status=503&cc=max-age%3D5%2C%20stale-if-error%3D60&set-cookie=a%3D1&vary=Accept&surrogate-key=k1+k2&expires=30",
        &[],
    );
    assert_eq!(got.status, 503);
    assert_eq!(
        got.header("cache-control"),
        Some("max-age=5, stale-if-error=60")
    );
    assert_eq!(got.header("set-cookie"), Some("a=1"));
    assert_eq!(got.header("vary"), Some("Accept"));
    assert_eq!(got.header("surrogate-key"), Some("k1 k2"));
    assert!(got.header("expires").is_some());
}

#[test]
fn counts_requests_and_remembers_headers() {
    let origin = origin();
    get(&origin, "/products/2?a=1", &[("X-Origin-Verify", "secret")]);
    get(&origin, "/products/2?a=2", &[]);
    get(&origin, "/echo", &[("X-Test", "1")]);
    let counted = stats(&origin);
    assert_eq!(counted["total"], 3);
    assert_eq!(counted["paths"]["/products/2"], 2);
    assert_eq!(counted["targets"]["/products/2?a=1"], 1);
    let last = counted["last_headers"]["/echo"].as_array().unwrap();
    assert!(
        last.iter().any(|h| h[0] == "x-test" && h[1] == "1"),
        "{last:?}"
    );
    assert_eq!(post(&origin, "/__origin/reset"), 200);
    assert_eq!(stats(&origin)["total"], 0);
}

#[test]
fn fails_and_hangs_on_demand() {
    let origin = origin();
    assert_eq!(post(&origin, "/__origin/mode?set=fail"), 200);
    assert_eq!(get(&origin, "/products/2", &[]).status, 503);
    assert_eq!(post(&origin, "/__origin/mode?set=hang"), 200);
    let started = Instant::now();
    assert_eq!(get(&origin, "/products/2", &[]).status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "did not hang"
    );
    assert_eq!(post(&origin, "/__origin/mode?set=sideways"), 400);
    assert_eq!(post(&origin, "/__origin/mode?set=up"), 200);
    assert_eq!(stats(&origin)["paths"]["/products/2"], 2);
}

/// Raw HTTP/1.1 on one connection: a chunked request body is read and
/// dropped, the connection is kept for the next request, and
/// `Connection: close` ends it.
#[test]
fn keeps_connections_alive_and_reads_chunked_bodies() {
    use std::io::{Read, Write};
    let origin = origin();
    let mut stream = std::net::TcpStream::connect(origin.addr()).expect("connects");
    let requests = "POST /echo HTTP/1.1\r\nHost: o\r\nTransfer-Encoding: chunked\r\n\r\n\
                    5\r\nhello\r\n0\r\n\r\n\
                    GET /products/2 HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n";
    stream.write_all(requests.as_bytes()).expect("writes");
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .expect("reads until close");
    assert_eq!(answer.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{answer}");
    assert!(answer.contains("Connection: close\r\n"), "{answer}");
}

#[test]
fn respond_answers_the_same_under_any_path_below_it() {
    let origin = origin();
    let got = get(&origin, "/respond/t1/a?status=404&cc=max-age%3D5", &[]);
    assert_eq!(got.status, 404);
    assert_eq!(got.header("cache-control"), Some("max-age=5"));
    assert_eq!(get(&origin, "/respond/t1", &[]).body, b"ok\n");
    assert_eq!(get(&origin, "/responder", &[]).status, 404);
    let counted = stats(&origin);
    assert_eq!(counted["paths"]["/respond/t1/a"], 1);
    assert_eq!(counted["paths"]["/respond/t1"], 1);
}

/// Two tests sharing one origin each fail or hang their own paths.
#[test]
fn fails_and_hangs_only_under_a_prefix_when_given_one() {
    let origin = origin();
    assert_eq!(
        post(&origin, "/__origin/mode?set=fail&prefix=/respond/t1"),
        200
    );
    assert_eq!(
        post(&origin, "/__origin/mode?set=hang&prefix=/respond/t2"),
        200
    );
    assert_eq!(get(&origin, "/respond/t1", &[]).status, 503);
    assert_eq!(get(&origin, "/respond/t1/other?body=x", &[]).status, 503);
    assert_eq!(get(&origin, "/respond/t3", &[]).status, 200);
    assert_eq!(get(&origin, "/products/2", &[]).status, 200);
    let started = Instant::now();
    assert_eq!(get(&origin, "/respond/t2/x", &[]).status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "did not hang"
    );
    let modes = &stats(&origin)["modes"];
    assert_eq!(modes["global"], "up");
    assert_eq!(modes["under"]["/respond/t1"], "fail");
    assert_eq!(modes["under"]["/respond/t2"], "hang");
    assert_eq!(
        post(&origin, "/__origin/mode?set=up&prefix=/respond/t1"),
        200
    );
    assert_eq!(get(&origin, "/respond/t1", &[]).status, 200);
    // Failed and hung requests are counted like any other.
    assert_eq!(stats(&origin)["paths"]["/respond/t1"], 2);
}

#[test]
fn the_longest_prefix_decides_and_the_global_mode_the_rest() {
    let origin = origin();
    assert_eq!(post(&origin, "/__origin/mode?set=fail"), 200);
    assert_eq!(post(&origin, "/__origin/mode?set=up&prefix=/respond/"), 200);
    assert_eq!(
        post(&origin, "/__origin/mode?set=fail&prefix=/respond/t1"),
        200
    );
    assert_eq!(get(&origin, "/products/2", &[]).status, 503);
    assert_eq!(get(&origin, "/respond/t2", &[]).status, 200);
    assert_eq!(get(&origin, "/respond/t1/a", &[]).status, 503);
    // A reset forgets every mode.
    assert_eq!(post(&origin, "/__origin/reset"), 200);
    assert_eq!(get(&origin, "/products/2", &[]).status, 200);
    assert_eq!(get(&origin, "/respond/t1/a", &[]).status, 200);
}

#[test]
fn refuses_a_prefix_that_is_not_a_path() {
    let origin = origin();
    assert_eq!(post(&origin, "/__origin/mode?set=fail&prefix=respond"), 400);
    assert_eq!(post(&origin, "/__origin/mode?prefix=/respond"), 400);
    assert_eq!(get(&origin, "/respond", &[]).status, 200);
}
