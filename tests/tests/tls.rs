//! HTTPS origins: the edge verifies the origin's certificate against the
//! origin's domain, on every platform. The demo origin answers HTTPS with
//! certificates of a test CA (`tests/tls/`) that the runtimes are told to
//! trust, as production trusts the public CAs.
//!
//! What the local runtimes cannot show: Viceroy verifies every backend's
//! certificate against its host whether or not the function asks for it,
//! while production Fastly checks the host only when the backend says
//! `check_certificate` (the adapter always does); workerd verifies against
//! the URL's host, as Workers do for origins outside Cloudflare (an origin
//! inside a Cloudflare zone follows the zone's SSL/TLS mode: set it to
//! Full (strict)).

// A panic in a scenario is a failed test, as in a test (clippy.toml allows
// unwrap and expect in tests; scenarios are test code too).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::{Certificate, Configuration, Platform, Request, Scope, on_every_platform, tls_path};

on_every_platform!(
    an_https_origin_with_a_valid_certificate_is_cached,
    an_https_origin_certified_for_another_host_is_refused,
    an_https_origin_with_an_untrusted_certificate_is_refused,
);

/// `target` for the HTTPS origin presenting `certificate`, in `t`'s own
/// path, answering `public, max-age=60`.
fn target(t: &Scope, certificate: Certificate) -> (String, String) {
    let path = tls_path(t, certificate);
    let target = e2e::respond_target(&path, "public, max-age=60", "&body=secure");
    (path, target)
}

fn an_https_origin_with_a_valid_certificate_is_cached(platform: Platform) {
    let t = Scope::with(platform, Configuration::Tls);
    let (path, target) = target(&t, Certificate::Localhost);

    let miss = Request::get(&t.edge.url(&target)).send();
    assert_eq!(miss.status, 200, "{}", miss.text());
    assert_eq!(miss.text().trim_end(), "secure");
    assert!(miss.x_cache().starts_with("Miss"), "{}", miss.x_cache());
    let hit = Request::get(&t.edge.url(&target)).send();
    assert!(hit.x_cache().starts_with("Hit"), "{}", hit.x_cache());
    assert_eq!(hit.text().trim_end(), "secure");
    assert_eq!(t.count(&path), 1);
    // The shared secret travelled inside TLS.
    let headers = t.origin.last_headers(&path);
    assert!(
        headers
            .iter()
            .any(|(name, value)| name == "x-origin-verify" && value == "tls-shared-secret"),
        "{headers:?}"
    );
}

fn an_https_origin_certified_for_another_host_is_refused(platform: Platform) {
    refused(platform, Certificate::WrongHost);
}

fn an_https_origin_with_an_untrusted_certificate_is_refused(platform: Platform) {
    refused(platform, Certificate::SelfSigned);
}

/// The origin presenting `certificate` is never asked anything: the
/// handshake fails, the viewer gets a 502 and nothing is stored.
fn refused(platform: Platform, certificate: Certificate) {
    let t = Scope::with(platform, Configuration::Tls);
    let (path, target) = target(&t, certificate);
    for _ in 0..2 {
        let got = Request::get(&t.edge.url(&target)).send();
        assert_eq!(got.status, 502, "{}", got.text());
        assert!(!got.text().contains("secure"));
        assert!(!got.x_cache().starts_with("Hit"));
        assert!(
            got.cache_status().contains("origin-unreachable"),
            "{}",
            got.cache_status()
        );
    }
    assert_eq!(t.count(&path), 0, "a request reached the origin over TLS");
}
