//! The invalidation API call, for a backend to send: the seed's use is to
//! purge what changed whenever a database row does.

use serde_json::json;

use crate::purge::{PurgeError, parse_purge};

/// A purge call being built: its body is checked as the edge will check
/// it, so a backend learns of a bad path before it sends anything.
///
/// ```
/// use edgecache_core::purge::PurgeCall;
/// let call = PurgeCall::new()
///     .path("/products/42")
///     .path("/search/pcp?Keyword=flu&Zipcode=10001")
///     .tag("product-42");
/// let body = call.body().unwrap();
/// assert_eq!(
///     body,
///     r#"{"all":false,"paths":["/products/42","/search/pcp?Keyword=flu&Zipcode=10001"],"soft":false,"tags":["product-42"]}"#
/// );
/// let headers = PurgeCall::headers("demo-purge-token");
/// assert_eq!(headers[0], ("authorization", "Bearer demo-purge-token".to_string()));
/// assert!(PurgeCall::new().path("products/42").body().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeCall {
    paths: Vec<String>,
    tags: Vec<String>,
    all: bool,
    soft: bool,
}

impl PurgeCall {
    /// The method of the call.
    pub const METHOD: &'static str = "POST";

    /// An empty call: no path, no tag, not `all`, not soft. A call must
    /// name something before [`PurgeCall::body`] accepts it.
    pub fn new() -> PurgeCall {
        PurgeCall::default()
    }

    /// A path in CloudFront's syntax: every variant of `/products/42`, the
    /// variants of one key with a query, everything under `/media/*`.
    pub fn path(mut self, path: impl Into<String>) -> PurgeCall {
        self.paths.push(path.into());
        self
    }

    /// A tag the origin sent in `Surrogate-Key` or `Cache-Tag`.
    pub fn tag(mut self, tag: impl Into<String>) -> PurgeCall {
        self.tags.push(tag.into());
        self
    }

    /// Everything edgecache cached.
    pub fn all(mut self) -> PurgeCall {
        self.all = true;
        self
    }

    /// Mark stale instead of removing: served stale while revalidating.
    pub fn soft(mut self) -> PurgeCall {
        self.soft = true;
        self
    }

    /// The JSON body, checked.
    pub fn body(&self) -> Result<String, PurgeError> {
        let body = json!({
            "paths": self.paths,
            "tags": self.tags,
            "all": self.all,
            "soft": self.soft,
        })
        .to_string();
        parse_purge(body.as_bytes())?;
        Ok(body)
    }

    /// The request headers, with the bearer `token`.
    pub fn headers(token: &str) -> [(&'static str, String); 2] {
        [
            ("authorization", format!("Bearer {token}")),
            ("content-type", "application/json".to_string()),
        ]
    }
}
