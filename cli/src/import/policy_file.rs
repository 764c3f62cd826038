//! Custom cache and origin request policies, from the files given with
//! `--cache-policy` and `--origin-request-policy`: the output of `aws
//! cloudfront get-cache-policy` (`{"CachePolicy": {"Id", "CachePolicyConfig"}}`),
//! of `list-cache-policies` (several), or of `get-cache-policy-config`
//! (the config alone, given as `ID=FILE` since it does not hold its id);
//! the same for origin request policies.
//!
//! Field reference:
//! <https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CachePolicyConfig.html>,
//! <https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginRequestPolicyConfig.html>.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::distribution::{List, read};
use super::note::{item, join};
use crate::{Error, input};

/// A cache policy's settings.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CachePolicyConfig {
    pub(crate) name: String,
    #[serde(rename = "MinTTL")]
    pub(crate) min_ttl: u64,
    #[serde(rename = "DefaultTTL")]
    pub(crate) default_ttl: Option<u64>,
    #[serde(rename = "MaxTTL")]
    pub(crate) max_ttl: Option<u64>,
    pub(crate) parameters_in_cache_key_and_forwarded_to_origin: CacheKey,
}

/// What a cache policy keys on (and so forwards).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CacheKey {
    pub(crate) enable_accept_encoding_gzip: bool,
    pub(crate) enable_accept_encoding_brotli: bool,
    pub(crate) headers_config: HeadersConfig,
    pub(crate) cookies_config: CookiesConfig,
    pub(crate) query_strings_config: QueryStringsConfig,
}

/// An origin request policy's settings.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct OriginRequestPolicyConfig {
    pub(crate) name: String,
    pub(crate) headers_config: HeadersConfig,
    pub(crate) cookies_config: CookiesConfig,
    pub(crate) query_strings_config: QueryStringsConfig,
}

/// `HeaderBehavior` and its `Headers`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct HeadersConfig {
    pub(crate) header_behavior: String,
    pub(crate) headers: List<String>,
}

/// `CookieBehavior` and its `Cookies`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CookiesConfig {
    pub(crate) cookie_behavior: String,
    pub(crate) cookies: List<String>,
}

/// `QueryStringBehavior` and its `QueryStrings`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct QueryStringsConfig {
    pub(crate) query_string_behavior: String,
    pub(crate) query_strings: List<String>,
}

/// Which of the two kinds of policy a flag reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    /// The object's name in the AWS CLI's output: `CachePolicy`.
    pub(crate) object: &'static str,
    /// What it is called in messages: `cache policy`.
    pub(crate) noun: &'static str,
    /// The command-line flag: `--cache-policy`.
    pub(crate) flag: &'static str,
    /// The AWS CLI command that prints one: `get-cache-policy`.
    pub(crate) command: &'static str,
}

/// Cache policies (`--cache-policy`).
pub(crate) const CACHE: Kind = Kind {
    object: "CachePolicy",
    noun: "cache policy",
    flag: "--cache-policy",
    command: "get-cache-policy",
};

/// Origin request policies (`--origin-request-policy`).
pub(crate) const ORIGIN_REQUEST: Kind = Kind {
    object: "OriginRequestPolicy",
    noun: "origin request policy",
    flag: "--origin-request-policy",
    command: "get-origin-request-policy",
};

/// A custom policy from a file, by id.
#[derive(Debug)]
pub(crate) struct Custom<C> {
    /// Its settings.
    pub(crate) config: C,
    /// Where they are: the file's name, `#`, and the JSON path of the config.
    pub(crate) at: String,
}

/// Custom policies of one kind, by id.
pub(crate) type Customs<C> = BTreeMap<String, Custom<C>>;

/// A policy's settings that carry its name.
pub(crate) trait PolicyName {
    /// The policy's `Name` (empty when the file gives none).
    fn name(&self) -> &str;
}

impl PolicyName for CachePolicyConfig {
    fn name(&self) -> &str {
        &self.name
    }
}

impl PolicyName for OriginRequestPolicyConfig {
    fn name(&self) -> &str {
        &self.name
    }
}

/// Reads every file given for a kind of policy.
pub(crate) fn read_all<C: DeserializeOwned>(
    args: &[String],
    kind: Kind,
) -> Result<Customs<C>, Error> {
    let mut all = Customs::new();
    for arg in args {
        let (id, path) = split_arg(arg);
        let text = input::read_to_string(Path::new(path))?;
        let file = input::name(Path::new(path));
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| Error::new(format!("{file}: not valid JSON: {e}")))?;
        for (policy_id, custom) in policies::<C>(&value, id, &file, kind)? {
            if all.contains_key(&policy_id) {
                return Err(Error::new(format!(
                    "{file}: {} {policy_id} is given twice with {}",
                    kind.object, kind.flag
                )));
            }
            all.insert(policy_id, custom);
        }
    }
    Ok(all)
}

/// The file a flag's argument names.
pub(crate) fn file_of(arg: &str) -> &Path {
    Path::new(split_arg(arg).1)
}

/// `ID=FILE` (for a config without its id) or `FILE`.
fn split_arg(arg: &str) -> (Option<&str>, &str) {
    if Path::new(arg).exists() {
        return (None, arg);
    }
    match arg.split_once('=') {
        Some((id, path))
            if !id.is_empty()
                && !path.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            (Some(id), path)
        }
        _ => (None, arg),
    }
}

/// The policies in one file, by id.
fn policies<C: DeserializeOwned>(
    value: &Value,
    given_id: Option<&str>,
    file: &str,
    kind: Kind,
) -> Result<Vec<(String, Custom<C>)>, Error> {
    let object = kind.object;
    let config_field = format!("{object}Config");
    if let Some(one) = value.get(object) {
        let id = one.get("Id").and_then(Value::as_str).unwrap_or_default();
        let id = checked_id(id, given_id, file, kind)?;
        let at = join(object, &config_field);
        return Ok(vec![(id, custom(one.get(&config_field), &at, file, kind)?)]);
    }
    if let Some(config) = value.get(&config_field) {
        let Some(id) = given_id else {
            return Err(Error::new(format!(
                "{file}: holds a {config_field} without its Id (the output of `aws cloudfront {}-config`); \
                 give the id with it: {} ID={file}",
                kind.command, kind.flag
            )));
        };
        return Ok(vec![(
            id.to_string(),
            custom(Some(config), &config_field, file, kind)?,
        )]);
    }
    if let Some(list) = value.get(format!("{object}List")) {
        return listed(list, given_id, file, kind);
    }
    Err(wrong_kind(value, file, kind))
}

/// The policies of a `list-*-policies` output.
fn listed<C: DeserializeOwned>(
    list: &Value,
    given_id: Option<&str>,
    file: &str,
    kind: Kind,
) -> Result<Vec<(String, Custom<C>)>, Error> {
    if given_id.is_some() {
        return Err(Error::new(format!(
            "{file}: a list of policies holds their ids: give it without ID="
        )));
    }
    let object = kind.object;
    let items = list
        .get("Items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::with_capacity(items.len());
    for (i, entry) in items.iter().enumerate() {
        let Some(one) = entry.get(object) else {
            continue;
        };
        let id = one.get("Id").and_then(Value::as_str).unwrap_or_default();
        let at = join(
            &item(&format!("{object}List"), i),
            &format!("{object}.{object}Config"),
        );
        let config = one.get(format!("{object}Config"));
        out.push((
            checked_id(id, None, file, kind)?,
            custom(config, &at, file, kind)?,
        ));
    }
    Ok(out)
}

fn checked_id(id: &str, given: Option<&str>, file: &str, kind: Kind) -> Result<String, Error> {
    match given {
        Some(given) if !id.is_empty() && given != id => Err(Error::new(format!(
            "{file}: holds {} {id}, not {given}",
            kind.object
        ))),
        Some(given) => Ok(given.to_string()),
        None if id.is_empty() => Err(Error::new(format!(
            "{file}: the {} has no Id; give it as {} ID={file}",
            kind.object, kind.flag
        ))),
        None => Ok(id.to_string()),
    }
}

fn custom<C: DeserializeOwned>(
    config: Option<&Value>,
    at: &str,
    file: &str,
    kind: Kind,
) -> Result<Custom<C>, Error> {
    let Some(config) = config else {
        return Err(Error::new(format!(
            "{file}: {at} is missing (expected the output of `aws cloudfront {}`)",
            kind.command
        )));
    };
    Ok(Custom {
        config: read(config, at, file)?,
        at: format!("{file}#{at}"),
    })
}

/// The error for a file that holds something else, naming the right flag
/// when it is the other kind of policy.
fn wrong_kind(value: &Value, file: &str, kind: Kind) -> Error {
    let other = if kind.object == CACHE.object {
        ORIGIN_REQUEST
    } else {
        CACHE
    };
    let holds_other = [
        other.object.to_string(),
        format!("{}Config", other.object),
        format!("{}List", other.object),
    ]
    .iter()
    .any(|field| value.get(field).is_some());
    if holds_other {
        return Error::new(format!(
            "{file}: holds {} output, not {}: give it with {}",
            other.object, kind.object, other.flag
        ));
    }
    Error::new(format!(
        "{file}: expected the output of `aws cloudfront {}` (an object with {})",
        kind.command, kind.object
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str, id: Option<&str>, kind: Kind) -> Result<Vec<String>, Error> {
        let value: Value = serde_json::from_str(json).unwrap();
        Ok(policies::<CachePolicyConfig>(&value, id, "p.json", kind)?
            .into_iter()
            .map(|(id, custom)| format!("{id} {} {}", custom.config.name, custom.at))
            .collect())
    }

    #[test]
    fn reads_each_shape_the_aws_cli_prints() {
        let get = r#"{"ETag": "E1", "CachePolicy": {"Id": "abc-1", "CachePolicyConfig": {"Name": "Search", "MinTTL": 0}}}"#;
        assert_eq!(
            parse(get, None, CACHE).unwrap(),
            ["abc-1 Search p.json#CachePolicy.CachePolicyConfig"]
        );
        let config = r#"{"ETag": "E1", "CachePolicyConfig": {"Name": "Search", "MinTTL": 0}}"#;
        assert_eq!(
            parse(config, Some("abc-2"), CACHE).unwrap(),
            ["abc-2 Search p.json#CachePolicyConfig"]
        );
        let list = r#"{"CachePolicyList": {"Items": [{"Type": "custom", "CachePolicy": {"Id": "abc-3", "CachePolicyConfig": {"Name": "A", "MinTTL": 0}}}]}}"#;
        assert_eq!(
            parse(list, None, CACHE).unwrap(),
            ["abc-3 A p.json#CachePolicyList.Items[0].CachePolicy.CachePolicyConfig"]
        );
    }

    #[test]
    fn asks_for_the_id_of_a_bare_config_and_the_right_flag() {
        let config = r#"{"CachePolicyConfig": {"Name": "Search", "MinTTL": 0}}"#;
        let error = parse(config, None, CACHE).unwrap_err().to_string();
        assert!(error.contains("--cache-policy ID=p.json"), "{error}");
        let orp = r#"{"OriginRequestPolicy": {"Id": "x", "OriginRequestPolicyConfig": {}}}"#;
        let error = parse(orp, None, CACHE).unwrap_err().to_string();
        assert!(
            error.contains("give it with --origin-request-policy"),
            "{error}"
        );
        let other = r#"{"CachePolicy": {"Id": "abc-1", "CachePolicyConfig": {}}}"#;
        let error = parse(other, Some("abc-9"), CACHE).unwrap_err().to_string();
        assert!(
            error.contains("holds CachePolicy abc-1, not abc-9"),
            "{error}"
        );
    }

    #[test]
    fn an_id_prefix_is_split_off_only_when_no_such_file_exists() {
        assert_eq!(split_arg("abc-1=p.json"), (Some("abc-1"), "p.json"));
        assert_eq!(split_arg("p.json"), (None, "p.json"));
        assert_eq!(split_arg("dir/a=b.json"), (None, "dir/a=b.json"));
        assert_eq!(split_arg("Cargo.toml"), (None, "Cargo.toml"));
    }
}
