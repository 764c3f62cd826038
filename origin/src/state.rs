//! What the origin remembers: request counts and headers, and its modes.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::Options;
use crate::fault::Fault;

/// How the origin answers non-control requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Normally.
    #[default]
    Up,
    /// 503 to everything.
    Fail,
    /// After hanging for the configured time.
    Hang,
    /// Normally, broken on the wire so (`/respond` paths only).
    Fault(Fault),
}

impl Mode {
    /// `up`, `fail`, `hang`, or a fault's name ([`Fault::parse`]).
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "up" => Some(Mode::Up),
            "fail" => Some(Mode::Fail),
            "hang" => Some(Mode::Hang),
            fault => Fault::parse(fault, None).map(Mode::Fault),
        }
    }

    /// The name [`Mode::parse`] reads.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Up => "up",
            Mode::Fail => "fail",
            Mode::Hang => "hang",
            Mode::Fault(fault) => fault.name(),
        }
    }
}

#[derive(Default)]
struct Counts {
    total: u64,
    paths: BTreeMap<String, u64>,
    targets: BTreeMap<String, u64>,
    last_headers: BTreeMap<String, Vec<(String, String)>>,
}

/// The mode for every path, and the modes set for paths under a prefix:
/// the longest prefix a path starts with decides, the global mode the rest.
#[derive(Default)]
struct Modes {
    global: Mode,
    under: BTreeMap<String, Mode>,
}

impl Modes {
    fn for_path(&self, path: &str) -> Mode {
        self.under
            .iter()
            .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or(self.global, |(_, mode)| *mode)
    }
}

pub(crate) struct State {
    pub(crate) options: Options,
    counts: Mutex<Counts>,
    modes: Mutex<Modes>,
}

impl State {
    pub(crate) fn new(options: Options) -> State {
        State {
            options,
            counts: Mutex::default(),
            modes: Mutex::default(),
        }
    }

    pub(crate) fn record(&self, path: &str, target: &str, headers: Vec<(String, String)>) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.total += 1;
        *counts.paths.entry(path.to_string()).or_default() += 1;
        *counts.targets.entry(target.to_string()).or_default() += 1;
        counts.last_headers.insert(path.to_string(), headers);
    }

    pub(crate) fn stats(&self) -> Value {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let modes = self.modes.lock().unwrap_or_else(|e| e.into_inner());
        let under: BTreeMap<&str, &str> = modes
            .under
            .iter()
            .map(|(prefix, mode)| (prefix.as_str(), mode.name()))
            .collect();
        json!({
            "total": counts.total,
            "paths": counts.paths,
            "targets": counts.targets,
            "last_headers": counts.last_headers,
            "modes": {"global": modes.global.name(), "under": under},
        })
    }

    /// Forgets the counts, and every mode: all paths answer normally.
    pub(crate) fn reset(&self) {
        *self.counts.lock().unwrap_or_else(|e| e.into_inner()) = Counts::default();
        *self.modes.lock().unwrap_or_else(|e| e.into_inner()) = Modes::default();
    }

    /// How to answer a request for `path`.
    pub(crate) fn mode_for(&self, path: &str) -> Mode {
        self.modes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .for_path(path)
    }

    /// The mode of every path no prefix mode covers.
    pub(crate) fn set_mode(&self, mode: Mode) {
        self.modes.lock().unwrap_or_else(|e| e.into_inner()).global = mode;
    }

    /// The mode of every path that starts with `prefix` (unless a longer
    /// prefix has a mode of its own).
    pub(crate) fn set_mode_under(&self, prefix: &str, mode: Mode) {
        self.modes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .under
            .insert(prefix.to_string(), mode);
    }
}
