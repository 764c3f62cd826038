//! Which configuration an instance runs with: the platform's document
//! when it is valid, else the one embedded at build time, else none (and
//! every request is answered 503). Never the demo: a build embeds only
//! what its `EDGECACHE_CONFIG` names.

use super::Config;
use crate::log_line::config_rejected;

/// The status of every request while no configuration is usable.
pub const UNCONFIGURED_STATUS: u16 = 503;

/// The body of that answer.
pub const UNCONFIGURED_BODY: &str = "edgecache: no configuration: this build embeds none and the platform's store holds no valid one\n";

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
/// read, for the log) and the precompiled configuration embedded at build
/// time (empty when the build embedded none). A document that fails is
/// logged with every problem, and the embedded configuration serves.
///
/// ```
/// use edgecache_core::config::choose;
/// let chosen = choose("config store edgecache/config", Some("{}"), &[]);
/// assert!(chosen.config.is_none());
/// assert_eq!(chosen.errors.len(), 2);
/// ```
pub fn choose(source: &str, document: Option<&str>, embedded: &'static [u8]) -> Chosen {
    let mut errors = Vec::new();
    if let Some(text) = document.filter(|text| !text.trim().is_empty()) {
        match Config::from_document(text) {
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
        errors.push(no_configuration(source));
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

fn no_configuration(source: &str) -> String {
    serde_json::json!({
        "event": "no-configuration",
        "source": source,
        "message": "this build embeds no configuration (make package CONFIG=...) and the source holds no valid one: answering 503",
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../../config/demo.json");

    fn embedded() -> &'static [u8] {
        Vec::leak(Config::from_json(DEMO).unwrap().to_precompiled())
    }

    const OTHER: &str = r#"{
        "origins": {"api": {"domain": "api.example.com"}},
        "cache_policies": {"default": {}},
        "default_behavior": {"origin": "api", "cache_policy": "default"}
    }"#;

    #[test]
    fn a_valid_document_wins_over_the_embedded_configuration() {
        let chosen = choose("store", Some(OTHER), embedded());
        assert_eq!(chosen.config.unwrap().origins()[0].name, "api");
        assert!(chosen.errors.is_empty());
    }

    #[test]
    fn without_a_document_the_embedded_configuration_serves() {
        for document in [None, Some(""), Some("  \n")] {
            let chosen = choose("store", document, embedded());
            assert_eq!(chosen.config.unwrap().origins()[0].name, "demo");
            assert!(chosen.errors.is_empty());
        }
    }

    #[test]
    fn an_invalid_document_is_logged_and_the_embedded_configuration_serves() {
        let chosen = choose("store", Some(r#"{"origins": {}}"#), embedded());
        assert_eq!(chosen.config.unwrap().origins()[0].name, "demo");
        assert_eq!(chosen.errors.len(), 1);
        assert!(chosen.errors[0].contains("config-rejected"));
        assert!(chosen.errors[0].contains("using the embedded configuration"));
    }

    #[test]
    fn with_nothing_embedded_nothing_serves_and_the_log_says_why() {
        let chosen = choose("store", Some("[]"), &[]);
        assert!(chosen.config.is_none());
        assert!(chosen.errors[0].contains("answering 503"));
        assert!(chosen.errors[1].contains("no-configuration"));
        assert!(choose("store", None, &[]).config.is_none());
    }

    #[test]
    fn a_precompiled_document_is_read_from_a_store() {
        let text = Config::from_json(OTHER).unwrap().to_precompiled_text();
        let chosen = choose("store", Some(&text), embedded());
        assert_eq!(chosen.config.unwrap().origins()[0].name, "api");
    }
}
