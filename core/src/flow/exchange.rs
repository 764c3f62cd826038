//! What every step of one request's flow carries: the configuration, the
//! owned plan, the clock reading, and the viewer's inputs that matter
//! after the lookup.

use crate::cache_status::CacheOutcome;
use crate::conditional::Conditions;
use crate::config::{Config, Method};
use crate::key::CacheKey;
use crate::request::{RequestPlan, ViewerRequest};
use crate::request_directives::RequestDirectives;
use crate::shield::ViewerCopy;

use super::finish::{Finish, Named};

/// One request's flow context.
#[derive(Debug, Clone)]
pub(crate) struct Exchange<'c> {
    pub(crate) config: &'c Config,
    pub(crate) plan: RequestPlan<'c, 'static>,
    /// Unix seconds: every decision of this request is made at this time.
    pub(crate) now: u64,
    /// The method as the viewer sent it, for the log line.
    method: String,
    /// The viewer's Host, for the log line.
    host: String,
    /// The viewer's `Range` and `If-Range`, answered from stored objects.
    pub(crate) range: Option<String>,
    pub(crate) if_range: Option<String>,
    /// The viewer's `If-None-Match` and `If-Modified-Since`, answered
    /// from stored objects.
    pub(crate) conditions: Conditions,
    /// The viewer's cache directives, where the policy honors them.
    pub(crate) directives: Option<RequestDirectives>,
    /// What a shielded fetch sends the shield: only when the origin has
    /// one and the request did not come from a POP.
    pub(crate) viewer_copy: Option<ViewerCopy>,
    /// The request came from one of the service's POPs: its answer keeps
    /// what caches need.
    pub(crate) from_edge: bool,
}

impl<'c> Exchange<'c> {
    pub(crate) fn new(
        config: &'c Config,
        plan: RequestPlan<'c, 'static>,
        viewer: &ViewerRequest<'_>,
        now: u64,
    ) -> Exchange<'c> {
        let header = |name| viewer.headers.get_str(name).map(str::to_string);
        let plan_shielded = plan.origin_request.origin.shield.is_some();
        let directives = plan
            .cache_policy
            .honor_request_directives
            .then(|| RequestDirectives::of(&viewer.headers));
        Exchange {
            config,
            plan,
            now,
            method: viewer.method.to_string(),
            host: viewer.host.to_string(),
            range: header("range"),
            if_range: header("if-range"),
            conditions: Conditions::of(&viewer.headers),
            directives,
            viewer_copy: viewer_copy(plan_shielded, viewer),
            from_edge: viewer.from_edge,
        }
    }

    /// The terminal step's report of `outcome`, the key shown redacted.
    pub(crate) fn finish(&self, outcome: CacheOutcome, key: Option<&CacheKey>) -> Finish {
        let named = Named {
            method: self.method.clone(),
            host: self.host.clone(),
            path: self.plan.path.to_string(),
            behavior: self.plan.behavior.label().to_string(),
            time: self.now,
        };
        Finish::new(
            outcome,
            named,
            key.cloned(),
            self.plan.method != Method::Head,
        )
        .for_edge(self.from_edge)
    }
}

/// The viewer's request as a shielded fetch sends it on: for an origin with
/// a shield, from a request that did not come from a POP (a shield never
/// sends a POP's request on to another).
fn viewer_copy(shielded: bool, viewer: &ViewerRequest<'_>) -> Option<ViewerCopy> {
    if !shielded || viewer.from_edge {
        return None;
    }
    let headers = viewer
        .headers
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_vec()))
        .collect();
    Some(ViewerCopy {
        target: viewer.target.to_string(),
        headers,
        client_ip: viewer.client_ip.map(str::to_string),
    })
}
