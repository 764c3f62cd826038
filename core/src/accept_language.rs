//! `Accept-Language` normalized, as `Accept-Encoding` is: the same
//! preferences written another way (`en-US,en;q=0.9` and
//! `en-us, en;q=0.90`) are one key and one variant, and the origin gets
//! them the one way. Language ranges in BCP 47's casing (RFC 4647 section
//! 2.1: they compare without case; `en-US`, `zh-Hant-TW`), whitespace
//! dropped, weights written shortest, ranges ordered by weight (ties keep
//! their order; `q=0`, "not acceptable", kept last), invalid elements
//! dropped.
//!
//! ```
//! # use edgecache_core::normalize_accept_language;
//! assert_eq!(
//!     normalize_accept_language(b"en-us, fr;q=0.50 ,en;q=0.9, *;q=0"),
//!     Some("en-US,en;q=0.9,fr;q=0.5,*;q=0".to_string())
//! );
//! ```

/// The normalized value, or `None` when no element is valid.
pub fn normalize_accept_language(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?;
    let mut ranges: Vec<(String, u16)> = text.split(',').filter_map(range).collect();
    if ranges.is_empty() {
        return None;
    }
    // Stable: equal weights keep the viewer's order.
    ranges.sort_by_key(|(_, weight)| std::cmp::Reverse(*weight));
    let parts: Vec<String> = ranges
        .into_iter()
        .map(|(range, weight)| match weight {
            1000 => range,
            0 => format!("{range};q=0"),
            w => format!("{range};q={}", weight_text(w)),
        })
        .collect();
    Some(parts.join(","))
}

/// One `language-range [ ;q=weight ]`, in BCP 47's casing, its weight in
/// thousandths; `None` when invalid.
fn range(element: &str) -> Option<(String, u16)> {
    let mut parts = element.split(';');
    let range = bcp47_case(parts.next()?.trim());
    let valid = range == "*"
        || (!range.is_empty()
            && range.split('-').all(|sub| {
                (1..=8).contains(&sub.len()) && sub.bytes().all(|b| b.is_ascii_alphanumeric())
            })
            && range
                .split('-')
                .next()
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_alphabetic())));
    if !valid {
        return None;
    }
    let mut weight = 1000;
    for parameter in parts {
        let (name, value) = parameter.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("q") {
            return None;
        }
        weight = qvalue(value.trim())?;
    }
    Some((range, weight))
}

/// BCP 47's conventional casing (RFC 5646 section 2.1.1): the language
/// lower-case, a script (four letters) title-case, a region (two letters)
/// upper-case, the rest lower-case.
fn bcp47_case(range: &str) -> String {
    let mut out = String::with_capacity(range.len());
    for (i, subtag) in range.split('-').enumerate() {
        if i > 0 {
            out.push('-');
        }
        let letters = subtag.bytes().all(|b| b.is_ascii_alphabetic());
        match (i, subtag.len(), letters) {
            (1.., 2, true) => out.push_str(&subtag.to_ascii_uppercase()),
            (1.., 4, true) => {
                out.push_str(&subtag[..1].to_ascii_uppercase());
                out.push_str(&subtag[1..].to_ascii_lowercase());
            }
            _ => out.push_str(&subtag.to_ascii_lowercase()),
        }
    }
    out
}

/// RFC 9110 section 12.4.2: `0[.ddd]` or `1[.000]`, in thousandths.
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// A weight in thousandths, written shortest: 500 is `0.5`.
fn weight_text(weight: u16) -> String {
    let text = format!("0.{weight:03}");
    text.trim_end_matches('0').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_same_preferences_one_way() {
        let table: [(&[u8], Option<&str>); 11] = [
            (b"en-US,en;q=0.9", Some("en-US,en;q=0.9")),
            (b"en-us, en;q=0.90", Some("en-US,en;q=0.9")),
            (b"fr;q=0.5, de", Some("de,fr;q=0.5")),
            (b"de;q=0.8, fr;q=0.8", Some("de;q=0.8,fr;q=0.8")),
            (b"*;q=0.1, en", Some("en,*;q=0.1")),
            (b"*, en;q=0", Some("*,en;q=0")),
            (b"zh-hant-tw", Some("zh-Hant-TW")),
            (b"en;q=1.000", Some("en")),
            (b"en;q=1.5, fr;q=abc, 12, e@, fr", Some("fr")),
            (b"en;level=1, de", Some("de")),
            (b"", None),
        ];
        for (value, expected) in table {
            assert_eq!(
                normalize_accept_language(value).as_deref(),
                expected,
                "{:?}",
                String::from_utf8_lossy(value)
            );
        }
    }

    #[test]
    fn tolerates_bytes_that_are_not_text() {
        assert_eq!(normalize_accept_language(b"en\xff"), None);
    }
}
