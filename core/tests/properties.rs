//! Property tests for the invariants core promises.

use edgecache_core::{
    CacheKey, Config, Disposition, Headers, OriginResponse, RequestDecision, ResponseDecision,
    Scheme, TtlSource, ViewerRequest, decide_request, decide_response, normalize_path,
    normalize_query,
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
    }
}

fn key(config: &Config, target: &str) -> Option<CacheKey> {
    match decide_request(config, &request(target, &[])) {
        RequestDecision::Forward(plan) => match plan.disposition {
            Disposition::Lookup(key) => Some(key),
            Disposition::Pass(_) => None,
        },
        RequestDecision::Reject(_) => None,
    }
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

    /// Distinct whitelisted values always give distinct keys, however
    /// they are spelled with separators and escapes.
    #[test]
    fn distinct_whitelisted_inputs_give_distinct_keys(
        a in messy_text(), b in messy_text(), page in 0u32..3,
    ) {
        let config = demo();
        let encode = |v: &str| normalize_query(&format!("Keyword={}", v.replace('&', "%26")));
        prop_assume!(encode(&a) != encode(&b));
        let ka = key(&config, &format!("/search/allergy?{}&Page={page}", encode(&a))).unwrap();
        let kb = key(&config, &format!("/search/allergy?{}&Page={page}", encode(&b))).unwrap();
        prop_assert_ne!(ka.as_str(), kb.as_str());
        prop_assert_ne!(ka.hash_hex(), kb.hash_hex());
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
    /// and private are never stored.
    #[test]
    fn stored_ttls_stay_within_policy_limits(
        min in 0u64..100, span in 0u64..1000, max_age in proptest::option::of(0u64..5000),
        s_maxage in proptest::option::of(0u64..5000),
        flags in proptest::collection::vec(prop_oneof![
            Just("public"), Just("private"), Just("no-store"), Just("no-cache"),
            Just("must-revalidate"), Just("stale-while-revalidate=5"),
        ], 0..3),
        status in prop_oneof![Just(200u16), Just(203), Just(301), Just(404), Just(503)],
        etag in any::<bool>(),
    ) {
        let max = min + span;
        let config = Config::from_json(&format!(r#"{{
            "origins": {{"a": {{"domain": "a.example"}}}},
            "cache_policies": {{"p": {{"min_ttl": {min}, "default_ttl": {min}, "max_ttl": {max}}}}},
            "default_behavior": {{"origin": "a", "cache_policy": "p"}}}}"#)).unwrap();
        let mut directives: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        directives.extend(max_age.map(|s| format!("max-age={s}")));
        directives.extend(s_maxage.map(|s| format!("s-maxage={s}")));
        let cc = directives.join(", ");
        let mut lines: Vec<(&str, &[u8])> = vec![("cache-control", cc.as_bytes())];
        if etag {
            lines.push(("etag", b"\"e\""));
        }
        let RequestDecision::Forward(plan) = decide_request(&config, &request("/x", &[])) else {
            panic!("rejected")
        };
        let response = OriginResponse { status, headers: Headers::new(&lines) };
        if let ResponseDecision::Store(s) = decide_response(&config, &plan, &response, 1_700_000_000) {
            prop_assert!(!cc.contains("no-store") && !cc.contains("private"), "stored {}", cc);
            match s.source {
                TtlSource::NoCache => prop_assert_eq!(s.ttl, 0),
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
}
