//! edgecache core: every caching decision of the edgecache edge function,
//! platform-neutral and pure.
//!
//! No I/O, no clock (callers pass `now` as Unix seconds), no platform
//! types: the Fastly and Cloudflare adapters convert their requests and
//! responses into [`ViewerRequest`] and [`Headers`], ask core, and map the
//! decisions onto their own cache APIs.
//!
//! The flow of one request:
//! 1. [`Config::from_json`] once, at start-up;
//! 2. [`decide_request`]: behavior, [`Disposition`] (look up a
//!    [`CacheKey`], or pass and why), the [`OriginRequest`];
//! 3. on a hit, [`decide_serving`] for the stored [`EntryMeta`]: fresh,
//!    stale-while-revalidate, or revalidate;
//! 4. on a miss, [`decide_response`] for the origin's answer: store (TTL,
//!    stale windows, tags, Vary) or pass and why;
//! 5. [`CacheOutcome::headers`] for `X-Cache`, `Age` and `Cache-Status`.

mod accept_encoding;
mod behavior;
mod cache_control;
mod cache_status;
mod config;
mod cookies;
mod entry;
mod error;
pub mod flow;
mod forward;
mod headers;
mod key;
mod log_line;
mod path;
mod percent;
mod policy;
mod purge;
mod query;
mod range;
mod reason;
mod request;
mod serve;
mod stored;
mod tags;
#[cfg(test)]
mod test_support;
mod ttl;
mod vary;

pub use accept_encoding::AcceptEncoding;
pub use behavior::{PathPattern, PatternError, select as select_behavior};
pub use cache_control::{CacheControl, Directive};
pub use cache_status::{CACHE_NAME, CDN_ONLY_HEADERS, CacheOutcome, Decoration, StaleReason};
pub use config::schema;
pub use config::{
    Behavior, CachePolicy, Config, DEFAULT_ERROR_CACHING_MIN_TTL, DEFAULT_INVALIDATION_PATH,
    Method, MethodSet, NameSet, Origin, OriginRequestPolicy, Seconds, TtlLimits,
};
pub use entry::{EntryMeta, HIT_FOR_PASS_TTL};
pub use error::{ConfigError, Error};
pub use forward::Forwarding;
pub use headers::{HeaderPair, Headers};
pub use key::{CacheKey, SHOWN_HEADERS};
pub use log_line::{LogLine, config_rejected};
pub use path::{PathError, normalize_path};
pub use policy::{
    OriginResponse, ResponseDecision, StoreDecision, TtlSource, Validators, decide_response,
};
pub use purge::{
    MAX_PURGE_BODY, MAX_PURGE_DIRS, MAX_PURGE_MARKS, MAX_PURGE_PATH_LEN, MAX_PURGE_PATHS,
    MAX_PURGE_TAGS, PURGE_ALL_KEY, PurgeCall, PurgeChange, PurgeDelta, PurgeError, PurgeLog,
    PurgeMark, PurgePlan, PurgeRequest, PurgeResponse, PurgeTarget, PurgeVerdict, authorized,
    entry_purge_keys, is_purge_request, parse_purge, plan_purge, purge_gate, target_purge_keys,
};
pub use query::normalize_query;
pub use range::RangeAnswer;
pub use reason::{OriginFailure, PassReason, Rejection};
pub use request::{
    Disposition, MAX_TARGET_LEN, OriginRequest, RequestDecision, RequestPlan, Scheme,
    ViewerRequest, decide_request, has_body,
};
pub use serve::{
    Revalidation, Serving, conditional_headers, decide_revalidated, decide_serving,
    is_origin_failure, merge_not_modified, revalidate, usable_on_error,
};
pub use stored::{HOP_BY_HOP_HEADERS, StoredHead};
pub use tags::{MAX_TAG_LEN, MAX_TAGS, response_tags};
pub use ttl::{ErrorCaching, OriginLifetime, edge_ttl, error_ttl};
pub use vary::{VaryRule, VaryStar};
