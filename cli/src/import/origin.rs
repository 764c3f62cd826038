//! Origins, named by their CloudFront `Id`, and origin groups, which
//! edgecache does not have: a behavior that targets one goes to its
//! primary origin.
//!
//! Timeouts: <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html>
//! (the response timeout, `OriginReadTimeout`, bounds both the wait for
//! the answer and each pause between its packets).

use std::collections::BTreeMap;

use edgecache_core::schema::{HostHeader, ProtocolPolicy, RawOrigin};

use super::distribution::{DistributionConfig, Origin};
use super::note::{Note, item, join};
use crate::Error;

/// CloudFront's defaults, which edgecache's match: 10 s to connect, 30 s
/// to answer (and between packets).
const CONNECT_TIMEOUT_S: u64 = 10;
const READ_TIMEOUT_S: u64 = 30;
/// CloudFront's defaults that edgecache has no setting for.
const KEEPALIVE_TIMEOUT_S: u64 = 5;
const CONNECTION_ATTEMPTS: u64 = 3;

/// The distribution's origins, and where its origin groups send requests.
#[derive(Debug, Default)]
pub(crate) struct Origins {
    /// The origins by CloudFront `Id`.
    pub(crate) map: BTreeMap<String, RawOrigin>,
    /// Each origin group's primary origin, by the group's `Id`.
    groups: BTreeMap<String, String>,
}

impl Origins {
    /// The origin a `TargetOriginId` sends requests to.
    pub(crate) fn resolve(&self, target: &str) -> Option<&str> {
        let origin = self.groups.get(target).map_or(target, String::as_str);
        self.map.get_key_value(origin).map(|(id, _)| id.as_str())
    }
}

/// Every origin and origin group.
pub(crate) fn origins(
    config: &DistributionConfig,
    root: &str,
    notes: &mut Vec<Note>,
) -> Result<Origins, Error> {
    let mut origins = Origins::default();
    let list = join(root, "Origins");
    for (i, cf) in config.origins.items().iter().enumerate() {
        let at = item(&list, i);
        if cf.id.is_empty() {
            return Err(Error::new(format!(
                "{}: an origin has no Id",
                join(&at, "Id")
            )));
        }
        let origin = origin(cf, &at, notes)?;
        origins.map.insert(cf.id.clone(), origin);
    }
    let list = join(root, "OriginGroups");
    for (i, group) in config.origin_groups.items().iter().enumerate() {
        let members: Vec<&str> = group
            .members
            .items()
            .iter()
            .map(|m| m.origin_id.as_str())
            .collect();
        let Some(primary) = members.first() else {
            continue;
        };
        let codes: Vec<String> = group
            .failover_criteria
            .status_codes
            .items()
            .iter()
            .map(u16::to_string)
            .collect();
        notes.push(Note::new(
            item(&list, i),
            format!(
                "origin group {:?} (from {} to {} on {}) is not carried over: behaviors that target \
                 it go to {primary}; set stale_if_error on their cache policies to serve stored \
                 copies while it fails",
                group.id,
                primary,
                members[1..].join(", "),
                codes.join(", ")
            ),
        ));
        origins.groups.insert(group.id.clone(), primary.to_string());
    }
    Ok(origins)
}

/// One origin.
fn origin(cf: &Origin, at: &str, notes: &mut Vec<Note>) -> Result<RawOrigin, Error> {
    let custom = cf.custom_origin_config.as_ref();
    let mut protocol = match custom {
        Some(c) => protocol(&c.origin_protocol_policy, at)?,
        None => ProtocolPolicy::HttpsOnly,
    };
    let custom_headers: BTreeMap<String, String> = cf
        .custom_headers
        .items()
        .iter()
        .map(|h| (h.header_name.clone(), h.header_value.clone()))
        .collect();
    if !custom_headers.is_empty() && protocol != ProtocolPolicy::HttpsOnly {
        notes.push(Note::new(
            join(at, "CustomOriginConfig.OriginProtocolPolicy"),
            "carried over as https-only: edgecache never sends custom headers (a shared secret, as a \
             rule) in clear text; make sure the origin answers HTTPS on its HTTPSPort, or drop the \
             custom headers",
        ));
        protocol = ProtocolPolicy::HttpsOnly;
    }
    let read_timeout = custom
        .and_then(|c| c.origin_read_timeout)
        .or_else(|| {
            cf.s3_origin_config
                .as_ref()
                .and_then(|s| s.origin_read_timeout)
        })
        .or_else(|| {
            cf.vpc_origin_config
                .as_ref()
                .and_then(|v| v.origin_read_timeout)
        })
        .unwrap_or(READ_TIMEOUT_S);
    note_unsupported(cf, at, notes);
    Ok(RawOrigin {
        domain: cf.domain_name.clone(),
        protocol,
        http_port: custom.and_then(|c| c.http_port).unwrap_or(80),
        https_port: custom.and_then(|c| c.https_port).unwrap_or(443),
        path: cf.origin_path.clone(),
        custom_headers,
        host_header: HostHeader::Origin,
        connect_timeout_ms: millis(cf.connection_timeout.unwrap_or(CONNECT_TIMEOUT_S)),
        first_byte_timeout_ms: millis(read_timeout),
        between_bytes_timeout_ms: millis(read_timeout),
        shield: None,
    })
}

fn millis(seconds: u64) -> u64 {
    seconds.saturating_mul(1000)
}

fn protocol(policy: &str, at: &str) -> Result<ProtocolPolicy, Error> {
    match policy {
        "https-only" | "" => Ok(ProtocolPolicy::HttpsOnly),
        "http-only" => Ok(ProtocolPolicy::HttpOnly),
        "match-viewer" => Ok(ProtocolPolicy::MatchViewer),
        other => Err(Error::new(format!(
            "{}: {other:?} is not a value CloudFront documents (expected http-only, https-only or match-viewer)",
            join(at, "CustomOriginConfig.OriginProtocolPolicy")
        ))),
    }
}

/// Notes on an origin's settings that edgecache has no counterpart for.
fn note_unsupported(cf: &Origin, at: &str, notes: &mut Vec<Note>) {
    let mut note = |field: &str, message: String| notes.push(Note::new(join(at, field), message));
    if let Some(custom) = &cf.custom_origin_config {
        if let Some(s) = custom
            .origin_keepalive_timeout
            .filter(|s| *s != KEEPALIVE_TIMEOUT_S)
        {
            note(
                "CustomOriginConfig.OriginKeepaliveTimeout",
                format!(
                    "{s} s is not carried over: the platform decides how long idle origin connections stay open"
                ),
            );
        }
        let old: Vec<&str> = custom
            .origin_ssl_protocols
            .items()
            .iter()
            .map(String::as_str)
            .filter(|p| *p != "TLSv1.2")
            .collect();
        if !old.is_empty() {
            note(
                "CustomOriginConfig.OriginSslProtocols",
                format!(
                    "{} not carried over: the platform connects with TLS 1.2 or later; make sure the origin offers it",
                    old.join(", ")
                ),
            );
        }
    }
    if let Some(n) = cf.connection_attempts.filter(|n| *n != CONNECTION_ATTEMPTS) {
        note(
            "ConnectionAttempts",
            format!("{n} is not carried over: the platform decides whether to retry a connection"),
        );
    }
    if let Some(s) = cf.response_completion_timeout {
        note(
            "ResponseCompletionTimeout",
            format!(
                "{s} s is not carried over: edgecache bounds the wait for the first byte and between bytes, not the whole answer"
            ),
        );
    }
    note_access(cf, at, notes);
}

/// S3 origin access, Origin Shield and VPC origins.
fn note_access(cf: &Origin, at: &str, notes: &mut Vec<Note>) {
    let mut note = |field: &str, message: String| notes.push(Note::new(join(at, field), message));
    let unsigned = "the edge sends unsigned requests; let the bucket serve them (public read), or put a signing proxy before it";
    if let Some(s3) = cf
        .s3_origin_config
        .as_ref()
        .filter(|s| !s.origin_access_identity.is_empty())
    {
        note(
            "S3OriginConfig.OriginAccessIdentity",
            format!(
                "origin access identity {} is not carried over: {unsigned}",
                s3.origin_access_identity
            ),
        );
    }
    if !cf.origin_access_control_id.is_empty() {
        note(
            "OriginAccessControlId",
            format!(
                "origin access control {} is not carried over: {unsigned}",
                cf.origin_access_control_id
            ),
        );
    }
    if let Some(shield) = cf.origin_shield.as_ref().filter(|s| s.enabled) {
        note(
            "OriginShield",
            format!(
                "Origin Shield ({}) is not carried over: on Fastly, set this origin's shield to the shield POP nearest that region (Fastly's shield locations); Cloudflare's Cache API has no tier to shield with",
                shield.origin_shield_region
            ),
        );
    }
    if let Some(vpc) = &cf.vpc_origin_config {
        note(
            "VpcOriginConfig",
            format!(
                "VPC origin {} is reachable only from CloudFront: not carried over; give the edge a public endpoint at {}",
                vpc.vpc_origin_id, cf.domain_name
            ),
        );
    }
}
