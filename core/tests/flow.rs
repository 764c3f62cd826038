//! The end-to-end scenario table on the reference adapter: every step of
//! core's request flow, natively, in milliseconds, under both ways a
//! platform hands out an entry's write. The Viceroy and workerd suites
//! run the same scenarios on the real runtimes.

// Tests may panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod reference;

use std::cell::RefCell;
use std::rc::Rc;

use edgecache_core::OriginFailure;
use reference::{Locking, Platform, Received, Reply, Scripted};

const CONFIG: &str = r#"{
  "origins": {"api": {"domain": "api.example.com", "first_byte_timeout_ms": 1000}},
  "cache_policies": {
    "origin-decides": {"min_ttl": 0, "default_ttl": 0, "max_ttl": 604800,
      "query_strings": {"behavior": "all"}},
    "fixed": {"min_ttl": 0, "default_ttl": 60, "max_ttl": 600,
      "stale_while_revalidate": 30, "stale_if_error": 300},
    "search": {"default_ttl": 31536000, "query_strings": {"behavior": "whitelist", "names": ["q"]}},
    "session": {"default_ttl": 0},
    "rfc": {"min_ttl": 0, "default_ttl": 0, "max_ttl": 604800, "query_strings": {"behavior": "all"},
      "heuristic_freshness": true, "honor_request_directives": true}
  },
  "origin_request_policies": {
    "all": {"query_strings": {"behavior": "all"},
      "headers": {"behavior": "whitelist", "names": ["Accept-Language"]}},
    "all-query": {"query_strings": {"behavior": "all"}},
    "cookies": {"cookies": {"behavior": "all"}}
  },
  "behaviors": [
    {"path_pattern": "/fixed/*", "origin": "api", "cache_policy": "fixed", "origin_request_policy": "all"},
    {"path_pattern": "/search/*", "origin": "api", "cache_policy": "search", "origin_request_policy": "all-query"},
    {"path_pattern": "/me/*", "origin": "api", "cache_policy": "session", "origin_request_policy": "cookies"},
    {"path_pattern": "/rfc/*", "origin": "api", "cache_policy": "rfc", "origin_request_policy": "all"}
  ],
  "default_behavior": {"origin": "api", "cache_policy": "origin-decides", "origin_request_policy": "all",
    "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
    "invalidate_on_unsafe_methods": true},
  "error_caching_min_ttl": {"404": 10}
}"#;

/// How the scripted origin behaves for the next requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Answers as the target asks (`cc`, `status`, `etag`, `vary`, ...).
    Up,
    /// Answers every request with this status.
    Status(u16),
    /// Gives no answer.
    Down(OriginFailure),
    /// Answers as the target asks, with `Cache-Control: no-store`.
    NoStore,
    /// Answers as the target asks, declaring the body's length, and cuts
    /// the body after half of it.
    Cut,
}

/// The origin: answers `/respond?cc=...&status=...&etag=...&vary=...&
/// set-cookie=...&tag=...&body=...` as the parameters say, and a 304 to a
/// request whose `If-None-Match` names its ETag.
fn origin(mode: Rc<RefCell<Mode>>) -> impl Fn(&Received) -> Scripted + 'static {
    move |request| {
        let mode = *mode.borrow();
        let param = |name: &str| param(&request.url, name);
        match mode {
            Mode::Down(failure) => return Scripted::Fail(failure),
            Mode::Status(status) => return response(status, Vec::new(), b"down"),
            Mode::Up | Mode::NoStore | Mode::Cut => {}
        }
        let mut headers = Vec::new();
        let mut add = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                headers.push((name.to_string(), value));
            }
        };
        let cc = if mode == Mode::NoStore {
            Some("no-store".to_string())
        } else if request.url.contains("/me/public") {
            Some("public, max-age=60".to_string())
        } else if request.url.contains("/me/") {
            Some("max-age=60".to_string())
        } else {
            param("cc")
        };
        add("cache-control", cc);
        add("etag", param("etag").map(|e| format!("\"{e}\"")));
        add("vary", param("vary"));
        add("set-cookie", param("set-cookie"));
        add("surrogate-key", param("tag"));
        add("location", param("next"));
        add("last-modified", param("lm"));
        let etag = param("etag").map(|e| format!("\"{e}\""));
        if etag.is_some() && request.header("if-none-match") == etag.as_deref() {
            return response(304, headers, b"");
        }
        let lang = request.header("accept-language").unwrap_or("-").to_string();
        let body = match (param("body"), param("callback"), request.header("cookie")) {
            (Some(body), _, _) => body,
            (None, Some(callback), _) => format!("{callback}({{}})"),
            (None, None, Some(cookie)) if request.url.contains("/me/profile") => {
                format!("hello {cookie}")
            }
            _ => format!("body for {lang}"),
        };
        let status = param("status").and_then(|s| s.parse().ok()).unwrap_or(200);
        headers.push(("content-length".into(), body.len().to_string()));
        if mode == Mode::Cut {
            let half = body.as_bytes()[..body.len() / 2].to_vec();
            return Scripted::Broken {
                status,
                headers,
                body: half,
            };
        }
        response(status, headers, body.as_bytes())
    }
}

fn response(status: u16, headers: Vec<(String, String)>, body: &[u8]) -> Scripted {
    Scripted::Response {
        status,
        headers,
        body: body.to_vec(),
    }
}

/// A query parameter of `url`, with `%3D`, `%2C` and `%20` decoded.
fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (n, v) = pair.split_once('=')?;
        (n == name).then(|| {
            v.replace("%3D", "=")
                .replace("%2C", ",")
                .replace("%20", " ")
        })
    })
}

/// One request of a scenario and what it must give.
struct Row {
    /// Seconds to let pass first.
    wait: u64,
    /// How the origin answers from this request on.
    mode: Mode,
    method: &'static str,
    target: &'static str,
    headers: &'static [(&'static str, &'static str)],
    status: u16,
    x_cache: &'static str,
    /// `Cache-Status` without the cache's name and the key.
    cache_status: &'static str,
    /// Requests the origin has received so far.
    origin_calls: usize,
}

const fn get(target: &'static str, x_cache: &'static str, cache_status: &'static str) -> Row {
    Row {
        wait: 0,
        mode: Mode::Up,
        method: "GET",
        target,
        headers: &[],
        status: 200,
        x_cache,
        cache_status,
        origin_calls: 0,
    }
}

impl Row {
    const fn calls(self, origin_calls: usize) -> Row {
        Row {
            origin_calls,
            ..self
        }
    }
    const fn after(self, wait: u64) -> Row {
        Row { wait, ..self }
    }
    const fn mode(self, mode: Mode) -> Row {
        Row { mode, ..self }
    }
    const fn status(self, status: u16) -> Row {
        Row { status, ..self }
    }
    const fn method(self, method: &'static str) -> Row {
        Row { method, ..self }
    }
    const fn headers(self, headers: &'static [(&'static str, &'static str)]) -> Row {
        Row { headers, ..self }
    }
}

fn platform(locking: Locking) -> (Platform, Rc<RefCell<Mode>>) {
    let mode = Rc::new(RefCell::new(Mode::Up));
    let platform = Platform::new(CONFIG, locking, origin(Rc::clone(&mode)));
    (platform, mode)
}

/// Runs `rows` on a new platform under each locking; returns the replies
/// of the last run.
fn run(rows: &[Row]) -> Vec<Reply> {
    let mut replies = Vec::new();
    for locking in [Locking::Transaction, Locking::Claim] {
        let (platform, mode) = platform(locking);
        replies = rows
            .iter()
            .map(|row| {
                platform.advance(row.wait);
                *mode.borrow_mut() = row.mode;
                let reply = platform.send(row.method, row.target, row.headers);
                check(&platform, row, &reply, locking);
                reply
            })
            .collect();
    }
    replies
}

fn check(platform: &Platform, row: &Row, reply: &Reply, locking: Locking) {
    let at = format!("{} {} ({locking:?})", row.method, row.target);
    let shown = reply.cache_status();
    let shown = shown.split("; key=").next().unwrap_or_default();
    let want = if row.cache_status.is_empty() {
        "edgecache".to_string()
    } else {
        format!("edgecache; {}", row.cache_status)
    };
    assert_eq!(shown, want, "{at}");
    assert_eq!(reply.status, row.status, "{at}");
    assert_eq!(reply.x_cache(), row.x_cache, "{at}");
    assert_eq!(platform.origin_calls(), row.origin_calls, "{at}");
    let log: serde_json::Value = serde_json::from_str(&reply.log).expect("the log line is JSON");
    assert_eq!(log["status"], row.status, "{at}");
    assert!(
        log["cache_status"]
            .as_str()
            .is_some_and(|s| s.starts_with(&want)),
        "{at}"
    );
}

#[test]
fn a_miss_is_stored_then_hit_until_it_expires() {
    let t = "/respond?cc=max-age%3D60";
    run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .calls(1),
        get(t, "Hit", "hit; ttl=60").calls(1),
        get(t, "Hit", "hit; ttl=1").after(59).calls(1),
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .after(1)
        .calls(2),
    ]);
}

#[test]
fn hits_carry_their_age() {
    let (platform, _) = platform(Locking::Claim);
    platform.get("/respond?cc=max-age%3D60");
    platform.advance(25);
    let hit = platform.get("/respond?cc=max-age%3D60");
    assert_eq!(hit.header("age"), Some("25"));
    assert_eq!(hit.body, b"body for -");
}

#[test]
fn stale_while_revalidate_serves_stale_and_refreshes_once() {
    let t = "/fixed/a";
    run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="default-ttl""#,
        )
        .calls(1),
        get(t, "Hit", r#"hit; ttl=-10; detail="stale-while-revalidate""#)
            .after(70)
            .calls(2),
        get(t, "Hit", "hit; ttl=60").calls(2),
    ]);
}

#[test]
fn stale_if_error_stands_in_for_a_failing_origin() {
    let t = "/fixed/b";
    let down = Mode::Down(OriginFailure::Timeout);
    let sie = r#"fwd=stale; fwd-status=503; ttl=-40; detail="stale-if-error""#;
    run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="default-ttl""#,
        )
        .calls(1),
        get(t, "RefreshHit", sie)
            .after(100)
            .mode(Mode::Status(503))
            .calls(2),
        get(
            t,
            "RefreshHit",
            r#"fwd=stale; ttl=-40; detail="stale-if-error""#,
        )
        .mode(down)
        .calls(3),
        get(t, "Error", r#"fwd=miss; detail="origin-timeout""#)
            .after(300)
            .mode(down)
            .status(504)
            .calls(4),
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="default-ttl""#,
        )
        .calls(5),
    ]);
}

#[test]
fn a_304_refreshes_the_stored_entry() {
    let t = "/respond?cc=max-age%3D10&etag=v1";
    let replies = run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=10; detail="max-age""#,
        )
        .calls(1),
        get(t, "RefreshHit", "fwd=stale; fwd-status=304; stored; ttl=10")
            .after(20)
            .calls(2),
        get(t, "Hit", "hit; ttl=5").after(5).calls(2),
    ]);
    assert_eq!(replies[1].header("age"), Some("0"));
    assert_eq!(replies[1].body, b"body for -");
}

#[test]
fn a_304_whose_refresh_may_not_be_kept_says_so_and_keeps_the_real_age() {
    let t = "/respond?cc=max-age%3D10&etag=v1";
    let replies = run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=10; detail="max-age""#,
        )
        .calls(1),
        get(
            t,
            "RefreshHit",
            r#"fwd=stale; fwd-status=304; ttl=-10; detail="no-store""#,
        )
        .after(20)
        .mode(Mode::NoStore)
        .calls(2),
    ]);
    assert_eq!(replies[1].header("age"), Some("20"));
    assert_eq!(replies[1].body, b"body for -");
}

#[test]
fn uncacheable_answers_leave_a_hit_for_pass_marker() {
    let t = "/respond?cc=private";
    run(&[
        get(t, "Miss", r#"fwd=miss; fwd-status=200; detail="private""#).calls(1),
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; detail="hit-for-pass""#,
        )
        .calls(2),
        get(t, "Miss", r#"fwd=miss; fwd-status=200; detail="private""#)
            .after(120)
            .calls(3),
    ]);
}

#[test]
fn set_cookie_answers_are_not_shared() {
    let t = "/respond?cc=max-age%3D60&set-cookie=s%3D1";
    run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; detail="set-cookie""#,
        )
        .calls(1),
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; detail="hit-for-pass""#,
        )
        .calls(2),
    ]);
}

#[test]
fn vary_keeps_one_variant_per_forwarded_value() {
    let t = "/respond?cc=max-age%3D60&vary=Accept-Language";
    let stored = r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#;
    let replies = run(&[
        get(t, "Miss", stored)
            .headers(&[("accept-language", "en")])
            .calls(1),
        get(t, "Miss", stored)
            .headers(&[("accept-language", "fr")])
            .calls(2),
        get(t, "Hit", "hit; ttl=60")
            .headers(&[("accept-language", "en")])
            .calls(2),
        get(t, "Hit", "hit; ttl=60")
            .headers(&[("accept-language", "fr")])
            .calls(2),
    ]);
    assert_eq!(replies[2].body, b"body for en");
    assert_eq!(replies[3].body, b"body for fr");
}

#[test]
fn ranges_are_cut_from_the_stored_object() {
    let t = "/respond?cc=max-age%3D60&body=0123456789";
    let replies = run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .headers(&[("range", "bytes=0-1")])
        .status(206)
        .calls(1),
        get(t, "Hit", "hit; ttl=60")
            .headers(&[("range", "bytes=2-4")])
            .status(206)
            .calls(1),
        get(t, "Hit", "hit; ttl=60")
            .headers(&[("range", "bytes=20-30")])
            .status(416)
            .calls(1),
        get(t, "Hit", "hit; ttl=60").calls(1),
    ]);
    assert_eq!(replies[0].body, b"01");
    assert_eq!(replies[1].body, b"234");
    assert_eq!(replies[1].header("content-range"), Some("bytes 2-4/10"));
    assert_eq!(replies[1].header("content-length"), None);
    assert_eq!(replies[2].header("content-range"), Some("bytes */10"));
    assert!(replies[2].body.is_empty());
    assert_eq!(replies[3].body, b"0123456789");
}

#[test]
fn head_is_filled_with_a_get_and_answered_without_a_body() {
    let t = "/respond?cc=max-age%3D60";
    let (platform, _) = platform(Locking::Transaction);
    let head = platform.send("HEAD", t, &[]);
    assert_eq!(head.x_cache(), "Miss");
    assert!(head.body.is_empty());
    assert_eq!(platform.received()[0].method, "GET");
    let get = platform.get(t);
    assert_eq!(get.x_cache(), "Hit");
    assert_eq!(get.body, b"body for -");
    let head = platform.send("HEAD", t, &[]);
    assert_eq!(head.x_cache(), "Hit");
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), Some("10"));
}

#[test]
fn a_purge_makes_a_miss_and_a_soft_purge_revalidates() {
    for locking in [Locking::Transaction, Locking::Claim] {
        let (platform, _) = platform(locking);
        let t = "/respond?cc=max-age%3D600&etag=v1&tag=product-7";
        platform.get(t);
        assert_eq!(platform.get(t).x_cache(), "Hit");
        platform.purge(&["product-7".to_string()], true);
        platform.advance(1);
        let soft = platform.get(t);
        assert_eq!(soft.x_cache(), "RefreshHit", "{locking:?}");
        assert!(soft.cache_status().contains("fwd-status=304"));
        assert_eq!(platform.get(t).x_cache(), "Hit", "{locking:?}");
        platform.purge(&["product-7".to_string()], false);
        platform.advance(1);
        assert_eq!(platform.get(t).x_cache(), "Miss", "{locking:?}");
        assert_eq!(platform.origin_calls(), 3);
    }
}

#[test]
fn origin_failures_without_a_stale_copy_are_the_edges_502_or_504() {
    let t = "/respond?cc=max-age%3D60";
    let replies = run(&[
        get(t, "Error", r#"fwd=miss; detail="origin-unreachable""#)
            .mode(Mode::Down(OriginFailure::Unreachable))
            .status(502)
            .calls(1),
        get(t, "Error", r#"fwd=miss; detail="origin-timeout""#)
            .mode(Mode::Down(OriginFailure::Timeout))
            .status(504)
            .calls(2),
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .calls(3),
    ]);
    assert_eq!(replies[0].body, b"edgecache: origin-unreachable\n");
}

#[test]
fn errors_are_stored_for_the_error_ttl() {
    let t = "/respond?status=404";
    run(&[
        get(
            t,
            "Error",
            r#"fwd=miss; fwd-status=404; stored; ttl=10; detail="error-ttl""#,
        )
        .status(404)
        .calls(1),
        get(t, "Hit", "hit; ttl=10").status(404).calls(1),
    ]);
}

#[test]
fn rejections_and_passes_never_touch_the_cache() {
    run(&[
        get("/fixed/a", "Error", r#"detail="method-not-allowed""#)
            .method("DELETE")
            .status(403),
        get(
            "/respond?cc=max-age%3D60",
            "Miss",
            r#"fwd=method; fwd-status=200; detail="method""#,
        )
        .method("POST")
        .calls(1),
        get(
            "/respond?cc=max-age%3D60",
            "Miss",
            r#"fwd=method; fwd-status=200; detail="method""#,
        )
        .method("POST")
        .calls(2),
        get(
            "/respond",
            "Error",
            r#"fwd=miss; detail="origin-unreachable""#,
        )
        .method("POST")
        .mode(Mode::Down(OriginFailure::Unreachable))
        .status(502)
        .calls(3),
    ]);
}

#[test]
fn authorized_requests_do_not_read_shared_entries() {
    let t = "/respond?cc=max-age%3D60";
    run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .calls(1),
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; detail="authorization""#,
        )
        .headers(&[("authorization", "Bearer a")])
        .calls(2),
        get(t, "Hit", "hit; ttl=60").calls(2),
    ]);
}

#[test]
fn a_request_behind_a_fill_in_progress_goes_to_the_origin_without_storing() {
    for locking in [Locking::Transaction, Locking::Claim] {
        let (platform, _) = platform(locking);
        let t = "/respond?cc=max-age%3D60";
        let first = platform.begin(t);
        let second = platform.get(t);
        assert_eq!(
            second.cache_status().split("; key=").next(),
            Some(r#"edgecache; fwd=miss; fwd-status=200; detail="entry-busy""#),
            "{locking:?}"
        );
        assert_eq!(platform.finish(first).x_cache(), "Miss");
        assert_eq!(platform.get(t).x_cache(), "Hit", "{locking:?}");
        assert_eq!(platform.origin_calls(), 2);
    }
}

#[test]
fn a_request_behind_a_revalidation_in_progress_still_gets_the_stale_copy_on_errors() {
    for locking in [Locking::Transaction, Locking::Claim] {
        let (platform, mode) = platform(locking);
        let t = "/fixed/behind";
        assert_eq!(platform.get(t).x_cache(), "Miss");
        platform.advance(100);
        *mode.borrow_mut() = Mode::Status(503);
        let first = platform.begin(t);
        let second = platform.get(t);
        assert_eq!(
            (second.status, second.x_cache()),
            (200, "RefreshHit"),
            "{locking:?}: {}",
            second.cache_status()
        );
        assert!(second.cache_status().contains("stale-if-error"));
        assert_eq!(platform.finish(first).x_cache(), "RefreshHit");
    }
}

#[test]
fn a_body_that_did_not_arrive_whole_is_never_stored() {
    let stored = r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#;
    let cut = r#"fwd=miss; fwd-status=200; detail="incomplete-body""#;
    let replies = run(&[
        get("/respond?cc=max-age%3D60&body=abcdefgh", "Miss", cut)
            .mode(Mode::Cut)
            .calls(1),
        get("/respond?cc=max-age%3D60&body=abcdefgh", "Miss", cut)
            .mode(Mode::Cut)
            .calls(2),
        get("/respond?cc=max-age%3D60&body=abcdefgh", "Miss", stored).calls(3),
        get(
            "/respond?cc=max-age%3D60&body=abcdefgh",
            "Hit",
            "hit; ttl=60",
        )
        .calls(3),
    ]);
    assert_eq!(replies[0].body, b"abcd");
    let log: serde_json::Value = serde_json::from_str(&replies[0].log).unwrap();
    assert_eq!(log["body_cut"], "the body broke after 4 bytes");
    assert_eq!(replies[3].body, b"abcdefgh");
}

#[test]
fn a_cut_refill_leaves_the_stale_copy_for_errors() {
    let t = "/fixed/cut";
    let replies = run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="default-ttl""#,
        )
        .calls(1),
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; detail="incomplete-body""#,
        )
        .after(100)
        .mode(Mode::Cut)
        .calls(2),
        get(
            t,
            "RefreshHit",
            r#"fwd=stale; ttl=-40; detail="stale-if-error""#,
        )
        .mode(Mode::Down(OriginFailure::Unreachable))
        .calls(3),
    ]);
    assert_eq!(replies[2].body, b"body for -");
}

#[test]
fn cdn_only_headers_never_reach_the_viewer() {
    let (platform, _) = platform(Locking::Claim);
    let t = "/respond?cc=max-age%3D60&tag=a";
    assert_eq!(platform.get(t).header("surrogate-key"), None);
    assert_eq!(platform.get(t).header("surrogate-key"), None);
}

#[test]
fn an_answer_echoing_an_unkeyed_parameter_is_served_but_not_stored() {
    let poisoned = "/search/a?q=flu&callback=alert%28document.domain%29";
    let clean = "/search/a?q=flu";
    let reflected = r#"fwd=miss; fwd-status=200; detail="reflected-unkeyed-input""#;
    let replies = run(&[
        get(poisoned, "Miss", reflected).calls(1),
        get(
            clean,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=31536000; detail="default-ttl""#,
        )
        .calls(2),
        get(poisoned, "Hit", "hit; ttl=31536000").calls(2),
    ]);
    assert!(
        replies[0].body.starts_with(b"alert"),
        "the viewer gets its answer"
    );
    assert_eq!(
        replies[2].body, b"body for -",
        "the clean answer, never the attacker's"
    );
}

#[test]
fn an_answer_echoing_an_unkeyed_parameter_in_a_header_is_not_stored() {
    let t = "/search/a?q=flu&next=https%3A%2F%2Fevil.example%2F";
    run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; detail="reflected-unkeyed-input""#,
        )
        .calls(1),
        get(
            "/search/a?q=flu",
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=31536000; detail="default-ttl""#,
        )
        .calls(2),
    ]);
}

#[test]
fn short_unkeyed_values_and_keyed_echoes_do_not_stop_storing() {
    run(&[
        get(
            "/search/b?q=influenza&utm=email&term=influenza",
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=31536000; detail="default-ttl""#,
        )
        .calls(1),
        get("/search/b?q=influenza", "Hit", "hit; ttl=31536000").calls(1),
    ]);
}

#[test]
fn an_answer_to_unkeyed_cookies_is_not_shared_unless_it_says_so() {
    let (platform, _) = platform(Locking::Transaction);
    let session = [("cookie", "session=alice-secret")];
    let mine = platform.send("GET", "/me/profile", &session);
    assert_eq!(mine.body, b"hello session=alice-secret");
    assert!(
        mine.cache_status()
            .contains(r#"detail="unkeyed-credentials""#),
        "{}",
        mine.cache_status()
    );
    let anonymous = platform.get("/me/profile");
    assert_eq!(anonymous.x_cache(), "Miss");
    assert_eq!(anonymous.body, b"body for -");
    let public = platform.send("GET", "/me/public", &session);
    assert!(
        public.cache_status().contains("stored"),
        "{}",
        public.cache_status()
    );
}

#[test]
fn a_request_with_unkeyed_inputs_cannot_leave_a_hit_for_pass_marker() {
    let attack = "/search/c?q=flu&set-cookie=x%3D1";
    run(&[
        get(
            attack,
            "Miss",
            r#"fwd=miss; fwd-status=200; detail="set-cookie""#,
        )
        .calls(1),
        get(
            "/search/c?q=flu",
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=31536000; detail="default-ttl""#,
        )
        .calls(2),
    ]);
}

#[test]
fn a_hit_for_pass_marker_never_replaces_a_stale_copy_kept_for_errors() {
    let t = "/fixed/d";
    run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="default-ttl""#,
        )
        .calls(1),
        get(t, "Miss", r#"fwd=miss; fwd-status=200; detail="no-store""#)
            .after(100)
            .mode(Mode::NoStore)
            .calls(2),
        get(
            t,
            "RefreshHit",
            r#"fwd=stale; fwd-status=503; ttl=-40; detail="stale-if-error""#,
        )
        .mode(Mode::Status(503))
        .calls(3),
    ]);
}

#[test]
fn a_viewer_holding_the_stored_representation_gets_a_304() {
    let t = "/respond?cc=max-age%3D60&etag=v1&body=hello";
    let matching: &[(&str, &str)] = &[("if-none-match", "W/\"x\", \"v1\"")];
    let other: &[(&str, &str)] = &[("if-none-match", "\"v0\"")];
    let hit = "hit; ttl=60";
    let replies = run(&[
        // A fill answers the viewer's condition from what it stored.
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .headers(matching)
        .status(304)
        .calls(1),
        get(t, "Hit", hit).headers(matching).status(304).calls(1),
        get(t, "Hit", hit).headers(other).calls(1),
        get(t, "Hit", hit).calls(1),
    ]);
    let not_modified = &replies[1];
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some("\"v1\""));
    assert_eq!(not_modified.header("cache-control"), Some("max-age=60"));
    assert_eq!(not_modified.header("content-length"), None);
    assert_eq!(replies[2].body, b"hello");
    assert_eq!(replies[3].body, b"hello");
}

#[test]
fn if_modified_since_is_answered_from_the_stored_last_modified_or_date() {
    // The reference origin sends no Last-Modified nor Date: the time the
    // entry was stored decides.
    let t = "/respond?cc=max-age%3D60&body=dated";
    let later: &[(&str, &str)] = &[("if-modified-since", "Wed, 15 Nov 2023 00:00:00 GMT")];
    let earlier: &[(&str, &str)] = &[("if-modified-since", "Mon, 13 Nov 2023 00:00:00 GMT")];
    let hit = "hit; ttl=60";
    run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .calls(1),
        get(t, "Hit", hit).headers(later).status(304).calls(1),
        get(t, "Hit", hit).headers(earlier).calls(1),
    ]);
}

#[test]
fn a_successful_unsafe_method_invalidates_its_target() {
    let t = "/respond?cc=max-age%3D60&body=v1";
    let replies = run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .calls(1),
        get(t, "Hit", "hit; ttl=60").calls(1),
        get(t, "Miss", r#"fwd=method; fwd-status=200; detail="method""#)
            .method("POST")
            .calls(2),
        // A second later: a purge log marks whole seconds.
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .after(1)
        .calls(3),
        // A failed one invalidates nothing.
        get(t, "Error", r#"fwd=method; fwd-status=503; detail="method""#)
            .method("DELETE")
            .mode(Mode::Status(503))
            .status(503)
            .calls(4),
        get(t, "Hit", "hit; ttl=60").calls(4),
    ]);
    assert_eq!(replies[5].body, b"v1");
}

#[test]
fn accept_language_written_another_way_is_the_same_variant() {
    let t = "/respond?cc=max-age%3D60&vary=Accept-Language&body=localized";
    let one: &[(&str, &str)] = &[("accept-language", "en-US,en;q=0.9")];
    let same: &[(&str, &str)] = &[("accept-language", "en-us, en;q=0.90")];
    let other: &[(&str, &str)] = &[("accept-language", "en;q=0.9,en-US;q=0.8")];
    run(&[
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .headers(one)
        .calls(1),
        get(t, "Hit", "hit; ttl=60").headers(same).calls(1),
        get(
            t,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=60; detail="max-age""#,
        )
        .headers(other)
        .calls(2),
    ]);
}

#[test]
fn heuristic_freshness_from_last_modified_where_the_policy_asks() {
    // Last-Modified 1,000 s before now (the reference clock starts at
    // 1,700,000,000): fresh for a tenth, 100 s.
    let lm = "/rfc/a?lm=Tue%2C%2014%20Nov%202023%2021:56:40%20GMT&body=h";
    let no_lm = "/rfc/b?body=h";
    run(&[
        get(
            lm,
            "Miss",
            r#"fwd=miss; fwd-status=200; stored; ttl=100; detail="heuristic""#,
        )
        .calls(1),
        get(lm, "Hit", "hit; ttl=99").after(1).calls(1),
        get(
            no_lm,
            "Miss",
            r#"fwd=miss; fwd-status=200; detail="zero-ttl""#,
        )
        .calls(2),
    ]);
}

#[test]
fn viewer_directives_make_a_fresh_entry_revalidate_where_the_policy_honors_them() {
    let t = "/rfc/c?cc=max-age%3D60&etag=v1&body=d";
    let no_cache: &[(&str, &str)] = &[("cache-control", "no-cache")];
    let pragma: &[(&str, &str)] = &[("pragma", "no-cache")];
    let young: &[(&str, &str)] = &[("cache-control", "max-age=5")];
    let no_store: &[(&str, &str)] = &[("cache-control", "no-store")];
    for locking in [Locking::Transaction, Locking::Claim] {
        let (platform, _) = platform(locking);
        assert_eq!(platform.get(t).x_cache(), "Miss");
        // Each goes to the origin first (a platform that calls the entry
        // fresh hands out no write: the answer is then not stored).
        for (n, headers) in [no_cache, pragma].into_iter().enumerate() {
            let got = platform.send("GET", t, headers);
            assert_eq!((got.status, got.body.as_slice()), (200, b"d".as_slice()));
            assert_ne!(got.x_cache(), "Hit", "{locking:?}");
            assert_eq!(platform.origin_calls(), n + 2, "{locking:?}");
        }
        platform.advance(3);
        assert_eq!(platform.send("GET", t, young).x_cache(), "Hit");
        platform.advance(3);
        assert_ne!(platform.send("GET", t, young).x_cache(), "Hit");
        assert_eq!(platform.origin_calls(), 4, "{locking:?}");
        let stored_not = platform.send("GET", t, no_store);
        assert!(stored_not.cache_status().contains("detail=\"no-store\""));
        assert_eq!(platform.origin_calls(), 5);
        // Elsewhere, CloudFront's way: the directives are ignored.
        assert_eq!(platform.get("/fixed/d").x_cache(), "Miss");
        assert_eq!(platform.send("GET", "/fixed/d", no_cache).x_cache(), "Hit");
    }
}
