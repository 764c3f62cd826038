//! The end of every flow: what happened, for the response headers and the
//! log line.

use crate::cache_status::{CDN_ONLY_HEADERS, CacheOutcome, Decoration};
use crate::config::Method;
use crate::key::CacheKey;
use crate::log_line::{LogLine, Sent};
use crate::reason::{OriginFailure, PassReason, Rejection};
use crate::shield::SHIELD_ANSWER_HEADER;

use super::body_check::BodyCut;
use crate::request::ViewerRequest;

/// What a request's flow ended with: the outcome, and what the log line
/// names. Every terminal step carries one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish {
    outcome: CacheOutcome,
    named: Named,
    key: Option<CacheKey>,
    send_body: bool,
    cut: Option<BodyCut>,
    /// The response goes to one of the service's POPs (shielding): it
    /// keeps the fields meant for caches.
    for_edge: bool,
}

/// What the log line names about the request itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Named {
    /// The method as the viewer sent it.
    pub(crate) method: String,
    /// The viewer's Host.
    pub(crate) host: String,
    /// The normalized path once a behavior was chosen, else the target.
    pub(crate) path: String,
    /// The behavior's pattern, `-` before one was chosen.
    pub(crate) behavior: String,
    /// The request's clock reading, Unix seconds.
    pub(crate) time: u64,
}

impl Finish {
    pub(crate) fn new(
        outcome: CacheOutcome,
        named: Named,
        key: Option<CacheKey>,
        send_body: bool,
    ) -> Finish {
        Finish {
            outcome,
            named,
            key,
            send_body,
            cut: None,
            for_edge: false,
        }
    }

    /// The same, for a response to one of the service's POPs when
    /// `for_edge` (shielding): it keeps the fields meant for caches
    /// ([`crate::CDN_ONLY_HEADERS`]), so that the POP stores its copy as
    /// the shield did.
    pub(crate) fn for_edge(self, for_edge: bool) -> Finish {
        Finish { for_edge, ..self }
    }

    /// What happened.
    pub fn outcome(&self) -> &CacheOutcome {
        &self.outcome
    }

    /// The cache key looked up, if any.
    pub fn key(&self) -> Option<&CacheKey> {
        self.key.as_ref()
    }

    /// `X-Cache`, `Cache-Status` (with the key, redacted) and `Age`.
    pub fn decoration(&self) -> Decoration {
        self.outcome.headers(self.key.as_ref())
    }

    /// The changes to make to the response's headers, in order: each name
    /// with the value to set, or `None` to remove it (the headers meant
    /// for the CDN only, [`crate::CDN_ONLY_HEADERS`]). `Age` is set only on
    /// answers from the cache; otherwise the origin's stays.
    ///
    /// ```
    /// # use edgecache_core::flow::{self, Start};
    /// # use edgecache_core::{Config, ViewerRequest};
    /// # let config = Config::from_json(r#"{"origins": {"a": {"domain": "a.example"}},
    /// #   "cache_policies": {"p": {}}, "origin_request_policies": {"o": {}},
    /// #   "default_behavior": {"origin": "a", "cache_policy": "p", "origin_request_policy": "o"}}"#).unwrap();
    /// let Start::Respond(reply) = flow::start(&config, &ViewerRequest::new("TRACE", "/"), 0) else { panic!() };
    /// let edits = reply.finish.header_edits();
    /// assert!(edits.contains(&("surrogate-key", None)));
    /// assert!(edits.contains(&("x-cache", Some("Error from edgecache".to_string()))));
    /// ```
    pub fn header_edits(&self) -> Vec<(&'static str, Option<String>)> {
        let decoration = self.decoration();
        let mut edits: Vec<(&'static str, Option<String>)> = if self.for_edge {
            vec![(SHIELD_ANSWER_HEADER, Some("1".to_string()))]
        } else {
            CDN_ONLY_HEADERS.iter().map(|name| (*name, None)).collect()
        };
        edits.push(("x-cache", Some(decoration.x_cache.to_string())));
        edits.push(("cache-status", Some(decoration.cache_status)));
        if let Some(age) = decoration.age {
            edits.push(("age", Some(age.to_string())));
        }
        edits
    }

    /// Whether the response carries its body: not for HEAD, which a
    /// stored GET answers with the same headers (RFC 9110 section 9.3.2).
    pub fn send_body(&self) -> bool {
        self.send_body
    }

    /// The JSON log line, for a response sent as `sent` says.
    pub fn log_line(&self, sent: &Sent<'_>) -> String {
        LogLine {
            time: self.named.time,
            host: &self.named.host,
            method: &self.named.method,
            path: &self.named.path,
            behavior: &self.named.behavior,
            key: self.key.as_ref(),
            outcome: &self.outcome,
            sent,
            cut: self.cut,
        }
        .to_json()
    }

    /// The report of a fill whose body did not arrive whole (the viewer saw
    /// the cut; `incomplete-body`), or ran past what may be stored
    /// (`too-large`): nothing was stored.
    pub fn cut(self, cut: BodyCut) -> Finish {
        let status = match self.outcome {
            CacheOutcome::Miss { status, .. } => status,
            _ => 200,
        };
        let reason = match cut {
            BodyCut::TooLarge { .. } => PassReason::TooLarge,
            _ => PassReason::IncompleteBody,
        };
        let finish = self.with_outcome(CacheOutcome::Miss {
            status,
            stored: Err(reason),
        });
        Finish {
            cut: Some(cut),
            ..finish
        }
    }

    /// The same report with another outcome.
    pub(crate) fn with_outcome(self, outcome: CacheOutcome) -> Finish {
        Finish { outcome, ..self }
    }
}

/// An answer the edge writes itself: a short plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeReply {
    /// The status to answer with.
    pub status: u16,
    /// The body, one line of plain text (`text/plain; charset=utf-8`).
    pub text: String,
    /// What happened.
    pub finish: Finish,
}

impl EdgeReply {
    /// The answer to a request core rejected before choosing a behavior.
    pub(crate) fn rejected(
        rejection: Rejection,
        viewer: &ViewerRequest<'_>,
        now: u64,
    ) -> EdgeReply {
        let head = Method::from_token(viewer.method) == Some(Method::Head);
        let outcome = CacheOutcome::Rejected(rejection);
        let named = Named {
            method: viewer.method.to_string(),
            host: viewer.host.to_string(),
            path: viewer.target.to_string(),
            behavior: "-".to_string(),
            time: now,
        };
        EdgeReply {
            status: rejection.status(),
            text: format!("edgecache: {rejection}\n"),
            finish: Finish::new(outcome, named, None, !head),
        }
    }

    /// The edge's 502 or 504 when the origin failed and nothing could
    /// stand in.
    pub(crate) fn unavailable(failure: OriginFailure, finish: Finish) -> EdgeReply {
        EdgeReply {
            status: failure.status(),
            text: format!("edgecache: {}\n", failure.detail()),
            finish: finish.with_outcome(CacheOutcome::unavailable(failure)),
        }
    }
}
