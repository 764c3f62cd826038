//! Which configuration this Worker runs with: core chooses
//! (`edgecache_core::config::choose`) between the variable
//! `EDGECACHE_CONFIG` (`[vars]` in `wrangler.toml`, or set in the
//! dashboard: the precompiled text `edgecache check --compile` writes)
//! and the configuration embedded at build time, precompiled
//! (`EDGECACHE_CONFIG_FILE` at build; none in a build without it; the
//! local demo's serves only where `EDGECACHE_LOCAL` is `1`). A bad
//! document is logged and the embedded configuration keeps serving; with
//! neither, every request gets a 503.
//!
//! The Worker reads only the precompiled text, never JSON: JSON parsing
//! and validation with every problem's path would be a third of the
//! Worker's size, where Workers count every byte against the account's
//! limit and compile them when an isolate starts. A JSON document (a
//! string, or a table under `[vars]`) is refused with a log line that says
//! to run `edgecache check --compile`, which lists its problems.
//! Origins a Worker cannot reach as configured (HTTPS off port 443, a raw
//! IP, a Host of its own) are logged too.
//!
//! An isolate chooses once per document and reuses the choice for every
//! request until the document changes (a deploy starts new isolates
//! anyway). The configuration lives as long as the isolate, so a
//! background refresh can carry a request's flow past its response: a
//! changed document leaves the old configuration behind, a few kilobytes
//! per change.

use std::cell::RefCell;

use edgecache_core::Config;
use edgecache_core::config::{Embedded, choose, cloudflare_unreachable};
use worker::js_sys::{JSON, Reflect};
use worker::{Env, console_error};

/// The variable the configuration is read from.
pub(crate) const VAR: &str = "EDGECACHE_CONFIG";

/// The variable that says the Worker runs locally.
const LOCAL_VAR: &str = "EDGECACHE_LOCAL";

/// The configuration embedded at build time, precompiled (empty: none),
/// and whether it is the local demo's.
static EMBEDDED: Embedded = Embedded {
    form: include_bytes!(concat!(env!("OUT_DIR"), "/config.bin")),
    demo: include_bytes!(concat!(env!("OUT_DIR"), "/demo.flag")).len() == 1,
};

thread_local! {
    /// The last document seen and what it gave.
    static LOADED: RefCell<Option<(String, Option<&'static Config>)>> = const { RefCell::new(None) };
}

/// The configuration for this request, or `None` when none is usable;
/// what went wrong is logged once per document.
pub(crate) fn load(env: &Env) -> Option<&'static Config> {
    let text = from_env(env).unwrap_or_default();
    let cached = LOADED.with(|loaded| {
        loaded
            .borrow()
            .as_ref()
            .filter(|(seen, _)| *seen == text)
            .map(|(_, config)| *config)
    });
    if let Some(config) = cached {
        return config;
    }
    let chosen = choose(
        &format!("variable {VAR}"),
        Some(&text),
        Config::from_precompiled_text,
        EMBEDDED,
        local(env),
    );
    for error in &chosen.errors {
        console_error!("{error}");
    }
    // The origin then gets something other than what the configuration
    // says: said once per document, as `edgecache check --platform
    // cloudflare` would have.
    let origins = chosen.config.iter().flat_map(Config::origins);
    for problem in origins.flat_map(cloudflare_unreachable) {
        console_error!(
            "edgecache: {}: {} ({})",
            problem.path,
            problem.message,
            problem.source
        );
    }
    let config: Option<&'static Config> = chosen.config.map(|c| &*Box::leak(Box::new(c)));
    LOADED.with(|loaded| *loaded.borrow_mut() = Some((text, config)));
    config
}

/// Whether the Worker runs locally: `make serve-cloudflare` and the tests
/// set the variable `EDGECACHE_LOCAL` to `1` for `wrangler dev`; a deploy
/// does not.
fn local(env: &Env) -> bool {
    env.var(LOCAL_VAR)
        .is_ok_and(|value| value.to_string() == "1")
}

/// The variable's text: a string as it is, a table as the JSON the
/// runtime writes for it (which core then refuses, saying why).
fn from_env(env: &Env) -> Option<String> {
    let value = Reflect::get(env, &VAR.into()).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    value
        .as_string()
        .or_else(|| JSON::stringify(&value).ok().map(String::from))
}
