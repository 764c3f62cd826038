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
use crate::key::push_value;
use crate::request::RequestPlan;

/// The selecting headers of a stored response: lower-cased names with
/// the escaped value the origin received (`None`: absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaryRule {
    pub headers: Vec<(String, Option<String>)>,
}

/// `Vary: *`: the response can match no later request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaryStar;

impl VaryRule {
    /// Reads the response's Vary against the request that fetched it.
    pub fn of(response: &Headers<'_>, plan: &RequestPlan<'_, '_>) -> Result<VaryRule, VaryStar> {
        let mut rule = VaryRule::default();
        for name in response.list_elements("vary") {
            if name == "*" {
                return Err(VaryStar);
            }
            let name = name.to_ascii_lowercase();
            let reachable = plan.forwarding.reaches_origin(&name);
            if reachable && !rule.headers.iter().any(|(n, _)| *n == name) {
                let value = sent_value(plan, &name);
                rule.headers.push((name, value));
            }
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

    /// The header names (Fastly joins them with spaces into a `vary_rule`).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.headers.iter().map(|(n, _)| n.as_str())
    }

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
