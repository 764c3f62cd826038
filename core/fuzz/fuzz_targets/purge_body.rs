//! The invalidation API's body: `purge::parse_purge` and
//! `purge::plan_purge` on arbitrary bytes (the body as the backend sent
//! it), e.g. `{"paths": ["/products/*"], "tags": ["t1"], "soft": true}`.
//!
//! Invariants: reading never panics; a request that reads has at most 256
//! paths and 256 tags, visible-ASCII tags, and names something; its
//! targets written back (`PurgeTarget::label`) read to the same targets;
//! `plan_purge` accepts exactly what `parse_purge` does; a plan's purge
//! keys are unique, non-empty and visible ASCII (Fastly separates surrogate
//! keys with spaces); every answer and log line is JSON; and a purge finds
//! the entries it names: the entry a GET of a named path (or path and
//! query) stores carries the target's purge key, and so does any entry
//! under a purged prefix.

#![no_main]

use edgecache_core::purge::{
    MAX_PURGE_PATHS, MAX_PURGE_TAGS, PURGE_ALL_KEY, PurgeResponse, PurgeTarget, entry_purge_keys,
    parse_purge, plan_purge, target_purge_keys,
};
use edgecache_core::{Config, Disposition, RequestDecision, ViewerRequest, decide_request};
use edgecache_core_fuzz::{DEMO, RICH};
use libfuzzer_sys::fuzz_target;

const NOW_MS: u64 = 1_700_000_000_000;

fuzz_target!(|data: &[u8]| {
    let parsed = parse_purge(data);
    if let Ok(request) = &parsed {
        assert!(request.paths.len() <= MAX_PURGE_PATHS && request.tags.len() <= MAX_PURGE_TAGS);
        assert!(!request.paths.is_empty() || !request.tags.is_empty() || request.all);
        for tag in &request.tags {
            assert!(
                !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_graphic()),
                "tag {tag:?}"
            );
        }
        let labels: Vec<String> = request.paths.iter().map(PurgeTarget::label).collect();
        for label in &labels {
            assert!(label.starts_with('/'), "label {label:?}");
        }
        let body = serde_json::json!({
            "paths": labels, "tags": request.tags, "all": request.all, "soft": request.soft,
        });
        match parse_purge(body.to_string().as_bytes()) {
            Ok(again) => assert_eq!(&again, request, "targets change when written back"),
            Err(e) => panic!("targets written back are refused: {e:?}\n{body}"),
        }
    }
    for config in [&*DEMO, &*RICH] {
        match plan_purge(config, data, NOW_MS) {
            Ok(plan) => {
                let Ok(request) = &parsed else {
                    panic!("plan_purge accepts what parse_purge refuses");
                };
                assert_eq!(plan.id.len(), 16);
                let keys = plan.keys();
                assert!(!keys.is_empty() || (request.paths.is_empty() && request.tags.is_empty()));
                for (i, key) in keys.iter().enumerate() {
                    assert!(
                        !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic()),
                        "key {key:?}"
                    );
                    assert!(!keys[..i].contains(key), "key {key} twice");
                }
                if plan.all {
                    assert_eq!(keys, [PURGE_ALL_KEY]);
                }
                check_response(&plan.accepted("fuzz"), 202);
                check_response(&plan.failed(&keys, "fuzz"), 503);
                for target in &request.paths {
                    check_finds(config, target);
                }
            }
            Err(response) => {
                let Err(error) = &parsed else {
                    panic!("plan_purge refuses what parse_purge accepts");
                };
                check_response(&response, error.status());
            }
        }
    }
});

fn check_response(response: &PurgeResponse, status: u16) {
    assert_eq!(response.status, status);
    for text in [&response.body, &response.log] {
        assert!(!text.contains('\n'), "spans lines: {text:?}");
        if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
            panic!("not JSON ({e}): {text:?}");
        }
    }
}

/// The entry a GET stores for what `target` names carries its purge key.
fn check_finds(config: &Config, target: &PurgeTarget) {
    let (purge_key, _widened) = target_purge_keys(config, target);
    let stored_for = match target {
        PurgeTarget::Path(path) => format!("{path}?x=1"),
        PurgeTarget::Key { path, query } => format!("{path}?{query}"),
        PurgeTarget::Prefix(prefix) => format!("{prefix}x/y"),
    };
    let viewer = ViewerRequest::new("GET", &stored_for).host("edge.example.com");
    let RequestDecision::Forward(plan) = decide_request(config, &viewer) else {
        return;
    };
    let Disposition::Lookup(key) = &plan.disposition else {
        return;
    };
    let named = match target {
        PurgeTarget::Path(path) | PurgeTarget::Key { path, .. } => plan.path == *path,
        PurgeTarget::Prefix(prefix) => plan.path.starts_with(prefix.as_str()),
    };
    if named {
        let keys = entry_purge_keys(&plan, key);
        assert!(
            keys.contains(&purge_key),
            "{target:?} purges {purge_key}, the entry for {stored_for:?} carries {keys:?}"
        );
    }
}
