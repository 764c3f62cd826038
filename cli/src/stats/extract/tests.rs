use proptest::prelude::*;

use super::*;
use crate::stats::entry::Outcome;

/// 2026-11-30T02:40:07Z.
const T: i64 = 1_796_006_407;

const LINE: &str = r#"{"time":"2026-11-30T02:40:07Z","host":"api.example.com","pop":"FRA","platform":"fastly","method":"GET","path":"/media/a.mp3","behavior":"/media/*","key_hash":"ab12","x_cache":"Hit from edgecache","cache_status":"edgecache; hit; ttl=3591","status":200,"bytes":1000,"ttl":3591,"origin_ms":null}"#;
const UNTIMED: &str = r#"{"method":"GET","path":"/a","behavior":"*","x_cache":"Miss from edgecache","cache_status":"edgecache; fwd=method; fwd-status=201; detail=\"method\"","status":201,"origin_ms":12}"#;

const WRANGLER: &str = r#"{
  "outcome": "ok",
  "scriptName": "edgecache",
  "diagnosticsChannelEvents": [],
  "exceptions": [],
  "logs": [
    {
      "message": [
        "{\"method\":\"GET\",\"path\":\"/a\",\"behavior\":\"*\",\"x_cache\":\"Hit from edgecache\",\"cache_status\":\"edgecache; hit; ttl=5\",\"status\":200,\"origin_ms\":null}"
      ],
      "level": "log",
      "timestamp": 1796006467123
    }
  ],
  "eventTimestamp": 1796006400000,
  "event": {
    "request": {
      "url": "https://api.example.com/a",
      "method": "GET",
      "headers": {"x-brace": "{["}
    }
  }
}"#;

/// What a test expects of one [`Found`].
#[derive(Debug, PartialEq)]
enum Expect {
    Request(Outcome, Option<i64>),
    Event(&'static str, u64),
    Skipped(u64, u64, &'static str),
}

fn expect(found: &Found) -> Expect {
    match found {
        Found::Request(entry) => Expect::Request(entry.outcome, entry.time),
        Found::Event { line, value } => {
            let name = match value["event"].as_str() {
                Some("config-rejected") => "config-rejected",
                Some("purge") => "purge",
                _ => "other",
            };
            Expect::Event(name, *line)
        }
        Found::Skipped {
            line,
            lines,
            reason,
        } => Expect::Skipped(*line, *lines, reason),
    }
}

fn extract(text: &str) -> Vec<Expect> {
    let mut extractor = Extractor::default();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        extractor.line(i as u64 + 1, line, &mut out);
    }
    extractor.finish(&mut out);
    out.iter().map(expect).collect()
}

#[test]
fn finds_our_line_in_every_shape() {
    use Expect::*;
    let table: Vec<(&str, String, Vec<Expect>)> = vec![
        ("as logged", LINE.to_string(), vec![Request(Outcome::Hit, Some(T))]),
        (
            "fastly log-tail",
            format!("stdout | 0123abcd | {UNTIMED}"),
            vec![Request(Outcome::Pass, None)],
        ),
        (
            "fastly log-tail --timestamps",
            format!("2026-11-30T02:41:07Z | stdout | 0123abcd | {UNTIMED}"),
            vec![Request(Outcome::Pass, Some(T + 60))],
        ),
        (
            "the line's own time wins over the prefix's",
            format!("2026-11-30T02:41:07Z | stderr | 0123abcd | {LINE}"),
            vec![Request(Outcome::Hit, Some(T))],
        ),
        (
            "classic syslog prefix",
            format!("<134>2026-11-30T02:42:07Z cache-fra19128 edgecache_log[4711]: {UNTIMED}"),
            vec![Request(Outcome::Pass, Some(T + 120))],
        ),
        (
            "RFC 5424 prefix",
            format!("<134>1 2026-11-30T02:43:07Z cache-fra19128 edgecache_log - - - {UNTIMED}"),
            vec![Request(Outcome::Pass, Some(T + 180))],
        ),
        (
            "a brace in the prefix",
            format!("stdout | {{weird | {LINE}"),
            vec![Request(Outcome::Hit, Some(T))],
        ),
        (
            "wrangler tail --format json, pretty-printed",
            WRANGLER.to_string(),
            vec![Request(Outcome::Hit, Some(T + 60))],
        ),
        (
            "wrangler tail, one line, the event's time",
            r#"{"outcome":"ok","logs":[{"message":["edgecache:",{"cache_status":"edgecache; hit","behavior":"*"},"not json"],"level":"log"}],"eventTimestamp":1796006407000}"#.to_string(),
            vec![Request(Outcome::Hit, Some(T))],
        ),
        (
            "wrangler tail event without our line",
            "{\n  \"outcome\": \"exception\",\n  \"logs\": [],\n  \"exceptions\": [{\"name\": \"Error\"}],\n  \"eventTimestamp\": 1\n}".to_string(),
            vec![Skipped(1, 6, "a wrangler tail event without an edgecache log line")],
        ),
        (
            "events, bare and prefixed",
            r#"{"event":"config-rejected","source":"config store edgecache/config","errors":["x"]}
stdout | 0123abcd | {"event":"purge","status":202}"#.to_string(),
            vec![Event("config-rejected", 1), Event("purge", 2)],
        ),
        (
            "blank lines are nothing",
            format!("\n   \n{LINE}\n\n"),
            vec![Request(Outcome::Hit, Some(T))],
        ),
        (
            "text, and JSON that is not ours",
            "Successfully created tail\n{\"level\":\"info\",\"msg\":\"x\"}\n[1,2]\n{\"a\":1} trailing".to_string(),
            vec![
                Skipped(1, 1, "no JSON object in the line"),
                Skipped(2, 1, "a JSON object that is not an edgecache log line"),
                Skipped(3, 1, "no JSON object in the line"),
                Skipped(4, 1, "no JSON object in the line"),
            ],
        ),
        (
            "a line cut short, then a whole one",
            format!("{}\n{LINE}", &LINE[..40]),
            vec![
                Skipped(1, 1, "a JSON object cut short"),
                Request(Outcome::Hit, Some(T)),
            ],
        ),
        (
            "a stray brace does not swallow prefixed lines",
            format!("{{ not json\nstdout | 0123abcd | {LINE}"),
            vec![
                Skipped(1, 1, "a JSON object cut short"),
                Request(Outcome::Hit, Some(T)),
            ],
        ),
        (
            "a pretty-printed event cut by the end of the input",
            WRANGLER.lines().take(8).collect::<Vec<_>>().join("\n"),
            vec![Skipped(1, 8, "a JSON object cut short by the end of the input")],
        ),
        (
            "a pretty-printed text that does not parse",
            "{\n  \"a\": nope\n}".to_string(),
            vec![Skipped(1, 3, "a multi-line text that is not a JSON object")],
        ),
    ];
    for (name, text, expected) in table {
        assert_eq!(extract(&text), expected, "{name}");
    }
}

#[test]
fn a_tail_event_may_hold_several_lines() {
    let event = r#"{"outcome":"ok","logs":[{"message":["{\"cache_status\":\"edgecache; hit\"}"],"timestamp":0},{"message":["{\"event\":\"purge\"}","{\"x_cache\":\"Miss from edgecache\"}"]}],"eventTimestamp":1796006407000}"#;
    assert_eq!(
        extract(event),
        [
            Expect::Request(Outcome::Hit, Some(0)),
            Expect::Event("purge", 1),
            Expect::Request(Outcome::Miss, Some(T)),
        ]
    );
}

#[test]
fn reads_javascript_milliseconds() {
    let table = [
        (serde_json::json!(1_796_006_407_999_u64), Some(T)),
        (serde_json::json!(-1), Some(-1)),
        (serde_json::json!(1e300), None),
        (serde_json::json!("1796006407000"), None),
    ];
    for (value, seconds) in table {
        assert_eq!(millis(&value), seconds, "{value}");
    }
}

fn any_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[{}\\[\\]\" :,a-z0-9\\\\|<>-]{0,40}",
        Just(LINE.to_string()),
        Just(format!("stdout | 0123abcd | {UNTIMED}")),
        Just("{".to_string()),
        Just("  \"logs\": [".to_string()),
        Just("}".to_string()),
    ]
}

proptest! {
    #[test]
    fn never_panics_on_any_lines(lines in proptest::collection::vec(any_line(), 0..12)) {
        let mut extractor = Extractor::default();
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            extractor.line(i as u64 + 1, line, &mut out);
        }
        extractor.finish(&mut out);
        let skipped: u64 = out.iter().map(|f| match f {
            Found::Skipped { lines, .. } => *lines,
            _ => 0,
        }).sum();
        prop_assert!(skipped <= lines.len() as u64);
    }

    #[test]
    fn never_panics_on_a_cut_wrangler_event(cut in 0..WRANGLER.len(), tail in "\\PC{0,20}") {
        let text = format!("{}{tail}", WRANGLER.get(..cut).unwrap_or_default());
        let _ = extract(&text);
    }
}
