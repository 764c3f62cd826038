//! Sending core's origin request to the backend named after the origin.

use std::time::{Duration, Instant};

use edgecache_core::{Origin, OriginFailure as Failure, OriginRequest};
use fastly::backend::{Backend, BackendCreationError};
use fastly::http::Url;
use fastly::http::request::SendErrorCause;
use fastly::{Body, Request, Response};

/// Sends `request` (with `body`, for requests that bypass the cache) and
/// returns the origin's response. The platform's own HTTP cache is passed:
/// core decides what is cached, through the core cache API.
pub(crate) fn send(
    request: &OriginRequest<'_, '_>,
    body: Option<Body>,
) -> Result<Response, Failure> {
    // A URL core built from a validated domain parses; should one not
    // (a label only Fastly's parser refuses), the origin is unreachable
    // rather than the function panicking.
    let url = Url::parse(&request.url).map_err(|e| {
        log::error!(
            "edgecache: origin {} URL {:?}: {e}",
            request.origin.name,
            request.url
        );
        Failure::Unreachable
    })?;
    let mut out = Request::new(request.method_str(), url);
    for (name, value) in &request.headers {
        out.append_header(name.as_ref(), value.as_ref());
    }
    if let Some(body) = body {
        out.set_body(body);
    }
    out.set_pass(true);
    let tls = request.url.starts_with("https://");
    let started = Instant::now();
    match backend(request.origin, tls) {
        Some(backend) => out.send(backend),
        None => out.send(request.origin.name.as_str()),
    }
    .map_err(|e| classify(e.root_cause(), started.elapsed(), request.origin))
}

/// A dynamic backend carrying the origin's address and timeouts, so that
/// the configuration, not the service, decides them (as on every
/// platform). `None` when the service does not allow dynamic backends:
/// then the static backend named after the origin is used, with its own
/// timeouts. It is made once per instance and reused by the requests the
/// instance serves after, so it holds nothing of one request: the Host
/// the origin gets is each request's own header (an `override_host` here
/// would send every later request the first one's), and its name says
/// its scheme (a `match-viewer` origin has one backend per scheme; one
/// name for both would send an HTTPS viewer's request in clear text after
/// an HTTP viewer's).
fn backend(origin: &Origin, tls: bool) -> Option<Backend> {
    let scheme = if tls { "https" } else { "http" };
    let name = format!("edgecache-{}-{scheme}", origin.name);
    let port = if tls {
        origin.https_port
    } else {
        origin.http_port
    };
    let mut builder = Backend::builder(&name, format!("{}:{port}", origin.domain))
        .connect_timeout(Duration::from_millis(origin.connect_timeout_ms))
        .first_byte_timeout(Duration::from_millis(origin.first_byte_timeout_ms))
        .between_bytes_timeout(Duration::from_millis(origin.between_bytes_timeout_ms));
    if tls {
        // Without check_certificate, production Fastly accepts any valid
        // certificate, for any host (Viceroy always checks, so local tests
        // would not show it).
        builder = builder
            .enable_ssl()
            .sni_hostname(&origin.domain)
            .check_certificate(&origin.domain);
    }
    match builder.finish() {
        Ok(backend) => Some(backend),
        Err(BackendCreationError::NameInUse) => Backend::from_name(&name).ok(),
        Err(e) => {
            log::warn!(
                "edgecache: no dynamic backend for origin {} ({e:?}); using the static one",
                origin.name
            );
            None
        }
    }
}

/// A timeout by its cause, or by how long the failure took: Viceroy
/// reports an elapsed first-byte timeout without a cause.
pub(crate) fn classify(cause: &SendErrorCause, elapsed: Duration, origin: &Origin) -> Failure {
    let first_byte = Duration::from_millis(origin.first_byte_timeout_ms);
    match cause {
        SendErrorCause::DnsTimeout
        | SendErrorCause::ConnectionTimeout
        | SendErrorCause::HttpResponseTimeout => Failure::Timeout,
        _ if elapsed >= first_byte => Failure::Timeout,
        _ => Failure::Unreachable,
    }
}
