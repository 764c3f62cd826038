//! Shared fixtures for unit tests.

use crate::config::Config;
use crate::headers::Headers;
use crate::request::{RequestDecision, RequestPlan, ViewerRequest, decide_request};

pub(crate) use crate::headers::test_support::header_list;

/// The demo configuration shipped in `config/demo.json`.
pub(crate) fn demo_config() -> Config {
    Config::from_json(include_str!("../../config/demo.json")).expect("demo config is valid")
}

/// A minimal valid configuration with the given cache policy, origin
/// request policy and origin bodies (JSON object texts).
pub(crate) fn config_with(cache_policy: &str, origin_request_policy: &str, origin: &str) -> Config {
    let json = format!(
        r#"{{
            "origins": {{"api": {origin}}},
            "cache_policies": {{"p": {cache_policy}}},
            "origin_request_policies": {{"o": {origin_request_policy}}},
            "default_behavior": {{"origin": "api", "cache_policy": "p", "origin_request_policy": "o",
                "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                "cached_methods": ["GET", "HEAD", "OPTIONS"]}}
        }}"#
    );
    Config::from_json(&json).unwrap_or_else(|e| panic!("{e}"))
}

/// A viewer request with `name: value` header lines.
pub(crate) fn viewer<'a>(
    method: &'a str,
    target: &'a str,
    headers: &'a [(&'a str, &'a [u8])],
) -> ViewerRequest<'a> {
    ViewerRequest::new(method, target)
        .host("edge.example.com")
        .headers(Headers::new(headers))
}

/// The plan for a request that the configuration forwards.
pub(crate) fn plan<'c: 'r, 'r>(
    config: &'c Config,
    request: &ViewerRequest<'r>,
) -> RequestPlan<'c, 'r> {
    match decide_request(config, request) {
        RequestDecision::Forward(plan) => plan,
        RequestDecision::Reject(r) => panic!("rejected: {r}"),
    }
}
