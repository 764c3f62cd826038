//! The crate's one error type: a message for the user, already worded.

use std::fmt;
use std::path::Path;

/// Something the command could not do. The message names the file or
/// argument at fault and what is wrong; `main` prints it and exits 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    /// An error printed to the user as `message` says it: what is wrong,
    /// and in which file or argument.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }

    /// An I/O error on `path`, worded for the user.
    pub fn io(path: &Path, error: &std::io::Error) -> Self {
        Error::new(format!("{}: {error}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
