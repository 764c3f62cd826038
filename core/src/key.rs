//! Cache keys: a readable, unambiguous text and a stable hash of it.
//!
//! The text, in order, with single spaces between parts:
//!
//! ```text
//! [OPTIONS ][host]/normalized/path[?keyed&query] [h:name=value]... [c:name=value]... [ae=br,gzip]
//! ```
//!
//! Why it is unambiguous: the path and query are normalized
//! ([`crate::normalize_path`], [`crate::normalize_query`]) so they hold no
//! space and no raw separator inside a parameter; header names are tokens
//! (no `=`, space or `:`); header and cookie values are escaped
//! ([`push_value`]) so they hold no space and no `%` that is not an escape.
//! So `a=1&b=2` and `a=1%26b=2` differ, and no value can forge a part.
//!
//! The hash is SHA-256 over a version tag and the text: platform key
//! limits are met, and an attacker cannot collide two keys. Golden tests
//! pin both; changing the format means changing the version tag.

use sha2::{Digest, Sha256};

use crate::percent::{ByteSet, push_escaped};

/// Keyed headers whose values are shown as they are in a displayed key:
/// content negotiation and routing, never credentials. Any other keyed
/// header could hold a secret (`X-Api-Key`), so its value is hashed.
pub const SHOWN_HEADERS: [&str; 9] = [
    "accept",
    "accept-charset",
    "accept-language",
    "origin",
    "user-agent",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-scheme",
    "x-forwarded-port",
];

/// Bumped whenever the text format changes, so old entries are not reused.
const KEY_VERSION: &str = "edgecache-key/1\n";

/// A cache key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    text: String,
    /// Byte ranges of cookie values and of header values that may be
    /// secret, hidden by [`CacheKey::redacted`].
    secrets: Vec<(usize, usize)>,
    /// Where the path and keyed query stand in `text` (a key is far
    /// shorter than 4 GB).
    resource: (u32, u32),
}

impl CacheKey {
    /// The normalized path and keyed query: the key without its method,
    /// host, headers, cookies and encoding. Purging a path with a query
    /// removes every entry whose key has this resource.
    pub fn resource(&self) -> &str {
        let (start, end) = (self.resource.0 as usize, self.resource.1 as usize);
        self.text.get(start..end).unwrap_or_default()
    }

    /// The full key text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The stable hash: 64 lower-case hex digits.
    pub fn hash_hex(&self) -> String {
        sha256_hex(&[KEY_VERSION.as_bytes(), self.text.as_bytes()])
    }

    /// The key text with cookie values and header values (but those of
    /// [`SHOWN_HEADERS`]) replaced by `~` and a short hash, for response
    /// headers and logs: a key shown to a viewer must not echo an HttpOnly
    /// cookie or an API key back to page scripts or a downstream cache.
    pub fn redacted(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for &(start, end) in &self.secrets {
            out.push_str(&self.text[at..start]);
            let digest = Sha256::digest(&self.text[start..end]);
            out.push('~');
            for byte in &digest[..4] {
                out.push_str(&format!("{byte:02x}"));
            }
            at = end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

/// Writes a key part by part, in the order of the format.
pub(crate) struct KeyBuilder {
    text: String,
    secrets: Vec<(usize, usize)>,
    resource_start: usize,
    /// Set when the first part after the query is written.
    resource_end: Option<usize>,
}

impl KeyBuilder {
    /// Starts a key: the method when it is keyed (OPTIONS), the host when
    /// keyed, and the normalized path.
    pub(crate) fn new(method_prefix: Option<&str>, host: Option<&str>, path: &str) -> Self {
        let mut text = String::with_capacity(path.len() + 64);
        if let Some(method) = method_prefix {
            text.push_str(method);
            text.push(' ');
        }
        if let Some(host) = host {
            push_escaped(&mut text, host.as_bytes(), &HOST_CHARS);
        }
        let resource_start = text.len();
        text.push_str(path);
        KeyBuilder {
            text,
            secrets: Vec::new(),
            resource_start,
            resource_end: None,
        }
    }

    /// Marks the end of the path and query, before a header, cookie or
    /// encoding part.
    fn end_resource(&mut self) {
        self.resource_end.get_or_insert(self.text.len());
    }

    /// Appends one keyed query parameter (already normalized).
    pub(crate) fn query_param(&mut self, param: &str, first: bool) {
        self.text.push(if first { '?' } else { '&' });
        self.text.push_str(param);
    }

    /// Appends a keyed header; `name` lower-cased, `value` raw.
    pub(crate) fn header(&mut self, name: &str, value: &[u8]) {
        self.end_resource();
        self.text.push_str(" h:");
        self.text.push_str(name);
        self.text.push('=');
        let start = self.text.len();
        push_value(&mut self.text, value);
        if !SHOWN_HEADERS.contains(&name) {
            self.secrets.push((start, self.text.len()));
        }
    }

    /// Appends a keyed cookie.
    pub(crate) fn cookie(&mut self, name: &str, value: &str) {
        self.end_resource();
        self.text.push_str(" c:");
        push_escaped(&mut self.text, name.as_bytes(), &COOKIE_NAME_CHARS);
        self.text.push('=');
        let start = self.text.len();
        push_value(&mut self.text, value.as_bytes());
        self.secrets.push((start, self.text.len()));
    }

    /// Appends the normalized Accept-Encoding.
    pub(crate) fn accept_encoding(&mut self, value: &str) {
        self.end_resource();
        self.text.push_str(" ae=");
        self.text.push_str(value);
    }

    /// The finished key, remembering where its path and keyed query end
    /// (for [`CacheKey::resource`]).
    pub(crate) fn finish(self) -> CacheKey {
        let end = self.resource_end.unwrap_or(self.text.len());
        let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
        CacheKey {
            resource: (offset(self.resource_start), offset(end)),
            text: self.text,
            secrets: self.secrets,
        }
    }
}

/// The SHA-256 of `parts`, one after the other, as 64 lower-case hex digits.
pub(crate) fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    let mut out = String::with_capacity(64);
    for byte in hasher.finalize() {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xF)]));
    }
    out
}

/// Escapes a header or cookie value: printable ASCII stays, except the
/// escape character itself and the quote and backslash that would need
/// escaping in a Cache-Status `key="..."`.
pub(crate) fn push_value(out: &mut String, value: &[u8]) {
    push_escaped(out, value, &VALUE_CHARS);
}

const fn is_value_char(b: u8) -> bool {
    b.is_ascii_graphic() && b != b'"' && b != b'\\'
}

const VALUE_CHARS: ByteSet = crate::percent::byte_set!(|b| is_value_char(b));
const COOKIE_NAME_CHARS: ByteSet = crate::percent::byte_set!(|b| is_value_char(b) && b != b'=');
const HOST_CHARS: ByteSet = crate::percent::byte_set!(|b| {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']')
});

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned: checked against `printf 'edgecache-key/1\n<text>' | sha256sum`.
    #[test]
    fn hashes_are_pinned() {
        let mut key = KeyBuilder::new(None, None, "/search/pcp");
        key.query_param("Keyword=flu", true);
        key.query_param("Zipcode=10001", false);
        key.accept_encoding("br,gzip");
        let key = key.finish();
        assert_eq!(
            key.as_str(),
            "/search/pcp?Keyword=flu&Zipcode=10001 ae=br,gzip"
        );
        assert_eq!(
            key.hash_hex(),
            "4571f8542d5b9fb2cc91c24b91bc0efc740e35de7ef7bf5c94482f2fb945748c"
        );
    }

    #[test]
    fn values_cannot_forge_parts() {
        let mut a = KeyBuilder::new(None, None, "/");
        a.header("x-a", b"1 h:x-b=2");
        let mut b = KeyBuilder::new(None, None, "/");
        b.header("x-a", b"1");
        b.header("x-b", b"2");
        assert_ne!(a.finish().as_str(), b.finish().as_str());
    }

    #[test]
    fn redacts_cookies_and_header_values_that_may_be_secret() {
        let mut key = KeyBuilder::new(None, None, "/me");
        key.header("accept-language", b"en");
        key.header("authorization", b"Bearer secret");
        key.header("x-api-key", b"k3y");
        key.cookie("session", "s3cr3t");
        let shown = key.finish().redacted();
        for secret in ["secret", "k3y", "s3cr3t"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.starts_with("/me h:accept-language=en h:authorization=~"),
            "{shown}"
        );
        assert!(shown.contains(" h:x-api-key=~"), "{shown}");
        assert!(shown.contains(" c:session=~"), "{shown}");
    }
}
