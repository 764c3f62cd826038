//! The `edgecache` command line over [`edgecache_core`]: the same
//! matching, keys and decisions as the edge, run natively.
//!
//! - [`check`]: validate a configuration, every problem with its JSON path
//!   and a hint; what a platform's limits say of it ([`platform`]); its
//!   precompiled form for a config store;
//! - [`explain`]: one request and one origin response, every decision;
//! - [`simulate`]: replay access logs through a cache model and predict
//!   the hit ratio;
//! - [`generate`]: a synthetic access log shaped like the case studies;
//! - [`stats`]: what the edge did, from its own JSON log lines;
//! - [`import`]: a CloudFront distribution as an edgecache configuration.
//!
//! Every file a command reads may be `-`, standard input.

mod chart;
pub mod check;
mod error;
pub mod explain;
mod format;
pub mod generate;
mod hints;
pub mod import;
mod input;
pub mod platform;
mod rng;
pub mod simulate;
pub mod stats;
mod time;

pub use error::Error;
pub use input::stdin_once;
