//! Semantic checks on a parsed configuration, producing the validated
//! [`Config`] or every problem found, each with its JSON path: origins
//! ([`origin`]), policies ([`policy`]), behaviors ([`behavior`]) and error
//! caching (here).

use std::collections::BTreeMap;

mod behavior;
mod origin;
pub(crate) use origin::{is_field_value, is_host_name, is_shield_code};
mod policy;
pub use policy::{HeaderList, header_refusal};

use super::load::{Broken, Parsed, member_path};
use super::{Behavior, CachePolicy, Config, Origin, OriginRequestPolicy, Seconds};
use crate::error::{ConfigError, Error};
use crate::path::normalize_path;
use policy::CLOUDFRONT_MAX_TTL;

/// Statuses CloudFront lets you set an error caching minimum TTL for.
const ERROR_CACHING_STATUSES: [u16; 11] = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];
struct Checker {
    errors: Vec<ConfigError>,
}

impl Checker {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ConfigError::new(path, message));
    }
}

/// Validates a parsed configuration.
pub(super) fn validate(parsed: Parsed) -> Result<Config, Error> {
    let Parsed {
        mut raw,
        behavior_indices,
        broken,
        errors,
    } = parsed;
    let mut c = Checker { errors };
    if raw.origins.is_empty() && broken.origins.is_empty() {
        c.error("origins", "at least one origin is required");
    }
    let origins: Vec<Origin> = raw
        .origins
        .iter()
        .map(|(name, o)| origin::origin(&mut c, &member_path("origins", name), name, o))
        .collect();
    let cache_policies: Vec<CachePolicy> = raw
        .cache_policies
        .iter_mut()
        .map(|(name, p)| {
            policy::cache_policy(&mut c, &member_path("cache_policies", name), name, p)
        })
        .collect();
    let origin_request_policies: Vec<OriginRequestPolicy> = raw
        .origin_request_policies
        .iter()
        .map(|(name, p)| {
            policy::origin_request_policy(
                &mut c,
                &member_path("origin_request_policies", name),
                name,
                p,
            )
        })
        .collect();
    let names = Names {
        origins: raw.origins.keys().cloned().collect(),
        cache_policies: raw.cache_policies.keys().cloned().collect(),
        origin_request_policies: raw.origin_request_policies.keys().cloned().collect(),
        broken: &broken,
    };
    let mut seen_patterns = Vec::new();
    let behaviors: Vec<Behavior> = raw
        .behaviors
        .iter()
        .zip(&behavior_indices)
        .map(|(b, i)| {
            let path = format!("behaviors[{i}]");
            behavior::check_reachable_pattern(&mut c, &path, b, &mut seen_patterns);
            behavior::behavior(&mut c, &path, b, &names, true)
        })
        .collect();
    let default_behavior = if broken.default_behavior {
        behavior::behavior(
            &mut Checker { errors: Vec::new() },
            "",
            &raw.default_behavior,
            &names,
            false,
        )
    } else {
        behavior::behavior(
            &mut c,
            "default_behavior",
            &raw.default_behavior,
            &names,
            false,
        )
    };
    for (b, i) in behaviors.iter().zip(&behavior_indices) {
        behavior::check_forwarding(
            &mut c,
            &format!("behaviors[{i}]"),
            b,
            &cache_policies,
            &origin_request_policies,
        );
    }
    behavior::check_forwarding(
        &mut c,
        "default_behavior",
        &default_behavior,
        &cache_policies,
        &origin_request_policies,
    );
    let error_caching = error_caching(&mut c, &raw.error_caching_min_ttl);
    check_invalidation_path(&mut c, &raw.invalidation.path);
    if !c.errors.is_empty() {
        return Err(Error::config(c.errors));
    }
    Ok(Config {
        invalidation_path: raw.invalidation.path.into(),
        origins,
        cache_policies,
        origin_request_policies,
        behaviors,
        default_behavior,
        error_caching,
    })
}

/// The names that behaviors may refer to, in the order of the validated
/// vectors, and those that failed to parse (already reported).
struct Names<'a> {
    origins: Vec<String>,
    cache_policies: Vec<String>,
    origin_request_policies: Vec<String>,
    broken: &'a Broken,
}

/// RFC 9110 `token`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn error_caching(c: &mut Checker, raw: &BTreeMap<String, Seconds>) -> Vec<(u16, Seconds)> {
    raw.iter()
        .filter_map(|(status, ttl)| {
            let at = member_path("error_caching_min_ttl", status);
            let code = status.parse::<u16>().ok().filter(|s| ERROR_CACHING_STATUSES.contains(s));
            if code.is_none() {
                c.error(&at, format!("not a status CloudFront caches errors for; expected one of {ERROR_CACHING_STATUSES:?}"));
            }
            if *ttl > CLOUDFRONT_MAX_TTL {
                c.error(&at, format!("at most {CLOUDFRONT_MAX_TTL} seconds"));
            }
            code.map(|s| (s, *ttl))
        })
        .collect()
}

/// The invalidation API's path: a normalized path of its own, without a
/// query or a wildcard.
fn check_invalidation_path(c: &mut Checker, path: &str) {
    const AT: &str = "invalidation.path";
    if !path.starts_with('/') {
        c.error(AT, "must start with /");
    } else if path.contains(['?', '#', '*']) {
        c.error(AT, "a path only: no query, fragment or *");
    } else if normalize_path(path).ok().as_deref() != Some(path) {
        c.error(
            AT,
            "must be written as requests are normalized (no . or .. segments, no needless escapes)",
        );
    }
}
