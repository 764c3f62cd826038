//! Which configuration this service runs with: core chooses
//! (`edgecache_core::config::choose`) between the document under key
//! `config` of the Config Store `edgecache` (JSON, or the precompiled text
//! `edgecache check --compile` writes) and the configuration embedded at
//! build time, precompiled (`EDGECACHE_CONFIG_FILE`; none in a build
//! without it; the local demo's serves only under Viceroy). A bad document
//! is logged with every problem and the embedded configuration keeps
//! serving; with neither, every request gets a 503.

use edgecache_core::Config;
use edgecache_core::config::{Embedded, choose};
use fastly::ConfigStore;

/// The Config Store and key the configuration is read from.
pub(crate) const STORE: &str = "edgecache";
pub(crate) const KEY: &str = "config";
/// Where the document comes from, as logs name it.
const SOURCE: &str = "config store edgecache/config";

/// The configuration embedded at build time, precompiled (empty: none),
/// and whether it is the local demo's.
static EMBEDDED: Embedded = Embedded {
    form: include_bytes!(concat!(env!("OUT_DIR"), "/config.bin")),
    demo: include_bytes!(concat!(env!("OUT_DIR"), "/demo.flag")).len() == 1,
};

/// The configuration to use for this request, or `None` when none is
/// usable; what went wrong is logged.
pub(crate) fn load() -> Option<Config> {
    let document = from_store();
    let chosen = choose(
        SOURCE,
        document.as_deref(),
        Config::from_document,
        EMBEDDED,
        local(),
    );
    for error in &chosen.errors {
        log::error!("{error}");
    }
    chosen.config
}

/// Whether this is Viceroy, which says so with `FASTLY_HOSTNAME=localhost`
/// (production gives the cache node's name).
pub(crate) fn local() -> bool {
    std::env::var("FASTLY_HOSTNAME").is_ok_and(|host| host == "localhost")
}

fn from_store() -> Option<String> {
    let store = ConfigStore::try_open(STORE).ok()?;
    store.try_get(KEY).ok().flatten()
}
