//! Invalidation after unsafe methods (RFC 9111 section 4.4), where a
//! behavior opts in (`invalidate_on_unsafe_methods`; CloudFront never
//! does it): a `POST`, `PUT`, `PATCH`, `DELETE` or extension method that
//! the origin answered with a 2xx or 3xx changes the resource, so what the
//! cache holds for its target URI, and for the `Location` and
//! `Content-Location` of the answer when they are on the same host, is
//! purged. Through the invalidation API's purge keys: every variant of
//! each key goes. Only URIs whose GET is cached, and whose key does not
//! hold the host, are purged: purge keys hold no host, so a purge where
//! the key does would reach another host's entries.

use crate::config::{Config, Method};
use crate::headers::Headers;
use crate::path::normalize_path;

use super::PurgeTarget;
use super::keys::cached_key_of;

/// The purge keys a response to an unsafe request invalidates: empty for
/// a safe method, or a status other than 2xx and 3xx. `path` and `query`
/// are the request's (the normalized path, the query as sent); `host` the
/// viewer's `Host`, against which `Location` and `Content-Location` are
/// judged same-origin.
pub fn invalidated_keys(
    config: &Config,
    method: Method,
    (path, query): (&str, &str),
    host: &str,
    (status, headers): (u16, &Headers<'_>),
) -> Vec<String> {
    let unsafe_method = !matches!(method, Method::Get | Method::Head | Method::Options);
    if !unsafe_method || !(200..400).contains(&status) {
        return Vec::new();
    }
    let mut targets = vec![PurgeTarget::Key {
        path: path.to_string(),
        query: query.to_string(),
    }];
    for field in ["location", "content-location"] {
        if let Some(target) = headers
            .get_str(field)
            .and_then(|uri| same_origin_target(uri, host))
        {
            targets.push(target);
        }
    }
    let mut keys: Vec<String> = targets
        .iter()
        .filter_map(|target| match target {
            PurgeTarget::Key { path, query } => cached_key_of(config, path, query),
            _ => None,
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The target a `Location` or `Content-Location` names, when it is on
/// `host` (an absolute path, or an `http(s)` URL of that host); `None`
/// for another host (RFC 9111 section 4.4: a cache must not invalidate
/// for another origin, or one response could purge any site's entries)
/// or a reference it cannot resolve.
fn same_origin_target(uri: &str, host: &str) -> Option<PurgeTarget> {
    let uri = uri.trim();
    let absolute_path = match uri.split_once("://") {
        Some((scheme, rest)) => {
            if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
                return None;
            }
            let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
            if host.is_empty() || !authority.eq_ignore_ascii_case(host) {
                return None;
            }
            path
        }
        None if uri.starts_with('/') && !uri.starts_with("//") => uri,
        None => return None,
    };
    let without_fragment = absolute_path.split('#').next().unwrap_or_default();
    let (path, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    let path = normalize_path(path).ok()?;
    Some(PurgeTarget::Key {
        path,
        query: query.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::demo_config;

    fn keys(method: Method, status: u16, response: &[(&str, &[u8])]) -> Vec<String> {
        let config = demo_config();
        let headers = Headers::new(response);
        invalidated_keys(
            &config,
            method,
            ("/products/7", ""),
            "shop.example",
            (status, &headers),
        )
    }

    #[test]
    fn only_successful_unsafe_requests_invalidate() {
        assert_eq!(keys(Method::Post, 201, &[]).len(), 1);
        assert_eq!(keys(Method::Delete, 204, &[]).len(), 1);
        assert_eq!(keys(Method::Put, 303, &[]).len(), 1);
        assert!(keys(Method::Get, 200, &[]).is_empty());
        assert!(keys(Method::Options, 200, &[]).is_empty());
        assert!(keys(Method::Post, 404, &[]).is_empty());
        assert!(keys(Method::Post, 500, &[]).is_empty());
    }

    #[test]
    fn location_and_content_location_on_the_same_host_invalidate_too() {
        let same = keys(
            Method::Post,
            201,
            &[
                ("location", b"/products/8"),
                ("content-location", b"https://shop.example/products/9?x=1"),
            ],
        );
        assert_eq!(same.len(), 3);
        let other = keys(
            Method::Post,
            201,
            &[
                ("location", b"https://evil.example/products/8"),
                ("content-location", b"//evil.example/x"),
            ],
        );
        assert_eq!(other.len(), 1);
        let itself = keys(Method::Post, 201, &[("location", b"/products/7")]);
        assert_eq!(itself.len(), 1);
    }

    #[test]
    fn the_target_uri_is_purged_by_a_key_its_stored_entry_carries() {
        let config = demo_config();
        let plan = crate::test_support::plan(
            &config,
            &crate::test_support::viewer("GET", "/products/7", &[]),
        );
        let crate::request::Disposition::Lookup(key) = &plan.disposition else {
            panic!("/products/7 is cached");
        };
        let carried = super::super::entry_purge_keys(&plan, key);
        let purged = keys(Method::Patch, 200, &[]);
        assert_eq!(purged.len(), 1);
        assert!(
            carried.contains(&purged[0]),
            "{purged:?} not in {carried:?}"
        );
    }

    #[test]
    fn uris_whose_get_is_not_cached_are_not_purged() {
        let config = demo_config();
        let headers = Headers::default();
        // The demo's media behavior caches GET; /orders falls to the
        // default behavior, which caches too; a POST-only URL would not.
        let got = invalidated_keys(
            &config,
            Method::Post,
            ("/media/a.mp3", ""),
            "h",
            (200, &headers),
        );
        assert_eq!(got.len(), 1);
    }
}
