//! Media files, and the conditional and range handling every answer gets.

use crate::routes::{Incoming, Reply, fnv};

/// All media was last modified at this (fixed) time.
const LAST_MODIFIED: &str = "Mon, 01 Jan 2024 00:00:00 GMT";
const DEFAULT_SIZE: usize = 256 * 1024;
const MAX_SIZE: usize = 64 * 1024 * 1024;

/// `/media/NAME`: deterministic bytes; `NAME-5m.mp3` is 5 MiB, `NAME-40k.jpg` 40 KiB.
pub(crate) fn file(name: &str) -> Reply {
    if name.is_empty() || name.contains("..") {
        return Reply::new(404, "text/plain", "no such file\n");
    }
    let size = size_from_name(name).unwrap_or(DEFAULT_SIZE).min(MAX_SIZE);
    let seed = fnv(name.as_bytes());
    let body: Vec<u8> = (0..size)
        .map(|i| (seed.rotate_left((i % 64) as u32) as u8) ^ (i as u8))
        .collect();
    Reply::new(200, content_type(name), body)
        .header("Cache-Control", "public, max-age=604800")
        .header("ETag", format!("\"{seed:016x}-{size}\""))
        .header("Last-Modified", LAST_MODIFIED)
        .header("Accept-Ranges", "bytes")
        .header("Surrogate-Key", "media")
}

fn size_from_name(name: &str) -> Option<usize> {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let spec = stem.rsplit_once('-')?.1;
    let (digits, unit) = spec.split_at(spec.len().checked_sub(1)?);
    let n: usize = digits.parse().ok()?;
    match unit {
        "k" => n.checked_mul(1024),
        "m" => n.checked_mul(1024 * 1024),
        _ => None,
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// RFC 9110 sections 13.1 and 14.2: a 304 for a matching `If-None-Match`
/// (or an `If-Modified-Since` not before `Last-Modified`), and a 206 for a
/// single satisfiable byte range on a resource that accepts ranges.
pub(crate) fn conditional_or_range(req: &Incoming, reply: Reply) -> Reply {
    if reply.status != 200 || !matches!(req.method.as_str(), "GET" | "HEAD") {
        return reply;
    }
    if not_modified(req, &reply) {
        let mut headers = reply.headers;
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        return Reply {
            status: 304,
            headers,
            body: Vec::new(),
        };
    }
    match (req.header("range"), reply.get("accept-ranges")) {
        (Some(range), Some("bytes")) => ranged(range, reply),
        _ => reply,
    }
}

fn not_modified(req: &Incoming, reply: &Reply) -> bool {
    if let Some(tags) = req.header("if-none-match") {
        let etag = reply.get("etag").unwrap_or_default();
        return tags.split(',').any(|t| {
            let t = t.trim();
            t == "*"
                || (!etag.is_empty() && t.trim_start_matches("W/") == etag.trim_start_matches("W/"))
        });
    }
    let since = req
        .header("if-modified-since")
        .and_then(|d| httpdate::parse_http_date(d).ok());
    let modified = reply
        .get("last-modified")
        .and_then(|d| httpdate::parse_http_date(d).ok());
    matches!((since, modified), (Some(since), Some(modified)) if modified <= since)
}

fn ranged(range: &str, reply: Reply) -> Reply {
    let len = reply.body.len();
    let Some((start, end)) = parse_range(range, len) else {
        // Several ranges, or not bytes: the whole representation.
        if range.contains(',') || !range.trim_start().starts_with("bytes=") {
            return reply;
        }
        let mut unsatisfiable = Reply::new(416, "text/plain", "range not satisfiable\n");
        unsatisfiable = unsatisfiable.header("Content-Range", format!("bytes */{len}"));
        return unsatisfiable;
    };
    let mut partial = Reply {
        status: 206,
        headers: reply.headers,
        body: reply.body[start..=end].to_vec(),
    };
    partial
        .headers
        .push(("Content-Range".into(), format!("bytes {start}-{end}/{len}")));
    partial
}

/// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range, clipped to the length.
fn parse_range(range: &str, len: usize) -> Option<(usize, usize)> {
    let spec = range.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        let suffix: usize = last.parse().ok()?;
        return (suffix > 0).then(|| (len.saturating_sub(suffix), len - 1));
    }
    let start: usize = first.parse().ok()?;
    let end = if last.is_empty() {
        len - 1
    } else {
        last.parse::<usize>().ok()?.min(len - 1)
    };
    (start <= end && start < len).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_byte_ranges() {
        let table = [
            ("bytes=0-9", Some((0, 9))),
            ("bytes=10-", Some((10, 99))),
            ("bytes=-10", Some((90, 99))),
            ("bytes=90-1000", Some((90, 99))),
            ("bytes=100-", None),
            ("bytes=5-1", None),
            ("bytes=0-1,5-6", None),
            ("items=0-1", None),
            ("bytes=-0", None),
        ];
        for (range, want) in table {
            assert_eq!(parse_range(range, 100), want, "{range}");
        }
    }

    #[test]
    fn sizes_files_by_name() {
        assert_eq!(size_from_name("song-5m.mp3"), Some(5 * 1024 * 1024));
        assert_eq!(size_from_name("logo-40k.png"), Some(40 * 1024));
        assert_eq!(size_from_name("logo.png"), None);
        assert_eq!(size_from_name("a-b-c"), None);
    }
}
