//! edgecache on Fastly Compute.
//!
//! I/O only: it converts the platform's request, runs core's request flow
//! (`edgecache_core::flow`) on Fastly's core cache ([`cache`]) and the
//! origin ([`origin`]), and sends what core says to send. Every caching
//! decision is core's.

mod cache;
mod config;
mod logger;
mod origin;
mod purge;
mod respond;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use edgecache_core::flow::{self, Start};
use edgecache_core::{Headers, Scheme, ViewerRequest, has_body};
use fastly::Request;

fn main() {
    logger::init();
    let mut request = Request::from_client();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let Some(config) = config::load() else {
        let unconfigured = edgecache_core::config::UNCONFIGURED_STATUS;
        respond::plain(unconfigured, edgecache_core::config::UNCONFIGURED_BODY).send_to_client();
        return;
    };
    let target = target_of(&request);
    if edgecache_core::purge::is_purge_request(&config, &target) {
        purge::handle(&config, &mut request).send_to_client();
        return;
    }
    let body = request.take_body();
    let headers: Vec<(&str, &[u8])> = request
        .get_headers()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    let headers = Headers::new(&headers);
    let client_ip = request.get_client_ip_addr().map(|ip| ip.to_string());
    let scheme = match request.get_url().scheme() {
        "http" => Scheme::Http,
        _ => Scheme::Https,
    };
    // Every Fastly request has a body handle: only the framing tells.
    let viewer = ViewerRequest::new(request.get_method_str(), &target)
        .scheme(scheme)
        .host(headers.get_str("host").unwrap_or_default())
        .headers(headers)
        .body(has_body(&headers, false))
        .client_ip(client_ip.as_deref());
    match flow::start(&config, &viewer, now) {
        Start::Respond(reply) => respond::edge(reply, None).send(),
        Start::Pass(pass) => {
            let started = Instant::now();
            let result = origin::send(pass.request(), Some(body));
            let origin_ms = Some(respond::millis(started));
            match result {
                Ok(response) => {
                    let status = response.get_status().as_u16();
                    let pairs = respond::pairs(&response);
                    let keys = pass.invalidates(status, &Headers::new(&pairs));
                    drop(pairs);
                    purge::invalidate(&keys);
                    let finish = pass.answered(status);
                    respond::forward(response, finish, origin_ms).send();
                }
                Err(failure) => respond::edge(pass.failed(failure), origin_ms).send(),
            }
        }
        Start::Lookup(lookup) => {
            let (served, later) = cache::serve(lookup);
            served.send();
            if let Some(later) = later {
                cache::refresh(later);
            }
        }
    }
}

/// The request target as received: path and query.
fn target_of(request: &Request) -> String {
    match request.get_query_str() {
        Some(query) => format!("{}?{query}", request.get_path()),
        None => request.get_path().to_string(),
    }
}
