//! Percent-encoding primitives shared by path, query and key normalization
//! (RFC 3986 section 2).

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// RFC 3986 `unreserved`: characters that never need encoding, so that
/// `%41` and `A` name the same resource (section 6.2.2.2).
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 `sub-delims`.
pub(crate) fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// Appends `input` to `out` in normalized percent-encoding:
/// - an escape of an unreserved character is decoded (`%7E` becomes `~`);
/// - any other escape is kept, with upper-case hex digits (`%2f` becomes `%2F`);
/// - a `%` that starts no valid escape is encoded as `%25`;
/// - a byte that `keep_raw` refuses is encoded.
///
/// The result only holds `keep_raw` bytes and well-formed escapes, and
/// normalizing it again changes nothing.
pub(crate) fn push_normalized(out: &mut String, input: &[u8], keep_raw: fn(u8) -> bool) {
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            if let Some(decoded) = decode_escape(input, i) {
                if is_unreserved(decoded) {
                    out.push(char::from(decoded));
                } else {
                    push_escape(out, decoded);
                }
                i += 3;
                continue;
            }
            push_escape(out, b'%');
        } else if b != b'%' && keep_raw(b) {
            out.push(char::from(b));
        } else {
            push_escape(out, b);
        }
        i += 1;
    }
}

/// Appends `input` with every byte that `keep_raw` refuses (and `%` itself)
/// percent-encoded: an injective encoding into printable ASCII.
pub(crate) fn push_escaped(out: &mut String, input: &[u8], keep_raw: fn(u8) -> bool) {
    for &b in input {
        if b != b'%' && keep_raw(b) {
            out.push(char::from(b));
        } else {
            push_escape(out, b);
        }
    }
}

fn push_escape(out: &mut String, b: u8) {
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0xF)]));
}

fn decode_escape(input: &[u8], at: usize) -> Option<u8> {
    let hi = hex_value(*input.get(at + 1)?)?;
    let lo = hex_value(*input.get(at + 2)?)?;
    Some(hi << 4 | lo)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(input: &str) -> String {
        let mut out = String::new();
        push_normalized(&mut out, input.as_bytes(), is_unreserved);
        out
    }

    #[test]
    fn decodes_escapes_of_unreserved_characters() {
        assert_eq!(normalized("%41%7e%2D"), "A~-");
    }

    #[test]
    fn upper_cases_other_escapes() {
        assert_eq!(normalized("%2f%3a"), "%2F%3A");
    }

    #[test]
    fn encodes_a_stray_percent() {
        assert_eq!(normalized("100%"), "100%25");
        assert_eq!(normalized("%zz"), "%25zz");
        assert_eq!(normalized("%4"), "%254");
    }

    #[test]
    fn encodes_refused_bytes_including_non_ascii() {
        assert_eq!(normalized("a b/é"), "a%20b%2F%C3%A9");
    }

    #[test]
    fn escaping_encodes_percent_itself() {
        let mut out = String::new();
        push_escaped(&mut out, b"50% \"off\"", |b| {
            b.is_ascii_graphic() && b != b'"'
        });
        assert_eq!(out, "50%25%20%22off%22");
    }
}
