//! What the edge functions' build scripts run: the configuration named by
//! the `EDGECACHE_CONFIG` environment variable is validated (the build
//! fails with every problem and its JSON path) and written, precompiled,
//! to `$OUT_DIR/config.bin`, which the function embeds with
//! `include_bytes!` and loads with no parsing or validation.
//!
//! Without `EDGECACHE_CONFIG` the file is empty: the function then serves
//! only a valid document from the platform's store and answers 503
//! otherwise. The demo configuration is embedded only where the local
//! build names it (`make serve`, `make test`); `make package CONFIG=...`
//! names the operator's.

use std::path::{Path, PathBuf};

use edgecache_core::Config;

/// The environment variable naming the configuration file to embed: an
/// absolute path, or one relative to the workspace root.
pub const ENV: &str = "EDGECACHE_CONFIG";

/// The file, under `OUT_DIR`, that the function embeds.
pub const FILE: &str = "config.bin";

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
    let out = Path::new(&out).join(FILE);
    let bytes = match std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        None => Vec::new(),
        Some(named) => {
            let path = workspace_root().join(named);
            println!("cargo:rerun-if-changed={}", path.display());
            precompile(&path)?
        }
    };
    std::fs::write(&out, bytes).map_err(|e| format!("{}: {e}", out.display()))
}

/// The precompiled form of the configuration at `path`, or every problem
/// in it, each with its JSON path.
pub fn precompile(path: &Path) -> Result<Vec<u8>, String> {
    let json =
        std::fs::read_to_string(path).map_err(|e| format!("{ENV}={}: {e}", path.display()))?;
    let config = Config::from_json(&json).map_err(|e| format!("{ENV}={}: {e}", path.display()))?;
    Ok(config.to_precompiled())
}

/// The workspace root: relative paths in `EDGECACHE_CONFIG` start here,
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
