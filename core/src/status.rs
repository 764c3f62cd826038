//! What a status code says about a response's shape, for platforms whose
//! response types enforce it.

/// Whether `status` is a final response's (RFC 9110 section 15: 200 to
/// 599; 1xx are interim). A platform that cannot build a viewer response
/// with any other status (the Workers `Response` throws) treats an origin
/// answer with one as no answer at all.
///
/// ```
/// assert!(edgecache_core::is_final_status(200));
/// assert!(!edgecache_core::is_final_status(103));
/// assert!(!edgecache_core::is_final_status(600));
/// ```
pub fn is_final_status(status: u16) -> bool {
    (200..=599).contains(&status)
}

/// Whether a response with `status` never carries content: 1xx, 204
/// (RFC 9110 section 15.3.5), 205 (15.3.6) and 304 (15.4.5). The Fetch
/// standard calls 101, 204, 205 and 304 null body statuses, and a Workers
/// `Response` refuses a body with them.
///
/// ```
/// assert!(edgecache_core::has_no_content(304));
/// assert!(!edgecache_core::has_no_content(200));
/// ```
pub fn has_no_content(status: u16) -> bool {
    matches!(status, 100..=199 | 204 | 205 | 304)
}
