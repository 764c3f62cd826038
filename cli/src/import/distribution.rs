//! The distribution as the AWS CLI prints it (`aws cloudfront
//! get-distribution-config`), field names as CloudFront spells them.
//!
//! Lenient: fields edgecache has no use for are ignored, and absent ones
//! take CloudFront's defaults. Field reference:
//! <https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html>.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;

/// CloudFront's `{"Quantity": n, "Items": [...]}` list; `Items` may be absent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct List<T> {
    #[serde(default)]
    items: Option<Vec<T>>,
}

impl<T> List<T> {
    /// A list of these elements.
    pub(crate) fn of(items: Vec<T>) -> Self {
        List { items: Some(items) }
    }

    /// The elements, none when `Items` is absent.
    pub(crate) fn items(&self) -> &[T] {
        self.items.as_deref().unwrap_or_default()
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List { items: None }
    }
}

/// The distribution's settings.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct DistributionConfig {
    pub(crate) aliases: List<String>,
    pub(crate) default_root_object: String,
    pub(crate) origins: List<Origin>,
    pub(crate) origin_groups: List<OriginGroup>,
    pub(crate) default_cache_behavior: Option<CacheBehavior>,
    pub(crate) cache_behaviors: List<CacheBehavior>,
    pub(crate) custom_error_responses: List<CustomErrorResponse>,
    pub(crate) logging: Option<Logging>,
    pub(crate) price_class: String,
    pub(crate) viewer_certificate: Option<ViewerCertificate>,
    pub(crate) restrictions: Option<Restrictions>,
    #[serde(rename = "WebACLId")]
    pub(crate) web_acl_id: String,
    pub(crate) continuous_deployment_policy_id: String,
    pub(crate) staging: bool,
}

/// One origin.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct Origin {
    pub(crate) id: String,
    pub(crate) domain_name: String,
    pub(crate) origin_path: String,
    pub(crate) custom_headers: List<CustomHeader>,
    pub(crate) s3_origin_config: Option<S3OriginConfig>,
    pub(crate) custom_origin_config: Option<CustomOriginConfig>,
    pub(crate) vpc_origin_config: Option<VpcOriginConfig>,
    pub(crate) connection_attempts: Option<u64>,
    pub(crate) connection_timeout: Option<u64>,
    pub(crate) response_completion_timeout: Option<u64>,
    pub(crate) origin_shield: Option<OriginShield>,
    pub(crate) origin_access_control_id: String,
}

/// An origin custom header.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CustomHeader {
    pub(crate) header_name: String,
    pub(crate) header_value: String,
}

/// An Amazon S3 bucket origin (not a website endpoint).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct S3OriginConfig {
    pub(crate) origin_access_identity: String,
    pub(crate) origin_read_timeout: Option<u64>,
}

/// Any other origin.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CustomOriginConfig {
    #[serde(rename = "HTTPPort")]
    pub(crate) http_port: Option<u16>,
    #[serde(rename = "HTTPSPort")]
    pub(crate) https_port: Option<u16>,
    pub(crate) origin_protocol_policy: String,
    pub(crate) origin_ssl_protocols: List<String>,
    pub(crate) origin_read_timeout: Option<u64>,
    pub(crate) origin_keepalive_timeout: Option<u64>,
}

/// A private origin in a VPC, reachable only from CloudFront.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct VpcOriginConfig {
    pub(crate) vpc_origin_id: String,
    pub(crate) origin_read_timeout: Option<u64>,
}

/// Origin Shield.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct OriginShield {
    pub(crate) enabled: bool,
    pub(crate) origin_shield_region: String,
}

/// A failover pair of origins.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct OriginGroup {
    pub(crate) id: String,
    pub(crate) failover_criteria: FailoverCriteria,
    pub(crate) members: List<OriginGroupMember>,
}

/// The statuses that make an origin group fail over.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct FailoverCriteria {
    pub(crate) status_codes: List<u16>,
}

/// An origin of an origin group.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct OriginGroupMember {
    pub(crate) origin_id: String,
}

/// A cache behavior, or the default one (without `PathPattern`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CacheBehavior {
    pub(crate) path_pattern: Option<String>,
    pub(crate) target_origin_id: String,
    pub(crate) trusted_signers: Option<Trusted>,
    pub(crate) trusted_key_groups: Option<Trusted>,
    pub(crate) viewer_protocol_policy: String,
    pub(crate) allowed_methods: Option<AllowedMethods>,
    pub(crate) smooth_streaming: bool,
    pub(crate) compress: bool,
    pub(crate) lambda_function_associations: List<LambdaFunctionAssociation>,
    pub(crate) function_associations: List<FunctionAssociation>,
    pub(crate) field_level_encryption_id: String,
    pub(crate) realtime_log_config_arn: String,
    pub(crate) cache_policy_id: String,
    pub(crate) origin_request_policy_id: String,
    pub(crate) response_headers_policy_id: String,
    pub(crate) grpc_config: Option<GrpcConfig>,
    pub(crate) forwarded_values: Option<ForwardedValues>,
    #[serde(rename = "MinTTL")]
    pub(crate) min_ttl: Option<u64>,
    #[serde(rename = "DefaultTTL")]
    pub(crate) default_ttl: Option<u64>,
    #[serde(rename = "MaxTTL")]
    pub(crate) max_ttl: Option<u64>,
}

/// Trusted signers (AWS accounts) or trusted key groups: signed URLs and cookies.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct Trusted {
    pub(crate) enabled: bool,
    pub(crate) items: Option<Vec<String>>,
}

/// The methods answered, with the methods cached inside.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct AllowedMethods {
    pub(crate) items: Option<Vec<String>>,
    pub(crate) cached_methods: Option<List<String>>,
}

/// A Lambda@Edge function on one of the four events.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct LambdaFunctionAssociation {
    #[serde(rename = "LambdaFunctionARN")]
    pub(crate) lambda_function_arn: String,
    pub(crate) event_type: String,
}

/// A CloudFront Function on the viewer request or response.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct FunctionAssociation {
    #[serde(rename = "FunctionARN")]
    pub(crate) function_arn: String,
    pub(crate) event_type: String,
}

/// gRPC pass-through.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct GrpcConfig {
    pub(crate) enabled: bool,
}

/// The legacy cache settings: what is forwarded, and so keyed.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ForwardedValues {
    pub(crate) query_string: bool,
    pub(crate) cookies: CookiePreference,
    pub(crate) headers: List<String>,
    pub(crate) query_string_cache_keys: List<String>,
}

/// The legacy cookie forwarding: `none`, `whitelist` or `all`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CookiePreference {
    pub(crate) forward: String,
    pub(crate) whitelisted_names: List<String>,
}

/// A custom error response.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CustomErrorResponse {
    pub(crate) error_code: u16,
    pub(crate) response_page_path: String,
    pub(crate) response_code: String,
    #[serde(rename = "ErrorCachingMinTTL")]
    pub(crate) error_caching_min_ttl: Option<u64>,
}

/// Standard logging.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct Logging {
    pub(crate) enabled: bool,
    pub(crate) bucket: String,
}

/// The viewer certificate.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ViewerCertificate {
    #[serde(rename = "CloudFrontDefaultCertificate")]
    pub(crate) cloudfront_default_certificate: bool,
    #[serde(rename = "ACMCertificateArn")]
    pub(crate) acm_certificate_arn: String,
    #[serde(rename = "IAMCertificateId")]
    pub(crate) iam_certificate_id: String,
}

/// Restrictions: geo restriction only.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct Restrictions {
    pub(crate) geo_restriction: GeoRestriction,
}

/// Countries allowed or refused.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct GeoRestriction {
    pub(crate) restriction_type: String,
    pub(crate) items: Option<Vec<String>>,
}

/// A distribution read from a file: its settings and where they are.
#[derive(Debug)]
pub(crate) struct Document {
    /// The settings.
    pub(crate) config: DistributionConfig,
    /// The JSON path of the settings in the file (`DistributionConfig`,
    /// `Distribution.DistributionConfig`, or empty for a bare object).
    pub(crate) root: String,
}

/// Finds the `DistributionConfig` in the output of `get-distribution-config`,
/// `get-distribution`, or a bare one, and reads it.
pub(crate) fn document(value: &Value, file: &str) -> Result<Document, Error> {
    let (root, config) = if let Some(config) = value.get("DistributionConfig") {
        ("DistributionConfig", config)
    } else if let Some(config) = value.pointer("/Distribution/DistributionConfig") {
        ("Distribution.DistributionConfig", config)
    } else if value.get("Origins").is_some() && value.get("DefaultCacheBehavior").is_some() {
        ("", value)
    } else {
        return Err(Error::new(format!(
            "{file}: expected the output of `aws cloudfront get-distribution-config` \
             (an object with DistributionConfig), of `get-distribution`, or a DistributionConfig"
        )));
    };
    Ok(Document {
        config: read(config, root, file)?,
        root: root.to_string(),
    })
}

/// Deserializes `value`, an error naming the file and the JSON path at fault.
pub(crate) fn read<T: DeserializeOwned>(value: &Value, root: &str, file: &str) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let at = if inner == "." {
            root.to_string()
        } else {
            super::note::join(root, &inner)
        };
        let at = if at.is_empty() { "$".to_string() } else { at };
        Error::new(format!("{file}: {at}: {}", e.inner()))
    })
}
