//! Sending core's origin request with `fetch`, bounded by the origin's
//! first-byte timeout.
//!
//! Workers' `fetch` has no timeouts of its own: the edge aborts it when
//! the response headers take longer than `first_byte_timeout_ms`
//! (connecting counts toward it). `between_bytes_timeout_ms` is enforced
//! on fills' bodies as they are copied (`body`); a body that bypasses the
//! cache streams as the runtime gets it.

use std::time::Duration;

use edgecache_core::{OriginFailure, OriginRequest, is_final_status};
use futures_util::future::{Either, select};
use worker::wasm_bindgen::JsValue;
use worker::web_sys::{self, RequestCache, RequestRedirect};
use worker::{AbortController, Delay, Fetch, Request, Response};

use crate::respond;

/// Sends `request` (with `body`, a viewer's stream, for requests that
/// bypass the cache) and returns the origin's response. The platform's
/// own HTTP cache is bypassed (`cache: "no-store"`): core decides what is
/// cached, through the Cache API.
pub(crate) async fn send(
    request: &OriginRequest<'_, '_>,
    body: Option<JsValue>,
) -> Result<Response, OriginFailure> {
    let headers = respond::to_headers(
        request
            .headers
            .iter()
            .map(|(name, value)| (name.as_ref(), value.as_ref())),
    );
    let init = web_sys::RequestInit::new();
    // The method goes in as the string it is: the Workers crate's own
    // method type knows ten, and reads any other as GET.
    init.set_method(request.method_str());
    init.set_headers(headers.as_ref());
    init.set_cache(RequestCache::NoStore);
    // The origin's redirect is the answer: core decides about it, and
    // the origin's custom headers never go to the host it names.
    init.set_redirect(RequestRedirect::Manual);
    if let Some(body) = &body {
        init.set_body(body);
    }
    let out = new_request(&request.url, &init).map_err(|e| {
        worker::console_warn!("edgecache: cannot build the origin request: {e}");
        OriginFailure::Unreachable
    })?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(out);
    let sent = Box::pin(fetch.send_with_signal(&signal));
    let limit = Delay::from(Duration::from_millis(request.origin.first_byte_timeout_ms));
    match select(sent, limit).await {
        // A status a Workers Response cannot carry (outside 200-599) is
        // no answer: building the viewer's response would throw.
        Either::Left((Ok(response), _)) if !is_final_status(response.status_code()) => {
            worker::console_warn!(
                "edgecache: origin {} answered status {}",
                request.origin.name,
                response.status_code()
            );
            Err(OriginFailure::Unreachable)
        }
        Either::Left((Ok(response), _)) => Ok(response),
        Either::Left((Err(e), _)) => {
            worker::console_warn!("edgecache: origin {} failed: {e}", request.origin.name);
            Err(OriginFailure::Unreachable)
        }
        Either::Right(_) => {
            controller.abort();
            Err(OriginFailure::Timeout)
        }
    }
}

/// A request for `url` with `init`, built with the runtime's own
/// `RequestInit`: the Workers crate's would convert every `cf` property
/// it knows into the Worker for nothing, as no request here sets one.
pub(crate) fn new_request(url: &str, init: &web_sys::RequestInit) -> worker::Result<Request> {
    web_sys::Request::new_with_str_and_init(url, init)
        .map(Request::from)
        .map_err(worker::Error::from)
}
