//! `edgecache import cloudfront`: a CloudFront distribution, as `aws
//! cloudfront get-distribution-config` prints it, as an edgecache
//! configuration, with one note per setting that is not carried over.
//!
//! - `distribution.rs` and `policy_file.rs` read the AWS CLI's JSON;
//! - `origin.rs`, `behavior.rs`, `policy.rs` (with `managed.rs`, the table
//!   of CloudFront's managed policies), `legacy.rs` (`ForwardedValues`) and
//!   `headers.rs` map each part onto edgecache's, and `names.rs` names the
//!   policies;
//! - `unsupported.rs` notes what edgecache has no counterpart for;
//! - `output.rs` writes the configuration and validates it as the edge would.
//!
//! Where edgecache differs from CloudFront by default and has a setting
//! for CloudFront's way, the setting is written: `cloudfront_min_ttl_override`
//! when `MinTTL` is above 0, `origin_ignores_unkeyed_credentials` where an
//! origin request policy forwards cookies or headers the cache policy does
//! not key (with a note: it lets such answers be stored for everyone), and
//! `targeted_cache_control: []` (CloudFront reads `Cache-Control` and
//! `Expires` only). An origin whose every behavior forwards the viewer's
//! `Host` gets `host_header: "viewer"`.

mod behavior;
mod distribution;
mod headers;
mod legacy;
mod managed;
mod names;
mod note;
mod origin;
mod output;
mod policy;
mod policy_file;
mod unsupported;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use edgecache_core::schema::{HostHeader, RawConfig, RawInvalidation, RawOrigin, Seconds};
use serde_json::Value;

pub use note::Note;

use crate::{Error, input};
use behavior::{Context, Mapped};
use distribution::Document;
use note::{item, join};
use policy::{CacheDraft, OrpDraft};
use policy_file::{CachePolicyConfig, Customs, OriginRequestPolicyConfig};

/// What to import: a distribution, and the custom policies its behaviors use.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The output of `aws cloudfront get-distribution-config` (or of
    /// `get-distribution`, or a bare `DistributionConfig`); `-` for
    /// standard input.
    pub distribution: PathBuf,
    /// Files with custom cache policies: the output of `aws cloudfront
    /// get-cache-policy` or `list-cache-policies`, or `ID=FILE` for that of
    /// `get-cache-policy-config`.
    pub cache_policies: Vec<String>,
    /// Files with custom origin request policies, likewise.
    pub origin_request_policies: Vec<String>,
}

/// An imported configuration.
#[derive(Debug)]
pub struct Imported {
    /// The edgecache configuration, pretty JSON that passes validation.
    pub json: String,
    /// Each setting not carried over, in the order of the input.
    pub notes: Vec<Note>,
}

/// Imports a CloudFront distribution. An `Err` is an input that cannot be
/// read or understood, or a custom policy that no file defines.
pub fn cloudfront(request: &Request) -> Result<Imported, Error> {
    let inputs = Inputs::read(request)?;
    let (raw, notes) = convert(&inputs)?;
    let json = output::render(&raw, &inputs.file)?;
    Ok(Imported { json, notes })
}

/// Everything the command line names, read.
struct Inputs {
    /// How messages name the distribution's file.
    file: String,
    document: Document,
    caches: Customs<CachePolicyConfig>,
    requests: Customs<OriginRequestPolicyConfig>,
}

impl Inputs {
    fn read(request: &Request) -> Result<Self, Error> {
        let policy_files = request
            .cache_policies
            .iter()
            .chain(&request.origin_request_policies)
            .map(|arg| policy_file::file_of(arg));
        input::stdin_once(
            [request.distribution.as_path()]
                .into_iter()
                .chain(policy_files),
        )?;
        let file = input::name(&request.distribution);
        let text = input::read_to_string(&request.distribution)?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| Error::new(format!("{file}: not valid JSON: {e}")))?;
        Ok(Inputs {
            document: distribution::document(&value, &file)?,
            caches: policy_file::read_all(&request.cache_policies, policy_file::CACHE)?,
            requests: policy_file::read_all(
                &request.origin_request_policies,
                policy_file::ORIGIN_REQUEST,
            )?,
            file,
        })
    }
}

/// The configuration, and the notes, in the order of the input.
fn convert(inputs: &Inputs) -> Result<(RawConfig, Vec<Note>), Error> {
    let (config, root) = (&inputs.document.config, inputs.document.root.as_str());
    let mut notes = Vec::new();
    unsupported::head(config, root, &mut notes);
    let origins = origin::origins(config, root, &mut notes)?;
    let mut ctx = Context {
        custom_caches: &inputs.caches,
        custom_requests: &inputs.requests,
        origins: &origins,
        caches: names::Registry::default(),
        requests: names::Registry::default(),
        notes,
        missing: Vec::new(),
    };
    let (default_behavior, behaviors) = behaviors(&inputs.document, &mut ctx)?;
    if let Some(error) = missing(&ctx.missing) {
        return Err(error);
    }
    let Context {
        caches,
        requests,
        mut notes,
        ..
    } = ctx;
    let mut origins = origins.map;
    let all: Vec<&Mapped> = [&default_behavior].into_iter().chain(&behaviors).collect();
    host_headers(&all, &mut origins, &mut notes);
    let raw = RawConfig {
        schema: None,
        origins,
        cache_policies: cache_policies(caches.into_entries(), requests.entries(), &all, &mut notes),
        origin_request_policies: requests
            .into_entries()
            .into_iter()
            .map(|(name, draft)| (name, draft.policy))
            .collect(),
        behaviors: behaviors.into_iter().map(|m| m.raw).collect(),
        default_behavior: default_behavior.raw,
        error_caching_min_ttl: error_caching(&inputs.document, &mut notes),
        invalidation: RawInvalidation::default(),
    };
    unsupported::tail(config, root, &mut notes);
    Ok((raw, notes))
}

/// The default behavior, then the others in order, but those that an
/// earlier pattern shadows (CloudFront never uses them either).
fn behaviors(document: &Document, ctx: &mut Context<'_>) -> Result<(Mapped, Vec<Mapped>), Error> {
    let root = &document.root;
    let at = join(root, "DefaultCacheBehavior");
    let Some(default) = &document.config.default_cache_behavior else {
        return Err(Error::new(format!("{at}: missing")));
    };
    let default = behavior::behavior(default, &at, 0, ctx)?;
    let list = join(root, "CacheBehaviors");
    let mut earlier: Vec<(String, String)> = Vec::new();
    let mut mapped = Vec::new();
    for (i, cf) in document.config.cache_behaviors.items().iter().enumerate() {
        let at = item(&list, i);
        let Some(pattern) = &cf.path_pattern else {
            return Err(Error::new(format!("{}: missing", join(&at, "PathPattern"))));
        };
        if let Some((first, first_at)) = behavior::shadowed_by(pattern, &earlier) {
            ctx.notes.push(Note::new(
                join(&at, "PathPattern"),
                format!(
                    "{pattern:?} is not carried over: it never matches, since {first_at}'s {first:?}, \
                     listed earlier, matches every path it does (in CloudFront too)"
                ),
            ));
            continue;
        }
        earlier.push((pattern.clone(), at.clone()));
        mapped.push(behavior::behavior(cf, &at, i, ctx)?);
    }
    Ok((default, mapped))
}

/// The error for custom policies that behaviors use and no file defines.
fn missing(missing: &[(String, String)]) -> Option<Error> {
    match missing {
        [] => None,
        [(_, one)] => Some(Error::new(one.clone())),
        many => {
            let lines: Vec<String> = many.iter().map(|(_, line)| format!("  {line}")).collect();
            Some(Error::new(format!(
                "{} custom policies are used but not given:\n{}",
                many.len(),
                lines.join("\n")
            )))
        }
    }
}

/// `ErrorCachingMinTTL` per status; custom error pages are noted.
fn error_caching(document: &Document, notes: &mut Vec<Note>) -> BTreeMap<String, Seconds> {
    let list = join(&document.root, "CustomErrorResponses");
    let mut ttls = BTreeMap::new();
    for (i, response) in document
        .config
        .custom_error_responses
        .items()
        .iter()
        .enumerate()
    {
        if let Some(ttl) = response.error_caching_min_ttl {
            ttls.insert(response.error_code.to_string(), ttl);
        }
        if !response.response_page_path.is_empty() {
            let status = match response.response_code.as_str() {
                "" => String::new(),
                code => format!(" (answered with status {code})"),
            };
            notes.push(Note::new(
                join(&item(&list, i), "ResponsePagePath"),
                format!(
                    "the error page {} for {} errors{status} is not carried over: have the origin answer with it",
                    response.response_page_path, response.error_code
                ),
            ));
        }
    }
    ttls
}

/// An origin whose every behavior forwards the viewer's `Host` gets it;
/// one that only some behaviors forward it to is noted.
fn host_headers(
    mapped: &[&Mapped],
    origins: &mut BTreeMap<String, RawOrigin>,
    notes: &mut Vec<Note>,
) {
    for (name, origin) in origins.iter_mut() {
        let using: Vec<&&Mapped> = mapped.iter().filter(|m| m.raw.origin == *name).collect();
        let forwarding: Vec<&&Mapped> = using.iter().copied().filter(|m| m.forwards_host).collect();
        if forwarding.is_empty() {
            continue;
        }
        if forwarding.len() == using.len() {
            origin.host_header = HostHeader::Viewer;
            continue;
        }
        for m in forwarding {
            notes.push(Note::new(
                m.at.clone(),
                format!(
                    "the viewer's Host is not carried over: CloudFront forwards it to origin {name} \
                     here but not on its other behaviors, and edgecache sets the Host per origin \
                     ({name} gets {}); to forward it here, add a copy of the origin with \
                     host_header \"viewer\" and use it on this behavior",
                    origin.domain
                ),
            ));
        }
    }
}

/// The cache policies, with CloudFront's ways written out where edgecache
/// has a setting for them.
fn cache_policies(
    drafts: BTreeMap<String, CacheDraft>,
    requests: &BTreeMap<String, OrpDraft>,
    mapped: &[&Mapped],
    notes: &mut Vec<Note>,
) -> BTreeMap<String, edgecache_core::schema::RawCachePolicy> {
    let unkeyed: BTreeSet<&str> = mapped
        .iter()
        .filter(|m| {
            m.raw
                .origin_request_policy
                .as_ref()
                .and_then(|r| requests.get(r))
                .is_some_and(OrpDraft::forwards_credentials)
        })
        .map(|m| m.raw.cache_policy.as_str())
        .collect();
    drafts
        .into_iter()
        .map(|(name, draft)| {
            let mut policy = draft.policy;
            if policy.max_ttl.unwrap_or(0) > 0 {
                policy.cloudfront_min_ttl_override = policy.min_ttl > 0;
                policy.origin_ignores_unkeyed_credentials = unkeyed.contains(name.as_str());
                policy.targeted_cache_control = Some(Vec::new());
            }
            if policy.origin_ignores_unkeyed_credentials {
                notes.push(Note::new(
                    format!("edgecache cache_policies.{name}.origin_ignores_unkeyed_credentials"),
                    "set, as CloudFront behaves: answers to requests that carry cookies or \
                     headers the key does not hold (credentials among them) are stored and \
                     served to everyone; remove it unless the origin answers alike whatever \
                     cookies and credentials it receives",
                ));
            }
            (name, policy)
        })
        .collect()
}
