//! Sending core's origin request to the backend named after the origin.

use edgecache_core::OriginRequest;
use fastly::http::request::SendErrorCause;
use fastly::{Body, Request, Response};

/// Why the origin gave no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Connecting or answering took longer than the origin's timeouts.
    Timeout,
    /// Anything else: refused, reset, DNS, TLS, a malformed answer.
    Unreachable,
}

impl Failure {
    /// The status the edge answers with when no stale copy can stand in.
    pub fn status(self) -> u16 {
        match self {
            Failure::Timeout => 504,
            Failure::Unreachable => 502,
        }
    }

    /// The `detail` shown in Cache-Status and the log line.
    pub fn detail(self) -> &'static str {
        match self {
            Failure::Timeout => "origin-timeout",
            Failure::Unreachable => "origin-unreachable",
        }
    }
}

/// Sends `request` (with `body`, for requests that bypass the cache) and
/// returns the origin's response. The platform's own HTTP cache is passed:
/// core decides what is cached, through the core cache API.
pub fn send(request: &OriginRequest<'_, '_>, body: Option<Body>) -> Result<Response, Failure> {
    let mut out = Request::new(request.method.as_str(), request.url.as_str());
    for (name, value) in &request.headers {
        out.append_header(name.as_ref(), value.as_ref());
    }
    if let Some(body) = body {
        out.set_body(body);
    }
    out.set_pass(true);
    // The backend is the static one named after the origin (fastly.toml).
    // Timeouts live on backends in Fastly; applying the origin's
    // `*_timeout_ms` needs dynamic backends (not done yet).
    out.send(request.origin.name.as_str())
        .map_err(|e| classify(e.root_cause()))
}

fn classify(cause: &SendErrorCause) -> Failure {
    match cause {
        SendErrorCause::DnsTimeout
        | SendErrorCause::ConnectionTimeout
        | SendErrorCause::HttpResponseTimeout => Failure::Timeout,
        _ => Failure::Unreachable,
    }
}
