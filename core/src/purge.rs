//! The invalidation API's request: what the backend asks to purge, read
//! and checked before anything is purged.
//!
//! `POST /.edgecache/purge` with
//! `{"paths": ["/products/42", "/search/pcp?Keyword=flu", "/media/*"],
//!   "tags": ["product-42"], "all": false, "soft": false}`.
//!
//! Paths follow CloudFront's invalidation syntax: a leading `/`, case
//! sensitive, `*` only as the last character. A path without a query
//! names every variant of that path, a path with a query the variants of
//! that key, and a trailing `*` every path that starts with the rest. Paths
//! are normalized as requests are, so `/a/%7Eb` purges what `/a/~b` stored.
//!
//! The bearer token is compared in constant time ([`authorized`]).

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::path::normalize_path;
use crate::tags::MAX_TAG_LEN;

/// The largest request body read, in bytes; larger ones get 413.
pub const MAX_PURGE_BODY: usize = 64 * 1024;
/// The most paths one call may name (CloudFront takes 3,000 per batch,
/// Fastly 256 keys per call); more get 400, nothing purged.
pub const MAX_PURGE_PATHS: usize = 256;
/// The most tags one call may name.
pub const MAX_PURGE_TAGS: usize = 256;
/// The longest path accepted.
pub const MAX_PURGE_PATH_LEN: usize = 4096;

/// A checked purge request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeRequest {
    /// What each entry of `paths` names, normalized, in request order.
    pub paths: Vec<PurgeTarget>,
    /// Tags as the origin sent them (`Surrogate-Key`, `Cache-Tag`).
    pub tags: Vec<String>,
    /// Everything this function cached.
    pub all: bool,
    /// Mark stale instead of removing: served stale while revalidating.
    pub soft: bool,
}

/// What one path of the request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurgeTarget {
    /// Every variant of this normalized path: any query, header, cookie.
    Path(String),
    /// The variants of one key: this normalized path with this query (as
    /// sent; the behavior's cache policy decides which parameters count).
    Key {
        /// The normalized path, without the `?`.
        path: String,
        /// The query as sent, without the `?`.
        query: String,
    },
    /// Every normalized path that starts with this.
    Prefix(String),
}

impl PurgeTarget {
    /// The target as the caller wrote it, normalized: for the summary.
    pub fn label(&self) -> String {
        match self {
            PurgeTarget::Path(path) => path.clone(),
            PurgeTarget::Key { path, query } => format!("{path}?{query}"),
            PurgeTarget::Prefix(prefix) => format!("{prefix}*"),
        }
    }
}

/// Why a purge request is refused; nothing is purged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurgeError {
    /// The body is larger than [`MAX_PURGE_BODY`] (413).
    TooLarge,
    /// The body is not a purge request; every problem with its JSON path
    /// (400).
    Malformed(Vec<String>),
}

impl PurgeError {
    /// The status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            PurgeError::TooLarge => 413,
            PurgeError::Malformed(_) => 400,
        }
    }

    /// The problems, for the JSON error body.
    pub fn problems(&self) -> Vec<String> {
        match self {
            PurgeError::TooLarge => vec![format!("body larger than {MAX_PURGE_BODY} bytes")],
            PurgeError::Malformed(problems) => problems.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    all: bool,
    #[serde(default)]
    soft: bool,
}

/// Reads and checks a purge request body.
///
/// ```
/// use edgecache_core::purge::{parse_purge, PurgeTarget};
/// let request = parse_purge(br#"{"paths": ["/media/*", "/products/42"], "soft": true}"#).unwrap();
/// assert_eq!(request.paths[0], PurgeTarget::Prefix("/media/".into()));
/// assert_eq!(request.paths[1], PurgeTarget::Path("/products/42".into()));
/// assert!(request.soft);
/// assert_eq!(parse_purge(br#"{"paths": ["media"]}"#).unwrap_err().status(), 400);
/// ```
pub fn parse_purge(body: &[u8]) -> Result<PurgeRequest, PurgeError> {
    if body.len() > MAX_PURGE_BODY {
        return Err(PurgeError::TooLarge);
    }
    let mut json = serde_json::Deserializer::from_slice(body);
    let body: Body = serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let at = e.path().to_string();
        let at = if at == "." { "body".to_string() } else { at };
        PurgeError::Malformed(vec![format!("{at}: {}", e.inner())])
    })?;
    let mut problems = Vec::new();
    if body.paths.len() > MAX_PURGE_PATHS {
        problems.push(format!(
            "paths: {} paths, at most {MAX_PURGE_PATHS} per call",
            body.paths.len()
        ));
    }
    if body.tags.len() > MAX_PURGE_TAGS {
        problems.push(format!(
            "tags: {} tags, at most {MAX_PURGE_TAGS} per call",
            body.tags.len()
        ));
    }
    let mut paths = Vec::with_capacity(body.paths.len());
    for (i, raw) in body.paths.iter().enumerate() {
        match target(raw) {
            Ok(target) => paths.push(target),
            Err(problem) => problems.push(format!("paths[{i}]: {problem}")),
        }
    }
    for (i, tag) in body.tags.iter().enumerate() {
        if let Err(problem) = check_tag(tag) {
            problems.push(format!("tags[{i}]: {problem}"));
        }
    }
    if body.paths.is_empty() && body.tags.is_empty() && !body.all {
        problems.push("body: name paths, tags, or \"all\": true".to_string());
    }
    if !problems.is_empty() {
        return Err(PurgeError::Malformed(problems));
    }
    Ok(PurgeRequest {
        paths,
        tags: body.tags,
        all: body.all,
        soft: body.soft,
    })
}

fn target(raw: &str) -> Result<PurgeTarget, String> {
    if raw.len() > MAX_PURGE_PATH_LEN {
        return Err(format!("longer than {MAX_PURGE_PATH_LEN} bytes"));
    }
    if !raw.starts_with('/') {
        return Err("must start with /".to_string());
    }
    let (path, query) = match raw.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (raw, None),
    };
    let wildcard = raw.find('*');
    if wildcard.is_some_and(|at| at + 1 != raw.len()) {
        return Err("* may only be the last character".to_string());
    }
    let prefix = wildcard.is_some();
    if prefix && query.is_some() {
        return Err("a path with a query cannot end in *".to_string());
    }
    let bare = path.strip_suffix('*').unwrap_or(path);
    let normalized = normalize_path(bare).map_err(|_| "not a path".to_string())?;
    Ok(match (prefix, query) {
        (true, _) => PurgeTarget::Prefix(keep_trailing_slash(bare, normalized)),
        (false, Some(query)) => PurgeTarget::Key {
            path: normalized,
            query: query.to_string(),
        },
        (false, None) => PurgeTarget::Path(normalized),
    })
}

/// `/media/*` is a prefix ending in `/`; normalization keeps it so.
fn keep_trailing_slash(raw: &str, mut normalized: String) -> String {
    if raw.ends_with('/') && !normalized.ends_with('/') {
        normalized.push('/');
    }
    normalized
}

fn check_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty() || tag.len() > MAX_TAG_LEN {
        return Err(format!("1 to {MAX_TAG_LEN} bytes"));
    }
    if !tag.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("visible ASCII only, no spaces".to_string());
    }
    Ok(())
}

/// Whether an `Authorization` header carries `Bearer <token>`. The two
/// are compared through their SHA-256 digests, byte by byte without an
/// early exit, so the time taken tells nothing of the token, its length
/// or how much of a guess was right. An empty configured token authorizes
/// nothing.
///
/// ```
/// use edgecache_core::purge::authorized;
/// assert!(authorized(Some(b"Bearer demo-purge-token"), b"demo-purge-token"));
/// assert!(!authorized(Some(b"Bearer demo-purge-tokeN"), b"demo-purge-token"));
/// assert!(!authorized(None, b"demo-purge-token"));
/// ```
pub fn authorized(header: Option<&[u8]>, token: &[u8]) -> bool {
    let Some(given) = header.and_then(strip_bearer) else {
        return false;
    };
    if token.is_empty() {
        return false;
    }
    let (given, token) = (Sha256::digest(given), Sha256::digest(token));
    let difference = given
        .iter()
        .zip(token.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    difference == 0
}

/// The credentials after `Bearer ` (scheme case-insensitive, RFC 9110
/// section 11.1).
fn strip_bearer(header: &[u8]) -> Option<&[u8]> {
    let header = header.trim_ascii();
    let (scheme, rest) = header.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| rest.trim_ascii())
}

mod client;
mod endpoint;
mod invalidation;
mod keys;
mod log;

pub use client::PurgeCall;
pub use endpoint::{PurgePlan, PurgeResponse, is_purge_request, plan_purge, purge_gate};
pub use invalidation::invalidated_keys;
pub use keys::{MAX_PURGE_DIRS, PURGE_ALL_KEY, entry_purge_keys, fill_key, target_purge_keys};
pub use log::{MAX_PURGE_MARKS, PurgeChange, PurgeDelta, PurgeLog, PurgeMark, PurgeVerdict};

#[cfg(test)]
mod tests;
