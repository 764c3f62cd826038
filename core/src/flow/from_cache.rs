//! Serving a stored entry: the status and headers of the stored head, the
//! whole body or the single byte range the viewer asked for.

use crate::cache_status::CacheOutcome;
use crate::conditional::Conditions;
use crate::config::Method;
use crate::headers::Headers;
use crate::range::RangeAnswer;
use crate::reason::PassReason;
use crate::stored::StoredHead;

use super::exchange::Exchange;
use super::finish::{EdgeReply, Finish};

/// The stored fields a 304 carries (RFC 9110 section 15.4.5).
const NOT_MODIFIED_FIELDS: [&str; 6] = [
    "cache-control",
    "content-location",
    "date",
    "etag",
    "expires",
    "vary",
];

/// Serve the body the platform holds for an entry, under `head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromCache {
    head: StoredHead,
    /// The viewer's `Range` and `If-Range`, when a range may apply.
    range: Option<(String, Option<String>)>,
    /// The viewer's conditions, when they may apply.
    conditions: Conditions,
    finish: Finish,
}

/// The viewer's response from a stored body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReply {
    /// 200 (the stored status), 206, 304 or 416.
    pub status: u16,
    /// The stored headers, with `Content-Range` for 206 and 416; for 304
    /// those RFC 9110 section 15.4.5 asks for.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Which bytes of the stored body to send.
    pub body: BodyPart,
}

/// Which bytes of a stored body a response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyPart {
    /// All of it.
    Whole,
    /// Bytes `start..=end`.
    Range {
        /// The first byte sent.
        start: u64,
        /// The last byte sent (inclusive).
        end: u64,
    },
    /// None (304, 416).
    Empty,
}

impl FromCache {
    /// Serving `head` with `outcome`. A byte range applies only to a GET
    /// of a stored 200 whose body is not content-coded: some platforms
    /// decode stored bodies, so a range of the coded bytes could not be
    /// cut the same everywhere (RFC 9110 section 14.2 lets a server
    /// ignore `Range`).
    pub(crate) fn new(ex: &Exchange<'_>, head: StoredHead, outcome: CacheOutcome) -> FromCache {
        let coded = head
            .headers()
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-encoding"));
        let eligible = ex.plan.method == Method::Get && head.meta.status == 200 && !coded;
        let range = ex
            .range
            .clone()
            .filter(|_| eligible)
            .map(|range| (range, ex.if_range.clone()));
        // RFC 9110 section 13.2.1: preconditions apply to a 2xx only; a
        // stored entry is a 200 or an error.
        // RFC 9110 section 13.1.2: a 304 answers a GET or HEAD only.
        let conditions = match (head.meta.status, ex.plan.method) {
            (200, Method::Get | Method::Head) => ex.conditions.clone(),
            _ => Conditions::default(),
        };
        let key = match &ex.plan.disposition {
            crate::request::Disposition::Lookup(key) => Some(key),
            crate::request::Disposition::Pass(_) => None,
        };
        FromCache {
            finish: ex.finish(outcome, key),
            head,
            range,
            conditions,
        }
    }

    /// The stored head served.
    pub fn head(&self) -> &StoredHead {
        &self.head
    }

    /// What happened.
    pub fn finish(&self) -> &Finish {
        &self.finish
    }

    /// What happened, taken out.
    pub fn into_finish(self) -> Finish {
        self.finish
    }

    /// The stored body's length as its head declares it (`Content-Length`),
    /// for platforms that cannot tell the length of a stored stream without
    /// reading it.
    pub fn stored_length(&self) -> Option<u64> {
        self.head.declared_length()
    }

    /// Whether a byte range applies, so the platform must tell the stored
    /// body's length to [`FromCache::reply`].
    pub fn wants_length(&self) -> bool {
        self.range.is_some()
    }

    /// The response for a stored body of `length` bytes (`None`: unknown,
    /// then it is sent whole).
    pub fn reply(&self, length: Option<u64>) -> StoredReply {
        if self.not_modified() {
            return self.not_modified_reply();
        }
        let mut headers: Vec<(String, Vec<u8>)> = self
            .head
            .headers()
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect();
        let answer = match &self.range {
            None => RangeAnswer::Full,
            Some((range, if_range)) => {
                let mut list: Vec<(&str, &[u8])> = vec![("range", range.as_bytes())];
                if let Some(if_range) = if_range {
                    list.push(("if-range", if_range.as_bytes()));
                }
                RangeAnswer::of(&Headers::new(&list), length, &self.head.meta.validators)
            }
        };
        if let Some(content_range) = answer.content_range() {
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-length"));
            headers.push(("content-range".to_string(), content_range.into_bytes()));
        }
        StoredReply {
            status: answer.status(self.head.meta.status),
            headers,
            body: match answer {
                RangeAnswer::Full => BodyPart::Whole,
                RangeAnswer::Partial { start, end, .. } => BodyPart::Range { start, end },
                RangeAnswer::Unsatisfiable { .. } => BodyPart::Empty,
            },
        }
    }

    /// Whether the viewer holds the stored representation already: its
    /// conditions say so (RFC 9111 section 4.3.2).
    fn not_modified(&self) -> bool {
        if self.conditions.is_empty() {
            return false;
        }
        let headers = self.head.headers();
        let date = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("date"))
            .and_then(|(_, value)| std::str::from_utf8(value).ok());
        let meta = &self.head.meta;
        self.conditions
            .not_modified(&meta.validators, date, meta.stored_at)
    }

    /// A `304` with the stored fields a 200 would have carried that RFC
    /// 9110 section 15.4.5 asks for (`Cache-Control`, `Content-Location`,
    /// `Date`, `ETag`, `Expires`, `Vary`), and `Last-Modified` when there
    /// is no `ETag` to revalidate with. No other representation metadata.
    fn not_modified_reply(&self) -> StoredReply {
        let mut headers: Vec<(String, Vec<u8>)> = self
            .head
            .headers()
            .into_iter()
            .filter(|(name, _)| {
                NOT_MODIFIED_FIELDS
                    .iter()
                    .any(|f| name.eq_ignore_ascii_case(f))
            })
            .map(|(name, value)| (name.to_string(), value))
            .collect();
        if self.head.meta.validators.etag.is_none()
            && let Some(modified) = &self.head.meta.validators.last_modified
        {
            headers.push(("last-modified".to_string(), modified.clone().into_bytes()));
        }
        StoredReply {
            status: 304,
            headers,
            body: BodyPart::Empty,
        }
    }

    /// The edge's 502 when the platform cannot read the stored body.
    pub fn unreadable(self) -> EdgeReply {
        let outcome = CacheOutcome::OriginUnavailable {
            status: 502,
            detail: "cache-read-error",
        };
        EdgeReply {
            status: 502,
            text: "edgecache: cached body unreadable\n".to_string(),
            finish: self.finish.with_outcome(outcome),
        }
    }

    /// The same serving, reporting that the platform's cache refused the
    /// write this step asked for: nothing was stored.
    pub fn cache_failed(self) -> FromCache {
        self.not_stored(PassReason::CacheUnavailable)
    }

    /// The same serving, reporting that nothing was stored, for `reason`.
    pub(crate) fn not_stored(self, reason: PassReason) -> FromCache {
        let outcome = match self.finish.outcome().clone() {
            CacheOutcome::Miss {
                status,
                stored: Ok(_),
            } => CacheOutcome::Miss {
                status,
                stored: Err(reason),
            },
            CacheOutcome::Revalidated {
                age, remaining_ttl, ..
            } => CacheOutcome::Revalidated {
                age,
                remaining_ttl,
                refreshed: Err(reason),
            },
            other => other,
        };
        FromCache {
            finish: self.finish.with_outcome(outcome),
            ..self
        }
    }
}
