use super::*;

fn target_of(raw: &str) -> Result<PurgeTarget, String> {
    let body = serde_json::json!({ "paths": [raw] }).to_string();
    match parse_purge(body.as_bytes()) {
        Ok(mut request) => Ok(request.paths.remove(0)),
        Err(e) => Err(e.problems().join("; ")),
    }
}

#[test]
fn reads_paths_as_cloudfront_invalidation_paths() {
    let path = |p: &str| Ok(PurgeTarget::Path(p.to_string()));
    let prefix = |p: &str| Ok(PurgeTarget::Prefix(p.to_string()));
    let key = |p: &str, q: &str| {
        Ok(PurgeTarget::Key {
            path: p.to_string(),
            query: q.to_string(),
        })
    };
    let table: [(&str, Result<PurgeTarget, String>); 10] = [
        ("/products/42", path("/products/42")),
        ("/a/%7Eb/./c", path("/a/~b/c")),
        ("/Products/42", path("/Products/42")),
        ("/search/pcp?Keyword=flu", key("/search/pcp", "Keyword=flu")),
        ("/media/*", prefix("/media/")),
        ("/media/so*", prefix("/media/so")),
        ("/*", prefix("/")),
        ("media/*", Err("paths[0]: must start with /".into())),
        (
            "/me*dia/",
            Err("paths[0]: * may only be the last character".into()),
        ),
        (
            "/a?b=*",
            Err("paths[0]: a path with a query cannot end in *".into()),
        ),
    ];
    for (raw, want) in table {
        assert_eq!(target_of(raw), want, "{raw}");
    }
}

#[test]
fn names_every_problem_with_its_place() {
    let body = br#"{"paths": ["/ok", "bad", "/x*y"], "tags": ["good", "has space", ""]}"#;
    let Err(PurgeError::Malformed(problems)) = parse_purge(body) else {
        panic!("accepted");
    };
    assert_eq!(
        problems,
        [
            "paths[1]: must start with /",
            "paths[2]: * may only be the last character",
            "tags[1]: visible ASCII only, no spaces",
            "tags[2]: 1 to 1024 bytes",
        ]
    );
}

#[test]
fn refuses_unknown_fields_wrong_types_and_empty_requests() {
    let table: [(&[u8], &str); 5] = [
        (br#"{"path": ["/a"]}"#, "unknown field `path`"),
        (br#"{"paths": "/a"}"#, "paths: invalid type"),
        (br#"{"all": "yes"}"#, "all: invalid type"),
        (br#"{}"#, "body: name paths, tags"),
        (b"not json", "body: expected"),
    ];
    for (body, want) in table {
        let error = parse_purge(body).unwrap_err();
        assert_eq!(error.status(), 400);
        let problems = error.problems().join("; ");
        assert!(problems.contains(want), "{problems} lacks {want}");
    }
}

#[test]
fn limits_the_size_of_a_call() {
    let big = vec![b' '; MAX_PURGE_BODY + 1];
    assert_eq!(parse_purge(&big).unwrap_err(), PurgeError::TooLarge);
    assert_eq!(PurgeError::TooLarge.status(), 413);
    let paths: Vec<String> = (0..=MAX_PURGE_PATHS).map(|i| format!("/p/{i}")).collect();
    let body = serde_json::json!({ "paths": paths }).to_string();
    let problems = parse_purge(body.as_bytes()).unwrap_err().problems();
    assert_eq!(problems, ["paths: 257 paths, at most 256 per call"]);
}

#[test]
fn reads_all_and_soft() {
    let request = parse_purge(br#"{"all": true, "soft": true}"#).unwrap();
    assert!(request.all && request.soft);
    assert!(request.paths.is_empty() && request.tags.is_empty());
}

#[test]
fn authorizes_only_the_exact_bearer_token() {
    let token = b"demo-purge-token";
    let table: [(Option<&[u8]>, bool); 8] = [
        (Some(b"Bearer demo-purge-token"), true),
        (Some(b"bearer demo-purge-token"), true),
        (Some(b"  Bearer   demo-purge-token  "), true),
        (Some(b"Bearer demo-purge-token2"), false),
        (Some(b"Bearer demo"), false),
        (Some(b"Basic demo-purge-token"), false),
        (Some(b"demo-purge-token"), false),
        (None, false),
    ];
    for (header, want) in table {
        assert_eq!(authorized(header, token), want, "{header:?}");
    }
    assert!(!authorized(Some(b"Bearer "), b""));
}
