//! Shielding (core's `shield`): a fetch for an origin that has a shield
//! POP goes to the service on that POP, which looks the entry up in its
//! own cache and asks the origin on its misses, unless this is that POP.
//! The POPs prove they are the service's own with a token derived from
//! the purge token; without one, fetches go to the origin directly.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use edgecache_core::flow::Fetch;
use edgecache_core::shield::{ShieldRequest, edge_token};
use edgecache_core::{Origin, OriginFailure};
use fastly::backend::Backend;
use fastly::http::Url;
use fastly::shielding::Shield;
use fastly::{Request, Response};

use crate::{config, origin, purge};

/// The service's edge token: read once per instance when there is one,
/// read again by the next request when there is none.
pub(crate) fn token() -> Option<&'static str> {
    static TOKEN: OnceLock<String> = OnceLock::new();
    if let Some(token) = TOKEN.get() {
        return Some(token);
    }
    let secret = purge::token()?;
    Some(TOKEN.get_or_init(|| edge_token(&secret)))
}

/// The token to check a request against: read only for a request that
/// claims to come from a POP (the secret store is not opened for every
/// viewer's).
pub(crate) fn token_for(headers: &edgecache_core::Headers<'_>) -> Option<&'static str> {
    headers
        .contains(edgecache_core::shield::EDGE_HEADER)
        .then(token)
        .flatten()
}

/// Where a fetch went.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Origin,
    Shield,
}

/// Whether each problem with shielding was logged in this instance.
static NO_TOKEN: AtomicBool = AtomicBool::new(false);
static UNKNOWN_POP: AtomicBool = AtomicBool::new(false);

/// Sends `fetch`: to its origin's shield POP when it has one and this is
/// not it, else to the origin.
pub(crate) fn send(fetch: &Fetch<'_>) -> Result<(Response, Route), OriginFailure> {
    let request = fetch.request();
    let token = token();
    if request.origin.shield.is_some() && token.is_none() {
        warn_once(
            &NO_TOKEN,
            "has a shield POP, but the service has no purge token to prove itself to it with: \
             its misses go to the origin directly",
        );
    }
    let shielded = token
        .and_then(|token| fetch.shield_request(token))
        .and_then(|shield| backend(&shield.pop, request.origin).map(|b| (shield, b)));
    match shielded {
        Some((shield, backend)) => {
            to_shield(&shield, &backend, request.origin).map(|r| (r, Route::Shield))
        }
        None => origin::send(&request, None).map(|r| (r, Route::Origin)),
    }
}

/// The shield POP's backend, made once per instance (a second one of the
/// same POP is refused); `None` on the shield POP itself, or when the POP
/// is unknown (logged; the origin is asked directly).
fn backend(pop: &str, origin: &Origin) -> Option<Backend> {
    thread_local! {
        /// Each shield POP named so far, and its backend (a list: a
        /// configuration names one or two).
        static MADE: RefCell<Vec<(String, Option<Backend>)>> = const { RefCell::new(Vec::new()) };
    }
    let made = MADE.with_borrow(|made| {
        made.iter()
            .find(|(name, _)| name == pop)
            .map(|(_, backend)| backend.clone())
    });
    if let Some(made) = made {
        return made;
    }
    let backend = make_backend(pop, origin);
    MADE.with_borrow_mut(|made| made.push((pop.to_string(), backend.clone())));
    backend
}

/// The shield POP's backend, with the time the origin may take there and
/// back (the first origin's that asks: one shield POP serves them all).
fn make_backend(pop: &str, origin: &Origin) -> Option<Backend> {
    let shield = match Shield::new(pop) {
        Ok(shield) => shield,
        Err(e) => {
            let what = format!(
                "names shield POP {pop:?}, which Fastly does not know ({e:?}): its misses go to the origin directly"
            );
            warn_once(&UNKNOWN_POP, &what);
            return None;
        }
    };
    if shield.running_on() {
        return None;
    }
    // The shield may wait as long as the origin may take behind another
    // request's fill, then ask the origin itself.
    let first_byte = origin
        .connect_timeout_ms
        .saturating_add(origin.first_byte_timeout_ms)
        .saturating_mul(2)
        .saturating_add(1000);
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
    shield: &ShieldRequest,
    backend: &Backend,
    origin: &Origin,
) -> Result<Response, OriginFailure> {
    // The URL's authority is a fixed name: the viewer's Host goes as the
    // header it is, never spliced into a URL where its bytes could change
    // the path, or fail to parse.
    let url = Url::parse(&format!("https://shield.invalid{}", shield.target)).map_err(|e| {
        log::warn!("edgecache: no shield request for {:?}: {e}", shield.target);
        OriginFailure::Unreachable
    })?;
    let mut out = Request::new(shield.method, url);
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

/// Logs a problem with shielding once per instance, `said` saying whether
/// it was.
fn warn_once(said: &AtomicBool, what: &str) {
    if !said.swap(true, Ordering::Relaxed) {
        log::warn!("edgecache: an origin {what}");
    }
}
