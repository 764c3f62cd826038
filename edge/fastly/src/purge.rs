//! The invalidation API on Fastly: every entry is inserted with its purge
//! keys as surrogate keys (core's `flow::NewEntry::purge_keys`: its own and
//! the origin's tags), and a purge is `purge_surrogate_key` or
//! `soft_purge_surrogate_key` of the keys core names. Core makes every
//! check and writes every answer.

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use edgecache_core::Config;
use edgecache_core::purge::{MAX_PURGE_BODY, PurgeResponse, plan_purge, purge_gate};
use fastly::http::purge::{purge_surrogate_key, soft_purge_surrogate_key};
use fastly::secret_store::SecretStore;
use fastly::{Request, Response};

/// The secret store and key the bearer token is read from.
pub(crate) const SECRET_STORE: &str = "edgecache_secrets";
pub(crate) const TOKEN_KEY: &str = "purge_token";

/// What the summary says of propagation on Fastly.
const PROPAGATION: &str = "done in this POP when answered; Fastly spreads a surrogate-key purge to every POP, typically within 150 ms";

/// Answers a request to the invalidation API.
pub(crate) fn handle(config: &Config, request: &mut Request) -> Response {
    let answer = answer(config, request);
    log::info!("{}", answer.log);
    let mut response = Response::from_status(answer.status).with_body(answer.body);
    for (name, value) in answer.headers {
        response.set_header(name, value);
    }
    response
}

fn answer(config: &Config, request: &mut Request) -> PurgeResponse {
    let token = token();
    let authorization = request.get_header("authorization").map(|v| v.as_bytes());
    let declared = request
        .get_header("content-length")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.trim().parse().ok());
    let method = request.get_method_str();
    if let Err(refused) = purge_gate(method, authorization, token.as_deref(), declared) {
        return refused;
    }
    let mut body = Vec::new();
    let limit = u64::try_from(MAX_PURGE_BODY + 1).unwrap_or(u64::MAX);
    if let Err(e) = request.take_body().take(limit).read_to_end(&mut body) {
        log::warn!("edgecache: cannot read a purge request body: {e}");
    }
    let plan = match plan_purge(config, &body, now_ms()) {
        Ok(plan) => plan,
        Err(refused) => return refused,
    };
    let mut failed = Vec::new();
    let mut detail = String::new();
    for key in plan.keys() {
        let purged = if plan.soft {
            soft_purge_surrogate_key(&key)
        } else {
            purge_surrogate_key(&key)
        };
        if let Err(e) = purged {
            detail = e.to_string();
            failed.push(key);
        }
    }
    if failed.is_empty() {
        plan.accepted(PROPAGATION)
    } else {
        plan.failed(&failed, &detail)
    }
}

/// The configured token; none (the API answers 404) when the store or the
/// key is missing, or the secret cannot be decrypted (`plaintext` would
/// panic there; the failure is logged).
pub(crate) fn token() -> Option<Vec<u8>> {
    let store = SecretStore::open(SECRET_STORE).ok()?;
    let secret = store.try_get(TOKEN_KEY).ok().flatten()?;
    match secret.try_plaintext() {
        Ok(token) => Some(token.to_vec()),
        Err(e) => {
            log::error!("edgecache: cannot decrypt the purge token: {e:?}");
            None
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Purges `keys` (hard), for what an unsafe method invalidated (core's
/// `flow::Pass::invalidates`), before the answer is sent: the viewer's
/// next read finds the change.
pub(crate) fn invalidate(keys: &[String]) {
    for key in keys {
        if let Err(e) = purge_surrogate_key(key) {
            log::warn!("edgecache: cannot invalidate {key}: {e:?}");
        }
    }
}
