//! Purge tags an origin attaches to a response: Fastly's `Surrogate-Key`
//! (space-separated) and Cloudflare's `Cache-Tag` (comma-separated).

use crate::headers::Headers;

/// Longest tag accepted (Fastly's and Cloudflare's limit).
pub const MAX_TAG_LEN: usize = 1024;
/// Most tags kept per response (Cloudflare keeps about 1,000).
pub const MAX_TAGS: usize = 1000;
/// Most bytes of tags kept per response, joined by spaces. Fastly keeps
/// only the surrogate keys within the first 16 KB (16,384 bytes) of the
/// header and Viceroy refuses to store more; an entry's own purge keys
/// come first (about 1.4 KB at most: `ec-all`, the path's, the key's, 16
/// directories' and the fill's), so the origin's tags get 14 KiB.
pub const MAX_TAG_BYTES: usize = 14 * 1024;

/// The tags an origin attached to a response: those kept, and how many
/// were dropped for running past [`MAX_TAGS`] or [`MAX_TAG_BYTES`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseTags {
    /// In order, without duplicates.
    pub kept: Vec<String>,
    /// Valid tags past the limits, dropped (the entry is stored all the same).
    pub dropped: usize,
}

/// The response's tags, in order, without duplicates. A tag must be
/// visible ASCII (0x21-0x7E) of at most 1,024 bytes; others are ignored,
/// as both platforms ignore them. Tags past [`MAX_TAGS`] or
/// [`MAX_TAG_BYTES`] are dropped and counted: the response is still
/// stored, under the tags that fit.
pub fn response_tags(headers: &Headers<'_>) -> ResponseTags {
    let surrogate = headers
        .get_all("surrogate-key")
        .filter_map(|v| std::str::from_utf8(v).ok())
        .flat_map(str::split_ascii_whitespace);
    let cache_tag = headers.list_elements("cache-tag");
    let mut tags = ResponseTags::default();
    let mut bytes = 0;
    for tag in surrogate.chain(cache_tag) {
        let valid = tag.len() <= MAX_TAG_LEN && tag.bytes().all(|b| b.is_ascii_graphic());
        if !valid || tags.kept.iter().any(|t| t == tag) {
            continue;
        }
        let joined = bytes + usize::from(bytes > 0) + tag.len();
        if tags.kept.len() < MAX_TAGS && joined <= MAX_TAG_BYTES {
            tags.kept.push(tag.to_string());
            bytes = joined;
        } else {
            tags.dropped += 1;
        }
    }
    tags
}

/// An entry's purge keys as one Cloudflare `Cache-Tag` value, for the
/// copies a Worker puts in the Cache API: comma-separated, so that
/// Cloudflare's own purge by tag (its API, every data center at once) can
/// delete what an edgecache purge key names. A key that holds a comma
/// cannot be named there and is left out; the keys are within
/// [`MAX_TAG_BYTES`] and 1.4 KB of edgecache's own, under Cloudflare's
/// 16 KB for the header.
///
/// ```
/// # use edgecache_core::cache_tag_value;
/// let keys = ["ec-all".to_string(), "a,b".to_string(), "product-7".to_string()];
/// assert_eq!(cache_tag_value(&keys), "ec-all,product-7");
/// ```
pub fn cache_tag_value(keys: &[String]) -> String {
    let named = keys.iter().filter(|key| !key.contains(','));
    named.map(String::as_str).collect::<Vec<_>>().join(",")
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
            response_tags(&Headers::new(&list)).kept,
            ["product-42", "search", "media", "ok"]
        );
    }

    #[test]
    fn keeps_the_tags_within_14_kib_and_counts_the_rest() {
        // 900 tags of 19 bytes: about 18 KB, past Fastly's 16 KB.
        let tags: Vec<String> = (0..900).map(|i| format!("product-tag-{i:07}")).collect();
        let header = format!("Surrogate-Key: {}", tags.join(" "));
        let list = header_list(&[header.as_str()]);
        let read = response_tags(&Headers::new(&list));
        assert_eq!(read.kept.len() + read.dropped, 900);
        assert!(read.kept.join(" ").len() <= MAX_TAG_BYTES);
        assert!(
            read.kept.join(" ").len() + 20 > MAX_TAG_BYTES,
            "as many as fit"
        );
        assert_eq!(read.kept[..2], tags[..2], "in order, the first kept");
    }

    #[test]
    fn drops_overlong_tags() {
        let long = format!("Surrogate-Key: {} short", "x".repeat(MAX_TAG_LEN + 1));
        let list = header_list(&[long.as_str()]);
        assert_eq!(response_tags(&Headers::new(&list)).kept, ["short"]);
    }
}
