//! Reading the JSON document into a [`RawConfig`], reporting every
//! structural error (unknown field, wrong type, missing field) with its path.
//!
//! serde stops at the first error, so the document is read as a
//! `serde_json::Value` and each part (every origin, policy, behavior) is
//! deserialized on its own: one bad origin does not hide a bad behavior.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::schema::{RawBehavior, RawConfig, RawInvalidation, Seconds};
use crate::error::{ConfigError, Error};

const TOP_LEVEL_FIELDS: [&str; 8] = [
    "$schema",
    "origins",
    "cache_policies",
    "origin_request_policies",
    "behaviors",
    "default_behavior",
    "error_caching_min_ttl",
    "invalidation",
];

/// What the loader could read: every part that parsed, the structural
/// errors of those that did not, and their names, so that validation can
/// still check the rest without complaining about references to them.
pub(super) struct Parsed {
    pub raw: RawConfig,
    /// The document index of each behavior in `raw.behaviors`.
    pub behavior_indices: Vec<usize>,
    pub broken: Broken,
    pub errors: Vec<ConfigError>,
}

/// Names of parts that failed to parse.
#[derive(Default)]
pub(super) struct Broken {
    pub origins: BTreeSet<String>,
    pub cache_policies: BTreeSet<String>,
    pub origin_request_policies: BTreeSet<String>,
    pub default_behavior: bool,
}

/// Parses the document. Fails outright only when it is not a JSON object.
pub(super) fn parse(json: &str) -> Result<Parsed, Error> {
    let value: Value = serde_json::from_str(json)
        .map_err(|e| Error::config(vec![ConfigError::new("$", format!("not valid JSON: {e}"))]))?;
    let Some(doc) = value.as_object() else {
        return Err(Error::config(vec![ConfigError::new(
            "$",
            "expected a JSON object",
        )]));
    };
    let mut errors = Vec::new();
    let mut broken = Broken::default();
    for field in doc.keys() {
        if !TOP_LEVEL_FIELDS.contains(&field.as_str()) {
            errors.push(ConfigError::new(
                member_path("$", field),
                format!(
                    "unknown field, expected one of {}",
                    TOP_LEVEL_FIELDS.join(", ")
                ),
            ));
        }
    }
    for required in ["origins", "cache_policies", "default_behavior"] {
        if !doc.contains_key(required) {
            errors.push(ConfigError::new(required, "missing required field"));
        }
    }
    let origins = map_of(doc, "origins", &mut errors, &mut broken.origins);
    let cache_policies = map_of(
        doc,
        "cache_policies",
        &mut errors,
        &mut broken.cache_policies,
    );
    let origin_request_policies = map_of(
        doc,
        "origin_request_policies",
        &mut errors,
        &mut broken.origin_request_policies,
    );
    let (behavior_indices, behaviors) = behaviors(doc, &mut errors).into_iter().unzip();
    let default_behavior = doc
        .get("default_behavior")
        .and_then(|v| part::<RawBehavior>(v, "default_behavior", &mut errors));
    broken.default_behavior = default_behavior.is_none();
    let error_caching_min_ttl = doc
        .get("error_caching_min_ttl")
        .and_then(|v| part::<BTreeMap<String, Seconds>>(v, "error_caching_min_ttl", &mut errors))
        .unwrap_or_default();
    let invalidation = doc
        .get("invalidation")
        .and_then(|v| part::<RawInvalidation>(v, "invalidation", &mut errors))
        .unwrap_or_default();
    let schema = match doc.get("$schema") {
        None => None,
        Some(Value::String(uri)) => Some(uri.clone()),
        Some(_) => {
            errors.push(ConfigError::new(
                "$schema",
                "expected a string: the URI or path of the JSON Schema",
            ));
            None
        }
    };
    let raw = RawConfig {
        schema,
        origins,
        cache_policies,
        origin_request_policies,
        behaviors,
        default_behavior: default_behavior.unwrap_or_else(placeholder_behavior),
        error_caching_min_ttl,
        invalidation,
    };
    Ok(Parsed {
        raw,
        behavior_indices,
        broken,
        errors,
    })
}

/// Stands in for a default behavior that failed to parse; never validated.
fn placeholder_behavior() -> RawBehavior {
    RawBehavior {
        path_pattern: None,
        origin: String::new(),
        cache_policy: String::new(),
        origin_request_policy: None,
        allowed_methods: Vec::new(),
        cached_methods: Vec::new(),
        allow_extension_methods: false,
        invalidate_on_unsafe_methods: false,
    }
}

/// A JSON object of named parts, each parsed on its own; the names of
/// those that fail go to `broken`.
fn map_of<T: DeserializeOwned>(
    doc: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<ConfigError>,
    broken: &mut BTreeSet<String>,
) -> BTreeMap<String, T> {
    let Some(value) = doc.get(field) else {
        return BTreeMap::new();
    };
    let Some(object) = value.as_object() else {
        errors.push(ConfigError::new(
            field,
            "expected an object of named entries",
        ));
        return BTreeMap::new();
    };
    let mut parts = BTreeMap::new();
    for (name, v) in object {
        match part::<T>(v, &member_path(field, name), errors) {
            Some(p) => {
                parts.insert(name.clone(), p);
            }
            None => {
                broken.insert(name.clone());
            }
        }
    }
    parts
}

/// The behaviors that parse, with their index in the document.
fn behaviors(doc: &Map<String, Value>, errors: &mut Vec<ConfigError>) -> Vec<(usize, RawBehavior)> {
    let Some(value) = doc.get("behaviors") else {
        return Vec::new();
    };
    let Some(list) = value.as_array() else {
        errors.push(ConfigError::new("behaviors", "expected an array"));
        return Vec::new();
    };
    list.iter()
        .enumerate()
        .filter_map(|(i, v)| {
            part::<RawBehavior>(v, &format!("behaviors[{i}]"), errors).map(|b| (i, b))
        })
        .collect()
}

/// Deserializes one part, recording a failure with its full path.
fn part<T: DeserializeOwned>(
    value: &Value,
    path: &str,
    errors: &mut Vec<ConfigError>,
) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            let inner = e.path().to_string();
            let full = if inner == "." {
                path.to_string()
            } else {
                format!("{path}.{inner}")
            };
            errors.push(ConfigError::new(full, e.inner().to_string()));
            None
        }
    }
}

/// `parent.name`, or `parent["odd name"]` when the name is not a plain word.
pub(super) fn member_path(parent: &str, name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match (parent, plain) {
        ("$", true) => name.to_string(),
        ("$", false) => format!("${}", quoted_member(name)),
        (_, true) => format!("{parent}.{name}"),
        (_, false) => format!("{parent}{}", quoted_member(name)),
    }
}

fn quoted_member(name: &str) -> String {
    format!("[{}]", Value::String(name.to_string()))
}
