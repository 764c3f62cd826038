//! What the origin remembers: request counts and headers, and its mode.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::Options;

/// How the origin answers non-control requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Normally.
    Up,
    /// 503 to everything.
    Fail,
    /// After hanging for the configured time.
    Hang,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "up" => Some(Mode::Up),
            "fail" => Some(Mode::Fail),
            "hang" => Some(Mode::Hang),
            _ => None,
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

pub(crate) struct State {
    pub options: Options,
    counts: Mutex<Counts>,
    mode: Mutex<Mode>,
}

impl State {
    pub fn new(options: Options) -> State {
        State {
            options,
            counts: Mutex::default(),
            mode: Mutex::new(Mode::Up),
        }
    }

    pub fn record(&self, path: &str, target: &str, headers: Vec<(String, String)>) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.total += 1;
        *counts.paths.entry(path.to_string()).or_default() += 1;
        *counts.targets.entry(target.to_string()).or_default() += 1;
        counts.last_headers.insert(path.to_string(), headers);
    }

    pub fn stats(&self) -> Value {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        json!({
            "total": counts.total,
            "paths": counts.paths,
            "targets": counts.targets,
            "last_headers": counts.last_headers,
        })
    }

    pub fn reset(&self) {
        *self.counts.lock().unwrap_or_else(|e| e.into_inner()) = Counts::default();
        self.set_mode(Mode::Up);
    }

    pub fn mode(&self) -> Mode {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner()) = mode;
    }
}
