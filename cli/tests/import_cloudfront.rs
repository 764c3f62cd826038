//! `edgecache import cloudfront` end to end, on distributions written from
//! AWS's documentation examples (`tests/fixtures/cloudfront/`): the
//! configuration on standard output and the notes on standard error are
//! both goldens, and the configuration passes `edgecache check`.
//!
//! Goldens live in `tests/golden/`, as for `tests/cli.rs`; after an
//! intended change, rewrite them with `EDGECACHE_UPDATE_GOLDEN=1 cargo test
//! -p edgecache-cli` and review the diff.

// Tests may panic: a failed unwrap or expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{edgecache_with_stdin, golden, scratch};

const FIXTURES: &str = "tests/fixtures/cloudfront";

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// Runs the binary, with `input` on its standard input when given.
fn edgecache(args: &[&str], input: Option<&[u8]>) -> std::process::Output {
    edgecache_with_stdin(args, input.unwrap_or_default())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Imports, checks the exit status, compares both streams with their
/// goldens (`<name>.json`, `<name>.txt`), and has `edgecache check`
/// accept the configuration.
fn imports(args: &[&str], input: Option<&[u8]>, name: &str) {
    let mut all = vec!["import", "cloudfront"];
    all.extend_from_slice(args);
    let output = edgecache(&all, input);
    let (config, notes) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{notes}");
    golden(&format!("{name}.json"), &config);
    golden(&format!("{name}.txt"), &notes);
    let written = scratch(&format!("{name}.json"));
    std::fs::write(&written, &config).unwrap();
    let check = edgecache(&["check", written.to_str().unwrap()], None);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}

#[test]
fn a_distribution_with_managed_and_custom_policies() {
    let distribution = fixture("modern.json");
    let cache_policy = fixture("cache-policy-search.json");
    let request_policy = fixture("origin-request-policy-search.json");
    let args = [
        distribution.as_str(),
        "--cache-policy",
        &cache_policy,
        "--origin-request-policy",
        &request_policy,
    ];
    imports(&args, None, "import-cloudfront-modern");
}

#[test]
fn legacy_settings_keying_a_whitelist_of_search_parameters_from_standard_input() {
    let distribution =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture("healthcare.json")))
            .unwrap();
    imports(&["-"], Some(&distribution), "import-cloudfront-healthcare");
}

#[test]
fn what_edgecache_cannot_carry_over_is_noted_on_standard_error() {
    let distribution = fixture("s3-lambda-geo.json");
    imports(&[&distribution], None, "import-cloudfront-s3-lambda-geo");
}

#[test]
fn a_custom_policy_not_given_names_its_id_and_the_flag_to_pass() {
    let distribution = fixture("modern.json");
    let request_policy = fixture("origin-request-policy-search.json");
    let args = [
        "import",
        "cloudfront",
        &distribution,
        "--origin-request-policy",
        &request_policy,
    ];
    let output = edgecache(&args, None);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let message = text(&output.stderr);
    assert!(
        message.starts_with(
            "edgecache: DistributionConfig.CacheBehaviors.Items[0].CachePolicyId: cache policy \
             4ab5e2c0-9d1f-4c4c-8b3e-2f6d1a7c9e10 is not a managed one"
        ),
        "{message}"
    );
    assert!(
        message.contains("`--cache-policy 4ab5e2c0-9d1f-4c4c-8b3e-2f6d1a7c9e10.json`"),
        "{message}"
    );
}

#[test]
fn what_is_not_a_distribution_is_refused_clearly() {
    let policy = fixture("cache-policy-search.json");
    let output = edgecache(&["import", "cloudfront", &policy], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr)
            .contains("expected the output of `aws cloudfront get-distribution-config`"),
        "{}",
        text(&output.stderr)
    );
    let distribution = fixture("modern.json");
    let swapped = edgecache(
        &[
            "import",
            "cloudfront",
            &distribution,
            "--cache-policy",
            &fixture("origin-request-policy-search.json"),
        ],
        None,
    );
    assert_eq!(swapped.status.code(), Some(2));
    assert!(
        text(&swapped.stderr).contains("give it with --origin-request-policy"),
        "{}",
        text(&swapped.stderr)
    );
}
