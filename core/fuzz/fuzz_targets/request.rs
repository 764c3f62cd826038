//! The request decision and the first step of the flow, on arbitrary
//! requests, against `config/demo.json` and a configuration that keys and
//! forwards headers, cookies and the Host.
//!
//! Input, one item per line:
//!
//! ```text
//! METHOD TARGET          the target is the rest of the line (spaces too)
//! @http                  optional: the viewer used plain HTTP (else HTTPS)
//! @body                  optional: the request has a body
//! @ip 192.0.2.1          optional: the viewer's address
//! Name: value            header lines; the value is arbitrary bytes
//! ```
//!
//! The viewer's Host is the first `Host` line's value (else none).
//!
//! Invariants: a Forward plan's cache key is printable ASCII without `"`
//! or `\`, its hash 64 hex digits; the origin URL is an absolute http(s)
//! URL of printable ASCII; Host is the first origin header; when the
//! request could come from a platform (token names, no CR/LF/NUL in
//! values), so could the origin request; `flow::start` agrees with
//! `decide_request`; every report is printable and its log line JSON.

#![no_main]

use edgecache_core::flow::{self, AfterLookup, AfterOrigin, Found, Start, Write};
use edgecache_core::{
    Config, Disposition, Headers, OriginResponse, RequestDecision, Scheme, ViewerRequest,
    decide_request,
};
use edgecache_core_fuzz::{
    DEMO, RICH, borrowed, check_finish, check_key, check_origin_request, check_plan, header_lines,
    is_wire_valid, lines, text,
};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let mut input = lines(data);
    let first = text(input.next().unwrap_or_default()).into_owned();
    let (method, target) = first.split_once(' ').unwrap_or((&first, "/"));
    let mut scheme = Scheme::Https;
    let mut body = false;
    let mut client_ip = None;
    let mut rest = Vec::new();
    for line in input {
        match line.strip_prefix(b"@") {
            Some(b"http") => scheme = Scheme::Http,
            Some(b"body") => body = true,
            Some(flag) if flag.starts_with(b"ip ") => {
                client_ip = Some(text(&flag[3..]).into_owned())
            }
            _ => rest.push(line),
        }
    }
    let owned = header_lines(rest.into_iter());
    let list = borrowed(&owned);
    let headers = Headers::new(&list);
    let host = headers.get("host").map(text).unwrap_or_default();
    let viewer = ViewerRequest::new(method, target)
        .scheme(scheme)
        .host(&host)
        .headers(headers)
        .body(body)
        .client_ip(client_ip.as_deref());
    for config in [&*DEMO, &*RICH] {
        check(config, &viewer);
    }
});

fn check(config: &Config, viewer: &ViewerRequest<'_>) {
    let wire_valid = is_wire_valid(viewer);
    let decision = decide_request(config, viewer);
    if let RequestDecision::Forward(plan) = &decision {
        check_plan(plan, wire_valid);
    }
    match (flow::start(config, viewer, NOW), &decision) {
        (Start::Respond(reply), RequestDecision::Reject(rejection)) => {
            assert_eq!(reply.status, rejection.status());
            assert!(
                (400..500).contains(&reply.status),
                "rejected with {}",
                reply.status
            );
            check_finish(&reply.finish, reply.status);
        }
        (Start::Pass(pass), RequestDecision::Forward(plan)) => {
            assert_eq!(Disposition::Pass(pass.reason()), plan.disposition);
            assert_eq!(pass.request().url, plan.origin_request.url);
            check_finish(&pass.answered(200), 200);
        }
        (Start::Lookup(lookup), RequestDecision::Forward(plan)) => {
            assert_eq!(Disposition::Lookup(lookup.key().clone()), plan.disposition);
            check_key(lookup.key());
            // A miss that the origin fills with a plain 200.
            let AfterLookup::Fetch(fetch) = lookup.found(Found::Nothing, Write::Held) else {
                panic!("a miss holding the write does not fetch");
            };
            let request = fetch.request();
            assert_eq!(request.url, plan.origin_request.url);
            check_origin_request(&request, wire_valid);
            let response = [
                ("content-length", b"5".as_slice()),
                ("cache-control", b"max-age=60"),
            ];
            let response = OriginResponse {
                status: 200,
                headers: Headers::new(&response),
            };
            match fetch.answered(response) {
                AfterOrigin::Store(store) => {
                    check_finish(store.serve.finish(), 200);
                    let reply = store.serve.reply(Some(5));
                    assert!(matches!(reply.status, 200 | 206 | 416), "{}", reply.status);
                }
                AfterOrigin::Forward { finish, .. } => check_finish(&finish, 200),
                other => panic!("a fill answered with 200 gave {other:?}"),
            }
        }
        (start, decision) => panic!(
            "flow::start and decide_request disagree: {} vs {decision:?}",
            match start {
                Start::Respond(_) => "respond",
                Start::Pass(_) => "pass",
                Start::Lookup(_) => "lookup",
            }
        ),
    }
}
