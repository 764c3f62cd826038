//! What a platform's limits say of a configuration, for `edgecache check
//! --platform fastly|cloudflare`: each finding names the limit and where
//! the platform documents it.
//!
//! - whether the document fits the store the edge reads overrides from, as
//!   JSON (Fastly) or in its precompiled text form (`check --compile`;
//!   the only form the Cloudflare Worker reads); one that fits in neither
//!   is embedded at build time instead (`make package CONFIG=...`), which
//!   has no such limit;
//! - Cloudflare: origins `fetch` cannot reach as configured (HTTPS on a
//!   port other than 443, raw IP addresses, a Host of its own) and where
//!   purge tags must come from;
//! - Fastly: timeouts past the request's 2 minutes, objects past 100 MB.

use edgecache_core::config::cloudflare_unreachable;
use edgecache_core::{Config, Origin};
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
    /// Whether the edge reads JSON there, or only the precompiled text.
    reads_json: bool,
}

impl Platform {
    fn store(self) -> Store {
        match self {
            Platform::Fastly => Store {
                name: "a Fastly config store value (key `config` of store `edgecache`)",
                limit: 8000,
                source: "Fastly resource limits: config store item values hold at most 8,000 characters \
                         (https://docs.fastly.com/en/guides/resource-limits)",
                reads_json: true,
            },
            Platform::Cloudflare => Store {
                name: "a Workers environment variable (EDGECACHE_CONFIG)",
                limit: 5 * 1024,
                source: "Cloudflare Workers limits: environment variables hold at most 5 KB each \
                         (https://developers.cloudflare.com/workers/platform/limits/)",
                reads_json: false,
            },
        }
    }
}

/// What `platform`'s limits say of `config`, whose document is `json`.
pub fn findings(platform: Platform, config: &Config, json: &str) -> Vec<Finding> {
    let mut findings = vec![store_size(platform, config, json)];
    match platform {
        Platform::Cloudflare => {
            for origin in config.origins() {
                findings.extend(cloudflare_origin(origin));
            }
            findings.push(cloudflare_tags());
        }
        Platform::Fastly => {
            for origin in config.origins() {
                findings.extend(fastly_timeouts(origin));
                findings.extend(fastly_shield(origin));
            }
            findings.extend(fastly_object_size(config));
        }
    }
    findings
}

const CF_TAGS: &str = "Cloudflare removes Cache-Tag from the origin's response before a Worker sees it \
     (https://developers.cloudflare.com/cache/how-to/purge-cache/purge-by-tags/)";
const CF_CACHE_API: &str = "Cloudflare Cache API: stored per data center, not replicated \
     (https://developers.cloudflare.com/workers/runtime-apis/cache/)";
const FASTLY_SHIELD: &str = "Fastly shielding \
     (https://www.fastly.com/documentation/guides/concepts/shielding/)";
const FASTLY_TIME: &str = "Fastly Compute resource limits: a request runs at most 2 minutes (60 s on trial accounts) \
     (https://docs.fastly.com/en/guides/resource-limits)";
const FASTLY_OBJECT: &str = "Fastly Compute resource limits: cached objects hold at most 100 MB \
     (https://docs.fastly.com/en/guides/resource-limits)";

fn finding(severity: Severity, path: String, message: String, source: &'static str) -> Finding {
    Finding {
        severity,
        path,
        message,
        source,
    }
}

/// What a Worker's `fetch` cannot do with this origin (core's check,
/// which a Worker running such a configuration also logs), and a shield
/// it has no use for.
fn cloudflare_origin(origin: &Origin) -> Vec<Finding> {
    let mut out: Vec<Finding> = cloudflare_unreachable(origin)
        .into_iter()
        .map(|u| finding(Severity::Error, u.path, u.message, u.source))
        .collect();
    if origin.shield.is_some() {
        let message = "shielding is Fastly's: on Cloudflare every data center asks the origin on its misses (the Cache API is per data center, with no tier)".to_string();
        out.push(finding(
            Severity::Warning,
            format!("origins.{}.shield", origin.name),
            message,
            CF_CACHE_API,
        ));
    }
    out
}

/// What shielding costs on Fastly.
fn fastly_shield(origin: &Origin) -> Option<Finding> {
    let pop = origin.shield.as_deref()?;
    let message = format!(
        "misses at every other POP go to shield POP {pop} and its misses to the origin: one origin request per entry instead of one per POP, for a second hop on misses (and Fastly's shield traffic on the bill); it needs the purge token, from which POPs prove themselves to the shield"
    );
    Some(finding(
        Severity::Note,
        format!("origins.{}.shield", origin.name),
        message,
        FASTLY_SHIELD,
    ))
}

fn cloudflare_tags() -> Finding {
    let message = "purge tags come from the origin's Surrogate-Key on Cloudflare: its Cache-Tag never reaches the Worker".to_string();
    finding(Severity::Note, "$".to_string(), message, CF_TAGS)
}

/// Timeouts a Fastly request cannot wait out.
fn fastly_timeouts(origin: &Origin) -> Vec<Finding> {
    const LIMIT_MS: u64 = 120_000;
    let timeouts = [
        ("connect_timeout_ms", origin.connect_timeout_ms),
        ("first_byte_timeout_ms", origin.first_byte_timeout_ms),
        ("between_bytes_timeout_ms", origin.between_bytes_timeout_ms),
    ];
    timeouts
        .into_iter()
        .filter(|(_, ms)| *ms >= LIMIT_MS)
        .map(|(field, ms)| {
            let message = format!(
                "{ms} ms is past the 2 minutes a Fastly request may run: the platform ends it first; keep it well below (60 s on trial accounts)"
            );
            finding(Severity::Error, format!("origins.{}.{field}", origin.name), message, FASTLY_TIME)
        })
        .collect()
}

/// Policies that would store objects Fastly does not cache.
fn fastly_object_size(config: &Config) -> Vec<Finding> {
    const LIMIT: u64 = 100_000_000;
    config
        .cache_policies()
        .iter()
        .filter(|p| p.max_object_bytes.is_some_and(|bytes| bytes > LIMIT))
        .map(|p| {
            let message =
                "above Fastly's 100 MB: larger answers pass through uncached whatever this says"
                    .to_string();
            finding(
                Severity::Warning,
                format!("cache_policies.{}.max_object_bytes", p.name),
                message,
                FASTLY_OBJECT,
            )
        })
        .collect()
}

fn store_size(platform: Platform, config: &Config, json: &str) -> Finding {
    let store = platform.store();
    let minified = serde_json::from_str::<serde_json::Value>(json)
        .map_or(json.len(), |value| value.to_string().len());
    let compiled = config.to_precompiled_text().len();
    let (severity, message) = if compiled > store.limit {
        let sizes = if store.reads_json {
            format!("{minified} as minified JSON and {compiled} precompiled")
        } else {
            format!("{compiled} as its precompiled text (the only form the Worker reads)")
        };
        (
            Severity::Error,
            format!(
                "too large for {}: {sizes}, over its {} limit; \
                 embed it at build time instead (make package CONFIG=...), which has no such limit",
                store.name, store.limit
            ),
        )
    } else if !store.reads_json {
        (
            Severity::Note,
            format!(
                "fits {} as its precompiled text, the only form the Worker reads \
                 (edgecache check --compile): {compiled} of {}",
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
        // The Worker reads only the precompiled text: JSON's size does not
        // count there.
        let table = [
            (Platform::Fastly, 5, Severity::Note),
            (Platform::Fastly, 150, Severity::Warning),
            (Platform::Fastly, 300, Severity::Error),
            (Platform::Cloudflare, 5, Severity::Note),
            (Platform::Cloudflare, 110, Severity::Note),
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

    fn errors(platform: Platform, json: &str) -> Vec<String> {
        let config = Config::from_json(json).unwrap();
        findings(platform, &config, json)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.path)
            .collect()
    }

    #[test]
    fn cloudflare_refuses_origins_its_fetch_cannot_reach_as_written() {
        let table = [
            (r#""domain": "api.example.com""#, vec![]),
            (
                r#""domain": "api.example.com", "https_port": 8443"#,
                vec!["origins.api.https_port"],
            ),
            (
                r#""domain": "api.example.com", "protocol": "http-only", "http_port": 8080, "https_port": 8443"#,
                vec![],
            ),
            (r#""domain": "192.0.2.10""#, vec!["origins.api.domain"]),
            (r#""domain": "[2001:db8::1]""#, vec!["origins.api.domain"]),
            (
                r#""domain": "api.example.com", "host_header": "viewer""#,
                vec!["origins.api.host_header"],
            ),
            (
                r#""domain": "api.example.com", "host_header": {"custom": "x.example"}"#,
                vec!["origins.api.host_header"],
            ),
        ];
        for (origin, expected) in table {
            let json = format!(
                r#"{{"origins": {{"api": {{{origin}}}}}, "cache_policies": {{"p": {{}}}},
                    "default_behavior": {{"origin": "api", "cache_policy": "p"}}}}"#
            );
            assert_eq!(errors(Platform::Cloudflare, &json), expected, "{origin}");
            assert!(errors(Platform::Fastly, &json).is_empty(), "{origin}");
        }
    }

    #[test]
    fn a_shield_is_a_cost_on_fastly_and_of_no_use_on_cloudflare() {
        let json = r#"{"origins": {"api": {"domain": "api.example.com", "shield": "iad-va-us"}},
            "cache_policies": {"p": {}}, "default_behavior": {"origin": "api", "cache_policy": "p"}}"#;
        let config = Config::from_json(json).unwrap();
        let at = |platform| {
            findings(platform, &config, json)
                .into_iter()
                .filter(|f| f.path == "origins.api.shield")
                .map(|f| f.severity)
                .collect::<Vec<_>>()
        };
        assert_eq!(at(Platform::Fastly), [Severity::Note]);
        assert_eq!(at(Platform::Cloudflare), [Severity::Warning]);
    }

    #[test]
    fn fastly_refuses_timeouts_past_its_two_minutes() {
        let json = r#"{"origins": {"api": {"domain": "api.example.com", "first_byte_timeout_ms": 180000}},
            "cache_policies": {"p": {"max_object_bytes": 200000000}},
            "default_behavior": {"origin": "api", "cache_policy": "p"}}"#;
        assert_eq!(
            errors(Platform::Fastly, json),
            ["origins.api.first_byte_timeout_ms"]
        );
        let config = Config::from_json(json).unwrap();
        let size = findings(Platform::Fastly, &config, json);
        assert!(
            size.iter()
                .any(|f| f.path == "cache_policies.p.max_object_bytes")
        );
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
