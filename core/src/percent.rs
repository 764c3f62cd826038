//! Percent-encoding primitives shared by path, query and key normalization
//! (RFC 3986 section 2).

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// A set of bytes, as a lookup table built at compile time by
/// [`byte_set!`].
pub(crate) struct ByteSet([bool; 256]);

/// `byte_set!(|b| condition)`: the bytes for which the condition holds,
/// as a const [`ByteSet`].
macro_rules! byte_set {
    (|$b:ident| $member:expr) => {{
        let mut table = [false; 256];
        let mut i = 0;
        while i < 256 {
            let $b = i as u8;
            table[i] = $member;
            i += 1;
        }
        $crate::percent::ByteSet::from_table(table)
    }};
}
pub(crate) use byte_set;

impl ByteSet {
    pub(crate) const fn from_table(table: [bool; 256]) -> ByteSet {
        ByteSet(table)
    }

    #[inline]
    pub(crate) fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b)]
    }
}

/// RFC 3986 `unreserved`: characters that never need encoding, so that
/// `%41` and `A` name the same resource (section 6.2.2.2).
pub(crate) const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 `sub-delims`.
pub(crate) const fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// Appends `input` to `out` in normalized percent-encoding:
/// - an escape of an unreserved character is decoded (`%7E` becomes `~`);
/// - any other escape is kept, with upper-case hex digits (`%2f` becomes `%2F`);
/// - a `%` that starts no valid escape is encoded as `%25`;
/// - a byte not in `keep_raw` is encoded (`keep_raw` holds ASCII only).
///
/// The result only holds `keep_raw` bytes and well-formed escapes, and
/// normalizing it again changes nothing.
pub(crate) fn push_normalized(out: &mut String, input: &str, keep_raw: &ByteSet) {
    let bytes = input.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Copy the run of bytes that stay as they are in one go. A run
        // starts and ends beside ASCII bytes, so it is a valid `str` slice.
        let run = bytes[i..]
            .iter()
            .position(|&b| b == b'%' || !keep_raw.contains(b))
            .unwrap_or(bytes.len() - i);
        if run > 0 {
            out.push_str(input.get(i..i + run).unwrap_or_default());
            i += run;
            continue;
        }
        let b = bytes[i];
        if b == b'%'
            && let Some(decoded) = decode_escape(bytes, i)
        {
            if is_unreserved(decoded) {
                out.push(char::from(decoded));
            } else {
                push_escape(out, decoded);
            }
            i += 3;
            continue;
        }
        push_escape(out, b);
        i += 1;
    }
}

/// Appends `input` with every byte not in `keep_raw` (and `%` itself)
/// percent-encoded: an injective encoding into printable ASCII.
pub(crate) fn push_escaped(out: &mut String, input: &[u8], keep_raw: &ByteSet) {
    for &b in input {
        if b != b'%' && keep_raw.contains(b) {
            out.push(char::from(b));
        } else {
            push_escape(out, b);
        }
    }
}

/// Reverses [`push_escaped`]: every `%XX` back to its byte. Malformed
/// escapes are kept as they are.
pub(crate) fn unescape(input: &str) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match decode_escape(bytes, i) {
            Some(b) if bytes[i] == b'%' => {
                out.push(b);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
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

    const UNRESERVED: ByteSet = crate::percent::byte_set!(|b| is_unreserved(b));

    fn normalized(input: &str) -> String {
        let mut out = String::new();
        push_normalized(&mut out, input, &UNRESERVED);
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
    fn unescaping_reverses_escaping() {
        const PRINTABLE: ByteSet = byte_set!(|b| b.is_ascii_graphic() || b == b' ');
        let input = b"caf\xc3\xa9 100% \x00\xff";
        let mut out = String::new();
        push_escaped(&mut out, input, &PRINTABLE);
        assert_eq!(unescape(&out), input);
    }

    #[test]
    fn escaping_encodes_percent_itself() {
        let mut out = String::new();
        const GRAPHIC: ByteSet = byte_set!(|b| b.is_ascii_graphic() && b != b'"');
        push_escaped(&mut out, b"50% \"off\"", &GRAPHIC);
        assert_eq!(out, "50%25%20%22off%22");
    }
}
