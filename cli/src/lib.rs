//! The `edgecache` command line over [`edgecache_core`]: the same
//! matching, keys and decisions as the edge, run natively.
//!
//! - [`check`]: validate a configuration, every problem with its JSON path
//!   and a hint;
//! - [`explain`]: one request and one origin response, every decision;
//! - [`simulate`]: replay access logs through a cache model and predict
//!   the hit ratio;
//! - [`generate`]: a synthetic access log shaped like the case studies.

pub mod check;
mod error;
pub mod explain;
pub mod generate;
mod hints;
mod rng;
pub mod simulate;
mod time;

pub use error::Error;
