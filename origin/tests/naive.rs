//! The naive framework the attack suite puts behind the edge: what it
//! reflects, which proxy headers it trusts, how it reads parameter names
//! and how loosely it routes, over real HTTP on loopback.

// A panic in a helper is a failed test, as in a test (clippy.toml allows
// unwrap and expect in tests; helpers here are test code too).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::time::Duration;

use demo_origin::{Options, RunningOrigin, start};
use ureq::Agent;

fn origin() -> RunningOrigin {
    let options = Options {
        search_delay: Duration::from_millis(1),
        hang: Duration::from_millis(300),
    };
    start("127.0.0.1:0", options).expect("origin starts")
}

struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

/// A GET that follows no redirect.
fn get(origin: &RunningOrigin, target: &str, headers: &[(&str, &str)]) -> Got {
    let agent: Agent = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut request = agent.get(format!("{}{target}", origin.url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.call().expect("request");
    Got {
        status: response.status().as_u16(),
        headers: response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect(),
        body: response.body_mut().read_to_string().expect("body"),
    }
}

/// A GET of `target` exactly as written (a backslash, say), on a
/// connection of its own; the answer's status line and body.
fn raw_get(origin: &RunningOrigin, target: &str, cookie: &str) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(origin.addr()).expect("connects");
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: o\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("writes");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("reads");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head");
    let status = head.lines().next().unwrap_or_default().to_string();
    (status, body.to_string())
}

#[test]
fn search_reflects_the_query_it_is_sent() {
    let origin = origin();
    let payload = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let page = get(
        &origin,
        &format!("/naive/search?Keyword=flu&utm_content={payload}"),
        &[],
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), None);
    assert!(page.body.contains("Results for flu"), "{}", page.body);
    assert!(
        page.body.contains(&format!(
            "<a href=\"/naive/search?Keyword=flu&utm_content={payload}\">"
        )),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("analytics({\"utm_content\": \"<script>alert(1)</script>\"})"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<link rel=\"canonical\" href=\"https://naive.example/naive/search?"),
        "{}",
        page.body
    );
    let jsonp = get(
        &origin,
        "/naive/search?Keyword=flu&callback=evil_callback",
        &[],
    );
    assert_eq!(jsonp.header("content-type"), Some("application/javascript"));
    assert!(jsonp.body.starts_with("evil_callback({"), "{}", jsonp.body);
    let redirect = get(
        &origin,
        &format!("/naive/search?Keyword=flu&Page=0&utm_content={payload}"),
        &[],
    );
    assert_eq!(redirect.status, 301);
    assert_eq!(
        redirect.header("location"),
        Some(format!("/naive/search?Keyword=flu&Page=1&utm_content={payload}").as_str())
    );
    let referred = get(&origin, "/naive/search?Keyword=flu&ref=partner", &[]);
    assert_eq!(referred.header("set-cookie"), Some("ref_seen=1; Path=/"));
    // Loose routing: a trailing segment is the same search.
    let below = get(&origin, "/naive/search/t1/x?Keyword=flu", &[]);
    assert!(below.body.contains("Results for flu"), "{}", below.body);
}

#[test]
fn naive_pages_trust_every_proxy_header() {
    let origin = origin();
    let search = "/naive/search?Keyword=flu";
    let table: [(&str, &str, &str); 8] = [
        (
            "X-Forwarded-Host",
            "evil.example",
            "https://evil.example/static/app.js",
        ),
        (
            "X-HTTP-Host-Override",
            "evil.example",
            "https://evil.example/static/app.js",
        ),
        (
            "Forwarded",
            "host=evil.example",
            "https://evil.example/static/app.js",
        ),
        (
            "X-Forwarded-Port",
            "8443",
            "https://naive.example:8443/static/app.js",
        ),
        (
            "X-Forwarded-Prefix",
            "/evil",
            "https://naive.example/evil/static/app.js",
        ),
        (
            "X-Forwarded-Uri",
            "/evil-uri",
            "https://naive.example/evil-uri\"",
        ),
        (
            "X-Original-URI",
            "/evil-uri",
            "https://naive.example/evil-uri\"",
        ),
        (
            "X-Original-URL",
            "/naive/home",
            "<body class=\"theme-light\">",
        ),
    ];
    for (name, value, reflected) in table {
        let got = get(&origin, search, &[(name, value)]);
        assert!(got.body.contains(reflected), "{name}: {}", got.body);
    }
    // Header names as CGI reads them.
    let underscored = get(&origin, search, &[("X-Forwarded_Host", "evil.example")]);
    assert!(
        underscored
            .body
            .contains("https://evil.example/static/app.js"),
        "{}",
        underscored.body
    );
    let insecure = get(&origin, search, &[("X-Forwarded-Proto", "http")]);
    assert_eq!(insecure.status, 301);
    assert_eq!(
        insecure.header("location"),
        Some("https://naive.example/naive/search?Keyword=flu")
    );
    let off = get(&origin, search, &[("Front-End-Https", "off")]);
    assert_eq!(off.status, 301);
    let flight = get(&origin, search, &[("RSC", "1")]);
    assert_eq!(flight.header("content-type"), Some("text/x-component"));
    let overridden = get(&origin, search, &[("X-HTTP-Method-Override", "DELETE")]);
    assert_eq!(overridden.status, 405);
    assert_eq!(overridden.header("cache-control"), Some("max-age=300"));
}

#[test]
fn naive_pages_refuse_oversized_and_odd_input() {
    let origin = origin();
    let long_value = "A".repeat(3000);
    let too_long = get(
        &origin,
        &format!("/naive/search?Keyword=flu&utm_content={long_value}"),
        &[],
    );
    assert_eq!(too_long.status, 400);
    assert_eq!(too_long.header("cache-control"), Some("max-age=300"));
    let long_query = format!("/naive/search?Keyword=flu&a={long_value}&b={long_value}");
    assert_eq!(get(&origin, &long_query, &[]).status, 414);
    let long_header = get(
        &origin,
        "/naive/search?Keyword=flu",
        &[("X-Oversized-Header", &"A".repeat(5000))],
    );
    assert_eq!(long_header.status, 400);
    let control = get(&origin, "/naive/search?Keyword=flu&utm_term=%0D%0A", &[]);
    assert_eq!(control.status, 500);
}

#[test]
fn parameter_names_are_read_as_php_does() {
    let origin = origin();
    let table = [
        (
            "/naive/search?Keyword=flu&Keyword[]=cold",
            "Results for cold",
        ),
        (
            "/naive/search?Keyword=flu&Keyword%5B0%5D=cold",
            "Results for cold",
        ),
        (
            "/naive/search?Keyword=flu&%20Keyword=cold",
            "Results for cold",
        ),
        (
            "/naive/search?Keyword=flu&Zipcode=10001&Zipcode%00x=66666",
            "Clinic, 66666",
        ),
        ("/naive/practice?Practice_Id=1&Practice.Id=2", "Practice 2"),
        ("/naive/practice?Practice_Id=1&Practice+Id=3", "Practice 3"),
        (
            "/naive/search?Keyword=flu&utm_content=x;Keyword=cold",
            "Results for cold",
        ),
        (
            "/naive/search?Keyword=flu&utm_content=x%3BKeyword=cold",
            "Results for flu",
        ),
    ];
    for (target, want) in table {
        let got = get(&origin, target, &[]);
        assert!(got.body.contains(want), "{target}: {}", got.body);
    }
}

#[test]
fn embed_reflects_values_only_transformed() {
    let origin = origin();
    let script = "<script src=//evil.example/x.js></script>";
    let padding = "A".repeat(40);
    let target = format!(
        "/naive/embed?Keyword=flu&return_to=https://evil.example/x.js&campaign={}{padding}&promo=%253Cb%253Epromo%253C%252Fb%253E",
        script
            .replace('<', "%3C")
            .replace('>', "%3E")
            .replace(' ', "%20")
    );
    let got = get(&origin, &target, &[]);
    assert!(
        got.body
            .contains(r#"{"returnTo":"https:\/\/evil.example\/x.js"}"#),
        "{}",
        got.body
    );
    assert!(
        !got.body.contains("https://evil.example/x.js"),
        "{}",
        got.body
    );
    assert!(got.body.contains(script), "{}", got.body);
    assert!(!got.body.contains(&padding), "{}", got.body);
    assert!(got.body.contains("<b>promo</b>"), "{}", got.body);
}

#[test]
fn login_redirects_wherever_it_is_told() {
    let origin = origin();
    let got = get(
        &origin,
        "/naive/login?next=https%3A%2F%2Fevil.example%2Fphish",
        &[],
    );
    assert_eq!(got.status, 302);
    assert_eq!(got.header("location"), Some("https://evil.example/phish"));
}

#[test]
fn home_reflects_its_cookies_publicly() {
    let origin = origin();
    let got = get(
        &origin,
        "/naive/home",
        &[(
            "Cookie",
            "theme=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E; lang=fr",
        )],
    );
    assert_eq!(got.header("cache-control"), Some("public, max-age=600"));
    assert!(
        got.body
            .contains("class=\"theme-\"><script>alert(1)</script>\""),
        "{}",
        got.body
    );
    assert!(got.body.contains("lang=\"fr\""), "{}", got.body);
    let quoted = get(
        &origin,
        "/naive/home",
        &[("Cookie", "theme=\"<script>alert(1)</script>\"")],
    );
    assert!(
        quoted
            .body
            .contains("class=\"theme-<script>alert(1)</script>\""),
        "{}",
        quoted.body
    );
}

#[test]
fn api_me_answers_per_session_under_every_mount() {
    let origin = origin();
    let session = [("Cookie", "session=sess-alice-0001")];
    let me = get(&origin, "/api/me", &session);
    assert_eq!(me.header("cache-control"), None);
    assert_eq!(me.json()["user"], "user-sess-alice-0001");
    assert_eq!(me.json()["session"], "sess-alice-0001");
    assert_eq!(
        get(&origin, "/api/me", &[]).json()["user"],
        serde_json::Value::Null
    );
    let mounts = [
        ("/api/shared/me", None),
        ("/api/cached/me", Some("max-age=60")),
        ("/api/public/me", Some("public, max-age=60")),
    ];
    for (path, cache_control) in mounts {
        let got = get(&origin, path, &session);
        assert_eq!(got.header("cache-control"), cache_control, "{path}");
        assert_eq!(got.json()["user"], "user-sess-alice-0001", "{path}");
    }
    let profile = get(
        &origin,
        "/api/profile/x.css",
        &[("Cookie", "session=sess-alice-0001")],
    );
    assert_eq!(profile.json()["email"], "alice@users.naive.example");
    assert!(
        !profile.body.contains("sess-alice-0001"),
        "{}",
        profile.body
    );
    let catalog = get(&origin, "/api/shared/catalog", &session);
    assert!(!catalog.body.contains("alice"), "{}", catalog.body);
    assert_eq!(get(&origin, "/api/nothing", &[]).status, 404);
}

#[test]
fn api_routes_loosely() {
    let origin = origin();
    let confusing = [
        "/api/me/x.css",
        "/api/me;x.css",
        "/api/me%3Bx.css",
        "/api/me%2f..%2fx.css",
        "/api/me/..;/x.css",
        "/api/me%5Cx.css",
        "/api/me\\x.css",
        "/api/me\\..\\x.css",
        "/static/t1/..%2F..%2Fapi%2Fme",
        "/static/t1/..;/..;/api/me",
    ];
    for target in confusing {
        let (status, body) = raw_get(&origin, target, "session=sess-alice-0001");
        assert_eq!(status, "HTTP/1.1 200 OK", "{target}");
        assert!(body.contains("user-sess-alice-0001"), "{target}: {body}");
    }
    let (status, body) = raw_get(&origin, "/static/app.js", "session=sess-alice-0001");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body, "/* app.js */\n");
}

#[test]
fn gzip_mount_compresses_for_viewers_that_accept_it() {
    let origin = origin();
    let target = "/naive/gzip/search?Keyword=flu&utm_content=%3Cscript%3E";
    let agent: Agent = Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(format!("{}{target}", origin.url()))
        .header("Accept-Encoding", "gzip, br")
        .call()
        .expect("request");
    assert_eq!(response.headers().get("content-encoding").unwrap(), "gzip");
    assert_eq!(response.headers().get("vary").unwrap(), "Accept-Encoding");
    let body = response.body_mut().read_to_vec().expect("body");
    assert!(!body.windows(8).any(|w| w == b"<script>"));
    let text = String::from_utf8(demo_origin::gunzip(&body).expect("the origin's gzip")).unwrap();
    assert!(text.contains("<script>"), "{text}");
    let plain = get(&origin, target, &[]);
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.body.contains("<script>"), "{}", plain.body);
}
