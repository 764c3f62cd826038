//! Vary: the rule a response is stored under (`VaryRule::of`), the rule a
//! request looks its variant up by (`VaryRule::for_request`), and whether
//! a request matches a stored rule.
//!
//! Input, one item per line:
//!
//! ```text
//! METHOD TARGET            the request (default GET /)
//! Name: value              request header lines, up to an empty line
//!
//! Accept-Language, Origin  Vary lines of the response (arbitrary bytes)
//! ```
//!
//! Invariants: `Vary: *` refuses, and more than `MAX_VARY_HEADERS`
//! names that reach the origin, and nothing else; a rule's names are
//! lower-case, sorted, unique, and reach the origin; its values are
//! printable; the request a response was stored for matches it and finds
//! the same rule again with `for_request`; for any request, matching a rule
//! is finding that rule with `for_request`; variant ids are 64 hex digits
//! and equal exactly for equal rules.

#![no_main]

use edgecache_core::{
    Config, Headers, MAX_VARY_HEADERS, RequestDecision, RequestPlan, Unmatchable, VaryRule,
    ViewerRequest, decide_request,
};
use edgecache_core_fuzz::{
    DEMO, RICH, borrowed, header_lines, is_printable, is_sha256_hex, lines, text,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = lines(data);
    let first = text(input.next().unwrap_or_default()).into_owned();
    let (method, target) = first.split_once(' ').unwrap_or(("GET", "/"));
    let request: Vec<&[u8]> = input.by_ref().take_while(|line| !line.is_empty()).collect();
    let vary: Vec<(String, Vec<u8>)> = input
        .map(|line| ("Vary".to_string(), line.to_vec()))
        .collect();
    let request = header_lines(request.into_iter());
    let mut reversed = request.clone();
    reversed.reverse();
    let (request, reversed, vary) = (borrowed(&request), borrowed(&reversed), borrowed(&vary));
    let response = Headers::new(&vary);
    let viewers = [
        ViewerRequest::new(method, target)
            .host("edge.example.com")
            .headers(Headers::new(&request)),
        ViewerRequest::new(method, target)
            .host("edge.example.com")
            .headers(Headers::new(&reversed)),
        ViewerRequest::new(method, target).host("edge.example.com"),
    ];
    for config in [&*DEMO, &*RICH] {
        check(config, &viewers, &response);
    }
});

fn check(config: &Config, viewers: &[ViewerRequest<'_>; 3], response: &Headers<'_>) {
    let plans: Vec<RequestPlan<'_, '_>> = viewers
        .iter()
        .filter_map(|viewer| match decide_request(config, viewer) {
            RequestDecision::Forward(plan) => Some(plan),
            RequestDecision::Reject(_) => None,
        })
        .collect();
    let Some(plan) = plans.first() else {
        return;
    };
    let star = response.list_elements("vary").any(|name| name == "*");
    let rule = match VaryRule::of(response, plan) {
        Ok(rule) => rule,
        Err(Unmatchable::Star) => {
            assert!(star, "refused as Vary: * without it");
            return;
        }
        Err(Unmatchable::TooMany) => {
            let mut reaching: Vec<String> = response
                .list_elements("vary")
                .map(str::to_ascii_lowercase)
                .filter(|name| plan.forwarding.reaches_origin(name))
                .collect();
            reaching.sort();
            reaching.dedup();
            assert!(
                reaching.len() > MAX_VARY_HEADERS,
                "refused as too many with {reaching:?}"
            );
            return;
        }
    };
    let reaching = rule.headers.len();
    assert!(
        reaching <= MAX_VARY_HEADERS,
        "{reaching} selecting headers kept"
    );
    assert!(!star, "Vary: * accepted");
    check_rule(&rule);
    for (name, _) in &rule.headers {
        assert!(
            plan.forwarding.reaches_origin(name),
            "{name} never reaches the origin"
        );
    }
    assert!(
        rule.matches(plan),
        "the request a response was stored for does not match it"
    );
    assert_eq!(VaryRule::for_request(rule.names(), plan), rule);
    // Looking a variant up by every name the response listed.
    let names: Vec<&str> = response.list_elements("vary").collect();
    let looked_up = VaryRule::for_request(names.iter().copied(), plan);
    check_rule(&looked_up);
    assert!(looked_up.matches(plan));
    for other in &plans {
        let again = VaryRule::for_request(rule.names(), other);
        assert_eq!(
            rule.matches(other),
            again == rule,
            "matching disagrees with the variant looked up: {rule:?} vs {again:?}"
        );
        assert_eq!(
            again == rule,
            again.variant_id() == rule.variant_id(),
            "variant ids"
        );
    }
}

fn check_rule(rule: &VaryRule) {
    assert!(
        is_sha256_hex(&rule.variant_id()),
        "variant id {:?}",
        rule.variant_id()
    );
    assert!(
        rule.headers.windows(2).all(|w| w[0].0 < w[1].0),
        "names not sorted and unique: {rule:?}"
    );
    for (name, value) in &rule.headers {
        assert_eq!(*name, name.to_ascii_lowercase(), "name not lower-cased");
        if let Some(value) = value {
            assert!(is_printable(value), "value {value:?} not printable");
        }
    }
}
