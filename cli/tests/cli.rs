//! The `edgecache` binary end to end: golden outputs for `check` and
//! `explain` on `config/demo.json`, `simulate` and `generate` on logs
//! written here, `stats` on the edge's log lines in every shape operators
//! pipe in (`tests/fixtures/edge.log`), and `-` for standard input.
//!
//! Goldens live in `tests/golden/`; after an intended change, rewrite them
//! with `EDGECACHE_UPDATE_GOLDEN=1 cargo test -p edgecache-cli` and review
//! the diff.

// Tests may panic: a failed unwrap or expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write as _;
use std::process::Output;

use common::{edgecache, edgecache_with_stdin, golden, scratch, stderr, stdout};

const DEMO: &str = "../config/demo.json";
/// 2026-11-22T00:00:00Z, so that Expires and Age arithmetic is fixed.
const NOW: &str = "1795305600";

#[test]
fn check_accepts_the_demo_config() {
    let output = edgecache(&["check", DEMO]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    golden("check-demo.txt", &stdout(&output));
}

#[test]
fn check_prints_the_normalized_config() {
    let output = edgecache(&["check", DEMO, "--print"]);
    assert_eq!(output.status.code(), Some(0));
    golden("check-demo-print.txt", &stdout(&output));
}

#[test]
fn check_lists_every_problem_with_its_path_and_a_hint() {
    let output = edgecache(&["check", "tests/fixtures/bad.json"]);
    assert_eq!(output.status.code(), Some(1));
    golden("check-bad.txt", &stdout(&output));
    let json = edgecache(&["check", "tests/fixtures/bad.json", "--json"]);
    assert_eq!(json.status.code(), Some(1));
    golden("check-bad.json", &stdout(&json));
}

#[test]
fn check_names_each_platforms_store_limit_and_its_source() {
    for platform in ["fastly", "cloudflare"] {
        let output = edgecache(&["check", DEMO, "--platform", platform]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        golden(&format!("check-demo-{platform}.txt"), &stdout(&output));
    }
}

#[test]
fn check_refuses_a_configuration_too_large_for_the_store_and_says_to_embed_it() {
    let behaviors: Vec<String> = (0..400)
        .map(|i| format!(r#"{{"path_pattern": "/api/v{i}/items/*", "origin": "demo", "cache_policy": "media"}}"#))
        .collect();
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(DEMO).unwrap()).unwrap();
    doc["behaviors"] = serde_json::from_str(&format!("[{}]", behaviors.join(","))).unwrap();
    let file = scratch("large.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let file = file.to_str().unwrap();
    let output = edgecache(&["check", file, "--platform", "fastly", "--compile"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).is_empty(),
        "no form for a store it does not fit"
    );
    let report = stderr(&output);
    assert!(report.contains("over its 8000 limit"), "{report}");
    assert!(report.contains("make package CONFIG="), "{report}");
    let valid = edgecache(&["check", file]);
    assert_eq!(valid.status.code(), Some(0), "valid without a platform");
}

#[test]
fn check_compiles_the_form_a_config_store_holds() {
    let output = edgecache(&["check", DEMO, "--compile", "--platform", "fastly"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "the form alone on standard output");
    let read = edgecache_core::Config::from_document(text.trim()).unwrap();
    let json = edgecache_core::Config::from_json(&std::fs::read_to_string(DEMO).unwrap()).unwrap();
    assert_eq!(format!("{read:?}"), format!("{json:?}"));
    assert!(stderr(&output).contains("valid"));
}

#[test]
fn check_reports_an_unreadable_file_and_exits_2() {
    let output = edgecache(&["check", "tests/fixtures/absent.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("tests/fixtures/absent.json"));
}

#[test]
fn explain_a_search_with_reordered_and_tracking_parameters() {
    let url = "https://api.example.com/search/pcp?Zipcode=10001&Keyword=flu&utm_source=x";
    let output = edgecache(&["explain", DEMO, "GET", url, "--now", NOW]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    golden("explain-search.txt", &stdout(&output));
    let json = edgecache(&["explain", DEMO, "GET", url, "--now", NOW, "--json"]);
    golden("explain-search.json", &stdout(&json));
}

#[test]
fn explain_an_origin_that_decides_per_response() {
    let args = [
        "explain",
        DEMO,
        "GET",
        "https://api.example.com/products/42?utm_source=mail",
        "--now",
        NOW,
        "--response",
        "HTTP/1.1 200",
        "-R",
        "Cache-Control: public, max-age=604800",
        "-R",
        "Surrogate-Key: product-42 products",
        "-R",
        "ETag: \"v7\"",
        "-R",
        "Vary: Accept-Encoding",
    ];
    let output = edgecache(&args);
    golden("explain-products-public.txt", &stdout(&output));
}

#[test]
fn explain_why_a_response_was_not_stored() {
    let args = [
        "explain",
        DEMO,
        "GET",
        "https://api.example.com/products/7",
        "--now",
        NOW,
        "-H",
        "Cookie: session=secret",
        "--response",
        "HTTP/1.1 200",
        "-R",
        "Cache-Control: max-age=60",
        "-R",
        "Set-Cookie: session=abc",
    ];
    let output = edgecache(&args);
    let text = stdout(&output);
    assert!(text.contains("detail=\"set-cookie\""), "{text}");
    golden("explain-products-set-cookie.txt", &text);
}

#[test]
fn explain_a_method_the_behavior_passes_and_one_it_rejects() {
    let post = edgecache(&[
        "explain",
        DEMO,
        "POST",
        "/api/orders",
        "--now",
        NOW,
        "--response",
        "201",
    ]);
    golden("explain-post.txt", &stdout(&post));
    let delete = edgecache(&["explain", DEMO, "DELETE", "/media/a.mp3", "--now", NOW]);
    golden("explain-delete-media.txt", &stdout(&delete));
}

#[test]
fn explain_refuses_bad_arguments_clearly() {
    let output = edgecache(&["explain", DEMO, "GET", "/a", "-H", "no colon here"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("expected \"Name: value\""),
        "{}",
        stderr(&output)
    );
    let bad_config = edgecache(&["explain", "tests/fixtures/bad.json", "GET", "/a"]);
    assert_eq!(bad_config.status.code(), Some(2));
    assert!(
        stderr(&bad_config).contains("edgecache check"),
        "{}",
        stderr(&bad_config)
    );
}

#[test]
fn simulate_counts_malformed_lines_and_goes_on() {
    let log = scratch("mixed.log");
    std::fs::write(
        &log,
        concat!(
            "10.0.0.1 - - [01/Nov/2026:00:00:00 +0000] \"GET /media/a.mp3 HTTP/1.1\" 200 1000 \"-\" \"curl\"\n",
            "this is not a log line\n",
            "10.0.0.1 - - [01/Nov/2026:00:00:01 +0000] \"GET /media/a.mp3 HTTP/1.1\" 200 1000 \"-\" \"curl\"\n",
            "10.0.0.1 - - [31/Nov/2026:00:00:01 +0000] \"GET /media/a.mp3 HTTP/1.1\" 200 1000\n",
            "10.0.0.1 - - [01/Nov/2026:00:00:02 +0000] \"GET /media/a.mp3?v=2 HTTP/1.1\" 200 1000\n",
        ),
    )
    .unwrap();
    let output = edgecache(&["simulate", DEMO, log.to_str().unwrap(), "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["lines"], 5);
    assert_eq!(report["malformed_lines"], 2);
    assert_eq!(report["malformed_examples"][0]["line"], 2);
    assert_eq!(report["malformed_examples"][0]["reason"], "no [timestamp]");
    assert_eq!(
        report["malformed_examples"][1]["reason"],
        "timestamp is not dd/Mon/yyyy:HH:MM:SS +zzzz"
    );
    let media = &report["behaviors"][2];
    assert_eq!(media["pattern"], "/media/*");
    // The media policy keys no query: ?v=2 is a hit on the configured key,
    // a miss on the raw URL.
    assert_eq!(media["counts"]["requests"], 3);
    assert_eq!(media["counts"]["hits"], 2);
    assert_eq!(media["counts"]["raw_hits"], 1);
}

#[test]
fn simulate_names_a_truncated_gzip_file() {
    let whole = scratch("whole.log.gz");
    let generated = edgecache(&[
        "generate",
        "--requests",
        "20000",
        "-o",
        whole.to_str().unwrap(),
    ]);
    assert_eq!(generated.status.code(), Some(0), "{}", stderr(&generated));
    let bytes = std::fs::read(&whole).unwrap();
    let cut = scratch("cut.log.gz");
    std::fs::File::create(&cut)
        .unwrap()
        .write_all(&bytes[..bytes.len() / 2])
        .unwrap();
    let output = edgecache(&["simulate", DEMO, cut.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("cut.log.gz: the gzip stream is cut short or corrupt"),
        "{message}"
    );
}

#[test]
fn simulate_the_generated_workload_shows_the_case_studies() {
    let log = scratch("workload.log.gz");
    let svg = scratch("chart.svg");
    let generated = edgecache(&[
        "generate",
        "--requests",
        "200000",
        "-o",
        log.to_str().unwrap(),
    ]);
    assert_eq!(generated.status.code(), Some(0));
    let output = edgecache(&[
        "simulate",
        DEMO,
        log.to_str().unwrap(),
        "--json",
        "--svg",
        svg.to_str().unwrap(),
        "--assume",
        "/products/*=public, max-age=604800:70%",
        "--assume",
        "/products/*=no-cache:25%",
        "--assume",
        "/products/*=max-age=1:5%",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let ratio = |i: usize, field: &str| report["behaviors"][i][field].as_f64().unwrap();
    assert_eq!(report["malformed_lines"], 0);
    assert!(
        ratio(2, "hit_ratio") > 0.98,
        "media {}",
        ratio(2, "hit_ratio")
    );
    assert!(
        (0.62..0.80).contains(&ratio(3, "hit_ratio")),
        "products {}",
        ratio(3, "hit_ratio")
    );
    // Sorting and dropping tracking parameters is what makes search cacheable.
    assert!(ratio(0, "hit_ratio") > ratio(0, "raw_url_hit_ratio") + 0.2);
    assert_eq!(
        report["behaviors"][4]["reasons"]["method"]
            .as_u64()
            .map(|n| n > 0),
        Some(true)
    );
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(
        chart.starts_with("<svg") && chart.matches("<polyline").count() >= 4,
        "{chart}"
    );
}

#[test]
fn simulate_with_a_small_lru_hits_less() {
    let log = scratch("lru.log");
    let generated = edgecache(&[
        "generate",
        "--requests",
        "50000",
        "--format",
        "combined",
        "-o",
        log.to_str().unwrap(),
    ]);
    assert_eq!(generated.status.code(), Some(0));
    let hit_ratio = |extra: &[&str]| {
        let mut args = vec!["simulate", DEMO, log.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let output = edgecache(&args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        (
            report["total"]["hit_ratio"].as_f64().unwrap(),
            report["evictions"].as_u64().unwrap(),
        )
    };
    let (unbounded, none) = hit_ratio(&[]);
    let (small, evicted) = hit_ratio(&["--capacity", "100"]);
    let (bytes, _) = hit_ratio(&["--capacity", "50MB"]);
    assert_eq!(none, 0);
    assert!(evicted > 0 && small < unbounded, "{small} vs {unbounded}");
    assert!(bytes < unbounded);
}

#[test]
fn simulate_rejects_an_assumption_for_no_behavior() {
    let output = edgecache(&["simulate", DEMO, DEMO, "--assume", "/nope/*=no-cache"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("/search/pcp, /search/allergy, /media/*, /products/*, *"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn schema_describes_the_document_check_accepts() {
    let output = edgecache(&["schema"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let schema: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["title"], "edgecache configuration");
    assert_eq!(schema["additionalProperties"], false);
    let properties: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // Every key of the demo configuration is one the schema names, and a
    // document pointing at the schema is valid.
    let demo: serde_json::Value =
        serde_json::from_str(include_str!("../../config/demo.json")).unwrap();
    for key in demo.as_object().unwrap().keys() {
        assert!(properties.contains(&key.as_str()), "{key}");
    }
    let mut pointed = demo.clone();
    pointed["$schema"] = "./edgecache.schema.json".into();
    let path = scratch("pointed.json");
    std::fs::write(&path, pointed.to_string()).unwrap();
    let checked = edgecache(&["check", path.to_str().unwrap()]);
    assert!(checked.status.success(), "{}", stdout(&checked));
    let description =
        &schema["$defs"]["RawCachePolicy"]["properties"]["default_ttl"]["description"];
    assert!(description.as_str().is_some_and(|d| !d.is_empty()));
}

#[test]
fn check_reads_standard_input() {
    let demo = std::fs::read(DEMO).unwrap();
    let output = edgecache_with_stdin(&["check", "-"], &demo);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    golden("check-stdin.txt", &stdout(&output));
    let bad = std::fs::read("tests/fixtures/bad.json").unwrap();
    let output = edgecache_with_stdin(&["check", "-"], &bad);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with("standard input: 12 problems\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn explain_reads_the_configuration_from_standard_input() {
    let demo = std::fs::read(DEMO).unwrap();
    let output = edgecache_with_stdin(&["explain", "-", "GET", "/media/a.mp3"], &demo);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("/media/*"), "{}", stdout(&output));
    let bad = std::fs::read("tests/fixtures/bad.json").unwrap();
    let output = edgecache_with_stdin(&["explain", "-", "GET", "/a"], &bad);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.starts_with("edgecache: standard input: "),
        "{message}"
    );
    assert!(message.contains("`edgecache check -`"), "{message}");
}

/// The parts of a simulation's JSON that do not depend on timing or names.
fn replayed(output: &Output) -> serde_json::Value {
    assert_eq!(output.status.code(), Some(0), "{}", stderr(output));
    let report: serde_json::Value = serde_json::from_str(&stdout(output)).unwrap();
    serde_json::json!([
        report["lines"],
        report["malformed_lines"],
        report["behaviors"]
    ])
}

#[test]
fn simulate_reads_logs_or_the_configuration_from_standard_input() {
    let log = scratch("stdin.log.gz");
    let generated = edgecache(&[
        "generate",
        "--requests",
        "3000",
        "-o",
        log.to_str().unwrap(),
    ]);
    assert_eq!(generated.status.code(), Some(0), "{}", stderr(&generated));
    let from_file = edgecache(&["simulate", DEMO, log.to_str().unwrap(), "--json"]);
    let gzip = std::fs::read(&log).unwrap();
    assert_eq!(gzip[..2], [0x1f, 0x8b]);
    let piped = edgecache_with_stdin(&["simulate", DEMO, "-", "--json"], &gzip);
    assert_eq!(replayed(&piped), replayed(&from_file));
    let report: serde_json::Value = serde_json::from_str(&stdout(&piped)).unwrap();
    assert_eq!(report["files"], serde_json::json!(["standard input"]));

    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::MultiGzDecoder::new(gzip.as_slice()),
        &mut plain,
    )
    .unwrap();
    let piped_plain = edgecache_with_stdin(&["simulate", DEMO, "-", "--json"], &plain);
    assert_eq!(replayed(&piped_plain), replayed(&from_file));

    let demo = std::fs::read(DEMO).unwrap();
    let config_piped =
        edgecache_with_stdin(&["simulate", "-", log.to_str().unwrap(), "--json"], &demo);
    assert_eq!(replayed(&config_piped), replayed(&from_file));
}

#[test]
fn standard_input_is_read_once_per_command() {
    for args in [
        &["simulate", "-", "-"][..],
        &["simulate", DEMO, "-", "-"],
        &["stats", "-", "tests/fixtures/edge.log", "-"],
    ] {
        let output = edgecache_with_stdin(args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains("`-` (standard input) is given 2 times"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn stats_reads_every_shape_of_log_line() {
    let output = edgecache(&["stats", "tests/fixtures/edge.log"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    golden("stats-edge.txt", &stdout(&output));
    let svg = scratch("stats.svg");
    let json = edgecache(&[
        "stats",
        "tests/fixtures/edge.log",
        "--json",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    golden("stats-edge.json", &stdout(&json));
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let counts = &report["total"]["counts"];
    let outcomes = [
        "hits",
        "stale",
        "revalidated",
        "misses",
        "not_stored",
        "passes",
        "errors",
        "unknown",
    ];
    let sum: u64 = outcomes.iter().map(|o| counts[o].as_u64().unwrap()).sum();
    assert_eq!(sum, counts["requests"].as_u64().unwrap());
    assert_eq!(report["event_counts"]["config-rejected"], 1);
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg"), "{chart}");
    assert!(chart.contains("per behavior"), "{chart}");
    assert!(chart.matches("<polyline").count() >= 4, "{chart}");
}

#[test]
fn stats_reads_standard_input() {
    let log = std::fs::read("tests/fixtures/edge.log").unwrap();
    let expected = std::fs::read_to_string("tests/golden/stats-edge.txt")
        .unwrap()
        .replace("tests/fixtures/edge.log", "standard input");
    for args in [&["stats", "-"][..], &["stats"]] {
        let output = edgecache_with_stdin(args, &log);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout(&output), expected, "{args:?}");
    }
}

#[test]
fn stats_groups_by_pop() {
    let output = edgecache(&["stats", "tests/fixtures/edge.log", "--by", "pop", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let names: Vec<&str> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["FRA", "-", "AMS"]);
    assert_eq!(report["by"], "pop");
}
