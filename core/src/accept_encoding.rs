//! CloudFront's Accept-Encoding normalization (controlling-the-cache-key,
//! "Compression support"): with gzip and brotli enabled, a viewer accepting
//! both is keyed and forwarded as `br,gzip`, one of them as `gzip` or `br`,
//! neither as nothing in the key and `identity` to the origin. Other codings
//! are dropped, so `deflate` cannot split the cache.

use crate::config::AcceptEncodingNormalization;
use crate::headers::Headers;

/// The normalized encodings a viewer accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptEncoding {
    /// Both brotli and gzip: `br,gzip` in the key and to the origin.
    BrotliGzip,
    /// gzip, and not brotli (refused or not enabled): `gzip`.
    Gzip,
    /// brotli, and not gzip (refused or not enabled): `br`.
    Brotli,
    /// Neither of the enabled codings: nothing in the key, `identity` to
    /// the origin.
    Identity,
}

impl AcceptEncoding {
    /// Normalizes the viewer's `Accept-Encoding` under the policy's settings.
    /// A coding with `q=0` is refused (RFC 9110 section 12.5.3).
    pub fn normalize(headers: &Headers<'_>, enabled: AcceptEncodingNormalization) -> Self {
        let (mut gzip, mut br) = (false, false);
        for element in headers.list_elements("accept-encoding") {
            let mut parts = element.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            if parts.any(refuses) {
                continue;
            }
            gzip |= enabled.gzip && coding.eq_ignore_ascii_case("gzip");
            br |= enabled.brotli && coding.eq_ignore_ascii_case("br");
        }
        match (br, gzip) {
            (true, true) => AcceptEncoding::BrotliGzip,
            (false, true) => AcceptEncoding::Gzip,
            (true, false) => AcceptEncoding::Brotli,
            (false, false) => AcceptEncoding::Identity,
        }
    }

    /// The value sent to the origin and written in the key.
    pub fn as_str(self) -> &'static str {
        match self {
            AcceptEncoding::BrotliGzip => "br,gzip",
            AcceptEncoding::Gzip => "gzip",
            AcceptEncoding::Brotli => "br",
            AcceptEncoding::Identity => "identity",
        }
    }
}

/// A `q=0` parameter (also `q=0.0`, `Q=0.000`).
fn refuses(param: &str) -> bool {
    let Some((name, value)) = param.split_once('=') else {
        return false;
    };
    name.trim().eq_ignore_ascii_case("q")
        && value.trim().strip_prefix('0').is_some_and(|rest| {
            rest.is_empty() || rest.trim_start_matches('.').bytes().all(|b| b == b'0')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::test_support::header_list;

    fn normalize(value: Option<&str>, gzip: bool, brotli: bool) -> AcceptEncoding {
        let line = value.map(|v| format!("Accept-Encoding: {v}"));
        let list = header_list(&line.iter().map(String::as_str).collect::<Vec<_>>());
        AcceptEncoding::normalize(
            &Headers::new(&list),
            AcceptEncodingNormalization { gzip, brotli },
        )
    }

    #[test]
    fn normalizes_like_cloudfront() {
        use AcceptEncoding::*;
        let table = [
            (Some("gzip, deflate, br"), true, true, BrotliGzip),
            (
                Some("br;q=1.0, gzip;q=0.8, *;q=0.1"),
                true,
                true,
                BrotliGzip,
            ),
            (Some("GZIP"), true, true, Gzip),
            (Some("deflate, br"), true, true, Brotli),
            (Some("deflate"), true, true, Identity),
            (None, true, true, Identity),
            (Some("gzip;q=0, br"), true, true, Brotli),
            (Some("gzip; q=0.000, br;q=0.001"), true, true, Brotli),
            (Some("gzip, br"), true, false, Gzip),
            (Some("gzip, br"), false, true, Brotli),
            (Some("gzip, br"), false, false, Identity),
        ];
        for (value, gzip, brotli, want) in table {
            assert_eq!(
                normalize(value, gzip, brotli),
                want,
                "{value:?} gzip={gzip} br={brotli}"
            );
        }
    }
}
