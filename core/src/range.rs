//! Range requests answered from a stored object (RFC 9110 section 14).
//!
//! Only single byte ranges are served partially; several ranges, another
//! unit, a range the stored validators do not satisfy (`If-Range`), or an
//! unknown length get the whole object (a 200), as CloudFront does.

use crate::headers::Headers;
use crate::response::Validators;

/// How to answer a request from a stored object of a known length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// The whole object, 200.
    Full,
    /// Bytes `start..=end`, 206 with `Content-Range: bytes start-end/length`.
    Partial {
        /// Offset of the first byte sent, counted from 0.
        start: u64,
        /// Offset of the last byte sent, inclusive; below `length`.
        end: u64,
        /// The whole object's length in bytes.
        length: u64,
    },
    /// 416 with `Content-Range: bytes */length`.
    Unsatisfiable {
        /// The whole object's length in bytes.
        length: u64,
    },
}

impl RangeAnswer {
    /// Decides from the request's `Range` and `If-Range`.
    ///
    /// ```
    /// use edgecache_core::{Headers, RangeAnswer, Validators};
    /// let list = [("range", b"bytes=-10".as_slice())];
    /// let answer = RangeAnswer::of(&Headers::new(&list), Some(100), &Validators::default());
    /// assert_eq!(answer, RangeAnswer::Partial { start: 90, end: 99, length: 100 });
    /// ```
    pub fn of(request: &Headers<'_>, length: Option<u64>, stored: &Validators) -> RangeAnswer {
        let (Some(range), Some(length)) = (request.get_str("range"), length) else {
            return RangeAnswer::Full;
        };
        if !if_range_holds(request.get_str("if-range"), stored) {
            return RangeAnswer::Full;
        }
        let Some(spec) = range.strip_prefix("bytes=") else {
            return RangeAnswer::Full;
        };
        if spec.contains(',') {
            return RangeAnswer::Full;
        }
        // Optional white space is spaces and tabs (RFC 9110 section 5.6.3).
        let spec = spec.trim_matches([' ', '\t']);
        match single_range(spec, length) {
            Some((start, end)) => RangeAnswer::Partial { start, end, length },
            None if is_well_formed(spec) => RangeAnswer::Unsatisfiable { length },
            None => RangeAnswer::Full,
        }
    }

    /// The status to answer with.
    pub fn status(self, full: u16) -> u16 {
        match self {
            RangeAnswer::Full => full,
            RangeAnswer::Partial { .. } => 206,
            RangeAnswer::Unsatisfiable { .. } => 416,
        }
    }

    /// The `Content-Range` value, for 206 and 416.
    pub fn content_range(self) -> Option<String> {
        match self {
            RangeAnswer::Full => None,
            RangeAnswer::Partial { start, end, length } => {
                Some(format!("bytes {start}-{end}/{length}"))
            }
            RangeAnswer::Unsatisfiable { length } => Some(format!("bytes */{length}")),
        }
    }
}

/// RFC 9110 section 13.1.5: a strong ETag or a Last-Modified date equal to
/// the stored one; absent, the range applies.
fn if_range_holds(if_range: Option<&str>, stored: &Validators) -> bool {
    match if_range {
        None => true,
        Some(tag) if tag.starts_with('"') => stored.etag.as_deref() == Some(tag),
        Some(date) => stored.last_modified.as_deref() == Some(date),
    }
}

/// A position: ASCII digits only (`str::parse` would take a `+`).
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `a-b`, `a-` or `-n`, clipped to the length; `None` when unsatisfiable
/// or malformed.
fn single_range(spec: &str, length: u64) -> Option<(u64, u64)> {
    let (first, last) = spec.split_once('-')?;
    if length == 0 {
        return None;
    }
    if first.is_empty() {
        let suffix = digits(last)?;
        return (suffix > 0).then(|| (length.saturating_sub(suffix), length - 1));
    }
    let start = digits(first)?;
    let end = match last {
        "" => length - 1,
        last => digits(last)?.min(length - 1),
    };
    (start <= end).then_some((start, end))
}

/// Whether `spec` is a syntactically valid single range (RFC 9110
/// section 14.1.1), satisfiable or not.
fn is_well_formed(spec: &str) -> bool {
    let Some((first, last)) = spec.split_once('-') else {
        return false;
    };
    let number = digits;
    match (first.is_empty(), last.is_empty()) {
        (true, true) => false,
        (true, false) => number(last).is_some(),
        (false, true) => number(first).is_some(),
        (false, false) => matches!((number(first), number(last)), (Some(a), Some(b)) if a <= b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::test_support::header_list;

    fn answer(lines: &[&str], length: Option<u64>) -> RangeAnswer {
        let list = header_list(lines);
        let stored = Validators {
            etag: Some("\"v1\"".into()),
            last_modified: Some("Mon, 01 Jan 2024 00:00:00 GMT".into()),
        };
        RangeAnswer::of(&Headers::new(&list), length, &stored)
    }

    #[test]
    fn answers_single_byte_ranges() {
        use RangeAnswer::*;
        let table: &[(&[&str], Option<u64>, RangeAnswer)] = &[
            (&[], Some(100), Full),
            (
                &["Range: bytes=0-9"],
                Some(100),
                Partial {
                    start: 0,
                    end: 9,
                    length: 100,
                },
            ),
            (
                &["Range: bytes=90-"],
                Some(100),
                Partial {
                    start: 90,
                    end: 99,
                    length: 100,
                },
            ),
            (
                &["Range: bytes=-10"],
                Some(100),
                Partial {
                    start: 90,
                    end: 99,
                    length: 100,
                },
            ),
            (
                &["Range: bytes=-500"],
                Some(100),
                Partial {
                    start: 0,
                    end: 99,
                    length: 100,
                },
            ),
            (
                &["Range: bytes=50-5000"],
                Some(100),
                Partial {
                    start: 50,
                    end: 99,
                    length: 100,
                },
            ),
            (
                &["Range: bytes=100-"],
                Some(100),
                Unsatisfiable { length: 100 },
            ),
            (
                &["Range: bytes=-0"],
                Some(100),
                Unsatisfiable { length: 100 },
            ),
            (&["Range: bytes=9-5"], Some(100), Full),
            (&["Range: bytes=0-1,5-6"], Some(100), Full),
            (&["Range: items=0-1"], Some(100), Full),
            (&["Range: bytes=x-y"], Some(100), Full),
            (&["Range: bytes=0-9"], None, Full),
            (
                &["Range: bytes=0-9", "If-Range: \"v1\""],
                Some(100),
                Partial {
                    start: 0,
                    end: 9,
                    length: 100,
                },
            ),
            (&["Range: bytes=0-9", "If-Range: \"v2\""], Some(100), Full),
            (
                &[
                    "Range: bytes=0-9",
                    "If-Range: Mon, 01 Jan 2024 00:00:00 GMT",
                ],
                Some(100),
                Partial {
                    start: 0,
                    end: 9,
                    length: 100,
                },
            ),
        ];
        for (lines, length, want) in table {
            assert_eq!(answer(lines, *length), *want, "{lines:?} of {length:?}");
        }
    }

    #[test]
    fn words_the_answer() {
        let partial = RangeAnswer::Partial {
            start: 10,
            end: 19,
            length: 40960,
        };
        assert_eq!(
            (partial.status(200), partial.content_range().as_deref()),
            (206, Some("bytes 10-19/40960"))
        );
        let none = RangeAnswer::Unsatisfiable { length: 7 };
        assert_eq!(
            (none.status(200), none.content_range().as_deref()),
            (416, Some("bytes */7"))
        );
        assert_eq!(RangeAnswer::Full.status(200), 200);
    }

    #[test]
    fn positions_are_ascii_digits_only() {
        let list = [
            "Range: bytes=+0-9",
            "Range: bytes=-+5",
            "Range: bytes=\u{3000}0-9",
            "Range: bytes=0-+9",
        ];
        for line in list {
            assert_eq!(answer(&[line], Some(100)), RangeAnswer::Full, "{line}");
        }
        let tab = [("range", b"bytes=\t0-9 ".as_slice())];
        let stored = Validators::default();
        assert!(matches!(
            RangeAnswer::of(&Headers::new(&tab), Some(100), &stored),
            RangeAnswer::Partial {
                start: 0,
                end: 9,
                ..
            }
        ));
    }
}
