//! Stored metadata read back from a platform's cache, which may hold
//! anything (an older format, damage, another tenant's bytes):
//! `StoredHead::from_bytes`, `StoredHead::from_header_value` and
//! `EntryMeta::from_bytes`, then serving what was read.
//!
//! The input is the stored bytes as they are (for the header value form,
//! read as text, invalid UTF-8 replaced).
//!
//! Invariants: reading never panics; what reads back writes back
//! (`to_bytes`, `to_header_value`) to an equal value, and the header value
//! is printable ASCII; the metadata's clock arithmetic holds at any `now`;
//! a head served from the cache at any `now` gives a well-formed reply
//! (a byte range within the body, Content-Range only with 206 and 416).

#![no_main]

use edgecache_core::flow::{self, AfterLookup, BodyPart, Entry, Found, Start, Write};
use edgecache_core::{EntryMeta, Headers, StoredHead, ViewerRequest};
use edgecache_core_fuzz::{DEMO, RICH, check_finish, is_printable, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(meta) = EntryMeta::from_bytes(data) {
        assert_eq!(
            EntryMeta::from_bytes(&meta.to_bytes()).ok().as_ref(),
            Some(&meta)
        );
        check_meta(&meta);
    }
    let heads = [
        StoredHead::from_bytes(data).ok(),
        StoredHead::from_header_value(&text(data)).ok(),
    ];
    for head in heads.into_iter().flatten() {
        check_head(&head);
    }
});

fn check_meta(meta: &EntryMeta) {
    for now in [
        0,
        meta.stored_at,
        meta.stored_at.saturating_add(meta.ttl),
        u64::MAX,
    ] {
        let age = meta.age(now);
        assert!(age >= meta.initial_age, "age {age} below the initial age");
        let remaining = meta.remaining_ttl(now);
        assert!(
            remaining.unsigned_abs() <= 999_999_999_999_999,
            "remaining TTL {remaining}"
        );
        let purged = meta.soft_purged(now);
        assert!(purged.ttl <= meta.ttl, "a soft purge extended the TTL");
        assert!(
            purged.remaining_ttl(now) <= 0,
            "fresh right after a soft purge"
        );
    }
}

fn check_head(head: &StoredHead) {
    assert_eq!(
        StoredHead::from_bytes(&head.to_bytes()).ok().as_ref(),
        Some(head)
    );
    let value = head.to_header_value();
    assert!(
        is_printable(&value),
        "header value form not printable: {value:?}"
    );
    assert_eq!(
        StoredHead::from_header_value(&value).ok().as_ref(),
        Some(head)
    );
    check_meta(&head.meta);
    let headers = head.headers();
    let list: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    // The head as stored again from its own headers keeps no more of
    // them, but a Date where it had none (a stored answer carries one).
    let again = StoredHead::new(head.meta.clone(), &Headers::new(&list), false);
    let dated =
        !head.meta.hit_for_pass && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("date"));
    assert!(again.headers().len() <= headers.len() + usize::from(dated));

    // Served from the cache, for a plain GET and for a range of it.
    let ranged = [
        ("range", b"bytes=2-5".as_slice()),
        ("if-range", b"\"v1\"".as_slice()),
    ];
    for config in [&*DEMO, &*RICH] {
        for (target, viewer_headers) in
            [("/products/1", &ranged[..0]), ("/media/a.mp3", &ranged[..])]
        {
            for now in [
                head.meta.stored_at,
                head.meta.stored_at.saturating_add(3_600),
            ] {
                let viewer = ViewerRequest::new("GET", target)
                    .host("edge.example.com")
                    .headers(Headers::new(viewer_headers));
                let Start::Lookup(lookup) = flow::start(config, &viewer, now) else {
                    continue;
                };
                let found = Found::Entry(Entry::new(head.clone()));
                let serve = match lookup.found(found, Write::Held) {
                    AfterLookup::Serve(serve) | AfterLookup::ServeStale(serve, _) => serve,
                    AfterLookup::Fetch(fetch) => {
                        let _ = fetch.request();
                        continue;
                    }
                    AfterLookup::Claim(_) | AfterLookup::Wait(_) => {
                        panic!("a claim or a wait though the write is held")
                    }
                };
                check_finish(serve.finish(), head.meta.status);
                for length in [None, Some(0), Some(4), Some(100)] {
                    let reply = serve.reply(length);
                    let ranged = reply.headers.iter().any(|(n, _)| n == "content-range");
                    match reply.body {
                        BodyPart::Whole => {
                            assert_eq!(reply.status, head.meta.status);
                        }
                        BodyPart::Range { start, end } => {
                            assert_eq!(reply.status, 206);
                            assert!(ranged, "a 206 without Content-Range");
                            let length = length.expect("a range of a body of unknown length");
                            assert!(start <= end && end < length, "{start}-{end} of {length}");
                        }
                        BodyPart::Empty => {
                            assert_eq!(reply.status, 416);
                            assert!(ranged, "a 416 without Content-Range");
                        }
                    }
                }
            }
        }
    }
}
