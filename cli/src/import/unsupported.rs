//! Notes on the CloudFront settings edgecache has no counterpart for: the
//! platform provides them (domains, certificates, WAF, logs), or the edge
//! does not do them (functions, signed URLs, geo restriction).

use super::distribution::{CacheBehavior, DistributionConfig, Trusted};
use super::note::{Note, item, join};

/// Notes on the distribution's settings listed before its origins.
pub(crate) fn head(config: &DistributionConfig, root: &str, notes: &mut Vec<Note>) {
    let mut note = |field: &str, message: String| notes.push(Note::new(join(root, field), message));
    let aliases = config.aliases.items();
    if !aliases.is_empty() {
        note(
            "Aliases",
            format!(
                "the domains {} are not carried over: add them to the edge service on the platform and point their DNS at it",
                aliases.join(", ")
            ),
        );
    }
    if !config.default_root_object.is_empty() {
        note(
            "DefaultRootObject",
            format!(
                "{:?} is not carried over: the origin must answer / itself",
                config.default_root_object
            ),
        );
    }
}

/// Notes on the distribution's settings listed after its behaviors.
pub(crate) fn tail(config: &DistributionConfig, root: &str, notes: &mut Vec<Note>) {
    let mut note = |field: &str, message: String| notes.push(Note::new(join(root, field), message));
    if let Some(logging) = config.logging.as_ref().filter(|l| l.enabled) {
        note(
            "Logging",
            format!(
                "standard logs to {} are not carried over: the edge logs one JSON line per request; send the platform's logs where you need them",
                logging.bucket
            ),
        );
    }
    if !config.price_class.is_empty() && config.price_class != "PriceClass_All" {
        note(
            "PriceClass",
            format!(
                "{} is not carried over: the platform serves from all its locations",
                config.price_class
            ),
        );
    }
    viewer_certificate(config, &mut note);
    restrictions(config, &mut note);
    if !config.web_acl_id.is_empty() {
        note(
            "WebACLId",
            format!(
                "web ACL {} is not carried over: use the platform's WAF",
                config.web_acl_id
            ),
        );
    }
    if !config.continuous_deployment_policy_id.is_empty() || config.staging {
        let field = if config.staging {
            "Staging"
        } else {
            "ContinuousDeploymentPolicyId"
        };
        note(
            field,
            "continuous deployment is not carried over: stage a configuration with the platform's own versions".to_string(),
        );
    }
}

fn viewer_certificate(config: &DistributionConfig, note: &mut impl FnMut(&str, String)) {
    let Some(certificate) = config
        .viewer_certificate
        .as_ref()
        .filter(|c| !c.cloudfront_default_certificate)
    else {
        return;
    };
    let which = [
        &certificate.acm_certificate_arn,
        &certificate.iam_certificate_id,
    ]
    .into_iter()
    .find(|c| !c.is_empty())
    .map_or_else(
        || "the custom certificate".to_string(),
        |c| format!("certificate {c}"),
    );
    note(
        "ViewerCertificate",
        format!(
            "{which} is not carried over: the platform terminates TLS; give it a certificate for the domains"
        ),
    );
}

fn restrictions(config: &DistributionConfig, note: &mut impl FnMut(&str, String)) {
    let Some(geo) = config.restrictions.as_ref().map(|r| &r.geo_restriction) else {
        return;
    };
    if geo.restriction_type.is_empty() || geo.restriction_type == "none" {
        return;
    }
    let countries = geo.items.as_deref().unwrap_or_default().join(", ");
    note(
        "Restrictions.GeoRestriction",
        format!(
            "geo restriction ({} {countries}) is not carried over: the edge answers every country; restrict them with the platform's rules",
            geo.restriction_type
        ),
    );
}

/// Notes on a behavior's settings that edgecache does not carry over.
pub(crate) fn behavior(cf: &CacheBehavior, at: &str, notes: &mut Vec<Note>) {
    signed(
        cf.trusted_signers.as_ref(),
        "TrustedSigners",
        "trusted signers",
        at,
        notes,
    );
    signed(
        cf.trusted_key_groups.as_ref(),
        "TrustedKeyGroups",
        "trusted key groups",
        at,
        notes,
    );
    let mut note = |field: &str, message: String| notes.push(Note::new(join(at, field), message));
    if matches!(
        cf.viewer_protocol_policy.as_str(),
        "redirect-to-https" | "https-only"
    ) {
        note(
            "ViewerProtocolPolicy",
            format!(
                "{} is not carried over: edgecache answers the scheme the viewer used; have the platform redirect or refuse HTTP",
                cf.viewer_protocol_policy
            ),
        );
    }
    if cf.smooth_streaming {
        note(
            "SmoothStreaming",
            "Microsoft Smooth Streaming is not carried over".to_string(),
        );
    }
    if !cf.field_level_encryption_id.is_empty() {
        note(
            "FieldLevelEncryptionId",
            format!(
                "field-level encryption {} is not carried over: encrypt the fields at the origin",
                cf.field_level_encryption_id
            ),
        );
    }
    if !cf.realtime_log_config_arn.is_empty() {
        note(
            "RealtimeLogConfigArn",
            format!(
                "real-time logs {} are not carried over: use the platform's log streaming",
                cf.realtime_log_config_arn
            ),
        );
    }
    if !cf.response_headers_policy_id.is_empty() {
        note(
            "ResponseHeadersPolicyId",
            format!(
                "response headers policy {} is not carried over: have the origin add the headers",
                cf.response_headers_policy_id
            ),
        );
    }
    if cf.grpc_config.as_ref().is_some_and(|g| g.enabled) {
        note(
            "GrpcConfig",
            "gRPC is not carried over: the edge passes HTTP requests".to_string(),
        );
    }
    functions(cf, at, notes);
}

/// Signed URLs and signed cookies.
fn signed(trusted: Option<&Trusted>, field: &str, what: &str, at: &str, notes: &mut Vec<Note>) {
    let Some(trusted) = trusted.filter(|t| t.enabled) else {
        return;
    };
    let ids = trusted.items.as_deref().unwrap_or_default().join(", ");
    notes.push(Note::new(
        join(at, field),
        format!(
            "signed URLs and cookies ({what} {ids}) are not checked: this content becomes public; check signatures at the origin, and keep the answers private"
        ),
    ));
}

/// Lambda@Edge and CloudFront Functions.
fn functions(cf: &CacheBehavior, at: &str, notes: &mut Vec<Note>) {
    let list = join(at, "LambdaFunctionAssociations");
    for (i, f) in cf.lambda_function_associations.items().iter().enumerate() {
        notes.push(Note::new(
            item(&list, i),
            format!(
                "Lambda@Edge function {} on {} is not carried over: the edge runs no functions; do its work at the origin",
                f.lambda_function_arn, f.event_type
            ),
        ));
    }
    let list = join(at, "FunctionAssociations");
    for (i, f) in cf.function_associations.items().iter().enumerate() {
        notes.push(Note::new(
            item(&list, i),
            format!(
                "CloudFront Function {} on {} is not carried over: the edge runs no functions; do its work at the origin",
                f.function_arn, f.event_type
            ),
        ));
    }
}
