//! The end-to-end harness: a real demo origin on loopback, a real edge
//! runtime in front of it, and an HTTP client. Scenarios are written
//! against [`Edge`] and [`Origin`] only, so every platform runs the same ones.

mod client;
mod runtime;

use std::time::Duration;

pub use client::{Got, Request};
pub use runtime::{Edge, PURGE_TOKEN, Platform, test_config};

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
    pub fn set_mode(&self, mode: &str) {
        let got = Request::post(&format!("{}/__origin/mode?set={mode}", self.url())).send();
        assert_eq!(got.status, 200, "setting origin mode {mode}");
    }

    /// Forgets the counts (the runtime's start-up probe, for one).
    pub fn reset(&self) {
        Request::post(&format!("{}/__origin/reset", self.url())).send();
    }

    fn stats(&self) -> serde_json::Value {
        Request::get(&format!("{}/__origin/stats", self.url()))
            .send()
            .json()
    }
}

/// An origin and an edge in front of it, with the counts cleared.
pub fn setup(platform: Platform) -> (Origin, Edge) {
    let origin = Origin::start();
    let edge = Edge::start(platform, &origin.url());
    origin.reset();
    (origin, edge)
}

/// Runs each scenario `fn(Platform)` as one test per platform, in the
/// modules `fastly` and `cloudflare`.
#[macro_export]
macro_rules! on_every_platform {
    ($($scenario:ident),* $(,)?) => {
        mod fastly {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario(e2e::Platform::Fastly);
                }
            )*
        }
        mod cloudflare {
            $(
                #[test]
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

/// `/respond` under the default behavior: the origin decides (min and
/// default TTL 0, max 604800).
pub fn respond_target(cache_control: &str, extra: &str) -> String {
    format!(
        "/respond?cc={}{extra}",
        cache_control
            .replace('=', "%3D")
            .replace(',', "%2C")
            .replace(' ', "%20")
    )
}

/// The test configuration with `header` forwarded to the origin under the
/// default behavior, so that a response may vary on it.
pub fn config_forwarding(origin_url: &str, header: &str) -> String {
    let mut config: serde_json::Value =
        serde_json::from_str(&test_config(origin_url)).expect("test config");
    config["origin_request_policies"]["all-query-strings"]["headers"] =
        serde_json::json!({"behavior": "whitelist", "names": [header]});
    config.to_string()
}
