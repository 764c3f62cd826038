//! edgecache core: every caching decision of the edgecache edge function,
//! platform-neutral and pure.
//!
//! No I/O, no clock (callers pass `now` as Unix seconds), no platform
//! types: an adapter converts its platform's request into a
//! [`ViewerRequest`] and runs the request flow of [`flow`], a sans-IO
//! state machine: [`flow::start`], then one step per platform operation
//! (look up, claim the write, ask the origin, store), each step an enum
//! the adapter `match`es on, each terminal step carrying the
//! [`CacheOutcome`] for the response headers and the log line.
//!
//! The decisions the flow is made of stand alone too, for tools that
//! explain or simulate them:
//! - [`Config::from_json`]: the configuration, validated with every
//!   error's JSON path;
//! - [`decide_request`]: behavior, [`Disposition`] (look up a
//!   [`CacheKey`], or pass and why), the [`OriginRequest`];
//! - [`decide_serving`]: how a stored [`EntryMeta`] serves at `now`
//!   (fresh, stale-while-revalidate, revalidate);
//! - [`decide_response`]: store an origin's answer (TTL, stale windows,
//!   tags, Vary) or pass it and why;
//! - [`CacheOutcome::headers`]: `X-Cache`, `Age` and `Cache-Status`;
//! - [`purge`]: the invalidation API and the purge keys entries carry.

mod accept_encoding;
mod accept_language;
mod behavior;
mod cache_control;
mod cache_status;
mod conditional;
pub mod config;
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
pub mod purge;
mod query;
mod range;
mod reason;
mod request;
mod request_directives;
mod response;
mod serve;
pub mod shield;
mod status;
mod stored;
mod tags;
#[cfg(test)]
mod test_support;
mod ttl;
mod unkeyed;
mod vary;

pub use accept_encoding::AcceptEncoding;
pub use accept_language::normalize_accept_language;
pub use behavior::{PathPattern, PatternError, select as select_behavior};
pub use cache_control::{CacheControl, Directive};
pub use cache_status::{CACHE_NAME, CDN_ONLY_HEADERS, CacheOutcome, Decoration, StaleReason};
pub use conditional::Conditions;
pub use config::schema;
pub use config::{
    Behavior, CachePolicy, Config, DEFAULT_ERROR_CACHING_MIN_TTL, DEFAULT_INVALIDATION_PATH,
    MAX_PRECOMPILED_BYTES, Method, MethodSet, NameSet, Origin, OriginRequestPolicy,
    PRECOMPILED_TEXT_PREFIX, Seconds, Text, TtlLimits,
};
pub use entry::{EntryMeta, HIT_FOR_PASS_TTL};
pub use error::{ConfigError, Error};
pub use forward::Forwarding;
pub use headers::{HeaderPair, Headers};
pub use key::{CacheKey, SHOWN_HEADERS};
pub use log_line::{LogLine, Sent, config_rejected};
pub use path::{PathError, normalize_path};
pub use query::normalize_query;
pub use range::RangeAnswer;
pub use reason::{OriginFailure, PassReason, Rejection};
pub use request::{
    Disposition, MAX_TARGET_LEN, OriginRequest, RequestDecision, RequestPlan, Scheme,
    ViewerRequest, decide_request, has_body,
};
pub use request_directives::RequestDirectives;
pub use response::{
    OriginResponse, ResponseDecision, StoreDecision, TtlSource, Validators, decide_response,
};
pub use serve::{
    Revalidation, Serving, conditional_headers, decide_revalidated, decide_serving,
    is_origin_failure, merge_not_modified, revalidate, usable_on_error,
};
pub use status::{has_no_content, is_final_status};
pub use stored::{HOP_BY_HOP_HEADERS, StoredHead};
pub use tags::{
    MAX_TAG_BYTES, MAX_TAG_LEN, MAX_TAGS, ResponseTags, cache_tag_value, response_tags,
};
pub use ttl::{
    ErrorCaching, MAX_HEURISTIC_LIFETIME, OriginLifetime, edge_ttl, error_ttl, heuristic_lifetime,
};
pub use unkeyed::{BodyScan, MAX_WATCHED, MIN_REFLECTED_LEN, Unkeyed, Watched};
pub use vary::{MAX_VARY_HEADERS, Unmatchable, VaryRule};
