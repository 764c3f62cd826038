//! The precompiled form of a validated configuration: what the edge
//! functions embed at build time and what `edgecache check --compile`
//! writes for a config store, so that an instance loads its configuration
//! without parsing JSON or validating it again.
//!
//! The form is a binary encoding (postcard) of [`Config`] behind a header
//! naming the format and the edgecache version that wrote it: a form from
//! another version is refused, never misread, since the encoding carries
//! no field names. Reading it back checks only what indexing relies on
//! (every origin and policy a behavior names exists), so that no form,
//! however damaged, can make the function panic.
//!
//! Config stores hold text: there the form is written as
//! [`PRECOMPILED_TEXT_PREFIX`] followed by its base64, with a checksum
//! (FNV-1a, 64 bits) after the form, so that a document damaged on its
//! way into a store (a truncated paste, a changed character) is refused
//! instead of read as another configuration: the index checks alone
//! would let a changed domain or TTL through. The embedded form needs no
//! checksum: it is part of the function's own binary.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::schema::HostHeader;
use super::validate::{is_field_value, is_host_name, is_token};
use super::{Behavior, Config};
use crate::error::{ConfigError, Error};

/// The header of the binary form: a name, then the encoding's version.
/// Bump [`FORMAT`] whenever a type inside [`Config`] changes; the golden
/// test of the demo's precompiled form fails until then.
const MAGIC: &[u8] = b"edgecache-config";
const FORMAT: u8 = 2;

/// How the text form of a precompiled configuration starts.
pub const PRECOMPILED_TEXT_PREFIX: &str = "edgecache-precompiled:";

/// The largest binary form read back (1 MiB): a configuration is a few
/// kilobytes, so anything larger is not one.
pub const MAX_PRECOMPILED_BYTES: usize = 1 << 20;

impl Config {
    /// The binary precompiled form, which [`Config::from_precompiled`]
    /// reads back.
    ///
    /// ```
    /// let config = edgecache_core::Config::from_json(r#"{
    ///     "origins": {"api": {"domain": "api.example.com"}},
    ///     "cache_policies": {"default": {}},
    ///     "default_behavior": {"origin": "api", "cache_policy": "default"}
    /// }"#).unwrap();
    /// let again = edgecache_core::Config::from_precompiled(Vec::leak(config.to_precompiled())).unwrap();
    /// assert_eq!(again.origins(), config.origins());
    /// ```
    pub fn to_precompiled(&self) -> Vec<u8> {
        let mut out = precompiled_header();
        // Writing plain data into a Vec cannot fail.
        out.extend(postcard::to_allocvec(self).unwrap_or_default());
        out
    }

    /// Reads a binary precompiled form: no JSON parsing and no
    /// validation, only the checks that keep indexing in bounds. Path
    /// patterns borrow their text from `bytes`, which the program keeps:
    /// embedded with `include_bytes!`, or leaked once read from a store.
    pub fn from_precompiled(bytes: &'static [u8]) -> Result<Config, Error> {
        if bytes.len() > MAX_PRECOMPILED_BYTES {
            return Err(refused(format!(
                "{} bytes, more than the {MAX_PRECOMPILED_BYTES} a configuration may take",
                bytes.len()
            )));
        }
        let body = bytes
            .strip_prefix(precompiled_header().as_slice())
            .ok_or_else(|| {
                refused(format!(
                    "not written by this version of edgecache ({}, format {FORMAT}): \
                 compile the configuration again with its `edgecache check --compile`",
                    env!("CARGO_PKG_VERSION")
                ))
            })?;
        // Nothing may follow the configuration: a form with more fields
        // than this version's is another version's, not this one's.
        let config: Config = match postcard::take_from_bytes(body) {
            Ok((config, [])) => config,
            Ok(_) => return Err(refused("damaged: bytes after the configuration")),
            Err(e) => return Err(refused(format!("damaged: {e}"))),
        };
        config.check_indices()?;
        config.check_wire()?;
        Ok(config)
    }

    /// The text form for a config store: [`PRECOMPILED_TEXT_PREFIX`] and
    /// the binary form in base64.
    pub fn to_precompiled_text(&self) -> String {
        let mut bytes = self.to_precompiled();
        bytes.extend_from_slice(&fnv1a(&bytes).to_be_bytes());
        let mut text = PRECOMPILED_TEXT_PREFIX.to_string();
        BASE64.encode_string(bytes, &mut text);
        text
    }

    /// Reads a document from a config store: the text form of a
    /// precompiled configuration, or a JSON one (parsed and validated).
    pub fn from_document(text: &str) -> Result<Config, Error> {
        if text.trim().starts_with(PRECOMPILED_TEXT_PREFIX) {
            Config::from_precompiled_text(text)
        } else {
            Config::from_json(text)
        }
    }

    /// Reads the text form of a precompiled configuration, and refuses
    /// anything else, JSON included, saying how to write the text form:
    /// for a build that leaves JSON parsing and validation out (the
    /// Cloudflare Worker, for its size).
    ///
    /// ```
    /// use edgecache_core::Config;
    /// let config = Config::from_json(r#"{
    ///     "origins": {"api": {"domain": "api.example.com"}},
    ///     "cache_policies": {"default": {}},
    ///     "default_behavior": {"origin": "api", "cache_policy": "default"}
    /// }"#).unwrap();
    /// let text = config.to_precompiled_text();
    /// assert!(Config::from_precompiled_text(&text).is_ok());
    /// let json = Config::from_precompiled_text("{}").unwrap_err();
    /// assert!(json.to_string().contains("edgecache check CONFIG --compile"));
    /// ```
    pub fn from_precompiled_text(text: &str) -> Result<Config, Error> {
        let Some(encoded) = text.trim().strip_prefix(PRECOMPILED_TEXT_PREFIX) else {
            return Err(refused(format!(
                "this build reads only the precompiled text (\"{PRECOMPILED_TEXT_PREFIX}...\"), \
                 not JSON: write it with `edgecache check CONFIG --compile`, which also lists \
                 every problem a JSON document has"
            )));
        };
        let mut bytes = match BASE64.decode(encoded) {
            Ok(bytes) => bytes,
            Err(e) => return Err(refused(format!("not base64: {e}"))),
        };
        let form = bytes.len().saturating_sub(8);
        let sum = bytes.split_off(form);
        if sum != fnv1a(&bytes).to_be_bytes() {
            return Err(refused(
                "damaged: its checksum does not match; write it again from edgecache check --compile",
            ));
        }
        // An instance lives for one request (Fastly) or keeps its
        // configuration until the document changes (Workers): the few
        // kilobytes leaked here are what the configuration holds.
        Config::from_precompiled(Vec::leak(bytes))
    }

    /// Whether every index a behavior holds resolves.
    fn check_indices(&self) -> Result<(), Error> {
        let fits = |b: &Behavior| {
            b.origin < self.origins.len()
                && b.cache_policy < self.cache_policies.len()
                && b.origin_request_policy
                    .is_none_or(|i| i < self.origin_request_policies.len())
        };
        let all = self.behaviors.iter().chain([&self.default_behavior]);
        if all.clone().all(fits) && self.behaviors.iter().all(|b| b.pattern.is_some()) {
            Ok(())
        } else {
            Err(refused(
                "damaged: a behavior names a missing origin or policy",
            ))
        }
    }
}

impl Config {
    /// Whether what the edge puts on the wire from the configuration is
    /// valid there: origin domains, paths, custom headers and Host values,
    /// the header names keys read. Validation made them so; a form forged
    /// past the checksum must not make a platform's header API panic.
    fn check_wire(&self) -> Result<(), Error> {
        let origin_ok = |o: &super::Origin| {
            is_host_name(&o.domain)
                && (o.path.is_empty() || o.path.starts_with('/'))
                && o.path.bytes().all(|b| b.is_ascii_graphic())
                && o.custom_headers
                    .iter()
                    .all(|(name, value)| is_token(name) && is_field_value(value))
                && match &o.host_header {
                    HostHeader::Custom(host) => !host.is_empty() && is_field_value(host),
                    HostHeader::Origin | HostHeader::Viewer => true,
                }
                && o.shield
                    .as_deref()
                    .is_none_or(super::validate::is_shield_code)
        };
        let policies_ok = self.cache_policies.iter().all(|p| {
            p.headers
                .iter()
                .chain(&p.targeted_cache_control)
                .all(|h| is_token(h))
        });
        let path_ok = self.invalidation_path.starts_with('/')
            && self.invalidation_path.bytes().all(|b| b.is_ascii_graphic());
        if self.origins.iter().all(origin_ok) && policies_ok && path_ok {
            Ok(())
        } else {
            Err(refused(
                "damaged: a value the edge sends is not valid on the wire",
            ))
        }
    }
}

/// The bytes every precompiled form of this version starts with: a name,
/// the format's version and edgecache's.
pub fn precompiled_header() -> Vec<u8> {
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let mut header = Vec::with_capacity(MAGIC.len() + version.len() + 2);
    header.extend_from_slice(MAGIC);
    header.push(FORMAT);
    header.extend_from_slice(version);
    header.push(0);
    header
}

/// FNV-1a, 64 bits: a checksum against damage, not against forgery (who
/// can write the store can write any configuration).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn refused(message: impl Into<String>) -> Error {
    Error::config(vec![ConfigError::new(
        "$",
        format!("precompiled configuration: {}", message.into()),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../../config/demo.json");

    fn demo() -> Config {
        Config::from_json(DEMO).unwrap()
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let config = demo();
        let again = Config::from_precompiled(Vec::leak(config.to_precompiled())).unwrap();
        assert_eq!(format!("{again:?}"), format!("{config:?}"));
    }

    #[test]
    fn a_store_document_may_be_json_or_the_text_form() {
        let config = demo();
        let from_text = Config::from_document(&config.to_precompiled_text()).unwrap();
        let from_json = Config::from_document(DEMO).unwrap();
        assert_eq!(format!("{from_text:?}"), format!("{from_json:?}"));
        assert!(config.to_precompiled_text().len() < DEMO.len());
    }

    /// A configuration using every variant of every type inside `Config`,
    /// so that a change to any of them changes its form.
    const EVERY_VARIANT: &str = r#"{
        "origins": {
            "a": {"domain": "a.example", "protocol": "https-only", "http_port": 8080,
                  "https_port": 8443, "path": "/v1", "custom_headers": {"X-Secret": "s"},
                  "host_header": {"custom": "api.example"}, "connect_timeout_ms": 1,
                  "first_byte_timeout_ms": 2, "between_bytes_timeout_ms": 3},
            "b": {"domain": "b.example", "protocol": "http-only", "host_header": "viewer",
                  "shield": "iad-va-us"},
            "d": {"domain": "d.example", "protocol": "match-viewer"},
            "c": {"domain": "c.example"}
        },
        "cache_policies": {
            "p": {"min_ttl": 1, "default_ttl": 2, "max_ttl": 3,
                  "query_strings": {"behavior": "whitelist", "names": ["q"]},
                  "headers": ["Accept-Language"],
                  "cookies": {"behavior": "all_except", "names": ["c"]},
                  "accept_encoding": {"gzip": true, "brotli": false},
                  "canonicalize_query": {"sort": true, "dedupe": true},
                  "include_host": true, "cloudfront_min_ttl_override": true,
                  "origin_ignores_unkeyed_credentials": true, "heuristic_freshness": true,
                  "honor_request_directives": true, "targeted_cache_control": ["cdn-cache-control"],
                  "max_object_bytes": 5, "stale_while_revalidate": 6, "stale_if_error": 7},
            "q": {"query_strings": {"behavior": "all"}, "cookies": {"behavior": "none"},
                  "default_ttl": 0}
        },
        "origin_request_policies": {
            "o": {"query_strings": {"behavior": "all"}, "headers": {"behavior": "all_viewer"},
                  "cookies": {"behavior": "whitelist", "names": ["s"]}},
            "r": {"headers": {"behavior": "all_except", "names": ["x-a"]}},
            "w": {"headers": {"behavior": "whitelist", "names": ["x-b"]}}
        },
        "behaviors": [
            {"path_pattern": "/a/*", "origin": "a", "cache_policy": "p", "origin_request_policy": "o",
             "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
             "cached_methods": ["GET", "HEAD", "OPTIONS"], "allow_extension_methods": true,
             "invalidate_on_unsafe_methods": true},
            {"path_pattern": "/b/?", "origin": "b", "cache_policy": "q", "origin_request_policy": "r"},
            {"path_pattern": "/w", "origin": "c", "cache_policy": "q", "origin_request_policy": "w"}
        ],
        "default_behavior": {"origin": "d", "cache_policy": "q"},
        "error_caching_min_ttl": {"404": 5},
        "invalidation": {"path": "/purge"}
    }"#;

    /// Pins the encoding: when this fails, a type inside `Config` changed
    /// (or this configuration did), so bump `FORMAT` (forms written
    /// before must not be misread), then update the expected hash.
    #[test]
    fn the_form_of_every_variant_is_pinned() {
        use sha2::{Digest, Sha256};
        let config = Config::from_json(EVERY_VARIANT).unwrap();
        let bytes = config.to_precompiled();
        assert_eq!(bytes[MAGIC.len()], FORMAT);
        let body = &bytes[precompiled_header().len()..];
        let hash: String = Sha256::digest(body)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            (body.len(), hash.as_str()),
            (354, "fc8a2bd3305f4c6e"),
            "the encoding changed: bump FORMAT"
        );
        let again = Config::from_precompiled(Vec::leak(bytes)).unwrap();
        assert_eq!(format!("{again:?}"), format!("{config:?}"));
    }

    #[test]
    fn another_version_is_refused_by_name() {
        let mut bytes = demo().to_precompiled();
        bytes[MAGIC.len()] = FORMAT + 1;
        let error = Config::from_precompiled(Vec::leak(bytes)).unwrap_err();
        assert!(
            error.to_string().contains("edgecache check --compile"),
            "{error}"
        );
    }

    #[test]
    fn a_damaged_form_is_an_error_not_a_panic() {
        let bytes: &'static [u8] = Vec::leak(demo().to_precompiled());
        for cut in 0..bytes.len() {
            let _ = Config::from_precompiled(&bytes[..cut]);
        }
        for at in precompiled_header().len()..bytes.len() {
            let mut damaged = bytes.to_vec();
            damaged[at] ^= 0xff;
            if let Ok(config) = Config::from_precompiled(Vec::leak(damaged)) {
                config.check_indices().unwrap();
            }
        }
        let text = Config::from_document("edgecache-precompiled:@@@").unwrap_err();
        assert!(text.to_string().contains("base64"), "{text}");
    }

    #[test]
    fn a_store_text_changed_anywhere_is_refused_by_its_checksum() {
        let text = demo().to_precompiled_text();
        let encoded = text.strip_prefix(PRECOMPILED_TEXT_PREFIX).unwrap();
        let bytes = BASE64.decode(encoded).unwrap();
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x20;
            let text = format!("{PRECOMPILED_TEXT_PREFIX}{}", BASE64.encode(&damaged));
            let error = Config::from_document(&text).unwrap_err();
            assert!(error.to_string().contains("checksum"), "{at}: {error}");
        }
        let cut = &text[..text.len() - 8];
        assert!(Config::from_document(cut).is_err());
    }

    #[test]
    fn a_forged_form_cannot_put_invalid_bytes_on_the_wire() {
        let forgeries: [fn(&mut Config); 4] = [
            |c| c.origins[0].custom_headers[0].1 = "demo\nsecret".into(),
            |c| c.origins[0].custom_headers[0].0 = "x origin".into(),
            |c| c.origins[0].domain = "evil.example/steal?".into(),
            |c| c.cache_policies[0].headers.push("bad header".into()),
        ];
        for forge in forgeries {
            let mut config = demo();
            forge(&mut config);
            let error = Config::from_precompiled(Vec::leak(config.to_precompiled())).unwrap_err();
            assert!(error.to_string().contains("wire"), "{error}");
        }
    }

    #[test]
    fn bytes_after_the_configuration_are_refused() {
        let mut bytes = demo().to_precompiled();
        bytes.push(0);
        let error = Config::from_precompiled(Vec::leak(bytes)).unwrap_err();
        assert!(error.to_string().contains("after"), "{error}");
    }

    #[test]
    fn an_index_out_of_range_is_refused() {
        let mut config = demo();
        config.default_behavior.origin = config.origins.len();
        let error = Config::from_precompiled(Vec::leak(config.to_precompiled())).unwrap_err();
        assert!(error.to_string().contains("missing origin"), "{error}");
    }
}
