//! Request path normalization.
//!
//! The normalized path is what behaviors match, what the key holds and what
//! the origin receives, so the edge and the origin never disagree about
//! which resource was asked for (`/media/%2e%2e/admin` is `/admin` for both).

use crate::percent::{ByteSet, is_sub_delim, is_unreserved, push_normalized};

/// Why a request target has no usable path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// The target is not in origin form (`/path?query`), e.g. `*` or a full URL.
    NotOriginForm,
}

/// Normalizes an origin-form path (RFC 3986 section 6.2.2): escapes of
/// unreserved characters decoded, other escapes upper-cased, characters not
/// allowed in a path encoded, then dot segments removed (section 5.2.4).
///
/// ```
/// use edgecache_core::normalize_path;
/// assert_eq!(normalize_path("/a/%7Euser/./b/../c").unwrap(), "/a/~user/c");
/// assert_eq!(normalize_path("/media/%2e%2E/admin").unwrap(), "/admin");
/// ```
pub fn normalize_path(raw: &str) -> Result<String, PathError> {
    if !raw.starts_with('/') {
        return Err(PathError::NotOriginForm);
    }
    let mut out = String::with_capacity(raw.len() + 8);
    push_normalized(&mut out, raw, &PATH_CHARS);
    if has_dot_segment(&out) {
        out = remove_dot_segments(&out);
    }
    Ok(out)
}

/// RFC 3986 `pchar` plus `/`.
const PATH_CHARS: ByteSet = crate::percent::byte_set!(|b| is_unreserved(b)
    || is_sub_delim(b)
    || matches!(b, b':' | b'@' | b'/'));

fn has_dot_segment(path: &str) -> bool {
    path.split('/')
        .any(|segment| segment == "." || segment == "..")
}

/// RFC 3986 section 5.2.4 for an absolute path.
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path[1..].split('/').collect();
    let last = segments.len() - 1;
    let mut kept: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.into_iter().enumerate() {
        match segment {
            "." => {}
            ".." => {
                kept.pop();
            }
            other => kept.push(other),
        }
        // A trailing `.` or `..` leaves a directory: `/a/b/..` is `/a/`.
        if i == last && matches!(segment, "." | "..") {
            kept.push("");
        }
    }
    let mut out = String::with_capacity(path.len());
    for segment in kept {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths_per_rfc_3986() {
        let table = [
            ("/", "/"),
            ("/search/pcp", "/search/pcp"),
            ("/a/./b", "/a/b"),
            ("/a/b/../c", "/a/c"),
            ("/a/b/..", "/a/"),
            ("/a/.", "/a/"),
            ("/..", "/"),
            ("/../../x", "/x"),
            ("/./", "/"),
            ("//a/../b", "//b"),
            ("/a/%2e%2E/b", "/b"),
            ("/%7Euser", "/~user"),
            ("/a%2fb", "/a%2Fb"),
            ("/a b", "/a%20b"),
            ("/a\\b", "/a%5Cb"),
            ("/caf%c3%a9", "/caf%C3%A9"),
            ("/café", "/caf%C3%A9"),
            ("/100%", "/100%25"),
            ("/a#b", "/a%23b"),
            ("/a;b=c/@:!$'()*+,", "/a;b=c/@:!$'()*+,"),
            ("/a..b/.c", "/a..b/.c"),
        ];
        for (raw, want) in table {
            assert_eq!(normalize_path(raw).unwrap(), want, "normalizing {raw:?}");
        }
    }

    #[test]
    fn refuses_targets_not_in_origin_form() {
        assert_eq!(normalize_path("*"), Err(PathError::NotOriginForm));
        assert_eq!(normalize_path("http://x/"), Err(PathError::NotOriginForm));
        assert_eq!(normalize_path(""), Err(PathError::NotOriginForm));
    }
}
