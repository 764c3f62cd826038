//! Names for the policies an import writes: a managed policy's name, a
//! custom policy's `Name`, and for legacy settings, which have none,
//! `legacy-` and the behavior's path pattern. Identical legacy policies
//! are written once, under the first one's name; different policies never
//! share a name.

use std::collections::BTreeMap;

/// Policies of one kind by name, and the name given to each source id.
#[derive(Debug)]
pub(crate) struct Registry<T> {
    entries: BTreeMap<String, T>,
    ids: BTreeMap<String, String>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            entries: BTreeMap::new(),
            ids: BTreeMap::new(),
        }
    }
}

impl<T: PartialEq> Registry<T> {
    /// The name of the policy CloudFront knows by `id` (`name` unless taken),
    /// made with `make` the first time only.
    pub(crate) fn by_id<E>(
        &mut self,
        id: &str,
        name: &str,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<String, E> {
        if let Some(known) = self.ids.get(id) {
            return Ok(known.clone());
        }
        let policy = make()?;
        let unique = self.unique(name);
        self.entries.insert(unique.clone(), policy);
        self.ids.insert(id.to_string(), unique.clone());
        Ok(unique)
    }

    /// The name of a policy without an id: that of an identical one
    /// already named so, or `base` made unique.
    pub(crate) fn by_content(&mut self, base: &str, policy: T) -> String {
        let same = self
            .entries
            .iter()
            .find(|(name, known)| **known == policy && !self.ids.values().any(|n| n == *name));
        if let Some((name, _)) = same {
            return name.clone();
        }
        let unique = self.unique(base);
        self.entries.insert(unique.clone(), policy);
        unique
    }

    /// Every policy by name.
    pub(crate) fn into_entries(self) -> BTreeMap<String, T> {
        self.entries
    }

    /// Every policy by name.
    pub(crate) fn entries(&self) -> &BTreeMap<String, T> {
        &self.entries
    }

    /// `base`, or `base-2`, `base-3`, ... when taken.
    fn unique(&self, base: &str) -> String {
        if !self.entries.contains_key(base) {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|name| !self.entries.contains_key(name))
            .unwrap_or_default()
    }
}

/// The base name of a legacy behavior's cache policy: `legacy-` and its
/// path pattern's letters and digits (`/search/pcp` is `legacy-search-pcp`),
/// `legacy-default` for the default behavior, or `legacy-behavior-N` for
/// a pattern with neither (`/*`).
pub(crate) fn legacy(pattern: Option<&str>, index: usize) -> String {
    let Some(pattern) = pattern else {
        return "legacy-default".to_string();
    };
    let mut slug = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("legacy-behavior-{index}")
    } else {
        format!("legacy-{slug}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names_come_from_the_path_pattern() {
        assert_eq!(legacy(Some("/search/pcp"), 0), "legacy-search-pcp");
        assert_eq!(legacy(Some("/media/*"), 1), "legacy-media");
        assert_eq!(legacy(Some("*.JPG"), 2), "legacy-jpg");
        assert_eq!(legacy(Some("/api/v1.2/*"), 3), "legacy-api-v1-2");
        assert_eq!(legacy(Some("/*"), 4), "legacy-behavior-4");
        assert_eq!(legacy(None, 5), "legacy-default");
    }

    #[test]
    fn identical_policies_share_a_name_and_different_ones_never_do() {
        let mut registry = Registry::default();
        assert_eq!(registry.by_content("legacy-a", 1), "legacy-a");
        assert_eq!(registry.by_content("legacy-a", 2), "legacy-a-2");
        assert_eq!(registry.by_content("legacy-a", 2), "legacy-a-2");
        assert_eq!(registry.by_content("legacy-b", 1), "legacy-a");
        let named: Result<String, ()> = registry.by_id("id-1", "legacy-a", || Ok(3));
        assert_eq!(named.unwrap(), "legacy-a-3");
        let again: Result<String, ()> = registry.by_id("id-1", "ignored", || Err(()));
        assert_eq!(again.unwrap(), "legacy-a-3");
        // A policy named after an id is not shared by content.
        assert_eq!(registry.by_content("legacy-c", 3), "legacy-c");
        assert_eq!(registry.entries().len(), 4);
    }
}
