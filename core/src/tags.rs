//! Purge tags an origin attaches to a response: Fastly's `Surrogate-Key`
//! (space-separated) and Cloudflare's `Cache-Tag` (comma-separated).

use crate::headers::Headers;

/// Longest tag accepted (Fastly's and Cloudflare's limit).
pub const MAX_TAG_LEN: usize = 1024;
/// Most tags kept per response (Cloudflare keeps about 1,000).
pub const MAX_TAGS: usize = 1000;

/// The response's tags, in order, without duplicates. A tag must be
/// visible ASCII (0x21-0x7E) of at most 1,024 bytes; others are dropped,
/// as both platforms drop them.
pub fn response_tags(headers: &Headers<'_>) -> Vec<String> {
    let surrogate = headers
        .get_all("surrogate-key")
        .filter_map(|v| std::str::from_utf8(v).ok())
        .flat_map(str::split_ascii_whitespace);
    let cache_tag = headers.list_elements("cache-tag");
    let mut tags: Vec<String> = Vec::new();
    for tag in surrogate.chain(cache_tag) {
        let valid = tag.len() <= MAX_TAG_LEN && tag.bytes().all(|b| b.is_ascii_graphic());
        if valid && tags.len() < MAX_TAGS && !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::test_support::header_list;

    #[test]
    fn reads_both_platforms_headers() {
        let list = header_list(&[
            "Surrogate-Key: product-42  search",
            "Cache-Tag: product-42, media,,",
            "cache-tag: caf\u{e9}, ok",
        ]);
        assert_eq!(
            response_tags(&Headers::new(&list)),
            ["product-42", "search", "media", "ok"]
        );
    }

    #[test]
    fn drops_overlong_tags() {
        let long = format!("Surrogate-Key: {} short", "x".repeat(MAX_TAG_LEN + 1));
        let list = header_list(&[long.as_str()]);
        assert_eq!(response_tags(&Headers::new(&list)), ["short"]);
    }
}
