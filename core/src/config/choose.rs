//! Which configuration an instance runs with: the platform's document
//! when it is valid, else the one embedded at build time, else none (and
//! every request is answered 503). A build embeds only what its
//! `EDGECACHE_CONFIG_FILE` names; the demo's, embedded for local runs,
//! serves only where the platform runs locally (Viceroy, `wrangler dev`),
//! so that a local build deployed by mistake never runs it in production.

use super::Config;
use crate::error::Error;
use crate::log_line::{config_rejected, event};

/// The status of every request while no configuration is usable.
pub const UNCONFIGURED_STATUS: u16 = 503;

/// The body of that answer.
pub const UNCONFIGURED_BODY: &str = "edgecache: no configuration: this build embeds none and the platform's store holds no valid one\n";

/// The configuration a build embedded.
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    /// Its precompiled form; empty when the build embedded none.
    pub form: &'static [u8],
    /// Whether it is the local demo's (`config/demo.json`), which serves
    /// only locally.
    pub demo: bool,
}

/// How a platform's document is read: [`Config::from_document`] (JSON
/// or the precompiled text) or [`Config::from_precompiled_text`] (the
/// precompiled text only). A build that passes the second leaves JSON
/// parsing and validation out of its binary.
pub type Reader = fn(&str) -> Result<Config, Error>;

/// What [`choose`] found: the configuration to run with, if any, and the
/// log lines (JSON objects) saying what went wrong on the way.
#[derive(Debug)]
pub struct Chosen {
    /// The configuration; `None`: answer every request with
    /// [`UNCONFIGURED_STATUS`] and [`UNCONFIGURED_BODY`].
    pub config: Option<Config>,
    /// Errors to log, one JSON object each.
    pub errors: Vec<String>,
}

/// Chooses between the platform's document (`source` names where it was
/// read, for the log; `read` reads it) and the configuration embedded at
/// build time; `local` says whether the platform runs locally. A document
/// that fails is logged with every problem, and the embedded configuration
/// serves.
///
/// ```
/// use edgecache_core::Config;
/// use edgecache_core::config::{Embedded, choose};
/// let none = Embedded { form: &[], demo: false };
/// let chosen = choose("config store edgecache/config", Some("{}"), Config::from_document, none, false);
/// assert!(chosen.config.is_none());
/// assert_eq!(chosen.errors.len(), 2);
/// ```
pub fn choose(
    source: &str,
    document: Option<&str>,
    read: Reader,
    embedded: Embedded,
    local: bool,
) -> Chosen {
    let mut errors = Vec::new();
    let refused = embedded.demo && !local;
    let embedded = if refused { &[] } else { embedded.form };
    if let Some(text) = document.filter(|text| !text.trim().is_empty()) {
        match read(text) {
            Ok(config) => {
                return Chosen {
                    config: Some(config),
                    errors,
                };
            }
            Err(e) => {
                let instead = if embedded.is_empty() {
                    "no configuration is embedded: answering 503"
                } else {
                    "using the embedded configuration"
                };
                errors.push(config_rejected(source, &e, instead));
            }
        }
    }
    if embedded.is_empty() {
        errors.push(if refused {
            demo_elsewhere(source)
        } else {
            no_configuration(source)
        });
        return Chosen {
            config: None,
            errors,
        };
    }
    match Config::from_precompiled(embedded) {
        Ok(config) => Chosen {
            config: Some(config),
            errors,
        },
        Err(e) => {
            errors.push(config_rejected("embedded", &e, "answering 503"));
            Chosen {
                config: None,
                errors,
            }
        }
    }
}

fn demo_elsewhere(source: &str) -> String {
    event(
        "demo-configuration-refused",
        source,
        "this build embeds the local demo's configuration, which serves only locally: build with make package CONFIG=...",
        None,
    )
}

fn no_configuration(source: &str) -> String {
    event(
        "no-configuration",
        source,
        "this build embeds no configuration (make package CONFIG=...) and the source holds no valid one: answering 503",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../../config/demo.json");

    fn form() -> &'static [u8] {
        Vec::leak(Config::from_json(DEMO).unwrap().to_precompiled())
    }

    /// The demo, embedded as a local build embeds it, running locally.
    fn embedded() -> Embedded {
        Embedded {
            form: form(),
            demo: true,
        }
    }

    const NONE: Embedded = Embedded {
        form: &[],
        demo: false,
    };

    const OTHER: &str = r#"{
        "origins": {"api": {"domain": "api.example.com"}},
        "cache_policies": {"default": {}},
        "default_behavior": {"origin": "api", "cache_policy": "default"}
    }"#;

    #[test]
    fn a_valid_document_wins_over_the_embedded_configuration() {
        let chosen = choose(
            "store",
            Some(OTHER),
            Config::from_document,
            embedded(),
            true,
        );
        assert_eq!(chosen.config.unwrap().origins()[0].name, "api");
        assert!(chosen.errors.is_empty());
    }

    #[test]
    fn without_a_document_the_embedded_configuration_serves() {
        for document in [None, Some(""), Some("  \n")] {
            let chosen = choose("store", document, Config::from_document, embedded(), true);
            assert_eq!(chosen.config.unwrap().origins()[0].name, "demo");
            assert!(chosen.errors.is_empty());
        }
    }

    #[test]
    fn an_invalid_document_is_logged_and_the_embedded_configuration_serves() {
        let chosen = choose(
            "store",
            Some(r#"{"origins": {}}"#),
            Config::from_document,
            embedded(),
            true,
        );
        assert_eq!(chosen.config.unwrap().origins()[0].name, "demo");
        assert_eq!(chosen.errors.len(), 1);
        assert!(chosen.errors[0].contains("config-rejected"));
        assert!(chosen.errors[0].contains("using the embedded configuration"));
    }

    #[test]
    fn with_nothing_embedded_nothing_serves_and_the_log_says_why() {
        let chosen = choose("store", Some("[]"), Config::from_document, NONE, false);
        assert!(chosen.config.is_none());
        assert!(chosen.errors[0].contains("answering 503"));
        assert!(chosen.errors[1].contains("no-configuration"));
        assert!(
            choose("store", None, Config::from_document, NONE, false)
                .config
                .is_none()
        );
    }

    #[test]
    fn the_demo_serves_only_where_the_platform_runs_locally() {
        let chosen = choose("store", None, Config::from_document, embedded(), false);
        assert!(chosen.config.is_none());
        assert!(chosen.errors[0].contains("demo-configuration-refused"));
        let operator = Embedded {
            form: form(),
            demo: false,
        };
        assert!(
            choose("store", None, Config::from_document, operator, false)
                .config
                .is_some()
        );
        let document = choose(
            "store",
            Some(OTHER),
            Config::from_document,
            embedded(),
            false,
        );
        assert!(document.errors.is_empty());
        assert_eq!(document.config.unwrap().origins()[0].name, "api");
    }

    #[test]
    fn a_precompiled_document_is_read_from_a_store() {
        let text = Config::from_json(OTHER).unwrap().to_precompiled_text();
        let chosen = choose(
            "store",
            Some(&text),
            Config::from_document,
            embedded(),
            true,
        );
        assert_eq!(chosen.config.unwrap().origins()[0].name, "api");
    }

    #[test]
    fn a_build_that_reads_only_the_precompiled_text_refuses_json_and_keeps_serving() {
        let read = Config::from_precompiled_text;
        let chosen = choose("variable", Some(OTHER), read, embedded(), true);
        assert_eq!(chosen.config.unwrap().origins()[0].name, "demo");
        assert_eq!(chosen.errors.len(), 1);
        assert!(chosen.errors[0].contains("config-rejected"));
        assert!(chosen.errors[0].contains("edgecache check CONFIG --compile"));
        let text = Config::from_json(OTHER).unwrap().to_precompiled_text();
        let chosen = choose("variable", Some(&text), read, embedded(), true);
        assert_eq!(chosen.config.unwrap().origins()[0].name, "api");
    }
}
