//! Header names from a CloudFront list, sorted into what edgecache keys
//! or forwards by name, what it handles with a setting of its own (`Host`,
//! `Accept-Encoding`), and what it cannot carry over: the headers
//! CloudFront adds itself (`CloudFront-Viewer-Country`), and those
//! edgecache refuses in a key or forwarding list.

use super::note::Note;

/// Which list the names are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// A cache policy's keyed headers (CloudFront forwards them too).
    Key,
    /// An origin request policy's forwarded headers.
    Forward,
}

/// Headers edgecache refuses in both kinds of list, and why. Mirrors
/// core's validation (`config/validate/policy.rs`); a test below checks
/// that core still refuses each.
const REFUSED: [(&str, &str); 14] = [
    (
        "cookie",
        "cookies are keyed and forwarded by the cookies setting",
    ),
    ("connection", "it is hop-by-hop"),
    ("keep-alive", "it is hop-by-hop"),
    ("te", "it is hop-by-hop"),
    ("trailer", "it is hop-by-hop"),
    ("transfer-encoding", "it is hop-by-hop"),
    ("upgrade", "it is hop-by-hop"),
    ("proxy-authorization", "it is hop-by-hop"),
    ("if-match", CONDITIONAL),
    ("if-none-match", CONDITIONAL),
    ("if-modified-since", CONDITIONAL),
    ("if-unmodified-since", CONDITIONAL),
    ("if-range", CONDITIONAL),
    ("range", CONDITIONAL),
];

const CONDITIONAL: &str = "the cache answers conditional and range requests itself; they reach the origin when it is bypassed";

/// Headers edgecache refuses in a key only.
const REFUSED_IN_KEY: [(&str, &str); 1] = [(
    "x-forwarded-for",
    "the edge sends the viewer's address in it itself",
)];

/// Headers edgecache refuses in a forwarding list only.
const REFUSED_IN_FORWARD: [(&str, &str); 4] = [
    ("content-type", PASS),
    ("content-encoding", PASS),
    ("content-language", PASS),
    ("cache-control", PASS),
];

const PASS: &str = "it reaches the origin as sent when the cache is bypassed, and otherwise only when the cache policy keys it";

/// A header list sorted out.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Sorted {
    /// The names edgecache takes as they are, in the list's order.
    pub(crate) names: Vec<String>,
    /// `Host` was listed.
    pub(crate) host: bool,
    /// `Accept-Encoding` was listed.
    pub(crate) accept_encoding: bool,
}

/// Where notes about a list go.
pub(crate) struct Place<'a> {
    /// The path of the list's n-th name.
    pub(crate) item: &'a dyn Fn(usize) -> String,
    /// Put before each message: the managed policy's name, or nothing.
    pub(crate) prefix: &'a str,
}

/// Sorts a CloudFront header list, noting each name not carried over.
pub(crate) fn sort(
    names: &[String],
    usage: Use,
    place: &Place<'_>,
    notes: &mut Vec<Note>,
) -> Sorted {
    let mut sorted = Sorted::default();
    for (i, name) in names.iter().enumerate() {
        let lower = name.to_ascii_lowercase();
        if lower == "host" {
            sorted.host = true;
        } else if lower == "accept-encoding" {
            sorted.accept_encoding = true;
        } else if let Some(why) = refusal(&lower, usage) {
            notes.push(Note::new(
                (place.item)(i),
                format!(
                    "{}{name} is not carried over: edgecache cannot list it ({why})",
                    place.prefix
                ),
            ));
        } else if lower.starts_with("cloudfront-") {
            notes.push(Note::new(
                (place.item)(i),
                added_by_cloudfront(place.prefix, name),
            ));
        } else if !sorted.names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            sorted.names.push(name.clone());
        }
    }
    sorted
}

/// The note for a `CloudFront-*` header.
pub(crate) fn added_by_cloudfront(prefix: &str, name: &str) -> String {
    format!(
        "{prefix}{name} is not carried over: CloudFront adds it, the edge does not (and a viewer's \
         own would be trusted); derive it at the origin, e.g. from X-Forwarded-For"
    )
}

fn refusal(lower: &str, usage: Use) -> Option<&'static str> {
    let specific: &[(&str, &str)] = match usage {
        Use::Key => &REFUSED_IN_KEY,
        Use::Forward => &REFUSED_IN_FORWARD,
    };
    REFUSED
        .iter()
        .chain(specific)
        .find(|(n, _)| *n == lower)
        .map(|(_, why)| *why)
}

#[cfg(test)]
mod tests {
    use edgecache_core::Config;

    use super::*;

    fn config(cache_headers: &str, forwarded: &str) -> String {
        format!(
            r#"{{"origins": {{"o": {{"domain": "example.com"}}}},
                "cache_policies": {{"p": {{"headers": [{cache_headers}]}}}},
                "origin_request_policies": {{"r": {{"headers": {{"behavior": "whitelist", "names": [{forwarded}]}}}}}},
                "default_behavior": {{"origin": "o", "cache_policy": "p", "origin_request_policy": "r"}}}}"#
        )
    }

    #[test]
    fn core_still_refuses_every_header_listed_here() {
        assert!(Config::from_json(&config("\"Origin\"", "\"Referer\"")).is_ok());
        for (name, _) in REFUSED.iter().chain(&REFUSED_IN_KEY) {
            let json = config(&format!("{name:?}"), "\"Referer\"");
            assert!(Config::from_json(&json).is_err(), "{name} keyed");
        }
        for (name, _) in REFUSED.iter().chain(&REFUSED_IN_FORWARD) {
            let json = config("\"Origin\"", &format!("{name:?}"));
            assert!(Config::from_json(&json).is_err(), "{name} forwarded");
        }
    }

    #[test]
    fn sorts_host_accept_encoding_cloudfront_headers_and_refusals_out() {
        let names: Vec<String> = [
            "Origin",
            "host",
            "Accept-Encoding",
            "CloudFront-Viewer-Country",
            "Range",
            "origin",
        ]
        .map(String::from)
        .to_vec();
        let item = |i: usize| format!("H.Items[{i}]");
        let mut notes = Vec::new();
        let place = Place {
            item: &item,
            prefix: "",
        };
        let sorted = sort(&names, Use::Key, &place, &mut notes);
        assert_eq!(sorted.names, ["Origin"]);
        assert!(sorted.host && sorted.accept_encoding);
        let paths: Vec<&str> = notes.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(paths, ["H.Items[3]", "H.Items[4]"]);
    }
}
