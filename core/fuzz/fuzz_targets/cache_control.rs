//! `Cache-Control` parsing and the response decision (TTL, stale windows,
//! tags, Vary, store or pass), then the flow that stores the response and
//! serves it again later, on arbitrary origin responses.
//!
//! Input, one item per line:
//!
//! ```text
//! STATUS [METHOD TARGET]   the origin's status; the request (default GET /products/1)
//! > Name: value            a request header line (e.g. Authorization)
//! Name: value              a response header line; the value is arbitrary bytes
//! ```
//!
//! Invariants: delta-seconds never exceed 2^31; a parse written back with
//! `Display` parses to the same directives (when the names are tokens);
//! a stored response's TTL stays within the cache policy's limits (unless
//! it is an error or CloudFront's min-TTL override), is usable, and is
//! never stored when `no-store`, `private`, `Set-Cookie`, `Vary: *`, a
//! 206 or a 304 forbids it (min-TTL override aside); a request with
//! credentials is only answered by a response that allows it; the stored
//! head round-trips; every flow report is printable and its log line JSON.

#![no_main]

use edgecache_core::flow::{self, AfterLookup, AfterOrigin, Entry, Found, Start, Write};
use edgecache_core::{
    CacheControl, Config, EntryMeta, Headers, OriginResponse, RequestDecision, ResponseDecision,
    StoredHead, TtlSource, ViewerRequest, decide_request, decide_response,
};
use edgecache_core_fuzz::{
    DEMO, RICH, borrowed, check_finish, header_lines, is_token, lines, text,
};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_700_000_000;
const DELTA_SECONDS_CAP: u64 = 1 << 31;

fuzz_target!(|data: &[u8]| {
    let mut input = lines(data);
    let first = text(input.next().unwrap_or_default()).into_owned();
    let mut words = first.splitn(3, ' ');
    let status = words
        .next()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or(200);
    let method = words.next().unwrap_or("GET");
    let target = words.next().unwrap_or("/products/1");
    let (mut request_lines, mut response_lines) = (Vec::new(), Vec::new());
    for line in input {
        match line.strip_prefix(b">") {
            Some(request) => request_lines.push(request.trim_ascii_start()),
            None => response_lines.push(line),
        }
    }
    let request = header_lines(request_lines.into_iter());
    let response = header_lines(response_lines.into_iter());
    let (request, response) = (borrowed(&request), borrowed(&response));
    let response = Headers::new(&response);

    check_parse(&response);
    let viewer = ViewerRequest::new(method, target)
        .host("edge.example.com")
        .headers(Headers::new(&request))
        .client_ip(Some("192.0.2.1"));
    for config in [&*DEMO, &*RICH] {
        check_decision(config, &viewer, status, &response);
        check_flow(config, &viewer, status, &response);
    }
});

fn check_parse(headers: &Headers<'_>) {
    let cc = CacheControl::parse(headers, "cache-control");
    for d in cc.directives() {
        assert_eq!(
            d.name,
            d.name.to_ascii_lowercase(),
            "directive name not lower-cased"
        );
        if let Some(seconds) = cc.seconds(&d.name) {
            assert!(seconds <= DELTA_SECONDS_CAP, "{}: {seconds}", d.name);
        }
    }
    if cc.directives().iter().all(|d| is_token(&d.name)) {
        let written = cc.to_string();
        let again = CacheControl::parse_str(&written);
        assert_eq!(
            cc, again,
            "Cache-Control written back as {written:?} parses differently"
        );
    }
}

fn check_decision(config: &Config, viewer: &ViewerRequest<'_>, status: u16, headers: &Headers<'_>) {
    let RequestDecision::Forward(plan) = decide_request(config, viewer) else {
        return;
    };
    let response = OriginResponse {
        status,
        headers: *headers,
    };
    let ResponseDecision::Store(decision) = decide_response(config, &plan, &response, NOW) else {
        return;
    };
    let policy = plan.cache_policy;
    let cc = CacheControl::parse(headers, "cache-control");
    let overridden = decision.source == TtlSource::MinTtlOverride;
    match decision.source {
        TtlSource::SMaxAge
        | TtlSource::MaxAge
        | TtlSource::Expires
        | TtlSource::DefaultTtl
        | TtlSource::Targeted
        | TtlSource::Heuristic => {
            assert!(
                (policy.ttl.min..=policy.ttl.max).contains(&decision.ttl),
                "TTL {} ({:?}) outside {:?}",
                decision.ttl,
                decision.source,
                policy.ttl
            );
        }
        TtlSource::MinTtlOverride => {
            assert!(policy.cloudfront_min_ttl_override && policy.ttl.min > 0);
            assert_eq!(decision.ttl, policy.ttl.min);
        }
        // From Cache-Control, or the targeted field that replaced it.
        TtlSource::NoCache => assert!(
            cc.has("no-cache")
                || [
                    "cdn-cache-control",
                    "surrogate-control",
                    "edgecache-cache-control"
                ]
                .iter()
                .any(|field| CacheControl::parse(headers, field).has("no-cache"))
        ),
        TtlSource::ErrorTtl => assert!(status >= 400, "error TTL for {status}"),
    }
    assert!(
        decision.fresh_for() > 0
            || decision.stale_while_revalidate > 0
            || decision.stale_if_error > 0
            || !decision.validators.is_empty(),
        "stored a response no request could use: {decision:?}"
    );
    assert!(
        status >= 200 && status != 206 && status != 304,
        "stored a {status}"
    );
    assert!(
        !headers.list_elements("vary").any(|v| v == "*"),
        "stored a response with Vary: *"
    );
    if cc.has("no-store") || cc.has("private") || headers.contains("set-cookie") {
        assert!(
            overridden && status < 400,
            "stored a restricted response: {decision:?}"
        );
    }
    if decision.strip_set_cookie {
        assert!(overridden, "strips Set-Cookie outside the min-TTL override");
    }
    if plan.credentials {
        assert!(
            decision.shareable_with_credentials,
            "stored for a request with credentials"
        );
    }
    assert_eq!(
        decision.keep_for(),
        decision
            .fresh_for()
            .saturating_add(decision.stale_retention())
    );
    for tag in &decision.tags {
        assert!(
            !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_graphic()),
            "tag {tag:?}"
        );
    }
    let head = StoredHead::new(
        EntryMeta::new(&decision, status, NOW),
        headers,
        decision.strip_set_cookie,
    );
    assert_eq!(
        StoredHead::from_bytes(&head.to_bytes()).ok().as_ref(),
        Some(&head)
    );
    assert_eq!(
        StoredHead::from_header_value(&head.to_header_value())
            .ok()
            .as_ref(),
        Some(&head)
    );
    if decision.strip_set_cookie {
        assert!(
            !head
                .headers()
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        );
    }
}

/// A miss filled with the response, then the same request later: fresh,
/// stale and long gone.
fn check_flow(config: &Config, viewer: &ViewerRequest<'_>, status: u16, headers: &Headers<'_>) {
    let Start::Lookup(lookup) = flow::start(config, viewer, NOW) else {
        return;
    };
    let AfterLookup::Fetch(fetch) = lookup.found(Found::Nothing, Write::Held) else {
        panic!("a miss holding the write does not fetch");
    };
    let response = OriginResponse {
        status,
        headers: *headers,
    };
    let store = match fetch.answered(response) {
        AfterOrigin::Store(store) => store,
        AfterOrigin::Forward { finish, .. } => return check_finish(&finish, status),
        other => panic!("a fill gave {other:?}"),
    };
    check_finish(store.serve.finish(), status);
    let entry = &store.entry;
    assert_eq!(
        entry.keep_for,
        entry.fresh_for.saturating_add(entry.stale_for)
    );
    for key in &entry.purge_keys {
        assert!(
            !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic()),
            "purge key {key:?}"
        );
    }
    for later in [
        0,
        entry.fresh_for,
        entry.fresh_for.saturating_add(1),
        entry.keep_for,
        u32::MAX.into(),
    ] {
        let Start::Lookup(lookup) = flow::start(config, viewer, NOW.saturating_add(later)) else {
            panic!("the same request no longer looks up");
        };
        let found = Found::Entry(Entry::new(entry.head.clone()));
        match lookup.found(found, Write::Held) {
            AfterLookup::Serve(serve) => {
                check_finish(serve.finish(), status);
                let _ = serve.reply(entry.length);
            }
            AfterLookup::ServeStale(serve, refresh) => {
                check_finish(serve.finish(), status);
                let _ = refresh.fetch().request();
            }
            AfterLookup::Fetch(fetch) => {
                let _ = fetch.request();
            }
            AfterLookup::Claim(_) | AfterLookup::Wait(_) => {
                panic!("a claim or a wait though the write is held")
            }
        }
    }
}
