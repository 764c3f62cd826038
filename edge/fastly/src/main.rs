//! edgecache on Fastly Compute.
//!
//! A thin adapter: it converts the platform's request, asks core for every
//! decision, and maps those decisions onto Fastly's core cache API
//! ([`cache`]). No caching logic lives here.

mod cache;
mod config;
mod origin;
mod purge;
mod respond;

use std::time::{SystemTime, UNIX_EPOCH};

use edgecache_core::{
    CacheOutcome, Disposition, LogLine, RequestDecision, Scheme, ViewerRequest, decide_request,
};
use fastly::Request;

use cache::{After, Served};

/// The log endpoint the JSON lines go to (stdout under Viceroy).
const LOG_ENDPOINT: &str = "edgecache_log";

fn main() {
    log_fastly::init_simple(LOG_ENDPOINT, log::LevelFilter::Info);
    let mut request = Request::from_client();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let config = match config::load() {
        Ok(config) => config,
        Err(e) => {
            log::error!("edgecache: no usable configuration: {e}");
            respond::plain(500, "edgecache: no usable configuration").send_to_client();
            return;
        }
    };
    if edgecache_core::is_purge_request(&config, &target_of(&request)) {
        purge::handle(&config, &mut request).send_to_client();
        return;
    }
    let has_body = carries_body(&request);
    let body = request.take_body();
    let parts = ViewerParts::of(&request);
    let (method, target) = (parts.method.as_str(), parts.target.as_str());
    let viewer = parts.viewer(&request, has_body);
    let plan = match decide_request(&config, &viewer) {
        RequestDecision::Reject(rejection) => {
            let outcome = CacheOutcome::Rejected(rejection);
            let mut response =
                respond::plain(rejection.status(), &format!("edgecache: {rejection}"));
            respond::decorate(&mut response, &outcome, None);
            log_line(
                method,
                target,
                "-",
                None,
                &outcome,
                rejection.status(),
                None,
            );
            response.send_to_client();
            return;
        }
        RequestDecision::Forward(plan) => plan,
    };
    let served = match &plan.disposition {
        Disposition::Lookup(key) => {
            let ctx = cache::Ctx {
                config: &config,
                plan: &plan,
                viewer: edgecache_core::Headers::new(&parts.headers),
                now,
                key,
            };
            let after = deliver(cache::serve(&ctx), method, &plan, Some(key));
            if let After::Refresh(transaction, head) = after {
                cache::refresh(&ctx, transaction, head);
            }
            return;
        }
        Disposition::Pass(reason) => pass(&plan, *reason, body),
    };
    deliver(served, method, &plan, None);
}

/// Sends the response (a HEAD without its body), decorated and logged;
/// what is left to do after it is returned.
fn deliver(
    served: Served,
    method: &str,
    plan: &edgecache_core::RequestPlan<'_, '_>,
    key: Option<&edgecache_core::CacheKey>,
) -> After {
    let Served {
        mut response,
        outcome,
        origin_ms,
        after,
    } = served;
    if method == "HEAD" {
        // The stored GET answers a HEAD: same headers, no body.
        let _ = response.take_body();
    }
    respond::decorate(&mut response, &outcome, key);
    let status = response.get_status().as_u16();
    log_line(
        method,
        &plan.path,
        plan.behavior.label(),
        key,
        &outcome,
        status,
        origin_ms,
    );
    response.send_to_client();
    after
}

/// The request target as received: path and query.
fn target_of(request: &Request) -> String {
    match request.get_query_str() {
        Some(query) => format!("{}?{query}", request.get_path()),
        None => request.get_path().to_string(),
    }
}

/// Whether the viewer sent a body, by its framing (RFC 9112 section 6.3):
/// on Fastly every request has a body handle, empty or not.
fn carries_body(request: &Request) -> bool {
    let length = request
        .get_header_str("content-length")
        .and_then(|l| l.trim().parse::<u64>().ok());
    length.is_some_and(|l| l > 0) || request.get_header("transfer-encoding").is_some()
}

/// What core's view of the request borrows from.
struct ViewerParts<'a> {
    method: String,
    target: String,
    headers: Vec<(&'a str, &'a [u8])>,
    client_ip: Option<String>,
}

impl<'a> ViewerParts<'a> {
    fn of(request: &'a Request) -> Self {
        ViewerParts {
            method: request.get_method_str().to_string(),
            target: target_of(request),
            headers: request
                .get_headers()
                .map(|(name, value)| (name.as_str(), value.as_bytes()))
                .collect(),
            client_ip: request.get_client_ip_addr().map(|ip| ip.to_string()),
        }
    }

    fn viewer(&'a self, request: &'a Request, has_body: bool) -> ViewerRequest<'a> {
        ViewerRequest {
            method: &self.method,
            scheme: match request.get_url().scheme() {
                "http" => Scheme::Http,
                _ => Scheme::Https,
            },
            host: request.get_header_str("host").unwrap_or_default(),
            target: &self.target,
            headers: edgecache_core::Headers::new(&self.headers),
            has_body,
            client_ip: self.client_ip.as_deref(),
        }
    }
}

/// A request that bypasses the cache: straight to the origin, body and all.
fn pass(
    plan: &edgecache_core::RequestPlan<'_, '_>,
    reason: edgecache_core::PassReason,
    body: fastly::Body,
) -> Served {
    let started = std::time::Instant::now();
    let result = origin::send(&plan.origin_request, Some(body));
    let origin_ms = Some(crate::cache::millis(started));
    match result {
        Ok(response) => {
            let status = response.get_status().as_u16();
            Served {
                response,
                outcome: CacheOutcome::Pass { status, reason },
                origin_ms,
                after: After::Nothing,
            }
        }
        Err(failure) => cache::unavailable(failure, origin_ms),
    }
}

fn log_line(
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
    log::info!("{}", line.to_json());
}
