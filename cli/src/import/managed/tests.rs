//! The managed policies table: each id, as AWS documents it, onto the
//! edgecache policy the import writes.

use serde_json::{Value, json};

use super::*;
use crate::import::policy::{self, Source};

/// The edgecache policy for a managed cache policy, whether it keys the
/// viewer's Host, and how many settings it could not carry over.
fn cache(id: &str) -> (&'static str, Value, bool, usize) {
    let (name, config) = cache_policy(id).unwrap();
    let mut notes = Vec::new();
    let source = Source {
        at: "DefaultCacheBehavior.CachePolicyId",
        managed: Some(name),
    };
    let draft = policy::cache_policy(&config, source, &mut notes).unwrap();
    assert!(
        notes
            .iter()
            .all(|n| n.path == source.at && n.message.starts_with("managed policy"))
    );
    let value = serde_json::to_value(&draft.policy).unwrap();
    (name, value, draft.keys_host, notes.len())
}

fn origin_request(id: &str) -> (&'static str, Value, bool, usize) {
    let (name, config) = origin_request_policy(id).unwrap();
    let mut notes = Vec::new();
    let source = Source {
        at: "DefaultCacheBehavior.OriginRequestPolicyId",
        managed: Some(name),
    };
    let draft = policy::origin_request_policy(&config, source, &mut notes).unwrap();
    let value = serde_json::to_value(&draft.policy).unwrap();
    (name, value, draft.forwards_host, notes.len())
}

fn none() -> Value {
    json!({"behavior": "none"})
}

fn all() -> Value {
    json!({"behavior": "all"})
}

fn only(names: &[&str]) -> Value {
    json!({"behavior": "whitelist", "names": names})
}

#[test]
fn each_managed_cache_policy_maps_onto_its_edgecache_policy() {
    let both = json!({"gzip": true, "brotli": true});
    let neither = json!({"gzip": false, "brotli": false});
    let origin_headers = json!([
        "Origin",
        "X-HTTP-Method-Override",
        "X-HTTP-Method",
        "X-Method-Override"
    ]);
    // id, name, [min, default, max], query strings, headers, cookies,
    // Accept-Encoding, keys Host, notes (CloudFront-Viewer-Country, Authorization)
    let table = [
        (
            "658327ea-f89d-4fab-a63d-7e88639e58f6",
            "CachingOptimized",
            [1, 86400, 31536000],
            none(),
            json!([]),
            none(),
            both.clone(),
            false,
            0,
        ),
        (
            "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
            "CachingOptimizedForUncompressedObjects",
            [1, 86400, 31536000],
            none(),
            json!([]),
            none(),
            neither.clone(),
            false,
            0,
        ),
        (
            "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            "CachingDisabled",
            [0, 0, 0],
            none(),
            json!([]),
            none(),
            neither,
            false,
            0,
        ),
        (
            "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
            "UseOriginCacheControlHeaders",
            [0, 0, 31536000],
            none(),
            origin_headers.clone(),
            all(),
            both.clone(),
            true,
            0,
        ),
        (
            "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
            "UseOriginCacheControlHeaders-QueryStrings",
            [0, 0, 31536000],
            all(),
            origin_headers,
            all(),
            both.clone(),
            true,
            0,
        ),
        (
            "08627262-05a9-4f76-9ded-b50ca2e3a84f",
            "Elemental-MediaPackage",
            [0, 86400, 31536000],
            only(&["aws.manifestfilter", "start", "end", "m"]),
            json!(["Origin"]),
            none(),
            json!({"gzip": true, "brotli": false}),
            false,
            0,
        ),
        (
            "2e54312d-136d-493c-8eb9-b001f22f67d2",
            "Amplify",
            [2, 2, 600],
            all(),
            json!(["Authorization"]),
            all(),
            both,
            true,
            2,
        ),
    ];
    for (id, name, [min, default, max], query, headers, cookies, encoding, host, notes) in table {
        let (actual_name, policy, keys_host, actual_notes) = cache(id);
        assert_eq!(actual_name, name);
        let expected = json!({
            "min_ttl": min, "default_ttl": default, "max_ttl": max,
            "query_strings": query, "headers": headers, "cookies": cookies,
            "accept_encoding": encoding, "include_host": host,
        });
        for (field, value) in expected.as_object().unwrap() {
            assert_eq!(&policy[field], value, "{name}.{field}");
        }
        assert_eq!((keys_host, actual_notes), (host, notes), "{name}");
    }
}

#[test]
fn each_managed_origin_request_policy_maps_onto_its_edgecache_policy() {
    let all_viewer = json!({"behavior": "all_viewer"});
    let cors_s3 = [
        "Origin",
        "Access-Control-Request-Headers",
        "Access-Control-Request-Method",
    ];
    // id, name, query strings, headers, cookies, forwards Host, notes
    let table = [
        (
            "216adef6-5c7f-47e4-b989-5492eafa07d3",
            "AllViewer",
            all(),
            all_viewer.clone(),
            all(),
            true,
            0,
        ),
        (
            "33f36d7e-f396-46d9-90e0-52428a34d9dc",
            "AllViewerAndCloudFrontHeaders-2022-06",
            all(),
            all_viewer.clone(),
            all(),
            true,
            21,
        ),
        (
            "b689b0a8-53d0-40ab-baf2-68738e2966ac",
            "AllViewerExceptHostHeader",
            all(),
            all_viewer,
            all(),
            false,
            0,
        ),
        (
            "59781a5b-3903-41f3-afcb-af62929ccde1",
            "CORS-CustomOrigin",
            none(),
            only(&["Origin"]),
            none(),
            false,
            0,
        ),
        (
            "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
            "CORS-S3Origin",
            none(),
            only(&cors_s3),
            none(),
            false,
            0,
        ),
        (
            "775133bc-15f2-49f9-abea-afb2e0bf67d2",
            "Elemental-MediaTailor-PersonalizedManifests",
            all(),
            only(&[&cors_s3[..], &["User-Agent", "X-Forwarded-For"]].concat()),
            none(),
            false,
            0,
        ),
        (
            "bf0718e1-ba1e-49d1-88b1-f726733018ae",
            "HostHeaderOnly",
            none(),
            none(),
            none(),
            true,
            0,
        ),
        (
            "acba4595-bd28-49b8-b9fe-13317c0390fa",
            "UserAgentRefererHeaders",
            none(),
            only(&["User-Agent", "Referer"]),
            none(),
            false,
            0,
        ),
    ];
    for (id, name, query, headers, cookies, host, notes) in table {
        let (actual_name, policy, forwards_host, actual_notes) = origin_request(id);
        assert_eq!(actual_name, name);
        let expected = json!({"query_strings": query, "headers": headers, "cookies": cookies});
        assert_eq!(policy, expected, "{name}");
        assert_eq!((forwards_host, actual_notes), (host, notes), "{name}");
    }
}

#[test]
fn an_id_that_is_not_managed_is_none() {
    assert!(cache_policy("216adef6-5c7f-47e4-b989-5492eafa07d3").is_none());
    assert!(origin_request_policy("658327ea-f89d-4fab-a63d-7e88639e58f6").is_none());
    assert!(cache_policy("").is_none());
}
