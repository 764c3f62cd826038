//! The configuration loader on arbitrary text (invalid UTF-8 is replaced).
//!
//! Invariants: loading never panics; an error lists at least one problem;
//! a configuration that loads
//! - prints (`Config::normalized_document`, what `edgecache check --print`
//!   shows) as JSON that loads again to the same normalized form;
//! - reads back from its precompiled form (binary and store text) the same;
//! - holds only origins a request can be built for: domains, ports, custom
//!   headers and Host values that are valid on the wire;
//! - decides a few plain requests into an absolute http(s) URL and a
//!   printable cache key.

#![no_main]

use edgecache_core::config_rejected;
use edgecache_core::{Config, HeaderPair, Headers, RequestDecision, ViewerRequest, decide_request};
use edgecache_core::{Error, schema::RawConfig};
use edgecache_core_fuzz::{
    check_plan, is_field_value, is_printable, is_token, text, with_precompiled,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let json = text(data);
    match Config::from_json(&json) {
        Ok(config) => {
            check_printed(&json);
            check_precompiled(&config);
            check_config(&config);
        }
        Err(error) => check_error(&error),
    }
});

fn check_error(error: &Error) {
    assert!(
        !error.config_errors().is_empty(),
        "a configuration refused without a problem: {error}"
    );
    // The log line a platform writes when it refuses a configuration.
    let log = config_rejected("fuzz", error, "instead");
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&log) {
        panic!("config_rejected log line is not JSON ({e}): {log:?}");
    }
}

fn check_config(config: &Config) {
    for origin in config.origins() {
        assert!(
            !origin.domain.is_empty() && origin.domain.bytes().all(|b| b.is_ascii_graphic()),
            "origin domain {:?}",
            origin.domain
        );
        assert!(
            origin.http_port != 0 && origin.https_port != 0,
            "port 0 accepted"
        );
        assert!(
            origin.path.is_empty() || origin.path.starts_with('/'),
            "origin path {:?}",
            origin.path
        );
        for (name, value) in &origin.custom_headers {
            assert!(is_token(name), "custom header name {name:?}");
            assert!(
                is_field_value(value.as_bytes()),
                "custom header value {value:?}"
            );
        }
    }
    assert!(config.invalidation_path().starts_with('/'));
    let list: [HeaderPair<'_>; 3] = [
        ("host", b"edge.example.com"),
        ("accept-encoding", b"gzip, br"),
        ("cookie", b"session=1; lang=en"),
    ];
    for target in ["/", "/a/b?x=1&y=2", "/static/app.js", "/.edgecache/purge"] {
        for method in ["GET", "OPTIONS", "POST"] {
            let viewer = ViewerRequest::new(method, target)
                .host("edge.example.com")
                .headers(Headers::new(&list))
                .client_ip(Some("192.0.2.1"));
            if let RequestDecision::Forward(plan) = decide_request(config, &viewer) {
                check_plan(&plan, true);
                // The Host an origin receives is a valid field value too.
                let host = plan.origin_request.header("host").unwrap_or_default();
                assert!(is_printable(&text(host)), "origin Host {:?}", text(host));
            }
        }
    }
}

/// The normalized form printed as JSON loads again, and gives the same
/// normalized form.
fn check_printed(json: &str) {
    let form: RawConfig = Config::normalized_document(json).expect("a valid document normalizes");
    let printed = serde_json::to_string(&form).expect("a configuration serializes");
    let again = Config::normalized_document(&printed)
        .unwrap_or_else(|e| panic!("the normalized form does not load again: {e}\n{printed}"));
    assert_eq!(form, again, "the normalized form changes when loaded again");
}

/// The precompiled form, binary or text, reads back the same.
fn check_precompiled(config: &Config) {
    let expected = format!("{config:?}");
    with_precompiled(&config.to_precompiled(), |again| {
        let again = again.unwrap_or_else(|e| panic!("the precompiled form is refused: {e}"));
        assert_eq!(
            format!("{again:?}"),
            expected,
            "the precompiled form differs"
        );
    });
    let text = config.to_precompiled_text();
    assert!(text.is_ascii() && !text.contains(['\n', '"']));
}
