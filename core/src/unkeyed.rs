//! The inputs of a request that reach the origin without being keyed, and
//! the poisoning guard built on them: an answer that reflects one of
//! their values is served to that viewer but never stored, since every
//! other viewer of the key would get it.
//!
//! No CDN does this. CloudFront, Fastly and Cloudflare all store an
//! answer that echoes an unkeyed parameter (a JSONP callback, a "did you
//! mean" link, a canonical URL, a redirect's `Location`), which is the
//! classic way to poison a cache that forwards more than it keys.

use crate::headers::Headers;
use crate::percent::unescape;
use crate::request::{Disposition, RequestPlan};

/// Values shorter than this many bytes are not looked for: short values
/// ("en", "1", "true", "google") are common words an honest answer
/// contains by chance, and refusing to store those would cost hit ratio
/// without stopping an attack (a payload that does harm is longer).
pub const MIN_REFLECTED_LEN: usize = 6;

/// Whether `value` is a plain word (`google`, `dismiss`, `same-origin`):
/// letters and dashes, shorter than 16 bytes. Honest pages are full of
/// them, and a word carries no markup; a session id has digits.
fn is_word(value: &[u8]) -> bool {
    value.len() < 16 && value.iter().all(|b| b.is_ascii_alphabetic() || *b == b'-')
}

/// How long a prefix of a long value is looked for too.
const PREFIX_LEN: usize = 24;

/// How JSON encoders write what HTML treats as markup.
const JSON_ESCAPES: &[(u8, &[u8])] = &[
    (b'/', b"\\/"),
    (b'"', b"\\\""),
    (b'<', b"\\u003c"),
    (b'>', b"\\u003e"),
    (b'&', b"\\u0026"),
    (b'\'', b"\\u0027"),
];

/// How HTML templates escape a value.
const HTML_ESCAPES: &[(u8, &[u8])] = &[
    (b'&', b"&amp;"),
    (b'<', b"&lt;"),
    (b'>', b"&gt;"),
    (b'"', b"&quot;"),
    (b'\'', b"&#39;"),
];

/// `value` with each byte in `escapes` written as its escape.
fn escaped(value: &[u8], escapes: &[(u8, &[u8])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for &b in value {
        match escapes.iter().find(|(from, _)| *from == b) {
            Some((_, to)) => out.extend_from_slice(to),
            None => out.push(b),
        }
    }
    out
}

/// Percent-decoded (with `+` as a space), or as it is.
fn decode(value: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(value) {
        Ok(text) if text.contains(['%', '+']) => unescape(&text.replace('+', " ")),
        _ => value.to_vec(),
    }
}

/// The most values looked for. A request with more unkeyed values than
/// this (no honest one has) is answered, and its answer not stored: the
/// scan's cost must not be the viewer's to choose.
pub const MAX_WATCHED: usize = 128;

/// Response headers that describe the representation chosen by content
/// negotiation: an honest answer repeats the viewer's `Accept*` values
/// there (`Content-Type: application/json` for `Accept: application/json`).
const NEGOTIATED: [&str; 4] = [
    "content-type",
    "content-language",
    "content-encoding",
    "vary",
];

/// Whether inputs reached the origin without being keyed: noted while the
/// request decision is made, at no cost beyond two flags (a hit needs no
/// more). The values themselves are found by [`Watched::of`] only when an
/// answer may be stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unkeyed {
    /// Some query parameter, header, cookie or `X-Forwarded-For` chain
    /// reached the origin without being keyed. The configuration says such
    /// inputs do not change the answer, but an error they provoke is not
    /// stored for everyone.
    pub any: bool,
    /// A cookie or a credential header reached the origin without being
    /// keyed: the answer may be that viewer's own.
    pub credentials: bool,
}

impl Unkeyed {
    /// Notes an unkeyed input.
    pub(crate) fn input(&mut self) {
        self.any = true;
    }

    /// Notes an unkeyed credential (a cookie, an API key).
    pub(crate) fn credential(&mut self) {
        self.credentials = true;
        self.input();
    }
}

/// The values an answer to a request must not echo to be stored: each
/// query parameter value, viewer header value, cookie value and
/// `X-Forwarded-For` element the origin received (the viewer's address
/// among them), as sent and percent-decoded, at least
/// [`MIN_REFLECTED_LEN`] bytes long, except what the cache key holds (an
/// answer may echo a keyed input) and what the edge sets (the origin's
/// custom headers, its Host, the normalized `Accept-Encoding`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watched {
    values: Vec<Vec<u8>>,
    overflow: bool,
}

impl Watched {
    /// The values `plan`'s origin request carries.
    pub fn of(plan: &RequestPlan<'_, '_>) -> Watched {
        let mut watched = Watched::default();
        if !plan.unkeyed.any {
            // Everything the origin received is keyed or the edge's own:
            // the key holds every input that could shape the answer.
            return watched;
        }
        let (request, policy) = (&plan.origin_request, plan.cache_policy);
        if let Some((_, query)) = request.url.split_once('?') {
            for param in query.split('&') {
                let (name, value) = param.split_once('=').unwrap_or((param, ""));
                if !policy.query_strings.keys(name) {
                    watched.watch(value.as_bytes());
                    // A name can carry a payload too (`?<script>=1`).
                    if value.is_empty() || name.contains('%') {
                        watched.watch(name.as_bytes());
                    }
                }
            }
        }
        let normalized = plan.forwarding.encoding.is_some();
        let configured = |name: &str| {
            name.eq_ignore_ascii_case("host")
                || (normalized && name.eq_ignore_ascii_case("accept-encoding"))
                || request
                    .origin
                    .custom_headers
                    .iter()
                    .any(|(n, _)| name.eq_ignore_ascii_case(n))
        };
        for (name, value) in &request.headers {
            if configured(name) {
                continue;
            }
            if name.eq_ignore_ascii_case("cookie") {
                for pair in value.split(|&b| b == b';') {
                    let value = pair
                        .iter()
                        .position(|&b| b == b'=')
                        .map_or(&[][..], |at| &pair[at + 1..]);
                    watched.watch(value.trim_ascii());
                }
            } else if name.eq_ignore_ascii_case("x-forwarded-for") {
                for hop in value.split(|&b| b == b',') {
                    watched.watch(hop.trim_ascii());
                }
            } else {
                watched.watch(value);
            }
        }
        if let Disposition::Lookup(key) = &plan.disposition {
            let key = key.as_str().as_bytes();
            watched.values.retain(|value| !contains(key, value));
        }
        watched
    }

    /// Looks for `value` and the forms an origin may echo it in: unquoted
    /// (a quoted cookie), percent-decoded once and twice, escaped for JSON
    /// and HTML, and its first bytes (an origin that cuts long values).
    fn watch(&mut self, value: &[u8]) {
        let unquoted = value
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .unwrap_or(value);
        let decoded = decode(unquoted);
        let twice = decode(&decoded);
        for form in [unquoted, &decoded, &twice] {
            self.push(form.to_vec());
            self.push(escaped(form, JSON_ESCAPES));
            self.push(escaped(form, HTML_ESCAPES));
            // An origin that cuts a long value keeps its start; but the
            // start of a URL is a site everyone links to.
            if form.len() > PREFIX_LEN && !form.windows(3).any(|w| w == b"://") {
                self.push(form[..PREFIX_LEN].to_vec());
            }
        }
    }

    fn push(&mut self, value: Vec<u8>) {
        if value.len() < MIN_REFLECTED_LEN || is_word(&value) || self.values.contains(&value) {
            return;
        }
        if self.values.len() == MAX_WATCHED {
            self.overflow = true;
        } else {
            self.values.push(value);
        }
    }

    /// Whether the request carried more values than are looked for.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    /// The values looked for.
    pub fn values(&self) -> &[Vec<u8>] {
        &self.values
    }

    /// Whether any header value of `answer` contains a value looked for
    /// (the headers that name the negotiated representation aside).
    pub fn reflected_in(&self, answer: &Headers<'_>) -> bool {
        if self.values.is_empty() {
            return false;
        }
        let values = Values::new(&self.values);
        answer
            .iter()
            .filter(|(name, _)| !NEGOTIATED.iter().any(|n| name.eq_ignore_ascii_case(n)))
            .any(|(_, value)| values.found_in(value))
    }

    /// A scanner for the answer's body, fed as it streams.
    pub fn body_scan(&self) -> BodyScan {
        let longest = self.values.iter().map(Vec::len).max().unwrap_or(0);
        BodyScan {
            values: Values::new(&self.values),
            tail: Vec::with_capacity(longest),
            keep: longest.saturating_sub(1),
            found: false,
        }
    }
}

/// Looks for unkeyed input values in a body that arrives in chunks: a
/// value split across two chunks is found too.
///
/// ```
/// use edgecache_core::{Config, RequestDecision, ViewerRequest, Watched, decide_request};
/// # let config = Config::from_json(r#"{"origins": {"a": {"domain": "a.example"}},
/// #   "cache_policies": {"p": {"query_strings": {"behavior": "whitelist", "names": ["q"]}}},
/// #   "origin_request_policies": {"o": {"query_strings": {"behavior": "all"}}},
/// #   "default_behavior": {"origin": "a", "cache_policy": "p", "origin_request_policy": "o"}}"#).unwrap();
/// let viewer = ViewerRequest::new("GET", "/s?q=flu&cb=%3Cscript%3E");
/// let RequestDecision::Forward(plan) = decide_request(&config, &viewer) else { panic!() };
/// let mut scan = Watched::of(&plan).body_scan();
/// assert!(!scan.feed(b"{\"q\": \"flu\", \"html\": \"<scr"));
/// assert!(scan.feed(b"ipt>\"}"));
/// ```
#[derive(Debug, Clone)]
pub struct BodyScan {
    values: Values,
    /// The end of what was fed so far, as long as a value minus one.
    tail: Vec<u8>,
    keep: usize,
    found: bool,
}

impl BodyScan {
    /// Feeds the next chunk; true once any value has been seen. The chunk
    /// is read where it is; only the few bytes around its start, where a
    /// value may straddle two chunks, are copied.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        if self.found || self.values.is_empty() {
            return self.found;
        }
        let head = &chunk[..chunk.len().min(self.keep)];
        let mut seam = std::mem::take(&mut self.tail);
        seam.extend_from_slice(head);
        self.found = self.values.found_in(&seam) || self.values.found_in(chunk);
        if chunk.len() >= self.keep {
            self.tail = chunk[chunk.len() - self.keep..].to_vec();
        } else {
            let start = seam.len().saturating_sub(self.keep);
            self.tail = seam.split_off(start);
        }
        self.found
    }

    /// Whether a value has been seen.
    pub fn found(&self) -> bool {
        self.found
    }
}

/// The values looked for, indexed by their first byte (in lower case) and
/// filtered by their second, so that a text is read once whatever their
/// number. Matching ignores ASCII case: an origin may lower-case a host or
/// upper-case an escape.
#[derive(Debug, Clone)]
struct Values {
    by_first: Vec<Vec<Vec<u8>>>,
    /// Per first byte, a bit per possible second byte.
    seconds: Vec<[u64; 4]>,
}

impl Values {
    fn new(values: &[Vec<u8>]) -> Values {
        let mut by_first = vec![Vec::new(); 256];
        let mut seconds = vec![[0u64; 4]; 256];
        for value in values {
            let lower = value.to_ascii_lowercase();
            if let [first, second, ..] = lower[..] {
                let slot = usize::from(first);
                if let (Some(list), Some(bits)) = (by_first.get_mut(slot), seconds.get_mut(slot)) {
                    list.push(lower.clone());
                    if let Some(word) = bits.get_mut(usize::from(second >> 6)) {
                        *word |= 1 << (second & 63);
                    }
                }
            }
        }
        Values { by_first, seconds }
    }

    fn is_empty(&self) -> bool {
        self.by_first.iter().all(Vec::is_empty)
    }

    /// Whether any value occurs in `text`.
    fn found_in(&self, text: &[u8]) -> bool {
        text.iter().enumerate().any(|(at, &byte)| {
            let slot = usize::from(byte.to_ascii_lowercase());
            let Some(candidates) = self.by_first.get(slot).filter(|c| !c.is_empty()) else {
                return false;
            };
            let second = text.get(at + 1).map_or(0, u8::to_ascii_lowercase);
            let possible = self
                .seconds
                .get(slot)
                .and_then(|bits| bits.get(usize::from(second >> 6)))
                .is_some_and(|word| word & (1 << (second & 63)) != 0);
            possible
                && candidates.iter().any(|v| {
                    text.get(at..at + v.len())
                        .is_some_and(|t| t.eq_ignore_ascii_case(v))
                })
        })
    }
}

/// Whether `needle` occurs in `haystack` (a short one: the cache key).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_ignores_ascii_case() {
        let w = watched(&["//Evil.Example/x"]);
        let list = [("location", b"//evil.example/x".as_slice())];
        assert!(w.reflected_in(&Headers::new(&list)));
        let mut scan = watched(&["<b>x1</b>"]).body_scan();
        assert!(scan.feed(b"...\\u003Cb\\u003Ex1\\u003C\\/b\\u003E..."));
    }

    fn watched(values: &[&str]) -> Watched {
        let mut watched = Watched::default();
        for value in values {
            watched.watch(value.as_bytes());
        }
        watched
    }

    #[test]
    fn short_values_and_plain_words_are_not_looked_for() {
        let w = watched(&["en", "12345", "google", "same-origin", "g00gle!"]);
        assert_eq!(w.values(), [b"g00gle!".to_vec()]);
    }

    #[test]
    fn percent_decoded_values_are_looked_for_too() {
        let w = watched(&["%3Cimg%20src%3Dx%3E", "a+b+c+d"]);
        let values: Vec<&[u8]> = w.values().iter().map(Vec::as_slice).collect();
        assert!(values.contains(&&b"<img src=x>"[..]));
        assert!(values.contains(&&b"a b c d"[..]));
    }

    #[test]
    fn finds_a_value_in_any_header_but_the_negotiated_ones() {
        let w = watched(&["evil.example", "application/json"]);
        let list = [
            (
                "content-type",
                b"application/json; charset=utf-8".as_slice(),
            ),
            ("location", b"https://evil.example/x".as_slice()),
        ];
        assert!(w.reflected_in(&Headers::new(&list)));
        assert!(!w.reflected_in(&Headers::new(&list[..1])));
    }

    #[test]
    fn finds_a_value_split_across_chunks_in_every_place() {
        let w = watched(&["payload!"]);
        let body = b"0123456789payload!0123456789";
        for split in 0..=body.len() {
            let mut scan = w.body_scan();
            let (a, b) = body.split_at(split);
            scan.feed(a);
            assert!(scan.feed(b), "split at {split}");
        }
        let mut clean = w.body_scan();
        assert!(!clean.feed(b"payload"));
        assert!(!clean.feed(b" and more"));
    }

    #[test]
    fn nothing_to_look_for_finds_nothing() {
        let mut scan = Watched::default().body_scan();
        assert!(!scan.feed(b"anything at all"));
    }

    #[test]
    fn past_the_limit_values_overflow_instead_of_growing_the_scan() {
        let values: Vec<String> = (0..MAX_WATCHED + 5)
            .map(|i| format!("value-{i:04}"))
            .collect();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        let w = watched(&refs);
        assert_eq!(w.values().len(), MAX_WATCHED);
        assert!(w.overflowed());
    }
}
