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
mod shield;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use edgecache_core::flow::{self, Start};
use edgecache_core::{Config, Headers, Scheme, ViewerRequest, has_body};
use fastly::Request;
use fastly::http::serve::Serve;

/// The most requests one instance serves before it ends: few enough that
/// their CPU time together stays within the 50 ms Fastly allows an
/// execution, should the platform count it per instance rather than per
/// request (its documentation does not say).
const REQUESTS_PER_INSTANCE: usize = 20;
/// The longest an instance lives: a changed Config Store document is
/// seen by the instances started after it, within this.
const INSTANCE_LIFETIME: Duration = Duration::from_secs(30);
/// The longest an instance waits for its next request (waiting costs
/// memory time, not CPU).
const NEXT_REQUEST_WAIT: Duration = Duration::from_secs(1);

/// One instance serves up to [`REQUESTS_PER_INSTANCE`] requests one after
/// another (Fastly's reusable sandboxes), for at most
/// [`INSTANCE_LIFETIME`]: the logger is installed and the configuration
/// loaded once per instance, not once per request.
fn main() {
    logger::init();
    let config = config::load();
    Serve::new()
        .with_max_requests(REQUESTS_PER_INSTANCE)
        .with_max_lifetime(INSTANCE_LIFETIME)
        .with_timeout(NEXT_REQUEST_WAIT)
        .run(|request| handle(config.as_ref(), request));
}

/// Serves one viewer request.
fn handle(config: Option<&Config>, mut request: Request) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let Some(config) = config else {
        let unconfigured = edgecache_core::config::UNCONFIGURED_STATUS;
        respond::plain(unconfigured, edgecache_core::config::UNCONFIGURED_BODY).send_to_client();
        return;
    };
    if !host_parses(&request) {
        respond::plain(400, "edgecache: the Host is not a host name\n").send_to_client();
        return;
    }
    let target = target_of(&request);
    if edgecache_core::purge::is_purge_request(config, &target) {
        purge::handle(config, &mut request).send_to_client();
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
        .client_ip(client_ip.as_deref())
        .shield_token(shield::token_for(&headers));
    match flow::start(config, &viewer, now) {
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

/// Whether the viewer's Host parses as a URL's host: the SDK reads the
/// request's URL (path, query, scheme) with a parser that panics on what
/// it cannot parse, so a Host such as `a.example:99999` is answered 400
/// before anything reads it.
fn host_parses(request: &Request) -> bool {
    let Some(host) = request.get_header("host") else {
        return true;
    };
    host.to_str()
        .is_ok_and(|host| fastly::http::Url::parse(&format!("http://{host}/")).is_ok())
}

/// The request target as received: path and query.
fn target_of(request: &Request) -> String {
    match request.get_query_str() {
        Some(query) => format!("{}?{query}", request.get_path()),
        None => request.get_path().to_string(),
    }
}
