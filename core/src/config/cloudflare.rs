//! What a Worker's `fetch` cannot do with an origin as configured:
//! reach HTTPS on a port other than 443, reach a raw IP address, or send
//! a Host of its own. `edgecache check --platform cloudflare` refuses
//! such a configuration; a Worker that runs one anyway logs each problem
//! once, since the origin then gets something other than what the
//! configuration says.

use super::{HostHeader, Origin, ProtocolPolicy};

/// One thing a Worker cannot do with an origin as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// The JSON path concerned (`origins.<name>.<field>`).
    pub path: String,
    /// What happens instead, and what to do.
    pub message: String,
    /// Where Cloudflare documents it.
    pub source: &'static str,
}

const PORTS: &str = "Cloudflare: a Worker's fetch to HTTPS goes to port 443 whatever the URL says \
     (https://github.com/cloudflare/workers-sdk/issues/1320, https://github.com/cloudflare/cloudflare-docs/issues/5998)";
const IP: &str = "Cloudflare error 1003: a Worker cannot fetch a raw IP address \
     (https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/error-1003/)";
const HOST: &str = "Workers fetch sends the URL's host as Host and cannot set another \
     (https://developers.cloudflare.com/workers/runtime-apis/request/)";

/// What a Worker's `fetch` cannot do with `origin` as configured.
///
/// ```
/// # use edgecache_core::Config;
/// # use edgecache_core::config::cloudflare_unreachable;
/// let config = Config::from_json(r#"{"origins": {"api": {"domain": "192.0.2.10"}},
///     "cache_policies": {"p": {}}, "default_behavior": {"origin": "api", "cache_policy": "p"}}"#).unwrap();
/// let problems = cloudflare_unreachable(&config.origins()[0]);
/// assert_eq!(problems[0].path, "origins.api.domain");
/// ```
pub fn cloudflare_unreachable(origin: &Origin) -> Vec<Unreachable> {
    let at = |field: &str| format!("origins.{}.{field}", origin.name);
    let mut out = Vec::new();
    if origin.protocol != ProtocolPolicy::HttpOnly && origin.https_port != 443 {
        out.push(Unreachable {
            path: at("https_port"),
            message: format!(
                "HTTPS port {} is replaced by 443 on Cloudflare: serve HTTPS on 443, or reach the origin through a host name that does",
                origin.https_port
            ),
            source: PORTS,
        });
    }
    let bare = origin.domain.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        out.push(Unreachable {
            path: at("domain"),
            message: "a raw IP address, which a Worker cannot fetch: give the origin a DNS name"
                .to_string(),
            source: IP,
        });
    }
    if origin.host_header != HostHeader::Origin {
        out.push(Unreachable {
            path: at("host_header"),
            message: "the origin receives its own domain as Host on Cloudflare, whatever host_header says: \
                      point the domain at a name the origin answers for"
                .to_string(),
            source: HOST,
        });
    }
    out
}
