//! Purge keys: the names an entry is stored under besides its cache key,
//! so that one purge call finds every entry it names on both platforms
//! (Fastly surrogate keys; the same keys in the entry's metadata on
//! Cloudflare).
//!
//! An entry stored for `/media/a/b.mp3?x=1` carries:
//! - `ec-all`: everything this function cached;
//! - `ec-p-<hash of /media/a/b.mp3>`: every variant of the path;
//! - `ec-k-<hash of the path and keyed query>`: the variants of its key;
//! - `ec-d-<hash>` of `/`, `/media/`, `/media/a/`: prefix purges;
//! - the origin's own tags;
//! - on Fastly, `ec-f-<hash>` of the key and a nonce ([`fill_key`]): the
//!   one fill, so that a fill whose body did not arrive whole is purged
//!   alone.
//!
//! A prefix that does not end in `/` (`/media/so*`) is widened to its
//! directory (`/media/*`): more is purged, never less.

use crate::config::Config;
use crate::key::{CacheKey, sha256_hex};
use crate::purge::PurgeTarget;
use crate::request::decide_request;
use crate::request::{Disposition, RequestDecision, RequestPlan, ViewerRequest};

/// The key every entry carries: purging it purges everything.
pub const PURGE_ALL_KEY: &str = "ec-all";
/// The deepest directory an entry is keyed under; a prefix purge below it
/// is widened to it.
pub const MAX_PURGE_DIRS: usize = 16;

/// The purge keys of an entry stored for `plan` under `key` (the origin's
/// tags come on top).
pub fn entry_purge_keys(plan: &RequestPlan<'_, '_>, key: &CacheKey) -> Vec<String> {
    let mut keys = vec![
        PURGE_ALL_KEY.to_string(),
        hashed("ec-p-", &plan.path),
        hashed("ec-k-", key.resource()),
    ];
    keys.extend(directories(&plan.path).map(|dir| hashed("ec-d-", dir)));
    keys
}

/// The purge key of one fill of the key whose hash is `key_hash`
/// ([`CacheKey::hash_hex`]), told apart from the other fills of the key by
/// `nonce` (anything unique to the request: a timestamp, a request id).
///
/// ```
/// # use edgecache_core::purge::fill_key;
/// assert!(fill_key("3f2a", "1").starts_with("ec-f-"));
/// assert_ne!(fill_key("3f2a", "1"), fill_key("3f2a", "2"));
/// ```
pub fn fill_key(key_hash: &str, nonce: &str) -> String {
    hashed("ec-f-", &format!("{key_hash}:{nonce}"))
}

/// The keys that purge what `target` names, and the prefix it was widened
/// to when it was.
pub fn target_purge_keys(config: &Config, target: &PurgeTarget) -> (String, Option<String>) {
    match target {
        PurgeTarget::Path(path) => (hashed("ec-p-", path), None),
        PurgeTarget::Key { path, query } => (key_of(config, path, query), None),
        PurgeTarget::Prefix(prefix) => {
            let dir = directories(prefix).last().unwrap_or("/");
            let widened = (dir != prefix.as_str()).then(|| format!("{dir}*"));
            (hashed("ec-d-", dir), widened)
        }
    }
}

/// The key resource of `path?query` as a GET would have stored it, or, when
/// such a request is not cached, every variant of the path.
fn key_of(config: &Config, path: &str, query: &str) -> String {
    cached_key_of(config, path, query).unwrap_or_else(|| hashed("ec-p-", path))
}

/// The purge key of what a GET of `path?query` stores, when it is cached
/// at all and its key does not hold the host (purge keys do not: one
/// host's purge would reach another's entries).
pub(crate) fn cached_key_of(config: &Config, path: &str, query: &str) -> Option<String> {
    let target = format!("{path}?{query}");
    let request = ViewerRequest::new("GET", &target);
    match decide_request(config, &request) {
        RequestDecision::Forward(RequestPlan {
            disposition: Disposition::Lookup(key),
            forwarding,
            ..
        }) if !forwarding.keys_host() => Some(hashed("ec-k-", key.resource())),
        _ => None,
    }
}

/// The directories above `path`, outermost first, at most
/// [`MAX_PURGE_DIRS`]: `/a/b/c` gives `/`, `/a/`, `/a/b/`.
fn directories(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .map(move |(at, _)| &path[..=at])
        .take(MAX_PURGE_DIRS)
}

/// A short stable key: the prefix and 16 hex digits of SHA-256 (a
/// collision purges more, never less).
fn hashed(prefix: &str, text: &str) -> String {
    let hash = sha256_hex(&[text.as_bytes()]);
    format!("{prefix}{}", &hash[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{demo_config, plan, viewer};

    fn entry_keys(target: &str) -> Vec<String> {
        let config = demo_config();
        let plan = plan(&config, &viewer("GET", target, &[]));
        let Disposition::Lookup(key) = &plan.disposition else {
            panic!("not cached: {target}");
        };
        entry_purge_keys(&plan, key)
    }

    fn target_keys(raw: &str) -> (String, Option<String>) {
        let body = serde_json::json!({ "paths": [raw] }).to_string();
        let request = crate::purge::parse_purge(body.as_bytes()).unwrap();
        target_purge_keys(&demo_config(), &request.paths[0])
    }

    #[test]
    fn every_purge_target_finds_the_entries_it_names() {
        let stored = "/search/pcp?Zipcode=10001&Keyword=flu&utm_source=x";
        let table = [
            ("/search/pcp", true),
            ("/search/pcp?Keyword=flu&Zipcode=10001", true),
            ("/search/pcp?Keyword=flu&Zipcode=10001&utm_source=y", true),
            ("/search/pcp?Keyword=cold&Zipcode=10001", false),
            ("/search/*", true),
            ("/search/p*", true),
            ("/*", true),
            ("/media/*", false),
            ("/search/pc", false),
        ];
        let keys = entry_keys(stored);
        for (purge, finds) in table {
            let (key, _) = target_keys(purge);
            assert_eq!(keys.contains(&key), finds, "{purge}");
        }
        assert_eq!(keys[0], PURGE_ALL_KEY);
    }

    #[test]
    fn widens_prefixes_that_stop_inside_a_segment() {
        assert_eq!(target_keys("/media/so*").1.as_deref(), Some("/media/*"));
        assert_eq!(target_keys("/media/*").1, None);
    }

    #[test]
    fn keys_deep_paths_under_at_most_sixteen_directories() {
        let deep = format!("/media{}", "/d".repeat(30));
        let keys = entry_keys(&format!("{deep}/f.mp3"));
        assert_eq!(
            keys.iter().filter(|k| k.starts_with("ec-d-")).count(),
            MAX_PURGE_DIRS
        );
        assert!(keys.iter().all(|k| k.len() <= 21));
    }
}
