//! Vary (RFC 9111 section 4.1): the request headers a stored response was
//! selected by, with the values they had.
//!
//! Values are taken from the *origin request*, after the edge normalized
//! it: `Vary: Accept-Encoding` compares `br,gzip` with `br,gzip`, not the
//! dozens of spellings browsers send. A header the origin could never have
//! received (neither forwarded nor set by the edge) cannot have shaped the
//! response, so it is dropped from the rule, as CloudFront drops such Vary
//! names: `Vary: User-Agent` from an origin that never sees User-Agent does
//! not split the cache. A header the origin *could* receive but this
//! request lacked is recorded as absent, so that a later request that has
//! it does not match (RFC 9111 section 4.1).

use serde::{Deserialize, Serialize};

use crate::headers::Headers;
use crate::key::{push_value, sha256_hex};
use crate::request::RequestPlan;

/// The selecting headers of a stored response: lower-cased names with
/// the escaped value the origin received (`None`: absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaryRule {
    /// Each selecting header, sorted by name: the lower-cased name and the
    /// escaped value the origin received (lines joined by a space), or
    /// `None` when the request did not send it.
    pub headers: Vec<(String, Option<String>)>,
}

/// A Vary that no stored copy can honor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmatchable {
    /// `Vary: *`: the response can match no later request.
    Star,
    /// More selecting headers than [`MAX_VARY_HEADERS`].
    TooMany,
}

/// The most request headers one stored response may be selected by.
/// Fastly's core cache keeps at most 8 Vary rules per object (Compute
/// resource limits); past them, a stored copy would be chosen without
/// comparing every header that shaped it, so such a response is not
/// stored, on every platform alike.
pub const MAX_VARY_HEADERS: usize = 8;

impl VaryRule {
    /// Reads the response's Vary against the request that fetched it.
    pub fn of(response: &Headers<'_>, plan: &RequestPlan<'_, '_>) -> Result<VaryRule, Unmatchable> {
        let mut rule = VaryRule::default();
        for name in response.list_elements("vary") {
            if name == "*" {
                return Err(Unmatchable::Star);
            }
            let name = name.to_ascii_lowercase();
            let reachable = plan.forwarding.reaches_origin(&name);
            if reachable && !rule.headers.iter().any(|(n, _)| *n == name) {
                let value = sent_value(plan, &name);
                rule.headers.push((name, value));
            }
        }
        if rule.headers.len() > MAX_VARY_HEADERS {
            return Err(Unmatchable::TooMany);
        }
        rule.headers.sort();
        Ok(rule)
    }

    /// Whether a new request selects this stored response.
    pub fn matches(&self, plan: &RequestPlan<'_, '_>) -> bool {
        self.headers
            .iter()
            .all(|(name, value)| sent_value(plan, name) == *value)
    }

    /// The rule this request would be stored under for a response that
    /// varies on `names`: each name with the value this request sends the
    /// origin. Platforms that keep each variant under its own key (the
    /// Workers Cache API) look a variant up by
    /// `VaryRule::for_request(names, plan).variant_id()`.
    pub fn for_request<'n>(
        names: impl IntoIterator<Item = &'n str>,
        plan: &RequestPlan<'_, '_>,
    ) -> VaryRule {
        let mut rule = VaryRule::default();
        for name in names {
            let name = name.to_ascii_lowercase();
            if !rule.headers.iter().any(|(n, _)| *n == name) {
                let value = sent_value(plan, &name);
                rule.headers.push((name, value));
            }
        }
        rule.headers.sort();
        rule
    }

    /// A stable id of the rule, names and values: 64 hex digits. Equal
    /// rules, and only they, give equal ids.
    pub fn variant_id(&self) -> String {
        let text = serde_json::to_vec(&self.headers).unwrap_or_default();
        sha256_hex(&[b"edgecache-variant-v1\n", &text])
    }

    /// The header names, lower-cased and sorted (Fastly joins them with
    /// spaces into a `vary_rule`).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.headers.iter().map(|(n, _)| n.as_str())
    }

    /// Whether no header selects the response: every request matches it.
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty()
    }
}

/// Every value the origin request carries for `name`, each escaped (so it
/// holds no space) and joined by a space: two lines never equal one line.
fn sent_value(plan: &RequestPlan<'_, '_>, name: &str) -> Option<String> {
    let mut out: Option<String> = None;
    for (_, value) in plan
        .origin_request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        let joined = out.get_or_insert_with(String::new);
        if !joined.is_empty() {
            joined.push(' ');
        }
        push_value(joined, value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{config_with, plan, viewer};

    fn config() -> crate::Config {
        config_with(
            r#"{"min_ttl": 0, "default_ttl": 60, "max_ttl": 60}"#,
            r#"{"headers": {"behavior": "whitelist", "names": ["Accept-Language"]}}"#,
            r#"{"domain": "api.example.com"}"#,
        )
    }

    #[test]
    fn more_selecting_headers_than_a_platform_keeps_cannot_be_stored() {
        let config = config_with(
            r#"{"min_ttl": 0, "default_ttl": 0, "max_ttl": 60}"#,
            r#"{"headers": {"behavior": "all_viewer"}}"#,
            r#"{"domain": "api.example.com"}"#,
        );
        let plan = plan(&config, &viewer("GET", "/a", &[]));
        let of = |vary: &[u8]| VaryRule::of(&Headers::new(&[("Vary", vary)]), &plan);
        let eight = of(b"a, b, c, d, e, f, g, h, A").unwrap();
        assert_eq!(eight.headers.len(), MAX_VARY_HEADERS);
        assert_eq!(of(b"a, b, c, d, e, f, g, h, i"), Err(Unmatchable::TooMany));
        assert_eq!(of(b"a, *"), Err(Unmatchable::Star));
    }

    #[test]
    fn a_request_finds_the_variant_it_would_have_stored() {
        let config = config();
        let vary: [(&str, &[u8]); 1] = [("Vary", b"Accept-Language")];
        let en: [(&str, &[u8]); 1] = [("Accept-Language", b"en")];
        let stored_by = plan(&config, &viewer("GET", "/a", &en));
        let stored = VaryRule::of(&Headers::new(&vary), &stored_by).unwrap();
        let again = VaryRule::for_request(stored.names(), &stored_by);
        assert_eq!(again, stored);
        assert_eq!(again.variant_id(), stored.variant_id());
    }

    #[test]
    fn variant_ids_differ_per_value_and_for_absence() {
        let config = config();
        let en: [(&str, &[u8]); 1] = [("Accept-Language", b"en")];
        let fr: [(&str, &[u8]); 1] = [("Accept-Language", b"fr")];
        let id = |headers: &[(&str, &[u8])]| {
            let plan = plan(&config, &viewer("GET", "/a", headers));
            VaryRule::for_request(["Accept-Language"], &plan).variant_id()
        };
        let (en, fr, none) = (id(&en), id(&fr), id(&[]));
        assert_eq!(en.len(), 64);
        assert_ne!(en, fr);
        assert_ne!(en, none);
        assert_ne!(fr, none);
    }
}
