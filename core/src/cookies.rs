//! Reading the `Cookie` request header (RFC 6265 section 5.4).

use crate::headers::Headers;

/// One viewer cookie, as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cookie<'a> {
    /// The name, white space trimmed; never empty.
    pub(crate) name: &'a str,
    /// The value after the first `=`, white space trimmed, quotes kept.
    pub(crate) value: &'a str,
}

/// Every cookie of every `Cookie` line, in order. Pairs without `=` and
/// lines that are not UTF-8 are skipped.
pub(crate) fn cookies<'a>(headers: &Headers<'a>) -> impl Iterator<Item = Cookie<'a>> + 'a {
    headers
        .get_all("cookie")
        .filter_map(|line| std::str::from_utf8(line).ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            let name = name.trim();
            (!name.is_empty()).then(|| Cookie {
                name,
                value: value.trim(),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::test_support::header_list;

    #[test]
    fn reads_every_cookie_in_order() {
        let list = header_list(&["Cookie: a=1; b = 2;;c", "cookie: d=x=y; =e"]);
        let got: Vec<(&str, &str)> = cookies(&Headers::new(&list))
            .map(|c| (c.name, c.value))
            .collect();
        assert_eq!(got, [("a", "1"), ("b", "2"), ("d", "x=y")]);
    }
}
