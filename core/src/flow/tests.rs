//! The flow's branches, one table per step: what each observation of the
//! platform leads to.

use super::*;
use crate::cache_status::CacheOutcome;
use crate::entry::EntryMeta;
use crate::headers::Headers;
use crate::purge::PurgeVerdict;
use crate::reason::{OriginFailure, PassReason};
use crate::response::OriginResponse;
use crate::stored::StoredHead;
use crate::test_support::demo_config;

const NOW: u64 = 1_700_000_000;

fn lookup<'c>(config: &'c Config, target: &str, now: u64) -> Lookup<'c> {
    match start(config, &ViewerRequest::new("GET", target), now) {
        Start::Lookup(lookup) => lookup,
        _ => panic!("{target} is not looked up"),
    }
}

/// A stored 200 for `/products/1`, fresh for `max-age` seconds from `NOW`.
fn entry(config: &Config, max_age: u64) -> Entry {
    let Start::Lookup(lookup) = start(config, &ViewerRequest::new("GET", "/products/1"), NOW)
    else {
        panic!("not looked up");
    };
    let AfterLookup::Fetch(fetch) = lookup.found(Found::Nothing, Write::Held) else {
        panic!("no fetch");
    };
    let cc = format!("max-age={max_age}");
    let list = [
        ("cache-control", cc.as_bytes()),
        ("etag", b"\"v1\"".as_slice()),
    ];
    let answer = OriginResponse {
        status: 200,
        headers: Headers::new(&list),
    };
    match fetch.answered(answer) {
        AfterOrigin::Store(store) => Entry::new(store.entry.head),
        other => panic!("not stored: {other:?}"),
    }
}

/// The step's name and, for a fetch, whether it stores.
fn shape(step: &AfterLookup<'_>) -> String {
    match step {
        AfterLookup::Serve(serve) => format!("serve {:?}", serve.finish().outcome()),
        AfterLookup::ServeStale(..) => "serve-stale+refresh".into(),
        AfterLookup::Claim(_) => "claim".into(),
        AfterLookup::Wait(_) => "wait".into(),
        AfterLookup::Fetch(fetch) if fetch.stores() => "fetch+store".into(),
        AfterLookup::Fetch(_) => "fetch".into(),
    }
}

#[test]
fn an_unreadable_cache_is_a_fetch_that_stores_nothing() {
    let config = demo_config();
    let step = lookup(&config, "/products/1", NOW).found(Found::Unavailable, Write::OnRequest);
    let AfterLookup::Fetch(fetch) = step else {
        panic!("{}", shape(&step));
    };
    let AfterOrigin::Forward { finish, write } = fetch.answered(OriginResponse {
        status: 200,
        headers: Headers::default(),
    }) else {
        panic!("not forwarded");
    };
    assert_eq!(write, WriteEnd::Release);
    assert_eq!(
        finish.outcome(),
        &CacheOutcome::Miss {
            status: 200,
            stored: Err(PassReason::CacheUnavailable)
        }
    );
}

#[test]
fn purges_and_platform_staleness_make_an_entry_stale_or_absent() {
    let config = demo_config();
    let at = NOW + 10;
    let table: [(PurgeVerdict, bool, &str); 4] = [
        (
            PurgeVerdict::Kept,
            false,
            "serve Hit { age: 10, remaining_ttl: 50 }",
        ),
        (PurgeVerdict::Hard, false, "fetch+store"),
        (
            PurgeVerdict::Soft {
                at_ms: NOW * 1000 + 5_000,
            },
            false,
            "fetch+store",
        ),
        (PurgeVerdict::Kept, true, "fetch+store"),
    ];
    for (purge, platform_stale, want) in table {
        let mut found = entry(&config, 60);
        found.purge = purge;
        found.platform_stale = platform_stale;
        let step = lookup(&config, "/products/1", at).found(Found::Entry(found), Write::Held);
        assert_eq!(shape(&step), want, "{purge:?} {platform_stale}");
    }
}

#[test]
fn a_follower_waits_once_then_fetches_without_storing() {
    let config = demo_config();
    let AfterLookup::Claim(claim) =
        lookup(&config, "/products/1", NOW).found(Found::Nothing, Write::OnRequest)
    else {
        panic!("no claim");
    };
    // The default connect timeout (10 s) and the demo origin's first-byte timeout (5 s).
    assert_eq!(claim.wait_limit_ms(), 10_000 + 5_000);
    let AfterClaim::Wait(again) = claim.claimed(Claimed::Follower) else {
        panic!("no wait");
    };
    let AfterLookup::Claim(claim) = again.found(Found::Nothing, Write::OnRequest) else {
        panic!("no second claim");
    };
    let AfterClaim::Fetch(fetch) = claim.claimed(Claimed::Follower) else {
        panic!("waited twice");
    };
    assert!(!fetch.stores());
}

/// A missing entry, and a stale one that may not be served as it is (no
/// stale-while-revalidate): who fills or refreshes it, by the write.
#[test]
fn the_write_decides_who_fills_a_missing_or_stale_entry() {
    let config = demo_config();
    let table = [
        (Write::Held, "fetch+store"),
        (Write::Busy, "fetch"),
        (Write::Pending, "wait"),
        (Write::OnRequest, "claim"),
    ];
    for (fresh_for, at) in [(None, NOW), (Some(60), NOW + 61)] {
        for (write, want) in table {
            let found = fresh_for.map_or(Found::Nothing, |s| Found::Entry(entry(&config, s)));
            let step = lookup(&config, "/products/1", at).found(found, write);
            assert_eq!(shape(&step), want, "{write:?} {fresh_for:?}");
        }
    }
}

#[test]
fn a_request_that_waited_once_fetches_without_storing_if_the_write_is_still_held() {
    let config = demo_config();
    let stale = || Found::Entry(entry(&config, 60));
    let AfterLookup::Wait(wait) =
        lookup(&config, "/products/1", NOW + 61).found(stale(), Write::Pending)
    else {
        panic!("no wait");
    };
    assert_eq!(wait.limit_ms(), 10_000 + 5_000);
    assert_eq!(wait.key(), wait.lookup().key());
    let step = wait.again().found(stale(), Write::Pending);
    let AfterLookup::Fetch(fetch) = step else {
        panic!("{}", shape(&step));
    };
    assert!(!fetch.stores());
    // The holder let go meanwhile: this one refreshes the entry.
    let AfterLookup::Wait(wait) =
        lookup(&config, "/products/1", NOW + 61).found(stale(), Write::Pending)
    else {
        panic!("no wait");
    };
    assert_eq!(
        shape(&wait.again().found(stale(), Write::Held)),
        "fetch+store"
    );
}

#[test]
fn a_copy_within_stale_while_revalidate_is_served_while_another_request_refreshes_it() {
    let config = demo_config();
    let head = stored_media(&config, &[]);
    // Stale a second ago, within the media policy's day of stale-while-revalidate.
    let at = NOW + 2_592_000 + 1;
    for (write, want) in [(Write::Pending, "serve"), (Write::Busy, "serve")] {
        let found = Found::Entry(Entry::new(head.clone()));
        let step = lookup(&config, "/media/a.mp3", at).found(found, write);
        assert!(
            shape(&step).starts_with(want),
            "{write:?}: {}",
            shape(&step)
        );
    }
}

#[test]
fn a_hit_for_pass_marker_sends_requests_straight_to_the_origin() {
    let config = demo_config();
    let marker = StoredHead::new(EntryMeta::hit_for_pass(NOW), &Headers::default(), false);
    let step = lookup(&config, "/products/1", NOW + 1)
        .found(Found::Entry(Entry::new(marker)), Write::Held);
    let AfterLookup::Fetch(fetch) = step else {
        panic!("{}", shape(&step));
    };
    assert!(!fetch.stores());
}

#[test]
fn a_revalidation_asks_conditionally_and_a_failure_falls_back_to_stale_if_error() {
    let config = demo_config();
    // /media/* keeps a stale copy for a week on errors.
    let head = stored_media(&config, &[("etag", b"\"m1\"")]);
    let later = NOW + 2_592_000 + 86_400 + 1;
    let step =
        lookup(&config, "/media/a.mp3", later).found(Found::Entry(Entry::new(head)), Write::Held);
    let AfterLookup::Fetch(fetch) = step else {
        panic!("{}", shape(&step));
    };
    assert_eq!(
        fetch.request().header("if-none-match"),
        Some(&b"\"m1\""[..])
    );
    let AfterFailure::FromCache(serve) = fetch.failed(OriginFailure::Timeout) else {
        panic!("no stale copy");
    };
    assert_eq!(
        serve.finish().decoration().x_cache,
        "RefreshHit from edgecache"
    );
}

#[test]
fn rejections_name_the_raw_target_and_skip_the_body_for_head() {
    let config = demo_config();
    let Start::Respond(reply) = start(
        &config,
        &ViewerRequest::new("HEAD", "/media/x?a=1").body(true),
        NOW,
    ) else {
        panic!("not rejected");
    };
    assert_eq!(reply.status, 403);
    assert!(!reply.finish.send_body());
    let sent = crate::Sent {
        status: 403,
        ..crate::Sent::default()
    };
    let line: serde_json::Value = serde_json::from_str(&reply.finish.log_line(&sent)).unwrap();
    assert_eq!(line["path"], "/media/x?a=1");
    assert!(line["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(line["behavior"], "-");
}

/// The demo configuration with its origin shielded at `iad-va-us`.
fn shielded_config() -> Config {
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("../../../config/demo.json")).unwrap();
    doc["origins"]["demo"]["shield"] = "iad-va-us".into();
    Config::from_json(&doc.to_string()).unwrap()
}

fn fetch_of<'c>(config: &'c Config, viewer: &ViewerRequest<'_>) -> Fetch<'c> {
    let Start::Lookup(lookup) = start(config, viewer, NOW) else {
        panic!("not looked up");
    };
    let AfterLookup::Fetch(fetch) = lookup.found(Found::Nothing, Write::Held) else {
        panic!("no fetch");
    };
    fetch
}

#[test]
fn a_shielded_origins_fill_goes_to_the_shield_with_the_viewers_request() {
    let config = shielded_config();
    let list = [
        ("host", b"edge.example".as_slice()),
        ("if-none-match", b"\"viewer's\""),
    ];
    let viewer = ViewerRequest::new("GET", "/products/1?a=1")
        .host("edge.example")
        .headers(Headers::new(&list))
        .client_ip(Some("192.0.2.9"));
    let shield = fetch_of(&config, &viewer).shield_request("tok").unwrap();
    assert_eq!(shield.pop, "iad-va-us");
    assert_eq!(
        (shield.method, shield.target.as_str()),
        ("GET", "/products/1?a=1")
    );
    let names: Vec<&str> = shield.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "host",
            crate::shield::EDGE_HEADER,
            crate::shield::VIEWER_IP_HEADER
        ]
    );
    // Without a shield, there is no such request.
    assert!(
        fetch_of(&demo_config(), &viewer)
            .shield_request("tok")
            .is_none()
    );
}

#[test]
fn a_request_from_a_pop_goes_to_the_origin_and_its_answer_keeps_the_cache_fields() {
    let config = shielded_config();
    let token = crate::shield::edge_token(b"secret");
    let list = [
        (crate::shield::EDGE_HEADER, token.as_bytes()),
        (crate::shield::VIEWER_IP_HEADER, b"192.0.2.9".as_slice()),
    ];
    let from_edge = ViewerRequest::new("GET", "/products/1")
        .headers(Headers::new(&list))
        .client_ip(Some("198.51.100.4"))
        .shield_token(Some(&token));
    let fetch = fetch_of(&config, &from_edge);
    assert!(fetch.shield_request(&token).is_none());
    assert_eq!(
        fetch.request().header("x-forwarded-for"),
        Some(&b"192.0.2.9"[..])
    );
    let edits = edits_of_a_fill(fetch);
    assert!(!edits.iter().any(|(name, _)| *name == "surrogate-key"));
    // The same request with another token is a viewer's.
    let forged = ViewerRequest::new("GET", "/products/1")
        .headers(Headers::new(&list))
        .client_ip(Some("198.51.100.4"))
        .shield_token(Some(&crate::shield::edge_token(b"other")));
    assert!(!forged.from_edge);
    let fetch = fetch_of(&config, &forged);
    assert!(fetch.shield_request("tok").is_some());
    assert_eq!(
        fetch.request().header("x-forwarded-for"),
        Some(&b"198.51.100.4"[..])
    );
    let edits = edits_of_a_fill(fetch);
    assert!(edits.contains(&("surrogate-key", None)));
}

/// The header edits of the response to `fetch` answered with a cacheable
/// 200.
fn edits_of_a_fill(fetch: Fetch<'_>) -> Vec<(&'static str, Option<String>)> {
    let cacheable = [("cache-control", b"max-age=60".as_slice())];
    let AfterOrigin::Store(store) = fetch.answered(OriginResponse {
        status: 200,
        headers: Headers::new(&cacheable),
    }) else {
        panic!("not stored");
    };
    store.serve.finish().header_edits()
}

/// What `/media/a.mp3` stores when fetched at `NOW` and answered with a
/// 200 and `headers`.
fn stored_media(config: &Config, headers: &[(&str, &[u8])]) -> StoredHead {
    let Start::Lookup(first) = start(config, &ViewerRequest::new("GET", "/media/a.mp3"), NOW)
    else {
        panic!("not looked up");
    };
    let AfterLookup::Fetch(fetch) = first.found(Found::Nothing, Write::Held) else {
        panic!("no fetch");
    };
    let AfterOrigin::Store(store) = fetch.answered(OriginResponse {
        status: 200,
        headers: Headers::new(headers),
    }) else {
        panic!("not stored");
    };
    store.entry.head
}

#[test]
fn a_shield_answer_is_stored_only_when_the_shield_marked_it_for_a_pop() {
    let config = shielded_config();
    let viewer = ViewerRequest::new("GET", "/products/1");
    let marked = [
        ("cache-control", b"max-age=60".as_slice()),
        (crate::shield::SHIELD_ANSWER_HEADER, b"1"),
    ];
    let answer = |list| OriginResponse {
        status: 200,
        headers: Headers::new(list),
    };
    let step = fetch_of(&config, &viewer).answered_by_shield(answer(&marked));
    assert!(matches!(step, AfterOrigin::Store(_)), "{step:?}");
    let step = fetch_of(&config, &viewer).answered_by_shield(answer(&marked[..1]));
    let AfterOrigin::Forward { finish, write } = step else {
        panic!("stored an unmarked answer: {step:?}");
    };
    assert_eq!(write, WriteEnd::Release);
    assert!(
        finish
            .decoration()
            .cache_status
            .contains("detail=\"shield-unrecognized\""),
        "{}",
        finish.decoration().cache_status
    );
}

#[test]
fn a_shields_304_refreshes_the_stored_copy_marked_or_not() {
    let config = shielded_config();
    let stale = Found::Entry(entry(&config, 60));
    let step = lookup(&config, "/products/1", NOW + 61).found(stale, Write::Held);
    let AfterLookup::Fetch(fetch) = step else {
        panic!("{}", shape(&step));
    };
    let list = [("cache-control", b"max-age=60".as_slice())];
    let step = fetch.answered_by_shield(OriginResponse {
        status: 304,
        headers: Headers::new(&list),
    });
    assert!(matches!(step, AfterOrigin::Update(_)), "{step:?}");
}
