//! Lossless parsing of `Cache-Control` (RFC 9111 section 5.2).
//!
//! Every directive is kept, known or not, in order, with its value
//! unquoted; interpretation lives in [`crate::ttl`] and [`crate::policy`].
//! Parsing never fails: a malformed element is kept as written.

use std::fmt;

use crate::headers::Headers;

/// RFC 9111 section 1.2.2: a delta-seconds too large to represent is taken as 2^31.
pub(crate) const DELTA_SECONDS_CAP: u64 = 2_147_483_648;

/// One directive: lower-cased name and unquoted value, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The directive's name, lower-cased (`max-age`, `no-cache`).
    pub name: String,
    /// The value after `=`, unquoted (`60` for `max-age=60`, `set-cookie`
    /// for `private="set-cookie"`); `None` without `=`.
    pub value: Option<String>,
}

/// The directives of every `Cache-Control` line of a message, in order.
///
/// ```
/// use edgecache_core::CacheControl;
/// let cc = CacheControl::parse_str(r#"public, max-age=60, private="set-cookie, x""#);
/// assert_eq!(cc.seconds("max-age"), Some(60));
/// assert_eq!(cc.field_names("private"), Some(vec!["set-cookie", "x"]));
/// assert_eq!(cc.to_string(), r#"public, max-age=60, private="set-cookie, x""#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheControl {
    directives: Vec<Directive>,
}

impl CacheControl {
    /// Parses every line of the header `name` (usually `cache-control`).
    /// A line that is not UTF-8 is read lossily.
    pub fn parse(headers: &Headers<'_>, name: &str) -> CacheControl {
        let mut cc = CacheControl::default();
        for line in headers.get_all(name) {
            cc.parse_line(&String::from_utf8_lossy(line));
        }
        cc
    }

    /// Parses one header value.
    pub fn parse_str(value: &str) -> CacheControl {
        let mut cc = CacheControl::default();
        cc.parse_line(value);
        cc
    }

    fn parse_line(&mut self, line: &str) {
        for element in split_elements(line) {
            let element = element.trim();
            if element.is_empty() {
                continue;
            }
            let (name, value) = match element.split_once('=') {
                Some((name, value)) => (name.trim(), Some(unquote(value.trim()))),
                None => (element, None),
            };
            self.directives.push(Directive {
                name: name.to_ascii_lowercase(),
                value,
            });
        }
    }

    /// Every directive, in order.
    pub fn directives(&self) -> &[Directive] {
        &self.directives
    }

    /// Whether the directive is present (with or without a value).
    pub fn has(&self, name: &str) -> bool {
        self.first(name).is_some()
    }

    /// No directives at all.
    pub fn is_empty(&self) -> bool {
        self.directives.is_empty()
    }

    fn first(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// The first occurrence's delta-seconds value (RFC 9111 section 4.2.1:
    /// use the first). An invalid or missing value reads as 0, the
    /// conservative choice (stale at once, no stale window); a value too
    /// large reads as 2^31.
    pub fn seconds(&self, name: &str) -> Option<u64> {
        self.first(name)
            .map(|d| d.value.as_deref().map_or(0, parse_delta_seconds))
    }

    /// The field names of a qualified `private="..."` or `no-cache="..."`;
    /// `None` when absent or unqualified.
    pub fn field_names(&self, name: &str) -> Option<Vec<&str>> {
        let value = self.first(name)?.value.as_deref()?;
        Some(
            value
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect(),
        )
    }
}

/// Splits at commas outside quoted strings.
fn split_elements(line: &str) -> impl Iterator<Item = &str> {
    let mut in_quotes = false;
    let mut escaped = false;
    line.split(move |c: char| {
        if escaped {
            escaped = false;
            return false;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            ',' => return !in_quotes,
            _ => {}
        }
        false
    })
}

/// Removes the quotes and backslash escapes of a quoted-string.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// RFC 9111 section 1.2.2 delta-seconds: digits only, capped at 2^31.
pub(crate) fn parse_delta_seconds(value: &str) -> u64 {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    value
        .bytes()
        .try_fold(0u64, |n, b| {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        })
        .map_or(DELTA_SECONDS_CAP, |n| n.min(DELTA_SECONDS_CAP))
}

impl fmt::Display for CacheControl {
    /// Writes the directives back as one header value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.directives.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&d.name)?;
            match &d.value {
                Some(v) if is_token(v) => write!(f, "={v}")?,
                Some(v) => write!(f, "=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))?,
                None => {}
            }
        }
        Ok(())
    }
}

fn is_token(v: &str) -> bool {
    crate::config::is_token(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::test_support::header_list;

    #[test]
    fn reads_every_line_in_order() {
        let list = header_list(&[
            "Cache-Control: public",
            "cache-control: MAX-AGE=5, s-maxage=9",
        ]);
        let cc = CacheControl::parse(&Headers::new(&list), "cache-control");
        let names: Vec<&str> = cc.directives().iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["public", "max-age", "s-maxage"]);
        assert_eq!(cc.seconds("max-age"), Some(5));
    }

    #[test]
    fn reads_delta_seconds_conservatively() {
        let table = [
            ("max-age=60", Some(60)),
            ("max-age=\"60\"", Some(60)),
            ("max-age=-1", Some(0)),
            ("max-age=1.5", Some(0)),
            ("max-age=", Some(0)),
            ("max-age", Some(0)),
            ("max-age=99999999999999999999999", Some(DELTA_SECONDS_CAP)),
            ("max-age=3000000000", Some(DELTA_SECONDS_CAP)),
            ("max-age=10, max-age=20", Some(10)),
            ("public", None),
        ];
        for (value, want) in table {
            assert_eq!(
                CacheControl::parse_str(value).seconds("max-age"),
                want,
                "{value}"
            );
        }
    }

    #[test]
    fn keeps_commas_inside_quotes() {
        let cc = CacheControl::parse_str(r#"no-cache="set-cookie, x-a", max-age=3"#);
        assert_eq!(cc.field_names("no-cache"), Some(vec!["set-cookie", "x-a"]));
        assert_eq!(cc.seconds("max-age"), Some(3));
    }

    #[test]
    fn keeps_unknown_and_malformed_directives() {
        let cc = CacheControl::parse_str(r#"immutable, ,x-ext="a\"b", max-age="1"#);
        assert_eq!(cc.directives().len(), 3);
        assert!(cc.has("immutable"));
        assert_eq!(cc.directives()[1].value.as_deref(), Some("a\"b"));
        assert_eq!(cc.seconds("max-age"), Some(0));
    }

    #[test]
    fn round_trips_through_display() {
        let text = r#"public, max-age=60, x-ext="a b""#;
        assert_eq!(CacheControl::parse_str(text).to_string(), text);
    }

    #[test]
    fn never_panics_on_garbage() {
        for text in ["\"", "=,=", "\\", "a=\"\\", ",,,", "\u{0}=\u{0}"] {
            let _ = CacheControl::parse_str(text).seconds("max-age");
        }
    }

    #[test]
    fn delta_seconds_are_digits_only() {
        // RFC 9111 sections 1.2.2 and 5.1: anything else is invalid, and an
        // invalid Age is no Age.
        for (text, seconds) in [
            ("10", 10),
            ("0", 0),
            ("10abc", 0),
            ("10, 20", 0),
            ("-5", 0),
            ("1e3", 0),
            ("", 0),
            (" 7", 0),
        ] {
            assert_eq!(parse_delta_seconds(text), seconds, "{text:?}");
        }
        assert_eq!(
            parse_delta_seconds("99999999999999999999"),
            DELTA_SECONDS_CAP
        );
    }
}
