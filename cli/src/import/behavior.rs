//! Cache behaviors: their origin, methods, and policies, managed (by their
//! well-known ids), custom (from the files given), or legacy settings.

use edgecache_core::schema::{Method, RawBehavior};

use super::distribution::CacheBehavior;
use super::legacy;
use super::managed;
use super::names::{self, Registry};
use super::note::{Note, join};
use super::origin::Origins;
use super::policy::{self, CacheDraft, OrpDraft, Source};
use super::policy_file::{
    self, CachePolicyConfig, Customs, Kind, OriginRequestPolicyConfig, PolicyName,
};
use crate::Error;

/// What behaviors are mapped with, and what they add to.
pub(crate) struct Context<'a> {
    /// Custom cache policies by id.
    pub(crate) custom_caches: &'a Customs<CachePolicyConfig>,
    /// Custom origin request policies by id.
    pub(crate) custom_requests: &'a Customs<OriginRequestPolicyConfig>,
    /// The origins.
    pub(crate) origins: &'a Origins,
    /// The cache policies written so far.
    pub(crate) caches: Registry<CacheDraft>,
    /// The origin request policies written so far.
    pub(crate) requests: Registry<OrpDraft>,
    /// What was not carried over.
    pub(crate) notes: Vec<Note>,
    /// The custom policies a behavior names but no file defines: each id,
    /// and what to do about it.
    pub(crate) missing: Vec<(String, String)>,
}

/// A behavior as edgecache holds it.
#[derive(Debug)]
pub(crate) struct Mapped {
    /// The behavior.
    pub(crate) raw: RawBehavior,
    /// Its path in the distribution.
    pub(crate) at: String,
    /// CloudFront forwards the viewer's `Host` on it.
    pub(crate) forwards_host: bool,
}

/// One behavior; `index` is its place in `CacheBehaviors` (for a name).
pub(crate) fn behavior(
    cf: &CacheBehavior,
    at: &str,
    index: usize,
    ctx: &mut Context<'_>,
) -> Result<Mapped, Error> {
    super::unsupported::behavior(cf, at, &mut ctx.notes);
    let origin = ctx.origins.resolve(&cf.target_origin_id).ok_or_else(|| {
        Error::new(format!(
            "{}: no origin or origin group has the Id {:?}",
            join(at, "TargetOriginId"),
            cf.target_origin_id
        ))
    })?;
    let (allowed_methods, cached_methods) = methods(cf, at)?;
    let policies = policies(cf, at, index, ctx)?;
    note_compression(cf, at, &policies.cache, ctx);
    Ok(Mapped {
        raw: RawBehavior {
            path_pattern: cf.path_pattern.clone(),
            origin: origin.to_string(),
            cache_policy: policies.cache,
            origin_request_policy: policies.request,
            allowed_methods,
            cached_methods,
            allow_extension_methods: false,
            invalidate_on_unsafe_methods: false,
        },
        at: at.to_string(),
        forwards_host: policies.forwards_host,
    })
}

/// The names of a behavior's policies.
struct Named {
    cache: String,
    request: Option<String>,
    forwards_host: bool,
}

fn policies(
    cf: &CacheBehavior,
    at: &str,
    index: usize,
    ctx: &mut Context<'_>,
) -> Result<Named, Error> {
    if !cf.cache_policy_id.is_empty() {
        let (cache, keys_host) = cache_by_id(&cf.cache_policy_id, &join(at, "CachePolicyId"), ctx)?;
        let (request, forwards_host) = match cf.origin_request_policy_id.as_str() {
            "" => (None, false),
            id => request_by_id(id, &join(at, "OriginRequestPolicyId"), ctx)?,
        };
        return Ok(Named {
            cache,
            request,
            forwards_host: keys_host || forwards_host,
        });
    }
    let Some(forwarded) = &cf.forwarded_values else {
        return Err(Error::new(format!(
            "{at}: the behavior has neither a CachePolicyId nor ForwardedValues"
        )));
    };
    let (cache, request) = legacy::policies(cf, forwarded, at, &mut ctx.notes)?;
    let mut forwards_host = cache.keys_host;
    let base = names::legacy(cf.path_pattern.as_deref(), index);
    let cache = ctx.caches.by_content(&base, cache);
    let request = request.map(|(name, draft)| {
        forwards_host |= draft.forwards_host;
        ctx.requests.by_content(&name, draft)
    });
    Ok(Named {
        cache,
        request,
        forwards_host,
    })
}

/// A cache policy named by id, and whether it keys the viewer's Host.
fn cache_by_id(id: &str, at: &str, ctx: &mut Context<'_>) -> Result<(String, bool), Error> {
    let managed = managed::cache_policy(id);
    let made = by_id(
        id,
        at,
        managed,
        ctx.custom_caches,
        &mut ctx.caches,
        &mut ctx.notes,
        policy::cache_policy,
    )?;
    let Some(name) = made else {
        missing(ctx, at, id, policy_file::CACHE);
        return Ok((String::new(), false));
    };
    let keys_host = ctx.caches.entries().get(&name).is_some_and(|d| d.keys_host);
    Ok((name, keys_host))
}

/// An origin request policy named by id, and whether it forwards the
/// viewer's Host.
fn request_by_id(
    id: &str,
    at: &str,
    ctx: &mut Context<'_>,
) -> Result<(Option<String>, bool), Error> {
    let managed = managed::origin_request_policy(id);
    let made = by_id(
        id,
        at,
        managed,
        ctx.custom_requests,
        &mut ctx.requests,
        &mut ctx.notes,
        policy::origin_request_policy,
    )?;
    let Some(name) = made else {
        missing(ctx, at, id, policy_file::ORIGIN_REQUEST);
        return Ok((None, false));
    };
    let forwards_host = ctx
        .requests
        .entries()
        .get(&name)
        .is_some_and(|d| d.forwards_host);
    Ok((Some(name), forwards_host))
}

/// The name of the policy CloudFront knows by `id`, made the first time
/// with `make`: a managed one (`managed`, found by its well-known id),
/// else a custom one from the files given, named by its `Name` or its id;
/// `None` when neither knows it.
fn by_id<C: PolicyName, D: PartialEq>(
    id: &str,
    at: &str,
    managed: Option<(&'static str, C)>,
    customs: &Customs<C>,
    registry: &mut Registry<D>,
    notes: &mut Vec<Note>,
    make: fn(&C, Source<'_>, &mut Vec<Note>) -> Result<D, Error>,
) -> Result<Option<String>, Error> {
    if let Some((name, config)) = managed {
        let source = Source {
            at,
            managed: Some(name),
        };
        return registry
            .by_id(id, name, || make(&config, source, notes))
            .map(Some);
    }
    let Some(custom) = customs.get(id) else {
        return Ok(None);
    };
    let source = Source {
        at: &custom.at,
        managed: None,
    };
    let name = match custom.config.name() {
        "" => id,
        name => name,
    };
    registry
        .by_id(id, name, || make(&custom.config, source, notes))
        .map(Some)
}

/// Records a custom policy no file defines, once per id.
fn missing(ctx: &mut Context<'_>, at: &str, id: &str, kind: Kind) {
    if ctx.missing.iter().any(|(known, _)| known == id) {
        return;
    }
    let line = format!(
        "{at}: {noun} {id} is not a managed one, and no {flag} file defines it: save it with \
         `aws cloudfront {command} --id {id} > {id}.json` and add `{flag} {id}.json`",
        noun = kind.noun,
        flag = kind.flag,
        command = kind.command,
    );
    ctx.missing.push((id.to_string(), line));
}

/// CloudFront compresses at the edge where the cache policy caches
/// compressed objects; edgecache stores and serves what the origin sends.
fn note_compression(cf: &CacheBehavior, at: &str, cache: &str, ctx: &mut Context<'_>) {
    let compresses = ctx.caches.entries().get(cache).is_some_and(|d| {
        let p = &d.policy;
        p.max_ttl.unwrap_or(0) > 0 && (p.accept_encoding.gzip || p.accept_encoding.brotli)
    });
    if cf.compress && compresses {
        ctx.notes.push(Note::new(
            join(at, "Compress"),
            "edge compression is not carried over: edgecache serves what the origin sends (Cloudflare \
             compresses toward viewers on its own); have the origin compress",
        ));
    }
}

/// The allowed and cached methods, in CloudFront's order.
fn methods(cf: &CacheBehavior, at: &str) -> Result<(Vec<Method>, Vec<Method>), Error> {
    let default = || vec![Method::Get, Method::Head];
    let Some(allowed) = &cf.allowed_methods else {
        return Ok((default(), default()));
    };
    let at = join(at, "AllowedMethods");
    let items = allowed.items.as_deref().unwrap_or_default();
    let allowed_methods = if items.is_empty() {
        default()
    } else {
        parse_methods(items, &join(&at, "Items"))?
    };
    let cached = allowed
        .cached_methods
        .as_ref()
        .map(|c| c.items())
        .unwrap_or_default();
    let cached_methods = if cached.is_empty() {
        default()
    } else {
        parse_methods(cached, &join(&at, "CachedMethods.Items"))?
    };
    Ok((allowed_methods, cached_methods))
}

fn parse_methods(items: &[String], at: &str) -> Result<Vec<Method>, Error> {
    let mut methods = items
        .iter()
        .map(|m| {
            Method::from_token(&m.to_ascii_uppercase())
                .ok_or_else(|| Error::new(format!("{at}: {m:?} is not a method CloudFront allows")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    methods.sort();
    methods.dedup();
    Ok(methods)
}

/// The earlier behavior (pattern, path) that makes this pattern never the
/// first match, if one does: the same pattern, or a `prefix*` covering it.
/// CloudFront never uses such a behavior either, and edgecache refuses it.
pub(crate) fn shadowed_by<'p>(
    pattern: &str,
    earlier: &'p [(String, String)],
) -> Option<&'p (String, String)> {
    let wanted = canonical(pattern);
    earlier.iter().find(|(first, _)| {
        let first = canonical(first);
        first == wanted
            || first
                .strip_suffix('*')
                .is_some_and(|prefix| !prefix.contains(['*', '?']) && wanted.starts_with(prefix))
    })
}

/// A pattern with its leading `/`, as edgecache compares them.
fn canonical(pattern: &str) -> String {
    if pattern.starts_with('/') || pattern.starts_with('*') {
        pattern.to_string()
    } else {
        format!("/{pattern}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn earlier(patterns: &[&str]) -> Vec<(String, String)> {
        patterns
            .iter()
            .enumerate()
            .map(|(i, p)| (p.to_string(), format!("Items[{i}]")))
            .collect()
    }

    #[test]
    fn a_pattern_an_earlier_one_covers_is_shadowed() {
        let before = earlier(&["/api/*", "images/*.jpg"]);
        assert_eq!(
            shadowed_by("/api/v2/*", &before).map(|(_, at)| at.as_str()),
            Some("Items[0]")
        );
        assert_eq!(
            shadowed_by("api/search", &before).map(|(_, at)| at.as_str()),
            Some("Items[0]")
        );
        assert!(shadowed_by("/images/*.jpg", &before).is_some());
        assert!(shadowed_by("/images/a.png", &before).is_none());
        assert!(shadowed_by("/media/*", &before).is_none());
    }

    #[test]
    fn methods_are_sorted_and_checked() {
        let cf = CacheBehavior {
            allowed_methods: Some(super::super::distribution::AllowedMethods {
                items: Some(vec!["HEAD".into(), "GET".into(), "OPTIONS".into()]),
                cached_methods: None,
            }),
            ..CacheBehavior::default()
        };
        let (allowed, cached) = methods(&cf, "B").unwrap();
        assert_eq!(allowed, [Method::Get, Method::Head, Method::Options]);
        assert_eq!(cached, [Method::Get, Method::Head]);
        let error = parse_methods(&["TRACE".to_string()], "B.AllowedMethods.Items").unwrap_err();
        assert!(
            error.to_string().contains("\"TRACE\" is not a method"),
            "{error}"
        );
    }
}
