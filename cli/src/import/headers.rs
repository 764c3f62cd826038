//! Header names from a CloudFront list, sorted into what edgecache keys
//! or forwards by name, what it handles with a setting of its own (`Host`,
//! `Accept-Encoding`), and what it cannot carry over: the headers
//! CloudFront adds itself (`CloudFront-Viewer-Country`), and those
//! edgecache refuses in a key or forwarding list.

//!
//! What edgecache refuses is core's to say ([`header_refusal`]), so that
//! the import drops with a note exactly what validation would refuse.

use edgecache_core::config::{HeaderList, header_refusal};

use super::note::Note;

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
    usage: HeaderList,
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
        } else if let Some(why) = header_refusal(&lower, usage) {
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

    /// What the import drops is what validation refuses, list by list.
    #[test]
    fn drops_exactly_what_core_refuses() {
        let both = [
            "cookie",
            "connection",
            "keep-alive",
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade",
            "proxy-authorization",
            "if-match",
            "if-none-match",
            "if-modified-since",
            "if-unmodified-since",
            "if-range",
            "range",
        ];
        let table = [
            (HeaderList::Key, both.iter().chain(&["x-forwarded-for"])),
            (HeaderList::Forward, both.iter().chain(&["content-type"])),
        ];
        assert!(Config::from_json(&config("\"Origin\"", "\"Referer\"")).is_ok());
        for (list, names) in table {
            for name in names {
                let place = Place {
                    item: &|i| i.to_string(),
                    prefix: "",
                };
                let mut notes = Vec::new();
                let sorted = sort(&[name.to_string()], list, &place, &mut notes);
                assert!(
                    sorted.names.is_empty() && notes.len() == 1,
                    "{name} dropped"
                );
                let json = match list {
                    HeaderList::Key => config(&format!("{name:?}"), "\"Referer\""),
                    HeaderList::Forward => config("\"Origin\"", &format!("{name:?}")),
                };
                assert!(Config::from_json(&json).is_err(), "{name} refused");
            }
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
        let sorted = sort(&names, HeaderList::Key, &place, &mut notes);
        assert_eq!(sorted.names, ["Origin"]);
        assert!(sorted.host && sorted.accept_encoding);
        let paths: Vec<&str> = notes.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(paths, ["H.Items[3]", "H.Items[4]"]);
    }
}
