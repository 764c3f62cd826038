//! The attack suite: cache poisoning, web cache deception and cache-based
//! denial of service against edgecache on every platform, in front of the
//! demo origin's naive framework (`origin/src/naive.rs`: it reflects
//! parameters, cookies and proxy headers, answers `/api/me` per session,
//! reads names as PHP does and routes loosely), with the attack
//! configuration (`tests/config/naive.json`: the case study's search,
//! forwarding every parameter and header but credentials while keying a
//! whitelist, beside session APIs and static files).
//!
//! Classes 1 to 8 are those of the issue "Safe by default"; the scenarios
//! after them go beyond, and those that find a way through are ignored
//! with the finding as the reason (run them with `-- --ignored`).
//!
//! Every attack is made first, on a key nobody has asked for yet (the
//! worst case: an attacker's answer would be the one stored), then the
//! victim asks: the victim's answer must be clean, and the clean answer
//! must then be stored and served to the next viewer, so that the guard
//! costs no hit ratio either.

// A panic in a scenario is a failed test, as in a test (clippy.toml allows
// unwrap and expect in tests; scenarios are test code too).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use e2e::{Configuration, Got, Platform, Request, Scope, on_every_platform, raw_get};

on_every_platform!(
    reflected_unkeyed_parameters_are_served_to_the_attacker_only,
    viewers_waiting_on_an_attackers_request_get_their_own_clean_answer,
    unkeyed_cookies_reflected_in_public_answers_are_not_stored,
    a_logged_in_users_answer_is_never_served_to_anyone_else,
    path_confusion_never_stores_a_sessions_answer,
    an_attacker_cannot_switch_caching_off_for_a_key,
    poisoning_headers_never_reach_the_origin,
    aliased_parameter_names_never_reach_the_origin,
    honest_traffic_stays_cacheable,
    // Beyond the classes above: what a first run of this suite found, now
    // fixed; and what is left, ignored with the finding as the reason.
    php_aliases_outside_the_known_forms_never_reach_the_origin,
    transformed_reflections_are_not_stored,
    compressed_reflections_are_not_stored,
    underscored_poisoning_headers_never_reach_the_origin,
    #[ignore = "finding: where the policy says origin_ignores_unkeyed_credentials (*.css, /static/*), a session's answer that does not echo the cookie is stored through path confusion and served to anonymous viewers"]
    path_confusion_never_stores_an_answer_that_does_not_echo_the_session,
    a_browser_with_a_full_cookie_jar_is_served_from_the_cache,
    origin_redirects_reach_the_viewer_as_redirects,
    a_host_that_is_not_ascii_never_brings_the_edge_down,
);

/// `<script>alert(1)</script>`, percent-encoded as an attacker's link has it.
const SCRIPT: &str = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";

/// What every payload of the suite contains, encoded or not.
const ALERT: &str = "alert(";

/// A scope on the runtime with the attack configuration, which must be the
/// one in force (a configuration that fails validation is replaced by the
/// embedded one, which would make every attack here miss its target).
fn scope(platform: Platform) -> Scope {
    let t = Scope::with(platform, Configuration::Naive);
    let output = t.edge.output();
    assert!(
        !output
            .iter()
            .any(|line| line.contains("using the embedded configuration")),
        "the attack configuration was refused:\n{}",
        output.join("\n")
    );
    t
}

fn get(t: &Scope, target: &str) -> Got {
    get_with(t, target, &[])
}

fn get_with(t: &Scope, target: &str, headers: &[(&str, &str)]) -> Got {
    headers
        .iter()
        .fold(
            Request::get(&t.edge.url(target)),
            |request, (name, value)| request.header(name, value),
        )
        .send()
}

/// The body, and the Location of a redirect, as text.
fn text(got: &Got) -> String {
    format!(
        "{}{}",
        got.header("location").unwrap_or_default(),
        String::from_utf8_lossy(&got.body)
    )
}

fn stored(got: &Got) -> bool {
    got.cache_status().contains("; stored")
}

/// Everything a failure message needs about an answer.
fn shown(got: &Got) -> String {
    format!(
        "{} [{}] [{}] {:.300}",
        got.status,
        got.x_cache(),
        got.cache_status(),
        text(got)
    )
}

/// The viewers after an attack: the first one's clean request reaches the
/// origin and is stored, the next one's is a hit with the same answer;
/// neither holds `payload`. Returns the first answer.
fn clean_then_hit(t: &Scope, target: &str, payload: &str) -> Got {
    let victim = get(t, target);
    assert!(
        !text(&victim).contains(payload),
        "{target}: the victim got the attacker's answer: {}",
        shown(&victim)
    );
    assert_eq!(
        victim.x_cache(),
        "Miss from edgecache",
        "{target}: {}",
        shown(&victim)
    );
    assert!(stored(&victim), "{target}: {}", shown(&victim));
    let next = get(t, target);
    assert_eq!(
        next.x_cache(),
        "Hit from edgecache",
        "{target}: {}",
        shown(&next)
    );
    assert_eq!(next.body, victim.body, "{target}");
    assert_eq!(next.header("location"), victim.header("location"));
    victim
}

/// Class 1. The search forwards every parameter and keys five: an
/// attacker's `utm_content` or `callback`, which the origin echoes in a
/// "did you mean" link, an analytics snippet, a JSONP wrapper or a
/// redirect's Location, is served to the attacker alone.
fn reflected_unkeyed_parameters_are_served_to_the_attacker_only(platform: Platform) {
    let t = scope(platform);
    let table = [
        // (where the origin echoes it, the attack's parameters, the key's own)
        (
            "did-you-mean link and analytics",
            format!("&utm_content={SCRIPT}"),
            "",
        ),
        (
            "unencoded, in the link and the analytics",
            "&utm_content=javascript:alert(document.cookie)".to_string(),
            "",
        ),
        (
            "JSONP callback",
            "&callback=alert(document.domain)//".to_string(),
            "",
        ),
        // (On Cloudflare the edge follows the redirect itself and serves
        // the page it leads to: see the last scenario.)
        (
            "redirect Location",
            format!("&Page=0&utm_content={SCRIPT}"),
            "&Page=0",
        ),
    ];
    for (i, (what, attack, keyed)) in table.iter().enumerate() {
        let clean = format!("/naive/search?Keyword={}-{i}{keyed}", t.word("flu"));
        let attacker = get(&t, &format!("{clean}{attack}"));
        assert!(
            text(&attacker).contains(ALERT),
            "{what}: the origin did not echo the payload: {}",
            shown(&attacker)
        );
        assert!(
            attacker
                .cache_status()
                .contains("detail=\"reflected-unkeyed-input\""),
            "{what}: {}",
            shown(&attacker)
        );
        assert!(!stored(&attacker), "{what}: {}", shown(&attacker));
        let victim = clean_then_hit(&t, &clean, ALERT);
        // Another viewer's unkeyed parameters change nothing: same entry.
        let campaign = get(&t, &format!("{clean}&utm_source=newsletter"));
        assert_eq!(campaign.x_cache(), "Hit from edgecache", "{what}");
        assert_eq!(campaign.body, victim.body, "{what}");
    }
    // The same attack in other shapes of request that fill the same entry:
    // a HEAD, a Range, a conditional request.
    let shapes: [(&str, Option<(&str, &str)>); 4] = [
        ("HEAD", None),
        ("GET", Some(("Range", "bytes=0-99"))),
        ("GET", Some(("If-None-Match", "\"nothing\""))),
        (
            "GET",
            Some(("If-Modified-Since", "Tue, 01 Jan 2030 00:00:00 GMT")),
        ),
    ];
    for (i, (method, header)) in shapes.iter().enumerate() {
        let clean = format!("/naive/search?Keyword={}-shape-{i}", t.word("flu"));
        let url = t.edge.url(&format!("{clean}&utm_content={SCRIPT}"));
        let request = match *method {
            "HEAD" => Request::head(&url),
            _ => Request::get(&url),
        };
        let attacker = match header {
            Some((name, value)) => request.header(name, value),
            None => request,
        }
        .send();
        assert!(
            !stored(&attacker),
            "{method} {header:?}: {}",
            shown(&attacker)
        );
        clean_then_hit(&t, &clean, ALERT);
    }
}

/// Class 1 and 5 while the attacker's request is at the origin: viewers
/// who ask for the same key meanwhile wait for it (request collapsing),
/// and must then get their own clean answer, never the attacker's
/// reflected page, error or cookie.
fn viewers_waiting_on_an_attackers_request_get_their_own_clean_answer(platform: Platform) {
    let t = scope(platform);
    let path = t.path("/naive/search");
    // Every request under the path takes 3 s at the origin (the attack
    // configuration waits 5 s for a first byte).
    t.set_origin_mode_under(&path, "hang");
    let attacks = [
        ("reflection", format!("&utm_content={SCRIPT}"), 200),
        (
            "oversized parameter",
            format!("&utm_content={}", "A".repeat(3000)),
            400,
        ),
        ("cookie-setting parameter", "&ref=partner".to_string(), 200),
    ];
    let send = |target: String| {
        let url = t.edge.url(&target);
        std::thread::spawn(move || Request::get(&url).send())
    };
    let attackers: Vec<_> = attacks
        .iter()
        .enumerate()
        .map(|(i, (_, attack, _))| send(format!("{path}?Keyword=flu-{i}{attack}")))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let victims: Vec<Vec<_>> = (0..attacks.len())
        .map(|i| {
            (0..3)
                .map(|_| send(format!("{path}?Keyword=flu-{i}")))
                .collect()
        })
        .collect();
    for ((attacker, victims), (what, _, status)) in attackers.into_iter().zip(victims).zip(&attacks)
    {
        let attacker = attacker.join().expect("attacker thread");
        assert_eq!(attacker.status, *status, "{what}: {}", shown(&attacker));
        for victim in victims {
            let victim = victim.join().expect("victim thread");
            assert_eq!(victim.status, 200, "{what}: {}", shown(&victim));
            assert!(!text(&victim).contains(ALERT), "{what}: {}", shown(&victim));
            assert_eq!(victim.header("set-cookie"), None, "{what}");
        }
    }
    t.set_origin_mode_under(&path, "up");
    for i in 0..attacks.len() {
        let after = get(&t, &format!("{path}?Keyword=flu-{i}"));
        assert_eq!(after.x_cache(), "Hit from edgecache", "{}", shown(&after));
        assert!(!text(&after).contains(ALERT));
    }
}

/// Class 2. `/naive/*` forwards cookies without keying them (its policy's
/// default TTL is 0), and the home page says `public, max-age=600` while
/// it writes the `theme` and `lang` cookies into the page unescaped.
fn unkeyed_cookies_reflected_in_public_answers_are_not_stored(platform: Platform) {
    let t = scope(platform);
    let cookies = [
        format!("theme=%22%3E{SCRIPT}"),
        "theme=x\"><script>alert(2)</script>".to_string(),
        "lang=en\"><script>alert(3)</script>".to_string(),
        format!("_ga=GA1.2.3; theme=%22%3E{SCRIPT}"),
    ];
    for (i, cookie) in cookies.iter().enumerate() {
        let home = format!("{}/{i}", t.path("/naive/home"));
        let attacker = get_with(&t, &home, &[("Cookie", cookie)]);
        assert!(
            text(&attacker).contains("<script>alert("),
            "{cookie}: the origin did not echo it: {}",
            shown(&attacker)
        );
        assert!(
            attacker
                .cache_status()
                .contains("detail=\"reflected-unkeyed-input\""),
            "{cookie}: {}",
            shown(&attacker)
        );
        clean_then_hit(&t, &home, ALERT);
    }
}

/// Class 3. `/api/me` answers the session's user, echoing the session,
/// whatever Cache-Control its mount adds; the cookie reaches the origin
/// unkeyed. No one after Alice, logged in or not, gets her answer.
fn a_logged_in_users_answer_is_never_served_to_anyone_else(platform: Platform) {
    let t = scope(platform);
    let alice = format!("session=sess-alice-{}", t.token());
    let mallory = format!("session=sess-mallory-{}", t.token());
    let table = [
        // (mount, its Cache-Control, why the edge does not store Alice's)
        ("/api/me", "none, default_ttl 0", "unkeyed-credentials"),
        ("/api/cached/me", "max-age=60", "unkeyed-credentials"),
        (
            "/api/public/me",
            "public, max-age=60",
            "reflected-unkeyed-input",
        ),
        (
            "/api/shared/me",
            "none, default_ttl 3600, origin_ignores_unkeyed_credentials",
            "reflected-unkeyed-input",
        ),
    ];
    for (mount, cache_control, why) in table {
        let me = format!("{mount}/{}", t.token());
        let victim = get_with(&t, &me, &[("Cookie", &alice)]);
        assert!(
            text(&victim).contains("user-sess-alice"),
            "{mount}: {}",
            shown(&victim)
        );
        assert!(
            !stored(&victim),
            "{mount} ({cache_control}): {}",
            shown(&victim)
        );
        assert!(
            victim.cache_status().contains(&format!("detail=\"{why}\"")),
            "{mount} ({cache_control}): {}",
            shown(&victim)
        );
        for (who, cookie) in [
            ("anonymous", None),
            ("mallory", Some(&mallory)),
            ("anonymous again", None),
        ] {
            let next = match cookie {
                Some(cookie) => get_with(&t, &me, &[("Cookie", cookie)]),
                None => get(&t, &me),
            };
            assert!(
                !text(&next).contains("alice"),
                "{mount}: {who} got Alice's answer: {}",
                shown(&next)
            );
        }
    }
}

/// Class 4. Web cache deception: `*.css` and `/static/*` are stored for a
/// day and forward cookies (their policy says the origin ignores them),
/// and the origin's loose router answers `/api/me` for each of these
/// paths. Alice's answer is never stored for the anonymous viewers after
/// her. Sent on the wire as written (backslashes included).
fn path_confusion_never_stores_a_sessions_answer(platform: Platform) {
    let t = scope(platform);
    let token = t.token();
    let alice = format!("session=sess-alice-{token}");
    let base = t.edge.url("");
    // Each file name is the target's own: `\` may become `/` on the way,
    // and the entry must be this target's.
    let targets = [
        format!("/api/me/x-{token}-0.css"),
        format!("/api/me;x-{token}-1.css"),
        format!("/api/me%3Bx-{token}-2.css"),
        format!("/api/me%2f..%2fx-{token}-3.css"),
        format!("/api/me/..;/x-{token}-4.css"),
        format!("/api/me%5Cx-{token}-5.css"),
        format!("/api/me%5C..%5Cx-{token}-6.css"),
        format!("/static/{token}/7/..%2F..%2F..%2Fapi%2Fme"),
        format!("/static/{token}/8/..;/..;/..;/api/me"),
        format!("/api/me\\x-{token}-9.css"),
        format!("/api/me\\..\\x-{token}-10.css"),
    ];
    let mut outcomes = Vec::new();
    for target in &targets {
        let victim = raw_get(&base, target, &[("Cookie", &alice)]);
        let reached_me = text(&victim).contains("user-sess-alice");
        if reached_me {
            assert!(!stored(&victim), "{target}: {}", shown(&victim));
        }
        for (who, cookie) in [
            ("anonymous", None),
            ("mallory", Some("session=sess-mallory")),
            ("anonymous again", None),
        ] {
            let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
            let next = raw_get(&base, target, &headers);
            assert!(
                !text(&next).contains("alice"),
                "{target}: {who} got Alice's answer: {}",
                shown(&next)
            );
        }
        outcomes.push(format!("{target}: {}", shown(&victim)));
        // Without a backslash, every runtime takes these paths as they
        // are and the origin answers Alice: the attack is real.
        assert!(
            reached_me || target.contains('\\'),
            "{target}: the confusion did not reach /api/me: {}",
            shown(&victim)
        );
    }
    eprintln!("{platform:?} path confusion:\n{}", outcomes.join("\n"));
}

/// Class 5. Cache-poisoned denial of service: an unkeyed input that makes
/// the origin answer an error (400 with `max-age=300`, 414 and 500 that
/// the error TTL would keep), or set a cookie, must neither be stored for
/// the key nor leave a hit-for-pass marker that turns caching off for it.
fn an_attacker_cannot_switch_caching_off_for_a_key(platform: Platform) {
    let t = scope(platform);
    let long = "A".repeat(3000);
    let big_header = "A".repeat(5000);
    let none: Vec<(&str, &str)> = Vec::new();
    let table = [
        (
            "oversized parameter",
            format!("&utm_content={long}"),
            none.clone(),
            400,
        ),
        (
            "oversized query",
            format!("&a={long}&b={long}"),
            none.clone(),
            414,
        ),
        (
            "oversized header",
            String::new(),
            vec![("X-Oversized-Header", big_header.as_str())],
            400,
        ),
        (
            "control character",
            "&utm_term=%0D%0A".to_string(),
            none.clone(),
            500,
        ),
        (
            "cookie-setting parameter",
            "&ref=partner".to_string(),
            none.clone(),
            200,
        ),
    ];
    for (i, (what, attack, headers, status)) in table.iter().enumerate() {
        let clean = format!("/naive/search?Keyword={}-{i}", t.word("flu"));
        for _ in 0..2 {
            let attacker = get_with(&t, &format!("{clean}{attack}"), headers);
            assert_eq!(attacker.status, *status, "{what}: {}", shown(&attacker));
            assert!(!stored(&attacker), "{what}: {}", shown(&attacker));
        }
        let victim = clean_then_hit(&t, &clean, ALERT);
        assert_eq!(victim.status, 200, "{what}");
        assert_eq!(victim.header("set-cookie"), None, "{what}");
        assert!(
            !victim.cache_status().contains("hit-for-pass"),
            "{what}: {}",
            shown(&victim)
        );
    }
}

/// Class 6. The search forwards every viewer header but credentials, and
/// the origin trusts every proxy header: each of these, sent by the
/// attacker, would change the answer (an absolute link to another host, a
/// redirect loop to https, a 405, a React Server Components payload,
/// another route). None reaches the origin, and the entry stays clean.
fn poisoning_headers_never_reach_the_origin(platform: Platform) {
    let t = scope(platform);
    let table = [
        ("X-Forwarded-Host", "evil-host.example"),
        ("X-Forwarded-Server", "evil-host.example"),
        ("X-Host", "evil-host.example"),
        ("X-Original-Host", "evil-host.example"),
        ("X-HTTP-Host-Override", "evil-host.example"),
        ("Forwarded", "host=evil-host.example;proto=http"),
        ("X-Forwarded-Port", "31337"),
        ("X-Forwarded-Prefix", "/evil-prefix"),
        ("X-Forwarded-Uri", "/evil-uri"),
        ("X-Original-URI", "/evil-uri"),
        ("X-Forwarded-Path", "/evil-uri"),
        ("X-Original-URL", "/naive/home"),
        ("X-Rewrite-URL", "/naive/home"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Scheme", "http"),
        ("X-Forwarded-Protocol", "http"),
        ("X-Url-Scheme", "http"),
        ("Front-End-Https", "off"),
        ("X-Forwarded-Ssl", "off"),
        ("X-HTTP-Method-Override", "DELETE"),
        ("X-HTTP-Method", "DELETE"),
        ("X-Method-Override", "DELETE"),
        ("RSC", "1"),
        ("Next-Router-Prefetch", "1"),
        ("Next-Router-State-Tree", "%5B%22%22%5D"),
        ("X-Middleware-Prefetch", "1"),
    ];
    let clean = is_clean_search_page;
    for (i, (name, value)) in table.iter().enumerate() {
        // The origin alone honors it: the answer changes.
        let direct = format!("{}/direct-{i}?Keyword=flu", t.path("/naive/search"));
        let alone = Request::get(&format!("{}{direct}", t.origin.url()))
            .header(name, value)
            .send();
        assert!(!clean(&alone), "{name}: the naive origin ignores it");
        let path = format!("{}/{i}", t.path("/naive/search"));
        let target = format!("{path}?Keyword=flu");
        let attacker = get_with(&t, &target, &[(name, value)]);
        let received = t.origin.last_headers(&path);
        assert!(
            !received.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)),
            "{name} reached the origin: {received:?}"
        );
        assert!(clean(&attacker), "{name}: {}", shown(&attacker));
        let victim = get(&t, &target);
        assert!(clean(&victim), "{name}: {}", shown(&victim));
        assert_eq!(victim.x_cache(), "Hit from edgecache", "{name}");
    }
}

/// The search page for `Keyword=flu` as every viewer should get it: links
/// on the site's own host, over https, the page's own path.
fn is_clean_search_page(got: &Got) -> bool {
    let text = text(got);
    got.status == 200
        && got.header("content-type") == Some("text/html; charset=utf-8")
        && text.contains("Results for flu")
        && text.contains("<link rel=\"canonical\" href=\"https://naive.example/naive/search/")
        && text.contains("<script src=\"https://naive.example/static/app.js\">")
}

/// Class 7. Names a PHP-like origin reads as a whitelisted one
/// (`Keyword[]` for `Keyword`, `Practice.Id` for `Practice_Id`) never
/// reach it, nor does a parameter hidden behind `;` (split on by Rack and
/// old Python); another letter case is another key.
fn aliased_parameter_names_never_reach_the_origin(platform: Platform) {
    let t = scope(platform);
    let token = t.token();
    let table = [
        ("/naive/search", "Keyword=flu", "Keyword[]=evil-alias"),
        ("/naive/search", "Keyword=flu", "Keyword%5B%5D=evil-alias"),
        ("/naive/search", "Keyword=flu", "keyword%5B%5D=evil-alias"),
        ("/naive/practice", "Practice_Id=1234", "Practice.Id=666"),
        ("/naive/practice", "Practice_Id=1234", "Practice%2EId=666"),
        ("/naive/practice", "Practice_Id=1234", "Practice+Id=666"),
        ("/naive/practice", "Practice_Id=1234", "Practice%20Id=666"),
        ("/naive/practice", "Practice_Id=1234", "Practice[Id=666"),
        ("/naive/practice", "Practice_Id=1234", "Practice_Id[]=666"),
    ];
    for (i, (page, keyed, alias)) in table.iter().enumerate() {
        let path = format!("{page}/{token}/{i}");
        let clean = format!("{path}?{keyed}");
        let attacker = get(&t, &format!("{clean}&{alias}"));
        assert_eq!(
            t.origin.count_target(&clean),
            1,
            "{alias}: the origin received another query than {clean}"
        );
        assert_eq!(t.count(&path), 1, "{alias}");
        assert!(
            !text(&attacker).contains("evil-alias") && !text(&attacker).contains("666"),
            "{alias}: {}",
            shown(&attacker)
        );
        let victim = get(&t, &clean);
        assert_eq!(victim.x_cache(), "Hit from edgecache", "{alias}");
        assert_eq!(victim.body, attacker.body, "{alias}");
    }
    // `;` is no separator at the edge, and reaches the origin encoded.
    let cloaked = format!("/naive/search?Keyword={}", t.word("cloak"));
    let attacker = get(&t, &format!("{cloaked}&utm_content=x;Keyword=evil-cloak"));
    assert!(
        text(&attacker).contains(&format!("Results for {}", t.word("cloak"))),
        "{}",
        shown(&attacker)
    );
    clean_then_hit(&t, &cloaked, "evil-cloak");
    // Another letter case is keyed, so it is another entry.
    let cased = format!("/naive/search?Keyword={}", t.word("case"));
    let attacker = get(&t, &format!("{cased}&keyword=evil-case"));
    assert!(stored(&attacker), "{}", shown(&attacker));
    clean_then_hit(&t, &cased, "evil-case");
}

/// Class 8. Browsers' traffic (their headers, campaign parameters,
/// analytics and session cookies) to the case study's flows, which the
/// guard watches on every request, is stored and hit as before: the
/// search whitelist, media, products, and the pages and APIs that do not
/// echo what they are sent.
fn honest_traffic_stays_cacheable(platform: Platform) {
    let t = scope(platform);
    let browsers: [[(&str, &str); 5]; 3] = [
        [
            (
                "User-Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            ),
            (
                "Accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            ),
            ("Accept-Language", "en-US,en;q=0.9"),
            ("Referer", "https://www.google.com/"),
            (
                "Cookie",
                "_ga=GA1.2.1234567890.1700000000; session=sess-alice-honest",
            ),
        ],
        [
            (
                "User-Agent",
                "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
            ),
            ("Accept", "*/*"),
            ("Accept-Language", "fr-FR,fr;q=0.8,en;q=0.5"),
            ("Referer", "https://mail.example.com/newsletter/spring"),
            ("Cookie", "_ga=GA1.2.987654321.1700000001"),
        ],
        [
            (
                "User-Agent",
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            ),
            ("Accept", "application/json"),
            ("Accept-Language", "de-DE"),
            ("Referer", "https://www.facebook.com/"),
            ("Cookie", "session=sess-bob-honest"),
        ],
    ];
    let campaigns = [
        "&utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale",
        "&utm_source=google&utm_medium=cpc&gclid=EAIaIQobChMI8x",
        "&fbclid=IwAR2xyz1234567890",
    ];
    let flows = [
        (
            "case study search",
            format!("/search/pcp?Zipcode=10001&Keyword={}", t.word("flu")),
            true,
        ),
        (
            "naive search",
            format!("/naive/search?Keyword={}", t.word("flu")),
            false,
        ),
        ("media", format!("{}/song-40k.mp3", t.path("/media")), false),
        ("public product", t.product(2), false),
        (
            "shared API",
            format!("/api/shared/catalog/{}", t.token()),
            false,
        ),
        (
            "static file",
            format!("/static/app-{}.js", t.token()),
            false,
        ),
    ];
    for (what, target, with_campaigns) in &flows {
        for (i, browser) in browsers.iter().enumerate() {
            let campaign = if *with_campaigns { campaigns[i] } else { "" };
            let got = get_with(&t, &format!("{target}{campaign}"), browser);
            let want = if i == 0 { "Miss" } else { "Hit" };
            assert_eq!(
                got.x_cache(),
                format!("{want} from edgecache"),
                "{what}, viewer {i}: {}",
                shown(&got)
            );
            if i == 0 {
                assert!(stored(&got), "{what}: {}", shown(&got));
            }
        }
    }
    assert_eq!(t.count("/search/pcp"), 1);
    // A product the origin wants revalidated: stored, then a 304.
    let revalidated = t.product(7);
    let first = get_with(&t, &revalidated, &browsers[0]);
    assert!(stored(&first), "{}", shown(&first));
    let second = get_with(&t, &revalidated, &browsers[1]);
    assert_eq!(
        second.x_cache(),
        "RefreshHit from edgecache",
        "{}",
        shown(&second)
    );
    // A range of the stored song is a hit too.
    let range = Request::get(&t.edge.url(&format!("{}/song-40k.mp3", t.path("/media"))))
        .header("Range", "bytes=0-9")
        .send();
    assert_eq!((range.status, range.x_cache()), (206, "Hit from edgecache"));
}

/// Beyond the known alias forms: PHP also drops leading spaces from a
/// name, cuts it at a NUL, and reads `Zipcode[0]` or `Zipcode[x]` as an
/// array named `Zipcode` that replaces the earlier `Zipcode`. A short
/// value (a zip code is five characters, below what the guard looks for
/// in answers) then changes the answer for everyone.
fn php_aliases_outside_the_known_forms_never_reach_the_origin(platform: Platform) {
    let t = scope(platform);
    let token = t.token();
    let aliases = [
        "Zipcode%5B0%5D=66666",
        "Zipcode[x]=66666",
        "%20Zipcode=66666",
        "+Zipcode=66666",
        "Zipcode%00x=66666",
    ];
    let mut poisoned = Vec::new();
    for (i, alias) in aliases.iter().enumerate() {
        let clean = format!("/naive/search/{token}/php-{i}?Keyword=flu&Zipcode=10001");
        let attacker = get(&t, &format!("{clean}&{alias}"));
        let victim = get(&t, &clean);
        if text(&victim).contains("66666") {
            poisoned.push(format!(
                "{alias}: attacker {} / victim {}",
                shown(&attacker),
                shown(&victim)
            ));
        }
    }
    assert!(
        poisoned.is_empty(),
        "the victim of Zipcode=10001 got the attacker's Zipcode:\n{}",
        poisoned.join("\n")
    );
}

/// Beyond reflections as sent or percent-decoded once: the origin writes
/// an unkeyed value into the page through PHP's `json_encode` (`/` as
/// `\/`), cut short (the attacker pads it past the cut), or decoded twice.
/// The page the victim is served must not carry the attacker's script.
fn transformed_reflections_are_not_stored(platform: Platform) {
    let t = scope(platform);
    let token = t.token();
    let script = "%3Cscript%20src%3D%2F%2Fevil.example%2Fx.js%3E%3C%2Fscript%3E";
    let padded = format!("campaign={script}{}", "A".repeat(40));
    let twice = format!("promo={}", script.replace('%', "%25"));
    let attacks = [
        "return_to=https://evil.example/x.js".to_string(),
        padded,
        twice,
    ];
    let mut poisoned = Vec::new();
    for (i, attack) in attacks.iter().enumerate() {
        let clean = format!("/naive/embed/{token}/{i}?Keyword=flu");
        let attacker = get(&t, &format!("{clean}&{attack}"));
        assert!(
            text(&attacker).contains("evil.example"),
            "{attack}: the origin did not echo it: {}",
            shown(&attacker)
        );
        let victim = get(&t, &clean);
        if text(&victim).contains("evil.example") {
            poisoned.push(format!(
                "{attack:.60}: attacker {} / victim {}",
                shown(&attacker),
                shown(&victim)
            ));
        }
    }
    // A quoted cookie value: the origin reads it without its quotes.
    let cookies = [
        "theme=\"<script src=//evil.example/x.js></script>\"".to_string(),
        format!("theme=\"{script}\""),
    ];
    for (i, cookie) in cookies.iter().enumerate() {
        let home = format!("{}/quoted-{i}", t.path("/naive/home"));
        let attacker = get_with(&t, &home, &[("Cookie", cookie)]);
        assert!(
            text(&attacker).contains("<script src=//evil.example/x.js>"),
            "{cookie}: the origin did not echo it: {}",
            shown(&attacker)
        );
        let victim = get(&t, &home);
        if text(&victim).contains("evil.example") {
            poisoned.push(format!(
                "Cookie: {cookie}: attacker {} / victim {}",
                shown(&attacker),
                shown(&victim)
            ));
        }
    }
    assert!(
        poisoned.is_empty(),
        "the victim got the attacker's script:\n{}",
        poisoned.join("\n")
    );
}

/// Beyond reflections in plain text: the origin gzips its pages for
/// viewers that accept gzip, as most servers do, and every browser does
/// accept it (the edge passes the normalized `Accept-Encoding` on). The
/// page the attacker's unkeyed parameter is echoed in is compressed: the
/// next viewer that accepts gzip must not be served it.
fn compressed_reflections_are_not_stored(platform: Platform) {
    let t = scope(platform);
    let browser = [("Accept-Encoding", "gzip, deflate, br")];
    let clean = format!("{}?Keyword=flu", t.path("/naive/gzip/search"));
    let attack = format!("{clean}&utm_content={SCRIPT}");
    // The origin echoes it, compressed (Workers decompress what they
    // fetch and compress again what they send: ask the origin itself).
    let alone = Request::get(&format!("{}{attack}", t.origin.url()))
        .header("Accept-Encoding", "gzip")
        .send();
    assert!(
        decoded(&alone).contains(ALERT) && !text(&alone).contains(ALERT),
        "the origin did not echo it compressed: {}",
        shown(&alone)
    );
    let attacker = get_with(&t, &attack, &browser);
    let victim = get_with(&t, &clean, &browser);
    let poisoned = stored(&attacker) || decoded(&victim).contains(ALERT);
    assert!(
        !poisoned,
        "the victim got the attacker's page: attacker {} / victim {} {:.300}",
        shown(&attacker),
        shown(&victim),
        decoded(&victim)
    );
}

/// The body as text, gunzipped when the answer says gzip and the gzip is
/// the demo origin's own (a runtime that compresses again writes another).
fn decoded(got: &Got) -> String {
    let gzipped = got
        .header("content-encoding")
        .is_some_and(|coding| coding.eq_ignore_ascii_case("gzip"));
    if !gzipped {
        return text(got);
    }
    match demo_origin::gunzip(&got.body) {
        Some(body) => String::from_utf8_lossy(&body).into_owned(),
        None => "(gzip the demo origin did not write)".to_string(),
    }
}

/// Beyond header names as sent: CGI reads `X-Forwarded_Proto` as
/// `X-Forwarded-Proto` (PHP's `$_SERVER`, Rack, and so Puma before 6.4.3,
/// CVE-2024-45614), and so does the naive origin. A value too short for
/// the guard to look for (`http`, a port) or not echoed (a route) then
/// changes the answer: a redirect loop to https, links to another port,
/// another page.
fn underscored_poisoning_headers_never_reach_the_origin(platform: Platform) {
    let t = scope(platform);
    let table = [
        ("X-Forwarded_Proto", "http"),
        ("X_Forwarded_Proto", "http"),
        ("X-Forwarded_Scheme", "http"),
        ("X-Forwarded_Port", "31337"),
        ("X-Original_URL", "/naive/home"),
        ("X-Forwarded_Host", "evil-host.example"),
        ("X-HTTP-Method_Override", "DELETE"),
    ];
    let mut poisoned = Vec::new();
    for (i, (name, value)) in table.iter().enumerate() {
        let target = format!("{}/{i}?Keyword=flu", t.path("/naive/search"));
        let alone = Request::get(&format!("{}{target}", t.origin.url()))
            .header(name, value)
            .send();
        assert!(
            !is_clean_search_page(&alone),
            "{name}: the naive origin ignores it"
        );
        let attacker = get_with(&t, &target, &[(name, value)]);
        let victim = get(&t, &target);
        if !is_clean_search_page(&victim) {
            poisoned.push(format!(
                "{name}: {value}: attacker {} / victim {}",
                shown(&attacker),
                shown(&victim)
            ));
        }
    }
    assert!(
        poisoned.is_empty(),
        "the victim got the attacker's answer:\n{}",
        poisoned.join("\n")
    );
}

/// Beyond an answer that echoes the session: `*.css` and `/static/*` say
/// the origin ignores cookies (`origin_ignores_unkeyed_credentials`), a
/// fair thing to say of static files, and the loose router answers
/// `/api/profile` there: the session's user, looked up, the session
/// itself nowhere in the answer. Anonymous viewers after Alice must not
/// get her profile.
fn path_confusion_never_stores_an_answer_that_does_not_echo_the_session(platform: Platform) {
    let t = scope(platform);
    let token = t.token();
    let alice = format!("session=sess-alice-{token}");
    let base = t.edge.url("");
    let targets = [
        format!("/api/profile/x-{token}-0.css"),
        format!("/api/profile;x-{token}-1.css"),
        format!("/api/profile%2f..%2fx-{token}-2.css"),
        format!("/static/{token}/3/..%2F..%2F..%2Fapi%2Fprofile"),
    ];
    let mut leaked = Vec::new();
    for target in &targets {
        let victim = raw_get(&base, target, &[("Cookie", &alice)]);
        assert!(
            text(&victim).contains("alice@users.naive.example"),
            "{target}: the confusion did not reach /api/profile: {}",
            shown(&victim)
        );
        let anonymous = raw_get(&base, target, &[]);
        if text(&anonymous).contains("alice") {
            leaked.push(format!(
                "{target}: Alice {} / anonymous {}",
                shown(&victim),
                shown(&anonymous)
            ));
        }
    }
    assert!(
        leaked.is_empty(),
        "anonymous viewers got Alice's profile:\n{}",
        leaked.join("\n")
    );
}

/// Beyond a few cookies: a browser on a site with analytics, consent and
/// chat widgets sends two dozen cookies, most longer than the guard's
/// shortest value, some percent-encoded (looked for decoded too). Where
/// cookies are forwarded (static files, the shared API), the answers to
/// two such browsers must still be stored and hit.
fn a_browser_with_a_full_cookie_jar_is_served_from_the_cache(platform: Platform) {
    let t = scope(platform);
    let token = t.token();
    let jar = |n: u32| {
        [
            format!("_ga=GA1.1.{n}234567890.1700000000"),
            format!("_ga_ABC123XYZ=GS1.1.1700000000.{n}.1.1700000500.0.0.0"),
            format!("_gid=GA1.2.98765432{n}.1700000000"),
            format!("_gcl_au=1.1.123456789{n}.1700000000"),
            format!("_fbp=fb.1.1700000000000.123456789{n}"),
            format!("_hjSessionUser_123456=eyJpZCI6IjEyMzQ1Njc4LTkwYWIt{n}"),
            format!("_hjSession_123456=eyJpZCI6ImFiY2RlZiIsImMiOjE3{n}"),
            format!("_ttp=abcdefghijklmnopqrstuvwxy{n}"),
            format!("_pin_unauth=dWlkPU1qQXdNREF3TURBdE1E{n}"),
            format!(
                "OptanonConsent=isGpcEnabled=0&datestamp=Mon+Nov+27+2023+10%3A00%3A0{n}+GMT%2B0100&version=202310.1.0&groups=C0001%3A1%2CC0002%3A1"
            ),
            format!("OptanonAlertBoxClosed=2023-11-27T09:00:0{n}.000Z"),
            format!("session=sess-carol-{token}-{n}"),
            format!("csrftoken=abcdef123456789{n}"),
            format!("cart_id=c-123456789{n}"),
            "currency=USD".to_string(),
            "locale=en-US".to_string(),
            format!("ajs_anonymous_id=1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6{n}"),
            format!("ajs_user_id=1234567{n}"),
            format!("__stripe_mid=1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d1a2b{n}"),
            format!("intercom-id-abc123=9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a{n}"),
            format!("intercom-device-id-abc123=0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5{n}"),
            format!("_clck=abc12{n}%7C2%7Cfg1%7C0%7C1400"),
            format!("_clsk=xyz78{n}%7C1700000500000%7C3%7C1%7Cq.clarity.ms%2Fcollect"),
            format!("__cf_bm=Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eA{n}"),
        ]
        .join("; ")
    };
    let chrome = [
        (
            "User-Agent",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        ),
        ("Accept", "text/css,*/*;q=0.1"),
        ("Accept-Language", "en-US,en;q=0.9"),
        ("Referer", "https://naive.example/naive/search?Keyword=flu"),
        (
            "Sec-Ch-Ua",
            "\"Not/A)Brand\";v=\"8\", \"Chromium\";v=\"126\", \"Google Chrome\";v=\"126\"",
        ),
        ("Sec-Ch-Ua-Mobile", "?0"),
        ("Sec-Ch-Ua-Platform", "\"Windows\""),
        ("Sec-Fetch-Dest", "style"),
        ("Sec-Fetch-Mode", "no-cors"),
        ("Sec-Fetch-Site", "same-origin"),
        ("Priority", "u=0, i"),
    ];
    let targets = [
        format!("/static/site-{token}.css"),
        format!("/api/shared/catalog/{token}-jar"),
    ];
    let mut lost = Vec::new();
    for target in &targets {
        let answers: Vec<Got> = (1..=2)
            .map(|n| {
                let cookies = jar(n);
                let mut headers = chrome.to_vec();
                headers.push(("Cookie", cookies.as_str()));
                get_with(&t, target, &headers)
            })
            .collect();
        if !stored(&answers[0]) || answers[1].x_cache() != "Hit from edgecache" {
            lost.push(format!(
                "{target}: first {} / second {}",
                shown(&answers[0]),
                shown(&answers[1])
            ));
        }
    }
    assert!(
        lost.is_empty(),
        "honest browsers were not served from the cache:\n{}",
        lost.join("\n")
    );
}

/// Beyond what the origin answers: a redirect. The edge passes it to the
/// viewer as it is, and never fetches its Location itself: that could be
/// another page than the key's (the search's `Page=0` redirect keeps the
/// unkeyed parameters), or another site, whose page would then be served
/// as this site's (the login's open redirect; the demo origin's
/// `/respond` stands in for the attacker's site).
fn origin_redirects_reach_the_viewer_as_redirects(platform: Platform) {
    let t = scope(platform);
    let search = format!("/naive/search?Keyword={}&Page=0", t.word("flu"));
    let redirect = get(&t, &search);
    let mut followed = Vec::new();
    if redirect.status != 301 {
        followed.push(format!("{search}: {}", shown(&redirect)));
    }
    let evil = format!(
        "{}{}?body=attacker-page-{}",
        t.origin.url(),
        t.path("/respond"),
        t.token()
    );
    let login = format!(
        "/naive/login/{}?next={}",
        t.token(),
        evil.replace(':', "%3A")
            .replace('/', "%2F")
            .replace('?', "%3F")
            .replace('=', "%3D")
    );
    let open = get(&t, &login);
    if open.status != 302 || String::from_utf8_lossy(&open.body).contains("attacker-page") {
        followed.push(format!("{login}: {}", shown(&open)));
    }
    assert!(
        followed.is_empty(),
        "the edge followed the origin's redirects:\n{}",
        followed.join("\n")
    );
}

/// Hosts a URL parser refuses or rewrites: raw UTF-8 bytes, punycode,
/// percent-encoded bytes, a port out of range, a number too large for an
/// address. Whatever the runtime answers (Viceroy and workerd refuse some
/// themselves), the function never panics: Fastly's SDK parses the URL
/// with a parser that panics on what it refuses, so the edge answers 400
/// first. The edge keeps serving after.
fn a_host_that_is_not_ascii_never_brings_the_edge_down(platform: Platform) {
    use std::io::{Read as _, Write as _};
    let t = Scope::new(platform);
    let address = t.edge.url("");
    let address = address.trim_start_matches("http://").trim_end_matches('/');
    let target = t.respond("max-age=60", "&body=hosts");
    let hosts: [&[u8]; 5] = [
        "\u{f1}and\u{fa}.example".as_bytes(),
        b"xn--and-6ma2c.example",
        b"%C3%B1.example",
        b"a.example:99999",
        b"999.1.1.1",
    ];
    for host in hosts {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
        let mut request = format!("GET {target} HTTP/1.1\r\nHost: ").into_bytes();
        request.extend_from_slice(host);
        request.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
        stream.write_all(&request).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let shown = String::from_utf8_lossy(&answer[..answer.len().min(40)]).into_owned();
        assert!(
            answer.is_empty() || answer.starts_with(b"HTTP/1.1 "),
            "{shown}"
        );
        // On Fastly a 500 is a panicking function; workerd's own front
        // answers 500 to a Host of raw UTF-8 bytes, before the Worker.
        if platform == Platform::Fastly {
            assert!(!answer.starts_with(b"HTTP/1.1 5"), "{shown}");
        }
    }
    let output = t.edge.output().join("\n");
    assert!(!output.contains("panicked"), "{output}");
    let got = Request::get(&t.edge.url(&target)).send();
    assert_eq!((got.status, got.text().as_str()), (200, "hosts\n"));
}
