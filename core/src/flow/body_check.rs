//! Whether a fill's body arrived whole. A cache must not answer later
//! requests with an incomplete response as if it were complete (RFC 9111
//! section 3.3); the length the origin declared (RFC 9112 section 6.3) is
//! what "whole" means, and a stream the platform reports broken (a reset,
//! a cut chunked body, a timeout between bytes) is never whole.
//!
//! The adapter counts the bytes as it copies them into the cache and asks
//! at the end; on a cut it abandons the write, so nothing is stored and a
//! stale copy the write would have replaced stays.
//!
//! ```
//! use edgecache_core::flow::{BodyCheck, BodyCut};
//! let mut check = BodyCheck::new(Some(1000));
//! check.received(500).unwrap();
//! assert_eq!(check.ended(), Err(BodyCut::Short { received: 500, declared: 1000 }));
//! ```

use std::fmt;

/// Counts a body's bytes against the length its origin declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyCheck {
    declared: Option<u64>,
    received: u64,
    limit: u64,
}

/// How a body failed to arrive whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyCut {
    /// The stream broke after `received` bytes: a reset, a chunked body
    /// without its last chunk, a timeout between bytes.
    Broken {
        /// Bytes that arrived.
        received: u64,
    },
    /// The stream ended before the length the origin declared.
    Short {
        /// Bytes that arrived.
        received: u64,
        /// The declared `Content-Length`.
        declared: u64,
    },
    /// More bytes came than the origin declared.
    Long {
        /// The declared `Content-Length`.
        declared: u64,
    },
    /// More bytes came than may be stored (a body of no declared length).
    TooLarge {
        /// The most that may be stored.
        limit: u64,
    },
}

impl BodyCheck {
    /// A check for a body whose origin declared `declared` bytes (its
    /// `Content-Length`), or no length (chunked, or until the close).
    pub fn new(declared: Option<u64>) -> BodyCheck {
        BodyCheck {
            declared,
            received: 0,
            limit: u64::MAX,
        }
    }

    /// The same check, for a body of which at most `limit` bytes may be
    /// stored.
    pub fn limited(self, limit: u64) -> BodyCheck {
        BodyCheck { limit, ..self }
    }

    /// Counts `bytes` more. `Err` when that is more than declared: the
    /// copy must stop.
    pub fn received(&mut self, bytes: usize) -> Result<(), BodyCut> {
        self.received = self
            .received
            .saturating_add(u64::try_from(bytes).unwrap_or(u64::MAX));
        match self.declared {
            Some(declared) if self.received > declared => Err(BodyCut::Long { declared }),
            _ if self.received > self.limit => Err(BodyCut::TooLarge { limit: self.limit }),
            _ => Ok(()),
        }
    }

    /// The most of the body that may be stored.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The same check without the storage limit: for a stream the viewer
    /// reads too, where the limit is the cache's business only.
    pub fn without_limit(self) -> BodyCheck {
        self.limited(u64::MAX)
    }

    /// The stream ended cleanly: `Ok` with the length when that is all
    /// the origin declared.
    pub fn ended(&self) -> Result<u64, BodyCut> {
        match self.declared {
            Some(declared) if self.received != declared => Err(BodyCut::Short {
                received: self.received,
                declared,
            }),
            _ => Ok(self.received),
        }
    }

    /// The stream broke: how to report it.
    pub fn broke(&self) -> BodyCut {
        BodyCut::Broken {
            received: self.received,
        }
    }

    /// Bytes counted so far.
    pub fn received_so_far(&self) -> u64 {
        self.received
    }
}

impl fmt::Display for BodyCut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyCut::Broken { received } => write!(f, "the body broke after {received} bytes"),
            BodyCut::Short { received, declared } => {
                write!(
                    f,
                    "the body ended at {received} of {declared} declared bytes"
                )
            }
            BodyCut::Long { declared } => write!(f, "the body ran past {declared} declared bytes"),
            BodyCut::TooLarge { limit } => {
                write!(f, "the body ran past {limit} bytes, the most stored")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_of_its_declared_length_is_whole() {
        let mut check = BodyCheck::new(Some(10));
        assert_eq!(check.received(4), Ok(()));
        assert_eq!(check.received(6), Ok(()));
        assert_eq!(check.ended(), Ok(10));
    }

    #[test]
    fn a_body_without_a_declared_length_is_whole_when_it_ends_cleanly() {
        let mut check = BodyCheck::new(None);
        assert_eq!(check.received(1 << 20), Ok(()));
        assert_eq!(check.ended(), Ok(1 << 20));
        assert_eq!(BodyCheck::new(None).ended(), Ok(0));
    }

    #[test]
    fn a_body_short_of_its_declared_length_is_cut() {
        let mut check = BodyCheck::new(Some(1000));
        check.received(500).unwrap();
        assert_eq!(
            check.ended(),
            Err(BodyCut::Short {
                received: 500,
                declared: 1000
            })
        );
    }

    #[test]
    fn a_body_past_its_declared_length_is_cut_as_it_comes() {
        let mut check = BodyCheck::new(Some(3));
        assert_eq!(check.received(4), Err(BodyCut::Long { declared: 3 }));
    }

    #[test]
    fn a_body_of_no_declared_length_past_the_limit_is_cut_as_it_comes() {
        let mut check = BodyCheck::new(None).limited(10);
        assert_eq!(check.received(10), Ok(()));
        assert_eq!(check.received(1), Err(BodyCut::TooLarge { limit: 10 }));
    }

    #[test]
    fn a_broken_stream_is_cut_whatever_it_declared() {
        let mut check = BodyCheck::new(None);
        check.received(7).unwrap();
        assert_eq!(check.broke(), BodyCut::Broken { received: 7 });
        assert_eq!(check.broke().to_string(), "the body broke after 7 bytes");
    }
}
