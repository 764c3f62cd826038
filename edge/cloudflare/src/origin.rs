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
use worker::{
    AbortController, CacheMode, Delay, Fetch, Request, RequestInit, RequestRedirect, Response,
};

use crate::respond;

/// Sends `request` (with `body`, a viewer's stream, for requests that
/// bypass the cache) and returns the origin's response. The platform's
/// own HTTP cache is bypassed (`cache: "no-store"`): core decides what is
/// cached, through the Cache API.
pub(crate) async fn send(
    request: &OriginRequest<'_, '_>,
    body: Option<JsValue>,
) -> Result<Response, OriginFailure> {
    let mut init = RequestInit::new();
    init.with_headers(respond::to_headers(
        request
            .headers
            .iter()
            .map(|(name, value)| (name.as_ref(), value.as_ref())),
    ))
    .with_cache(CacheMode::NoStore)
    // The origin's redirect is the answer: core decides about it, and
    // the origin's custom headers never go to the host it names.
    .with_redirect(RequestRedirect::Manual)
    .with_body(body);
    // The method goes in as the string it is: the Workers crate's own
    // method type knows ten, and reads any other as GET.
    let raw: worker::web_sys::RequestInit = (&init).into();
    raw.set_method(request.method_str());
    let out = worker::web_sys::Request::new_with_str_and_init(&request.url, &raw)
        .map(Request::from)
        .map_err(|e| {
            worker::console_warn!("edgecache: cannot build the origin request: {e:?}");
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
