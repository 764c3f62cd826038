use super::*;
use crate::response::StoreDecision;
use crate::test_support::{demo_config, header_list, plan, viewer};

const STORED_AT: u64 = 1_700_000_000;

fn stored(policy_path: &str, response_lines: &[&str], request_lines: &[&str]) -> EntryMeta {
    let config = demo_config();
    let request = header_list(request_lines);
    let plan = plan(&config, &viewer("GET", policy_path, &request));
    let list = header_list(response_lines);
    let response = OriginResponse {
        status: 200,
        headers: Headers::new(&list),
    };
    match decide_response(&config, &plan, &response, STORED_AT) {
        ResponseDecision::Store(decision) => EntryMeta::new(&decision, 200, STORED_AT),
        ResponseDecision::Pass(reason) => panic!("passed: {reason}"),
    }
}

fn serving(meta: &EntryMeta, path: &str, request_lines: &[&str], now: u64) -> Serving {
    let config = demo_config();
    let request = header_list(request_lines);
    let plan = plan(&config, &viewer("GET", path, &request));
    decide_serving(meta, &plan, now)
}

#[test]
fn serves_fresh_then_stale_while_revalidating_then_revalidates() {
    let meta = stored(
        "/products/1",
        &[
            "Cache-Control: max-age=60, stale-while-revalidate=30, stale-if-error=300",
            "ETag: \"v1\"",
        ],
        &[],
    );
    let validators = Validators {
        etag: Some("\"v1\"".into()),
        last_modified: None,
    };
    let table = [
        (0, Serving::Fresh { age: 0 }),
        (59, Serving::Fresh { age: 59 }),
        (
            60,
            Serving::StaleWhileRevalidate {
                age: 60,
                validators: validators.clone(),
            },
        ),
        (
            89,
            Serving::StaleWhileRevalidate {
                age: 89,
                validators: validators.clone(),
            },
        ),
        (
            90,
            Serving::Revalidate {
                age: 90,
                validators: validators.clone(),
                stale_if_error: true,
            },
        ),
        (
            360,
            Serving::Revalidate {
                age: 360,
                validators: validators.clone(),
                stale_if_error: false,
            },
        ),
    ];
    for (after, want) in table {
        assert_eq!(
            serving(&meta, "/products/1", &[], STORED_AT + after),
            want,
            "+{after}s"
        );
    }
    assert!(usable_on_error(&meta, STORED_AT + 359));
    assert!(!usable_on_error(&meta, STORED_AT + 360));
}

#[test]
fn counts_age_from_the_origins_age_header() {
    let meta = stored(
        "/products/1",
        &["Cache-Control: max-age=60", "Age: 50"],
        &[],
    );
    assert_eq!(
        serving(&meta, "/products/1", &[], STORED_AT + 5),
        Serving::Fresh { age: 55 }
    );
    assert_eq!(meta.remaining_ttl(STORED_AT + 5), 5);
    assert_eq!(meta.remaining_ttl(STORED_AT + 20), -10);
    // A clock that went backwards does not make the entry younger than stored.
    assert_eq!(meta.age(STORED_AT - 100), 50);
}

#[test]
fn keeps_credentialed_requests_off_entries_that_do_not_allow_them() {
    let private_ok = stored("/products/1", &["Cache-Control: max-age=60"], &[]);
    let auth = ["Authorization: Bearer t"];
    assert_eq!(
        serving(&private_ok, "/products/1", &auth, STORED_AT),
        Serving::Unusable(PassReason::Authorization)
    );
    let public = stored("/products/1", &["Cache-Control: public, max-age=60"], &[]);
    assert_eq!(
        serving(&public, "/products/1", &auth, STORED_AT),
        Serving::Fresh { age: 0 }
    );
}

#[test]
fn selects_variants_by_normalized_vary_values() {
    let meta = stored(
        "/media/a.mp3",
        &["Cache-Control: max-age=60", "Vary: Accept-Encoding"],
        &["Accept-Encoding: gzip"],
    );
    let path = "/media/a.mp3";
    assert_eq!(
        serving(
            &meta,
            path,
            &["Accept-Encoding: GZIP;q=1, deflate"],
            STORED_AT
        ),
        Serving::Fresh { age: 0 }
    );
    assert_eq!(
        serving(&meta, path, &["Accept-Encoding: br"], STORED_AT),
        Serving::VaryMismatch
    );
    assert_eq!(serving(&meta, path, &[], STORED_AT), Serving::VaryMismatch);
}

#[test]
fn metadata_round_trips_and_rejects_garbage() {
    let meta = stored(
        "/products/1",
        &[
            "Cache-Control: max-age=60",
            "Surrogate-Key: p1",
            "ETag: \"x\"",
        ],
        &[],
    );
    assert_eq!(EntryMeta::from_bytes(&meta.to_bytes()).unwrap(), meta);
    assert!(EntryMeta::from_bytes(b"not json").is_err());
    let mut future = meta.clone();
    future.v = 2;
    let error = EntryMeta::from_bytes(&future.to_bytes()).unwrap_err();
    assert!(error.to_string().contains("version 2"), "{error}");
}

#[test]
fn offers_the_stored_validators_as_conditional_headers() {
    let validators = Validators {
        etag: Some("\"v1\"".into()),
        last_modified: Some("Tue, 14 Nov 2023 00:00:00 GMT".into()),
    };
    assert_eq!(
        conditional_headers(&validators),
        [
            ("if-none-match", "\"v1\""),
            ("if-modified-since", "Tue, 14 Nov 2023 00:00:00 GMT")
        ]
    );
    assert!(conditional_headers(&Validators::default()).is_empty());
}

#[test]
fn a_304_refreshes_the_stored_response() {
    let config = demo_config();
    let plan = plan(&config, &viewer("GET", "/products/1", &[]));
    let stored = header_list(&[
        "Content-Type: application/json",
        "Content-Length: 17",
        "Cache-Control: max-age=60",
        "ETag: \"v1\"",
    ]);
    let not_modified = header_list(&[
        "Cache-Control: max-age=600",
        "Content-Length: 0",
        "ETag: \"v1\"",
    ]);
    let merged = merge_not_modified(&Headers::new(&stored), &Headers::new(&not_modified));
    let merged = Headers::new(&merged);
    assert_eq!(merged.get_str("cache-control"), Some("max-age=600"));
    assert_eq!(merged.get_str("content-length"), Some("17"));
    assert_eq!(merged.get_str("content-type"), Some("application/json"));
    let ResponseDecision::Store(StoreDecision { ttl, .. }) =
        decide_revalidated(&config, &plan, 200, &merged, STORED_AT)
    else {
        panic!("not stored")
    };
    assert_eq!(ttl, 600);
}

#[test]
fn revalidate_stores_the_merged_head_with_the_new_ttl() {
    let config = demo_config();
    let plan = plan(&config, &viewer("GET", "/products/1", &[]));
    let stored_lines = header_list(&["Content-Length: 17", "Cache-Control: max-age=60"]);
    let stored = StoredHead::new(
        stored("/products/2", &["Cache-Control: max-age=60"], &[]),
        &Headers::new(&stored_lines),
        false,
    );
    let not_modified = header_list(&["Cache-Control: max-age=600", "ETag: \"v1\""]);
    let later = STORED_AT + 100;
    let Revalidation::Refresh { head, decision } =
        revalidate(&config, &plan, &stored, &Headers::new(&not_modified), later)
    else {
        panic!("not refreshed")
    };
    assert_eq!(decision.ttl, 600);
    assert_eq!(head.meta.stored_at, later);
    assert_eq!(head.meta.validators.etag.as_deref(), Some("\"v1\""));
    let headers = head.headers();
    assert!(headers.contains(&("Content-Length", b"17".to_vec())));
    assert!(headers.contains(&("Cache-Control", b"max-age=600".to_vec())));
}

#[test]
fn revalidate_keeps_the_entry_when_the_304_forbids_storing() {
    let config = demo_config();
    let plan = plan(&config, &viewer("GET", "/products/1", &[]));
    let stored = StoredHead::new(
        stored("/products/2", &["Cache-Control: max-age=60"], &[]),
        &Headers::default(),
        false,
    );
    let not_modified = header_list(&["Cache-Control: no-store"]);
    assert_eq!(
        revalidate(
            &config,
            &plan,
            &stored,
            &Headers::new(&not_modified),
            STORED_AT
        ),
        Revalidation::Keep(PassReason::NoStore)
    );
}

#[test]
fn recognizes_origin_failures() {
    for status in [500, 502, 503, 504] {
        assert!(is_origin_failure(status));
    }
    for status in [200, 404, 501, 505] {
        assert!(!is_origin_failure(status));
    }
}

/// RFC 9111 section 4.1: a header absent when the response was stored
/// only matches a request where it is absent too, so an anonymous page
/// varying on `Cookie` is not served to a signed-in viewer.
#[test]
fn vary_on_an_absent_cookie_does_not_match_a_present_one() {
    let config = crate::test_support::config_with(
        r#"{"default_ttl": 0}"#,
        r#"{"cookies": {"behavior": "all"}}"#,
        r#"{"domain": "a.example"}"#,
    );
    let anonymous = plan(&config, &viewer("GET", "/page", &[]));
    let list = header_list(&["Cache-Control: max-age=60", "Vary: Cookie"]);
    let response = OriginResponse {
        status: 200,
        headers: Headers::new(&list),
    };
    let ResponseDecision::Store(decision) =
        decide_response(&config, &anonymous, &response, STORED_AT)
    else {
        panic!("not stored")
    };
    assert_eq!(decision.vary.headers, [("cookie".to_string(), None)]);
    let meta = EntryMeta::new(&decision, 200, STORED_AT);
    let session = header_list(&["Cookie: session=abc"]);
    let signed_in = plan(&config, &viewer("GET", "/page", &session));
    assert_eq!(
        decide_serving(&meta, &signed_in, STORED_AT),
        Serving::VaryMismatch
    );
    assert_eq!(
        decide_serving(&meta, &anonymous, STORED_AT),
        Serving::Fresh { age: 0 }
    );
}

/// RFC 9111 section 4.3.4: after a 304, the stored `Age` and `Date` are
/// dropped and the age starts again from the 304's.
#[test]
fn a_304_resets_the_stored_age_and_date() {
    let stored = header_list(&[
        "Cache-Control: max-age=600",
        "Age: 500",
        "Date: Tue, 14 Nov 2023 00:00:00 GMT",
        "ETag: \"v1\"",
    ]);
    let bare = header_list(&["ETag: \"v1\""]);
    let merged = merge_not_modified(&Headers::new(&stored), &Headers::new(&bare));
    let merged = Headers::new(&merged);
    assert_eq!(merged.get_str("age"), None);
    assert_eq!(merged.get_str("date"), None);
    let with_age = header_list(&["Age: 7", "Date: Wed, 15 Nov 2023 00:00:00 GMT"]);
    let merged = merge_not_modified(&Headers::new(&stored), &Headers::new(&with_age));
    let merged = Headers::new(&merged);
    assert_eq!(merged.get_str("age"), Some("7"));
    assert_eq!(
        merged.get_str("date"),
        Some("Wed, 15 Nov 2023 00:00:00 GMT")
    );
}

#[test]
fn remaining_ttl_fits_a_structured_field_integer() {
    let mut meta = stored("/products/1", &["Cache-Control: max-age=60"], &[]);
    meta.ttl = u64::MAX;
    assert_eq!(meta.remaining_ttl(STORED_AT), 999_999_999_999_999);
    meta.ttl = 0;
    meta.initial_age = u64::MAX;
    assert_eq!(meta.remaining_ttl(STORED_AT), -999_999_999_999_999);
}

#[test]
fn a_hit_for_pass_marker_sends_requests_to_the_origin() {
    let marker = EntryMeta::hit_for_pass(STORED_AT);
    assert_eq!(marker.ttl, crate::entry::HIT_FOR_PASS_TTL);
    assert_eq!(
        serving(&marker, "/products/1", &[], STORED_AT + 1),
        Serving::HitForPass
    );
    assert_eq!(EntryMeta::from_bytes(&marker.to_bytes()).unwrap(), marker);
    // Ordinary entries do not carry the field at all.
    let entry = stored("/products/1", &["Cache-Control: max-age=60"], &[]);
    assert!(
        !String::from_utf8(entry.to_bytes())
            .unwrap()
            .contains("hit_for_pass")
    );
}

#[test]
fn only_response_reasons_record_hit_for_pass() {
    assert!(PassReason::SetCookie.records_hit_for_pass());
    assert!(PassReason::Private.records_hit_for_pass());
    assert!(!PassReason::Authorization.records_hit_for_pass());
    assert!(!PassReason::ErrorFromUnkeyedInput.records_hit_for_pass());
    assert!(!PassReason::EntryBusy.records_hit_for_pass());
}
