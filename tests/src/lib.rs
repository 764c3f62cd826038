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

pub use client::{Got, Request, raw_get};
pub use runtime::{Edge, PURGE_TOKEN, Platform, test_config};
pub use scope::{Configuration, Scope};

use demo_origin::{Options, RunningOrigin};

/// The demo origin, started in-process on a free port.
pub struct Origin {
    running: RunningOrigin,
}

impl Origin {
    /// A fast origin: searches take 50 ms, hangs 3 s.
    pub fn start() -> Origin {
        let options = Options {
            search_delay: Duration::from_millis(50),
            hang: Duration::from_secs(3),
        };
        match demo_origin::start("127.0.0.1:0", options) {
            Ok(running) => Origin { running },
            Err(e) => panic!("the demo origin does not start: {e}"),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.running.url()
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

/// The attack suite's configuration, `tests/config/naive.json` (check it
/// with `edgecache check`), its origin moved to the test origin's port.
pub fn naive_config(origin_url: &str) -> String {
    let mut config: serde_json::Value =
        match serde_json::from_str(include_str!("../config/naive.json")) {
            Ok(config) => config,
            Err(e) => panic!("tests/config/naive.json: {e}"),
        };
    let port = origin_url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(8080);
    let origin = &mut config["origins"]["naive"];
    origin["domain"] = "127.0.0.1".into();
    origin["http_port"] = port.into();
    config.to_string()
}
