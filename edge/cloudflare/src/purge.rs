//! The invalidation API on Cloudflare Workers.
//!
//! The Cache API finds an entry only by its URL and deletes in one data
//! center. So purges are not deletes: they are marks in core's
//! [`PurgeLog`], kept by one Durable Object (`PurgeLogObject`, binding
//! `PURGE_LOG`), strongly consistent and reachable from every data
//! center. Each isolate mirrors the log and asks it about every entry it
//! finds: an entry fetched from the origin before a purge of one of its
//! purge keys is a miss (hard) or stale (soft). Entries are then replaced
//! in place by the next fill.
//!
//! Propagation: the isolate that takes the purge sees it at once; every
//! other isolate catches up within [`SYNC_EVERY_MS`] of its next request
//! (one small read, in the background), plus at most [`KEEP_DELTA_S`]: the
//! object's answer to "what changed since mark N" is kept that long under
//! a synthetic Cache API URL ([`DELTA_PATH`]), so the isolates of a data
//! center that are at the same mark (all of them, once in step) share one
//! request to the object per second instead of one each. The object's
//! request budget is then about one request a second per data center and
//! zone, not per isolate. An isolate that
//! has never read the log reads it before its first lookup, waiting at
//! most [`SYNC_TIMEOUT_MS`]. Until one read succeeds, the isolate cannot
//! tell a purged entry from a kept one, so it serves no stored copy: every
//! lookup is a miss, refilled from the origin (fail closed). An isolate
//! that read the log once and then loses it keeps its mirror, at most as
//! old as the outage.

use std::cell::RefCell;

use edgecache_core::Config;
use edgecache_core::purge::{
    MAX_PURGE_BODY, PurgeChange, PurgeDelta, PurgeLog, PurgeMark, PurgeResponse, PurgeVerdict,
    plan_purge, purge_gate,
};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use worker::durable::{ListOptions, State};
use worker::js_sys::{Object, Reflect};
use worker::{Cache, DurableObject, Env, Request, Response, durable_object};

use crate::cache::now_ms;
use crate::respond;

/// The Durable Object binding of the purge log.
pub(crate) const BINDING: &str = "PURGE_LOG";
/// The one object that keeps the log.
const OBJECT_NAME: &str = "edgecache-purge-log";
/// The secret that holds the bearer token.
pub(crate) const TOKEN_SECRET: &str = "PURGE_TOKEN";
/// How stale an isolate's mirror may be before it asks the object again.
pub(crate) const SYNC_EVERY_MS: f64 = 1000.0;
/// The longest a request waits on a sync of the mirror (the first request
/// of an isolate waits for one): past it, the request goes on and the
/// sync counts as failed.
const SYNC_TIMEOUT_MS: u64 = 1000;
/// The object's storage: one entry per purge key.
const MARK_PREFIX: &str = "m:";
/// The Durable Object storage API takes at most 128 keys per call.
const STORAGE_BATCH: usize = 128;

/// Where a data center keeps the object's answers, per mark.
const DELTA_PATH: &str = "/.edgecache/purge-log/since/";
/// How long a kept answer serves other isolates, in seconds.
const KEEP_DELTA_S: u32 = 1;

const PROPAGATION: &str = "in effect in this isolate when answered; every other isolate, in every data center, within about 2 s of its next request";

/// An isolate's copy of the log.
#[derive(Default)]
struct Mirror {
    log: PurgeLog,
    /// When it was last brought up to date, or last tried; `None`: never.
    synced_ms: Option<f64>,
    syncing: bool,
    /// Whether a read of the log ever succeeded.
    read: bool,
    /// Whether the isolate said so in its log, once.
    said_unread: bool,
}

thread_local! {
    static MIRROR: RefCell<Mirror> = RefCell::new(Mirror::default());
}

/// Brings the mirror up to date before a lookup: at once when it never
/// was (the first request of an isolate waits), else in the background
/// once it is [`SYNC_EVERY_MS`] old; the future returned is for
/// `ctx.wait_until`.
/// `viewer_origin` (`https://host`) names the zone whose Cache API keeps
/// the data center's copy of the object's answers.
pub(crate) async fn prepare(env: &Env, viewer_origin: &str) -> Option<LocalBoxFuture<'static, ()>> {
    let (synced, syncing) = MIRROR.with_borrow(|m| (m.synced_ms, m.syncing));
    match synced {
        None => {
            sync(env, viewer_origin).await;
            None
        }
        Some(at) if !syncing && now_ms() - at >= SYNC_EVERY_MS => {
            MIRROR.with_borrow_mut(|m| m.syncing = true);
            let (env, viewer_origin) = (env.clone(), viewer_origin.to_owned());
            Some(Box::pin(async move { sync(&env, &viewer_origin).await }))
        }
        Some(_) => None,
    }
}

/// Reads the marks changed since the mirror's last, for at most
/// [`SYNC_TIMEOUT_MS`].
async fn sync(env: &Env, viewer_origin: &str) {
    use futures_util::future::{Either, select};
    let since = MIRROR.with_borrow(|m| m.log.seq());
    let asked = Box::pin(changes_since(env, viewer_origin, since));
    let limit = worker::Delay::from(std::time::Duration::from_millis(SYNC_TIMEOUT_MS));
    let delta = match select(asked, limit).await {
        Either::Left((delta, _)) => delta,
        Either::Right(_) => Err(worker::Error::from(format!(
            "no answer within {SYNC_TIMEOUT_MS} ms"
        ))),
    };
    MIRROR.with_borrow_mut(|m| {
        match delta {
            Ok(delta) => {
                m.log.apply(delta);
                m.read = true;
            }
            // Try again later; until a first read, no stored copy serves.
            Err(e) => worker::console_warn!("edgecache: purge log unreachable: {e}"),
        }
        m.synced_ms = Some(now_ms());
        m.syncing = false;
    });
}

/// The marks changed since `since`: the data center's copy when one was
/// kept within the last [`KEEP_DELTA_S`], else the object's answer, then
/// kept for the other isolates. The copy is a cache: any failure to read
/// or keep it only means asking the object.
async fn changes_since(env: &Env, viewer_origin: &str, since: u64) -> worker::Result<PurgeDelta> {
    let url = format!("{viewer_origin}{DELTA_PATH}{since}");
    let cache = Cache::default();
    if let Ok(Some(mut kept)) = cache.get(url.as_str(), true).await
        && let Ok(delta) = from_json::<PurgeDelta>(&kept.text().await.unwrap_or_default())
    {
        return Ok(delta);
    }
    let text = call_text(env, "GET", &format!("/since/{since}"), None).await?;
    let delta = from_json::<PurgeDelta>(&text)?;
    let headers = worker::Headers::new();
    headers.set("cache-control", &format!("max-age={KEEP_DELTA_S}"))?;
    let copy = Response::ok(text)?.with_headers(headers);
    if let Err(e) = cache.put(url.as_str(), copy).await {
        worker::console_warn!("edgecache: cannot keep the purge log's answer: {e}");
    }
    Ok(delta)
}

/// What the mirror says of an entry with these purge keys (its own and
/// the origin's tags), fetched at `fetched_ms`.
pub(crate) fn verdict(keys: &[String], fetched_ms: u64) -> PurgeVerdict {
    MIRROR.with_borrow_mut(|m| {
        if !m.read {
            if !m.said_unread {
                m.said_unread = true;
                worker::console_warn!(
                    "edgecache: the purge log was never read: stored copies are not served until it is"
                );
            }
            PurgeVerdict::Hard
        } else if m.log.is_empty() {
            PurgeVerdict::Kept
        } else {
            m.log.verdict(keys.iter().map(String::as_str), fetched_ms)
        }
    })
}

/// Answers a request to the invalidation API.
pub(crate) async fn handle(config: &Config, mut request: Request, env: &Env) -> Response {
    let answer = answer(config, &mut request, env).await;
    worker::console_log!("{}", answer.log);
    let pairs = answer.headers.iter().map(|(n, v)| (*n, v.as_bytes()));
    let headers = respond::to_headers(pairs);
    respond::build(
        answer.status,
        headers,
        worker::ResponseBody::Body(answer.body.into_bytes()),
    )
}

async fn answer(config: &Config, request: &mut Request, env: &Env) -> PurgeResponse {
    let token = env.secret(TOKEN_SECRET).ok().map(|t| t.to_string());
    let header = |name: &str| request.headers().get(name).ok().flatten();
    let authorization = header("authorization");
    let declared = header("content-length").and_then(|l| l.trim().parse().ok());
    let method = request.inner().method();
    let gate = purge_gate(
        &method,
        authorization.as_deref().map(str::as_bytes),
        token.as_deref().map(str::as_bytes),
        declared,
    );
    if let Err(refused) = gate {
        return refused;
    }
    let mut body = request.bytes().await.unwrap_or_default();
    body.truncate(MAX_PURGE_BODY + 1);
    // Milliseconds since 1970, far below 2^53.
    let plan = match plan_purge(config, &body, now_ms() as u64) {
        Ok(plan) => plan,
        Err(refused) => return refused,
    };
    let keys = plan.keys();
    let record = Record {
        keys: keys.clone(),
        soft: plan.soft,
    };
    let since = MIRROR.with_borrow(|m| m.log.seq());
    let path = format!("/record/{since}");
    match call(env, "POST", &path, Some(&record)).await {
        Ok(delta) => {
            MIRROR.with_borrow_mut(|m| m.log.apply(delta));
            plan.accepted(PROPAGATION)
        }
        Err(e) => plan.failed(&keys, &e.to_string()),
    }
}

/// Records a hard purge of `keys` in the log, for what an unsafe method
/// invalidated (core's `flow::Pass::invalidates`), before the answer is
/// sent: the viewer's next read finds the change (in every isolate once it
/// has synced).
pub(crate) async fn invalidate(env: &Env, keys: Vec<String>) {
    let record = Record { keys, soft: false };
    let since = MIRROR.with_borrow(|m| m.log.seq());
    match call(env, "POST", &format!("/record/{since}"), Some(&record)).await {
        Ok(delta) => MIRROR.with_borrow_mut(|m| m.log.apply(delta)),
        Err(e) => worker::console_warn!("edgecache: invalidation not recorded: {e}"),
    }
}

/// A purge for the object to record.
#[derive(Serialize, Deserialize)]
struct Record {
    keys: Vec<String>,
    soft: bool,
}

/// One request to the log's object.
async fn call(
    env: &Env,
    method: &str,
    path: &str,
    record: Option<&Record>,
) -> worker::Result<PurgeDelta> {
    from_json::<PurgeDelta>(&call_text(env, method, path, record).await?)
}

/// Reads JSON from its bytes, as core reads every other JSON: one parser
/// in the Worker, not one per kind of input.
fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> worker::Result<T> {
    serde_json::from_slice(text.as_bytes()).map_err(|e| worker::Error::from(e.to_string()))
}

/// One request to the log's object: its answer's text.
async fn call_text(
    env: &Env,
    method: &str,
    path: &str,
    record: Option<&Record>,
) -> worker::Result<String> {
    let stub = env.durable_object(BINDING)?.get_by_name(OBJECT_NAME)?;
    let init = worker::web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(record) = record {
        let body = serde_json::to_string(record).map_err(|e| worker::Error::from(e.to_string()))?;
        init.set_body(&body.into());
    }
    let request = crate::origin::new_request(&format!("https://purge-log{path}"), &init)?;
    let mut response = stub.fetch_with_request(request).await?;
    if response.status_code() != 200 {
        let text = response.text().await.unwrap_or_default();
        return Err(worker::Error::from(format!(
            "purge log answered {}: {text}",
            response.status_code()
        )));
    }
    response.text().await
}

/// The Durable Object that keeps the purge log: `GET /since/<seq>` gives
/// the marks changed since `seq`; `POST /record/<seq>` records a purge
/// (stamped with the object's clock) and gives the same.
#[durable_object(fetch)]
pub(crate) struct PurgeLogObject {
    state: State,
    log: RefCell<Option<PurgeLog>>,
}

impl DurableObject for PurgeLogObject {
    fn new(state: State, _env: Env) -> Self {
        PurgeLogObject {
            state,
            log: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        self.load().await?;
        let path = request.path();
        let (action, since) = path.rsplit_once('/').unwrap_or(("", ""));
        let Ok(since) = since.parse::<u64>() else {
            return Response::error("no such purge log call", 404);
        };
        if action == "/record" {
            let record: Record = from_json(&request.text().await?)?;
            // Milliseconds since 1970, far below 2^53.
            let at_ms = now_ms() as u64;
            let change = self.with_log(|log| log.record(&record.keys, record.soft, at_ms));
            self.persist(change).await?;
        }
        let delta = self.with_log(|log| log.since(since));
        let body = serde_json::to_string(&delta).map_err(|e| worker::Error::from(e.to_string()))?;
        Response::ok(body)
    }
}

impl PurgeLogObject {
    fn with_log<T>(&self, f: impl FnOnce(&mut PurgeLog) -> T) -> T {
        let mut log = self.log.borrow_mut();
        f(log.get_or_insert_with(PurgeLog::default))
    }

    /// Reads the marks from storage once per object lifetime.
    async fn load(&self) -> worker::Result<()> {
        if self.log.borrow().is_some() {
            return Ok(());
        }
        let stored = self
            .state
            .storage()
            .list_with_options(ListOptions::new().prefix(MARK_PREFIX))
            .await?;
        let mut marks = Vec::new();
        for entry in stored.entries() {
            let Ok(pair) = entry else { continue };
            let pair = worker::js_sys::Array::from(&pair);
            let (Some(key), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string())
            else {
                continue;
            };
            if let (Some(key), Ok(mark)) = (
                key.strip_prefix(MARK_PREFIX),
                from_json::<PurgeMark>(&value),
            ) {
                marks.push((key.to_string(), mark));
            }
        }
        let log = PurgeLog::from_marks(marks);
        self.log.borrow_mut().get_or_insert(log);
        Ok(())
    }

    /// Writes what a purge changed, in batches the storage API takes.
    async fn persist(&self, change: PurgeChange) -> worker::Result<()> {
        let storage = self.state.storage();
        for batch in change.changed.chunks(STORAGE_BATCH) {
            // A plain object of strings, built here: the Workers crate's
            // put_multiple would bring a serializer into the Worker for it.
            let values = Object::new();
            for (key, mark) in batch {
                let value = serde_json::to_string(mark).unwrap_or_default();
                let key = format!("{MARK_PREFIX}{key}");
                Reflect::set(&values, &key.into(), &value.into())?;
            }
            storage.put_multiple_raw(values).await?;
        }
        for batch in change.removed.chunks(STORAGE_BATCH) {
            let keys: Vec<String> = batch
                .iter()
                .map(|key| format!("{MARK_PREFIX}{key}"))
                .collect();
            storage.delete_multiple(keys).await?;
        }
        Ok(())
    }
}
