//! `--assume` rules: what the origin answers, per behavior, since an
//! access log has no origin headers.
//!
//! `PATTERN=CACHE-CONTROL[:SHARE%]`: for the behavior whose path pattern
//! is PATTERN (`*` for the default), SHARE of the resources answer with
//! that `Cache-Control` (all of them without a share). Several rules for
//! one behavior split its resources; the rest answer with no
//! `Cache-Control`, so the cache policy's default TTL applies. A resource
//! is picked by a hash of its cache key, so the same resource always gets
//! the same answer, as an origin deciding per resource would give.

use serde::Serialize;

use edgecache_core::Config;

use crate::Error;

/// One rule, as shown in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// The behavior's path pattern as configured, or `*` for the default.
    pub pattern: String,
    /// The `Cache-Control` value the origin answers with, as given.
    pub cache_control: String,
    /// Hundredths of a percent (10000 = every resource).
    #[serde(skip)]
    basis_points: u32,
    /// The share of the behavior's resources that answer so, in percent
    /// (100 without a share).
    pub share_percent: f64,
}

/// Every rule, grouped by behavior.
#[derive(Debug, Clone, Default)]
pub struct Assumptions {
    /// Indexed like the behaviors, the default last.
    by_behavior: Vec<Vec<Rule>>,
}

impl Assumptions {
    /// Parses `--assume` arguments against the configuration's behaviors.
    pub fn parse(config: &Config, args: &[String]) -> Result<Assumptions, Error> {
        let labels: Vec<&str> = config
            .behaviors()
            .iter()
            .map(|b| b.label())
            .chain(["*"])
            .collect();
        let mut by_behavior = vec![Vec::new(); labels.len()];
        for arg in args {
            let rule = parse_rule(arg)?;
            let index = labels.iter().position(|l| *l == rule.pattern).ok_or_else(|| {
                Error::new(format!(
                    "--assume {arg:?}: no behavior has the path pattern {:?}; the patterns are {}",
                    rule.pattern,
                    labels.join(", ")
                ))
            })?;
            by_behavior[index].push(rule);
        }
        for (rules, label) in by_behavior.iter().zip(&labels) {
            let total: u32 = rules.iter().map(|r| r.basis_points).sum();
            if total > 10_000 {
                return Err(Error::new(format!(
                    "--assume: the shares for {label} add up to {}%, more than 100%",
                    f64::from(total) / 100.0
                )));
            }
        }
        Ok(Assumptions { by_behavior })
    }

    /// The `Cache-Control` the origin answers for the resource whose key
    /// hashes to `key_hash`, in behavior `behavior`; `None`: no header.
    pub fn cache_control(&self, behavior: usize, key_hash: u64) -> Option<&str> {
        let rules = self.by_behavior.get(behavior)?;
        let draw = (key_hash % 10_000) as u32;
        let mut upto = 0;
        rules.iter().find_map(|rule| {
            upto += rule.basis_points;
            (draw < upto).then_some(rule.cache_control.as_str())
        })
    }

    /// Every rule, in behavior order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.by_behavior.iter().flatten()
    }
}

fn parse_rule(arg: &str) -> Result<Rule, Error> {
    let bad = |why: &str| {
        Error::new(format!(
            "--assume {arg:?}: {why}; expected PATTERN=CACHE-CONTROL[:SHARE%], e.g. '/products/*=no-cache:30%'"
        ))
    };
    let (pattern, rest) = arg.split_once('=').ok_or_else(|| bad("no ="))?;
    let (cache_control, basis_points) = match rest.rsplit_once(':') {
        Some((cc, share)) if share.trim().ends_with('%') => {
            let number = share.trim().trim_end_matches('%').trim();
            let percent: f64 = number
                .parse()
                .ok()
                .filter(|p: &f64| (0.0..=100.0).contains(p))
                .ok_or_else(|| bad("the share is not a percentage from 0 to 100"))?;
            (cc, (percent * 100.0).round() as u32)
        }
        _ => (rest, 10_000),
    };
    let cache_control = cache_control.trim();
    if cache_control.bytes().any(|b| b.is_ascii_control()) {
        return Err(bad("the Cache-Control value has a control character"));
    }
    Ok(Rule {
        pattern: pattern.trim().to_string(),
        cache_control: cache_control.to_string(),
        basis_points,
        share_percent: f64::from(basis_points) / 100.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_json(include_str!("../../../config/demo.json")).unwrap()
    }

    #[test]
    fn splits_a_behaviors_resources_by_share() {
        let rules = [
            "/products/*=public, max-age=604800:70%".to_string(),
            "/products/*=no-cache:25%".to_string(),
        ];
        let assumptions = Assumptions::parse(&config(), &rules).unwrap();
        let products = 3;
        let answers: Vec<Option<&str>> = [0u64, 6_999, 7_000, 9_499, 9_500, 19_999]
            .iter()
            .map(|h| assumptions.cache_control(products, *h))
            .collect();
        assert_eq!(
            answers,
            [
                Some("public, max-age=604800"),
                Some("public, max-age=604800"),
                Some("no-cache"),
                Some("no-cache"),
                None,
                None
            ]
        );
        assert_eq!(assumptions.cache_control(0, 0), None);
    }

    #[test]
    fn a_rule_without_share_covers_every_resource() {
        let assumptions = Assumptions::parse(&config(), &["*=max-age=60".to_string()]).unwrap();
        assert_eq!(assumptions.cache_control(4, 9_999), Some("max-age=60"));
    }

    #[test]
    fn rejects_unknown_patterns_bad_shares_and_overfull_behaviors() {
        let table = [
            ("/nope/*=no-cache", "no behavior has the path pattern"),
            ("/media/*", "no ="),
            ("/media/*=no-cache:150%", "not a percentage"),
            ("/media/*=no-cache:x%", "not a percentage"),
        ];
        for (arg, why) in table {
            let error = Assumptions::parse(&config(), &[arg.to_string()]).unwrap_err();
            assert!(error.to_string().contains(why), "{arg}: {error}");
        }
        let overfull = [
            "/media/*=no-cache:60%".to_string(),
            "/media/*=max-age=1:50%".to_string(),
        ];
        let error = Assumptions::parse(&config(), &overfull).unwrap_err();
        assert!(error.to_string().contains("110%"), "{error}");
    }
}
