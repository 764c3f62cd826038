//! `edgecache check`: validate a configuration file.

use std::fmt::Write as _;
use std::path::Path;

use edgecache_core::Config;
use edgecache_core::schema::RawConfig;
use serde::Serialize;

use crate::Error;
use crate::hints::hint;
use crate::input;
use crate::platform::{self, Finding, Platform, Severity};

/// The verdict on one configuration file.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The file as named on the command line.
    pub file: String,
    /// Whether the configuration passed validation: no problems.
    pub valid: bool,
    /// Every problem found, in the order validation reports them.
    pub problems: Vec<Problem>,
    /// With `--print`: the configuration with every default filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized: Option<RawConfig>,
    /// With `--platform`: what that platform's limits say; an error
    /// finding makes the configuration invalid there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platform: Vec<Finding>,
    /// With `--compile`: the precompiled text form a config store holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precompiled: Option<String>,
    #[serde(skip)]
    summary: String,
}

/// One problem: where, what, and what the field expects.
#[derive(Debug, Serialize)]
pub struct Problem {
    /// The JSON path of the field at fault (`behaviors[0].cache_policy`),
    /// or `$` for the document.
    pub path: String,
    /// What is wrong, as core worded it.
    pub message: String,
    /// What the field expects, with an example, when there is a hint for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<&'static str>,
}

/// What `edgecache check` adds to the verdict.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// The configuration with every default filled in (`--print`).
    pub print: bool,
    /// What this platform's limits say (`--platform`).
    pub platform: Option<Platform>,
    /// The precompiled text form (`--compile`), when valid.
    pub compile: bool,
}

/// Reads and checks `file`. Only an unreadable file is an `Err`; an
/// invalid configuration is a report with problems.
pub fn run(file: &Path, options: Options) -> Result<Report, Error> {
    let json = read_config(file)?;
    let shown = input::name(file);
    Ok(match Config::from_json(&json) {
        Ok(config) => {
            let platform = options
                .platform
                .map(|p| platform::findings(p, &config, &json))
                .unwrap_or_default();
            let fits = !platform.iter().any(|f| f.severity == Severity::Error);
            Report {
                summary: summary(&config),
                normalized: options
                    .print
                    .then(|| Config::normalized_document(&json).ok())
                    .flatten(),
                precompiled: (options.compile && fits).then(|| config.to_precompiled_text()),
                platform,
                file: shown,
                valid: fits,
                problems: Vec::new(),
            }
        }
        Err(error) => Report {
            file: shown,
            valid: false,
            problems: error
                .config_errors()
                .iter()
                .map(|e| Problem {
                    path: e.path().to_string(),
                    message: e.message().to_string(),
                    hint: hint(e.path()),
                })
                .collect(),
            normalized: None,
            platform: Vec::new(),
            precompiled: None,
            summary: String::new(),
        },
    })
}

/// Reads a configuration file for any command (`-`: standard input).
pub fn read_config(file: &Path) -> Result<String, Error> {
    input::read_to_string(file)
}

/// Loads and validates a configuration for a command that needs a valid one.
pub fn load_config(file: &Path) -> Result<Config, Error> {
    Config::from_json(&read_config(file)?).map_err(|e| {
        let check = if input::is_stdin(file) {
            "`edgecache check -` on the same input".to_string()
        } else {
            format!("`edgecache check {}`", file.display())
        };
        Error::new(format!(
            "{}: {e}\n(run {check} for hints)",
            input::name(file)
        ))
    })
}

fn summary(config: &Config) -> String {
    format!(
        "{} and the default, {}, {}, {}",
        counted(config.behaviors().len(), "behavior"),
        counted(config.origins().len(), "origin"),
        counted(config.cache_policies().len(), "cache policy"),
        counted(
            config.origin_request_policies().len(),
            "origin request policy"
        ),
    )
}

/// `1 origin`, `2 origins`, `3 cache policies`.
fn counted(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        (_, None) => format!("{n} {noun}s"),
    }
}

impl Report {
    /// The report as text: the verdict, then each problem and its hint,
    /// then the normalized configuration when asked for.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if self.valid {
            let _ = writeln!(out, "{}: valid: {}", self.file, self.summary);
        } else if self.problems.is_empty() {
            let _ = writeln!(
                out,
                "{}: valid, but not on this platform: {}",
                self.file, self.summary
            );
        } else {
            let n = self.problems.len();
            let plural = if n == 1 { "" } else { "s" };
            let _ = writeln!(out, "{}: {n} problem{plural}", self.file);
            for problem in &self.problems {
                let _ = writeln!(out, "  {}: {}", problem.path, problem.message);
                if let Some(hint) = problem.hint {
                    let _ = writeln!(out, "      hint: {hint}");
                }
            }
        }
        for finding in &self.platform {
            let severity = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            };
            let _ = writeln!(out, "  {severity}: {}: {}", finding.path, finding.message);
            let _ = writeln!(out, "      limit: {}", finding.source);
        }
        if let Some(normalized) = &self.normalized {
            let pretty = serde_json::to_string_pretty(normalized).unwrap_or_default();
            let _ = writeln!(out, "{pretty}");
        }
        out
    }
}
