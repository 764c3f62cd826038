//! What a platform's limits say of a configuration, for `edgecache check
//! --platform fastly|cloudflare`: each finding names the limit and where
//! the platform documents it.
//!
//! Today: whether the document fits the store the edge reads overrides
//! from, as JSON or in its precompiled text form (`check --compile`).
//! One that fits in neither is embedded at build time instead
//! (`make package CONFIG=...`), which has no such limit.

use edgecache_core::Config;
use serde::Serialize;

/// An edge platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Fastly Compute.
    Fastly,
    /// Cloudflare Workers.
    Cloudflare,
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The configuration cannot work this way on the platform.
    Error,
    /// It works, differently than written, or only as another form.
    Warning,
    /// For information.
    Note,
}

/// One thing the platform's limits say.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// The JSON path concerned (`$` for the document).
    pub path: String,
    /// What, and what to do.
    pub message: String,
    /// Where the platform documents the limit.
    pub source: &'static str,
}

/// The store an override is read from, and its limit.
struct Store {
    name: &'static str,
    /// In characters (Fastly) or bytes (Cloudflare); documents are ASCII
    /// once minified or precompiled, so both count alike.
    limit: usize,
    source: &'static str,
}

impl Platform {
    fn store(self) -> Store {
        match self {
            Platform::Fastly => Store {
                name: "a Fastly config store value (key `config` of store `edgecache`)",
                limit: 8000,
                source: "Fastly resource limits: config store item values hold at most 8,000 characters \
                         (https://docs.fastly.com/en/guides/resource-limits)",
            },
            Platform::Cloudflare => Store {
                name: "a Workers environment variable (EDGECACHE_CONFIG)",
                limit: 5 * 1024,
                source: "Cloudflare Workers limits: environment variables hold at most 5 KB each \
                         (https://developers.cloudflare.com/workers/platform/limits/)",
            },
        }
    }
}

/// What `platform`'s limits say of `config`, whose document is `json`.
pub fn findings(platform: Platform, config: &Config, json: &str) -> Vec<Finding> {
    vec![store_size(platform, config, json)]
}

fn store_size(platform: Platform, config: &Config, json: &str) -> Finding {
    let store = platform.store();
    let minified = serde_json::from_str::<serde_json::Value>(json)
        .map_or(json.len(), |value| value.to_string().len());
    let compiled = config.to_precompiled_text().len();
    let (severity, message) = if compiled > store.limit {
        (
            Severity::Error,
            format!(
                "too large for {}: {minified} as minified JSON and {compiled} precompiled, over its {} limit; \
                 embed it at build time instead (make package CONFIG=...), which has no such limit",
                store.name, store.limit
            ),
        )
    } else if minified > store.limit {
        (
            Severity::Warning,
            format!(
                "{minified} as minified JSON, over the {} limit of {}; its precompiled form \
                 (edgecache check --compile) takes {compiled}: store that, or embed it at build time",
                store.limit, store.name
            ),
        )
    } else {
        (
            Severity::Note,
            format!(
                "fits {}: {minified} of {} as minified JSON, {compiled} precompiled",
                store.name, store.limit
            ),
        )
    };
    Finding {
        severity,
        path: "$".to_string(),
        message,
        source: store.source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid configuration with `behaviors` behaviors.
    fn config(behaviors: usize) -> String {
        let list: Vec<String> = (0..behaviors)
            .map(|i| format!(r#"{{"path_pattern": "/api/v{i}/items/*", "origin": "api", "cache_policy": "p"}}"#))
            .collect();
        format!(
            r#"{{"origins": {{"api": {{"domain": "api.example.com"}}}},
                "cache_policies": {{"p": {{}}}},
                "behaviors": [{}],
                "default_behavior": {{"origin": "api", "cache_policy": "p"}}}}"#,
            list.join(",")
        )
    }

    fn severity(platform: Platform, behaviors: usize) -> Severity {
        let json = config(behaviors);
        let config = Config::from_json(&json).unwrap();
        findings(platform, &config, &json)[0].severity
    }

    #[test]
    fn a_document_fits_its_store_as_json_then_precompiled_then_not_at_all() {
        let table = [
            (Platform::Fastly, 5, Severity::Note),
            (Platform::Fastly, 150, Severity::Warning),
            (Platform::Fastly, 300, Severity::Error),
            (Platform::Cloudflare, 5, Severity::Note),
            (Platform::Cloudflare, 110, Severity::Warning),
            (Platform::Cloudflare, 170, Severity::Error),
        ];
        for (platform, behaviors, expected) in table {
            assert_eq!(
                severity(platform, behaviors),
                expected,
                "{platform:?} {behaviors}"
            );
        }
    }

    #[test]
    fn a_finding_names_the_limit_and_its_source() {
        let json = config(400);
        let config = Config::from_json(&json).unwrap();
        let finding = &findings(Platform::Fastly, &config, &json)[0];
        assert!(
            finding.message.contains("8000 limit"),
            "{}",
            finding.message
        );
        assert!(
            finding.message.contains("make package"),
            "{}",
            finding.message
        );
        assert!(finding.source.contains("docs.fastly.com"));
    }
}
