use super::*;
use proptest::prelude::*;

fn param<'a>(member: &'a Member, key: &str) -> Option<&'a Item> {
    member.param(key)
}

#[test]
fn reads_every_value_the_edge_sends() {
    let table: [(&str, &[(&str, Item)]); 5] = [
        (
            "edgecache; hit; ttl=3591; key=\"/search/pcp?Keyword=flu\"",
            &[
                ("hit", Item::Boolean(true)),
                ("ttl", Item::Integer(3591)),
                ("key", Item::String("/search/pcp?Keyword=flu".into())),
            ],
        ),
        (
            "edgecache; fwd=stale; fwd-status=503; ttl=-30; detail=\"stale-if-error\"",
            &[
                ("fwd", Item::Token("stale".into())),
                ("fwd-status", Item::Integer(503)),
                ("ttl", Item::Integer(-30)),
                ("detail", Item::String("stale-if-error".into())),
            ],
        ),
        (
            "edgecache; fwd=uri-miss; stored; ttl=60",
            &[
                ("fwd", Item::Token("uri-miss".into())),
                ("stored", Item::Boolean(true)),
                ("ttl", Item::Integer(60)),
            ],
        ),
        (
            "edgecache; detail=\"method-not-allowed\"",
            &[("detail", Item::String("method-not-allowed".into()))],
        ),
        (
            r#"edgecache; key="a;b, \"c\" \\d"; x=?0; y=1.25; z=:aGk=:; d=@1795305600"#,
            &[
                ("key", Item::String(r#"a;b, "c" \d"#.into())),
                ("x", Item::Boolean(false)),
                ("y", Item::Decimal(1.25)),
                ("z", Item::Bytes("aGk=".into())),
                ("d", Item::Integer(1_795_305_600)),
            ],
        ),
    ];
    for (text, expected) in table {
        let members = parse(text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(members.len(), 1, "{text}");
        let member = &members[0];
        assert_eq!(member.cache, Some(Item::Token("edgecache".into())));
        for (key, value) in expected {
            assert_eq!(param(member, key), Some(value), "{text}: {key}");
        }
        assert_eq!(member.params.len(), expected.len(), "{text}");
    }
}

#[test]
fn picks_our_member_of_several_caches() {
    let members = parse(
        "Origin; hit, (a b);x, \"CDN Co\"; fwd=miss,edgecache; fwd=bypass; detail=\"method\"  ",
    )
    .unwrap();
    assert_eq!(members.len(), 4);
    assert_eq!(members[1].cache, None);
    let ours = member(&members, "edgecache").unwrap();
    assert_eq!(ours.param("detail").and_then(Item::text), Some("method"));
    let other = parse("Origin; hit, \"CDN Co\"; fwd=miss").unwrap();
    let last = member(&other, "edgecache").unwrap();
    assert_eq!(last.cache, Some(Item::String("CDN Co".into())));
    assert!(member(&[], "edgecache").is_none());
}

#[test]
fn a_repeated_parameter_keeps_its_last_value() {
    let members = parse("edgecache; ttl=1; ttl=2").unwrap();
    assert_eq!(members[0].params, [("ttl".to_string(), Item::Integer(2))]);
}

#[test]
fn refuses_what_rfc_8941_refuses() {
    let table = [
        "edgecache; Hit",
        "edgecache; ttl=1234567890123456",
        "edgecache; ttl=1.2345",
        "edgecache; ttl=1.2.3",
        "edgecache; ttl=-",
        "edgecache; detail=\"unterminated",
        "edgecache; detail=\"bad \\n escape\"",
        "edgecache; detail=\"tab\there\"",
        "edgecache,",
        "edgecache; x=?2",
        "edgecache; x=:abc",
        "edgecache; x=",
        "edgecache x",
        "(a b",
        "edgecache; é",
        "\"caf\u{e9}\"",
    ];
    for text in table {
        assert_eq!(parse(text), None, "{text}");
    }
    assert_eq!(parse(""), Some(Vec::new()));
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC{0,80}") {
        let _ = parse(&text);
    }

    #[test]
    fn never_panics_on_near_misses(text in "[a-z;=\"?:@(), 0-9.*\\\\-]{0,60}") {
        let _ = parse(&text);
    }
}
