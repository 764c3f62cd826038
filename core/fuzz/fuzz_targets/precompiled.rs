//! Reading a precompiled configuration from arbitrary bytes after a valid
//! header (a damaged or forged config store document).
//!
//! Invariants: reading never panics, and a form that reads back decides a
//! few plain requests without panicking (every index it holds resolves).
//! Nothing more: a forged form is trusted as a JSON document from the same
//! store would be (its origin may name a host no request can reach), and
//! store documents carry a checksum against damage.

#![no_main]

use edgecache_core::config::precompiled_header;
use edgecache_core::{Config, Disposition, RequestDecision, ViewerRequest, decide_request};
use edgecache_core_fuzz::with_precompiled;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = precompiled_header();
    bytes.extend_from_slice(data);
    with_precompiled(&bytes, |read| {
        if let Ok(config) = read {
            decide(&config);
        }
    });
});

fn decide(config: &Config) {
    for target in ["/", "/a/b?x=1&y=2", "/static/app.js", "/.edgecache/purge"] {
        for method in ["GET", "POST"] {
            let viewer = ViewerRequest::new(method, target).host("edge.example.com");
            if let RequestDecision::Forward(plan) = decide_request(config, &viewer) {
                if let Disposition::Lookup(key) = &plan.disposition {
                    std::hint::black_box(key.hash_hex());
                }
                std::hint::black_box(plan.origin_request.url.len());
            }
        }
    }
}
