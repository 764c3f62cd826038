//! A borrowed, platform-neutral view of an HTTP header list.
//!
//! Adapters hand core the headers as the platform gave them: names as text,
//! values as bytes (a value need not be UTF-8). Lookups are
//! case-insensitive (RFC 9110 section 5.1) and never allocate.

/// One header line: name and raw value.
pub type HeaderPair<'a> = (&'a str, &'a [u8]);

/// A read-only view of a header list, in the order received.
///
/// ```
/// use edgecache_core::Headers;
/// let list = [("Cache-Control", b"max-age=60".as_slice()), ("vary", b"Accept".as_slice())];
/// let headers = Headers::new(&list);
/// assert_eq!(headers.get_str("cache-control"), Some("max-age=60"));
/// assert!(headers.contains("Vary"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Headers<'a> {
    list: &'a [HeaderPair<'a>],
}

impl<'a> Headers<'a> {
    /// A view of `list`, as the platform gave it: names in any case,
    /// repeated names as separate lines.
    pub fn new(list: &'a [HeaderPair<'a>]) -> Self {
        Headers { list }
    }

    /// Every line, in order.
    pub fn iter(&self) -> impl Iterator<Item = HeaderPair<'a>> + 'a {
        self.list.iter().copied()
    }

    /// Every value of `name`, in order.
    pub fn get_all<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
        self.list
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.get_all(name).next()
    }

    /// The first value of `name`, when it is UTF-8, trimmed of white space.
    pub fn get_str(&self, name: &str) -> Option<&'a str> {
        self.get(name)
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(str::trim)
    }

    /// Whether `name` is present at all.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The UTF-8 values of every line of `name`, as one comma-separated list
    /// of trimmed, non-empty elements (RFC 9110 section 5.6.1). Lines that
    /// are not UTF-8 are skipped.
    pub fn list_elements<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.get_all(name)
            .filter_map(|v| std::str::from_utf8(v).ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty())
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    /// Builds a header list from `name: value` literals, for tests.
    pub(crate) fn header_list<'a>(lines: &[&'a str]) -> Vec<(&'a str, &'a [u8])> {
        lines
            .iter()
            .map(|line| {
                let (name, value) = line.split_once(':').expect("name: value");
                (name.trim(), value.trim().as_bytes())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::header_list;
    use super::*;

    #[test]
    fn looks_names_up_in_any_case() {
        let list = header_list(&["Vary: Accept", "VARY: Origin"]);
        let headers = Headers::new(&list);
        assert_eq!(headers.get_all("vary").count(), 2);
        assert_eq!(headers.get_str("vAry"), Some("Accept"));
        assert!(!headers.contains("age"));
    }

    #[test]
    fn joins_list_headers_across_lines() {
        let list = header_list(&["Vary: Accept, ,Origin", "vary: Accept-Encoding"]);
        let got: Vec<&str> = Headers::new(&list).list_elements("vary").collect();
        assert_eq!(got, ["Accept", "Origin", "Accept-Encoding"]);
    }

    #[test]
    fn skips_values_that_are_not_utf8() {
        let list = [("x", b"\xff\xfe".as_slice())];
        let headers = Headers::new(&list);
        assert_eq!(headers.get_str("x"), None);
        assert_eq!(headers.list_elements("x").count(), 0);
    }
}
