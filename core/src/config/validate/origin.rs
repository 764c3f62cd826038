//! Checks on an origin.

use std::collections::BTreeMap;

use super::{Checker, is_token};
use crate::config::load::member_path;
use crate::config::schema::{ProtocolPolicy, RawOrigin};
use crate::config::{HostHeader, Origin, Text};
use crate::path::normalize_path;

/// Longest origin timeout accepted, in milliseconds (CloudFront's raised limit).
const MAX_TIMEOUT_MS: u64 = 180_000;

/// Origin custom header names CloudFront refuses (add-origin-custom-headers).
/// Also refused: headers the edge itself sets on every origin request.
const FORBIDDEN_CUSTOM_HEADERS: [&str; 24] = [
    "accept-encoding",
    "x-forwarded-for",
    "cache-control",
    "connection",
    "content-length",
    "cookie",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "pragma",
    "proxy-authorization",
    "proxy-connection",
    "range",
    "request-range",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "x-real-ip",
];
const FORBIDDEN_CUSTOM_PREFIXES: [&str; 2] = ["x-amz-", "x-edge-"];

pub(super) fn origin(c: &mut Checker, path: &str, name: &str, o: &RawOrigin) -> Origin {
    check_domain(c, &format!("{path}.domain"), &o.domain);
    if o.http_port == 0 {
        c.error(format!("{path}.http_port"), "port 0 is not a port");
    }
    if o.https_port == 0 {
        c.error(format!("{path}.https_port"), "port 0 is not a port");
    }
    check_origin_path(c, &format!("{path}.path"), &o.path);
    let custom_headers = custom_headers(c, &format!("{path}.custom_headers"), &o.custom_headers);
    if !o.custom_headers.is_empty()
        && o.protocol != ProtocolPolicy::HttpsOnly
        && !is_loopback(&o.domain)
    {
        c.error(
            format!("{path}.custom_headers"),
            "custom headers (a shared secret, as a rule) would cross the network in clear text: set protocol to https-only",
        );
    }
    if let HostHeader::Custom(host) = &o.host_header
        && (host.is_empty() || !host.bytes().all(is_host_byte))
    {
        c.error(
            format!("{path}.host_header.custom"),
            format!("{host:?} is not a host name"),
        );
    }
    for (field, ms) in [
        ("connect_timeout_ms", o.connect_timeout_ms),
        ("first_byte_timeout_ms", o.first_byte_timeout_ms),
        ("between_bytes_timeout_ms", o.between_bytes_timeout_ms),
    ] {
        if ms == 0 || ms > MAX_TIMEOUT_MS {
            c.error(
                format!("{path}.{field}"),
                format!("{ms} ms is out of range, expected 1 to {MAX_TIMEOUT_MS}"),
            );
        }
    }
    if let Some(shield) = &o.shield {
        if !is_shield_code(shield) {
            c.error(
                format!("{path}.shield"),
                format!("{shield:?} is not a shield POP code: lower-case letters, digits and hyphens, like \"iad-va-us\""),
            );
        }
        if o.protocol == ProtocolPolicy::MatchViewer {
            c.error(
                format!("{path}.shield"),
                "a shielded origin cannot use match-viewer: the shield sees the scheme of the POP's request, not the viewer's; choose https-only or http-only",
            );
        }
    }
    Origin {
        name: name.into(),
        domain: o.domain.to_ascii_lowercase().into(),
        protocol: o.protocol,
        http_port: o.http_port,
        https_port: o.https_port,
        path: o.path.as_str().into(),
        custom_headers,
        host_header: o.host_header.clone(),
        connect_timeout_ms: o.connect_timeout_ms,
        first_byte_timeout_ms: o.first_byte_timeout_ms,
        between_bytes_timeout_ms: o.between_bytes_timeout_ms,
        shield: o.shield.as_deref().map(Text::from),
    }
}

/// A Fastly shield POP code: `iad-va-us`, `paris-fr`.
pub(crate) fn is_shield_code(code: &str) -> bool {
    (2..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
        && !code.ends_with('-')
}

/// This machine, where plain HTTP never leaves it (the demo origin).
fn is_loopback(domain: &str) -> bool {
    let bare = domain.trim_start_matches('[').trim_end_matches(']');
    domain.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn check_domain(c: &mut Checker, path: &str, domain: &str) {
    if let Some((scheme, _)) = domain.split_once("://") {
        c.error(path, format!("write the domain only, without {scheme}://"));
    } else if domain.contains(['/', '?', '#']) {
        c.error(
            path,
            "write the domain only, without a path; use the origin's path field",
        );
    } else if domain.contains(':') && !domain.starts_with('[') {
        c.error(
            path,
            "write the domain only, without a port; use http_port/https_port",
        );
    } else if !is_host_name(domain) {
        c.error(path, format!("{domain:?} is not a host name or IP address"));
    }
}

/// A DNS name (letters, digits, hyphens in dot-separated labels), an IPv4
/// address, or a bracketed IPv6 literal.
pub(crate) fn is_host_name(domain: &str) -> bool {
    if let Some(inner) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']')
}

fn check_origin_path(c: &mut Checker, path: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    if !value.starts_with('/') {
        c.error(path, "an origin path starts with /");
    } else if value.ends_with('/') {
        c.error(path, "an origin path does not end with /");
    } else if value.contains(['?', '#', '*']) || value.len() > 255 {
        c.error(
            path,
            "an origin path is a plain path of at most 255 characters",
        );
    } else if let Ok(normalized) = normalize_path(value)
        && normalized != value
    {
        c.error(
            path,
            format!("write the origin path normalized (no dot segments, other characters percent-encoded): {normalized:?}"),
        );
    }
}

fn custom_headers(
    c: &mut Checker,
    path: &str,
    headers: &BTreeMap<String, String>,
) -> Vec<(Text, Text)> {
    let mut out: Vec<(Text, Text)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let at = member_path(path, name);
        let lower = name.to_ascii_lowercase();
        if !is_token(name) {
            c.error(&at, "not a valid header name");
        } else if FORBIDDEN_CUSTOM_HEADERS.contains(&lower.as_str())
            || FORBIDDEN_CUSTOM_PREFIXES
                .iter()
                .any(|p| lower.starts_with(p))
        {
            c.error(
                &at,
                format!("{name} cannot be set as an origin custom header"),
            );
        } else if out.iter().any(|(n, _)| *n == lower) {
            c.error(&at, "header given twice (names are case-insensitive)");
        }
        if !is_field_value(value) {
            c.error(&at, "header value must be printable ASCII");
        }
        out.push((lower.into(), value.as_str().into()));
    }
    out.sort();
    out
}

/// A header value edgecache sends: printable ASCII, spaces and tabs.
pub(crate) fn is_field_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
}
