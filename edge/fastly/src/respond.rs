//! Building viewer responses: from a stored head, decorated with core's
//! headers.

use edgecache_core::{CDN_ONLY_HEADERS, CacheKey, CacheOutcome, StoredHead};
use fastly::{Body, Response};

/// A response from a stored head and a body stream.
pub fn from_stored(head: &StoredHead, body: Body) -> Response {
    let mut response = Response::from_status(head.meta.status).with_body(body);
    for (name, value) in head.headers() {
        response.append_header(name, value.as_slice());
    }
    response
}

/// A short plain-text answer from the edge itself.
pub fn plain(status: u16, text: &str) -> Response {
    Response::from_status(status)
        .with_header("content-type", "text/plain; charset=utf-8")
        .with_body(format!("{text}\n"))
}

/// Adds `X-Cache`, `Cache-Status` and `Age`, and removes the headers meant
/// for the CDN only (`Surrogate-Key`, `Cache-Tag`, `Surrogate-Control`).
pub fn decorate(response: &mut Response, outcome: &CacheOutcome, key: Option<&CacheKey>) {
    let headers = outcome.headers(key);
    for name in CDN_ONLY_HEADERS {
        response.remove_header(name);
    }
    response.set_header("x-cache", headers.x_cache);
    response.set_header("cache-status", headers.cache_status.as_str());
    if let Some(age) = headers.age {
        response.set_header("age", age.to_string());
    }
}
