//! A behavior's legacy cache settings (`ForwardedValues` with `MinTTL`,
//! `DefaultTTL`, `MaxTTL`) as a cache policy, and an origin request policy
//! for what CloudFront forwards without keying it.
//!
//! With legacy settings CloudFront keys on what it forwards: the
//! whitelisted headers and cookies, all query strings, except that a
//! `QueryStringCacheKeys` list keys those only while every query string
//! is still forwarded, and that forwarding all headers (`*`) turns caching
//! off. <https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ForwardedValues.html>

use edgecache_core::schema::{
    AcceptEncodingNormalization, HeaderForwarding, NameFilter, RawOriginRequestPolicy,
};

use super::distribution::{CacheBehavior, ForwardedValues};
use super::headers::{self, Place};
use super::note::{Note, item, join};
use super::policy::{CacheDraft, Key, OrpDraft, ttls};
use crate::Error;
use edgecache_core::config::HeaderList;

/// The origin request policy of a legacy behavior, with its name.
pub(crate) type NamedOrp = (String, OrpDraft);

/// The policies a legacy behavior's settings amount to.
pub(crate) fn policies(
    behavior: &CacheBehavior,
    forwarded: &ForwardedValues,
    at: &str,
    notes: &mut Vec<Note>,
) -> Result<(CacheDraft, Option<NamedOrp>), Error> {
    let at = join(at, "ForwardedValues");
    let all_headers = forwarded.headers.items().iter().any(|h| h == "*");
    let list = join(&at, "Headers");
    let sorted = if all_headers {
        headers::Sorted::default()
    } else {
        let item_path = |i: usize| item(&list, i);
        let place = Place {
            item: &item_path,
            prefix: "",
        };
        headers::sort(forwarded.headers.items(), HeaderList::Key, &place, notes)
    };
    let query_strings = match (
        forwarded.query_string,
        forwarded.query_string_cache_keys.items(),
    ) {
        (false, _) => NameFilter::None,
        (true, []) => NameFilter::All,
        (true, keys) => NameFilter::Whitelist(keys.to_vec()),
    };
    let forwards_all_query = matches!(query_strings, NameFilter::Whitelist(_));
    let mut headers = sorted.names;
    if sorted.accept_encoding {
        headers.push("Accept-Encoding".to_string());
    }
    let key = Key {
        query_strings,
        headers,
        cookies: cookies(forwarded, &at, notes)?,
        // CloudFront forwards, and keys, the normalized Accept-Encoding
        // unless the header is whitelisted; legacy cache settings know gzip
        // only (Brotli needs a cache policy, per CloudFront's "Serving
        // compressed files" page).
        accept_encoding: AcceptEncodingNormalization {
            gzip: !sorted.accept_encoding,
            brotli: false,
        },
        host: sorted.host,
    };
    let ttl = if all_headers {
        [0, 0, 0]
    } else {
        ttls(
            behavior.min_ttl.unwrap_or(0),
            behavior.default_ttl,
            behavior.max_ttl,
        )
    };
    let cache = key.policy(ttl, &list, "", notes);
    Ok((cache, forwarded_unkeyed(forwards_all_query, all_headers)))
}

/// The cookies forwarded, and so keyed. A whitelisted name may hold
/// CloudFront's wildcards, which edgecache does not have.
fn cookies(
    forwarded: &ForwardedValues,
    at: &str,
    notes: &mut Vec<Note>,
) -> Result<NameFilter, Error> {
    let names = forwarded.cookies.whitelisted_names.items();
    Ok(match forwarded.cookies.forward.as_str() {
        "" | "none" => NameFilter::None,
        "all" => NameFilter::All,
        "whitelist" if names.is_empty() => NameFilter::None,
        "whitelist" => {
            let list = join(at, "Cookies.WhitelistedNames");
            for (i, name) in names.iter().enumerate() {
                if name.contains(['*', '?']) {
                    notes.push(Note::new(
                        item(&list, i),
                        format!(
                            "{name} is carried over as a name, not a pattern: edgecache matches \
                             cookie names exactly; list each cookie it stands for"
                        ),
                    ));
                }
            }
            NameFilter::Whitelist(names.to_vec())
        }
        other => {
            return Err(Error::new(format!(
                "{}: {other:?} is not a value CloudFront documents (expected none, whitelist or all)",
                join(at, "Cookies.Forward")
            )));
        }
    })
}

/// What CloudFront forwards without keying it: every query string when
/// only some are keyed, every header when all are forwarded.
fn forwarded_unkeyed(all_query: bool, all_headers: bool) -> Option<NamedOrp> {
    let name = match (all_query, all_headers) {
        (false, false) => return None,
        (true, false) => "legacy-forward-all-query-strings",
        (false, true) => "legacy-forward-all-headers",
        (true, true) => "legacy-forward-all-query-strings-and-headers",
    };
    let policy = RawOriginRequestPolicy {
        query_strings: if all_query {
            NameFilter::All
        } else {
            NameFilter::None
        },
        headers: if all_headers {
            HeaderForwarding::AllViewer
        } else {
            HeaderForwarding::None
        },
        cookies: NameFilter::None,
    };
    let draft = OrpDraft {
        policy,
        forwards_host: all_headers,
    };
    Some((name.to_string(), draft))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::distribution::List;

    fn legacy(
        query: bool,
        keys: &[&str],
        headers: &[&str],
        cookies: &str,
    ) -> (CacheDraft, Option<NamedOrp>) {
        let forwarded = ForwardedValues {
            query_string: query,
            cookies: super::super::distribution::CookiePreference {
                forward: cookies.to_string(),
                whitelisted_names: List::default(),
            },
            headers: List::of(headers.iter().map(|h| h.to_string()).collect()),
            query_string_cache_keys: List::of(keys.iter().map(|k| k.to_string()).collect()),
        };
        let behavior = CacheBehavior {
            min_ttl: Some(0),
            default_ttl: Some(31_536_000),
            max_ttl: Some(31_536_000),
            ..CacheBehavior::default()
        };
        policies(&behavior, &forwarded, "B", &mut Vec::new()).unwrap()
    }

    #[test]
    fn a_query_string_whitelist_keys_those_and_forwards_every_query_string() {
        let (cache, orp) = legacy(true, &["Keyword", "Zipcode"], &[], "all");
        let names = vec!["Keyword".to_string(), "Zipcode".to_string()];
        assert_eq!(cache.policy.query_strings, NameFilter::Whitelist(names));
        assert_eq!(cache.policy.cookies, NameFilter::All);
        let (name, orp) = orp.unwrap();
        assert_eq!(name, "legacy-forward-all-query-strings");
        assert_eq!(orp.policy.query_strings, NameFilter::All);
    }

    #[test]
    fn query_strings_without_cache_keys_are_all_forwarded_and_keyed() {
        let (cache, orp) = legacy(true, &[], &["Origin"], "none");
        assert_eq!(cache.policy.query_strings, NameFilter::All);
        assert_eq!(cache.policy.headers, ["Origin"]);
        assert!(orp.is_none());
        let (cache, _) = legacy(false, &["ignored"], &[], "none");
        assert_eq!(cache.policy.query_strings, NameFilter::None);
    }

    #[test]
    fn all_headers_turn_caching_off_and_forward_every_header() {
        let (cache, orp) = legacy(false, &[], &["*"], "none");
        assert_eq!(cache.policy.max_ttl, Some(0));
        let (name, orp) = orp.unwrap();
        assert_eq!(name, "legacy-forward-all-headers");
        assert!(orp.forwards_host && orp.policy.headers == HeaderForwarding::AllViewer);
    }

    #[test]
    fn a_cookie_wildcard_is_noted() {
        let forwarded = ForwardedValues {
            cookies: super::super::distribution::CookiePreference {
                forward: "whitelist".to_string(),
                whitelisted_names: List::of(vec!["lang".into(), "session-*".into()]),
            },
            ..ForwardedValues::default()
        };
        let mut notes = Vec::new();
        let (cache, _) = policies(&CacheBehavior::default(), &forwarded, "B", &mut notes).unwrap();
        assert_eq!(
            cache.policy.cookies,
            NameFilter::Whitelist(vec!["lang".into(), "session-*".into()])
        );
        assert_eq!(notes.len(), 1);
        assert_eq!(
            notes[0].path,
            "B.ForwardedValues.Cookies.WhitelistedNames.Items[1]"
        );
    }

    #[test]
    fn a_whitelisted_accept_encoding_is_keyed_as_sent() {
        let (cache, _) = legacy(false, &[], &["Accept-Encoding", "Host"], "none");
        assert_eq!(cache.policy.headers, ["Accept-Encoding"]);
        assert!(!cache.policy.accept_encoding.gzip && cache.keys_host);
    }
}
