//! The end-to-end harness: a real demo origin on loopback, a real edge
//! runtime in front of it, and an HTTP client. Scenarios are written
//! against [`Edge`] and [`Origin`] only, so every platform runs the same ones.
//!
//! A test binary starts one origin and, when a test first asks for it, one
//! runtime per platform and [`Configuration`]; every test of the binary
//! shares them, in parallel. Each test keeps to a [`Scope`]: a token no
//! other test has, in every path, search keyword and tag it uses, so that
//! no test sees another's cache entries, origin counts or origin faults.

mod client;
mod runtime;
mod scope;

use std::time::Duration;

pub use client::{Got, Request, raw_get, raw_request};
pub use runtime::{Edge, PURGE_TOKEN, Platform, test_config};
pub use scope::{Configuration, Scope};

use demo_origin::{Options, RunningOrigin, TlsIdentity};

/// The certificates an HTTPS listener of the test origin presents, from
/// `tests/tls/` (written by `scripts/make-test-ca.sh`). The runtimes trust
/// the test CA, `tests/tls/ca.pem`, as they would a public one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certificate {
    /// For `localhost` and `127.0.0.1`, signed by the test CA.
    Localhost,
    /// For `wrong.example`, signed by the test CA: the wrong host.
    WrongHost,
    /// For `localhost`, signed by no CA the runtimes trust.
    SelfSigned,
}

impl Certificate {
    const ALL: [Certificate; 3] = [
        Certificate::Localhost,
        Certificate::WrongHost,
        Certificate::SelfSigned,
    ];

    fn file(self) -> &'static str {
        match self {
            Certificate::Localhost => "localhost",
            Certificate::WrongHost => "wrong-host",
            Certificate::SelfSigned => "self-signed",
        }
    }

    fn identity(self) -> TlsIdentity {
        let dir = tls_dir();
        let chain = dir.join(format!("{}.pem", self.file()));
        let key = dir.join(format!("{}.key", self.file()));
        let read = |path: &std::path::Path| match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        match TlsIdentity::from_pem(&read(&chain), &read(&key)) {
            Ok(identity) => identity,
            Err(e) => panic!("{}: {e}", chain.display()),
        }
    }
}

/// `tests/tls/`.
fn tls_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tls")
}

/// The test CA, which the runtimes the tests start trust.
pub fn test_ca() -> std::path::PathBuf {
    tls_dir().join("ca.pem")
}

/// The demo origin, started in-process on a free port, with an HTTPS
/// listener per [`Certificate`].
pub struct Origin {
    running: RunningOrigin,
    tls_ports: Vec<(Certificate, u16)>,
}

impl Origin {
    /// A fast origin: searches take 50 ms, hangs 3 s.
    pub fn start() -> Origin {
        let options = Options {
            search_delay: Duration::from_millis(50),
            hang: Duration::from_secs(3),
        };
        let mut running = match demo_origin::start("127.0.0.1:0", options) {
            Ok(running) => running,
            Err(e) => panic!("the demo origin does not start: {e}"),
        };
        let tls_ports = Certificate::ALL
            .into_iter()
            .map(
                |certificate| match running.serve_tls("127.0.0.1:0", &certificate.identity()) {
                    Ok(addr) => (certificate, addr.port()),
                    Err(e) => panic!("the demo origin does not listen for HTTPS: {e}"),
                },
            )
            .collect();
        Origin { running, tls_ports }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.running.url()
    }

    /// The port of the HTTPS listener presenting `certificate`.
    pub fn tls_port(&self, certificate: Certificate) -> u16 {
        self.tls_ports
            .iter()
            .find(|(c, _)| *c == certificate)
            .map_or(0, |(_, port)| *port)
    }

    /// How many requests reached the origin for `path` (without query).
    pub fn count(&self, path: &str) -> u64 {
        self.stats()["paths"][path].as_u64().unwrap_or(0)
    }

    /// How many requests reached the origin for exactly `target`.
    pub fn count_target(&self, target: &str) -> u64 {
        self.stats()["targets"][target].as_u64().unwrap_or(0)
    }

    /// How many requests reached the origin for `path` (without query)
    /// with `token` somewhere in their target, path or query.
    pub fn count_with(&self, path: &str, token: &str) -> u64 {
        let stats = self.stats();
        let Some(targets) = stats["targets"].as_object() else {
            return 0;
        };
        targets
            .iter()
            .filter(|(target, _)| target.split('?').next() == Some(path) && target.contains(token))
            .filter_map(|(_, count)| count.as_u64())
            .sum()
    }

    /// The headers of the last request for `path`, names lower-cased.
    pub fn last_headers(&self, path: &str) -> Vec<(String, String)> {
        self.stats()["last_headers"][path]
            .as_array()
            .map(|headers| {
                headers
                    .iter()
                    .map(|h| {
                        (
                            h[0].as_str().unwrap_or_default().to_string(),
                            h[1].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Answer normally (`up`), 503 to everything (`fail`) or hang (`hang`).
    /// On an origin of its own only: it changes every path.
    pub fn set_mode(&self, mode: &str) {
        let got = Request::post(&format!("{}/__origin/mode?set={mode}", self.url())).send();
        assert_eq!(got.status, 200, "setting origin mode {mode}");
    }

    /// Answer `mode` (as [`Origin::set_mode`]) to the paths that start
    /// with `prefix` only.
    pub fn set_mode_under(&self, prefix: &str, mode: &str) {
        let url = format!("{}/__origin/mode?set={mode}&prefix={prefix}", self.url());
        let got = Request::post(&url).send();
        assert_eq!(got.status, 200, "setting origin mode {mode} under {prefix}");
    }

    /// Forgets the counts and modes. On an origin of its own only: a
    /// shared origin's counts belong to every test.
    pub fn reset(&self) {
        Request::post(&format!("{}/__origin/reset", self.url())).send();
    }

    fn stats(&self) -> serde_json::Value {
        Request::get(&format!("{}/__origin/stats", self.url()))
            .send()
            .json()
    }
}

/// Runs each scenario `fn(Platform)` as one test per platform, in the
/// modules `fastly` and `cloudflare`. Attributes written before a
/// scenario's name (`#[ignore = "why"]`) go on both of its tests; one
/// written after it behind `fastly:` or `cloudflare:` on that platform's
/// only (`scenario fastly: #[ignore = "why"]`).
#[macro_export]
macro_rules! on_every_platform {
    ($(
        $(#[$attribute:meta])*
        $scenario:ident
        $(fastly: #[$fastly:meta])?
        $(cloudflare: #[$cloudflare:meta])?
    ),* $(,)?) => {
        mod fastly {
            $(
                #[test]
                $(#[$attribute])*
                $(#[$fastly])?
                fn $scenario() {
                    super::$scenario(e2e::Platform::Fastly);
                }
            )*
        }
        mod cloudflare {
            $(
                #[test]
                $(#[$attribute])*
                $(#[$cloudflare])?
                fn $scenario() {
                    super::$scenario(e2e::Platform::Cloudflare);
                }
            )*
        }
    };
}

/// Waits up to five seconds for `condition`, for work the edge does after
/// answering.
pub fn eventually(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..100 {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("never happened: {what}");
}

/// `path` for `/respond` (or a path below it) under the default
/// behavior, where the origin decides (min and default TTL 0, max
/// 604800), answering with `cache_control`; `extra` is more query.
pub fn respond_target(path: &str, cache_control: &str, extra: &str) -> String {
    format!(
        "{path}?cc={}{extra}",
        cache_control
            .replace('=', "%3D")
            .replace(',', "%2C")
            .replace(' ', "%20")
    )
}

/// The test configuration with `header` forwarded to the origin under the
/// default behavior, so that a response may vary on it.
pub fn config_forwarding(origin_url: &str, header: &str) -> String {
    let mut config: serde_json::Value = match serde_json::from_str(&test_config(origin_url)) {
        Ok(config) => config,
        Err(e) => panic!("the test configuration: {e}"),
    };
    config["origin_request_policies"]["all-query-strings"]["headers"] =
        serde_json::json!({"behavior": "whitelist", "names": [header]});
    config.to_string()
}

/// The test configuration with an HTTPS origin per [`Certificate`], all
/// named `localhost`, `https-only`, and a behavior for each:
/// `/respond/tls-localhost/*`, `/respond/tls-wrong-host/*`,
/// `/respond/tls-self-signed/*` (see [`tls_path`]).
pub fn tls_config(origin: &Origin) -> String {
    let mut config: serde_json::Value = match serde_json::from_str(&test_config(&origin.url())) {
        Ok(config) => config,
        Err(e) => panic!("the test configuration: {e}"),
    };
    for certificate in Certificate::ALL {
        let name = format!("tls-{}", certificate.file());
        config["origins"][&name] = serde_json::json!({
            "domain": "localhost",
            "protocol": "https-only",
            "https_port": origin.tls_port(certificate),
            "custom_headers": {"X-Origin-Verify": "tls-shared-secret"},
            "first_byte_timeout_ms": 2000,
        });
        let behavior = serde_json::json!({
            "path_pattern": format!("/respond/{name}/*"),
            "origin": name,
            "cache_policy": "origin-decides",
            "origin_request_policy": "all-query-strings",
        });
        if let Some(behaviors) = config["behaviors"].as_array_mut() {
            behaviors.push(behavior);
        }
    }
    config.to_string()
}

/// A path of the test's own under the behavior of the HTTPS origin that
/// presents `certificate`: `/respond/tls-localhost/t0042`.
pub fn tls_path(scope: &Scope, certificate: Certificate) -> String {
    scope.path(&format!("/respond/tls-{}", certificate.file()))
}

/// The attack suite's configuration, `tests/config/naive.json` (check it
/// with `edgecache check`), its origin moved to the test origin's port.
pub fn naive_config(origin_url: &str) -> String {
    let naive = include_str!("../config/naive.json");
    runtime::on_test_origin(naive, "tests/config/naive.json", "naive", origin_url).to_string()
}
