//! Building viewer responses, and converting header values between the
//! Workers API (JavaScript strings) and core (bytes).
//!
//! Header values are byte strings: the runtime maps each byte to one
//! character U+0000..U+00FF (Latin-1), so the conversion is lossless both
//! ways.

use edgecache_core::{CDN_ONLY_HEADERS, CacheKey, CacheOutcome, HeaderPair};
use worker::{Headers, Response, ResponseBody};

/// Header pairs owned, as read from the runtime.
pub type OwnedHeaders = Vec<(String, Vec<u8>)>;

/// The bytes of a header value read from the runtime.
pub fn value_bytes(value: &str) -> Vec<u8> {
    value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// A header value for the runtime, from bytes.
pub fn value_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Every header of `headers`, names lower-cased by the runtime.
pub fn owned(headers: &Headers) -> OwnedHeaders {
    headers
        .entries()
        .map(|(name, value)| (name, value_bytes(&value)))
        .collect()
}

/// Borrowed pairs of `owned`, as core reads them.
pub fn pairs(owned: &OwnedHeaders) -> Vec<HeaderPair<'_>> {
    owned
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_slice()))
        .collect()
}

/// Runtime headers from pairs. A pair the runtime refuses (a name that is
/// not a token) is dropped, never a reason to fail the request.
pub fn to_headers<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Headers {
    let headers = Headers::new();
    for (name, value) in pairs {
        let _ = headers.append(name, &value_string(value));
    }
    headers
}

/// Statuses whose responses never carry a body (the runtime refuses one).
pub fn is_null_body_status(status: u16) -> bool {
    matches!(status, 101 | 204 | 205 | 304)
}

/// A response with `status`, `headers` and `body`.
pub fn build(status: u16, headers: Headers, body: ResponseBody) -> Response {
    let body = if is_null_body_status(status) {
        ResponseBody::Empty
    } else {
        body
    };
    Response::builder()
        .with_status(status)
        .with_headers(headers)
        .body(body)
}

/// Cancels a body nobody will read, so that the other branch of a teed
/// body (the cache's) does not keep a copy of it in memory.
pub fn discard(body: ResponseBody) {
    if let ResponseBody::Stream(stream) = body {
        let _ = stream.cancel();
    }
}

/// A short plain-text answer from the edge itself.
pub fn plain(status: u16, text: &str) -> Response {
    let headers = to_headers([("content-type", b"text/plain; charset=utf-8".as_slice())]);
    build(
        status,
        headers,
        ResponseBody::Body(format!("{text}\n").into_bytes()),
    )
}

/// Adds `X-Cache`, `Cache-Status` and `Age`, and removes the headers meant
/// for the CDN only (`Surrogate-Key`, `Cache-Tag`, `Surrogate-Control`).
pub fn decorate(response: &mut Response, outcome: &CacheOutcome, key: Option<&CacheKey>) {
    let decoration = outcome.headers(key);
    let headers = response.headers_mut();
    for name in CDN_ONLY_HEADERS {
        let _ = headers.delete(name);
    }
    let _ = headers.set("x-cache", decoration.x_cache);
    let _ = headers.set("cache-status", &decoration.cache_status);
    if let Some(age) = decoration.age {
        let _ = headers.set("age", &age.to_string());
    }
}
