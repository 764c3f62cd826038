//! Which configuration this service runs with.
//!
//! The JSON document under key `config` of the Config Store `edgecache`
//! wins; without one, or when it fails validation, the configuration
//! embedded at build time (`config/demo.json`) is used, and the errors are
//! logged: the function never dies on a bad configuration.

use edgecache_core::Config;
use fastly::ConfigStore;

/// The Config Store and key the configuration is read from.
pub(crate) const STORE: &str = "edgecache";
pub(crate) const KEY: &str = "config";

const EMBEDDED: &str = include_str!("../../../config/demo.json");

/// The configuration to use for this request. Fails only when the
/// embedded configuration is invalid too, which the core tests rule out.
pub(crate) fn load() -> Result<Config, edgecache_core::Error> {
    if let Some(json) = from_store() {
        match Config::from_json(&json) {
            Ok(config) => return Ok(config),
            Err(e) => log::error!(
                "{}",
                edgecache_core::config_rejected(&format!("config store {STORE}/{KEY}"), &e)
            ),
        }
    }
    Config::from_json(EMBEDDED)
}

fn from_store() -> Option<String> {
    let store = ConfigStore::try_open(STORE).ok()?;
    store.try_get(KEY).ok().flatten()
}
