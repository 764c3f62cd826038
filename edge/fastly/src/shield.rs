//! Shielding (core's `shield`): a fetch for an origin that has a shield
//! POP goes to the service on that POP, which looks the entry up in its
//! own cache and asks the origin on its misses, unless this is that POP.
//! The POPs prove they are the service's own with a token derived from
//! the purge token; without one, fetches go to the origin directly.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use edgecache_core::flow::Fetch;
use edgecache_core::shield::{ShieldRequest, edge_token};
use edgecache_core::{Origin, OriginFailure};
use fastly::backend::Backend;
use fastly::shielding::Shield;
use fastly::{Request, Response};

use crate::{config, origin, purge};

/// The service's edge token, read once per instance.
pub(crate) fn token() -> Option<&'static str> {
    static TOKEN: OnceLock<Option<String>> = OnceLock::new();
    TOKEN
        .get_or_init(|| purge::token().map(|secret| edge_token(&secret)))
        .as_deref()
}

/// Sends `fetch`: to its origin's shield POP when it has one and this is
/// not it, else to the origin.
pub(crate) fn send(fetch: &Fetch<'_>) -> Result<Response, OriginFailure> {
    let request = fetch.request();
    let shielded = token()
        .and_then(|token| fetch.shield_request(token))
        .and_then(|shield| backend(&shield.pop, request.origin).map(|b| (shield, b)));
    if request.origin.shield.is_some() && token().is_none() {
        warn_once(
            "has a shield POP, but the service has no purge token to prove itself to it with: its misses go to the origin directly",
        );
    }
    match shielded {
        Some((shield, backend)) => to_shield(shield, &backend, request.origin),
        None => origin::send(&request, None),
    }
}

/// The shield POP's backend, made once per instance (a second one of the
/// same POP is refused); `None` on the shield POP itself, or when the POP
/// is unknown (logged; the origin is asked directly).
fn backend(pop: &str, origin: &Origin) -> Option<Backend> {
    thread_local! {
        static MADE: RefCell<HashMap<String, Option<Backend>>> = RefCell::new(HashMap::new());
    }
    if let Some(made) = MADE.with_borrow(|made| made.get(pop).cloned()) {
        return made;
    }
    let backend = make_backend(pop, origin);
    MADE.with_borrow_mut(|made| made.insert(pop.to_string(), backend.clone()));
    backend
}

/// The shield POP's backend, with the time the origin may take there and
/// back (the first origin's that asks: one shield POP serves them all).
fn make_backend(pop: &str, origin: &Origin) -> Option<Backend> {
    let shield = match Shield::new(pop) {
        Ok(shield) => shield,
        Err(e) => {
            warn_once(&format!(
                "names shield POP {pop:?}, which Fastly does not know ({e:?}): its misses go to the origin directly"
            ));
            return None;
        }
    };
    if shield.running_on() {
        return None;
    }
    let first_byte = origin
        .connect_timeout_ms
        .saturating_add(origin.first_byte_timeout_ms);
    let shield = shield
        .with_first_byte_timeout(Duration::from_millis(first_byte))
        .with_between_bytes_timeout(Duration::from_millis(origin.between_bytes_timeout_ms));
    // Locally (Viceroy) the shield is another Viceroy, over plain HTTP.
    let backend = if config::local() {
        shield.unencrypted_backend()
    } else {
        shield.encrypted_backend()
    };
    backend
        .inspect_err(|e| log::warn!("edgecache: no backend for shield POP {pop}: {e:?}"))
        .ok()
}

/// Sends the viewer's request on to the shield POP.
fn to_shield(
    shield: ShieldRequest,
    backend: &Backend,
    origin: &Origin,
) -> Result<Response, OriginFailure> {
    let host = shield
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("host"))
        .and_then(|(_, value)| std::str::from_utf8(value).ok())
        .unwrap_or("localhost");
    let mut out = Request::new(shield.method, format!("https://{host}{}", shield.target));
    for (name, value) in &shield.headers {
        out.append_header(name.as_str(), value.as_slice());
    }
    out.set_pass(true);
    let started = Instant::now();
    out.send(backend).map_err(|e| {
        log::warn!("edgecache: shield POP {} failed: {e}", shield.pop);
        origin::classify(e.root_cause(), started.elapsed(), origin)
    })
}

/// Logs a problem with the configuration's shielding once per instance.
fn warn_once(what: &str) {
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        log::warn!("edgecache: an origin {what}");
    }
}
