//! The head of a stored response, for platforms whose cache keeps only a
//! body and opaque metadata (Fastly's core cache): the caching metadata,
//! the status and the headers, in one compact JSON document.

use serde::{Deserialize, Serialize};

use crate::entry::EntryMeta;
use crate::error::Error;
use crate::headers::Headers;
use crate::percent::{ByteSet, byte_set, push_escaped, unescape};

/// Headers never stored: they describe one connection, not the response
/// (RFC 9110 section 7.6.1; RFC 9111 section 3.1).
pub const HOP_BY_HOP_HEADERS: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authenticate",
];

/// Bytes kept as they are in a stored header value; the rest is escaped,
/// so values that are not UTF-8 survive the JSON round trip.
const VALUE_CHARS: ByteSet = byte_set!(|b| b.is_ascii_graphic() || b == b' ' || b == b'\t');

/// What a header value may carry unescaped: printable ASCII and space.
const HEADER_VALUE_CHARS: ByteSet = byte_set!(|b| b.is_ascii_graphic() || b == b' ');

/// A stored response's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHead {
    /// The caching metadata, the stored status among it.
    pub meta: EntryMeta,
    /// Names as received; values percent-escaped where not printable.
    headers: Vec<(String, String)>,
}

impl StoredHead {
    /// The head to store for a response: its headers minus hop-by-hop
    /// ones and those its `Connection` field names (RFC 9110 section
    /// 7.6.1), minus `Set-Cookie` when the decision says to strip it,
    /// minus the `cf-` fields Cloudflare adds to each response it hands a
    /// Worker (`cf-ray`, `cf-cache-status`: replayed from a stored copy
    /// they would describe another request);
    /// with a `Date` of when it was stored if it had none (RFC 9110
    /// section 6.6.1: a recipient with a clock adds one).
    pub fn new(meta: EntryMeta, headers: &Headers<'_>, strip_set_cookie: bool) -> StoredHead {
        let listed: Vec<&[u8]> = headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
            .flat_map(|(_, value)| value.split(|&b| b == b','))
            .map(<[u8]>::trim_ascii)
            .filter(|token| !token.is_empty())
            .collect();
        let mut kept: Vec<(String, String)> = headers
            .iter()
            .filter(|(name, _)| {
                let hop_by_hop = HOP_BY_HOP_HEADERS
                    .iter()
                    .any(|h| name.eq_ignore_ascii_case(h));
                let connection = listed
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(name.as_bytes()));
                let stripped = strip_set_cookie && name.eq_ignore_ascii_case("set-cookie");
                let platform = name
                    .get(..3)
                    .is_some_and(|prefix| prefix.eq_ignore_ascii_case("cf-"));
                !hop_by_hop && !connection && !stripped && !platform
            })
            .map(|(name, value)| {
                let mut escaped = String::with_capacity(value.len());
                push_escaped(&mut escaped, value, &VALUE_CHARS);
                (name.to_string(), escaped)
            })
            .collect();
        if !kept
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("date"))
            && !meta.hit_for_pass
        {
            // An HTTP-date ends with year 9999; a clock past it dates nothing.
            const YEAR_10000: u64 = 253_402_300_800;
            let at = std::time::UNIX_EPOCH
                .checked_add(std::time::Duration::from_secs(meta.stored_at))
                .filter(|_| meta.stored_at < YEAR_10000);
            if let Some(at) = at {
                kept.push(("date".to_string(), httpdate::fmt_http_date(at)));
            }
        }
        StoredHead {
            meta,
            headers: kept,
        }
    }

    /// The stored headers, values as they were received.
    pub fn headers(&self) -> Vec<(&str, Vec<u8>)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), unescape(value)))
            .collect()
    }

    /// The body's length as the stored head declares it
    /// (`Content-Length`), when it does.
    /// `None` for a content-coded body (`Content-Encoding` other than
    /// `identity`): some platforms decode it (Workers' `fetch`), so its
    /// bytes there are not the ones the length counts.
    pub fn declared_length(&self) -> Option<u64> {
        let field = |wanted: &str| {
            self.headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.as_str())
        };
        if field("content-encoding").is_some_and(|c| !c.trim().eq_ignore_ascii_case("identity")) {
            return None;
        }
        let value = field("content-length")?;
        let value = value.trim();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        value.parse().ok()
    }

    /// The head as compact JSON; [`StoredHead::from_bytes`] reads it back.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Plain fields always serialize.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a stored head; anything unreadable or of another metadata
    /// version is an error, which an adapter treats as a miss.
    pub fn from_bytes(bytes: &[u8]) -> Result<StoredHead, Error> {
        let head: StoredHead = serde_json::from_slice(bytes).map_err(Error::corrupt_entry)?;
        EntryMeta::check_version(&head.meta)?;
        Ok(head)
    }

    /// The head as one header value: printable ASCII, for platforms that
    /// keep an entry's metadata in a header of the stored response (the
    /// Workers Cache API). Any byte outside printable ASCII is escaped.
    ///
    /// ```
    /// # use edgecache_core::{EntryMeta, Headers, StoredHead};
    /// let list: [(&str, &[u8]); 1] = [("X-Name", "café".as_bytes())];
    /// let head = StoredHead::new(EntryMeta::hit_for_pass(0), &Headers::new(&list), false);
    /// let value = head.to_header_value();
    /// assert!(value.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
    /// assert_eq!(StoredHead::from_header_value(&value).unwrap(), head);
    /// ```
    pub fn to_header_value(&self) -> String {
        let bytes = self.to_bytes();
        let mut out = String::with_capacity(bytes.len());
        push_escaped(&mut out, &bytes, &HEADER_VALUE_CHARS);
        out
    }

    /// Reads [`StoredHead::to_header_value`] back.
    pub fn from_header_value(value: &str) -> Result<StoredHead, Error> {
        StoredHead::from_bytes(&unescape(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::StoreDecision;

    fn meta() -> EntryMeta {
        let decision = StoreDecision {
            ttl: 60,
            initial_age: 0,
            stale_while_revalidate: 0,
            stale_if_error: 0,
            source: crate::response::TtlSource::MaxAge,
            tags: vec!["t".into()],
            tags_dropped: 0,
            vary: Default::default(),
            validators: Default::default(),
            strip_set_cookie: false,
            shareable_with_credentials: false,
        };
        EntryMeta::new(&decision, 200, 1_700_000_000)
    }

    #[test]
    fn round_trips_headers_byte_for_byte() {
        let list: [(&str, &[u8]); 4] = [
            ("Content-Type", b"text/plain"),
            ("X-Odd", b"caf\xc3\xa9 \xff 100%"),
            ("Connection", b"close"),
            ("Set-Cookie", b"a=1"),
        ];
        let head = StoredHead::new(meta(), &Headers::new(&list), false);
        let back = StoredHead::from_bytes(&head.to_bytes()).unwrap();
        assert_eq!(back, head);
        let headers = back.headers();
        assert_eq!(
            headers.len(),
            4,
            "connection is not stored; a date is added"
        );
        assert_eq!(headers[1], ("X-Odd", b"caf\xc3\xa9 \xff 100%".to_vec()));
    }

    #[test]
    fn strips_set_cookie_when_told() {
        let list: [(&str, &[u8]); 2] = [("Set-Cookie", b"a=1"), ("Date", b"x")];
        let head = StoredHead::new(meta(), &Headers::new(&list), true);
        assert_eq!(head.headers(), vec![("Date", b"x".to_vec())]);
    }

    #[test]
    fn drops_the_fields_cloudflare_adds_for_one_request() {
        let list: [(&str, &[u8]); 4] = [
            ("CF-Ray", b"8f1e2d3c4b5a6978-LHR"),
            ("cf-cache-status", b"DYNAMIC"),
            ("Date", b"x"),
            ("Cfg-Version", b"2"),
        ];
        let head = StoredHead::new(meta(), &Headers::new(&list), false);
        let names: Vec<String> = head
            .headers()
            .into_iter()
            .map(|(n, _)| n.to_string())
            .collect();
        assert_eq!(names, ["Date", "Cfg-Version"]);
    }

    #[test]
    fn drops_the_fields_connection_names() {
        let list: [(&str, &[u8]); 5] = [
            ("Connection", b"keep-alive, X-Secret-Hop"),
            ("connection", b" x-other "),
            ("X-Secret-Hop", b"1"),
            ("X-Other", b"2"),
            ("X-Kept", b"3"),
        ];
        let head = StoredHead::new(meta(), &Headers::new(&list), false);
        let names: Vec<&str> = head.headers().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["X-Kept", "date"]);
    }

    #[test]
    fn a_clock_past_year_9999_dates_nothing() {
        let mut late = meta();
        late.stored_at = u64::MAX;
        let head = StoredHead::new(late, &Headers::default(), false);
        assert!(head.headers().is_empty());
    }

    #[test]
    fn adds_the_date_it_was_stored_when_the_origin_sent_none() {
        let head = StoredHead::new(meta(), &Headers::default(), false);
        assert_eq!(
            head.headers(),
            vec![("date", b"Tue, 14 Nov 2023 22:13:20 GMT".to_vec())]
        );
    }

    #[test]
    fn refuses_garbage() {
        assert!(StoredHead::from_bytes(b"{}").is_err());
        assert!(StoredHead::from_bytes(b"\xff").is_err());
    }
}
