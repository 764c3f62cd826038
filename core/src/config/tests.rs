use super::*;
use crate::test_support::demo_config;

const ORIGIN: &str = r#"{"domain": "api.example.com"}"#;

/// A document with one origin `api`, one cache policy `p`, and the given
/// extra top-level members and default-behavior members.
fn doc(policy: &str, extra: &str, default_extra: &str) -> String {
    format!(
        r#"{{
            "origins": {{"api": {ORIGIN}}},
            "cache_policies": {{"p": {policy}}}
            {extra},
            "default_behavior": {{"origin": "api", "cache_policy": "p" {default_extra}}}
        }}"#
    )
}

/// The (path, message) pairs of a configuration that must fail.
fn errors(json: &str) -> Vec<(String, String)> {
    match Config::from_json(json) {
        Ok(_) => panic!("accepted an invalid configuration:\n{json}"),
        Err(e) => e
            .config_errors()
            .iter()
            .map(|e| (e.path().to_string(), e.message().to_string()))
            .collect(),
    }
}

/// Asserts exactly one error, at `path`, whose message contains `fragment`.
fn assert_single_error(json: &str, path: &str, fragment: &str) {
    let errors = errors(json);
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    assert_eq!(errors[0].0, path, "{errors:#?}");
    assert!(
        errors[0].1.contains(fragment),
        "message {:?} lacks {fragment:?}",
        errors[0].1
    );
}

#[test]
fn demo_config_is_valid() {
    let config = demo_config();
    assert_eq!(config.behaviors().len(), 4);
    assert_eq!(config.behaviors()[2].label(), "/media/*");
    assert_eq!(config.error_caching_min_ttl(503), 5);
    assert_eq!(
        config.error_caching_min_ttl(500),
        DEFAULT_ERROR_CACHING_MIN_TTL
    );
}

#[test]
fn fills_in_cloudfront_ttl_defaults() {
    let table = [
        (r#"{}"#, (0, 86400, 31536000)),
        (r#"{"min_ttl": 100000}"#, (100000, 100000, 31536000)),
        (r#"{"min_ttl": 40000000}"#, (40000000, 40000000, 40000000)),
        (r#"{"default_ttl": 40000000}"#, (0, 40000000, 40000000)),
        (r#"{"max_ttl": 0, "default_ttl": 0}"#, (0, 0, 0)),
    ];
    for (policy, (min, default, max)) in table {
        let config = Config::from_json(&doc(policy, "", "")).unwrap();
        let ttl = config.cache_policy(config.default_behavior()).ttl;
        assert_eq!(ttl, TtlLimits { min, default, max }, "{policy}");
        assert_eq!(
            Config::normalized_document(&doc(policy, "", ""))
                .unwrap()
                .cache_policies["p"]
                .max_ttl,
            Some(max),
            "printed form"
        );
    }
}

#[test]
fn rejects_invalid_json_with_its_position() {
    assert_single_error("{\"origins\": ", "$", "not valid JSON");
    assert_single_error("[]", "$", "expected a JSON object");
}

#[test]
fn rejects_unknown_fields_everywhere() {
    assert_single_error(
        &doc("{}", r#", "behaviours": []"#, ""),
        "behaviours",
        "unknown field",
    );
    assert_single_error(
        &doc(r#"{"min_tll": 1}"#, "", ""),
        "cache_policies.p.min_tll",
        "unknown field `min_tll`",
    );
    assert_single_error(
        &doc(
            r#"{"query_strings": {"behavior": "whitelist", "names": ["a"], "case": 1}}"#,
            "",
            "",
        ),
        "cache_policies.p.query_strings.case",
        r#"expected "behavior" or "names""#,
    );
    assert_single_error(
        &doc("{}", "", r#", "ttl": 5"#),
        "default_behavior.ttl",
        "unknown field `ttl`",
    );
}

#[test]
fn rejects_wrong_types_with_the_inner_path() {
    assert_single_error(
        &doc(r#"{"min_ttl": -1}"#, "", ""),
        "cache_policies.p.min_ttl",
        "invalid value",
    );
    assert_single_error(
        &doc(r#"{"query_strings": {"behavior": "some"}}"#, "", ""),
        "cache_policies.p.query_strings.behavior",
        "unknown variant `some`",
    );
}

#[test]
fn rejects_missing_required_fields() {
    let errors = errors(r#"{"origins": {"api": {"domain": "a.example"}}}"#);
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["cache_policies", "default_behavior"]);
    assert!(errors.iter().all(|(_, m)| m == "missing required field"));
}

#[test]
fn rejects_ttl_contradictions() {
    assert_single_error(
        &doc(r#"{"min_ttl": 10, "default_ttl": 5}"#, "", ""),
        "cache_policies.p.default_ttl",
        "default_ttl 5 is below min_ttl 10",
    );
    assert_single_error(
        &doc(r#"{"default_ttl": 100, "max_ttl": 50}"#, "", ""),
        "cache_policies.p.max_ttl",
        "max_ttl 50 is below default_ttl 100",
    );
    assert_single_error(
        &doc(r#"{"max_ttl": 99999999999}"#, "", ""),
        "cache_policies.p.max_ttl",
        "100 years",
    );
}

#[test]
fn rejects_a_whitelist_with_no_names() {
    assert_single_error(
        &doc(
            r#"{"query_strings": {"behavior": "whitelist", "names": []}}"#,
            "",
            "",
        ),
        "cache_policies.p.query_strings.names",
        "whitelist with no names",
    );
    assert_single_error(
        &doc(
            r#"{"cookies": {"behavior": "all_except", "names": []}}"#,
            "",
            "",
        ),
        "cache_policies.p.cookies.names",
        "all_except with no names",
    );
}

#[test]
fn rejects_repeated_names() {
    assert_single_error(
        &doc(
            r#"{"query_strings": {"behavior": "whitelist", "names": ["a", "a"]}}"#,
            "",
            "",
        ),
        "cache_policies.p.query_strings.names[1]",
        "listed twice",
    );
    assert_single_error(
        &doc(
            r#"{"headers": ["Accept-Language", "accept-language"]}"#,
            "",
            "",
        ),
        "cache_policies.p.headers[1]",
        "listed twice",
    );
}

#[test]
fn rejects_headers_configured_elsewhere() {
    assert_single_error(
        &doc(r#"{"headers": ["Host"]}"#, "", ""),
        "cache_policies.p.headers[0]",
        "include_host",
    );
    assert_single_error(
        &doc(r#"{"headers": ["Cookie"]}"#, "", ""),
        "cache_policies.p.headers[0]",
        "cookies setting",
    );
    assert_single_error(
        &doc(r#"{"headers": ["Accept-Encoding"]}"#, "", ""),
        "cache_policies.p.headers[0]",
        "accept_encoding setting",
    );
    assert_single_error(
        &doc(r#"{"headers": ["bad header"]}"#, "", ""),
        "cache_policies.p.headers[0]",
        "not a valid header name",
    );
}

#[test]
fn rejects_long_and_malformed_patterns() {
    let long = format!(
        r#", "behaviors": [{{"path_pattern": "/{}", "origin": "api", "cache_policy": "p"}}]"#,
        "a".repeat(255)
    );
    assert_single_error(
        &doc("{}", &long, ""),
        "behaviors[0].path_pattern",
        "the limit is 255",
    );
    let spaced =
        r#", "behaviors": [{"path_pattern": "/a b", "origin": "api", "cache_policy": "p"}]"#;
    assert_single_error(&doc("{}", spaced, ""), "behaviors[0].path_pattern", "' '");
    let missing = r#", "behaviors": [{"origin": "api", "cache_policy": "p"}]"#;
    assert_single_error(
        &doc("{}", missing, ""),
        "behaviors[0].path_pattern",
        "missing",
    );
    assert_single_error(
        &doc("{}", "", r#", "path_pattern": "*""#),
        "default_behavior.path_pattern",
        "takes no pattern",
    );
}

#[test]
fn rejects_a_repeated_pattern() {
    let twice = r#", "behaviors": [
        {"path_pattern": "/a/*", "origin": "api", "cache_policy": "p"},
        {"path_pattern": "a/*", "origin": "api", "cache_policy": "p"}]"#;
    assert_single_error(
        &doc("{}", twice, ""),
        "behaviors[1].path_pattern",
        "never matches",
    );
}

#[test]
fn rejects_unknown_references_naming_the_known_ones() {
    let behavior =
        r#", "behaviors": [{"path_pattern": "/s", "origin": "api", "cache_policy": "serch"}]"#;
    assert_single_error(
        &doc("{}", behavior, ""),
        "behaviors[0].cache_policy",
        r#"no cache policy named "serch" (known: p)"#,
    );
    assert_single_error(
        &doc("{}", "", r#", "origin_request_policy": "x""#),
        "default_behavior.origin_request_policy",
        r#"no origin request policy named "x""#,
    );
    let origin = r#"{"origins": {"api": {"domain": "a.example"}}, "cache_policies": {"p": {}},
        "default_behavior": {"origin": "apl", "cache_policy": "p"}}"#;
    assert_single_error(
        origin,
        "default_behavior.origin",
        r#"no origin named "apl""#,
    );
}

#[test]
fn rejects_method_sets_cloudfront_does_not_offer() {
    assert_single_error(
        &doc("{}", "", r#", "allowed_methods": ["GET", "POST"]"#),
        "default_behavior.allowed_methods",
        "expected",
    );
    assert_single_error(
        &doc(
            "{}",
            "",
            r#", "cached_methods": ["GET", "HEAD", "OPTIONS"]"#,
        ),
        "default_behavior.cached_methods",
        "does not allow",
    );
    assert_single_error(
        &doc("{}", "", r#", "cached_methods": ["GET"]"#),
        "default_behavior.cached_methods",
        "expected",
    );
    assert_single_error(
        &doc("{}", "", r#", "allowed_methods": ["GET", "FETCH"]"#),
        "default_behavior.allowed_methods[1]",
        "unknown variant",
    );
}

fn origin_doc(origin: &str) -> String {
    format!(
        r#"{{"origins": {{"api": {origin}}}, "cache_policies": {{"p": {{}}}},
            "default_behavior": {{"origin": "api", "cache_policy": "p"}}}}"#
    )
}

#[test]
fn rejects_bad_origins() {
    let table = [
        (
            r#"{"domain": "https://api.example.com"}"#,
            "origins.api.domain",
            "without https://",
        ),
        (
            r#"{"domain": "api.example.com/v1"}"#,
            "origins.api.domain",
            "use the origin's path field",
        ),
        (
            r#"{"domain": "api.example.com:8443"}"#,
            "origins.api.domain",
            "without a port",
        ),
        (
            r#"{"domain": "-bad-.example"}"#,
            "origins.api.domain",
            "not a host name",
        ),
        (
            r#"{"domain": "a.example", "path": "v1"}"#,
            "origins.api.path",
            "starts with /",
        ),
        (
            r#"{"domain": "a.example", "path": "/v1/"}"#,
            "origins.api.path",
            "does not end with /",
        ),
        (
            r#"{"domain": "a.example", "http_port": 0}"#,
            "origins.api.http_port",
            "not a port",
        ),
        (
            r#"{"domain": "a.example", "first_byte_timeout_ms": 0}"#,
            "origins.api.first_byte_timeout_ms",
            "out of range",
        ),
        (
            r#"{"domain": "a.example", "custom_headers": {"Host": "x"}}"#,
            "origins.api.custom_headers.Host",
            "cannot be set",
        ),
        (
            r#"{"domain": "a.example", "custom_headers": {"X-Amz-Date": "x"}}"#,
            "origins.api.custom_headers.X-Amz-Date",
            "cannot be set",
        ),
        (
            r#"{"domain": "a.example", "custom_headers": {"X-A": "x", "x-a": "y"}}"#,
            "origins.api.custom_headers.x-a",
            "given twice",
        ),
        (
            r#"{"domain": "a.example", "custom_headers": {"X-A": "caf\u00e9"}}"#,
            "origins.api.custom_headers.X-A",
            "printable ASCII",
        ),
        (
            r#"{"domain": "a.example", "protocol": "https"}"#,
            "origins.api.protocol",
            "unknown variant",
        ),
        (
            r#"{"domain": "a.example", "host_header": {"custom": "a b"}}"#,
            "origins.api.host_header.custom",
            "not a host name",
        ),
    ];
    for (origin, path, fragment) in table {
        assert_single_error(&origin_doc(origin), path, fragment);
    }
}

#[test]
fn accepts_ip_and_local_origins() {
    for domain in ["127.0.0.1", "[::1]", "localhost", "api.example.com."] {
        Config::from_json(&origin_doc(&format!(r#"{{"domain": "{domain}"}}"#))).unwrap();
    }
}

#[test]
fn quotes_odd_names_in_paths() {
    let json = r#"{"origins": {"my.origin": {"domain": "a b"}}, "cache_policies": {"p": {}},
        "default_behavior": {"origin": "my.origin", "cache_policy": "p"}}"#;
    assert_single_error(json, r#"origins["my.origin"].domain"#, "not a host name");
}

#[test]
fn rejects_unkeyed_forwarding_of_poisoning_headers() {
    let json = r#"{"origins": {"api": {"domain": "a.example"}}, "cache_policies": {"p": {}},
        "origin_request_policies": {"o": {"headers": {"behavior": "whitelist", "names": ["X-Forwarded-Host"]}}},
        "default_behavior": {"origin": "api", "cache_policy": "p", "origin_request_policy": "o"}}"#;
    assert_single_error(
        json,
        "default_behavior.origin_request_policy",
        "could poison",
    );
    let keyed = json.replace(r#""p": {}"#, r#""p": {"headers": ["X-Forwarded-Host"]}"#);
    Config::from_json(&keyed).unwrap();
}

#[test]
fn rejects_error_caching_for_other_statuses() {
    assert_single_error(
        &doc("{}", r#", "error_caching_min_ttl": {"401": 5}"#, ""),
        "error_caching_min_ttl.401",
        "expected one of",
    );
    assert_single_error(
        &doc("{}", r#", "error_caching_min_ttl": {"404": 99999999}"#, ""),
        "error_caching_min_ttl.404",
        "at most",
    );
}

#[test]
fn reports_every_error_at_once() {
    let json = r#"{
        "origins": {"api": {"domain": "https://a.example"}, "bad": {"domian": "x"}},
        "cache_policies": {"p": {"min_ttl": 10, "default_ttl": 1}, "q": {"query_strings": {"behavior": "whitelist", "names": []}}},
        "behaviors": [
            {"path_pattern": "/a", "origin": "api", "cache_policy": "serch"},
            {"path_pattern": "/b", "origin": "bad", "cache_policy": "p", "cached_methods": ["GET"]},
            {"path_pattern": "/c", "origin": "api"}
        ],
        "default_behavior": {"origin": "nowhere", "cache_policy": "q"},
        "extra": true
    }"#;
    let paths: Vec<String> = errors(json).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "extra",
            "origins.bad.domian",
            "behaviors[2]",
            "origins.api.domain",
            "cache_policies.p.default_ttl",
            "cache_policies.q.query_strings.names",
            "behaviors[0].cache_policy",
            "behaviors[1].cached_methods",
            "default_behavior.origin",
        ]
    );
}

/// The example in docs/configuration.md ("Validation"), word for word.
#[test]
fn the_documented_error_example_is_what_users_see() {
    let json = r#"{
        "origins": {"api": {"domain": "https://a.example"}},
        "cache_policies": {"p": {"min_ttl": 10, "default_ttl": 1}, "q": {}},
        "behaviors": [{"path_pattern": "/s", "origin": "api", "cache_policy": "serch"}],
        "default_behavior": {"origin": "api", "cache_policy": "q"}
    }"#;
    let shown = Config::from_json(json).unwrap_err().to_string();
    assert_eq!(
        shown,
        "invalid configuration (3 problems):
  origins.api.domain: write the domain only, without https://
  cache_policies.p.default_ttl: default_ttl 1 is below min_ttl 10
  behaviors[0].cache_policy: no cache policy named \"serch\" (known: p, q)"
    );
}

#[test]
fn rejects_headers_the_cache_or_the_edge_handles() {
    assert_single_error(
        &doc(r#"{"headers": ["If-None-Match"]}"#, "", ""),
        "cache_policies.p.headers[0]",
        "answers conditional and range requests itself",
    );
    assert_single_error(
        &doc(r#"{"headers": ["Range"]}"#, "", ""),
        "cache_policies.p.headers[0]",
        "answers conditional and range requests itself",
    );
    assert_single_error(
        &doc(r#"{"headers": ["X-Forwarded-For"]}"#, "", ""),
        "cache_policies.p.headers[0]",
        "viewer's address",
    );
    let orp = |names: &str| {
        doc(
            "{}",
            &format!(
                r#", "origin_request_policies": {{"o": {{"headers": {{"behavior": "whitelist", "names": {names}}}}}}}"#
            ),
            "",
        )
    };
    assert_single_error(
        &orp(r#"["Range"]"#),
        "origin_request_policies.o.headers.names[0]",
        "conditional and range",
    );
    assert_single_error(
        &orp(r#"["Cache-Control"]"#),
        "origin_request_policies.o.headers.names[0]",
        "only when the cache policy keys it",
    );
}

#[test]
fn rejects_unkeyed_authorization_and_accept_encoding_forwarding() {
    let with = |names: &str, policy: &str| {
        format!(
            r#"{{"origins": {{"api": {ORIGIN}}}, "cache_policies": {{"p": {policy}}},
                "origin_request_policies": {{"o": {{"headers": {{"behavior": "whitelist", "names": {names}}}}}}},
                "default_behavior": {{"origin": "api", "cache_policy": "p", "origin_request_policy": "o"}}}}"#
        )
    };
    assert_single_error(
        &with(r#"["Authorization"]"#, "{}"),
        "default_behavior.origin_request_policy",
        "does not key it",
    );
    Config::from_json(&with(
        r#"["Authorization"]"#,
        r#"{"headers": ["Authorization"]}"#,
    ))
    .unwrap();
    assert_single_error(
        &with(r#"["Accept-Encoding"]"#, "{}"),
        "default_behavior.origin_request_policy",
        "normalizes Accept-Encoding",
    );
    Config::from_json(&with(
        r#"["Accept-Encoding"]"#,
        r#"{"accept_encoding": {"gzip": false, "brotli": false}}"#,
    ))
    .unwrap();
}

#[test]
fn rejects_custom_headers_the_edge_sets() {
    for name in ["Accept-Encoding", "X-Forwarded-For"] {
        let origin = format!(r#"{{"domain": "a.example", "custom_headers": {{"{name}": "x"}}}}"#);
        assert_single_error(
            &origin_doc(&origin),
            &format!("origins.api.custom_headers.{name}"),
            "cannot be set",
        );
    }
}

#[test]
fn rejects_origin_paths_that_are_not_normalized() {
    assert_single_error(
        &origin_doc(r#"{"domain": "a.example", "path": "/v1\r\nX-Evil: 1"}"#),
        "origins.api.path",
        "normalized",
    );
    assert_single_error(
        &origin_doc(r#"{"domain": "a.example", "path": "/v1/../admin"}"#),
        "origins.api.path",
        "\"/admin\"",
    );
    Config::from_json(&origin_doc(
        r#"{"domain": "a.example", "path": "/v1/api%20docs"}"#,
    ))
    .unwrap();
}

#[test]
fn rejects_patterns_that_can_never_match() {
    let behaviors = |first: &str, second: &str| {
        format!(
            r#", "behaviors": [{{"path_pattern": "{first}", "origin": "api", "cache_policy": "p"}},
                               {{"path_pattern": "{second}", "origin": "api", "cache_policy": "p"}}]"#
        )
    };
    assert_single_error(
        &doc("{}", &behaviors("/*", "/media/*"), ""),
        "behaviors[1].path_pattern",
        "behaviors[0]'s \"/*\", listed earlier",
    );
    assert_single_error(
        &doc("{}", &behaviors("/media*", "/media/a.jpg"), ""),
        "behaviors[1].path_pattern",
        "never matches",
    );
    Config::from_json(&doc("{}", &behaviors("/media/*.jpg", "/media/*"), "")).unwrap();
    Config::from_json(&doc("{}", &behaviors("/a/*", "/b/*"), "")).unwrap();
    let quoted =
        r#", "behaviors": [{"path_pattern": "/a\"b", "origin": "api", "cache_policy": "p"}]"#;
    assert_single_error(
        &doc("{}", quoted, ""),
        "behaviors[0].path_pattern",
        "never matches",
    );
}

#[test]
fn moves_the_invalidation_api_to_a_path_of_its_own() {
    let config =
        Config::from_json(&doc("{}", r#", "invalidation": {"path": "/_purge"}"#, "")).unwrap();
    assert_eq!(config.invalidation_path(), "/_purge");
    let default = Config::from_json(&doc("{}", "", "")).unwrap();
    assert_eq!(
        default.invalidation_path(),
        crate::DEFAULT_INVALIDATION_PATH
    );
    for (path, message) in [
        ("_purge", "must start with /"),
        ("/purge?x", "a path only"),
        ("/media/*", "a path only"),
        ("/a/../purge", "normalized"),
        ("/%7Epurge", "normalized"),
    ] {
        let extra = format!(r#", "invalidation": {{"path": "{path}"}}"#);
        assert_single_error(&doc("{}", &extra, ""), "invalidation.path", message);
    }
    assert_single_error(
        &doc("{}", r#", "invalidation": {"paht": "/x"}"#, ""),
        "invalidation.paht",
        "unknown field",
    );
}

#[test]
fn rejects_the_new_poisoning_headers_forwarded_unkeyed() {
    for header in [
        "X-Forwarded-Uri",
        "X-Original-URI",
        "RSC",
        "X-HTTP-Host-Override",
    ] {
        let json = format!(
            r#"{{"origins": {{"api": {{"domain": "a.example"}}}}, "cache_policies": {{"p": {{}}}},
            "origin_request_policies": {{"o": {{"headers": {{"behavior": "whitelist", "names": ["{header}"]}}}}}},
            "default_behavior": {{"origin": "api", "cache_policy": "p", "origin_request_policy": "o"}}}}"#
        );
        assert_single_error(
            &json,
            "default_behavior.origin_request_policy",
            "could poison",
        );
    }
}

#[test]
fn rejects_unkeyed_credentials_on_a_policy_that_stores_by_default() {
    let json = |policy: &str, forwarding: &str| {
        format!(
            r#"{{"origins": {{"api": {{"domain": "a.example"}}}}, "cache_policies": {{"p": {policy}}},
            "origin_request_policies": {{"o": {forwarding}}},
            "default_behavior": {{"origin": "api", "cache_policy": "p", "origin_request_policy": "o"}}}}"#
        )
    };
    let cookies = r#"{"cookies": {"behavior": "all"}}"#;
    let viewer = r#"{"headers": {"behavior": "all_viewer"}}"#;
    let at = "default_behavior.origin_request_policy";
    assert_single_error(
        &json("{}", cookies),
        at,
        "forwards cookies that cache policy",
    );
    assert_single_error(&json("{}", viewer), at, "x-api-key");
    for allowed in [
        json(r#"{"default_ttl": 0}"#, cookies),
        json(r#"{"origin_ignores_unkeyed_credentials": true}"#, viewer),
        json(r#"{"cookies": {"behavior": "all"}}"#, cookies),
    ] {
        Config::from_json(&allowed).unwrap_or_else(|e| panic!("{allowed}: {e}"));
    }
}

#[test]
fn rejects_custom_headers_sent_in_clear_text_off_this_machine() {
    let json = |domain: &str, protocol: &str| {
        format!(
            r#"{{"origins": {{"api": {{"domain": "{domain}", "protocol": "{protocol}",
                "custom_headers": {{"X-Origin-Verify": "secret"}}}}}},
            "cache_policies": {{"p": {{}}}},
            "default_behavior": {{"origin": "api", "cache_policy": "p"}}}}"#
        )
    };
    assert_single_error(
        &json("api.example.com", "http-only"),
        "origins.api.custom_headers",
        "clear text",
    );
    assert_single_error(
        &json("api.example.com", "match-viewer"),
        "origins.api.custom_headers",
        "clear text",
    );
    for fine in [
        json("api.example.com", "https-only"),
        json("127.0.0.1", "http-only"),
        json("localhost", "http-only"),
    ] {
        Config::from_json(&fine).unwrap_or_else(|e| panic!("{fine}: {e}"));
    }
}

#[test]
fn a_policy_may_cap_the_size_of_what_it_stores_but_not_to_nothing() {
    let json = |cap: &str| {
        format!(
            r#"{{"origins": {{"api": {{"domain": "api.example.com"}}}},
            "cache_policies": {{"p": {{"max_object_bytes": {cap}}}}},
            "default_behavior": {{"origin": "api", "cache_policy": "p"}}}}"#
        )
    };
    assert_single_error(
        &json("0"),
        "cache_policies.p.max_object_bytes",
        "stores no answer",
    );
    let config = Config::from_json(&json("1048576")).unwrap();
    let policy = config.cache_policies.iter().find(|p| p.name == "p");
    assert_eq!(policy.and_then(|p| p.max_object_bytes), Some(1_048_576));
}

#[test]
fn targeted_fields_are_ones_edgecache_knows_each_once() {
    let json = |fields: &str| {
        format!(
            r#"{{"origins": {{"api": {{"domain": "api.example.com"}}}},
            "cache_policies": {{"p": {{"targeted_cache_control": {fields}}}}},
            "default_behavior": {{"origin": "api", "cache_policy": "p"}}}}"#
        )
    };
    assert_single_error(
        &json(r#"["Cache-Control"]"#),
        "cache_policies.p.targeted_cache_control[0]",
        "not a targeted field",
    );
    assert_single_error(
        &json(r#"["CDN-Cache-Control", "cdn-cache-control"]"#),
        "cache_policies.p.targeted_cache_control[1]",
        "listed twice",
    );
    let config = Config::from_json(&json(r#"["Edgecache-Cache-Control"]"#)).unwrap();
    let policy = config
        .cache_policies
        .iter()
        .find(|p| p.name == "p")
        .unwrap();
    assert_eq!(policy.targeted_cache_control, ["edgecache-cache-control"]);
    let config = Config::from_json(&json("null")).unwrap();
    let policy = config
        .cache_policies
        .iter()
        .find(|p| p.name == "p")
        .unwrap();
    assert_eq!(
        policy.targeted_cache_control,
        ["cdn-cache-control", "surrogate-control"]
    );
}

#[test]
fn extension_methods_need_all_seven_allowed() {
    let json = r#"{"origins": {"api": {"domain": "api.example.com"}},
        "cache_policies": {"p": {}},
        "default_behavior": {"origin": "api", "cache_policy": "p", "allow_extension_methods": true}}"#;
    assert_single_error(
        json,
        "default_behavior.allow_extension_methods",
        "all seven methods",
    );
}

#[test]
fn a_shield_is_a_fastly_shield_pop_code() {
    let with_shield = |code: &str| {
        format!(
            r#"{{"origins": {{"api": {{"domain": "api.example.com", "shield": "{code}"}}}},
                "cache_policies": {{"p": {{}}}},
                "default_behavior": {{"origin": "api", "cache_policy": "p"}}}}"#
        )
    };
    let config = Config::from_json(&with_shield("iad-va-us")).unwrap();
    assert_eq!(config.origins()[0].shield.as_deref(), Some("iad-va-us"));
    for bad in ["IAD", "iad va", "-iad", "x", "iad/../x"] {
        assert_single_error(&with_shield(bad), "origins.api.shield", "shield POP code");
    }
    let match_viewer = with_shield("iad-va-us").replace(
        r#""domain": "api.example.com""#,
        r#""domain": "api.example.com", "protocol": "match-viewer""#,
    );
    assert_single_error(&match_viewer, "origins.api.shield", "match-viewer");
}
