use super::*;
use crate::test_support::{config_with, demo_config, header_list, plan, viewer};

const ORIGIN: &str = r#"{"domain": "a.example"}"#;

/// A compact view of a decision, for tables.
#[derive(Debug, PartialEq, Eq)]
enum Got {
    /// ttl, stale-while-revalidate, stale-if-error, source
    Store(u64, u64, u64, TtlSource),
    Pass(PassReason),
}

fn decide(
    config: &Config,
    request_lines: &[&str],
    status: u16,
    response_lines: &[&str],
) -> ResponseDecision {
    let request_list = header_list(request_lines);
    let plan = plan(config, &viewer("GET", "/p", &request_list));
    let response_list = header_list(response_lines);
    let response = OriginResponse {
        status,
        headers: Headers::new(&response_list),
    };
    decide_response(config, &plan, &response, 1_700_000_000)
}

fn got(decision: ResponseDecision) -> Got {
    match decision {
        ResponseDecision::Store(s) => {
            Got::Store(s.ttl, s.stale_while_revalidate, s.stale_if_error, s.source)
        }
        ResponseDecision::Pass(reason) => Got::Pass(reason),
    }
}

/// (policy, request headers, status, response headers, decision).
type Row<'a> = (&'a str, &'a [&'a str], u16, &'a [&'a str], Got);

fn check(rows: &[Row<'_>]) {
    for (i, (policy, request, status, response, want)) in rows.iter().enumerate() {
        let config = config_with(policy, "{}", ORIGIN);
        let decision = got(decide(&config, request, *status, response));
        assert_eq!(
            decision, *want,
            "row {i}: {policy} {request:?} {status} {response:?}"
        );
    }
}

use Got::{Pass, Store};
use PassReason as R;
use TtlSource as S;

#[test]
fn stores_successful_responses_by_cloudfronts_ttl_rules() {
    check(&[
        (
            "{}",
            &[],
            200,
            &["Cache-Control: max-age=60"],
            Store(60, 0, 0, S::MaxAge),
        ),
        ("{}", &[], 200, &[], Store(86400, 0, 0, S::DefaultTtl)),
        (
            "{}",
            &[],
            200,
            &["Cache-Control: public"],
            Store(86400, 0, 0, S::DefaultTtl),
        ),
        (
            "{}",
            &[],
            200,
            &["Cache-Control: max-age=10, s-maxage=100"],
            Store(100, 0, 0, S::SMaxAge),
        ),
        (
            r#"{"min_ttl": 30}"#,
            &[],
            200,
            &["Cache-Control: max-age=5"],
            Store(30, 0, 0, S::MaxAge),
        ),
        (
            r#"{"default_ttl": 600, "max_ttl": 3600}"#,
            &[],
            200,
            &["Cache-Control: max-age=7200"],
            Store(3600, 0, 0, S::MaxAge),
        ),
        ("{}", &[], 204, &[], Store(86400, 0, 0, S::DefaultTtl)),
        ("{}", &[], 301, &[], Store(86400, 0, 0, S::DefaultTtl)),
        (
            "{}",
            &[],
            302,
            &["Cache-Control: max-age=60"],
            Store(60, 0, 0, S::MaxAge),
        ),
    ]);
}

#[test]
fn never_shares_private_responses_by_default() {
    check(&[
        (
            "{}",
            &[],
            200,
            &["Cache-Control: no-store, max-age=60"],
            Pass(R::NoStore),
        ),
        (
            "{}",
            &[],
            200,
            &["Cache-Control: private, max-age=60"],
            Pass(R::Private),
        ),
        (
            "{}",
            &[],
            200,
            &["Cache-Control: private=\"x-user\""],
            Pass(R::Private),
        ),
        (
            "{}",
            &[],
            200,
            &["Cache-Control: max-age=60", "Set-Cookie: s=1"],
            Pass(R::SetCookie),
        ),
        // CloudFront would store these for MinTTL; edgecache does not unless asked.
        (
            r#"{"min_ttl": 5}"#,
            &[],
            200,
            &["Cache-Control: private"],
            Pass(R::Private),
        ),
        (
            r#"{"min_ttl": 5}"#,
            &[],
            404,
            &["Set-Cookie: s=1"],
            Pass(R::SetCookie),
        ),
    ]);
}

#[test]
fn applies_cloudfronts_min_ttl_override_only_when_opted_in() {
    let on = r#"{"min_ttl": 5, "cloudfront_min_ttl_override": true}"#;
    check(&[
        (
            on,
            &[],
            200,
            &["Cache-Control: no-cache"],
            Store(5, 0, 0, S::MinTtlOverride),
        ),
        (
            on,
            &[],
            200,
            &["Cache-Control: no-store"],
            Store(5, 0, 0, S::MinTtlOverride),
        ),
        (
            on,
            &[],
            200,
            &["Cache-Control: private"],
            Store(5, 0, 0, S::MinTtlOverride),
        ),
        (
            on,
            &[],
            200,
            &["Cache-Control: max-age=600"],
            Store(600, 0, 0, S::MaxAge),
        ),
        // Older than MinTTL on arrival, with no validator: no request
        // could use it.
        (
            on,
            &[],
            200,
            &["Cache-Control: private", "Age: 120"],
            Pass(R::ZeroTtl),
        ),
        // With MinTTL 0 the override has nothing to override.
        (
            r#"{"cloudfront_min_ttl_override": true}"#,
            &[],
            200,
            &["Cache-Control: private"],
            Pass(R::Private),
        ),
    ]);
    let config = config_with(on, "{}", ORIGIN);
    let ResponseDecision::Store(s) = decide(&config, &[], 200, &["Set-Cookie: s=1"]) else {
        panic!("not stored")
    };
    assert!(s.strip_set_cookie);
}

#[test]
fn revalidates_no_cache_and_expired_responses_only_with_validators() {
    check(&[
        (
            "{}",
            &[],
            200,
            &["Cache-Control: no-cache", "ETag: \"v1\""],
            Store(0, 0, 0, S::NoCache),
        ),
        (
            "{}",
            &[],
            200,
            &[
                "Cache-Control: no-cache, stale-while-revalidate=60",
                "ETag: \"v1\"",
            ],
            Store(0, 0, 0, S::NoCache),
        ),
        (
            "{}",
            &[],
            200,
            &["Cache-Control: no-cache"],
            Pass(R::NoCache),
        ),
        (
            "{}",
            &[],
            200,
            &["Cache-Control: max-age=0"],
            Pass(R::ZeroTtl),
        ),
        (
            "{}",
            &[],
            200,
            &[
                "Cache-Control: max-age=0",
                "Last-Modified: Tue, 14 Nov 2023 00:00:00 GMT",
            ],
            Store(0, 0, 0, S::MaxAge),
        ),
        (
            "{}",
            &[],
            200,
            &["Cache-Control: max-age=0, stale-while-revalidate=30"],
            Store(0, 30, 0, S::MaxAge),
        ),
        (
            "{}",
            &[],
            200,
            &["Cache-Control: max-age=60", "Age: 100"],
            Pass(R::ZeroTtl),
        ),
    ]);
}

/// With min TTL 0 and default TTL 0, the result is what RFC 9111 asks of
/// a shared cache.
#[test]
fn behaves_as_rfc_9111_with_zero_min_and_default_ttl() {
    let rfc = r#"{"min_ttl": 0, "default_ttl": 0}"#;
    check(&[
        // No explicit freshness and no heuristic: not reusable without validation.
        (rfc, &[], 200, &[], Pass(R::ZeroTtl)),
        (
            rfc,
            &[],
            200,
            &["ETag: \"a\""],
            Store(0, 0, 0, S::DefaultTtl),
        ),
        // 5.2.2.4 no-cache: store, revalidate on every use.
        (
            rfc,
            &[],
            200,
            &["Cache-Control: no-cache", "ETag: \"a\""],
            Store(0, 0, 0, S::NoCache),
        ),
        // 5.2.2.2 must-revalidate: fresh as stated, never stale.
        (
            rfc,
            &[],
            200,
            &["Cache-Control: max-age=60, must-revalidate, stale-if-error=60"],
            Store(60, 0, 0, S::MaxAge),
        ),
        // 5.2.2.8 proxy-revalidate, and 5.2.2.10 s-maxage implying it: no default stale window.
        (
            r#"{"default_ttl": 0, "stale_if_error": 300}"#,
            &[],
            200,
            &["Cache-Control: s-maxage=60"],
            Store(60, 0, 0, S::SMaxAge),
        ),
        (
            r#"{"default_ttl": 0, "stale_if_error": 300}"#,
            &[],
            200,
            &["Cache-Control: max-age=60, proxy-revalidate"],
            Store(60, 0, 0, S::MaxAge),
        ),
        // ... but the origin's own explicit window next to s-maxage is honoured.
        (
            rfc,
            &[],
            200,
            &["Cache-Control: s-maxage=60, stale-while-revalidate=30"],
            Store(60, 30, 0, S::SMaxAge),
        ),
        // 4.1 Vary: * never matches.
        (
            rfc,
            &[],
            200,
            &["Cache-Control: max-age=60", "Vary: *"],
            Pass(R::VaryStar),
        ),
        // 3: 206 and 304 are not stored as responses.
        (
            rfc,
            &[],
            206,
            &["Cache-Control: max-age=60"],
            Pass(R::Status),
        ),
        (
            rfc,
            &[],
            304,
            &["Cache-Control: max-age=60"],
            Pass(R::Status),
        ),
        // Statuses that are not heuristically cacheable need explicit freshness.
        (rfc, &[], 201, &[], Pass(R::Status)),
        (rfc, &[], 302, &[], Pass(R::Status)),
    ]);
}

#[test]
fn takes_stale_windows_from_the_origin_or_the_policy() {
    let defaults = r#"{"stale_while_revalidate": 10, "stale_if_error": 20}"#;
    check(&[
        (
            defaults,
            &[],
            200,
            &["Cache-Control: max-age=60"],
            Store(60, 10, 20, S::MaxAge),
        ),
        (
            defaults,
            &[],
            200,
            &["Cache-Control: max-age=60, stale-while-revalidate=1, stale-if-error=2"],
            Store(60, 1, 2, S::MaxAge),
        ),
        (
            defaults,
            &[],
            200,
            &["Cache-Control: max-age=60, must-revalidate"],
            Store(60, 0, 0, S::MaxAge),
        ),
    ]);
}

#[test]
fn caches_errors_by_cloudfronts_error_rules() {
    check(&[
        ("{}", &[], 404, &[], Store(10, 0, 0, S::ErrorTtl)),
        (
            "{}",
            &[],
            500,
            &["Cache-Control: max-age=120"],
            Store(120, 0, 0, S::ErrorTtl),
        ),
        ("{}", &[], 403, &[], Pass(R::Status)),
        (
            "{}",
            &[],
            403,
            &["Cache-Control: max-age=60"],
            Store(60, 0, 0, S::ErrorTtl),
        ),
        (
            "{}",
            &[],
            401,
            &["Cache-Control: max-age=60"],
            Pass(R::Status),
        ),
        (
            "{}",
            &[],
            503,
            &["Cache-Control: no-store"],
            Pass(R::NoStore),
        ),
    ]);
    let demo = demo_config();
    let list = header_list(&[]);
    let plan = plan(&demo, &viewer("GET", "/products/1", &list));
    let response = OriginResponse {
        status: 503,
        headers: Headers::default(),
    };
    assert_eq!(
        got(decide_response(&demo, &plan, &response, 0)),
        Store(5, 0, 0, S::ErrorTtl)
    );
    let response = OriginResponse {
        status: 404,
        headers: Headers::default(),
    };
    assert_eq!(
        got(decide_response(&demo, &plan, &response, 0)),
        Store(10, 0, 0, S::ErrorTtl)
    );
}

/// RFC 9111 section 3.5: a response to a request with credentials is
/// shared only when it says so.
#[test]
fn stores_responses_to_authorized_requests_only_when_allowed() {
    let auth: &[&str] = &["Authorization: Bearer t"];
    check(&[
        (
            "{}",
            auth,
            200,
            &["Cache-Control: max-age=60"],
            Pass(R::Authorization),
        ),
        ("{}", auth, 200, &[], Pass(R::Authorization)),
        (
            "{}",
            auth,
            200,
            &["Cache-Control: public, max-age=60"],
            Store(60, 0, 0, S::MaxAge),
        ),
        (
            "{}",
            auth,
            200,
            &["Cache-Control: s-maxage=60"],
            Store(60, 0, 0, S::SMaxAge),
        ),
        (
            "{}",
            auth,
            200,
            &["Cache-Control: max-age=60, must-revalidate"],
            Store(60, 0, 0, S::MaxAge),
        ),
        (
            r#"{"min_ttl": 5, "cloudfront_min_ttl_override": true}"#,
            auth,
            200,
            &["Cache-Control: private"],
            Pass(R::Authorization),
        ),
    ]);
}

#[test]
fn passes_what_the_request_already_passed() {
    let config = demo_config();
    let plan = plan(&config, &viewer("POST", "/orders", &[]));
    let response = OriginResponse {
        status: 200,
        headers: Headers::default(),
    };
    assert_eq!(
        decide_response(&config, &plan, &response, 0),
        ResponseDecision::Pass(R::Method)
    );
}

#[test]
fn records_age_tags_validators_and_vary() {
    let config = demo_config();
    let request = header_list(&["Accept-Encoding: gzip, br", "User-Agent: curl"]);
    let plan = plan(&config, &viewer("GET", "/media/a.mp3", &request));
    let response = header_list(&[
        "Cache-Control: max-age=3600",
        "Age: 100",
        "ETag: \"v1\"",
        "Surrogate-Key: media song-7",
        "Vary: Accept-Encoding, User-Agent",
    ]);
    let response = OriginResponse {
        status: 200,
        headers: Headers::new(&response),
    };
    let ResponseDecision::Store(s) = decide_response(&config, &plan, &response, 0) else {
        panic!("not stored")
    };
    // media's min TTL is 86400: max-age=3600 is raised to it.
    assert_eq!((s.ttl, s.initial_age, s.fresh_for()), (86400, 100, 86300));
    assert_eq!(s.keep_for(), 86300 + 604800);
    assert_eq!(s.stale_retention(), 604800);
    assert_eq!(s.tags, ["media", "song-7"]);
    assert_eq!(s.validators.etag.as_deref(), Some("\"v1\""));
    // User-Agent never reaches the origin, so it cannot select the response.
    assert_eq!(
        s.vary.headers,
        [("accept-encoding".to_string(), Some("br,gzip".to_string()))]
    );
}

/// `no-cache` does not make a status storable that RFC 9111 section 3
/// would not store: a 401, 403, 201 or 302 with a validator still passes.
#[test]
fn no_cache_does_not_make_uncacheable_statuses_storable() {
    let etag = "ETag: \"a\"";
    check(&[
        (
            "{}",
            &[],
            401,
            &["Cache-Control: no-cache", etag],
            Pass(R::Status),
        ),
        (
            "{}",
            &[],
            403,
            &["Cache-Control: no-cache", etag],
            Pass(R::Status),
        ),
        (
            "{}",
            &[],
            201,
            &["Cache-Control: no-cache", etag],
            Pass(R::Status),
        ),
        (
            "{}",
            &[],
            302,
            &["Cache-Control: no-cache", etag],
            Pass(R::Status),
        ),
        (
            "{}",
            &[],
            404,
            &["Cache-Control: no-cache", etag],
            Pass(R::NoCache),
        ),
        (
            "{}",
            &[],
            302,
            &["Cache-Control: no-cache, max-age=60", etag],
            Store(0, 0, 0, S::NoCache),
        ),
        // The min-TTL override never stores an error either.
        (
            r#"{"min_ttl": 5, "cloudfront_min_ttl_override": true}"#,
            &[],
            401,
            &["Cache-Control: private"],
            Pass(R::Private),
        ),
    ]);
}

/// Guards against cache poisoning by unkeyed inputs: a 414 or 500 provoked
/// by `?Keyword=flu&junk=<8 KB>` must not take the clean `?Keyword=flu`
/// entry down for the error TTL.
#[test]
fn does_not_store_errors_provoked_by_unkeyed_inputs() {
    let config = demo_config();
    let decide_at = |target: &str, status| {
        let plan = plan(&config, &viewer("GET", target, &[]));
        let response = OriginResponse {
            status,
            headers: Headers::default(),
        };
        got(decide_response(&config, &plan, &response, 0))
    };
    assert_eq!(
        decide_at("/search/pcp?Keyword=flu&junk=1", 500),
        Pass(R::ErrorFromUnkeyedInput)
    );
    assert_eq!(
        decide_at("/search/pcp?Keyword=flu&junk=1", 414),
        Pass(R::ErrorFromUnkeyedInput)
    );
    assert_eq!(
        decide_at("/search/pcp?Keyword=flu", 500),
        Store(10, 0, 0, S::ErrorTtl)
    );
    // Success responses are what "forward all, key on a whitelist" is for.
    assert_eq!(
        decide_at("/search/pcp?Keyword=flu&junk=1", 200),
        Store(31536000, 0, 86400, S::DefaultTtl)
    );
}

#[test]
fn keeps_revalidatable_objects_a_day_after_they_go_stale() {
    let config = config_with("{}", "{}", ORIGIN);
    let keep = |lines: &[&str]| match decide(&config, &[], 200, lines) {
        ResponseDecision::Store(s) => (s.stale_retention(), s.keep_for()),
        ResponseDecision::Pass(r) => panic!("passed: {r}"),
    };
    assert_eq!(keep(&["Cache-Control: max-age=60"]), (0, 60));
    assert_eq!(
        keep(&["Cache-Control: max-age=60", "ETag: \"a\""]),
        (86400, 86460)
    );
    assert_eq!(
        keep(&[
            "Cache-Control: max-age=60, stale-if-error=100000",
            "ETag: \"a\""
        ]),
        (100000, 100060)
    );
}

#[test]
fn targeted_fields_replace_cache_control_for_the_edge() {
    const RFC: &str = r#"{"min_ttl": 0, "default_ttl": 0, "max_ttl": 31536000}"#;
    const NONE: &str =
        r#"{"min_ttl": 0, "default_ttl": 0, "max_ttl": 31536000, "targeted_cache_control": []}"#;
    const OURS_FIRST: &str = r#"{"min_ttl": 0, "default_ttl": 0, "max_ttl": 31536000,
        "targeted_cache_control": ["Edgecache-Cache-Control", "CDN-Cache-Control"]}"#;
    check(&[
        // RFC 9213 section 2.1: the targeted field decides, Cache-Control
        // (and Expires) are ignored.
        (
            RFC,
            &[],
            200,
            &[
                "Cache-Control: max-age=60",
                "CDN-Cache-Control: max-age=86400",
            ],
            Store(86_400, 0, 0, S::Targeted),
        ),
        (
            RFC,
            &[],
            200,
            &["Cache-Control: max-age=600", "CDN-Cache-Control: no-store"],
            Pass(R::NoStore),
        ),
        (
            RFC,
            &[],
            200,
            &["Cache-Control: private", "CDN-Cache-Control: max-age=30"],
            Store(30, 0, 0, S::Targeted),
        ),
        (
            RFC,
            &[],
            200,
            &[
                "Expires: Thu, 01 Jan 2099 00:00:00 GMT",
                "CDN-Cache-Control: max-age=5",
            ],
            Store(5, 0, 0, S::Targeted),
        ),
        // The first present field in the policy's order wins.
        (
            RFC,
            &[],
            200,
            &[
                "Surrogate-Control: max-age=30",
                "CDN-Cache-Control: max-age=40",
            ],
            Store(40, 0, 0, S::Targeted),
        ),
        (
            OURS_FIRST,
            &[],
            200,
            &[
                "Edgecache-Cache-Control: max-age=7",
                "CDN-Cache-Control: max-age=40",
            ],
            Store(7, 0, 0, S::Targeted),
        ),
        // A field with no directive a cache acts on is no field.
        (
            RFC,
            &[],
            200,
            &[
                "Cache-Control: max-age=60",
                "Surrogate-Control: content=\"ESI/1.0\"",
            ],
            Store(60, 0, 0, S::MaxAge),
        ),
        // Surrogate-Control never overrules the origin's private/no-store.
        (
            RFC,
            &[],
            200,
            &[
                "Cache-Control: private, no-store",
                "Surrogate-Control: max-age=30",
            ],
            Pass(R::NoStore),
        ),
        // An empty field is no field.
        (
            RFC,
            &[],
            200,
            &["Cache-Control: max-age=60", "CDN-Cache-Control: "],
            Store(60, 0, 0, S::MaxAge),
        ),
        // Turned off: Cache-Control decides.
        (
            NONE,
            &[],
            200,
            &[
                "Cache-Control: max-age=60",
                "CDN-Cache-Control: max-age=86400",
            ],
            Store(60, 0, 0, S::MaxAge),
        ),
        // CloudFront's clamping still applies.
        (
            r#"{"min_ttl": 0, "default_ttl": 0, "max_ttl": 100}"#,
            &[],
            200,
            &["CDN-Cache-Control: max-age=86400"],
            Store(100, 0, 0, S::Targeted),
        ),
    ]);
}
