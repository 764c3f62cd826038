//! The end-to-end scenarios, run against every platform's local runtime in
//! front of the demo origin. Each test starts its own origin and runtime
//! (both stop when the test ends, passing or failing).

use e2e::{Edge, Origin, Platform, Request};

/// An origin and an edge in front of it, with the counts cleared.
fn setup(platform: Platform) -> (Origin, Edge) {
    let origin = Origin::start();
    let edge = Edge::start(platform, &origin.url());
    origin.reset();
    (origin, edge)
}

macro_rules! on_every_platform {
    ($($scenario:ident),* $(,)?) => {
        mod fastly {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario(e2e::Platform::Fastly);
                }
            )*
        }
    };
}

on_every_platform!(
    miss_then_hit,
    whitelisted_parameters_change_the_key_and_others_do_not,
    custom_origin_headers_replace_viewer_copies,
    requests_that_bypass_the_cache_reach_the_origin_every_time,
    set_cookie_responses_are_not_shared,
    cdn_only_headers_are_not_shown_to_viewers,
    disallowed_methods_are_answered_at_the_edge,
);

fn miss_then_hit(platform: Platform) {
    let (origin, edge) = setup(platform);
    let target = "/search/pcp?Keyword=flu&Zipcode=10001";
    let first = Request::get(&edge.url(target)).send();
    assert_eq!(first.status, 200);
    assert_eq!(first.x_cache(), "Miss from edgecache");
    let status = first.header("cache-status").unwrap_or_default();
    assert!(
        status.starts_with("edgecache; fwd=miss; fwd-status=200; stored"),
        "{status}"
    );
    let second = Request::get(&edge.url(target)).send();
    assert_eq!(second.x_cache(), "Hit from edgecache");
    assert!(
        second
            .header("cache-status")
            .unwrap_or_default()
            .starts_with("edgecache; hit")
    );
    assert!(second.header("age").is_some());
    assert_eq!(second.body, first.body);
    assert_eq!(origin.count("/search/pcp"), 1);
}

fn whitelisted_parameters_change_the_key_and_others_do_not(platform: Platform) {
    let (origin, edge) = setup(platform);
    let get = |target: &str| Request::get(&edge.url(target)).send();
    assert_eq!(
        get("/search/pcp?Keyword=flu&utm_source=a").x_cache(),
        "Miss from edgecache"
    );
    // A parameter outside the whitelist: same key, still forwarded.
    assert_eq!(
        get("/search/pcp?Keyword=flu&utm_source=b").x_cache(),
        "Hit from edgecache"
    );
    // Reordered whitelisted parameters: /search/pcp sorts them.
    assert_eq!(
        get("/search/pcp?Page=2&Keyword=flu").x_cache(),
        "Miss from edgecache"
    );
    assert_eq!(
        get("/search/pcp?Keyword=flu&Page=2").x_cache(),
        "Hit from edgecache"
    );
    // /search/allergy keeps CloudFront's order-sensitive keys.
    assert_eq!(
        get("/search/allergy?Page=2&Keyword=flu").x_cache(),
        "Miss from edgecache"
    );
    assert_eq!(
        get("/search/allergy?Keyword=flu&Page=2").x_cache(),
        "Miss from edgecache"
    );
    assert_eq!(origin.count("/search/pcp"), 2);
    assert_eq!(
        origin.count_target("/search/pcp?Keyword=flu&utm_source=a"),
        1
    );
    assert_eq!(origin.count("/search/allergy"), 2);
}

fn custom_origin_headers_replace_viewer_copies(platform: Platform) {
    let (origin, edge) = setup(platform);
    Request::get(&edge.url("/products/2"))
        .header("X-Origin-Verify", "forged")
        .header("X-Forwarded-Host", "evil.example")
        .send();
    let headers = origin.last_headers("/products/2");
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
    let (origin, edge) = setup(platform);
    for _ in 0..2 {
        let got = Request::post(&edge.url("/orders")).send();
        assert_eq!(
            got.header("cache-status"),
            Some(r#"edgecache; fwd=method; fwd-status=404; detail="method""#)
        );
    }
    assert_eq!(origin.count("/orders"), 2);
}

fn set_cookie_responses_are_not_shared(platform: Platform) {
    let (origin, edge) = setup(platform);
    let target = "/respond?cc=max-age%3D60&set-cookie=session%3Dabc";
    let first = Request::get(&edge.url(target)).send();
    assert_eq!(
        first.header("cache-status"),
        Some(
            r#"edgecache; fwd=miss; fwd-status=200; detail="set-cookie"; key="/respond?cc=max-age%3D60&set-cookie=session%3Dabc""#
        )
    );
    let second = Request::get(&edge.url(target)).send();
    assert_eq!(second.x_cache(), "Miss from edgecache");
    assert_eq!(origin.count("/respond"), 2);
}

fn cdn_only_headers_are_not_shown_to_viewers(platform: Platform) {
    let (_origin, edge) = setup(platform);
    let got = Request::get(&edge.url("/products/4")).send();
    assert_eq!(got.status, 200);
    assert_eq!(got.header("surrogate-key"), None);
    assert!(got.header("cache-status").is_some());
}

fn disallowed_methods_are_answered_at_the_edge(platform: Platform) {
    let (origin, edge) = setup(platform);
    let got = Request::post(&edge.url("/media/a.mp3")).send();
    assert_eq!(got.status, 403);
    assert_eq!(got.x_cache(), "Error from edgecache");
    assert_eq!(origin.count("/media/a.mp3"), 0);
}
