//! Query string normalization and parameters.
//!
//! `&` is the only separator, as for CloudFront. A `;` is encoded as `%3B`
//! in the normalized query, which is also what the origin receives: an
//! origin that would split on `;` cannot be handed a parameter the key never
//! saw ("parameter cloaking", `?utm=x;Keyword=evil`).

use crate::percent::{ByteSet, is_sub_delim, is_unreserved, push_normalized};

/// Normalizes a raw query (without the `?`): each parameter's
/// percent-encoding normalized as for paths, empty parameters (`a=1&&b=2`)
/// dropped. Parameters keep their order.
///
/// ```
/// use edgecache_core::normalize_query;
/// assert_eq!(normalize_query("Keyword=fl%75&&q=a;b"), "Keyword=flu&q=a%3Bb");
/// ```
pub fn normalize_query(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    for param in raw.split('&').filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('&');
        }
        push_normalized(&mut out, param, &QUERY_CHARS);
    }
    out
}

/// Normalizes a parameter name from the configuration the same way, so
/// that a configured `utm source` matches a request's `utm%20source`.
pub(crate) fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    push_normalized(&mut out, name, &NAME_CHARS);
    out
}

/// RFC 3986 query characters, minus the separators `&` and `;`.
const fn is_query_char(b: u8) -> bool {
    (is_unreserved(b) || is_sub_delim(b) || matches!(b, b':' | b'@' | b'/' | b'?'))
        && b != b'&'
        && b != b';'
}

const QUERY_CHARS: ByteSet = crate::percent::byte_set!(|b| is_query_char(b));
/// A parameter name holds no `=` either.
const NAME_CHARS: ByteSet = crate::percent::byte_set!(|b| is_query_char(b) && b != b'=');

/// One parameter of a normalized query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Param<'a> {
    /// The whole parameter as normalized (`name=value` or `name`).
    pub(crate) text: &'a str,
    /// Up to the first `=`.
    pub(crate) name: &'a str,
}

/// The name a framework reads a parameter name as. PHP drops leading
/// spaces, turns `.`, ` ` and `[` (when unmatched) into `_`, reads
/// `name[]` and `name[key]` as an array named `name`, and stops at a NUL;
/// many frameworks read names without regard to case.
pub(crate) fn alias_form(name: &str) -> String {
    let decoded = crate::percent::unescape(&name.replace('+', " "));
    let decoded = decoded.split(|&b| b == 0).next().unwrap_or_default();
    let start = decoded
        .iter()
        .position(|&b| b != b' ')
        .unwrap_or(decoded.len());
    let decoded = &decoded[start..];
    let decoded = match decoded.iter().position(|&b| b == b'[') {
        Some(open) if open > 0 && decoded[open..].contains(&b']') => &decoded[..open],
        _ => decoded,
    };
    decoded
        .iter()
        .map(|&b| match b {
            b'.' | b' ' | b'[' => '_',
            b => char::from(b.to_ascii_lowercase()),
        })
        .collect()
}

/// The parameters of a normalized query, in order.
pub(crate) fn params(normalized: &str) -> impl Iterator<Item = Param<'_>> {
    normalized
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|text| Param {
            text,
            name: text.split_once('=').map_or(text, |(name, _)| name),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_each_parameter() {
        let table = [
            ("", ""),
            ("&", ""),
            ("a=1&b=2", "a=1&b=2"),
            ("a=1%26b=2", "a=1%26b=2"),
            ("a=1;b=2", "a=1%3Bb=2"),
            ("Key%77ord=flu", "Keyword=flu"),
            ("q=a+b&r=a%20b", "q=a+b&r=a%20b"),
            ("q=%e2%82%ac", "q=%E2%82%AC"),
            ("q=€", "q=%E2%82%AC"),
            ("q=a=b", "q=a=b"),
            ("flag&flag=", "flag&flag="),
            ("q=100%", "q=100%25"),
            ("q=a#b", "q=a%23b"),
            ("q=/path?x", "q=/path?x"),
        ];
        for (raw, want) in table {
            assert_eq!(normalize_query(raw), want, "normalizing {raw:?}");
        }
    }

    #[test]
    fn splits_parameters_at_the_first_equals_sign() {
        let got: Vec<(&str, &str)> = params("a=1&b=x=y&flag&=v")
            .map(|p| (p.name, p.text))
            .collect();
        assert_eq!(
            got,
            [("a", "a=1"), ("b", "b=x=y"), ("flag", "flag"), ("", "=v")]
        );
    }

    #[test]
    fn configured_names_normalize_like_request_names() {
        assert_eq!(normalize_name("utm source"), "utm%20source");
        assert_eq!(normalize_name("Key%77ord"), "Keyword");
        assert_eq!(normalize_name("a=b"), "a%3Db");
    }
}
