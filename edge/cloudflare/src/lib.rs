//! edgecache on Cloudflare Workers.
//!
//! A thin adapter: it converts the platform's request, asks core for every
//! decision, and maps those decisions onto the Workers Cache API
//! (the `cache` module). No caching logic lives here; the Fastly adapter maps the
//! same decisions onto Fastly's core cache.

mod cache;
mod collapse;
mod config;
mod origin;
mod purge;
mod respond;

use std::rc::Rc;

use edgecache_core::{
    CacheOutcome, Config, Disposition, Headers, LogLine, PassReason, RequestDecision, RequestPlan,
    Scheme, ViewerRequest, decide_request,
};
use worker::{Context, Env, Request, Response, ResponseBody, event};

use cache::Served;
use collapse::Leader;
use respond::OwnedHeaders;

#[event(fetch)]
async fn fetch(request: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    Ok(handle(request, &env, &ctx).await)
}

async fn handle(request: Request, env: &Env, ctx: &Context) -> Response {
    let now = now_secs();
    let config = match config::load(env) {
        Ok(config) => config,
        Err(e) => {
            worker::console_error!("edgecache: no usable configuration: {e}");
            return respond::plain(500, "edgecache: no usable configuration");
        }
    };
    if edgecache_core::is_purge_request(&config, split_url(&request.inner().url()).1) {
        return purge::handle(&config, request, env).await;
    }
    let parts = Rc::new(ViewerParts::of(&request));
    let pairs = parts.pairs();
    let viewer = parts.viewer(&pairs);
    let plan = match decide_request(&config, &viewer) {
        RequestDecision::Reject(rejection) => {
            let outcome = CacheOutcome::Rejected(rejection);
            let status = rejection.status();
            let mut response = respond::plain(status, &format!("edgecache: {rejection}"));
            respond::decorate(&mut response, &outcome, None);
            log(
                &parts.method,
                &parts.target,
                "-",
                None,
                &outcome,
                status,
                None,
            );
            return response;
        }
        RequestDecision::Forward(plan) => plan,
    };
    let (served, key) = match &plan.disposition {
        Disposition::Lookup(key) => {
            if let Some(sync) = purge::prepare(env).await {
                ctx.wait_until(sync);
            }
            let viewer = Headers::new(&pairs);
            let cache_ctx = cache::Ctx::new(&config, &plan, viewer, now, &parts.origin, key);
            (cache::serve(&cache_ctx).await, Some(key))
        }
        Disposition::Pass(reason) => (pass(&plan, *reason, &request).await, None),
    };
    let Served {
        mut response,
        outcome,
        origin_ms,
        after,
        refresh,
    } = served;
    if parts.method == "HEAD" {
        // The stored GET answers a HEAD: same headers, no body.
        let (builder, body) = response.into_parts();
        respond::discard(body);
        response = builder.body(ResponseBody::Empty);
    }
    respond::decorate(&mut response, &outcome, key);
    let status = response.status_code();
    let behavior = plan.behavior.label();
    log(
        &parts.method,
        &plan.path,
        behavior,
        key,
        &outcome,
        status,
        origin_ms,
    );
    if let Some(after) = after {
        ctx.wait_until(after);
    }
    if let Some(leader) = refresh {
        ctx.wait_until(refresh_later(Rc::clone(&config), parts, now, leader));
    }
    response
}

fn now_secs() -> u64 {
    // Milliseconds since 1970, positive and far below 2^53.
    (cache::now_ms() / 1000.0) as u64
}

/// Refreshes a stale entry after the response was sent: the plan is made
/// again from the request, as the response no longer borrows it.
async fn refresh_later(config: Rc<Config>, parts: Rc<ViewerParts>, now: u64, leader: Leader) {
    let pairs = parts.pairs();
    let viewer = parts.viewer(&pairs);
    let RequestDecision::Forward(plan) = decide_request(&config, &viewer) else {
        return;
    };
    let Disposition::Lookup(key) = &plan.disposition else {
        return;
    };
    let viewer = Headers::new(&pairs);
    let cache_ctx = cache::Ctx::new(&config, &plan, viewer, now, &parts.origin, key);
    cache::refresh(&cache_ctx, leader).await;
}

/// A request that bypasses the cache: straight to the origin, body and all.
async fn pass(plan: &RequestPlan<'_, '_>, reason: PassReason, request: &Request) -> Served {
    let body = request.inner().body().map(Into::into);
    let started = cache::now_ms();
    let result = origin::send(&plan.origin_request, body).await;
    let origin_ms = Some((cache::now_ms() - started).max(0.0) as u64);
    match result {
        Ok(response) => {
            let status = response.status_code();
            let owned = respond::owned(response.headers());
            let headers = respond::to_headers(respond::pairs(&owned));
            let body = response.into_parts().1;
            Served {
                response: respond::build(status, headers, body),
                outcome: CacheOutcome::Pass { status, reason },
                origin_ms,
                after: None,
                refresh: None,
            }
        }
        Err(failure) => cache::unavailable(failure, origin_ms),
    }
}

/// What core's view of the request is made of, owned: a background
/// refresh makes its plan again from it after the response is sent.
struct ViewerParts {
    method: String,
    /// `scheme://host[:port]` of the request URL.
    origin: String,
    target: String,
    scheme: Scheme,
    host: String,
    headers: OwnedHeaders,
    has_body: bool,
    client_ip: Option<String>,
}

impl ViewerParts {
    fn of(request: &Request) -> ViewerParts {
        let url = request.inner().url();
        let (origin, target) = split_url(&url);
        let headers = respond::owned(request.headers());
        let header = |name: &str| request.headers().get(name).ok().flatten();
        let declared_empty = header("content-length").is_some_and(|l| l.trim() == "0");
        ViewerParts {
            method: request.inner().method(),
            scheme: if url.starts_with("http://") {
                Scheme::Http
            } else {
                Scheme::Https
            },
            host: header("host").unwrap_or_default(),
            origin: origin.to_string(),
            target: target.to_string(),
            headers,
            has_body: request.inner().body().is_some() && !declared_empty,
            client_ip: header("cf-connecting-ip"),
        }
    }

    fn pairs(&self) -> Vec<(&str, &[u8])> {
        respond::pairs(&self.headers)
    }

    fn viewer<'a>(&'a self, pairs: &'a [(&'a str, &'a [u8])]) -> ViewerRequest<'a> {
        ViewerRequest {
            method: &self.method,
            scheme: self.scheme,
            host: &self.host,
            target: &self.target,
            headers: Headers::new(pairs),
            has_body: self.has_body,
            client_ip: self.client_ip.as_deref(),
        }
    }
}

/// `https://host:port/path?query` into `https://host:port` and
/// `/path?query`, as the runtime gives them.
fn split_url(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => url.split_at(after_scheme + slash),
        None => (url, "/"),
    }
}

fn log(
    method: &str,
    path: &str,
    behavior: &str,
    key: Option<&edgecache_core::CacheKey>,
    outcome: &CacheOutcome,
    status: u16,
    origin_ms: Option<u64>,
) {
    let line = LogLine {
        method,
        path,
        behavior,
        key,
        outcome,
        status,
        origin_ms,
    };
    worker::console_log!("{}", line.to_json());
}
