//! One-line hints for configuration errors: what the field at an error's
//! JSON path expects, with an example. Keyed by the field's name, and by
//! the section it is in where one name means two things (`headers` of a
//! cache policy or of an origin request policy, `path` of an origin or of
//! the invalidation API).

/// Top-level sections whose members are named by the user.
const NAMED_SECTIONS: [&str; 4] = [
    "origins",
    "cache_policies",
    "origin_request_policies",
    "error_caching_min_ttl",
];

/// `section.field` entries first, then plain fields.
const HINTS: &[(&str, &str)] = &[
    (
        "$",
        "the file is one JSON object: origins, cache_policies and default_behavior are required (see config/demo.json)",
    ),
    (
        "origins",
        "named origins, e.g. {\"api\": {\"domain\": \"api.example.com\"}}",
    ),
    (
        "cache_policies",
        "named cache policies, e.g. {\"media\": {\"default_ttl\": 86400}}",
    ),
    (
        "origin_request_policies",
        "named origin request policies, e.g. {\"all-query\": {\"query_strings\": {\"behavior\": \"all\"}}}",
    ),
    (
        "behaviors",
        "a list of behaviors, tried in order: the first whose path_pattern matches wins",
    ),
    (
        "default_behavior",
        "the behavior for paths no pattern matches: origin and cache_policy, without path_pattern",
    ),
    (
        "error_caching_min_ttl",
        "seconds per error status, e.g. {\"404\": 10, \"503\": 5}",
    ),
    (
        "invalidation.path",
        "where the purge API answers, e.g. /.edgecache/purge: a normalized path without query or *",
    ),
    ("invalidation", "{\"path\": \"/.edgecache/purge\"}"),
    (
        "origins.path",
        "an origin path prefix such as /v1: starts with /, does not end with /",
    ),
    (
        "origins.headers",
        "origins take custom_headers, e.g. {\"X-Origin-Verify\": \"secret\"}",
    ),
    (
        "cache_policies.headers",
        "viewer header names the key includes, e.g. [\"Accept-Language\"]",
    ),
    (
        "origin_request_policies.headers",
        "{\"behavior\": \"none\" | \"whitelist\" | \"all_except\" | \"all_viewer\", \"names\": [...]}",
    ),
    (
        "domain",
        "a host name or IP address only, e.g. api.example.com: no scheme, path or port",
    ),
    (
        "protocol",
        "one of \"https-only\" (the default), \"http-only\", \"match-viewer\"",
    ),
    ("http_port", "a TCP port, 1 to 65535 (default 80)"),
    ("https_port", "a TCP port, 1 to 65535 (default 443)"),
    (
        "custom_headers",
        "headers added to every origin request, e.g. {\"X-Origin-Verify\": \"secret\"}",
    ),
    (
        "host_header",
        "\"origin\" (the default), \"viewer\", or {\"custom\": \"api.example.com\"}",
    ),
    (
        "connect_timeout_ms",
        "milliseconds to connect to the origin (default 10000)",
    ),
    (
        "first_byte_timeout_ms",
        "milliseconds to wait for the origin's first byte (default 30000)",
    ),
    (
        "between_bytes_timeout_ms",
        "milliseconds allowed between body bytes (default 10000)",
    ),
    (
        "min_ttl",
        "seconds; CloudFront's rule is min_ttl <= default_ttl <= max_ttl (default 0)",
    ),
    (
        "default_ttl",
        "seconds, used when the origin states no lifetime (default 86400, or min_ttl if larger)",
    ),
    (
        "max_ttl",
        "seconds, the longest the origin may ask for (default 31536000); 0 disables caching",
    ),
    (
        "query_strings",
        "{\"behavior\": \"none\" | \"whitelist\" | \"all_except\" | \"all\", \"names\": [...]}",
    ),
    (
        "cookies",
        "{\"behavior\": \"none\" | \"whitelist\" | \"all_except\" | \"all\", \"names\": [...]}",
    ),
    (
        "accept_encoding",
        "{\"gzip\": true, \"brotli\": true}: key on the encodings the viewer accepts",
    ),
    (
        "canonicalize_query",
        "{\"sort\": true, \"dedupe\": true}: order and dedupe keyed parameters",
    ),
    (
        "include_host",
        "true or false: put the viewer's Host in the key",
    ),
    (
        "cloudfront_min_ttl_override",
        "true or false: CloudFront's quirk of storing private responses for min_ttl (off: safer)",
    ),
    (
        "stale_while_revalidate",
        "seconds a stale copy may be served while one request refreshes it",
    ),
    (
        "stale_if_error",
        "seconds a stale copy may be served when the origin fails",
    ),
    (
        "path_pattern",
        "a CloudFront path pattern such as /media/* or /search/pcp: * matches any characters, ? one",
    ),
    ("origin", "the name of an entry in origins"),
    ("cache_policy", "the name of an entry in cache_policies"),
    (
        "origin_request_policy",
        "the name of an entry in origin_request_policies (optional)",
    ),
    (
        "allowed_methods",
        "[\"GET\", \"HEAD\"], [\"GET\", \"HEAD\", \"OPTIONS\"] or all of GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE",
    ),
    (
        "cached_methods",
        "[\"GET\", \"HEAD\"] or [\"GET\", \"HEAD\", \"OPTIONS\"], within allowed_methods",
    ),
    ("names", "a list of names, e.g. [\"Keyword\", \"Page\"]"),
    (
        "behavior",
        "one of the modes listed for this setting, e.g. \"whitelist\"",
    ),
];

/// The hint for the field at a configuration error's JSON path.
pub(crate) fn hint(path: &str) -> Option<&'static str> {
    let segments = fields(path);
    let section = segments.first().copied().unwrap_or("$");
    segments
        .iter()
        .rev()
        .find_map(|field| lookup(&format!("{section}.{field}")).or_else(|| lookup(field)))
        .or_else(|| lookup(section))
        .or_else(|| lookup("$"))
}

fn lookup(name: &str) -> Option<&'static str> {
    HINTS.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

/// The field names along a path such as `cache_policies.search.max_ttl` or
/// `behaviors[2].path_pattern`: indices and user-given names left out.
fn fields(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut after_named_section = false;
    for part in path.split('.') {
        let name = part.split('[').next().unwrap_or_default();
        if after_named_section || name.is_empty() {
            after_named_section = false;
            continue;
        }
        after_named_section = out.is_empty() && NAMED_SECTIONS.contains(&name) && part == name;
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_behind_indices_and_names() {
        let table = [
            ("behaviors[2].path_pattern", "path_pattern"),
            ("cache_policies.search.max_ttl", "max_ttl"),
            ("cache_policies.search.query_strings", "query_strings"),
            ("cache_policies.headers.min_ttl", "min_ttl"),
            ("origins.path.path", "origins.path"),
            ("invalidation.path", "invalidation.path"),
            ("cache_policies.p.headers[0]", "cache_policies.headers"),
            (
                "origin_request_policies.o.headers",
                "origin_request_policies.headers",
            ),
            ("error_caching_min_ttl.418", "error_caching_min_ttl"),
            ("origins[\"odd name\"].domain", "domain"),
            ("$", "$"),
            ("colour", "$"),
        ];
        for (path, entry) in table {
            assert_eq!(hint(path), lookup(entry), "{path}");
            assert!(hint(path).is_some(), "{path}");
        }
    }
}
