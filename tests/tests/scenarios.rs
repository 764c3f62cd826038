//! The end-to-end scenarios, run against every platform's local runtime in
//! front of the demo origin. The tests share one origin and one runtime per
//! platform and configuration (started by the first test that needs it,
//! stopped when the binary exits); each keeps to paths, keywords and
//! faults of its own (a [`Scope`]).

// A panic in a scenario is a failed test, as in a test (clippy.toml allows
// unwrap and expect in tests; scenarios are test code too).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::{Configuration, Edge, Platform, Request, Scope, eventually, on_every_platform};

on_every_platform!(
    miss_then_hit,
    whitelisted_parameters_change_the_key_and_others_do_not,
    custom_origin_headers_replace_viewer_copies,
    requests_that_bypass_the_cache_reach_the_origin_every_time,
    set_cookie_responses_are_not_shared,
    cdn_only_headers_are_not_shown_to_viewers,
    disallowed_methods_are_answered_at_the_edge,
    origin_cache_control_decides_what_is_stored,
    max_age_one_expires_after_a_second,
    no_cache_is_revalidated_with_a_304,
    authorized_requests_are_not_shared,
    errors_are_cached_for_the_error_ttl,
    concurrent_misses_make_one_origin_request,
    stale_while_revalidate_serves_stale_and_refreshes,
    stale_if_error_serves_stale_when_the_origin_fails,
    head_is_answered_from_a_cached_get,
    ranges_are_answered_from_the_stored_object,
    a_hanging_origin_times_out_to_stale_or_504,
    uncacheable_answers_leave_a_hit_for_pass_marker,
    a_bad_configuration_falls_back_to_the_embedded_one,
    an_answer_with_more_tags_than_fit_is_stored_under_those_that_fit,
    every_request_logs_one_json_line,
    vary_keeps_one_variant_per_forwarded_value,
    an_expired_entry_is_refilled_by_one_request,
    stale_is_served_to_every_concurrent_viewer_while_one_refreshes,
    an_expired_entry_is_revalidated_once_while_concurrent_viewers_wait,
    a_viewer_holding_the_stored_representation_gets_a_304,
    a_compressed_answer_with_its_length_is_stored_and_served_whole,
    targeted_fields_set_the_edges_lifetime_and_stay_from_viewers,
    a_successful_unsafe_method_invalidates_what_it_changed,
    extension_methods_pass_to_the_origin_where_allowed,
    hits_and_refreshed_entries_keep_their_content_length,
    rfc_mode_stores_by_heuristic_and_honors_viewer_directives,
    a_fill_answered_with_a_304_still_stores_the_whole_body,
);

fn miss_then_hit(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let target = &format!("/search/pcp?Keyword={}&Zipcode=10001", t.word("flu"));
    let first = Request::get(&edge.url(target)).send();
    assert_eq!(first.status, 200);
    assert_eq!(first.x_cache(), "Miss from edgecache");
    let status = first.cache_status();
    assert!(
        status.starts_with("edgecache; fwd=miss; fwd-status=200; stored"),
        "{status}"
    );
    let second = Request::get(&edge.url(target)).send();
    assert_eq!(second.x_cache(), "Hit from edgecache");
    assert!(second.cache_status().starts_with("edgecache; hit"));
    assert!(second.header("age").is_some());
    assert_eq!(second.body, first.body);
    assert_eq!(t.count("/search/pcp"), 1);
}

fn whitelisted_parameters_change_the_key_and_others_do_not(platform: Platform) {
    let t = Scope::new(platform);
    let (origin, edge) = (t.origin, t.edge);
    let flu = t.word("flu");
    let table = [
        (format!("/search/pcp?Keyword={flu}&utm_source=a"), "Miss"),
        // A parameter outside the whitelist: same key, still forwarded.
        (format!("/search/pcp?Keyword={flu}&utm_source=b"), "Hit"),
        // Reordered whitelisted parameters: /search/pcp sorts them.
        (format!("/search/pcp?Page=2&Keyword={flu}"), "Miss"),
        (format!("/search/pcp?Keyword={flu}&Page=2"), "Hit"),
        // /search/allergy keeps CloudFront's order-sensitive keys.
        (format!("/search/allergy?Page=2&Keyword={flu}"), "Miss"),
        (format!("/search/allergy?Keyword={flu}&Page=2"), "Miss"),
    ];
    for (target, want) in table {
        let got = Request::get(&edge.url(&target)).send();
        assert_eq!(got.x_cache(), format!("{want} from edgecache"), "{target}");
    }
    assert_eq!(t.count("/search/pcp"), 2);
    assert_eq!(
        origin.count_target(&format!("/search/pcp?Keyword={flu}&utm_source=a")),
        1
    );
    assert_eq!(t.count("/search/allergy"), 2);
}

fn custom_origin_headers_replace_viewer_copies(platform: Platform) {
    let t = Scope::new(platform);
    let (origin, edge) = (t.origin, t.edge);
    let product = t.product(2);
    Request::get(&edge.url(&product))
        .header("X-Origin-Verify", "forged")
        .header("X-Forwarded-Host", "evil.example")
        .send();
    let headers = origin.last_headers(&product);
    let verify: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n == "x-origin-verify")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(verify, ["demo-shared-secret"]);
    assert!(
        !headers.iter().any(|(n, _)| n == "x-forwarded-host"),
        "{headers:?}"
    );
}

fn requests_that_bypass_the_cache_reach_the_origin_every_time(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let orders = t.path("/orders");
    for _ in 0..2 {
        let got = Request::post(&edge.url(&orders)).send();
        assert_eq!(
            got.header("cache-status"),
            Some(r#"edgecache; fwd=method; fwd-status=404; detail="method""#)
        );
    }
    assert_eq!(t.count(&orders), 2);
}

fn set_cookie_responses_are_not_shared(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let respond = t.path("/respond");
    let target = &format!("{respond}?cc=max-age%3D60&set-cookie=session%3Dabc");
    let first = Request::get(&edge.url(target)).send();
    let status = format!(
        r#"edgecache; fwd=miss; fwd-status=200; detail="set-cookie"; key="{respond}?cc=max-age%3D60&set-cookie=session%3Dabc{}""#,
        accept_encoding_in_key(platform)
    );
    assert_eq!(first.header("cache-status"), Some(status.as_str()));
    let second = Request::get(&edge.url(target)).send();
    assert_eq!(second.x_cache(), "Miss from edgecache");
    assert_eq!(t.count(&respond), 2);
}

fn cdn_only_headers_are_not_shown_to_viewers(platform: Platform) {
    let t = Scope::new(platform);
    let got = Request::get(&t.edge.url(&t.product(4))).send();
    assert_eq!(got.status, 200);
    assert_eq!(got.header("surrogate-key"), None);
    assert!(got.header("cache-status").is_some());
}

fn disallowed_methods_are_answered_at_the_edge(platform: Platform) {
    let t = Scope::new(platform);
    let media = format!("{}/a.mp3", t.path("/media"));
    let got = Request::post(&t.edge.url(&media)).send();
    assert_eq!(got.status, 403);
    assert_eq!(got.x_cache(), "Error from edgecache");
    assert_eq!(t.count(&media), 0);
}

fn origin_cache_control_decides_what_is_stored(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let table = [
        ("max-age=60", "", true, "max-age"),
        ("s-maxage=60, max-age=0", "", true, "s-maxage"),
        ("public", "&expires=60", true, "expires"),
        ("no-store, max-age=60", "", false, "no-store"),
        ("private, max-age=60", "", false, "private"),
        ("public", "", false, "zero-ttl"),
    ];
    for (cache_control, extra, stored, detail) in table {
        let target = t.respond(cache_control, extra);
        let first = Request::get(&edge.url(&target)).send();
        let status = first.cache_status().to_string();
        assert!(
            status.contains(&format!("detail=\"{detail}\"")),
            "{cache_control}: {status}"
        );
        assert_eq!(
            status.contains("; stored"),
            stored,
            "{cache_control}: {status}"
        );
        let second = Request::get(&edge.url(&target)).send();
        let want = if stored {
            "Hit from edgecache"
        } else {
            "Miss from edgecache"
        };
        assert_eq!(second.x_cache(), want, "{cache_control}");
    }
    // No Cache-Control at all: the policy's default TTL (the search API's year).
    let default = format!("/search/pcp?Keyword={}", t.word("default"));
    let search = Request::get(&edge.url(&default)).send();
    assert!(
        search
            .cache_status()
            .contains("ttl=31536000; detail=\"default-ttl\"")
    );
}

fn max_age_one_expires_after_a_second(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let target = &format!("/search/partner?Keyword={}", t.word("flu"));
    // Core counts age in whole seconds: max-age=1 holds until the next
    // second begins. Start at the top of a second so both requests fit.
    start_of_a_second();
    assert_eq!(
        Request::get(&edge.url(target)).send().x_cache(),
        "Miss from edgecache"
    );
    assert_eq!(
        Request::get(&edge.url(target)).send().x_cache(),
        "Hit from edgecache"
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(
        Request::get(&edge.url(target)).send().x_cache(),
        "Miss from edgecache"
    );
    assert_eq!(t.count("/search/partner"), 2);
}

fn no_cache_is_revalidated_with_a_304(platform: Platform) {
    let t = Scope::new(platform);
    let (origin, edge) = (t.origin, t.edge);
    let product = t.product(7);
    let first = Request::get(&edge.url(&product)).send();
    assert!(first.cache_status().contains("detail=\"no-cache\""));
    let second = Request::get(&edge.url(&product)).send();
    assert_eq!(second.x_cache(), "RefreshHit from edgecache");
    assert_eq!(
        second.body, first.body,
        "served the stored body after the 304"
    );
    assert_eq!(t.count(&product), 2);
    let conditional = origin.last_headers(&product);
    // The origin's ETag for product N is "product-N-v1".
    let etag = format!("\"product-{}-v1\"", &product["/products/".len()..]);
    assert!(
        conditional
            .iter()
            .any(|(n, v)| n == "if-none-match" && *v == etag),
        "{conditional:?}"
    );
}

fn authorized_requests_are_not_shared(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let respond = t.path("/respond");
    let target = &format!("{respond}?cc=max-age%3D60&body=mine");
    let first = Request::get(&edge.url(target))
        .header("Authorization", "Bearer alice")
        .send();
    assert!(first.cache_status().contains("detail=\"authorization\""));
    assert_eq!(
        Request::get(&edge.url(target)).send().x_cache(),
        "Miss from edgecache"
    );
    assert_eq!(
        Request::get(&edge.url(target)).send().x_cache(),
        "Hit from edgecache"
    );
    // The stored response does not say public: not for a credentialed request.
    let bob = Request::get(&edge.url(target))
        .header("Authorization", "Bearer bob")
        .send();
    assert!(bob.cache_status().contains("detail=\"authorization\""));
    assert_eq!(t.count(&respond), 3);
    // `public` allows it (RFC 9111 section 3.5).
    let public = &format!("{respond}?cc=public%2C%20max-age%3D60");
    Request::get(&edge.url(public)).send();
    let shared = Request::get(&edge.url(public))
        .header("Authorization", "Bearer bob")
        .send();
    assert_eq!(shared.x_cache(), "Hit from edgecache");
}

fn errors_are_cached_for_the_error_ttl(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let respond = t.path("/respond");
    let target = &format!("{respond}?status=503");
    let first = Request::get(&edge.url(target)).send();
    assert_eq!(first.status, 503);
    assert!(
        first
            .cache_status()
            .contains("stored; ttl=5; detail=\"error-ttl\"")
    );
    let second = Request::get(&edge.url(target)).send();
    assert_eq!(
        (second.status, second.x_cache()),
        (503, "Hit from edgecache")
    );
    assert_eq!(t.count(&respond), 1);
}

fn concurrent_misses_make_one_origin_request(platform: Platform) {
    let t = Scope::new(platform);
    let url = t
        .edge
        .url(&format!("/search/pcp?Keyword={}", t.word("collapse")));
    let threads: Vec<_> = (0..20)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || Request::get(&url).send().status)
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().ok(), Some(200));
    }
    assert_eq!(t.count("/search/pcp"), 1);
}

fn stale_while_revalidate_serves_stale_and_refreshes(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let respond = t.path("/respond");
    let target = t.respond("max-age=1, stale-while-revalidate=60", "");
    let first = Request::get(&edge.url(&target)).send();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    // The refresh and the request after it must fall in one second
    // (max-age=1, counted in whole seconds).
    start_of_a_second();
    let stale = Request::get(&edge.url(&target)).send();
    assert_eq!(stale.x_cache(), "Hit from edgecache");
    assert!(stale.cache_status().contains("stale-while-revalidate"));
    assert_eq!(stale.body, first.body);
    // The refresh runs after the stale answer was sent.
    eventually("the background refresh reached the origin", || {
        t.count(&respond) == 2
    });
    let fresh = Request::get(&edge.url(&target)).send();
    assert!(fresh.cache_status().starts_with("edgecache; hit; ttl="));
    assert_eq!(t.count(&respond), 2);
}

fn stale_if_error_serves_stale_when_the_origin_fails(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let target = t.respond("max-age=1, stale-if-error=60", "&etag=%22e1%22");
    let first = Request::get(&edge.url(&target)).send();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    // The origin fails for this test's paths only.
    let respond = t.path("/respond");
    t.set_origin_mode_under(&respond, "fail");
    let stale = Request::get(&edge.url(&target)).send();
    assert_eq!(stale.status, 200);
    assert_eq!(stale.x_cache(), "RefreshHit from edgecache");
    assert!(stale.cache_status().contains("fwd-status=503"));
    assert_eq!(stale.body, first.body);
    // Without a stale copy, the failure shows.
    let other = format!("{respond}/other?cc=max-age%3D1&body=other");
    let fresh_path = Request::get(&edge.url(&other)).send();
    assert_eq!(
        (fresh_path.status, fresh_path.x_cache()),
        (503, "Error from edgecache")
    );
}

fn head_is_answered_from_a_cached_get(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let logo = format!("{}/logo-40k.png", t.path("/media"));
    let get = Request::get(&edge.url(&logo)).send();
    assert_eq!(get.body.len(), 40 * 1024);
    let head = Request::head(&edge.url(&logo)).send();
    assert_eq!(head.x_cache(), "Hit from edgecache");
    assert!(head.body.is_empty());
    assert_eq!(t.count(&logo), 1);
}

fn ranges_are_answered_from_the_stored_object(platform: Platform) {
    let t = Scope::new(platform);
    let song = format!("{}/song-40k.mp3", t.path("/media"));
    let url = t.edge.url(&song);
    // The first request is a ranged miss: the whole object is stored.
    let first = Request::get(&url).header("Range", "bytes=0-9").send();
    assert_eq!((first.status, first.body.len()), (206, 10));
    let full = Request::get(&url).send();
    assert_eq!((full.status, full.body.len()), (200, 40 * 1024));
    assert_eq!(first.body, full.body[..10]);
    let part = Request::get(&url).header("Range", "bytes=10-19").send();
    assert_eq!(part.status, 206);
    assert_eq!(part.x_cache(), "Hit from edgecache");
    assert_eq!(part.header("content-range"), Some("bytes 10-19/40960"));
    assert_eq!(part.body, full.body[10..20]);
    let suffix = Request::get(&url).header("Range", "bytes=-5").send();
    assert_eq!(suffix.body, full.body[full.body.len() - 5..]);
    let outside = Request::get(&url).header("Range", "bytes=50000-").send();
    assert_eq!(outside.status, 416);
    assert_eq!(outside.header("content-range"), Some("bytes */40960"));
    let stale_validator = Request::get(&url)
        .header("Range", "bytes=0-9")
        .header("If-Range", "\"other\"")
        .send();
    assert_eq!(
        (stale_validator.status, stale_validator.body.len()),
        (200, 40 * 1024)
    );
    assert_eq!(t.count(&song), 1);
}

/// The test configuration gives the origin a 1 s first-byte timeout; in
/// hang mode it answers after 3 s.
fn a_hanging_origin_times_out_to_stale_or_504(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let target = t.respond("max-age=1, stale-if-error=60", "&body=kept");
    let first = Request::get(&edge.url(&target)).send();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    // The origin hangs for this test's paths only.
    let respond = t.path("/respond");
    t.set_origin_mode_under(&respond, "hang");
    let stale = Request::get(&edge.url(&target)).send();
    assert_eq!(
        (stale.status, stale.x_cache()),
        (200, "RefreshHit from edgecache")
    );
    assert!(stale.cache_status().contains("stale-if-error"));
    assert_eq!(stale.body, first.body);
    let new = format!("{respond}/new?cc=max-age%3D1&body=new");
    let nothing_stored = Request::get(&edge.url(&new)).send();
    assert_eq!(nothing_stored.status, 504);
    assert!(nothing_stored.cache_status().contains("origin-timeout"));
}

/// An uncacheable answer leaves a hit-for-pass marker: the requests after
/// it go to the origin at once instead of queueing one behind the other.
fn uncacheable_answers_leave_a_hit_for_pass_marker(platform: Platform) {
    let t = Scope::new(platform);
    let respond = t.path("/respond");
    let url = t.edge.url(&format!("{respond}?cc=private&delay_ms=200"));
    let first = Request::get(&url).send();
    assert!(first.cache_status().contains("detail=\"private\""));
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || Request::get(&url).send())
        })
        .collect();
    for thread in threads {
        let got = thread.join().expect("request thread");
        let status = got.cache_status().to_string();
        assert!(status.contains("detail=\"hit-for-pass\""), "{status}");
        assert_eq!(got.x_cache(), "Miss from edgecache");
    }
    assert_eq!(t.count(&respond), 11);
}

/// A configuration that fails validation is logged with its errors, and the
/// embedded one serves: the function never dies on a bad configuration.
/// The Worker reads only the precompiled text: it refuses any JSON
/// document, saying how to compile one (which lists its problems).
fn a_bad_configuration_falls_back_to_the_embedded_one(platform: Platform) {
    let bad = r#"{"origins": {"demo": {"domain": "https://nope"}}}"#;
    let t = Scope::with(platform, Configuration::Text(bad));
    let edge = t.edge;
    // The embedded configuration allows only GET and HEAD under /media/*.
    let got = Request::post(&edge.url(&format!("{}/a.mp3", t.path("/media")))).send();
    assert_eq!(got.status, 403);
    let logged = wait_for_output(edge, "using the embedded configuration");
    if platform == Platform::Cloudflare {
        assert!(
            logged.contains("reads only the precompiled text") && logged.contains("--compile"),
            "{logged}"
        );
        return;
    }
    assert!(
        logged.contains("origins.demo.domain: write the domain only, without https://"),
        "{logged}"
    );
    assert!(
        logged.contains("default_behavior: missing required field"),
        "{logged}"
    );
}

/// A valid JSON configuration in the Worker's variable is refused all the
/// same, and the embedded one serves: the Worker carries no JSON parser
/// for configurations, and the log says to compile it.
#[test]
fn cloudflare_refuses_a_json_configuration_and_says_how_to_compile_it() {
    // Read, it would send the POST on to its origin (nothing listens
    // there): the embedded configuration refuses it with a 403.
    const VALID: &str = r#"{
        "origins": {"demo": {"domain": "127.0.0.1"}},
        "cache_policies": {"default": {}},
        "default_behavior": {
            "origin": "demo",
            "cache_policy": "default",
            "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
        }
    }"#;
    let t = Scope::with(Platform::Cloudflare, Configuration::Uncompiled(VALID));
    let got = Request::post(&t.edge.url(&format!("{}/a.mp3", t.path("/media")))).send();
    assert_eq!(got.status, 403, "the embedded configuration serves");
    let logged = wait_for_output(t.edge, "edgecache check CONFIG --compile");
    assert!(logged.contains("config-rejected"), "{logged}");
}

/// The Worker's one form of override, the precompiled text, damaged on
/// its way into the variable (here: cut short), is refused by its
/// checksum and logged; the embedded configuration serves.
#[test]
fn cloudflare_refuses_a_damaged_precompiled_configuration() {
    const DAMAGED: &str = "edgecache-precompiled:ZWRnZWNhY2hlLWNvbmZpZw==";
    let t = Scope::with(Platform::Cloudflare, Configuration::Uncompiled(DAMAGED));
    let got = Request::post(&t.edge.url(&format!("{}/a.mp3", t.path("/media")))).send();
    assert_eq!(got.status, 403, "the embedded configuration serves");
    let logged = wait_for_output(t.edge, "using the embedded configuration");
    assert!(logged.contains("damaged"), "{logged}");
}

/// An origin configured with a Host a Worker cannot send (the test
/// configuration's `viewer-host`): the Worker says so in its log when it
/// loads the configuration, naming the field and Cloudflare's source.
#[test]
fn cloudflare_logs_what_it_cannot_do_with_an_origin_as_configured() {
    let t = Scope::new(Platform::Cloudflare);
    Request::get(&t.edge.url(&t.respond("max-age=60", ""))).send();
    let logged = wait_for_output(t.edge, "origins.viewer-host.host_header");
    assert!(logged.contains("cannot set another"), "{logged}");
}

/// An origin configured with the viewer's Host gets each request's own,
/// one after another in one instance (Fastly reuses instances): never the
/// Host of a request before it, which would store one host's answer under
/// another's key.
#[test]
fn fastly_sends_each_request_its_own_host() {
    let t = Scope::new(Platform::Fastly);
    let path = t.path("/respond/viewer-host");
    let target = format!("{path}?cc=no-store");
    for host in ["one.example", "two.example", "three.example"] {
        let got = Request::get(&t.edge.url(&target))
            .header("host", host)
            .send();
        assert_eq!(got.status, 200);
        let sent = t.origin.last_headers(&path);
        let received = sent
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("host"))
            .map(|(_, value)| value.as_str());
        assert_eq!(received, Some(host), "{sent:?}");
    }
}

/// 900 surrogate keys (about 18 KB) are more than Fastly keeps (16 KB;
/// Viceroy refused to store such an answer at all): the answer is stored
/// under the tags within 14 KiB, the first tag purges it, and the log says
/// how many were dropped.
fn an_answer_with_more_tags_than_fit_is_stored_under_those_that_fit(platform: Platform) {
    let t = Scope::new(platform);
    let url = t
        .edge
        .url(&t.respond("max-age=300", "&tags=900&body=tagged"));
    assert!(Request::get(&url).send().x_cache().starts_with("Miss"));
    let again = Request::get(&url).send();
    assert!(again.x_cache().starts_with("Hit"), "{:?}", again.headers);
    wait_for_output(t.edge, "past the tags that fit");
    let purge = Request::post(&t.edge.url("/.edgecache/purge"))
        .header("authorization", &format!("Bearer {}", e2e::PURGE_TOKEN))
        .body(r#"{"tags": ["product-tag-0000000"]}"#)
        .send();
    assert_eq!(purge.status, 202, "{}", purge.text());
    eventually("the first tag purges it", || {
        Request::get(&url).send().x_cache().starts_with("Miss")
    });
}

/// On a `*.workers.dev` host the Cache API stores nothing (its `put`
/// resolves all the same): the Worker says `cache-unavailable` there and
/// every answer comes from the origin, instead of reporting copies stored
/// that will never be found. (Fastly has no such host.)
#[test]
fn on_workers_dev_the_worker_says_the_cache_is_unavailable() {
    let t = Scope::new(Platform::Cloudflare);
    let url = t.edge.url(&t.respond("public, max-age=300", "&body=dev"));
    for _ in 0..2 {
        let got = Request::get(&url)
            .header("host", "edgecache.example.workers.dev")
            .send();
        assert_eq!(got.status, 200);
        assert_eq!(got.x_cache(), "Miss from edgecache", "{:?}", got.headers);
        let status = got.header("cache-status").unwrap_or_default();
        assert!(status.contains("cache-unavailable"), "{status}");
    }
}

/// A local build embeds the demo's configuration; deployed by mistake (no
/// `EDGECACHE_LOCAL`), the Worker answers 503 and says why, unless its
/// variable holds a valid configuration. (Viceroy always says it runs
/// locally, so only the Worker can show it here.)
#[test]
fn a_local_build_deployed_never_serves_the_demo() {
    let t = Scope::with(
        Platform::Cloudflare,
        Configuration::Deployed { document: false },
    );
    let got = Request::get(&t.edge.url(&t.product(2))).send();
    assert_eq!(got.status, 503, "{}", got.text());
    wait_for_output(t.edge, "demo-configuration-refused");
    let t = Scope::with(
        Platform::Cloudflare,
        Configuration::Deployed { document: true },
    );
    let got = Request::get(&t.edge.url(&t.product(2))).send();
    assert_eq!(got.status, 200, "a valid variable serves: {}", got.text());
}

fn every_request_logs_one_json_line(platform: Platform) {
    let t = Scope::new(platform);
    let product = t.product(2);
    Request::get(&t.edge.url(&format!("{product}?utm_source=log"))).send();
    // With the closing quote: a longer path does not match.
    let line = wait_for_output(t.edge, &format!("\"path\":\"{product}\""));
    let json = line
        .split_once('{')
        .map(|(_, rest)| format!("{{{rest}"))
        .unwrap_or_default();
    let entry: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(entry["behavior"], "/products/*");
    assert_eq!(entry["x_cache"], "Miss from edgecache");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["key_hash"].as_str().map(str::len), Some(64));
    assert!(entry["origin_ms"].is_u64(), "{entry}");
}

/// The first line the runtime printed that contains `needle`, waiting up
/// to five seconds for it.
fn wait_for_output(edge: &Edge, needle: &str) -> String {
    for _ in 0..100 {
        if let Some(line) = edge.output().into_iter().find(|l| l.contains(needle)) {
            return line;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!(
        "the runtime never printed {needle:?}; it printed:\n{}",
        edge.output().join("\n")
    );
}

/// `Vary: Accept-Language` from an origin that receives Accept-Language:
/// one stored variant per value, absence being a value of its own.
fn vary_keeps_one_variant_per_forwarded_value(platform: Platform) {
    let t = Scope::with(platform, Configuration::Forwarding("Accept-Language"));
    let edge = t.edge;
    let respond = t.path("/respond");
    let target = &format!("{respond}?cc=max-age%3D60&vary=Accept-Language");
    let get = |language: Option<&str>| {
        let request = Request::get(&edge.url(target));
        match language {
            Some(language) => request.header("Accept-Language", language),
            None => request,
        }
        .send()
        .x_cache()
        .to_string()
    };
    let table = [
        (Some("en"), "Miss"),
        (Some("en"), "Hit"),
        (Some("fr"), "Miss"),
        (Some("fr"), "Hit"),
        (Some("en"), "Hit"),
        (None, "Miss"),
        (None, "Hit"),
    ];
    for (language, want) in table {
        assert_eq!(
            get(language),
            format!("{want} from edgecache"),
            "{language:?}"
        );
    }
    assert_eq!(t.count(&respond), 3);
}

/// The Accept-Encoding part of a key for a viewer that sent none. Cloudflare
/// gives every Worker `Accept-Encoding: br, gzip` whatever the viewer sent
/// (it compresses toward the viewer itself), so core keys that; Fastly
/// passes the viewer's header through, here none.
fn accept_encoding_in_key(platform: Platform) -> &'static str {
    match platform {
        Platform::Fastly => "",
        Platform::Cloudflare => " ae=br,gzip",
    }
}

/// Sleeps until just after the wall clock enters a new second.
fn start_of_a_second() {
    let into = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_millis());
    std::thread::sleep(std::time::Duration::from_millis(u64::from(1010 - into)));
}

/// Requests one after another across an entry's expiry: one refill, not
/// one origin request per request until the platform's own TTL runs out
/// (the platform's TTL is anchored to core's whole-second clock).
fn an_expired_entry_is_refilled_by_one_request(platform: Platform) {
    let t = Scope::new(platform);
    let target = t.respond("public, max-age=2", "&body=once");
    let path = t.path("/respond");
    let until = std::time::Instant::now() + std::time::Duration::from_millis(3500);
    while std::time::Instant::now() < until {
        let got = Request::get(&t.edge.url(&target)).send();
        assert_eq!(got.text(), "once\n");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The first fill, and a refill per expiry the run spans (two, three
    // on a machine so loaded that the run starts late in a second): not
    // one origin request per request of the second after each expiry
    // (about fifty here), which is what a platform TTL off core's clock
    // gave.
    let fills = t.count(&path);
    assert!((2..=4).contains(&fills), "{fills} origin requests");
}

/// Ten viewers at once for an entry within its stale-while-revalidate
/// window (RFC 5861): all are answered from the stale copy, and one
/// refresh reaches the origin.
fn stale_is_served_to_every_concurrent_viewer_while_one_refreshes(platform: Platform) {
    let t = Scope::new(platform);
    let target = t.respond(
        "public, max-age=1, stale-while-revalidate=60",
        "&etag=%22v1%22&delay_ms=800&body=kept",
    );
    let path = t.path("/respond");
    Request::get(&t.edge.url(&target)).send();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let statuses = at_once(&t.edge.url(&target), 10);
    for (body, status) in &statuses {
        assert_eq!(body, "kept\n");
        assert!(status.contains("stale-while-revalidate"), "{status}");
    }
    eventually("the one refresh reached the origin", || t.count(&path) == 2);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(t.count(&path), 2);
}

/// Ten viewers at once for an expired entry kept for revalidation (it has
/// a validator, and no stale-while-revalidate): one request revalidates it
/// and the others wait for its answer (RFC 9111 section 4: a stale copy is
/// not served without permission), rather than each going to the origin.
fn an_expired_entry_is_revalidated_once_while_concurrent_viewers_wait(platform: Platform) {
    let t = Scope::new(platform);
    // Fresh for two seconds, so that the revalidated entry is still fresh
    // when the waiting requests look again.
    let target = t.respond("public, max-age=2", "&etag=%22v1%22&delay_ms=400&body=kept");
    let path = t.path("/respond");
    Request::get(&t.edge.url(&target)).send();
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let statuses = at_once(&t.edge.url(&target), 10);
    for (body, status) in &statuses {
        assert_eq!(body, "kept\n");
        assert!(!status.contains("stale-"), "{status}");
    }
    assert_eq!(t.count(&path), 2, "{statuses:#?}");
}

/// Sends `n` GETs for `url` at once: each answer's body and `Cache-Status`.
fn at_once(url: &str, n: usize) -> Vec<(String, String)> {
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let url = url.to_owned();
            std::thread::spawn(move || {
                let got = Request::get(&url).send();
                (got.text(), got.cache_status().to_owned())
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|thread| thread.join().unwrap())
        .collect()
}

/// RFC 9111 section 4.3.2: a fresh entry answers a viewer's conditions
/// itself, with a 304 and no body (RFC 9110 section 15.4.5 fields only).
fn a_viewer_holding_the_stored_representation_gets_a_304(platform: Platform) {
    let t = Scope::new(platform);
    let target = t.respond("public, max-age=60", "&etag=%22v1%22&body=full");
    let full = Request::get(&t.edge.url(&target)).send();
    assert_eq!(full.status, 200);
    let not_modified = Request::get(&t.edge.url(&target))
        .header("if-none-match", "W/\"v1\"")
        .send();
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some("\"v1\""));
    assert!(
        not_modified.x_cache().starts_with("Hit"),
        "{}",
        not_modified.x_cache()
    );
    assert_eq!(not_modified.header("content-type"), None);
    let changed = Request::get(&t.edge.url(&target))
        .header("if-none-match", "\"v0\"")
        .send();
    assert_eq!((changed.status, changed.text().as_str()), (200, "full\n"));
    let dated = Request::get(&t.edge.url(&target))
        .header("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")
        .send();
    assert_eq!(dated.status, 304);
    assert_eq!(t.count(&t.path("/respond")), 1);
}

/// A gzip answer with its `Content-Length` (nginx's `gzip on` with a
/// buffered body): Workers' `fetch` decodes it, so its length does not
/// count the bytes the Worker reads; stored and served whole all the same.
fn a_compressed_answer_with_its_length_is_stored_and_served_whole(platform: Platform) {
    let t = Scope::new(platform);
    let target = format!("/naive/gzip/home?t={}", t.token());
    let first = Request::get(&t.edge.url(&target))
        .header("accept-encoding", "gzip")
        .send();
    assert_eq!(
        (first.status, first.cut),
        (200, false),
        "{:?}",
        first.headers
    );
    let hit = Request::get(&t.edge.url(&target))
        .header("accept-encoding", "gzip")
        .send();
    assert!(hit.x_cache().starts_with("Hit"), "{}", hit.cache_status());
    assert_eq!((hit.cut, &hit.body), (false, &first.body));
    assert_eq!(t.count("/naive/gzip/home"), 1);
}

/// RFC 9213: `CDN-Cache-Control` (then `Surrogate-Control`) replaces
/// `Cache-Control` for the edge; browsers keep their own `Cache-Control`.
fn targeted_fields_set_the_edges_lifetime_and_stay_from_viewers(platform: Platform) {
    let t = Scope::new(platform);
    // Browsers a minute, the edge a day.
    let target = t.respond("max-age=60", "&cdn-cc=max-age%3D86400&body=long");
    let miss = Request::get(&t.edge.url(&target)).send();
    assert!(
        miss.cache_status().contains("ttl=86400"),
        "{}",
        miss.cache_status()
    );
    assert!(miss.cache_status().contains("detail=\"targeted\""));
    assert_eq!(miss.header("cache-control"), Some("max-age=60"));
    assert_eq!(miss.header("cdn-cache-control"), Some("max-age=86400"));
    // Browsers ten minutes, the edge nothing.
    let never = t.respond("max-age=600", "&cdn-cc=no-store&body=never");
    Request::get(&t.edge.url(&never)).send();
    let again = Request::get(&t.edge.url(&never)).send();
    assert!(
        !again.x_cache().starts_with("Hit"),
        "{}",
        again.cache_status()
    );
    // Surrogate-Control decides when there is no CDN-Cache-Control, and
    // never reaches the viewer.
    let surrogate = t.respond("no-cache", "&surrogate-control=max-age%3D120&body=s");
    let got = Request::get(&t.edge.url(&surrogate)).send();
    assert!(
        got.cache_status().contains("ttl=120"),
        "{}",
        got.cache_status()
    );
    assert_eq!(got.header("surrogate-control"), None);
    let hit = Request::get(&t.edge.url(&surrogate)).send();
    assert!(hit.x_cache().starts_with("Hit"), "{}", hit.x_cache());
}

/// RFC 9111 section 4.4: a successful POST invalidates the cached GET of
/// its target URI, and of a same-host `Location`; another host's is left.
fn a_successful_unsafe_method_invalidates_what_it_changed(platform: Platform) {
    let t = Scope::new(platform);
    let item = t.respond("public, max-age=600", "&body=item");
    let other = format!(
        "{}/other?cc=public%2C%20max-age%3D600&body=other",
        t.path("/respond")
    );
    for target in [&item, &other] {
        Request::get(&t.edge.url(target)).send();
        eventually("cached", || {
            Request::get(&t.edge.url(target))
                .send()
                .x_cache()
                .starts_with("Hit")
        });
    }
    // A failed POST invalidates nothing.
    let failed = format!("{item}&status=500");
    assert_eq!(Request::post(&t.edge.url(&failed)).send().status, 500);
    assert!(
        Request::get(&t.edge.url(&item))
            .send()
            .x_cache()
            .starts_with("Hit")
    );
    // The POST's answer names the other resource in Location.
    let location = other
        .replace('%', "%25")
        .replace('&', "%26")
        .replace('?', "%3F");
    let post = format!("{item}&location={location}");
    let posted = Request::post(&t.edge.url(&post)).send();
    assert_eq!(posted.status, 200);
    // The POST's own target, with its query as sent, is another key than
    // the item's: the Location names the other one.
    let after = Request::get(&t.edge.url(&other)).send();
    assert!(
        after.x_cache().starts_with("Miss"),
        "{}",
        after.cache_status()
    );
    let posted_at = Request::post(&t.edge.url(&item)).send();
    assert_eq!(posted_at.status, 200);
    let refetched = Request::get(&t.edge.url(&item)).send();
    assert!(
        refetched.x_cache().starts_with("Miss"),
        "{}",
        refetched.cache_status()
    );
}

/// WebDAV's PROPFIND passes to the origin, uncached, where the behavior
/// allows extension methods; TRACE never does.
fn extension_methods_pass_to_the_origin_where_allowed(platform: Platform) {
    let t = Scope::new(platform);
    let target = t.respond("public, max-age=600", "&body=dav");
    let base = t.edge.url("");
    let propfind = e2e::raw_request(&base, "PROPFIND", &target, &[]);
    assert_eq!(propfind.status, 200, "{:?}", propfind.headers);
    assert_eq!(propfind.text(), "dav\n");
    e2e::raw_request(&base, "PROPFIND", &target, &[]);
    assert_eq!(t.count(&t.path("/respond")), 2, "never cached");
    let trace = e2e::raw_request(&base, "TRACE", &target, &[]);
    assert_eq!(trace.status, 403);
}

/// A hit carries the stored body's `Content-Length`, also after a 304
/// refreshed the entry (RFC 9111 section 4.3.4: the 304's own length,
/// 0, is never merged in). Viceroy sends every body it streams from its
/// cache chunked, whatever the length the function gives it: there the
/// whole body is checked instead.
fn hits_and_refreshed_entries_keep_their_content_length(platform: Platform) {
    let length = |got: &e2e::Got| match platform {
        Platform::Fastly => Some(got.body.len().to_string()),
        Platform::Cloudflare => got.header("content-length").map(str::to_string),
    };
    let t = Scope::new(platform);
    // Two seconds: a hit right after the fill is fresh whatever the
    // fraction of the second the fill began in (the edge's clock counts
    // whole seconds).
    let target = t.respond("max-age=2", "&etag=%22v1%22&size=5000&body=sized");
    let miss = Request::get(&t.edge.url(&target)).send();
    assert_eq!(miss.body.len(), 5000);
    let hit = Request::get(&t.edge.url(&target)).send();
    assert!(hit.x_cache().starts_with("Hit"), "{}", hit.x_cache());
    assert_eq!(length(&hit).as_deref(), Some("5000"), "{:?}", hit.headers);
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let revalidated = Request::get(&t.edge.url(&target)).send();
    assert!(
        revalidated.cache_status().contains("fwd-status=304"),
        "{}",
        revalidated.cache_status()
    );
    let after = Request::get(&t.edge.url(&target)).send();
    assert_eq!(after.body.len(), 5000);
    assert_eq!(
        length(&after).as_deref(),
        Some("5000"),
        "{:?}",
        after.headers
    );
}

/// Under the RFC 9111 recipe (`/respond/rfc/*` in the test configuration):
/// an answer with only a `Last-Modified` is fresh for a tenth of its age
/// (RFC 9111 section 4.2.2), and a viewer's `no-cache` sends the request
/// to the origin first (section 5.2.1.4).
fn rfc_mode_stores_by_heuristic_and_honors_viewer_directives(platform: Platform) {
    let t = Scope::new(platform);
    let path = format!("/respond/rfc/{}", t.token());
    // Modified 10,000 s ago: fresh for 1,000 s.
    let modified = std::time::SystemTime::now() - std::time::Duration::from_secs(10_000);
    let target = format!(
        "{path}?etag=%22h1%22&body=heuristic&last-modified={}",
        httpdate_of(modified)
    );
    let miss = Request::get(&t.edge.url(&target)).send();
    assert!(
        miss.cache_status().contains("detail=\"heuristic\""),
        "{}",
        miss.cache_status()
    );
    assert!(miss.cache_status().contains("ttl=1000") || miss.cache_status().contains("ttl=999"));
    eventually("stored", || {
        Request::get(&t.edge.url(&target))
            .send()
            .x_cache()
            .starts_with("Hit")
    });
    let before = t.origin.count(&path);
    let forced = Request::get(&t.edge.url(&target))
        .header("cache-control", "no-cache")
        .send();
    assert_eq!(forced.text(), "heuristic\n");
    assert!(
        !forced.x_cache().starts_with("Hit"),
        "{}",
        forced.cache_status()
    );
    assert_eq!(t.origin.count(&path), before + 1);
}

/// An HTTP-date, percent-encoded for a query.
fn httpdate_of(time: std::time::SystemTime) -> String {
    httpdate::fmt_http_date(time).replace(' ', "%20")
}

/// A viewer's `If-None-Match: *` on a miss gets a 304; the fill behind it
/// still stores the whole body, which the next viewer gets (on Cloudflare
/// the viewer's branch of the body is cancelled, not left holding it).
fn a_fill_answered_with_a_304_still_stores_the_whole_body(platform: Platform) {
    let t = Scope::new(platform);
    let target = t.respond("public, max-age=60", "&size=300000&body=fill");
    let first = Request::get(&t.edge.url(&target))
        .header("if-none-match", "*")
        .send();
    assert_eq!(first.status, 304, "{}", first.cache_status());
    assert!(first.body.is_empty());
    eventually("stored whole", || {
        let got = Request::get(&t.edge.url(&target)).send();
        got.x_cache().starts_with("Hit") && got.body.len() == 300_000
    });
    assert_eq!(t.count(&t.path("/respond")), 1);
}
