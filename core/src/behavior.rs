//! Cache behaviors: CloudFront path patterns and first-match selection.
//!
//! Semantics (CloudFront developer guide, "Path pattern"): `*` matches any
//! run of characters including `/`, `?` exactly one character, matching is
//! case-sensitive, a leading `/` is optional, behaviors are tried in order
//! and the first match wins; the default behavior takes the rest. Patterns
//! are matched against the normalized path, allocation-free.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::{Behavior, Config, Text};

/// CloudFront's limit on a path pattern's length.
pub(crate) const MAX_PATTERN_LEN: usize = 255;

/// A compiled path pattern. Its serialized form is the pattern's text;
/// reading it back borrows the text from a precompiled configuration
/// (no allocation) and finds the literal prefix again, so that no stored
/// form can hold an offset that does not fit the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    /// The pattern with its leading `/`.
    text: Text,
    /// Length of the literal prefix before the first wildcard, for a cheap
    /// first test.
    literal_prefix: usize,
}

/// Why a path pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// The pattern is the empty string.
    Empty,
    /// The pattern's length in bytes, over CloudFront's limit of 255.
    TooLong(usize),
    /// A character CloudFront does not allow in patterns.
    BadCharacter(char),
    /// A character CloudFront allows but a normalized path never holds
    /// raw (`"` arrives as `%22`), so the pattern could never match.
    NeverInPath(char),
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatternError::Empty => write!(f, "path pattern is empty"),
            PatternError::TooLong(len) => write!(
                f,
                "path pattern is {len} characters long, the limit is {MAX_PATTERN_LEN}"
            ),
            PatternError::BadCharacter(c) => write!(
                f,
                "path pattern has {c:?}; allowed are A-Z a-z 0-9 _ - . * ? $ / ~ ' @ : + &"
            ),
            PatternError::NeverInPath(c) => write!(
                f,
                "path pattern has {c:?}, which paths only hold percent-encoded, so it never matches"
            ),
        }
    }
}

impl PathPattern {
    /// Compiles a pattern as CloudFront accepts it.
    ///
    /// ```
    /// use edgecache_core::PathPattern;
    /// let p = PathPattern::compile("images/*.jpg").unwrap();
    /// assert!(p.matches("/images/product1/x.jpg"));
    /// assert!(!p.matches("/images/LOGO.JPG"));
    /// ```
    pub fn compile(pattern: &str) -> Result<PathPattern, PatternError> {
        if pattern.is_empty() {
            return Err(PatternError::Empty);
        }
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(PatternError::TooLong(pattern.len()));
        }
        if let Some(c) = pattern.chars().find(|c| !is_pattern_char(*c)) {
            return Err(if c == '"' {
                PatternError::NeverInPath(c)
            } else {
                PatternError::BadCharacter(c)
            });
        }
        let text = if pattern.starts_with('/') || pattern.starts_with('*') {
            pattern.to_string()
        } else {
            format!("/{pattern}")
        };
        Ok(PathPattern::compiled(Text::from(text)))
    }

    /// A pattern [`PathPattern::compile`] accepted before, read back.
    fn compiled(text: Text) -> PathPattern {
        let literal_prefix = text.find(['*', '?']).unwrap_or(text.len());
        PathPattern {
            text,
            literal_prefix,
        }
    }

    /// The pattern with its leading `/`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a normalized path matches.
    pub fn matches(&self, path: &str) -> bool {
        let prefix = &self.text.as_bytes()[..self.literal_prefix];
        path.as_bytes().starts_with(prefix)
            && glob(
                &self.text.as_bytes()[self.literal_prefix..],
                &path.as_bytes()[self.literal_prefix..],
            )
    }
}

impl Serialize for PathPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// Reads a pattern from a precompiled configuration that lives as long as
/// the program (`'de: 'static`), borrowing its text.
impl<'de: 'static> Deserialize<'de> for PathPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Text::deserialize(deserializer).map(PathPattern::compiled)
    }
}

/// CloudFront's allowed pattern characters.
fn is_pattern_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '_' | '-' | '.' | '*' | '?' | '$' | '/' | '~' | '\'' | '@' | ':' | '+' | '&'
        )
}

/// Wildcard match with single-star backtracking: linear in practice,
/// O(pattern x text) at worst, never allocating.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                resume = Some((p + 1, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match resume {
                Some((after_star, start)) => {
                    p = after_star;
                    t = start + 1;
                    resume = Some((after_star, start + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// The behavior for a normalized path: the first whose pattern matches,
/// else the default behavior.
pub fn select<'c>(config: &'c Config, path: &str) -> &'c Behavior {
    config
        .behaviors()
        .iter()
        .find(|b| b.pattern.as_ref().is_some_and(|p| p.matches(path)))
        .unwrap_or(config.default_behavior())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        PathPattern::compile(pattern).unwrap().matches(path)
    }

    #[test]
    fn matches_like_cloudfront() {
        let table = [
            ("/search/pcp", "/search/pcp", true),
            ("/search/pcp", "/search/pcp/", false),
            ("/search/pcp", "/search/PCP", false),
            ("search/pcp", "/search/pcp", true),
            ("/media/*", "/media/a.mp3", true),
            ("/media/*", "/media/", true),
            ("/media/*", "/media", false),
            ("/media*", "/media", true),
            ("/media*", "/mediafiles/x", true),
            ("images/*.jpg", "/images/product1/x.jpg", true),
            ("*.jpg", "/LOGO.JPG", false),
            ("*.jpg", "/a/b/logo.jpg", true),
            ("*", "/anything/at/all", true),
            ("/a?c", "/abc", true),
            ("/a?c", "/ac", false),
            ("/a?c", "/abbc", false),
            ("/*/x/*", "/a/x/b", true),
            ("/*/x/*", "/a/b/x/c", true),
            ("/*/x/*", "/a/b/y/c", false),
            ("/*a*a*a*b", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
            ("/products/*", "/products/42", true),
        ];
        for (pattern, path, want) in table {
            assert_eq!(matches(pattern, path), want, "{pattern:?} against {path:?}");
        }
    }

    #[test]
    fn refuses_bad_patterns() {
        assert_eq!(PathPattern::compile(""), Err(PatternError::Empty));
        assert_eq!(
            PathPattern::compile(&"/a".repeat(128)),
            Err(PatternError::TooLong(256))
        );
        assert_eq!(
            PathPattern::compile("/a b"),
            Err(PatternError::BadCharacter(' '))
        );
        assert_eq!(
            PathPattern::compile("/a%20b"),
            Err(PatternError::BadCharacter('%'))
        );
    }
}
