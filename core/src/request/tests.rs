use super::*;
use crate::test_support::{config_with, demo_config, header_list, plan, viewer};

fn key_of<'p>(plan: &'p RequestPlan<'_, '_>) -> &'p CacheKey {
    match &plan.disposition {
        Disposition::Lookup(key) => key,
        Disposition::Pass(reason) => panic!("passed: {reason}"),
    }
}

/// The names of every header the origin receives, in order.
fn names_sent<'a>(plan: &'a RequestPlan<'_, '_>) -> Vec<&'a str> {
    plan.origin_request
        .headers
        .iter()
        .map(|(n, _)| n.as_ref())
        .collect()
}

fn sent<'a>(plan: &'a RequestPlan<'_, '_>, name: &str) -> Option<&'a str> {
    plan.origin_request
        .header(name)
        .map(|v| std::str::from_utf8(v).unwrap())
}

/// Golden keys on the demo configuration: (target, headers, key text,
/// hash). The hashes were computed outside Rust (Python's hashlib over
/// `edgecache-key/1\n` + text). If this test fails, every stored entry
/// would be orphaned by the change: bump the key version deliberately.
#[test]
fn demo_keys_are_pinned() {
    let table: &[(&str, &[&str], &str, &str)] = &[
        (
            "/search/pcp?Zipcode=10001&utm_source=mail&Keyword=flu&Limit=10",
            &["Accept-Encoding: gzip, deflate, br"],
            "/search/pcp?Keyword=flu&Limit=10&Zipcode=10001 ae=br,gzip",
            "3887c0a60ca07003f91a3a46f446d0c031486a0ca6bc2a56557e63dd1def7e6e",
        ),
        (
            "/search/allergy?Zipcode=10001&Keyword=flu&utm_medium=x",
            &[],
            "/search/allergy?Zipcode=10001&Keyword=flu",
            "4d77c31ecf3ad9cbbea08fa9849f38000359e2ff9c9e28f4a24a29581b150c27",
        ),
        (
            "/media/./song.mp3?v=2",
            &["Accept-Encoding: gzip"],
            "/media/song.mp3 ae=gzip",
            "a112bb45baedabf8b51a753ac9f69ff11c9d5d656899dd065ea404434dbf8a8f",
        ),
        (
            "/products/42?utm_source=x&color=red&gclid=1",
            &[],
            "/products/42?color=red",
            "54aaf18cf4e7c1453f6cd0c59d380ce54988a4a3a3de2c84bc1b759cb842ae13",
        ),
        (
            "/products/42?Color=Red&color=red",
            &[],
            "/products/42?Color=Red&color=red",
            "6f7a4a35a10e8ac9e8bada05d3800a7dc20cfa9fc24bdb830717bbd399245f52",
        ),
        (
            "/",
            &[],
            "/",
            "ed995707cefb412e0a3404648e233548b5dab857a2455a25f9bb3eed89eaa81d",
        ),
    ];
    let config = demo_config();
    for (target, lines, text, hash) in table {
        let list = header_list(lines);
        let plan = plan(&config, &viewer("GET", target, &list));
        let key = key_of(&plan);
        assert_eq!(key.as_str(), *text, "{target}");
        assert_eq!(key.hash_hex(), *hash, "{target}");
    }
}

#[test]
fn matches_behaviors_on_the_normalized_path() {
    let config = demo_config();
    let table = [
        ("/search/pcp?x=1", "/search/pcp"),
        ("/search/%70cp", "/search/pcp"),
        ("/media/../search/pcp", "/search/pcp"),
        ("/media/a/b.jpg", "/media/*"),
        ("/MEDIA/a.jpg", "*"),
        ("/products/7", "/products/*"),
        ("/elsewhere", "*"),
    ];
    for (target, label) in table {
        let plan = plan(&config, &viewer("GET", target, &[]));
        assert_eq!(plan.behavior.label(), label, "{target}");
    }
}

#[test]
fn forwards_all_query_strings_but_keys_the_whitelist() {
    let config = demo_config();
    let plan = plan(
        &config,
        &viewer("GET", "/search/pcp?utm_source=x&Keyword=flu&Page=2", &[]),
    );
    assert_eq!(key_of(&plan).as_str(), "/search/pcp?Keyword=flu&Page=2");
    assert_eq!(
        plan.origin_request.url,
        "http://localhost:8080/search/pcp?utm_source=x&Keyword=flu&Page=2"
    );
}

#[test]
fn keys_parameter_order_per_policy() {
    let config = demo_config();
    let key = |target| key_of(&plan(&config, &viewer("GET", target, &[]))).clone();
    // /search/pcp sorts (opt-in canonicalization) ...
    assert_eq!(
        key("/search/pcp?Page=1&Keyword=a"),
        key("/search/pcp?Keyword=a&Page=1")
    );
    // ... /search/allergy keeps CloudFront's order-sensitive keys.
    assert_ne!(
        key("/search/allergy?Page=1&Keyword=a"),
        key("/search/allergy?Keyword=a&Page=1")
    );
    // Sorting is stable: repeated names keep their order.
    assert_ne!(
        key("/search/pcp?Page=1&Page=2"),
        key("/search/pcp?Page=2&Page=1")
    );
}

#[test]
fn dedupes_identical_parameters_for_the_key_and_the_origin() {
    let config = demo_config();
    let plan = plan(
        &config,
        &viewer("GET", "/search/pcp?Page=1&Page=1&Page=2", &[]),
    );
    assert_eq!(key_of(&plan).as_str(), "/search/pcp?Page=1&Page=2");
    assert!(
        plan.origin_request.url.ends_with("?Page=1&Page=2"),
        "{}",
        plan.origin_request.url
    );
}

#[test]
fn keys_whitelist_lookalikes_in_another_case() {
    // An origin that reads names case-insensitively would see `keyword`.
    let config = demo_config();
    let plan = plan(
        &config,
        &viewer("GET", "/search/allergy?Keyword=flu&keyword=evil", &[]),
    );
    assert_eq!(
        key_of(&plan).as_str(),
        "/search/allergy?Keyword=flu&keyword=evil"
    );
}

#[test]
fn separators_cannot_be_smuggled() {
    let config = demo_config();
    let key = |target| {
        key_of(&plan(&config, &viewer("GET", target, &[])))
            .as_str()
            .to_string()
    };
    assert_ne!(key("/products/1?a=1&b=2"), key("/products/1?a=1%26b=2"));
    assert_ne!(key("/products/1?a=1&b=2"), key("/products/1?a=1;b=2"));
    // The origin receives `;` encoded, so it cannot split where the key did not.
    let cloaked = plan(
        &config,
        &viewer("GET", "/search/allergy?Keyword=flu&utm=x;Keyword=evil", &[]),
    );
    assert!(
        cloaked
            .origin_request
            .url
            .ends_with("?Keyword=flu&utm=x%3BKeyword=evil")
    );
}

#[test]
fn keys_the_host_only_when_configured_or_forwarded() {
    let keyed = config_with(
        r#"{"include_host": true}"#,
        "{}",
        r#"{"domain": "a.example"}"#,
    );
    let plan1 = plan(&keyed, &viewer("GET", "/x", &[]));
    assert_eq!(key_of(&plan1).as_str(), "edge.example.com/x");
    let viewer_host = config_with(
        "{}",
        "{}",
        r#"{"domain": "a.example", "host_header": "viewer"}"#,
    );
    let plan2 = plan(&viewer_host, &viewer("GET", "/x", &[]));
    assert_eq!(key_of(&plan2).as_str(), "edge.example.com/x");
    assert_eq!(sent(&plan2, "host"), Some("edge.example.com"));
    let plain = config_with("{}", "{}", r#"{"domain": "a.example"}"#);
    let plan3 = plan(&plain, &viewer("GET", "/x", &[]));
    assert_eq!(key_of(&plan3).as_str(), "/x");
    assert_eq!(sent(&plan3, "host"), Some("a.example"));
}

#[test]
fn keys_headers_by_name_in_any_case_and_order() {
    let config = config_with(
        r#"{"headers": ["X-Lang", "Accept"]}"#,
        "{}",
        r#"{"domain": "a.example"}"#,
    );
    let a = header_list(&["x-lang: en", "Accept: text/html"]);
    let b = header_list(&["ACCEPT: text/html", "X-LANG: en"]);
    let c = header_list(&["X-Lang: EN", "Accept: text/html"]);
    let key = |list| key_of(&plan(&config, &viewer("GET", "/x", list))).clone();
    assert_eq!(key(&a), key(&b));
    assert_ne!(key(&a), key(&c));
    assert_eq!(key(&a).as_str(), "/x h:accept=text/html h:x-lang=en");
}

#[test]
fn keys_and_forwards_cookies_per_policy() {
    let config = config_with(
        r#"{"default_ttl": 0, "cookies": {"behavior": "whitelist", "names": ["session"]}}"#,
        r#"{"cookies": {"behavior": "whitelist", "names": ["ab"]}}"#,
        r#"{"domain": "a.example"}"#,
    );
    let list = header_list(&["Cookie: tracker=1; session=abc; ab=b"]);
    let plan = plan(&config, &viewer("GET", "/x", &list));
    assert_eq!(key_of(&plan).as_str(), "/x c:session=abc");
    assert_eq!(sent(&plan, "cookie"), Some("session=abc; ab=b"));
}

#[test]
fn sends_no_cookie_when_none_is_configured() {
    let config = demo_config();
    let list = header_list(&["Cookie: session=abc"]);
    assert_eq!(
        sent(
            &plan(&config, &viewer("GET", "/products/1", &list)),
            "cookie"
        ),
        None
    );
}

#[test]
fn normalizes_accept_encoding_for_key_and_origin() {
    let config = demo_config();
    let list = header_list(&["Accept-Encoding: deflate"]);
    let plan = plan(&config, &viewer("GET", "/media/a.mp3", &list));
    assert_eq!(key_of(&plan).as_str(), "/media/a.mp3");
    assert_eq!(sent(&plan, "accept-encoding"), Some("identity"));
}

#[test]
fn custom_origin_headers_replace_viewer_copies() {
    let config = demo_config();
    let list = header_list(&["X-Origin-Verify: forged", "x-origin-verify: again"]);
    let plan = plan(&config, &viewer("GET", "/products/1", &list));
    let values: Vec<&[u8]> = plan
        .origin_request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-origin-verify"))
        .map(|(_, v)| v.as_ref())
        .collect();
    assert_eq!(values, [b"demo-shared-secret".as_slice()]);
}

#[test]
fn forwards_only_keyed_and_named_headers_on_cacheable_requests() {
    let config = demo_config();
    let list = header_list(&[
        "User-Agent: curl",
        "Authorization: Bearer t",
        "X-Forwarded-Host: evil.example",
        "If-None-Match: \"v1\"",
        "Range: bytes=0-1",
    ]);
    let plan = plan(&config, &viewer("GET", "/products/1", &list));
    assert_eq!(
        names_sent(&plan),
        ["host", "accept-encoding", "x-origin-verify"]
    );
    assert!(plan.credentials);
}

#[test]
fn all_viewer_forwarding_still_drops_poisoning_headers() {
    let config = config_with(
        r#"{"default_ttl": 0}"#,
        r#"{"headers": {"behavior": "all_viewer"}}"#,
        r#"{"domain": "a.example"}"#,
    );
    let list = header_list(&[
        "X-Forwarded-Host: evil.example",
        "X-Custom: 1",
        "Connection: close",
    ]);
    let plan = plan(&config, &viewer("GET", "/x", &list));
    assert_eq!(sent(&plan, "x-custom"), Some("1"));
    assert_eq!(sent(&plan, "x-forwarded-host"), None);
    assert_eq!(sent(&plan, "connection"), None);
}

#[test]
fn passes_body_and_conditional_headers_when_bypassing() {
    let config = demo_config();
    let list = header_list(&[
        "Content-Type: application/json",
        "If-Match: \"v1\"",
        "Cookie: a=1",
    ]);
    let plan = plan(&config, &viewer("POST", "/orders", &list));
    assert_eq!(plan.disposition, Disposition::Pass(PassReason::Method));
    assert_eq!(plan.origin_request.method, Method::Post);
    assert_eq!(sent(&plan, "content-type"), Some("application/json"));
    assert_eq!(sent(&plan, "if-match"), Some("\"v1\""));
    assert_eq!(sent(&plan, "cookie"), None);
}

#[test]
fn fills_the_cache_with_get_for_head() {
    let config = demo_config();
    let plan = plan(&config, &viewer("HEAD", "/media/a.mp3", &[]));
    assert_eq!(plan.origin_request.method, Method::Get);
    assert_eq!(key_of(&plan).as_str(), "/media/a.mp3");
}

#[test]
fn keys_options_separately_when_cached() {
    let config = config_with("{}", "{}", r#"{"domain": "a.example"}"#);
    let plan = plan(&config, &viewer("OPTIONS", "/products/42", &[]));
    assert_eq!(key_of(&plan).as_str(), "OPTIONS /products/42");
    assert_eq!(
        key_of(&plan).hash_hex(),
        "335f2ff8ebbb93db0a54665df9eabaa1f69c5b816150bd9abed13ab6dc76d6c0"
    );
}

#[test]
fn passes_when_caching_is_disabled() {
    let config = config_with(
        r#"{"default_ttl": 0, "max_ttl": 0}"#,
        "{}",
        r#"{"domain": "a.example"}"#,
    );
    let plan = plan(&config, &viewer("GET", "/x", &[]));
    assert_eq!(
        plan.disposition,
        Disposition::Pass(PassReason::CachingDisabled)
    );
}

#[test]
fn rejects_what_cloudfront_rejects() {
    let config = demo_config();
    let decide = |method, target: &str, body| {
        let mut request = viewer(method, target, &[]);
        request.has_body = body;
        match decide_request(&config, &request) {
            RequestDecision::Reject(r) => Some((r, r.status())),
            RequestDecision::Forward(_) => None,
        }
    };
    assert_eq!(
        decide("POST", "/media/a", false),
        Some((Rejection::MethodNotAllowed, 403))
    );
    assert_eq!(
        decide("get", "/media/a", false),
        Some((Rejection::MethodNotAllowed, 403))
    );
    assert_eq!(
        decide("TRACE", "/", false),
        Some((Rejection::MethodNotAllowed, 403))
    );
    assert_eq!(
        decide("GET", "/media/a", true),
        Some((Rejection::BodyOnSafeMethod, 403))
    );
    assert_eq!(decide("GET", "*", false), Some((Rejection::BadTarget, 400)));
    let long = format!("/{}", "a".repeat(MAX_TARGET_LEN));
    assert_eq!(
        decide("GET", &long, false),
        Some((Rejection::TargetTooLong, 414))
    );
    assert_eq!(decide("POST", "/orders", true), None);
}

#[test]
fn builds_origin_urls_per_protocol_policy() {
    let table = [
        (
            r#"{"domain": "a.example"}"#,
            Scheme::Http,
            "https://a.example/x?q=1",
        ),
        (
            r#"{"domain": "a.example", "protocol": "http-only"}"#,
            Scheme::Https,
            "http://a.example/x?q=1",
        ),
        (
            r#"{"domain": "a.example", "protocol": "match-viewer"}"#,
            Scheme::Http,
            "http://a.example/x?q=1",
        ),
        (
            r#"{"domain": "a.example", "https_port": 8443, "path": "/v1"}"#,
            Scheme::Http,
            "https://a.example:8443/v1/x?q=1",
        ),
    ];
    for (origin, scheme, url) in table {
        let config = config_with(r#"{"query_strings": {"behavior": "all"}}"#, "{}", origin);
        let mut request = viewer("GET", "/x?q=1", &[]);
        request.scheme = scheme;
        assert_eq!(plan(&config, &request).origin_request.url, url, "{origin}");
    }
}

#[test]
fn sets_x_forwarded_for_from_the_client_address() {
    let config = demo_config();
    let list = header_list(&["X-Forwarded-For: 6.6.6.6"]);
    let mut request = viewer("GET", "/products/1", &list);
    request.client_ip = Some("192.0.2.1");
    assert_eq!(
        sent(&plan(&config, &request), "x-forwarded-for"),
        Some("192.0.2.1")
    );
    let forwarding = config_with(
        "{}",
        r#"{"headers": {"behavior": "whitelist", "names": ["X-Forwarded-For"]}}"#,
        r#"{"domain": "a.example"}"#,
    );
    assert_eq!(
        sent(&plan(&forwarding, &request), "x-forwarded-for"),
        Some("6.6.6.6, 192.0.2.1")
    );
}

/// A viewer's conditional or range headers must not reach the origin on a
/// fill or revalidation, even under `all_viewer`: a fill must fetch the
/// whole, current response, to store it for every viewer.
#[test]
fn conditional_headers_reach_the_origin_only_when_bypassing() {
    let config = config_with(
        r#"{"default_ttl": 0}"#,
        r#"{"headers": {"behavior": "all_viewer"}}"#,
        r#"{"domain": "a.example"}"#,
    );
    let list = header_list(&[
        "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT",
        "If-None-Match: *",
        "Range: bytes=0-1",
        "Cache-Control: no-cache",
        "X-Custom: 1",
    ]);
    let cacheable = plan(&config, &viewer("GET", "/x", &list));
    for name in [
        "if-modified-since",
        "if-none-match",
        "range",
        "cache-control",
    ] {
        assert_eq!(sent(&cacheable, name), None, "{name} reached the origin");
    }
    assert_eq!(sent(&cacheable, "x-custom"), Some("1"));
    let bypassing = plan(&config, &viewer("POST", "/x", &list));
    assert_eq!(sent(&bypassing, "if-none-match"), Some("*"));
    assert_eq!(sent(&bypassing, "range"), Some("bytes=0-1"));
}

#[test]
fn all_viewer_forwarding_drops_the_x_forwarded_family() {
    let config = config_with(
        r#"{"default_ttl": 0}"#,
        r#"{"headers": {"behavior": "all_except", "names": ["X-Debug"]}}"#,
        r#"{"domain": "a.example"}"#,
    );
    let list = header_list(&[
        "X-Forwarded-Proto: http",
        "X-Forwarded-Port: 81",
        "X-Forwarded-Prefix: /evil",
        "X-Original-Host: evil.example",
        "X-HTTP-Method-Override: DELETE",
        "X-Debug: 1",
    ]);
    let plan = plan(&config, &viewer("GET", "/x", &list));
    assert_eq!(names_sent(&plan), ["host", "accept-encoding"]);
}

#[test]
fn passes_a_cached_method_that_carries_a_body() {
    let config = config_with("{}", "{}", r#"{"domain": "a.example"}"#);
    let mut request = viewer("OPTIONS", "/x", &[]);
    request.has_body = true;
    let plan = plan(&config, &request);
    assert_eq!(plan.disposition, Disposition::Pass(PassReason::RequestBody));
}

/// Two `X-Tenant` lines key apart from one comma-joined line: to an
/// origin that reads only the first line they are different requests.
#[test]
fn keys_each_header_line_on_its_own() {
    let config = config_with(
        r#"{"headers": ["X-Tenant"]}"#,
        "{}",
        r#"{"domain": "a.example"}"#,
    );
    let two = header_list(&["X-Tenant: a", "X-Tenant: b"]);
    let one = header_list(&["X-Tenant: a, b"]);
    let key = |list| key_of(&plan(&config, &viewer("GET", "/x", list))).clone();
    assert_ne!(key(&two), key(&one));
    assert_eq!(key(&two).as_str(), "/x h:x-tenant=a h:x-tenant=b");
}

#[test]
fn forwards_a_raw_accept_encoding_when_it_is_keyed() {
    let config = config_with(
        r#"{"headers": ["Accept-Encoding"], "accept_encoding": {"gzip": false, "brotli": false}}"#,
        "{}",
        r#"{"domain": "a.example"}"#,
    );
    let list = header_list(&["Accept-Encoding: deflate"]);
    let plan = plan(&config, &viewer("GET", "/x", &list));
    assert_eq!(key_of(&plan).as_str(), "/x h:accept-encoding=deflate");
    assert_eq!(sent(&plan, "accept-encoding"), Some("deflate"));
}

#[test]
fn notes_inputs_that_reach_the_origin_unkeyed() {
    let config = demo_config();
    let table = [
        ("/search/pcp?Keyword=flu", &[][..], false),
        ("/search/pcp?Keyword=flu&junk=1", &[][..], true),
        ("/media/a.mp3?v=1", &[][..], false),
        ("/products/1?utm_source=x", &[][..], true),
        (
            "/products/1",
            &["X-Forwarded-Host: evil", "Cookie: a=1"][..],
            false,
        ),
    ];
    for (target, lines, want) in table {
        let list = header_list(lines);
        let plan = plan(&config, &viewer("GET", target, &list));
        assert_eq!(plan.unkeyed.any, want, "{target}");
    }
    let forwarding = config_with(
        r#"{"default_ttl": 0}"#,
        r#"{"headers": {"behavior": "whitelist", "names": ["X-Debug"]}, "cookies": {"behavior": "all"}}"#,
        r#"{"domain": "a.example"}"#,
    );
    for lines in [&["X-Debug: 1"][..], &["Cookie: a=1"][..]] {
        let list = header_list(lines);
        assert!(
            plan(&forwarding, &viewer("GET", "/x", &list)).unkeyed.any,
            "{lines:?}"
        );
    }
}

#[test]
fn notes_unkeyed_credentials_and_the_values_an_answer_must_not_echo() {
    let config = config_with(
        r#"{"default_ttl": 0, "query_strings": {"behavior": "whitelist", "names": ["q"]}}"#,
        r#"{"query_strings": {"behavior": "all"}, "cookies": {"behavior": "all"},
            "headers": {"behavior": "whitelist", "names": ["X-Api-Key", "X-Debug", "X-Forwarded-For"]}}"#,
        r#"{"domain": "a.example"}"#,
    );
    let table: [(&str, &[&str], bool, &[&str]); 6] = [
        ("/s?q=influenza", &[], false, &[]),
        ("/s?q=influenza&cb=influenza", &[], false, &[]),
        (
            "/s?q=a&cb=%3Cscript%3E",
            &[],
            false,
            &[
                "%3Cscript%3E",
                "<script>",
                "\\u003cscript\\u003e",
                "&lt;script&gt;",
            ],
        ),
        (
            "/s?q=a",
            &["Cookie: session=abcdef123"],
            true,
            &["abcdef123"],
        ),
        ("/s?q=a", &["X-Api-Key: k-123456"], true, &["k-123456"]),
        (
            "/s?q=a",
            &["X-Debug: trace-42", "X-Forwarded-For: 203.0.113.77"],
            false,
            &["trace-42"],
        ),
    ];
    for (target, lines, credentials, values) in table {
        let list = header_list(lines);
        let plan = plan(&config, &viewer("GET", target, &list));
        assert_eq!(plan.unkeyed.credentials, credentials, "{target} {lines:?}");
        let watched = crate::unkeyed::Watched::of(&plan);
        let seen: Vec<&[u8]> = watched.values().iter().map(Vec::as_slice).collect();
        let want: Vec<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
        assert_eq!(seen, want, "{target} {lines:?}");
    }
}

#[test]
fn a_forwarded_chain_is_unkeyed_and_then_the_viewers_address_is_watched() {
    let config = config_with(
        "{}",
        r#"{"headers": {"behavior": "whitelist", "names": ["X-Forwarded-For"]}}"#,
        r#"{"domain": "a.example"}"#,
    );
    let chain = header_list(&["X-Forwarded-For: 198.51.100.1"]);
    let with_chain = viewer("GET", "/x", &chain).client_ip(Some("203.0.113.9"));
    let plan_with = plan(&config, &with_chain);
    assert!(plan_with.unkeyed.any);
    assert_eq!(
        plan_with.origin_request.header("x-forwarded-for"),
        Some(&b"198.51.100.1, 203.0.113.9"[..])
    );
    let alone = viewer("GET", "/x", &[]).client_ip(Some("203.0.113.9"));
    let plan_alone = plan(&config, &alone);
    assert!(
        !plan_alone.unkeyed.any,
        "the edge's own address is no input"
    );
    let watched = crate::unkeyed::Watched::of(&plan_alone);
    assert!(
        watched.values().is_empty(),
        "with every input keyed, nothing is looked for: not even the address"
    );
    let both = crate::unkeyed::Watched::of(&plan_with);
    assert!(both.values().contains(&b"203.0.113.9".to_vec()));
}

#[test]
fn parameter_names_that_alias_a_keyed_one_are_not_forwarded() {
    let config = config_with(
        r#"{"query_strings": {"behavior": "whitelist", "names": ["Practice_Id", "Keyword"]}}"#,
        r#"{"query_strings": {"behavior": "all"}}"#,
        r#"{"domain": "a.example"}"#,
    );
    let target = "/s?Practice_Id=1&Practice.Id=2&Practice_Id[]=3&Practice%20Id=4&Keyword%5B%5D=x\
        &Keyword[0]=a&Keyword%5Bx%5D=b&%20Keyword=c&+Keyword=d&Keyword%00x=e&utm=y";
    let plan = plan(&config, &viewer("GET", target, &[]));
    assert_eq!(
        plan.origin_request.url,
        "https://a.example/s?Practice_Id=1&utm=y"
    );
}

#[test]
fn underscore_spellings_of_poisoning_headers_are_dropped_too() {
    let config = config_with(
        r#"{"default_ttl": 0}"#,
        r#"{"headers": {"behavior": "all_viewer"}}"#,
        r#"{"domain": "a.example"}"#,
    );
    let list = header_list(&[
        "X-Forwarded_Proto: http",
        "X-Original_URL: /admin",
        "X-Debug: 1",
    ]);
    let plan = plan(&config, &viewer("GET", "/x", &list));
    let names: Vec<&str> = plan
        .origin_request
        .headers
        .iter()
        .map(|(n, _)| n.as_ref())
        .collect();
    assert!(!names.iter().any(|n| n.contains('_')), "{names:?}");
    assert!(names.contains(&"X-Debug"), "{names:?}");
}

#[test]
fn extension_methods_pass_only_where_the_behavior_says_so() {
    let json = |extensions: bool| {
        format!(
            r#"{{"origins": {{"api": {{"domain": "api.example.com"}}}},
            "cache_policies": {{"p": {{}}}},
            "default_behavior": {{"origin": "api", "cache_policy": "p",
                "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                "allow_extension_methods": {extensions}}}}}"#
        )
    };
    let config = Config::from_json(&json(true)).unwrap();
    let plan = |method| match decide_request(&config, &viewer(method, "/dav/a", &[])) {
        RequestDecision::Forward(plan) => Some(plan),
        RequestDecision::Reject(_) => None,
    };
    let propfind = plan("PROPFIND").expect("PROPFIND passes");
    assert_eq!(propfind.origin_request.method_str(), "PROPFIND");
    assert_eq!(propfind.disposition, Disposition::Pass(PassReason::Method));
    assert_eq!(
        plan("M-SEARCH").unwrap().origin_request.method_str(),
        "M-SEARCH"
    );
    for refused in [
        "TRACE",
        "trace",
        "TRACK",
        "CONNECT",
        "PURGE",
        "Ban",
        "get",
        "Post",
        "BAD METHOD",
        "",
        "X\u{e9}",
    ] {
        assert!(plan(refused).is_none(), "{refused:?}");
    }
    assert_eq!(plan("GET").unwrap().origin_request.method_str(), "GET");
    let strict = Config::from_json(&json(false)).unwrap();
    assert!(matches!(
        decide_request(&strict, &viewer("PROPFIND", "/dav/a", &[])),
        RequestDecision::Reject(Rejection::MethodNotAllowed)
    ));
}
