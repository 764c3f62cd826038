//! CloudFront's managed policies: the ids a distribution names them by,
//! and their settings, as AWS documents them.
//!
//! Cache policies:
//! <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html>.
//! Origin request policies:
//! <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html>.
//! (The Amplify-* cache policies that page lists as used by Amplify
//! Hosting only are not here.) The ids of `UseOriginCacheControlHeaders`,
//! `UseOriginCacheControlHeaders-QueryStrings` and `HostHeaderOnly`, newer
//! than the rest, were also checked against the AWS CDK's constants for
//! them and against the policies as the CloudFront API returns them.

use super::distribution::List;
use super::policy_file::{
    CacheKey, CachePolicyConfig, CookiesConfig, HeadersConfig, OriginRequestPolicyConfig,
    QueryStringsConfig,
};

/// A query string or cookie setting.
#[derive(Debug, Clone, Copy)]
enum Names {
    None,
    All,
    Only(&'static [&'static str]),
}

/// An origin request policy's header setting.
#[derive(Debug, Clone, Copy)]
enum Headers {
    Only(&'static [&'static str]),
    AllViewer,
    AllViewerAnd(&'static [&'static str]),
    AllExcept(&'static [&'static str]),
}

/// A managed cache policy.
struct ManagedCache {
    id: &'static str,
    name: &'static str,
    ttl: [u64; 3],
    headers: &'static [&'static str],
    cookies: Names,
    query_strings: Names,
    gzip: bool,
    brotli: bool,
}

/// A managed origin request policy.
struct ManagedOrp {
    id: &'static str,
    name: &'static str,
    headers: Headers,
    cookies: Names,
    query_strings: Names,
}

const NONE: &[&str] = &[];

/// The headers `UseOriginCacheControlHeaders` and its `-QueryStrings`
/// sibling key.
const ORIGIN_CACHE_HEADERS: &[&str] = &[
    "Host",
    "Origin",
    "X-HTTP-Method-Override",
    "X-HTTP-Method",
    "X-Method-Override",
];

/// The managed cache policies: `ttl` is `[MinTTL, DefaultTTL, MaxTTL]`.
const CACHE_POLICIES: [ManagedCache; 7] = [
    ManagedCache {
        id: "2e54312d-136d-493c-8eb9-b001f22f67d2",
        name: "Amplify",
        ttl: [2, 2, 600],
        headers: &["Authorization", "CloudFront-Viewer-Country", "Host"],
        cookies: Names::All,
        query_strings: Names::All,
        gzip: true,
        brotli: true,
    },
    ManagedCache {
        id: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        name: "CachingDisabled",
        ttl: [0, 0, 0],
        headers: NONE,
        cookies: Names::None,
        query_strings: Names::None,
        gzip: false,
        brotli: false,
    },
    ManagedCache {
        id: "658327ea-f89d-4fab-a63d-7e88639e58f6",
        name: "CachingOptimized",
        ttl: [1, 86_400, 31_536_000],
        headers: NONE,
        cookies: Names::None,
        query_strings: Names::None,
        gzip: true,
        brotli: true,
    },
    ManagedCache {
        id: "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
        name: "CachingOptimizedForUncompressedObjects",
        ttl: [1, 86_400, 31_536_000],
        headers: NONE,
        cookies: Names::None,
        query_strings: Names::None,
        gzip: false,
        brotli: false,
    },
    ManagedCache {
        id: "08627262-05a9-4f76-9ded-b50ca2e3a84f",
        name: "Elemental-MediaPackage",
        ttl: [0, 86_400, 31_536_000],
        headers: &["Origin"],
        cookies: Names::None,
        query_strings: Names::Only(&["aws.manifestfilter", "start", "end", "m"]),
        gzip: true,
        brotli: false,
    },
    ManagedCache {
        id: "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
        name: "UseOriginCacheControlHeaders",
        ttl: [0, 0, 31_536_000],
        headers: ORIGIN_CACHE_HEADERS,
        cookies: Names::All,
        query_strings: Names::None,
        gzip: true,
        brotli: true,
    },
    ManagedCache {
        id: "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
        name: "UseOriginCacheControlHeaders-QueryStrings",
        ttl: [0, 0, 31_536_000],
        headers: ORIGIN_CACHE_HEADERS,
        cookies: Names::All,
        query_strings: Names::All,
        gzip: true,
        brotli: true,
    },
];

/// The CloudFront headers `AllViewerAndCloudFrontHeaders-2022-06` adds.
const CLOUDFRONT_HEADERS_2022_06: &[&str] = &[
    "CloudFront-Forwarded-Proto",
    "CloudFront-Is-Android-Viewer",
    "CloudFront-Is-Desktop-Viewer",
    "CloudFront-Is-IOS-Viewer",
    "CloudFront-Is-Mobile-Viewer",
    "CloudFront-Is-SmartTV-Viewer",
    "CloudFront-Is-Tablet-Viewer",
    "CloudFront-Viewer-Address",
    "CloudFront-Viewer-ASN",
    "CloudFront-Viewer-City",
    "CloudFront-Viewer-Country",
    "CloudFront-Viewer-Country-Name",
    "CloudFront-Viewer-Country-Region",
    "CloudFront-Viewer-Country-Region-Name",
    "CloudFront-Viewer-Http-Version",
    "CloudFront-Viewer-Latitude",
    "CloudFront-Viewer-Longitude",
    "CloudFront-Viewer-Metro-Code",
    "CloudFront-Viewer-Postal-Code",
    "CloudFront-Viewer-Time-Zone",
    "CloudFront-Viewer-TLS",
];

const CORS_S3: &[&str] = &[
    "Origin",
    "Access-Control-Request-Headers",
    "Access-Control-Request-Method",
];

/// The managed origin request policies.
const ORIGIN_REQUEST_POLICIES: [ManagedOrp; 8] = [
    ManagedOrp {
        id: "216adef6-5c7f-47e4-b989-5492eafa07d3",
        name: "AllViewer",
        headers: Headers::AllViewer,
        cookies: Names::All,
        query_strings: Names::All,
    },
    ManagedOrp {
        id: "33f36d7e-f396-46d9-90e0-52428a34d9dc",
        name: "AllViewerAndCloudFrontHeaders-2022-06",
        headers: Headers::AllViewerAnd(CLOUDFRONT_HEADERS_2022_06),
        cookies: Names::All,
        query_strings: Names::All,
    },
    ManagedOrp {
        id: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
        name: "AllViewerExceptHostHeader",
        headers: Headers::AllExcept(&["Host"]),
        cookies: Names::All,
        query_strings: Names::All,
    },
    ManagedOrp {
        id: "59781a5b-3903-41f3-afcb-af62929ccde1",
        name: "CORS-CustomOrigin",
        headers: Headers::Only(&["Origin"]),
        cookies: Names::None,
        query_strings: Names::None,
    },
    ManagedOrp {
        id: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
        name: "CORS-S3Origin",
        headers: Headers::Only(CORS_S3),
        cookies: Names::None,
        query_strings: Names::None,
    },
    ManagedOrp {
        id: "775133bc-15f2-49f9-abea-afb2e0bf67d2",
        name: "Elemental-MediaTailor-PersonalizedManifests",
        headers: Headers::Only(&[
            "Origin",
            "Access-Control-Request-Headers",
            "Access-Control-Request-Method",
            "User-Agent",
            "X-Forwarded-For",
        ]),
        cookies: Names::None,
        query_strings: Names::All,
    },
    ManagedOrp {
        id: "bf0718e1-ba1e-49d1-88b1-f726733018ae",
        name: "HostHeaderOnly",
        headers: Headers::Only(&["Host"]),
        cookies: Names::None,
        query_strings: Names::None,
    },
    ManagedOrp {
        id: "acba4595-bd28-49b8-b9fe-13317c0390fa",
        name: "UserAgentRefererHeaders",
        headers: Headers::Only(&["User-Agent", "Referer"]),
        cookies: Names::None,
        query_strings: Names::None,
    },
];

/// The managed cache policy with this id: its name and settings.
pub(crate) fn cache_policy(id: &str) -> Option<(&'static str, CachePolicyConfig)> {
    let managed = CACHE_POLICIES.iter().find(|p| p.id == id)?;
    let [min, default, max] = managed.ttl;
    let config = CachePolicyConfig {
        name: managed.name.to_string(),
        min_ttl: min,
        default_ttl: Some(default),
        max_ttl: Some(max),
        parameters_in_cache_key_and_forwarded_to_origin: CacheKey {
            enable_accept_encoding_gzip: managed.gzip,
            enable_accept_encoding_brotli: managed.brotli,
            headers_config: headers_config(if managed.headers.is_empty() {
                ("none", NONE)
            } else {
                ("whitelist", managed.headers)
            }),
            cookies_config: cookies(managed.cookies),
            query_strings_config: query_strings(managed.query_strings),
        },
    };
    Some((managed.name, config))
}

/// The managed origin request policy with this id: its name and settings.
pub(crate) fn origin_request_policy(id: &str) -> Option<(&'static str, OriginRequestPolicyConfig)> {
    let managed = ORIGIN_REQUEST_POLICIES.iter().find(|p| p.id == id)?;
    let headers = match managed.headers {
        Headers::Only(names) => ("whitelist", names),
        Headers::AllViewer => ("allViewer", NONE),
        Headers::AllViewerAnd(names) => ("allViewerAndWhitelistCloudFront", names),
        Headers::AllExcept(names) => ("allExcept", names),
    };
    let config = OriginRequestPolicyConfig {
        name: managed.name.to_string(),
        headers_config: headers_config(headers),
        cookies_config: cookies(managed.cookies),
        query_strings_config: query_strings(managed.query_strings),
    };
    Some((managed.name, config))
}

fn headers_config((behavior, names): (&str, &[&str])) -> HeadersConfig {
    HeadersConfig {
        header_behavior: behavior.to_string(),
        headers: list(names),
    }
}

fn cookies(names: Names) -> CookiesConfig {
    let (behavior, names) = behavior(names);
    CookiesConfig {
        cookie_behavior: behavior.to_string(),
        cookies: list(names),
    }
}

fn query_strings(names: Names) -> QueryStringsConfig {
    let (behavior, names) = behavior(names);
    QueryStringsConfig {
        query_string_behavior: behavior.to_string(),
        query_strings: list(names),
    }
}

fn behavior(names: Names) -> (&'static str, &'static [&'static str]) {
    match names {
        Names::None => ("none", NONE),
        Names::All => ("all", NONE),
        Names::Only(names) => ("whitelist", names),
    }
}

fn list(names: &[&str]) -> List<String> {
    List::of(names.iter().map(|n| n.to_string()).collect())
}

#[cfg(test)]
mod tests;
