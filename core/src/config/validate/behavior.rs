//! Checks on behaviors: patterns, references to origins and policies,
//! method sets, and forwarding that could poison the cache.

use std::collections::BTreeSet;

use super::{Checker, Names};
use crate::behavior::PathPattern;
use crate::config::schema::RawBehavior;
use crate::config::{Behavior, CachePolicy, Method, MethodSet, NameSet, OriginRequestPolicy};
use crate::forward::{CREDENTIAL_HEADERS, POISONING_HEADERS};

/// Refuses a pattern that can never be the first match: the same as an
/// earlier one, or covered by an earlier `prefix*` pattern (`/*` before
/// `/media/*`).
pub(super) fn check_reachable_pattern(
    c: &mut Checker,
    path: &str,
    b: &RawBehavior,
    earlier: &mut Vec<(String, String)>,
) {
    let Some(pattern) = &b.path_pattern else {
        return;
    };
    let canonical = if pattern.starts_with('/') || pattern.starts_with('*') {
        pattern.clone()
    } else {
        format!("/{pattern}")
    };
    let covering = earlier.iter().find(|(first, _)| {
        *first == canonical
            || first
                .strip_suffix('*')
                .is_some_and(|prefix| !prefix.contains(['*', '?']) && canonical.starts_with(prefix))
    });
    if let Some((first, at)) = covering {
        c.error(
            format!("{path}.path_pattern"),
            format!("{pattern:?} never matches: {at}'s {first:?}, listed earlier, matches every path it does"),
        );
    }
    earlier.push((canonical, path.to_string()));
}

pub(super) fn behavior(
    c: &mut Checker,
    path: &str,
    b: &RawBehavior,
    names: &Names<'_>,
    needs_pattern: bool,
) -> Behavior {
    let pattern = match (&b.path_pattern, needs_pattern) {
        (Some(p), true) => PathPattern::compile(p)
            .map_err(|e| c.error(format!("{path}.path_pattern"), e.to_string()))
            .ok(),
        (None, true) => {
            c.error(format!("{path}.path_pattern"), "missing required field");
            None
        }
        (Some(_), false) => {
            c.error(
                format!("{path}.path_pattern"),
                "the default behavior matches every path (*) and takes no pattern",
            );
            None
        }
        (None, false) => None,
    };
    let origin = reference(
        c,
        &format!("{path}.origin"),
        "origin",
        &b.origin,
        (&names.origins, &names.broken.origins),
    );
    let cache_policy = reference(
        c,
        &format!("{path}.cache_policy"),
        "cache policy",
        &b.cache_policy,
        (&names.cache_policies, &names.broken.cache_policies),
    );
    let origin_request_policy = b.origin_request_policy.as_ref().map(|name| {
        reference(
            c,
            &format!("{path}.origin_request_policy"),
            "origin request policy",
            name,
            (
                &names.origin_request_policies,
                &names.broken.origin_request_policies,
            ),
        )
    });
    let (allowed_methods, cached_methods) = methods(c, path, b);
    Behavior {
        pattern,
        origin,
        cache_policy,
        origin_request_policy,
        allowed_methods,
        cached_methods,
        allow_extension_methods: b.allow_extension_methods,
        invalidate_on_unsafe_methods: b.invalidate_on_unsafe_methods,
    }
}

/// Resolves a name to its index, recording an error (index 0) when unknown.
/// A name whose definition failed to parse was reported already.
fn reference(
    c: &mut Checker,
    path: &str,
    kind: &str,
    name: &str,
    (known, broken): (&[String], &BTreeSet<String>),
) -> usize {
    known.iter().position(|k| k == name).unwrap_or_else(|| {
        if broken.contains(name) {
            return 0;
        }
        let hint = if known.is_empty() {
            String::new()
        } else {
            format!(" (known: {})", known.join(", "))
        };
        c.error(path, format!("no {kind} named {name:?}{hint}"));
        0
    })
}

/// CloudFront's method sets: allowed is GET+HEAD, +OPTIONS, or all seven;
/// cached is GET+HEAD or +OPTIONS, and only what is allowed.
fn methods(c: &mut Checker, path: &str, b: &RawBehavior) -> (MethodSet, MethodSet) {
    use Method::*;
    let allowed = MethodSet::from_methods(&b.allowed_methods);
    let cached = MethodSet::from_methods(&b.cached_methods);
    let allowed_sets = [
        MethodSet::from_methods(&[Get, Head]),
        MethodSet::from_methods(&[Get, Head, Options]),
        MethodSet::from_methods(&Method::ALL),
    ];
    if !allowed_sets.contains(&allowed) {
        c.error(
            format!("{path}.allowed_methods"),
            "expected [GET, HEAD], [GET, HEAD, OPTIONS] or all of GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE",
        );
    }
    if !allowed_sets[..2].contains(&cached) {
        c.error(
            format!("{path}.cached_methods"),
            "expected [GET, HEAD] or [GET, HEAD, OPTIONS]",
        );
    } else if allowed_sets.contains(&allowed) && !cached.is_subset_of(allowed) {
        c.error(
            format!("{path}.cached_methods"),
            "caches a method that allowed_methods does not allow",
        );
    }
    if b.allow_extension_methods && allowed != allowed_sets[2] {
        c.error(
            format!("{path}.allow_extension_methods"),
            "extension methods pass only where all seven methods are allowed",
        );
    }
    (allowed, cached)
}

/// Refuses an origin request policy whose forwarding the cache policy
/// does not back up: a header known to change what common frameworks
/// answer (see [`POISONING_HEADERS`]) or `Authorization` forwarded without
/// being keyed, or `Accept-Encoding` while the edge normalizes it.
pub(super) fn check_forwarding(
    c: &mut Checker,
    path: &str,
    b: &Behavior,
    cache_policies: &[CachePolicy],
    request_policies: &[OriginRequestPolicy],
) {
    let (Some(policy), Some(orp)) = (
        cache_policies.get(b.cache_policy),
        b.origin_request_policy
            .and_then(|i| request_policies.get(i)),
    ) else {
        return;
    };
    let at = format!("{path}.origin_request_policy");
    check_credentials(c, &at, policy, orp);
    let NameSet::Only(names) = &orp.headers else {
        return;
    };
    for name in names {
        let keyed = policy.keys_header(name);
        if POISONING_HEADERS.contains(&name.as_str()) && !keyed {
            c.error(
                &at,
                format!(
                    "{:?} forwards {name} but cache policy {:?} does not key it: one viewer could poison every viewer's entry; add it to the cache policy's headers",
                    orp.name, policy.name
                ),
            );
        } else if name == "authorization" && !keyed {
            c.error(
                &at,
                format!(
                    "{:?} forwards authorization but cache policy {:?} does not key it; as in CloudFront, key it (or forward all viewer headers)",
                    orp.name, policy.name
                ),
            );
        } else if name == "accept-encoding"
            && (policy.accept_encoding.gzip || policy.accept_encoding.brotli)
        {
            c.error(
                &at,
                format!(
                    "cache policy {:?} normalizes Accept-Encoding and sends the origin its own; disable its accept_encoding setting to forward the viewer's",
                    policy.name
                ),
            );
        }
    }
}

/// Refuses forwarding of cookies or credential headers the key does not
/// hold on a behavior whose cache policy stores answers for a default TTL:
/// an answer personal to one viewer, with no `Cache-Control`, would be
/// shared. (The edge refuses to share such answers anyway; a configuration
/// that relies on it is a mistake to point out.) The policy's
/// `origin_ignores_unkeyed_credentials` says the origin answers alike.
fn check_credentials(c: &mut Checker, at: &str, policy: &CachePolicy, orp: &OriginRequestPolicy) {
    if policy.ttl.default == 0 || policy.origin_ignores_unkeyed_credentials {
        return;
    }
    let cookies = match &orp.cookies {
        NameSet::None => false,
        NameSet::Only(names) => names.iter().any(|n| !policy.cookies.keys(n)),
        NameSet::All | NameSet::AllExcept(_) => policy.cookies != NameSet::All,
    };
    let headers: Vec<&str> = CREDENTIAL_HEADERS
        .iter()
        .copied()
        .filter(|h| *h != "authorization" || !matches!(orp.headers, NameSet::Only(_)))
        .filter(|h| orp.headers.forwards(h) && !policy.keys_header(h))
        .collect();
    let what = match (cookies, headers.is_empty()) {
        (false, true) => return,
        (true, true) => "cookies".to_string(),
        (false, false) => headers.join(", "),
        (true, false) => format!("cookies and {}", headers.join(", ")),
    };
    c.error(
        at,
        format!(
            "{:?} forwards {what} that cache policy {:?} does not key, and the policy stores answers for default_ttl {} s: one viewer's own answer could be served to others; key them, set default_ttl to 0 (then only answers that say public or s-maxage are stored), or set origin_ignores_unkeyed_credentials on the cache policy if the origin answers alike whatever they say",
            orp.name, policy.name, policy.ttl.default
        ),
    );
}
