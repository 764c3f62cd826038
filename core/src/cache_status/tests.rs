use super::*;
use crate::key::KeyBuilder;

fn key() -> CacheKey {
    let mut key = KeyBuilder::new(None, None, "/search/pcp");
    key.query_param("Keyword=flu", true);
    key.cookie("session", "s3cr3t");
    key.finish()
}

#[test]
fn words_every_outcome_like_cloudfront_and_rfc_9211() {
    let table = [
        (
            CacheOutcome::Hit {
                age: 5,
                remaining_ttl: 55,
            },
            "Hit from edgecache",
            "edgecache; hit; ttl=55",
            Some(5),
        ),
        (
            CacheOutcome::Stale {
                age: 70,
                remaining_ttl: -10,
                reason: StaleReason::WhileRevalidate,
            },
            "Hit from edgecache",
            r#"edgecache; hit; ttl=-10; detail="stale-while-revalidate""#,
            Some(70),
        ),
        (
            CacheOutcome::Stale {
                age: 70,
                remaining_ttl: -10,
                reason: StaleReason::OriginError { status: Some(503) },
            },
            "RefreshHit from edgecache",
            r#"edgecache; fwd=stale; fwd-status=503; ttl=-10; detail="stale-if-error""#,
            Some(70),
        ),
        (
            CacheOutcome::Revalidated {
                age: 0,
                remaining_ttl: 60,
                refreshed: Ok(()),
            },
            "RefreshHit from edgecache",
            "edgecache; fwd=stale; fwd-status=304; stored; ttl=60",
            Some(0),
        ),
        (
            CacheOutcome::Revalidated {
                age: 90,
                remaining_ttl: -30,
                refreshed: Err(PassReason::NoStore),
            },
            "RefreshHit from edgecache",
            r#"edgecache; fwd=stale; fwd-status=304; ttl=-30; detail="no-store""#,
            Some(90),
        ),
        (
            CacheOutcome::Miss {
                status: 200,
                stored: Ok((3600, TtlSource::MaxAge)),
            },
            "Miss from edgecache",
            r#"edgecache; fwd=miss; fwd-status=200; stored; ttl=3600; detail="max-age""#,
            None,
        ),
        (
            CacheOutcome::Miss {
                status: 404,
                stored: Ok((10, TtlSource::ErrorTtl)),
            },
            "Error from edgecache",
            r#"edgecache; fwd=miss; fwd-status=404; stored; ttl=10; detail="error-ttl""#,
            None,
        ),
        (
            CacheOutcome::Pass {
                status: 201,
                reason: PassReason::Method,
            },
            "Miss from edgecache",
            r#"edgecache; fwd=method; fwd-status=201; detail="method""#,
            None,
        ),
        (
            CacheOutcome::Pass {
                status: 200,
                reason: PassReason::CachingDisabled,
            },
            "Miss from edgecache",
            r#"edgecache; fwd=bypass; fwd-status=200; detail="caching-disabled""#,
            None,
        ),
        (
            CacheOutcome::OriginUnavailable {
                status: 504,
                detail: "origin-timeout",
            },
            "Error from edgecache",
            r#"edgecache; fwd=miss; detail="origin-timeout""#,
            None,
        ),
        (
            CacheOutcome::Rejected(Rejection::MethodNotAllowed),
            "Error from edgecache",
            r#"edgecache; detail="method-not-allowed""#,
            None,
        ),
    ];
    for (outcome, x_cache, cache_status, age) in table {
        let headers = outcome.headers(None);
        assert_eq!(headers.x_cache, x_cache, "{outcome:?}");
        assert_eq!(headers.cache_status, cache_status, "{outcome:?}");
        assert_eq!(headers.age, age, "{outcome:?}");
    }
}

#[test]
fn shows_the_key_with_secrets_hashed() {
    let status = CacheOutcome::Hit {
        age: 0,
        remaining_ttl: 1,
    }
    .cache_status(Some(&key()));
    assert!(
        status.starts_with(r#"edgecache; hit; ttl=1; key="/search/pcp?Keyword=flu c:session=~"#),
        "{status}"
    );
    assert!(!status.contains("s3cr3t"), "{status}");
}

#[test]
fn caps_age_at_two_to_the_31() {
    let headers = CacheOutcome::Hit {
        age: u64::MAX,
        remaining_ttl: 0,
    }
    .headers(None);
    assert_eq!(headers.age, Some(2_147_483_648));
}

#[test]
fn builds_stale_and_unavailable_outcomes() {
    let meta = crate::entry::EntryMeta::hit_for_pass(1_000);
    let reason = StaleReason::OriginError { status: Some(503) };
    assert_eq!(
        CacheOutcome::stale(&meta, 1_130, reason),
        CacheOutcome::Stale {
            age: 130,
            remaining_ttl: -10,
            reason
        }
    );
    assert_eq!(
        CacheOutcome::unavailable(OriginFailure::Timeout),
        CacheOutcome::OriginUnavailable {
            status: 504,
            detail: "origin-timeout"
        }
    );
}
