//! Which configuration this Worker runs with: core chooses
//! (`edgecache_core::config::choose`) between the variable
//! `EDGECACHE_CONFIG` (`[vars]` in `wrangler.toml` as a string or a table,
//! or set in the dashboard: JSON, or the precompiled text `edgecache check
//! --compile` writes) and the configuration embedded at build time,
//! precompiled (`EDGECACHE_CONFIG` at build; none in a build without it).
//! A bad document is logged with every problem and the embedded
//! configuration keeps serving; with neither, every request gets a 503.
//!
//! An isolate chooses once per document and reuses the choice for every
//! request until the document changes (a deploy starts new isolates
//! anyway). The configuration lives as long as the isolate, so a
//! background refresh can carry a request's flow past its response: a
//! changed document leaves the old configuration behind, a few kilobytes
//! per change.

use std::cell::RefCell;

use edgecache_core::Config;
use edgecache_core::config::choose;
use worker::{Env, console_error};

/// The variable the configuration is read from.
pub(crate) const VAR: &str = "EDGECACHE_CONFIG";

/// The precompiled configuration embedded at build time (empty: none).
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/config.bin"));

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
    let chosen = choose(&format!("variable {VAR}"), Some(&text), EMBEDDED);
    for error in &chosen.errors {
        console_error!("{error}");
    }
    let config: Option<&'static Config> = chosen.config.map(|c| &*Box::leak(Box::new(c)));
    LOADED.with(|loaded| *loaded.borrow_mut() = Some((text, config)));
    config
}

/// The variable's text: a string as it is, a table as JSON.
fn from_env(env: &Env) -> Option<String> {
    if let Ok(var) = env.var(VAR) {
        return Some(var.to_string());
    }
    env.object_var::<serde_json::Value>(VAR)
        .ok()
        .map(|value| value.to_string())
}
