//! edgecache on Cloudflare Workers.
//!
//! I/O only: it converts the platform's request, runs core's request flow
//! (`edgecache_core::flow`) on the Workers Cache API (the `cache`
//! module), a per-isolate claim (`collapse`) and the origin (`origin`),
//! and returns what core says to send. Every caching decision is core's;
//! the Fastly adapter runs the same flow on Fastly's core cache.

mod body;
mod cache;
mod collapse;
mod config;
mod origin;
mod purge;
mod respond;

use edgecache_core::flow::{self, Start};
use edgecache_core::{Headers, Scheme, ViewerRequest, has_body};
use worker::{Context, Env, Request, Response, event};

use cache::Place;

#[event(fetch)]
async fn fetch(request: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    Ok(handle(request, &env, &ctx).await)
}

async fn handle(request: Request, env: &Env, ctx: &Context) -> Response {
    // Milliseconds since 1970, positive and far below 2^53.
    let now = (cache::now_ms() / 1000.0) as u64;
    let Some(config) = config::load(env) else {
        return respond::plain(
            edgecache_core::config::UNCONFIGURED_STATUS,
            edgecache_core::config::UNCONFIGURED_BODY,
        );
    };
    respond::note_colo(&request);
    let url = request.inner().url();
    let (viewer_origin, target) = split_url(&url);
    if edgecache_core::purge::is_purge_request(config, target) {
        return purge::handle(config, request, env).await;
    }
    let owned = respond::owned(request.headers());
    let pairs = respond::pairs(&owned);
    let headers = Headers::new(&pairs);
    let header = |name: &str| request.headers().get(name).ok().flatten();
    let (method, host, client_ip) = (
        request.inner().method(),
        header("host").unwrap_or_default(),
        header("cf-connecting-ip"),
    );
    let scheme = if url.starts_with("http://") {
        Scheme::Http
    } else {
        Scheme::Https
    };
    // workerd may drop Transfer-Encoding and keep the stream.
    let stream = request.inner().body().is_some();
    let viewer = ViewerRequest::new(&method, target)
        .scheme(scheme)
        .host(&host)
        .headers(headers)
        .body(has_body(&headers, stream))
        .client_ip(client_ip.as_deref());
    let served = match flow::start(config, &viewer, now) {
        Start::Respond(reply) => respond::edge(reply, None),
        Start::Pass(pass) => {
            let body = request.inner().body().map(Into::into);
            let started = cache::now_ms();
            let result = origin::send(pass.request(), body).await;
            let origin_ms = Some(cache::elapsed_ms(started));
            match result {
                Ok(response) => {
                    let status = response.status_code();
                    let owned = respond::owned(response.headers());
                    let keys = pass.invalidates(status, &Headers::new(&respond::pairs(&owned)));
                    if !keys.is_empty() {
                        purge::invalidate(env, keys).await;
                    }
                    let finish = pass.answered(status);
                    respond::forward(respond::rebuilt(response), finish, origin_ms)
                }
                Err(failure) => respond::edge(pass.failed(failure), origin_ms),
            }
        }
        Start::Lookup(lookup) => {
            if let Some(sync) = purge::prepare(env, viewer_origin).await {
                ctx.wait_until(sync);
            }
            let place = Place::new(viewer_origin, &lookup);
            cache::serve(lookup, place).await
        }
    };
    served.send(ctx)
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
