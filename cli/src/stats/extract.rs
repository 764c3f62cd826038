//! Finding the edge's log lines in what operators pipe in, line by line:
//!
//! - (a) the line as the edge logs it, one JSON object;
//! - (b) `fastly log-tail` output: the Fastly CLI prints each message as
//!   `fmt.Sprintf("%6s | %8.8s | %s", stream, request ID, message)`, so
//!   `stdout | 0123abcd | {...}`, and with `--timestamps` an RFC 3339 time
//!   and ` | ` before that (github.com/fastly/cli,
//!   `pkg/commands/logtail/root.go`; Fastly's "Testing and debugging on
//!   the Compute platform" guide shows `stdout | d81ad0e4 | ...`);
//! - (c) `wrangler tail --format json` output: each tail event as
//!   `JSON.stringify(event, null, 2)`, pretty-printed over several lines
//!   (github.com/cloudflare/workers-sdk, `packages/wrangler/src/tail/printing.ts`,
//!   `jsonPrintLogs`), an object with `outcome`, `scriptName`,
//!   `exceptions`, `eventTimestamp` (milliseconds), `event`, and `logs`, whose
//!   entries hold `level`, `timestamp` (milliseconds) and `message`, the
//!   array of `console.log`'s arguments: our line, as a string
//!   (`TailEventMessage` in `packages/wrangler/src/tail/createTail.ts`);
//! - (d) files of Fastly logging endpoints: the message as written, after
//!   the endpoint's log line format prefix: none (`blank`), or a syslog
//!   one such as `classic`'s `<134>2016-07-04T22:37:26Z cache-sjc3128
//!   LogTest[62959]: ` (Fastly's "Changing log line formats" guide).
//!
//! A line that holds none of these is skipped, with a reason. A prefix
//! is whatever comes before the first `{` that starts a JSON object
//! running to the end of the line; its RFC 3339 time, if any, stands in
//! for a line without `time`, as a tail event's timestamps do.

use serde_json::{Map, Value};

use super::entry::{self, Entry, Line};
use crate::time::parse_rfc3339;

/// What a line (or a multi-line JSON text) gave.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Found {
    /// A request's log line.
    Request(Box<Entry>),
    /// An event's log line (`config-rejected`, `purge`): the whole object.
    Event {
        /// The input's line number, from 1 (a multi-line text's first).
        line: u64,
        /// The event's JSON object.
        value: Value,
    },
    /// Lines that hold no edgecache log line.
    Skipped {
        /// The first line's number, from 1.
        line: u64,
        /// How many lines.
        lines: u64,
        /// Why, in a few words.
        reason: &'static str,
    },
}

/// How many `{` of a line are tried as the start of a JSON object.
const MAX_ATTEMPTS: usize = 8;
/// The longest multi-line JSON text kept before it is skipped.
const MAX_BLOCK_BYTES: usize = 4 << 20;

/// Reads the lines of one input, keeping a multi-line JSON text (a
/// pretty-printed tail event) until it closes.
#[derive(Debug, Default)]
pub(crate) struct Extractor {
    block: Option<Block>,
}

/// A JSON text spread over lines, not closed yet.
#[derive(Debug)]
struct Block {
    text: String,
    first_line: u64,
    lines: u64,
    nesting: Nesting,
}

/// How deep in `{` and `[` a JSON text is, outside its strings.
#[derive(Debug, Default, Clone, Copy)]
struct Nesting {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl Nesting {
    fn scan(&mut self, text: &str) {
        for byte in text.bytes() {
            if self.in_string {
                match byte {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
    }

    fn open(&self) -> bool {
        self.depth > 0
    }
}

impl Extractor {
    /// Reads line `number` (from 1), adding what it gave to `out`.
    pub(crate) fn line(&mut self, number: u64, line: &str, out: &mut Vec<Found>) {
        if let Some(block) = &mut self.block {
            if continues(line) {
                block.push(line);
                if !block.nesting.open() {
                    self.close(out);
                } else if block.text.len() > MAX_BLOCK_BYTES {
                    self.abandon("a multi-line JSON text over 4 MiB", out);
                }
                return;
            }
            self.abandon("a JSON object cut short", out);
        }
        let text = line.trim();
        if text.is_empty() {
            return;
        }
        if text.starts_with('{') {
            let mut nesting = Nesting::default();
            nesting.scan(text);
            if nesting.open() {
                self.block = Some(Block {
                    text: text.to_string(),
                    first_line: number,
                    lines: 1,
                    nesting,
                });
                return;
            }
        }
        match find_object(text) {
            Some((prefix, object)) => found(number, 1, object, prefix_time(prefix), out),
            None => out.push(Found::Skipped {
                line: number,
                lines: 1,
                reason: "no JSON object in the line",
            }),
        }
    }

    /// The input ended: a JSON text still open is skipped.
    pub(crate) fn finish(&mut self, out: &mut Vec<Found>) {
        if self.block.is_some() {
            self.abandon("a JSON object cut short by the end of the input", out);
        }
    }

    fn close(&mut self, out: &mut Vec<Found>) {
        let Some(block) = self.block.take() else {
            return;
        };
        match serde_json::from_str::<Map<String, Value>>(&block.text) {
            Ok(object) => found(block.first_line, block.lines, object, None, out),
            Err(_) => out.push(Found::Skipped {
                line: block.first_line,
                lines: block.lines,
                reason: "a multi-line text that is not a JSON object",
            }),
        }
    }

    fn abandon(&mut self, reason: &'static str, out: &mut Vec<Found>) {
        if let Some(block) = self.block.take() {
            out.push(Found::Skipped {
                line: block.first_line,
                lines: block.lines,
                reason,
            });
        }
    }
}

/// Whether `line` can continue a pretty-printed JSON text: indented, or
/// closing it at the first column. Anything else (a new object at the first
/// column, a prefixed line) means the open text was cut short.
fn continues(line: &str) -> bool {
    line.starts_with([' ', '\t', '}', ']'])
}

impl Block {
    fn push(&mut self, line: &str) {
        self.text.push('\n');
        self.text.push_str(line);
        self.lines += 1;
        self.nesting.scan(line);
    }
}

/// The first JSON object running from a `{` to the end of `text`, and the
/// text before it.
fn find_object(text: &str) -> Option<(&str, Map<String, Value>)> {
    text.match_indices('{')
        .take(MAX_ATTEMPTS)
        .find_map(|(at, _)| {
            let object = serde_json::from_str(text.get(at..)?).ok()?;
            Some((text.get(..at)?, object))
        })
}

/// The first RFC 3339 time in a prefix, as Unix seconds: `2026-11-30T02:40:07Z | stdout | ...`,
/// `<134>2026-11-30T02:40:07Z cache-sjc3128 edgecache_log[1]: `.
fn prefix_time(prefix: &str) -> Option<i64> {
    prefix
        .split(|c: char| c.is_whitespace() || c == '|')
        .map(|word| match word.strip_prefix('<') {
            Some(rest) => rest.split_once('>').map_or(rest, |(_, after)| after),
            None => word,
        })
        .find_map(parse_rfc3339)
}

/// Adds what a whole JSON object (on `lines` lines from `line`) holds.
fn found(
    line: u64,
    lines: u64,
    object: Map<String, Value>,
    time: Option<i64>,
    out: &mut Vec<Found>,
) {
    let before = out.len();
    let reason = if is_tail_event(&object) {
        tail_event(line, &object, out);
        "a wrangler tail event without an edgecache log line"
    } else {
        ours(line, object, time, out);
        "a JSON object that is not an edgecache log line"
    };
    if out.len() == before {
        out.push(Found::Skipped {
            line,
            lines,
            reason,
        });
    }
}

/// Adds `object` if it is one of our lines.
fn ours(line: u64, object: Map<String, Value>, time: Option<i64>, out: &mut Vec<Found>) {
    match entry::read(&object, time) {
        Line::Request(entry) => out.push(Found::Request(entry)),
        Line::Event => out.push(Found::Event {
            line,
            value: Value::Object(object),
        }),
        Line::Other => {}
    }
}

/// Whether `object` is a Workers tail event rather than one of our lines.
fn is_tail_event(object: &Map<String, Value>) -> bool {
    object.get("logs").is_some_and(Value::is_array)
        && ["outcome", "eventTimestamp", "scriptName"]
            .iter()
            .any(|key| object.contains_key(*key))
}

/// Adds our lines among a tail event's `console.log` messages.
fn tail_event(line: u64, event: &Map<String, Value>, out: &mut Vec<Found>) {
    let event_time = event.get("eventTimestamp").and_then(millis);
    let logs = event.get("logs").and_then(Value::as_array);
    for log in logs.into_iter().flatten() {
        let time = log.get("timestamp").and_then(millis).or(event_time);
        let messages = log.get("message").and_then(Value::as_array);
        for message in messages.into_iter().flatten() {
            match message {
                Value::String(text) => {
                    if let Some((_, object)) = find_object(text.trim()) {
                        ours(line, object, time, out);
                    }
                }
                Value::Object(object) => ours(line, object.clone(), time, out),
                _ => {}
            }
        }
    }
}

/// Unix seconds of JavaScript milliseconds, within years 1 to 9999.
fn millis(value: &Value) -> Option<i64> {
    const YEAR_1: i64 = -62_135_596_800;
    const YEAR_10000: i64 = 253_402_300_800;
    let ms = value.as_f64()?;
    let seconds = (ms / 1000.0).floor();
    (YEAR_1 as f64..YEAR_10000 as f64)
        .contains(&seconds)
        .then_some(seconds as i64)
}

#[cfg(test)]
mod tests;
