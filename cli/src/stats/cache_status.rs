//! `Cache-Status` (RFC 9211) read as the structured field List it is
//! (RFC 8941 section 3.1): one member per cache that handled the request,
//! each a cache name with parameters, such as
//! `edgecache; fwd=miss; fwd-status=200; stored; ttl=3600; detail="max-age"`.
//! The last member is the cache nearest the viewer (RFC 9211 section 2).
//!
//! The parser follows RFC 8941 section 4.2 and refuses what it refuses: a
//! header it cannot read gives `None`, never a guess.

/// A bare item (RFC 8941 section 3.3): a parameter's value or a cache's name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// `ttl=3600`, `fwd-status=200`.
    Integer(i64),
    /// `1.5`.
    Decimal(f64),
    /// `detail="set-cookie"`, `key="/a?b"`.
    String(String),
    /// `edgecache`, `fwd=miss`.
    Token(String),
    /// `:aGVsbG8=:`, kept as its base64 text.
    Bytes(String),
    /// `?1`, `?0`, and a parameter with no value (`stored`, `hit`).
    Boolean(bool),
}

impl Item {
    /// The text of a string or a token.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Item::String(s) | Item::Token(s) => Some(s),
            _ => None,
        }
    }

    /// The value of an integer.
    pub(crate) fn integer(&self) -> Option<i64> {
        match self {
            Item::Integer(n) => Some(*n),
            _ => None,
        }
    }
}

/// One cache's member of the list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    /// The cache's name; `None` for an inner list, which RFC 9211 does not use.
    pub cache: Option<Item>,
    /// The parameters in order; a repeated key keeps its last value.
    pub params: Vec<(String, Item)>,
}

impl Member {
    /// The value of parameter `key`.
    pub(crate) fn param(&self, key: &str) -> Option<&Item> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether parameter `key` is present and true (`hit`, `stored`).
    pub(crate) fn flag(&self, key: &str) -> bool {
        self.param(key) == Some(&Item::Boolean(true))
    }
}

/// The members of a `Cache-Status` value; `None` when it is not a valid
/// structured field List.
pub(crate) fn parse(text: &str) -> Option<Vec<Member>> {
    Parser {
        input: text.trim_matches(' ').as_bytes(),
        at: 0,
    }
    .list()
}

/// The member of the cache named `name`, or, when none is, the last one.
pub(crate) fn member<'a>(members: &'a [Member], name: &str) -> Option<&'a Member> {
    members
        .iter()
        .rev()
        .find(|m| m.cache.as_ref().and_then(Item::text) == Some(name))
        .or_else(|| members.last())
}

/// The most digits RFC 8941 allows an integer (section 3.3.1).
const MAX_INTEGER_DIGITS: usize = 15;

struct Parser<'a> {
    input: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn skip(&mut self, what: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&what) {
            self.at += 1;
        }
    }

    /// Section 4.2.1.
    fn list(&mut self) -> Option<Vec<Member>> {
        let mut members = Vec::new();
        while self.peek().is_some() {
            members.push(self.member()?);
            self.skip(|b| b == b' ' || b == b'\t');
            if self.peek().is_none() {
                break;
            }
            if self.next()? != b',' {
                return None;
            }
            self.skip(|b| b == b' ' || b == b'\t');
            // A trailing comma is an error.
            self.peek()?;
        }
        Some(members)
    }

    fn member(&mut self) -> Option<Member> {
        let cache = if self.peek() == Some(b'(') {
            self.inner_list()?;
            None
        } else {
            Some(self.bare_item()?)
        };
        Some(Member {
            cache,
            params: self.params()?,
        })
    }

    /// Section 4.2.1.2: read through and dropped.
    fn inner_list(&mut self) -> Option<()> {
        self.next();
        loop {
            self.skip(|b| b == b' ');
            if self.peek() == Some(b')') {
                self.next();
                return Some(());
            }
            self.bare_item()?;
            self.params()?;
            if !matches!(self.peek(), Some(b' ' | b')')) {
                return None;
            }
        }
    }

    /// Section 4.2.3.2.
    fn params(&mut self) -> Option<Vec<(String, Item)>> {
        let mut params: Vec<(String, Item)> = Vec::new();
        while self.peek() == Some(b';') {
            self.next();
            self.skip(|b| b == b' ');
            let key = self.key()?;
            let value = if self.peek() == Some(b'=') {
                self.next();
                self.bare_item()?
            } else {
                Item::Boolean(true)
            };
            match params.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => params.push((key, value)),
            }
        }
        Some(params)
    }

    /// Section 4.2.3.3.
    fn key(&mut self) -> Option<String> {
        let start = self.at;
        if !self
            .peek()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'*')
        {
            return None;
        }
        self.skip(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.' | b'*')
        });
        self.text_since(start)
    }

    /// Section 4.2.3.1 (and RFC 9651's dates, `@` and an integer).
    fn bare_item(&mut self) -> Option<Item> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => self.number(),
            b'"' => self.string(),
            b'*' | b'a'..=b'z' | b'A'..=b'Z' => self.token(),
            b':' => self.bytes(),
            b'?' => self.boolean(),
            b'@' => {
                self.next();
                self.number().filter(|n| matches!(n, Item::Integer(_)))
            }
            _ => None,
        }
    }

    /// Section 4.2.4.
    fn number(&mut self) -> Option<Item> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.next();
        }
        let start = self.at;
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return None;
        }
        self.skip(|b| b.is_ascii_digit() || b == b'.');
        let text = self.text_since(start)?;
        let sign = if negative { "-" } else { "" };
        match text.split_once('.') {
            None if text.len() <= MAX_INTEGER_DIGITS => {
                format!("{sign}{text}").parse().ok().map(Item::Integer)
            }
            Some((whole, fraction))
                if whole.len() <= 12
                    && (1..=3).contains(&fraction.len())
                    && !fraction.contains('.') =>
            {
                format!("{sign}{text}").parse().ok().map(Item::Decimal)
            }
            _ => None,
        }
    }

    /// Section 4.2.5.
    fn string(&mut self) -> Option<Item> {
        self.next();
        let mut out = String::new();
        loop {
            match self.next()? {
                b'\\' => match self.next()? {
                    c @ (b'"' | b'\\') => out.push(char::from(c)),
                    _ => return None,
                },
                b'"' => return Some(Item::String(out)),
                c @ 0x20..=0x7e => out.push(char::from(c)),
                _ => return None,
            }
        }
    }

    /// Section 4.2.6.
    fn token(&mut self) -> Option<Item> {
        let start = self.at;
        self.skip(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&b));
        self.text_since(start).map(Item::Token)
    }

    /// Section 4.2.7.
    fn bytes(&mut self) -> Option<Item> {
        self.next();
        let start = self.at;
        self.skip(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        let text = self.text_since(start)?;
        (self.next()? == b':').then_some(Item::Bytes(text))
    }

    /// Section 4.2.8.
    fn boolean(&mut self) -> Option<Item> {
        self.next();
        match self.next()? {
            b'1' => Some(Item::Boolean(true)),
            b'0' => Some(Item::Boolean(false)),
            _ => None,
        }
    }

    /// The ASCII read since `start`.
    fn text_since(&self, start: usize) -> Option<String> {
        let bytes = self.input.get(start..self.at)?;
        std::str::from_utf8(bytes).ok().map(str::to_string)
    }
}

#[cfg(test)]
mod tests;
