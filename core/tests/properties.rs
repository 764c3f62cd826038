//! Property tests for the invariants core promises.

// Tests may panic: a failed unwrap or expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use edgecache_core::purge::parse_purge;
use edgecache_core::{
    Config, Disposition, Headers, OriginResponse, RequestDecision, ResponseDecision, Scheme,
    TtlSource, ViewerRequest, decide_request, decide_response, normalize_path, normalize_query,
};
use proptest::prelude::*;

fn demo() -> Config {
    Config::from_json(include_str!("../../config/demo.json")).unwrap()
}

fn request<'a>(target: &'a str, headers: &'a [(&'a str, &'a [u8])]) -> ViewerRequest<'a> {
    ViewerRequest {
        method: "GET",
        scheme: Scheme::Https,
        host: "edge.example.com",
        target,
        headers: Headers::new(headers),
        has_body: false,
        client_ip: None,
        from_edge: false,
    }
}

/// Whitelisted `a`/`b` parameters, a keyed `X-K` header and a keyed `s`
/// cookie; every parameter and cookie forwarded.
fn keyed_config(canonical: bool) -> Config {
    Config::from_json(&format!(
        r#"{{
        "origins": {{"a": {{"domain": "a.example"}}}},
        "cache_policies": {{"p": {{
            "default_ttl": 0,
            "query_strings": {{"behavior": "whitelist", "names": ["a", "b"]}},
            "headers": ["X-K"],
            "cookies": {{"behavior": "whitelist", "names": ["s"]}},
            "canonicalize_query": {{"sort": {canonical}, "dedupe": {canonical}}}}}}},
        "origin_request_policies": {{"o": {{"query_strings": {{"behavior": "all"}},
                                           "cookies": {{"behavior": "all"}}}}}},
        "default_behavior": {{"origin": "a", "cache_policy": "p", "origin_request_policy": "o"}}}}"#
    ))
    .unwrap()
}

/// A request built from a small alphabet, so that keys collide often.
fn messy_request() -> impl Strategy<Value = (String, Vec<(&'static str, String)>)> {
    let name = prop_oneof![Just("a"), Just("A"), Just("b"), Just("c"), Just("%61")];
    let value = prop_oneof![
        Just("1"),
        Just("2"),
        Just("1&b=2"),
        Just("1%262"),
        Just("x;a=2"),
        Just(""),
        Just("%31")
    ];
    let param = (name, value, any::<bool>()).prop_map(|(n, v, eq)| {
        if eq || !v.is_empty() {
            format!("{n}={v}")
        } else {
            n.to_string()
        }
    });
    let query = proptest::collection::vec(param, 0..4).prop_map(|ps| ps.join("&"));
    let header =
        prop_oneof![Just("v"), Just("w"), Just("v, w")].prop_map(|v| ("X-K", v.to_string()));
    let cookie = prop_oneof![
        Just("s=1"),
        Just("s=2"),
        Just("t=1; s=1"),
        Just("s=1; s=2"),
        Just("S=1")
    ]
    .prop_map(|v| ("Cookie", v.to_string()));
    let encoding = prop_oneof![
        Just("gzip"),
        Just("br, gzip"),
        Just("gzip;q=0"),
        Just("deflate")
    ]
    .prop_map(|v| ("Accept-Encoding", v.to_string()));
    let lines = proptest::collection::vec(prop_oneof![header, cookie, encoding], 0..3);
    (query, lines).prop_map(|(q, lines)| (format!("/p?{q}"), lines))
}

/// The keyed inputs the origin receives: keyed parameters, keyed header
/// lines, keyed cookies (order-insensitive, as the key is), encoding.
type Projection = (Vec<String>, Vec<String>, Vec<String>, Option<String>);

fn keyed_projection(plan: &edgecache_core::RequestPlan<'_, '_>, canonical: bool) -> Projection {
    let sent = |name: &str| -> Vec<String> {
        plan.origin_request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    };
    let policy = plan.cache_policy;
    let query = plan
        .origin_request
        .url
        .split_once('?')
        .map_or("", |(_, q)| q);
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            (
                p.split('=').next().unwrap_or_default().to_string(),
                p.to_string(),
            )
        })
        .filter(|(name, _)| policy.query_strings.keys(name))
        .collect();
    if canonical {
        params.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut cookies: Vec<(String, String)> = sent("cookie")
        .iter()
        .flat_map(|line| line.split("; ").map(str::to_string).collect::<Vec<_>>())
        .filter_map(|c| {
            c.split_once('=')
                .map(|(n, v)| (n.to_string(), v.to_string()))
        })
        .filter(|(n, _)| policy.cookies.keys(n))
        .collect();
    cookies.sort_by(|a, b| a.0.cmp(&b.0));
    (
        params.into_iter().map(|(_, p)| p).collect(),
        sent("x-k"),
        cookies
            .into_iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect(),
        sent("accept-encoding").pop(),
    )
}

/// Any byte string as text: printable ASCII, escapes, separators, UTF-8.
fn messy_text() -> impl Strategy<Value = String> {
    "[ -~é€%/.;&=?#\t]{0,40}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn path_normalization_is_idempotent(tail in messy_text()) {
        let once = normalize_path(&format!("/{tail}")).unwrap();
        prop_assert_eq!(normalize_path(&once).unwrap(), once.clone());
        prop_assert!(once.starts_with('/'));
        prop_assert!(!once.split('/').any(|s| s == "." || s == ".."));
    }

    #[test]
    fn query_normalization_is_idempotent(query in messy_text()) {
        let once = normalize_query(&query);
        prop_assert_eq!(normalize_query(&once), once.clone());
        prop_assert!(!once.contains(';') && !once.contains(' ') && !once.contains('#'));
    }

    /// A key determines everything keyed that the origin receives: two
    /// requests with one key send the origin the same keyed parameters,
    /// keyed header lines, keyed cookies and encoding, whatever separators,
    /// escapes, cases, duplicates and orders they were spelled with.
    #[test]
    fn equal_keys_send_the_origin_equal_keyed_inputs(
        requests in proptest::collection::vec(messy_request(), 24),
        canonical in any::<bool>(),
    ) {
        let config = keyed_config(canonical);
        let mut seen: std::collections::HashMap<String, Projection> = Default::default();
        for (target, lines) in &requests {
            let pairs: Vec<(&str, &[u8])> = lines.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
            let RequestDecision::Forward(plan) = decide_request(&config, &request(target, &pairs)) else {
                continue;
            };
            let Disposition::Lookup(key) = &plan.disposition else { continue };
            let projection = keyed_projection(&plan, canonical);
            if let Some(earlier) = seen.get(key.as_str()) {
                prop_assert_eq!(earlier, &projection, "key {}", key.as_str());
            }
            seen.insert(key.as_str().to_string(), projection);
        }
    }

    /// The key holds printable ASCII only, without `"` or `\`, so it can go
    /// into a Cache-Status header as it is.
    #[test]
    fn keys_are_header_safe(target in messy_text(), value in messy_text()) {
        let config = Config::from_json(r#"{
            "origins": {"a": {"domain": "a.example"}},
            "cache_policies": {"p": {"headers": ["X-A"], "query_strings": {"behavior": "all"},
                                     "cookies": {"behavior": "all"}}},
            "default_behavior": {"origin": "a", "cache_policy": "p"}}"#).unwrap();
        let headers = [("x-a", value.as_bytes()), ("cookie", value.as_bytes())];
        let target = format!("/{target}");
        if let RequestDecision::Forward(plan) = decide_request(&config, &request(&target, &headers))
            && let Disposition::Lookup(key) = plan.disposition
        {
            let text = key.redacted();
            prop_assert!(text.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'), "{}", text);
        }
    }

    /// A stored TTL lies within the policy's [min, max] unless the origin
    /// said no-cache (revalidate each time) or it is an error; no-store
    /// and private are stored only under the opted-in min-TTL override;
    /// statuses RFC 9111 does not store are not; a credentialed request's
    /// response is stored only when it allows sharing.
    #[test]
    fn stored_ttls_stay_within_policy_limits(
        min in 0u64..100, span in 0u64..1000, max_age in proptest::option::of(0u64..5000),
        s_maxage in proptest::option::of(0u64..5000),
        flags in proptest::collection::vec(prop_oneof![
            Just("public"), Just("private"), Just("no-store"), Just("no-cache"),
            Just("must-revalidate"), Just("stale-while-revalidate=5"),
        ], 0..3),
        status in prop_oneof![Just(200u16), Just(201), Just(203), Just(301), Just(302),
                              Just(401), Just(404), Just(503)],
        etag in any::<bool>(),
        min_ttl_override in any::<bool>(),
        credentials in any::<bool>(),
    ) {
        let max = min + span;
        let config = Config::from_json(&format!(r#"{{
            "origins": {{"a": {{"domain": "a.example"}}}},
            "cache_policies": {{"p": {{"min_ttl": {min}, "default_ttl": {min}, "max_ttl": {max},
                                       "cloudfront_min_ttl_override": {min_ttl_override}}}}},
            "default_behavior": {{"origin": "a", "cache_policy": "p"}}}}"#)).unwrap();
        let mut directives: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        directives.extend(max_age.map(|s| format!("max-age={s}")));
        directives.extend(s_maxage.map(|s| format!("s-maxage={s}")));
        let cc = directives.join(", ");
        let mut lines: Vec<(&str, &[u8])> = vec![("cache-control", cc.as_bytes())];
        if etag {
            lines.push(("etag", b"\"e\""));
        }
        let auth: &[(&str, &[u8])] = if credentials { &[("authorization", b"Bearer t")] } else { &[] };
        let RequestDecision::Forward(plan) = decide_request(&config, &request("/x", auth)) else {
            panic!("rejected")
        };
        let response = OriginResponse { status, headers: Headers::new(&lines) };
        if let ResponseDecision::Store(s) = decide_response(&config, &plan, &response, 1_700_000_000) {
            let overridden = min_ttl_override && min > 0 && status < 400;
            prop_assert!(overridden || (!cc.contains("no-store") && !cc.contains("private")), "stored {}", cc);
            prop_assert!(status != 401, "stored a 401");
            let explicit = max_age.is_some() || s_maxage.is_some() || cc.contains("public");
            prop_assert!(!matches!(status, 201 | 302) || explicit, "stored a {} without explicit freshness", status);
            prop_assert!(!credentials || s.shareable_with_credentials, "shared a credentialed {}", cc);
            match s.source {
                TtlSource::NoCache => prop_assert_eq!(s.ttl, 0),
                TtlSource::MinTtlOverride => prop_assert_eq!(s.ttl, min),
                TtlSource::ErrorTtl => {}
                _ => prop_assert!(min <= s.ttl && s.ttl <= max, "ttl {} not in [{}, {}] for {}", s.ttl, min, max, cc),
            }
        }
    }

    /// No input makes the request decision panic.
    #[test]
    fn request_decision_never_panics(
        method in "[A-Za-z]{0,8}", target in "[ -~\u{80}-\u{10ffff}]{0,60}",
        name in "[ -~]{0,12}", value in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let config = demo();
        let headers = [(name.as_str(), value.as_slice()), ("cookie", value.as_slice()),
                       ("accept-encoding", value.as_slice())];
        let mut viewer = request(&target, &headers);
        viewer.method = &method;
        let _ = decide_request(&config, &viewer);
    }

    /// No origin response makes the response decision panic.
    #[test]
    fn response_decision_never_panics(
        status in 0u16..1000,
        lines in proptest::collection::vec(
            (prop_oneof![Just("cache-control"), Just("expires"), Just("date"), Just("age"),
                         Just("vary"), Just("surrogate-key"), Just("set-cookie"), Just("etag")],
             proptest::collection::vec(any::<u8>(), 0..30)), 0..6),
    ) {
        let config = demo();
        let RequestDecision::Forward(plan) = decide_request(&config, &request("/products/1", &[])) else {
            panic!("rejected")
        };
        let pairs: Vec<(&str, &[u8])> = lines.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        let response = OriginResponse { status, headers: Headers::new(&pairs) };
        let _ = decide_response(&config, &plan, &response, u64::MAX);
    }

    /// No request body makes the purge parser panic, and every path it
    /// accepts starts with `/` and holds `*` nowhere but at its end.
    #[test]
    fn purge_parsing_never_panics(
        raw in proptest::collection::vec(any::<u8>(), 0..200),
        paths in proptest::collection::vec(messy_text(), 0..4),
    ) {
        let _ = parse_purge(&raw);
        let body = serde_json::json!({ "paths": paths }).to_string();
        if let Ok(request) = parse_purge(body.as_bytes()) {
            for target in request.paths {
                let label = target.label();
                prop_assert!(label.starts_with('/'));
                prop_assert!(!label.trim_end_matches('*').contains('*'), "{}", label);
            }
        }
    }
}
