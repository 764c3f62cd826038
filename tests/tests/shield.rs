//! Shielding on Fastly, with Viceroys on loopback: two POPs whose origin
//! has a shield POP, and the shield POP itself, all running the same
//! function in front of one demo origin. (Cloudflare has no shielding.)

// A panic in a test is a failed test (clippy.toml allows unwrap and
// expect in tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::{Edge, Origin, PURGE_TOKEN, Request, eventually, respond_target, test_config};

/// The shielding site the configuration names.
const SITE: &str = "e2e-shield";

/// The test configuration with its origin shielded at [`SITE`].
fn shielded_config(origin_url: &str) -> String {
    let mut config: serde_json::Value = serde_json::from_str(&test_config(origin_url)).unwrap();
    config["origins"]["demo"]["shield"] = SITE.into();
    config.to_string()
}

/// The origin, the shield POP and two POPs shielded by it.
struct Pops {
    origin: Origin,
    shield: Edge,
    a: Edge,
    b: Edge,
}

/// The POPs share the shield's purge token unless `b_token` gives POP b
/// another.
fn pops(b_token: &str) -> Pops {
    let origin = Origin::start();
    let config = shielded_config(&origin.url());
    let shield = Edge::start_fastly_shielded(&origin.url(), &config, SITE, None, PURGE_TOKEN);
    let shield_url = shield.url("");
    let shield_url = Some(shield_url.trim_end_matches('/'));
    let a = Edge::start_fastly_shielded(&origin.url(), &config, SITE, shield_url, PURGE_TOKEN);
    let b = Edge::start_fastly_shielded(&origin.url(), &config, SITE, shield_url, b_token);
    Pops {
        origin,
        shield,
        a,
        b,
    }
}

/// Misses at two POPs make one origin request, at the shield; the second
/// POP stores its copy under the origin's tags, which the shield passed
/// on and no viewer sees.
#[test]
fn misses_at_two_pops_make_one_origin_request_through_the_shield() {
    let pops = pops(PURGE_TOKEN);
    let path = "/respond/shielded";
    let target = respond_target(
        path,
        "public, max-age=60",
        "&surrogate-key=shield-tag&body=once",
    );
    let first = Request::get(&pops.a.url(&target)).send();
    assert_eq!((first.status, first.text().as_str()), (200, "once\n"));
    assert_eq!(first.x_cache(), "Miss from edgecache");
    assert_eq!(first.header("surrogate-key"), None);
    let second = Request::get(&pops.b.url(&target)).send();
    assert_eq!((second.status, second.text().as_str()), (200, "once\n"));
    assert_eq!(second.x_cache(), "Miss from edgecache");
    assert_eq!(second.header("surrogate-key"), None);
    assert_eq!(second.header("edgecache-shield-answer"), None);
    assert_eq!(
        pops.origin.count(path),
        1,
        "one origin request for both POPs"
    );
    eventually("POP b's copy is a HIT", || {
        Request::get(&pops.b.url(&target)).send().x_cache() == "Hit from edgecache"
    });
    // POP b's copy carries the origin's tag: purging it there is a miss
    // there (Viceroy purges its own cache only; Fastly's purges reach
    // every POP), refilled from the shield's copy.
    let purged = Request::post(&pops.b.url("/.edgecache/purge"))
        .header("authorization", &format!("Bearer {PURGE_TOKEN}"))
        .header("content-type", "application/json")
        .body(r#"{"tags": ["shield-tag"]}"#)
        .send();
    assert_eq!(purged.status, 202, "{}", purged.text());
    let after = Request::get(&pops.b.url(&target)).send();
    assert_eq!(after.x_cache(), "Miss from edgecache");
    assert_eq!(
        pops.origin.count(path),
        1,
        "{:?}\nshield: {:#?}\nb: {:#?}",
        after.headers,
        pops.shield.output(),
        pops.b.output()
    );
}

/// A viewer that sends the shield fields itself, with a token of its own,
/// is a viewer: its answer has no fields meant for caches, and the origin
/// gets its real address.
#[test]
fn a_viewer_cannot_pass_for_a_pop() {
    let pops = pops(PURGE_TOKEN);
    let path = "/respond/forged";
    let target = respond_target(path, "public, max-age=60", "&surrogate-key=forged-tag");
    let got = Request::get(&pops.shield.url(&target))
        .header("edgecache-edge", &"0".repeat(64))
        .header("edgecache-viewer-ip", "203.0.113.9")
        .send();
    assert_eq!(got.status, 200);
    assert_eq!(got.header("surrogate-key"), None);
    let sent = pops.origin.last_headers(path);
    let forwarded_for = sent
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("x-forwarded-for"))
        .map(|(_, value)| value.as_str());
    assert_eq!(forwarded_for, Some("127.0.0.1"), "{sent:?}");
    assert!(
        !sent
            .iter()
            .any(|(name, _)| name.to_ascii_lowercase().starts_with("edgecache-")),
        "{sent:?}"
    );
}

/// A POP whose token the shield does not know (a token being rotated, a
/// deploy under way) gets the shield's answer for viewers, without the
/// fields a stored copy needs: it serves it, and stores nothing.
#[test]
fn a_pop_the_shield_does_not_recognize_stores_nothing() {
    let pops = pops("another-purge-token");
    let path = "/respond/unrecognized";
    let target = respond_target(
        path,
        "public, max-age=60",
        "&surrogate-key=tagged&body=once",
    );
    for _ in 0..2 {
        let got = Request::get(&pops.b.url(&target)).send();
        assert_eq!((got.status, got.text().as_str()), (200, "once\n"));
        assert_eq!(got.x_cache(), "Miss from edgecache");
        assert!(
            got.cache_status().contains("shield-unrecognized"),
            "{}",
            got.cache_status()
        );
        assert_eq!(got.header("edgecache-shield-answer"), None);
    }
    // The shield stored it, and answered the second time from its copy.
    assert_eq!(pops.origin.count(path), 1);
}
