//! Which configuration this Worker runs with.
//!
//! The JSON document in the variable `EDGECACHE_CONFIG` wins (`[vars]` in
//! `wrangler.toml`, as a string or as a table, or set in the dashboard);
//! without one, or when it fails validation, the configuration embedded
//! at build time (`config/demo.json`) is used and the errors are logged:
//! the Worker never dies on a bad configuration.
//!
//! An isolate validates a document once and reuses it for every request
//! until the document changes (a deploy starts new isolates anyway). The
//! configuration lives as long as the isolate, so a background refresh
//! can carry a request's flow past its response: a changed document
//! leaves the old configuration behind, a few kilobytes per change.

use std::cell::RefCell;

use edgecache_core::Config;
use worker::{Env, console_error};

/// The variable the configuration is read from.
pub(crate) const VAR: &str = "EDGECACHE_CONFIG";

const EMBEDDED: &str = include_str!("../../../config/demo.json");

thread_local! {
    /// The last document seen and what it gave.
    static LOADED: RefCell<Option<(String, &'static Config)>> = const { RefCell::new(None) };
}

/// The configuration for this request. Fails only when the embedded
/// configuration is invalid too, which the core tests rule out.
pub(crate) fn load(env: &Env) -> Result<&'static Config, edgecache_core::Error> {
    let text = from_env(env).unwrap_or_default();
    let cached = LOADED.with(|loaded| {
        loaded
            .borrow()
            .as_ref()
            .filter(|(seen, _)| *seen == text)
            .map(|(_, config)| *config)
    });
    if let Some(config) = cached {
        return Ok(config);
    }
    let config: &'static Config = Box::leak(Box::new(parse(&text)?));
    LOADED.with(|loaded| *loaded.borrow_mut() = Some((text, config)));
    Ok(config)
}

fn parse(text: &str) -> Result<Config, edgecache_core::Error> {
    if !text.is_empty() {
        match Config::from_json(text) {
            Ok(config) => return Ok(config),
            Err(e) => console_error!(
                "{}",
                edgecache_core::config_rejected(&format!("variable {VAR}"), &e)
            ),
        }
    }
    Config::from_json(EMBEDDED)
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
