//! The crate's one error type.

use std::fmt;

/// Something core could not accept: a configuration (with every problem in
/// it) or a stored cache entry's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ErrorKind {
    Config(Vec<ConfigError>),
    CorruptEntry(String),
}

impl Error {
    pub(crate) fn config(errors: Vec<ConfigError>) -> Self {
        Error {
            kind: ErrorKind::Config(errors),
        }
    }

    pub(crate) fn corrupt_entry(detail: impl fmt::Display) -> Self {
        Error {
            kind: ErrorKind::CorruptEntry(detail.to_string()),
        }
    }

    /// Every problem found in a configuration, in document order; empty for
    /// other errors.
    pub fn config_errors(&self) -> &[ConfigError] {
        match &self.kind {
            ErrorKind::Config(errors) => errors,
            ErrorKind::CorruptEntry(_) => &[],
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Config(errors) => {
                let plural = if errors.len() == 1 { "" } else { "s" };
                write!(
                    f,
                    "invalid configuration ({} problem{plural}):",
                    errors.len()
                )?;
                for error in errors {
                    write!(f, "\n  {error}")?;
                }
                Ok(())
            }
            ErrorKind::CorruptEntry(detail) => write!(f, "corrupt cache entry metadata: {detail}"),
        }
    }
}

impl std::error::Error for Error {}

/// One problem in a configuration: where it is (a JSON path such as
/// `behaviors[2].cache_policy`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    path: String,
    message: String,
}

impl ConfigError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The JSON path of the offending value (`$` for the whole document).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong there.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}
