//! What an import could not carry over, one line each on standard error.

use std::fmt;

/// One CloudFront setting that edgecache does not carry over, or carries
/// differently: where it is in the input and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The JSON path of the CloudFront setting in the input document
    /// (`DistributionConfig.CacheBehaviors.Items[0].Compress`); for a policy
    /// file, the file's name, `#`, and the path inside it.
    pub path: String,
    /// What is not carried over, why, and what to do instead.
    pub message: String,
}

impl Note {
    /// A note on the setting at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Note {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// `base.field`, or `field` when `base` is the document itself.
pub(crate) fn join(base: &str, field: &str) -> String {
    if base.is_empty() {
        field.to_string()
    } else {
        format!("{base}.{field}")
    }
}

/// `base.Items[i]`: an element of one of CloudFront's `{Quantity, Items}` lists.
pub(crate) fn item(base: &str, i: usize) -> String {
    format!("{}[{i}]", join(base, "Items"))
}
