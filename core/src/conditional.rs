//! Conditional requests answered from a stored response: a viewer that
//! holds the stored representation gets a `304 Not Modified` from the edge
//! instead of the body again (RFC 9111 section 4.3.2; the conditions are
//! evaluated as RFC 9110 section 13.2.2 orders them).
//!
//! ```
//! use edgecache_core::{Conditions, Headers, Validators};
//! let list = [("if-none-match", b"W/\"a\", \"b\"".as_slice())];
//! let conditions = Conditions::of(&Headers::new(&list));
//! let stored = Validators { etag: Some("\"a\"".into()), last_modified: None };
//! assert!(conditions.not_modified(&stored, None, 0));
//! ```

use crate::headers::Headers;
use crate::response::Validators;
use crate::ttl::http_date;

/// The viewer's `If-None-Match` and `If-Modified-Since`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
}

impl Conditions {
    /// The conditions of a GET or HEAD's `headers`.
    pub fn of(headers: &Headers<'_>) -> Conditions {
        let field = |name| headers.get_str(name).map(str::to_string);
        Conditions {
            if_none_match: field("if-none-match"),
            if_modified_since: field("if-modified-since"),
        }
    }

    /// Whether the viewer asked anything.
    pub fn is_empty(&self) -> bool {
        self.if_none_match.is_none() && self.if_modified_since.is_none()
    }

    /// Whether a stored `200` with `validators`, its `Date` (`date`) and
    /// stored at `stored_at` (Unix seconds), answers the viewer `304`.
    ///
    /// `If-None-Match` decides when present (weak comparison, RFC 9110
    /// section 13.1.2: `W/"a"` matches `"a"`; `*` matches any stored
    /// representation); an invalid list matches nothing. Otherwise
    /// `If-Modified-Since`, a valid HTTP-date, against the stored
    /// `Last-Modified`, else its `Date`, else when it was stored (RFC 9111
    /// section 4.3.2).
    pub fn not_modified(
        &self,
        validators: &Validators,
        date: Option<&str>,
        stored_at: u64,
    ) -> bool {
        if let Some(list) = &self.if_none_match {
            return validators
                .etag
                .as_deref()
                .is_some_and(|etag| matches_any(list, etag))
                || list.trim() == "*";
        }
        let Some(since) = self.if_modified_since.as_deref().and_then(http_date) else {
            return false;
        };
        let modified = validators
            .last_modified
            .as_deref()
            .and_then(http_date)
            .or_else(|| date.and_then(http_date))
            .unwrap_or(stored_at);
        modified <= since
    }
}

/// Whether the `If-None-Match` list names `etag`, by weak comparison.
fn matches_any(list: &str, etag: &str) -> bool {
    let Some(stored) = opaque(etag) else {
        return false;
    };
    let mut rest = list;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return false;
        }
        let Some((tag, after)) = next_tag(rest) else {
            // Not a list of entity tags: nothing matches.
            return false;
        };
        if tag == stored {
            return true;
        }
        rest = after;
    }
}

/// The first entity tag of `text` (its opaque part, quotes included) and
/// what follows it.
fn next_tag(text: &str) -> Option<(&str, &str)> {
    let quoted = text.strip_prefix("W/").unwrap_or(text);
    let inner = quoted.strip_prefix('"')?;
    let end = inner.find('"')?;
    let tag = quoted.get(..end + 2)?;
    if !tag[1..tag.len() - 1].bytes().all(is_etagc) {
        return None;
    }
    Some((tag, &quoted[end + 2..]))
}

/// The opaque part of an entity tag (`"a"` of `W/"a"`).
fn opaque(etag: &str) -> Option<&str> {
    let (tag, rest) = next_tag(etag.trim())?;
    rest.trim().is_empty().then_some(tag)
}

/// RFC 9110 section 8.8.3: `%x21 / %x23-7E / obs-text`.
fn is_etagc(byte: u8) -> bool {
    byte == 0x21 || (0x23..=0x7e).contains(&byte) || byte >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conditions(inm: Option<&str>, ims: Option<&str>) -> Conditions {
        Conditions {
            if_none_match: inm.map(str::to_string),
            if_modified_since: ims.map(str::to_string),
        }
    }

    fn validators(etag: Option<&str>, last_modified: Option<&str>) -> Validators {
        Validators {
            etag: etag.map(str::to_string),
            last_modified: last_modified.map(str::to_string),
        }
    }

    const MON: &str = "Mon, 02 Jan 2006 15:04:05 GMT";
    const TUE: &str = "Tue, 03 Jan 2006 15:04:05 GMT";

    #[test]
    fn if_none_match_compares_weakly_in_a_list() {
        let table = [
            // (If-None-Match, stored ETag, 304?)
            ("\"a\"", "\"a\"", true),
            ("W/\"a\"", "\"a\"", true),
            ("\"a\"", "W/\"a\"", true),
            ("\"x\", W/\"a\"", "\"a\"", true),
            ("\"x\",\"y\"", "\"a\"", false),
            ("\"a,b\"", "\"a,b\"", true),
            ("\"a\"", "\"A\"", false),
            ("*", "\"a\"", true),
            ("a", "a", false),
            ("\"a", "\"a\"", false),
            ("", "\"a\"", false),
        ];
        for (inm, etag, expected) in table {
            let got =
                conditions(Some(inm), None).not_modified(&validators(Some(etag), None), None, 0);
            assert_eq!(got, expected, "If-None-Match {inm} against {etag}");
        }
    }

    #[test]
    fn star_matches_a_stored_answer_without_an_etag() {
        assert!(conditions(Some("*"), None).not_modified(&validators(None, None), None, 0));
        assert!(!conditions(Some("\"a\""), None).not_modified(&validators(None, None), None, 0));
    }

    #[test]
    fn if_none_match_wins_over_if_modified_since() {
        let stored = validators(Some("\"a\""), Some(MON));
        assert!(!conditions(Some("\"b\""), Some(TUE)).not_modified(&stored, None, 0));
    }

    #[test]
    fn if_modified_since_compares_last_modified_then_date_then_storage() {
        let ims = conditions(None, Some(MON));
        assert!(ims.not_modified(&validators(None, Some(MON)), None, 0));
        assert!(!ims.not_modified(&validators(None, Some(TUE)), None, 0));
        assert!(ims.not_modified(&validators(None, None), Some(MON), 0));
        assert!(!ims.not_modified(&validators(None, None), Some(TUE), 0));
        assert!(ims.not_modified(&validators(None, None), None, 1_136_000_000));
        assert!(!ims.not_modified(&validators(None, None), None, 1_136_300_000));
    }

    #[test]
    fn an_invalid_if_modified_since_is_ignored() {
        let stored = validators(None, Some(MON));
        assert!(!conditions(None, Some("yesterday")).not_modified(&stored, None, 0));
        assert!(!conditions(None, None).not_modified(&stored, None, 0));
    }
}
