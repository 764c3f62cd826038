//! What the edge functions' build scripts run: the configuration file
//! named by the `EDGECACHE_CONFIG_FILE` environment variable is validated
//! (the build fails with every problem and its JSON path) and written,
//! precompiled, to `$OUT_DIR/config.bin`, which the function embeds with
//! `include_bytes!` and loads with no parsing or validation;
//! `$OUT_DIR/demo.flag` says whether it is the local demo's
//! (`config/demo.json`), which the function then serves only where its
//! platform runs locally.
//!
//! Without `EDGECACHE_CONFIG_FILE` the file is empty: the function then
//! serves only a valid document from the platform's store and answers 503
//! otherwise. Local builds (`make serve`, `make test`) name the demo;
//! `make package CONFIG=...` names the operator's.

use std::path::{Path, PathBuf};

use edgecache_core::Config;

/// The environment variable naming the configuration file to embed: an
/// absolute path, or one relative to the workspace root (where `make`
/// runs). Not `EDGECACHE_CONFIG`, which is the Worker's runtime variable.
pub const ENV: &str = "EDGECACHE_CONFIG_FILE";

/// The file, under `OUT_DIR`, that the function embeds.
pub const FILE: &str = "config.bin";

/// The file, under `OUT_DIR`, holding `1` when the embedded configuration
/// is the local demo's, else nothing.
pub const DEMO_FLAG: &str = "demo.flag";

/// Runs the embedding for a build script; on failure prints why and
/// exits 1, which fails the build.
pub fn build_script() {
    println!("cargo:rerun-if-env-changed={ENV}");
    if let Err(message) = embed() {
        eprintln!("{message}");
        std::process::exit(1);
    }
}

fn embed() -> Result<(), String> {
    let out = std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set: run from a build script")?;
    let (bytes, demo) = match std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        None => (Vec::new(), false),
        Some(named) => {
            let path = workspace_root().join(named);
            println!("cargo:rerun-if-changed={}", path.display());
            (precompile(&path)?, is_demo(&path))
        }
    };
    write(&Path::new(&out).join(FILE), &bytes)?;
    write(
        &Path::new(&out).join(DEMO_FLAG),
        if demo { b"1" } else { b"" },
    )
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Whether `path` is the local demo's configuration.
fn is_demo(path: &Path) -> bool {
    let demo = workspace_root().join("config/demo.json");
    match (path.canonicalize(), demo.canonicalize()) {
        (Ok(path), Ok(demo)) => path == demo,
        _ => false,
    }
}

/// The precompiled form of the configuration at `path`, or every problem
/// in it, each with its JSON path.
pub fn precompile(path: &Path) -> Result<Vec<u8>, String> {
    let json =
        std::fs::read_to_string(path).map_err(|e| format!("{ENV}={}: {e}", path.display()))?;
    let config = Config::from_json(&json).map_err(|e| format!("{ENV}={}: {e}", path.display()))?;
    Ok(config.to_precompiled())
}

/// The workspace root: relative paths in `EDGECACHE_CONFIG_FILE` start here,
/// wherever cargo runs the build script from.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_precompiles_relative_to_the_workspace_root() {
        let bytes = precompile(&workspace_root().join("config/demo.json")).unwrap();
        let config = Config::from_precompiled(Vec::leak(bytes)).unwrap();
        assert_eq!(config.origins()[0].name, "demo");
    }

    #[test]
    fn the_demo_is_told_apart_however_it_is_named() {
        let root = workspace_root();
        assert!(is_demo(&root.join("config/demo.json")));
        assert!(is_demo(&root.join("embed/../config/./demo.json")));
        assert!(!is_demo(&root.join("config/examples/healthcare.json")));
    }

    #[test]
    fn an_invalid_file_fails_with_every_problem_and_its_path() {
        let dir = std::env::temp_dir().join(format!("edgecache-embed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.json");
        std::fs::write(
            &file,
            r#"{"origins": {"a": {"domain": "https://x"}}, "cache_policies": {}}"#,
        )
        .unwrap();
        let message = precompile(&file).unwrap_err();
        assert!(message.contains("origins.a.domain"), "{message}");
        assert!(message.contains("default_behavior"), "{message}");
        assert!(message.contains(ENV), "{message}");
    }
}
