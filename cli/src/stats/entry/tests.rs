use super::*;
use serde_json::json;

fn entry(value: Value) -> Entry {
    let Value::Object(object) = value else {
        panic!("not an object");
    };
    match read(&object, Some(7)) {
        Line::Request(entry) => *entry,
        other => panic!("{other:?}"),
    }
}

#[test]
fn classifies_every_outcome_core_logs() {
    use Outcome::*;
    /// `X-Cache`, `Cache-Status`, then the outcome, reason and TTL source read.
    type Case = (
        &'static str,
        &'static str,
        Outcome,
        Option<&'static str>,
        Option<&'static str>,
    );
    let table: [Case; 16] = [
        (
            "Hit from edgecache",
            "edgecache; hit; ttl=3591; key=\"/a\"",
            Hit,
            None,
            None,
        ),
        (
            "Hit from edgecache",
            "edgecache; hit; ttl=-10; detail=\"stale-while-revalidate\"",
            Stale,
            None,
            None,
        ),
        (
            "RefreshHit from edgecache",
            "edgecache; fwd=stale; fwd-status=304; stored; ttl=60",
            Revalidated,
            None,
            None,
        ),
        (
            "RefreshHit from edgecache",
            "edgecache; fwd=stale; fwd-status=304; ttl=-20; detail=\"no-store\"",
            Revalidated,
            Some("no-store"),
            None,
        ),
        (
            "RefreshHit from edgecache",
            "edgecache; fwd=stale; fwd-status=503; ttl=-30; detail=\"stale-if-error\"",
            Stale,
            None,
            None,
        ),
        (
            "RefreshHit from edgecache",
            "edgecache; fwd=stale; ttl=-30; detail=\"stale-if-error\"",
            Stale,
            None,
            None,
        ),
        (
            "Miss from edgecache",
            "edgecache; fwd=miss; fwd-status=200; stored; ttl=3600; detail=\"max-age\"",
            Miss,
            None,
            Some("max-age"),
        ),
        (
            "Miss from edgecache",
            "edgecache; fwd=uri-miss; fwd-status=200; stored; ttl=3600",
            Miss,
            None,
            None,
        ),
        (
            "Miss from edgecache",
            "edgecache; fwd=miss; fwd-status=200; detail=\"set-cookie\"",
            NotStored,
            Some("set-cookie"),
            None,
        ),
        (
            "Miss from edgecache",
            "edgecache; fwd=vary-miss; fwd-status=200",
            NotStored,
            Some("vary-miss"),
            None,
        ),
        (
            "Error from edgecache",
            "edgecache; fwd=miss; fwd-status=503; stored; ttl=5; detail=\"error-ttl\"",
            Miss,
            None,
            Some("error-ttl"),
        ),
        (
            "Miss from edgecache",
            "edgecache; fwd=method; fwd-status=201; detail=\"method\"",
            Pass,
            Some("method"),
            None,
        ),
        (
            "Miss from edgecache",
            "edgecache; fwd=bypass",
            Pass,
            Some("bypass"),
            None,
        ),
        (
            "Error from edgecache",
            "edgecache; fwd=miss; detail=\"origin-timeout\"",
            Error,
            Some("origin-timeout"),
            None,
        ),
        (
            "Error from edgecache",
            "edgecache; detail=\"method-not-allowed\"",
            Error,
            Some("method-not-allowed"),
            None,
        ),
        ("Hit from edgecache", "edgecache", Unknown, None, None),
    ];
    for (x_cache, cache_status, outcome, reason, stored_by) in table {
        let got = entry(json!({"x_cache": x_cache, "cache_status": cache_status}));
        assert_eq!(got.outcome, outcome, "{cache_status}");
        assert_eq!(got.reason.as_deref(), reason, "{cache_status}");
        assert_eq!(got.stored_by.as_deref(), stored_by, "{cache_status}");
    }
}

#[test]
fn falls_back_on_x_cache_when_cache_status_cannot_be_read() {
    let table = [
        ("Hit from edgecache", Outcome::Hit),
        ("RefreshHit from edgecache", Outcome::Revalidated),
        ("Miss from cloudfront", Outcome::Miss),
        ("Error from edgecache", Outcome::Error),
        ("LimitExceeded from edgecache", Outcome::Unknown),
        ("", Outcome::Unknown),
    ];
    for (x_cache, outcome) in table {
        let got = entry(json!({"x_cache": x_cache, "cache_status": "edgecache; Bad"}));
        assert_eq!(got.outcome, outcome, "{x_cache}");
        let alone = entry(json!({"x_cache": x_cache}));
        assert_eq!(alone.outcome, outcome, "{x_cache}");
    }
    let other_cache =
        entry(json!({"cache_status": "Origin; hit, other; fwd=miss; fwd-status=200"}));
    assert_eq!(other_cache.outcome, Outcome::NotStored);
}

#[test]
fn reads_the_fields_leniently() {
    let got = entry(json!({
        "time": "2026-11-30T02:40:07Z", "host": "api.example.com", "pop": null,
        "behavior": "/media/*", "cache_status": "edgecache; hit", "status": 206,
        "bytes": 1000, "origin_ms": null, "body_cut": "the body ended at 5 of 9 declared bytes",
        "new_field": {"any": "thing"}
    }));
    assert_eq!(got.time, Some(1_796_006_407));
    assert_eq!(got.host.as_deref(), Some("api.example.com"));
    assert_eq!(got.pop, None);
    assert_eq!(got.behavior.as_deref(), Some("/media/*"));
    assert_eq!(
        (got.status, got.bytes, got.origin, got.body_cut),
        (Some(206), Some(1000), false, true)
    );
    let odd = entry(json!({
        "time": 5, "cache_status": "edgecache; fwd=miss; fwd-status=200; stored",
        "status": 70000, "bytes": -1, "origin_ms": 0, "pop": 3
    }));
    assert_eq!(
        (odd.time, odd.status, odd.bytes, odd.origin, odd.pop),
        (Some(7), None, None, true, None)
    );
}

#[test]
fn tells_events_and_other_objects() {
    let read_value = |value: Value| match value {
        Value::Object(object) => read(&object, None),
        _ => Line::Other,
    };
    assert_eq!(
        read_value(json!({"event": "config-rejected", "x_cache": "Hit"})),
        Line::Event
    );
    assert_eq!(read_value(json!({"event": {"request": {}}})), Line::Other);
    assert_eq!(
        read_value(json!({"method": "GET", "status": 200})),
        Line::Other
    );
}
