//! Access log lines: CloudFront standard logs (W3C extended format, its
//! fields named by a `#Fields:` directive) and the Common/Combined Log
//! Format of Apache, nginx and most origins.
//!
//! A line that cannot be read is [`Parsed::Malformed`] with a reason; the
//! caller counts it and goes on.

use edgecache_core::Scheme;

use crate::time::{days_from_civil, month_number, seconds_of_day};

/// The log format of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Recognized from the file's first line: `#` starts a CloudFront log.
    Auto,
    /// CloudFront standard logs (W3C, with a `#Fields:` line).
    Cloudfront,
    /// Common or Combined Log Format.
    Combined,
}

/// One request from a log line, borrowing from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record<'a> {
    /// Unix seconds.
    pub time: i64,
    pub method: &'a str,
    pub scheme: Scheme,
    pub host: Option<&'a str>,
    pub path: &'a str,
    /// Without the `?`; `None` when the request had none.
    pub query: Option<&'a str>,
    pub status: Option<u16>,
    /// Body bytes sent, 0 when unknown.
    pub bytes: u64,
    pub user_agent: Option<&'a str>,
    pub referer: Option<&'a str>,
    pub cookie: Option<&'a str>,
}

/// What a line holds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed<'a> {
    Record(Record<'a>),
    /// A blank line or a directive.
    Skip,
    Malformed(&'static str),
}

/// Reads the lines of one file, keeping what earlier lines declared.
#[derive(Debug)]
pub(crate) struct LineParser {
    format: Format,
    fields: Option<W3cFields>,
}

impl LineParser {
    pub(crate) fn new(format: Format) -> Self {
        LineParser {
            format,
            fields: None,
        }
    }

    pub(crate) fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        if self.format == Format::Auto {
            self.format = if line.starts_with('#') {
                Format::Cloudfront
            } else {
                Format::Combined
            };
        }
        match self.format {
            Format::Combined => combined(line),
            _ => self.w3c(line),
        }
    }

    fn w3c<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        if let Some(directive) = line.strip_prefix('#') {
            if let Some(names) = directive.strip_prefix("Fields:") {
                self.fields = W3cFields::of(names);
                if self.fields.is_none() {
                    return Parsed::Malformed(
                        "the #Fields: line lacks date, time, cs-method or cs-uri-stem",
                    );
                }
            }
            return Parsed::Skip;
        }
        match &self.fields {
            Some(fields) => fields.record(line),
            None => Parsed::Malformed("an entry before any #Fields: line"),
        }
    }
}

/// Where each field of interest stands in a W3C line.
#[derive(Debug, Clone)]
struct W3cFields {
    /// Fields up to the last one read (the rest are not split off).
    needed: usize,
    date: usize,
    time: usize,
    method: usize,
    stem: usize,
    query: Option<usize>,
    status: Option<usize>,
    host: Option<usize>,
    cloudfront_host: Option<usize>,
    protocol: Option<usize>,
    content_length: Option<usize>,
    bytes: Option<usize>,
    user_agent: Option<usize>,
    referer: Option<usize>,
    cookie: Option<usize>,
}

impl W3cFields {
    fn of(names: &str) -> Option<W3cFields> {
        let names: Vec<&str> = names.split_whitespace().collect();
        let at = |name: &str| {
            names
                .iter()
                .position(|n| *n == name)
                .filter(|i| *i < MAX_W3C_FIELDS)
        };
        let mut fields = W3cFields {
            needed: 0,
            date: at("date")?,
            time: at("time")?,
            method: at("cs-method")?,
            stem: at("cs-uri-stem")?,
            query: at("cs-uri-query"),
            status: at("sc-status"),
            host: at("x-host-header"),
            cloudfront_host: at("cs(Host)"),
            protocol: at("cs-protocol"),
            content_length: at("sc-content-len"),
            bytes: at("sc-bytes"),
            user_agent: at("cs(User-Agent)"),
            referer: at("cs(Referer)"),
            cookie: at("cs(Cookie)"),
        };
        fields.needed = [
            Some(fields.date),
            Some(fields.time),
            Some(fields.method),
            Some(fields.stem),
            fields.query,
            fields.status,
            fields.host,
            fields.cloudfront_host,
            fields.protocol,
            fields.content_length,
            fields.bytes,
            fields.user_agent,
            fields.referer,
            fields.cookie,
        ]
        .into_iter()
        .flatten()
        .max()
        .map_or(0, |i| i + 1);
        Some(fields)
    }

    fn record<'a>(&self, line: &'a str) -> Parsed<'a> {
        // CloudFront separates fields with tabs; other W3C logs with spaces.
        let separator = if line.contains('\t') { b'\t' } else { b' ' };
        let mut values = [""; MAX_W3C_FIELDS];
        let found = split_fields(line, separator, &mut values[..self.needed]);
        if found < self.needed {
            return Parsed::Malformed("fewer fields than the #Fields: line names");
        }
        let field = |i: Option<usize>| i.map(|i| values[i]).filter(|v| *v != "-" && !v.is_empty());
        let Some(time) = w3c_time(values[self.date], values[self.time]) else {
            return Parsed::Malformed("date or time is not YYYY-MM-DD HH:MM:SS");
        };
        let path = values[self.stem];
        if !path.starts_with('/') {
            return Parsed::Malformed("cs-uri-stem is not a path");
        }
        let status = match field(self.status) {
            Some(s) => match s.parse::<u16>() {
                Ok(s) => Some(s),
                Err(_) => return Parsed::Malformed("sc-status is not a number"),
            },
            None => None,
        };
        Parsed::Record(Record {
            time,
            method: values[self.method],
            scheme: match field(self.protocol) {
                Some("http" | "ws") => Scheme::Http,
                _ => Scheme::Https,
            },
            host: field(self.host).or_else(|| field(self.cloudfront_host)),
            path,
            query: field(self.query),
            status,
            bytes: field(self.content_length)
                .or_else(|| field(self.bytes))
                .and_then(|b| b.parse().ok())
                .unwrap_or(0),
            user_agent: field(self.user_agent),
            referer: field(self.referer),
            cookie: field(self.cookie),
        })
    }
}

/// The most fields a W3C line may name that are read (CloudFront's have 33).
const MAX_W3C_FIELDS: usize = 64;

/// Splits `line` at `separator` into `out`, stopping when it is full;
/// returns how many fields were written.
fn split_fields<'a>(line: &'a str, separator: u8, out: &mut [&'a str]) -> usize {
    let mut start = 0;
    let mut n = 0;
    for (i, b) in line.bytes().enumerate() {
        if n == out.len() {
            return n;
        }
        if b == separator {
            // The separator is ASCII, so both ends are character boundaries.
            out[n] = line.get(start..i).unwrap_or_default();
            n += 1;
            start = i + 1;
        }
    }
    if n < out.len() {
        out[n] = line.get(start..).unwrap_or_default();
        n += 1;
    }
    n
}

fn w3c_time(date: &str, time: &str) -> Option<i64> {
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let days = days_from_civil(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    Some(days * 86_400 + seconds_of_day(time)?)
}

/// `host ident user [10/Oct/2000:13:55:36 -0700] "GET /a?b HTTP/1.1" 200 2326 ["referer" "agent"]`
fn combined(line: &str) -> Parsed<'_> {
    let Some((_, rest)) = line.split_once(" [") else {
        return Parsed::Malformed("no [timestamp]");
    };
    let Some((stamp, rest)) = rest.split_once("] \"") else {
        return Parsed::Malformed("no \"request line\" after the timestamp");
    };
    let Some(time) = clf_time(stamp) else {
        return Parsed::Malformed("timestamp is not dd/Mon/yyyy:HH:MM:SS +zzzz");
    };
    let Some((request, rest)) = split_quoted(rest) else {
        return Parsed::Malformed("the request line has no closing quote");
    };
    let mut words = request.split(' ');
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Parsed::Malformed("the request line is not \"METHOD target VERSION\"");
    };
    let (scheme, host, target) = absolute_target(target);
    if !target.starts_with('/') {
        return Parsed::Malformed("the request target is not a path");
    }
    let mut fields = rest.trim_start().splitn(3, ' ');
    let status = match fields.next().map(str::parse::<u16>) {
        Some(Ok(status)) => status,
        _ => return Parsed::Malformed("the status is not a number"),
    };
    let bytes = fields.next().and_then(|b| b.parse().ok()).unwrap_or(0);
    let (referer, user_agent) = combined_tail(fields.next().unwrap_or_default());
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    Parsed::Record(Record {
        time,
        method,
        scheme,
        host,
        path,
        query,
        status: Some(status),
        bytes,
        user_agent,
        referer,
        cookie: None,
    })
}

/// A proxy's log may hold `http://host/path`: split off scheme and host.
fn absolute_target(target: &str) -> (Scheme, Option<&str>, &str) {
    let (scheme, rest) = if let Some(rest) = target.strip_prefix("https://") {
        (Scheme::Https, rest)
    } else if let Some(rest) = target.strip_prefix("http://") {
        (Scheme::Http, rest)
    } else {
        return (Scheme::Https, None, target);
    };
    match rest.find('/') {
        Some(i) => (scheme, Some(&rest[..i]), &rest[i..]),
        None => (scheme, Some(rest), "/"),
    }
}

/// The text up to the closing `"` (a `\"` inside does not close), and the rest.
fn split_quoted(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some((&text[..i], &text[i + 1..])),
            _ => i += 1,
        }
    }
    None
}

/// The Combined format's `"referer" "user agent"`, when present.
fn combined_tail(tail: &str) -> (Option<&str>, Option<&str>) {
    let Some((referer, rest)) = quoted(tail) else {
        return (None, None);
    };
    (referer, quoted(rest).and_then(|(agent, _)| agent))
}

/// A quoted field (`"-"` and `""` are absent), and the text after it.
fn quoted(text: &str) -> Option<(Option<&str>, &str)> {
    let (value, rest) = split_quoted(text.trim_start().strip_prefix('"')?)?;
    Some(((value != "-" && !value.is_empty()).then_some(value), rest))
}

/// `10/Oct/2000:13:55:36 -0700` as Unix seconds.
fn clf_time(stamp: &str) -> Option<i64> {
    let (when, zone) = stamp.split_once(' ')?;
    let (date, clock) = when.split_once(':')?;
    let mut parts = date.split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    let days = days_from_civil(y.parse().ok()?, month_number(m)?, d.parse().ok()?)?;
    let offset = zone_offset(zone)?;
    Some(days * 86_400 + seconds_of_day(clock)? - offset)
}

/// `+hhmm` or `-hhmm` in seconds east of UTC.
fn zone_offset(zone: &str) -> Option<i64> {
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = zone
        .get(1..5)
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?;
    let (h, m): (i64, i64) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
    (zone.len() == 5 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests;
