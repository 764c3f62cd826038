//! The invalidation API end to end, on every platform: after a HIT, a
//! purge makes exactly what it names a MISS; refused calls purge nothing.
//!
//! The tests share one origin and one runtime per platform and
//! configuration; each purges only paths and tags of its own (a
//! [`Scope`]). Purging everything gets a runtime of its own.

// A panic in a scenario is a failed test, as in a test (clippy.toml allows
// unwrap and expect in tests; scenarios are test code too).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::{
    Configuration, Edge, Got, Origin, PURGE_TOKEN, Platform, Request, Scope, eventually,
    on_every_platform, respond_target,
};

on_every_platform!(
    a_path_purges_every_variant_of_that_path_only,
    a_path_purges_every_header_variant,
    a_path_with_a_query_purges_that_key_only,
    a_prefix_purges_everything_under_it,
    tags_purge_what_the_origin_tagged_in_either_header,
    all_purges_everything,
    a_soft_purge_serves_stale_while_refreshing,
    refused_calls_purge_nothing,
    the_api_is_disabled_without_a_token,
);

/// Sends a purge call with the test token.
fn purge(edge: &Edge, body: &str) -> Got {
    Request::post(&edge.url("/.edgecache/purge"))
        .header("authorization", &format!("Bearer {PURGE_TOKEN}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
}

/// Fetches each target until it is a HIT (the cache writes after the
/// response on some platforms).
fn warm(edge: &Edge, targets: &[&str]) {
    for target in targets {
        Request::get(&edge.url(target)).send();
        eventually(&format!("{target} is a HIT"), || is_hit(edge, target));
    }
}

fn is_hit(edge: &Edge, target: &str) -> bool {
    x_cache(edge, target) == "Hit"
}

/// The first word of `X-Cache` for a GET of `target`.
fn x_cache(edge: &Edge, target: &str) -> String {
    let got = Request::get(&edge.url(target)).send();
    got.x_cache()
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Purges with `body`, checks the answer, then expects each target's
/// X-Cache.
fn purge_and_expect(edge: &Edge, body: &str, expected: &[(&str, &str)]) -> serde_json::Value {
    let answer = purge(edge, body);
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    for (target, want) in expected {
        let got = Request::get(&edge.url(target)).send();
        let word = got.x_cache().split(' ').next().unwrap_or_default();
        assert_eq!(
            word,
            *want,
            "{target} after {body}: Cache-Status: {}",
            got.cache_status()
        );
    }
    answer.json()
}

fn a_path_purges_every_variant_of_that_path_only(platform: Platform) {
    let t = Scope::new(platform);
    let (origin, edge) = (t.origin, t.edge);
    // The test's own /products/2, /products/4 and /products/22.
    let (two, four, twenty_two) = (t.product(2), t.product(4), t.product(22));
    let variants = [
        format!("{two}?color=red"),
        format!("{two}?color=blue"),
        two.clone(),
    ];
    warm(edge, &variants.each_ref().map(String::as_str));
    warm(edge, &[&four, &twenty_two]);
    let summary = purge_and_expect(
        edge,
        &format!(r#"{{"paths": ["{two}", "{}"]}}"#, t.path("/respond")),
        &[
            (&variants[0], "Miss"),
            (&variants[1], "Miss"),
            (&variants[2], "Miss"),
            (&four, "Hit"),
            (&twenty_two, "Hit"),
        ],
    );
    assert_eq!(summary["counts"]["paths"], 2);
    assert_eq!(summary["paths"][0]["path"], two);
    assert_eq!(summary["id"].as_str().map(str::len), Some(16));
    // No purge call of any test ever reaches the origin.
    assert_eq!(origin.count("/.edgecache/purge"), 0);
    assert_purge_logged(edge, summary["id"].as_str().unwrap_or_default());
}

fn a_path_purges_every_header_variant(platform: Platform) {
    let t = Scope::with(platform, Configuration::Forwarding("Accept-Language"));
    let edge = t.edge;
    let respond = t.path("/respond");
    // One key, one stored variant per forwarded Accept-Language.
    let target = t.respond("max-age=300", "&vary=Accept-Language");
    let get = |language: &str| {
        let got = Request::get(&edge.url(&target))
            .header("accept-language", language)
            .send();
        got.x_cache()
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    for language in ["en", "fr"] {
        get(language);
        eventually("the variant is a HIT", || get(language) == "Hit");
    }
    purge_and_expect(edge, &format!(r#"{{"paths": ["{respond}"]}}"#), &[]);
    assert_eq!(get("en"), "Miss");
    assert_eq!(get("fr"), "Miss");
    assert_eq!(t.count(&respond), 4);
}

fn a_path_with_a_query_purges_that_key_only(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let (flu_word, cold_word) = (t.word("flu"), t.word("cold"));
    let flu = &format!("/search/pcp?Keyword={flu_word}&Zipcode=10001");
    let cold = &format!("/search/pcp?Keyword={cold_word}&Zipcode=10001");
    warm(edge, &[flu, cold]);
    // Normalized as core normalizes: sorted, whitelisted parameters only.
    purge_and_expect(
        edge,
        &format!(
            r#"{{"paths": ["/search/pcp?Zipcode=10001&utm_source=mail&Keyword={flu_word}"]}}"#
        ),
        &[(flu, "Miss"), (cold, "Hit")],
    );
}

/// The test's own directory, `/media/t0042/`, plays `/media/`.
fn a_prefix_purges_everything_under_it(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let dir = t.path("/media");
    let media = [
        format!("{dir}/a/song.mp3"),
        format!("{dir}/b/clip.mp4"),
        format!("{dir}/c.jpg"),
    ];
    let product = t.product(2);
    warm(edge, &media.each_ref().map(String::as_str));
    warm(edge, &[&product]);
    purge_and_expect(
        edge,
        &format!(r#"{{"paths": ["{dir}/a/*"]}}"#),
        &[(&media[0], "Miss"), (&media[1], "Hit"), (&media[2], "Hit")],
    );
    let summary = purge_and_expect(
        edge,
        &format!(r#"{{"paths": ["{dir}/*"]}}"#),
        &[(&media[1], "Miss"), (&media[2], "Miss"), (&product, "Hit")],
    );
    assert_eq!(summary["paths"][0]["widened_to"], serde_json::Value::Null);
}

fn tags_purge_what_the_origin_tagged_in_either_header(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let (red, green, blue) = (t.word("red"), t.word("green"), t.word("blue"));
    let fastly_style = t.respond(
        "max-age=300",
        &format!("&surrogate-key={red}%20{blue}&body=a"),
    );
    let cloudflare_style = t.respond("max-age=300", &format!("&cache-tag={green},{blue}&body=b"));
    let untagged = t.respond("max-age=300", "&body=c");
    warm(edge, &[&fastly_style, &cloudflare_style, &untagged]);
    // The tags are for the CDN only.
    let got = Request::get(&edge.url(&fastly_style)).send();
    assert_eq!(got.header("surrogate-key"), None);
    purge_and_expect(
        edge,
        &format!(r#"{{"tags": ["{red}"]}}"#),
        &[(&fastly_style, "Miss"), (&cloudflare_style, "Hit")],
    );
    purge_and_expect(
        edge,
        &format!(r#"{{"tags": ["{green}"]}}"#),
        &[(&cloudflare_style, "Miss"), (&fastly_style, "Hit")],
    );
    purge_and_expect(
        edge,
        &format!(r#"{{"tags": ["{blue}"]}}"#),
        &[
            (&fastly_style, "Miss"),
            (&cloudflare_style, "Miss"),
            (&untagged, "Hit"),
        ],
    );
}

/// In a runtime of its own: it purges every other test's entries too.
fn all_purges_everything(platform: Platform) {
    let t = Scope::with(platform, Configuration::Own("purge-all"));
    let edge = t.edge;
    let targets = [
        t.product(2),
        format!("{}/c.jpg", t.path("/media")),
        format!("/search/pcp?Keyword={}", t.word("flu")),
    ];
    let targets = targets.each_ref().map(String::as_str);
    warm(edge, &targets);
    purge_and_expect(
        edge,
        r#"{"all": true}"#,
        &[
            (targets[0], "Miss"),
            (targets[1], "Miss"),
            (targets[2], "Miss"),
        ],
    );
    // Refilled, they are hits again.
    for target in targets {
        assert!(is_hit(edge, target), "{target}");
    }
}

fn a_soft_purge_serves_stale_while_refreshing(platform: Platform) {
    let t = Scope::new(platform);
    let edge = t.edge;
    let target = &format!("{}/soft.jpg", t.path("/media"));
    warm(edge, &[target]);
    assert_eq!(t.count(target), 1);
    let answer = purge(edge, &format!(r#"{{"paths": ["{target}"], "soft": true}}"#));
    assert_eq!(answer.status, 202);
    assert_eq!(answer.json()["soft"], true);
    // Served at once from the stale copy, refreshed in the background
    // (the media policy has stale-while-revalidate).
    let stale = Request::get(&edge.url(target)).send();
    assert_eq!(stale.status, 200);
    assert!(
        stale.cache_status().contains("stale-while-revalidate"),
        "{}",
        stale.cache_status()
    );
    eventually("the refresh reached the origin", || t.count(target) == 2);
    eventually("the refreshed copy is fresh", || {
        Request::get(&edge.url(target))
            .send()
            .cache_status()
            .starts_with("edgecache; hit; ttl=")
    });
    assert_eq!(t.count(target), 2);
}

fn refused_calls_purge_nothing(platform: Platform) {
    let t = Scope::new(platform);
    let (origin, edge) = (t.origin, t.edge);
    let product = t.product(2);
    warm(edge, &[&product]);
    let url = edge.url("/.edgecache/purge");
    let body = r#"{"all": true}"#;
    let unauthenticated = Request::post(&url).body(body).send();
    assert_eq!(unauthenticated.status, 401);
    assert!(unauthenticated.header("www-authenticate").is_some());
    let wrong = Request::post(&url)
        .header("authorization", "Bearer not-the-token")
        .body(body)
        .send();
    assert_eq!(wrong.status, 401);
    let malformed = purge(edge, r#"{"paths": ["products/2", "/a*b"], "colour": 1}"#);
    assert_eq!(malformed.status, 400);
    assert!(
        malformed.json()["problems"][0]
            .as_str()
            .is_some_and(|p| p.contains("colour")),
        "{}",
        String::from_utf8_lossy(&malformed.body)
    );
    let bad_paths = purge(edge, r#"{"paths": ["products/2", "/a*b"]}"#);
    assert_eq!(bad_paths.status, 400);
    assert_eq!(
        bad_paths.json()["problems"].as_array().map(Vec::len),
        Some(2)
    );
    let oversized = format!(r#"{{"tags": ["{}"]}}"#, "x".repeat(70_000));
    assert_eq!(purge(edge, &oversized).status, 413);
    let too_many: Vec<String> = (0..300).map(|i| format!("\"/p/{i}\"")).collect();
    let too_many = format!(r#"{{"paths": [{}]}}"#, too_many.join(","));
    let answer = purge(edge, &too_many);
    assert_eq!(answer.status, 400);
    assert!(String::from_utf8_lossy(&answer.body).contains("at most 256"));
    let get = Request::get(&url)
        .header("authorization", &format!("Bearer {PURGE_TOKEN}"))
        .send();
    assert_eq!(get.status, 405);
    assert!(is_hit(edge, &product));
    // No purge call of any test ever reaches the origin.
    assert_eq!(origin.count("/.edgecache/purge"), 0);
}

fn the_api_is_disabled_without_a_token(platform: Platform) {
    let t = Scope::with(platform, Configuration::WithoutPurgeToken);
    let (origin, edge) = (t.origin, t.edge);
    let product = t.product(2);
    warm(edge, &[&product]);
    let answer = Request::post(&edge.url("/.edgecache/purge"))
        .header("authorization", "Bearer ")
        .body(r#"{"all": true}"#)
        .send();
    assert_eq!(answer.status, 404);
    assert!(is_hit(edge, &product));
    // No purge call of any test ever reaches the origin.
    assert_eq!(origin.count("/.edgecache/purge"), 0);
}

/// One structured log line names the purge.
fn assert_purge_logged(edge: &Edge, id: &str) {
    eventually("the purge was logged", || {
        edge.output()
            .iter()
            .any(|line| line.contains("\"event\":\"purge\"") && line.contains(id))
    });
}

/// Cloudflare's purge log lives in a Durable Object: when it cannot be
/// reached, a purge answers 503 (retry; nothing was recorded), and an
/// isolate that never read the log serves no stored copy (it cannot tell a
/// purged one from a kept one): every answer comes from the origin, and
/// the log says why, once. Fastly purges through the platform, which the
/// local runtime cannot make fail.
#[test]
fn cloudflare_an_unreachable_purge_log_fails_purges_and_serves_nothing_stored() {
    let t = Scope::with(Platform::Cloudflare, Configuration::WithoutPurgeLog);
    let target = t.respond("public, max-age=60", "&body=kept");
    for _ in 0..3 {
        let got = Request::get(&t.edge.url(&target)).send();
        assert_eq!(got.status, 200);
        assert_eq!(got.x_cache(), "Miss from edgecache", "{:?}", got.headers);
    }
    eventually("the isolate says why", || {
        t.edge
            .output()
            .iter()
            .any(|line| line.contains("the purge log was never read"))
    });
    let got = purge(
        t.edge,
        &format!(r#"{{"paths": ["{}"]}}"#, t.path("/respond")),
    );
    assert_eq!(got.status, 503, "{}", String::from_utf8_lossy(&got.body));
    assert_eq!(got.json()["error"], "purge failed: retry");
}

/// A hard purge outlives the purge log's process: the Durable Object
/// writes each mark to its storage and, started again, reads them back,
/// so a copy stored before the purge (kept in the Cache API across the
/// restart) stays purged. Marks were once handed to the storage API as a
/// JavaScript `Map`, which it stores as nothing: every purge was
/// forgotten at the object's first restart, and its copies served again.
#[test]
fn cloudflare_a_purge_outlives_a_restart_of_the_purge_log() {
    let origin = Origin::start();
    let mut edge = Edge::start(Platform::Cloudflare, &origin.url());
    let purged = respond_target("/respond/restart-purged", "public, max-age=600", "");
    let kept = respond_target("/respond/restart-kept", "public, max-age=600", "");
    warm(&edge, &[&purged, &kept]);
    let answer = purge(&edge, r#"{"paths": ["/respond/restart-purged"]}"#);
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    edge.restart();
    // The copy that was not purged is still served: the cache outlived
    // the restart, so the purged one's MISS is the purge log's doing.
    assert_eq!(x_cache(&edge, &kept), "Hit");
    assert_eq!(x_cache(&edge, &purged), "Miss");
}
