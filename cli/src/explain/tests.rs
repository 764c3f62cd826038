use super::*;

fn config() -> Config {
    Config::from_json(include_str!("../../../config/demo.json")).unwrap()
}

#[test]
fn splits_urls_into_scheme_host_and_target() {
    let table = [
        (
            "https://api.example.com/a?b=1",
            (Scheme::Https, "api.example.com", "/a?b=1"),
        ),
        (
            "http://api.example.com:8080",
            (Scheme::Http, "api.example.com:8080", "/"),
        ),
        ("https://h?x=1#frag", (Scheme::Https, "h", "/?x=1")),
        (
            "/search/pcp?Keyword=flu",
            (Scheme::Https, "localhost", "/search/pcp?Keyword=flu"),
        ),
    ];
    for (url, (scheme, host, target)) in table {
        let got = split_url(url).unwrap();
        assert_eq!(got, (scheme, host.to_string(), target.to_string()), "{url}");
    }
    for bad in [
        "ftp://x/",
        "https:///a",
        "https://user@h/",
        "api.example.com/a",
    ] {
        assert!(split_url(bad).is_err(), "{bad}");
    }
}

#[test]
fn reads_status_lines_and_header_lines() {
    assert_eq!(parse_status(None).unwrap(), 200);
    assert_eq!(parse_status(Some("HTTP/1.1 404 Not Found")).unwrap(), 404);
    assert_eq!(parse_status(Some("503")).unwrap(), 503);
    for bad in ["HTTP/1.1", "HTTP/1.1 abc", "99", "600"] {
        assert!(parse_status(Some(bad)).is_err(), "{bad}");
    }
    let lines = [
        "Cache-Control: max-age=1".to_string(),
        "X-Empty:".to_string(),
    ];
    assert_eq!(
        parse_header_lines(&lines, "-R").unwrap(),
        [
            ("Cache-Control".to_string(), "max-age=1".to_string()),
            ("X-Empty".to_string(), String::new())
        ]
    );
    for bad in ["no colon", ": value", "Bad Name: x"] {
        assert!(
            parse_header_lines(&[bad.to_string()], "-H").is_err(),
            "{bad}"
        );
    }
}

#[test]
fn says_why_a_pattern_missed() {
    let pattern = |p: &str| edgecache_core::PathPattern::compile(p).unwrap();
    let table = [
        ("/media/*", "/Media/a.mp3", "patterns are case-sensitive"),
        ("/search/pcp/*", "/search/pcp", "with a trailing /"),
        ("/search/pcp", "/search/pcp/", "without its trailing /"),
        ("/media/*", "/search", "does not match \"/search\""),
    ];
    for (p, path, why) in table {
        let said = mismatch(&pattern(p), path);
        assert!(said.contains(why), "{p} {path}: {said}");
    }
}

#[test]
fn accepts_unix_seconds_or_an_http_date_for_now() {
    assert_eq!(parse_now(Some("1795305600")).unwrap(), 1_795_305_600);
    assert_eq!(
        parse_now(Some("Sun, 22 Nov 2026 00:00:00 GMT")).unwrap(),
        1_795_305_600
    );
    assert!(parse_now(Some("tomorrow")).is_err());
}

#[test]
fn a_request_core_rejects_is_explained_with_its_status() {
    let input = Input {
        method: "DELETE".into(),
        url: "https://api.example.com/media/a.mp3".into(),
        headers: Vec::new(),
        response: None,
        response_headers: Vec::new(),
        now: 0,
    };
    let explanation = explain(&config(), &input).unwrap();
    let rejected = explanation.rejected.as_ref().unwrap();
    assert_eq!(
        (rejected.status, rejected.reason),
        (403, "method-not-allowed")
    );
    assert_eq!(
        explanation.cache_status,
        "edgecache; detail=\"method-not-allowed\""
    );
    assert!(explanation.decision.is_none());
}

#[test]
fn the_invalidation_path_is_named_as_such() {
    let input = Input {
        method: "POST".into(),
        url: "/.edgecache/purge".into(),
        headers: Vec::new(),
        response: None,
        response_headers: Vec::new(),
        now: 0,
    };
    let explanation = explain(&config(), &input).unwrap();
    assert!(explanation.invalidation_api);
    assert!(explanation.text().contains("invalidation API"));
}
