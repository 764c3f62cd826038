//! `RangeAnswer::of`: a viewer's `Range` and `If-Range` against a stored
//! object, and `Content-Range` written back.
//!
//! Input, one item per line:
//!
//! ```text
//! 1000                     the stored length (anything not a number: unknown)
//! bytes=0-99               the Range value (arbitrary bytes)
//! "v1"                     the If-Range value (empty line: none)
//! "v1"                     the stored ETag (empty line: none)
//! Mon, 01 Jan ...          the stored Last-Modified (empty line: none)
//! Name: value              further request header lines
//! ```
//!
//! Invariants: a Partial has start <= end < length; a Content-Range is
//! `bytes start-end/length` or `bytes */length` and reads back to the
//! answer; an unknown length or no Range is Full; and against a strict
//! reading of RFC 9110 section 14 (digits only, one range): a partial or
//! 416 answer is the strict one (serving the whole object instead is
//! always allowed, RFC 9110 section 14.2).

#![no_main]

use edgecache_core::{Headers, RangeAnswer, Validators};
use edgecache_core_fuzz::{borrowed, header_lines, lines, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = lines(data);
    let length = text(input.next().unwrap_or_default())
        .trim()
        .parse::<u64>()
        .ok();
    let range = input.next().unwrap_or_default();
    let mut optional = || {
        input
            .next()
            .filter(|line| !line.is_empty())
            .map(|line| line.to_vec())
    };
    let (if_range, etag, last_modified) = (optional(), optional(), optional());
    let mut owned = vec![("Range".to_string(), range.to_vec())];
    if let Some(if_range) = if_range {
        owned.push(("If-Range".to_string(), if_range));
    }
    owned.extend(header_lines(input));
    let stored = Validators {
        etag: etag.map(|v| text(&v).into_owned()),
        last_modified: last_modified.map(|v| text(&v).into_owned()),
    };
    let list = borrowed(&owned);
    let headers = Headers::new(&list);

    let answer = RangeAnswer::of(&headers, length, &stored);
    check_answer(answer, length);
    let strict = strict(&headers, length, &stored);
    if answer != RangeAnswer::Full && length != Some(0) {
        assert_eq!(
            answer,
            strict,
            "answered {answer:?} where RFC 9110 reads {strict:?} for Range {:?}",
            headers.get_str("range")
        );
    }
    // Without a length, or without a Range, the whole object.
    assert_eq!(RangeAnswer::of(&headers, None, &stored), RangeAnswer::Full);
    assert_eq!(
        RangeAnswer::of(&Headers::default(), length, &stored),
        RangeAnswer::Full
    );
});

fn check_answer(answer: RangeAnswer, length: Option<u64>) {
    let content_range = answer.content_range();
    match answer {
        RangeAnswer::Full => {
            assert_eq!(content_range, None);
            assert_eq!(answer.status(200), 200);
        }
        RangeAnswer::Partial {
            start,
            end,
            length: of,
        } => {
            assert_eq!(Some(of), length);
            assert!(start <= end && end < of, "{answer:?}");
            assert_eq!(answer.status(200), 206);
            let content_range = content_range.expect("a 206 has a Content-Range");
            let read = content_range
                .strip_prefix("bytes ")
                .and_then(|r| r.split_once('/'))
                .and_then(|(span, total)| {
                    let (s, e) = span.split_once('-')?;
                    Some((
                        s.parse::<u64>().ok()?,
                        e.parse::<u64>().ok()?,
                        total.parse::<u64>().ok()?,
                    ))
                });
            assert_eq!(
                read,
                Some((start, end, of)),
                "Content-Range {content_range:?}"
            );
        }
        RangeAnswer::Unsatisfiable { length: of } => {
            assert_eq!(Some(of), length);
            assert_eq!(answer.status(200), 416);
            assert_eq!(content_range, Some(format!("bytes */{of}")));
        }
    }
}

/// RFC 9110 sections 13.1.5 and 14.1, strictly, for one range: `If-Range`
/// with a strong entity tag or a date equal to the stored one; `bytes=`
/// then `first-last`, `first-` or `-suffix`, digits only (optional white
/// space around the spec).
fn strict(headers: &Headers<'_>, length: Option<u64>, stored: &Validators) -> RangeAnswer {
    let (Some(range), Some(length)) = (headers.get_str("range"), length) else {
        return RangeAnswer::Full;
    };
    if length == 0 {
        // Nothing to send a part of; the caller accepts 200 or 416.
        return RangeAnswer::Full;
    }
    let if_range_holds = match headers.get_str("if-range") {
        None => true,
        Some(tag) if tag.starts_with('"') => stored.etag.as_deref() == Some(tag),
        Some(date) => stored.last_modified.as_deref() == Some(date),
    };
    if !if_range_holds {
        return RangeAnswer::Full;
    }
    let Some(spec) = range.strip_prefix("bytes=") else {
        return RangeAnswer::Full;
    };
    let spec = spec.trim_matches([' ', '\t']);
    let digits = |s: &str| -> Option<Option<u64>> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Too large to represent: still well-formed.
        Some(s.parse::<u64>().ok())
    };
    let Some((first, last)) = spec.split_once('-') else {
        return RangeAnswer::Full;
    };
    let unsatisfiable = RangeAnswer::Unsatisfiable { length };
    if first.is_empty() {
        let Some(suffix) = digits(last) else {
            return RangeAnswer::Full;
        };
        return match suffix {
            Some(0) => unsatisfiable,
            Some(n) => RangeAnswer::Partial {
                start: length.saturating_sub(n),
                end: length - 1,
                length,
            },
            None => RangeAnswer::Partial {
                start: 0,
                end: length - 1,
                length,
            },
        };
    }
    let Some(first) = digits(first) else {
        return RangeAnswer::Full;
    };
    let last = if last.is_empty() {
        None
    } else {
        match digits(last) {
            Some(last) => Some(last),
            None => return RangeAnswer::Full,
        }
    };
    match (first, last) {
        // first-pos beyond any u64: above any length, and above any last-pos.
        (None, Some(Some(_))) => RangeAnswer::Full,
        (None, _) => unsatisfiable,
        (Some(first), Some(Some(last))) if last < first => RangeAnswer::Full,
        (Some(first), _) if first >= length => unsatisfiable,
        (Some(first), last) => RangeAnswer::Partial {
            start: first,
            end: last.flatten().map_or(length - 1, |l| l.min(length - 1)),
            length,
        },
    }
}
