//! Shielding: an origin's misses go through one Fastly POP, the shield,
//! so that the POPs' misses for an entry make one origin request there
//! instead of one per POP (`origins.<name>.shield`).
//!
//! The edge sends the shield the viewer's own request, and the shield runs
//! the same flow on it as any POP: the same behavior, key and policy, its
//! own cache, the origin on its misses. Two fields tell the shield that a
//! request comes from one of the service's own POPs: [`EDGE_HEADER`],
//! which holds a token derived from a secret both share
//! ([`edge_token`]), and [`VIEWER_IP_HEADER`], the viewer's address
//! (the shield sees the POP's). Only with the token does the shield
//! believe the address, and answer with the fields meant for caches
//! ([`crate::CDN_ONLY_HEADERS`]: `Surrogate-Key`, `Surrogate-Control`,
//! ...), marked with [`SHIELD_ANSWER_HEADER`], so that the edge stores its
//! copy under the same lifetime and purge keys the shield did; an answer
//! without the mark is not stored. Neither field ever reaches the origin,
//! and a viewer that sends them is a viewer.
//!
//! The request the edge sends is the viewer's, less its conditions and
//! range (the edge fills whole entries, and a viewer's condition must not
//! earn the edge a 304 for an entry it lacks) and less hop-by-hop fields,
//! plus the validators of the entry the edge revalidates.

use crate::forward::CONDITIONAL_HEADERS;
use crate::key::sha256_hex;
use crate::stored::HOP_BY_HOP_HEADERS;

/// The field that carries the edge's token to the shield.
pub const EDGE_HEADER: &str = "edgecache-edge";
/// The field that carries the viewer's address to the shield.
pub const VIEWER_IP_HEADER: &str = "edgecache-viewer-ip";
/// The field the shield marks its answers to POPs with: an answer without
/// it (the shield did not recognize the token) is not stored
/// ([`crate::flow::Fetch::answered_by_shield`]). Viewers never see it.
pub const SHIELD_ANSWER_HEADER: &str = "edgecache-shield-answer";

/// The token a POP proves it is one of the service's own with: derived
/// from a secret of the service's (the purge token), so that it names no
/// secret itself.
///
/// ```
/// # use edgecache_core::shield::edge_token;
/// assert_eq!(edge_token(b"s3cret").len(), 64);
/// assert_ne!(edge_token(b"s3cret"), edge_token(b"other"));
/// ```
pub fn edge_token(secret: &[u8]) -> String {
    sha256_hex(&[b"edgecache-shield-v1\n", secret])
}

/// Whether `sent` is `token`, in time that does not depend on where they
/// differ.
pub(crate) fn is_token(sent: &[u8], token: &str) -> bool {
    let token = token.as_bytes();
    sent.len() == token.len()
        && sent
            .iter()
            .zip(token)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The request an edge sends to the shield instead of asking the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShieldRequest {
    /// The shield POP's code (`iad-va-us`), as configured.
    pub pop: String,
    /// `GET`, or the method the origin would get.
    pub method: &'static str,
    /// The viewer's path and query, as received.
    pub target: String,
    /// Every field to send, `Host` among them.
    pub headers: Vec<(String, Vec<u8>)>,
}

/// What of the viewer's request a shielded fetch sends on, captured when
/// the request starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ViewerCopy {
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    pub(crate) client_ip: Option<String>,
}

/// Whether the shield gets the viewer's field `name`: not conditions and
/// range ([`CONDITIONAL_HEADERS`]), hop-by-hop fields, the body's length,
/// nor the shield's own two fields (a viewer's are never passed on).
fn sent_on(name: &str) -> bool {
    let not_sent = |list: &[&str]| list.iter().any(|n| name.eq_ignore_ascii_case(n));
    !(not_sent(&CONDITIONAL_HEADERS)
        || not_sent(&HOP_BY_HOP_HEADERS)
        || not_sent(&[EDGE_HEADER, VIEWER_IP_HEADER, "content-length"]))
}

impl ViewerCopy {
    /// The shield's request: the viewer's fields it gets ([`sent_on`]), plus
    /// `validators` (the origin request's conditions), the token and the
    /// viewer's address.
    pub(crate) fn request(
        &self,
        pop: &str,
        method: &'static str,
        validators: &[(&str, &[u8])],
        token: &str,
    ) -> ShieldRequest {
        let mut headers: Vec<(String, Vec<u8>)> = self
            .headers
            .iter()
            .filter(|(name, _)| sent_on(name))
            .cloned()
            .collect();
        headers.extend(
            validators
                .iter()
                .map(|(name, value)| ((*name).to_string(), value.to_vec())),
        );
        headers.push((EDGE_HEADER.to_string(), token.as_bytes().to_vec()));
        if let Some(ip) = &self.client_ip {
            headers.push((VIEWER_IP_HEADER.to_string(), ip.as_bytes().to_vec()));
        }
        ShieldRequest {
            pop: pop.to_string(),
            method,
            target: self.target.clone(),
            headers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_only_itself() {
        let token = edge_token(b"secret");
        assert!(is_token(token.as_bytes(), &token));
        assert!(!is_token(b"", &token));
        assert!(!is_token(&token.as_bytes()[1..], &token));
        assert!(!is_token(edge_token(b"secret2").as_bytes(), &token));
    }

    #[test]
    fn the_shield_gets_the_viewers_request_less_conditions_and_hop_by_hop_fields() {
        let copy = ViewerCopy {
            target: "/a?b=1".to_string(),
            headers: [
                ("Host", "edge.example"),
                ("If-None-Match", "\"viewer\""),
                ("Range", "bytes=0-1"),
                ("Connection", "close"),
                ("Edgecache-Edge", "forged"),
                ("Accept-Language", "en"),
            ]
            .iter()
            .map(|(n, v)| ((*n).to_string(), v.as_bytes().to_vec()))
            .collect(),
            client_ip: Some("192.0.2.1".to_string()),
        };
        let request = copy.request(
            "iad-va-us",
            "GET",
            &[("if-none-match", b"\"stored\"")],
            "tok",
        );
        let names: Vec<(&str, &[u8])> = request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        assert_eq!(
            names,
            [
                ("Host", b"edge.example".as_slice()),
                ("Accept-Language", b"en"),
                ("if-none-match", b"\"stored\""),
                (EDGE_HEADER, b"tok"),
                (VIEWER_IP_HEADER, b"192.0.2.1"),
            ]
        );
        assert_eq!(
            (request.pop.as_str(), request.target.as_str()),
            ("iad-va-us", "/a?b=1")
        );
    }
}
