//! Starting an edge runtime in front of an origin.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The platforms edgecache runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// Fastly Compute, locally Viceroy.
    Fastly,
    /// Cloudflare Workers, locally `wrangler dev` (workerd).
    Cloudflare,
}

/// The invalidation API's token in every runtime the tests start.
pub const PURGE_TOKEN: &str = "e2e-purge-token";

/// A running edge runtime, in a process group of its own; stopped (and
/// its files removed) when dropped, or when the process that started it
/// exits, however it exits (a runtime shared by a binary's tests is never
/// dropped): a watchdog process waits for that.
pub struct Edge {
    /// The platform it plays.
    pub platform: Platform,
    /// Its loopback port.
    port: u16,
    child: Child,
    dir: PathBuf,
    /// Every line the runtime printed, read as it comes so the pipe never fills.
    output: Arc<Mutex<Vec<String>>>,
    /// Stops the runtime when this process exits; `None` when it could
    /// not be started (the runtime had exited already, say).
    watchdog: Option<Child>,
    /// The runtime's command again, for [`Edge::restart`] (Cloudflare).
    relaunch: Option<Relaunch>,
}

/// Builds a runtime's command, the same each time.
type Relaunch = Arc<dyn Fn() -> Command + Send + Sync>;

impl Platform {
    /// The platform the first command-line argument names (`fastly`, the
    /// default, or `cloudflare`), for the tools in `src/bin`; exits with a
    /// usage line naming `tool` otherwise.
    pub fn from_args(tool: &str) -> Platform {
        match std::env::args().nth(1).as_deref() {
            None | Some("fastly") => Platform::Fastly,
            Some("cloudflare") => Platform::Cloudflare,
            Some(other) => {
                eprintln!("{tool}: unknown platform {other}: fastly or cloudflare");
                std::process::exit(2);
            }
        }
    }
}

impl Edge {
    /// Starts `platform` on a free loopback port, its `demo` backend
    /// pointing at `origin_url`, and waits until it accepts connections.
    pub fn start(platform: Platform, origin_url: &str) -> Edge {
        Edge::start_with_config(platform, origin_url, &test_config(origin_url))
    }

    /// Starts `platform` with `config` (any text) as the configuration the
    /// platform delivers (Fastly: the config store `edgecache`, key
    /// `config`; Cloudflare: the variable `EDGECACHE_CONFIG`, precompiled
    /// when it is a valid JSON configuration, as an operator would set it).
    pub fn start_with_config(platform: Platform, origin_url: &str, config: &str) -> Edge {
        Edge::launch(platform, origin_url, config, Some(PURGE_TOKEN))
    }

    /// Starts `platform` with no invalidation API token configured.
    pub fn start_without_purge_token(platform: Platform, origin_url: &str) -> Edge {
        Edge::launch(platform, origin_url, &test_config(origin_url), None)
    }

    /// Starts Cloudflare without the purge log's Durable Object bound,
    /// as when the object cannot be reached.
    pub fn start_cloudflare_without_purge_log(origin_url: &str) -> Edge {
        cloudflare(
            &test_config(origin_url),
            Some(PURGE_TOKEN),
            Runs::Local { purge_log: false },
        )
    }

    /// Starts `platform` with `document` in the platform's store as it is:
    /// on Cloudflare never compiled, as [`Edge::start_with_config`] does a
    /// valid JSON configuration for the Worker, which reads only the
    /// precompiled text.
    pub fn start_with_document(platform: Platform, origin_url: &str, document: &str) -> Edge {
        match platform {
            Platform::Fastly => fastly(origin_url, document, Some(PURGE_TOKEN)),
            Platform::Cloudflare => cloudflare_with_document(
                document,
                Some(PURGE_TOKEN),
                Runs::Local { purge_log: true },
            ),
        }
    }

    /// Starts Cloudflare as a deployed Worker would run (no
    /// `EDGECACHE_LOCAL`), with `config` as its variable: the local build
    /// embeds the demo's configuration, which must not serve there.
    pub fn start_cloudflare_deployed(config: &str) -> Edge {
        cloudflare(config, Some(PURGE_TOKEN), Runs::Deployed)
    }

    /// Starts Fastly with `config`, where the shielding site `site` is
    /// this Viceroy itself (`shield: None`: it is the shield POP) or the
    /// Viceroy at `shield` (`http://127.0.0.1:PORT`).
    /// Its purge token is `token`.
    pub fn start_fastly_shielded(
        origin_url: &str,
        config: &str,
        site: &str,
        shield: Option<&str>,
        token: &str,
    ) -> Edge {
        let entry = match shield {
            None => format!("{site} = \"local\"\n"),
            Some(url) => format!("{site} = {{ unencrypted = \"{url}\", encrypted = \"{url}\" }}\n"),
        };
        let extra = format!("[local_server.shielding_sites]\n{entry}");
        fastly_with(origin_url, config, Some(token), &extra)
    }

    fn launch(platform: Platform, origin_url: &str, config: &str, token: Option<&str>) -> Edge {
        match platform {
            Platform::Fastly => fastly(origin_url, config, token),
            Platform::Cloudflare => cloudflare(config, token, Runs::Local { purge_log: true }),
        }
    }

    /// `target` on the runtime: `http://127.0.0.1:PORT/target`.
    pub fn url(&self, target: &str) -> String {
        format!("http://127.0.0.1:{}{target}", self.port)
    }

    /// The resident memory of the runtime, in KiB: every process of its
    /// process group (wrangler runs workerd as a child), from `/proc`.
    /// `None` where `/proc` cannot tell.
    pub fn memory_kib(&self) -> Option<u64> {
        let group = self.child.id().to_string();
        let mut total = None;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let dir = entry.path();
            let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
                continue;
            };
            // pid (comm) state ppid pgrp ...: comm may hold spaces.
            let after_comm = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            if after_comm.split_whitespace().nth(2) != Some(group.as_str()) {
                continue;
            }
            let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
            let rss = status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            if let Some(rss) = rss {
                total = Some(total.unwrap_or(0) + rss);
            }
        }
        total
    }

    /// The lines the runtime printed so far (log lines among them).
    pub fn output(&self) -> Vec<String> {
        self.output
            .lock()
            .map(|lines| lines.clone())
            .unwrap_or_default()
    }

    /// Stops the runtime and starts it again on the same port and state
    /// directory, as the platform restarts its processes: what it stored
    /// (Cloudflare: the Cache API, the Durable Object's storage) stays,
    /// what lived in memory does not. Waits until it accepts connections;
    /// its output starts again empty. Cloudflare only.
    pub fn restart(&mut self) {
        let Some(relaunch) = self.relaunch.clone() else {
            panic!("only a Cloudflare runtime restarts");
        };
        // The watchdog would remove the state directory: it goes first,
        // killed before it reads the end of its input.
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        self.stop();
        let mut command = relaunch();
        self.child = match command.spawn() {
            Ok(child) => child,
            Err(e) => panic!("cannot restart the runtime: {e}"),
        };
        self.watchdog = watchdog(self.child.id(), &self.dir);
        self.output = capture(&mut self.child);
        wait_for(self, self.port, Duration::from_secs(60));
    }

    /// Stops the runtime's whole process group (wrangler runs workerd as
    /// a child) and waits for it.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(mut watchdog) = self.watchdog.take() {
            // End of file: it finds nothing left to stop, and exits.
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
    }
}

/// A shell that stops the process group `group` and removes `dir` when
/// this process exits: it reads its standard input, a pipe whose writing
/// end only this process holds (Rust opens pipes close-on-exec, so no
/// other child inherits it), until end of file, which comes when this
/// process exits, however it exits, SIGKILL included. In a process group
/// of its own, a Ctrl-C to the tests does not stop it before it is done.
fn watchdog(group: u32, dir: &Path) -> Option<Child> {
    Command::new("sh")
        .arg("-c")
        .arg(r#"cat >/dev/null; kill -s KILL -- "-$1" 2>/dev/null; rm -rf -- "$2""#)
        .arg("edgecache-e2e-watchdog")
        .arg(group.to_string())
        .arg(dir)
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Viceroy: `EDGECACHE_VICEROY`, else `viceroy` on PATH or in ~/.cargo/bin.
fn viceroy() -> PathBuf {
    if let Some(path) = std::env::var_os("EDGECACHE_VICEROY") {
        return PathBuf::from(path);
    }
    let home_bin = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/viceroy"));
    match home_bin.filter(|p| p.exists()) {
        Some(path) => path,
        None => PathBuf::from("viceroy"),
    }
}

fn fastly(origin_url: &str, config: &str, token: Option<&str>) -> Edge {
    fastly_with(origin_url, config, token, "")
}

/// Viceroy with `extra` appended to its `fastly.toml`.
fn fastly_with(origin_url: &str, config: &str, token: Option<&str>, extra: &str) -> Edge {
    let wasm = std::env::var_os("EDGECACHE_FASTLY_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            workspace_root().join("target/wasm32-wasip1/release/edgecache-fastly.wasm")
        });
    assert!(
        wasm.exists(),
        "{} is missing: build it with `make fastly-wasm` (make test does)",
        wasm.display()
    );
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("edgecache-e2e-{}-{port}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let manifest_path = dir.join("fastly.toml");
    let manifest = format!(
        "manifest_version = 3\nname = \"edgecache-e2e\"\nlanguage = \"rust\"\n\n\
         [local_server.backends.demo]\nurl = \"{origin_url}\"\n\n\
         [local_server.config_stores.edgecache]\nformat = \"inline-toml\"\n\n\
         [local_server.config_stores.edgecache.contents]\nconfig = {}\n\n{}\n{extra}",
        toml_literal(config),
        token.map_or(String::new(), |token| format!(
            "[local_server.secret_stores]\n\
             edgecache_secrets = [{{ key = \"purge_token\", data = \"{token}\" }}]\n"
        )),
    );
    if let Err(e) = std::fs::write(&manifest_path, manifest) {
        panic!("cannot write {}: {e}", manifest_path.display());
    }
    let mut command = Command::new(viceroy());
    command
        .arg("serve")
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-C")
        .arg(&manifest_path)
        .arg(&wasm)
        // Viceroy trusts the certificates of this file instead of the
        // system's: the test CA only (every test origin is on loopback).
        .env("SSL_CERT_FILE", crate::test_ca())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    launch(Platform::Fastly, command, &viceroy(), port, dir)
}

/// wrangler: `EDGECACHE_WRANGLER`, else the pinned one that
/// scripts/install-cloudflare-tools.sh installs under `EDGECACHE_TOOLS`.
fn wrangler() -> PathBuf {
    if let Some(path) = std::env::var_os("EDGECACHE_WRANGLER") {
        return PathBuf::from(path);
    }
    let tools = std::env::var_os("EDGECACHE_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/edgecache"))
        })
        .unwrap_or_default();
    tools.join("node_modules/.bin/wrangler")
}

/// What an operator puts in the Worker's variable for `config`: the
/// Worker reads only the precompiled text (`edgecache check --compile`),
/// so a valid JSON configuration goes in compiled; any other text (a bad
/// configuration, a test's own) goes in as it is.
fn worker_document(config: &str) -> String {
    match edgecache_core::Config::from_json(config) {
        Ok(valid) => valid.to_precompiled_text(),
        Err(_) => config.to_string(),
    }
}

/// `wrangler dev` on a free port, serving the Worker that
/// scripts/build-cloudflare.sh built, with `config` in `EDGECACHE_CONFIG`.
/// Each runtime gets its own state directory, so caches never mix.
/// How `wrangler dev` runs the Worker: locally (the variable
/// `EDGECACHE_LOCAL=1`), with or without the purge log's Durable Object, or
/// as if deployed (neither).
#[derive(Clone, Copy)]
enum Runs {
    Local { purge_log: bool },
    Deployed,
}

fn cloudflare(config: &str, token: Option<&str>, runs: Runs) -> Edge {
    cloudflare_with_document(&worker_document(config), token, runs)
}

/// `wrangler dev` as [`cloudflare`] starts it, with `document` in the
/// variable as it is.
fn cloudflare_with_document(document: &str, token: Option<&str>, runs: Runs) -> Edge {
    let (local, purge_log) = match runs {
        Runs::Local { purge_log } => ("EDGECACHE_LOCAL = \"1\"\n", purge_log),
        Runs::Deployed => ("", true),
    };
    let build = std::env::var_os("EDGECACHE_CLOUDFLARE_BUILD")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("build/worker"));
    let main = build.join("shim.mjs");
    assert!(
        main.exists(),
        "{} is missing: build it with `make cloudflare-worker` (make test does)",
        main.display()
    );
    let (port, inspector) = (free_port(), free_port());
    let dir = std::env::temp_dir().join(format!("edgecache-e2e-cf-{}-{port}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let manifest_path = dir.join("wrangler.toml");
    let binding = "[[durable_objects.bindings]]\nname = \"PURGE_LOG\"\nclass_name = \"PurgeLogObject\"\n\n\
         [[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"PurgeLogObject\"]\n";
    let manifest = format!(
        "name = \"edgecache-e2e\"\nmain = {}\ncompatibility_date = \"2026-04-01\"\n\n\
         [vars]\n{}EDGECACHE_CONFIG = {}\n\n{}",
        toml_literal(&main.display().to_string()),
        local,
        toml_literal(document),
        if purge_log { binding } else { "" }
    );
    if let Err(e) = std::fs::write(&manifest_path, manifest) {
        panic!("cannot write {}: {e}", manifest_path.display());
    }
    // Secrets come from .dev.vars beside the configuration, as locally.
    let secrets = dir.join(".dev.vars");
    let vars = token.map_or(String::new(), |token| format!("PURGE_TOKEN={token}\n"));
    if let Err(e) = std::fs::write(&secrets, vars) {
        panic!("cannot write {}: {e}", secrets.display());
    }
    let state = dir.join("state");
    let at = dir.clone();
    let relaunch: Relaunch = Arc::new(move || {
        let mut command = Command::new(wrangler());
        command
            .arg("dev")
            .arg("--config")
            .arg(&manifest_path)
            .args(["--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &inspector.to_string()])
            .arg("--persist-to")
            .arg(&state)
            .current_dir(&at)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("CI", "true")
            .env("NO_COLOR", "1")
            // workerd trusts the test CA besides the public ones.
            .env("NODE_EXTRA_CA_CERTS", crate::test_ca())
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    });
    let mut edge = launch(Platform::Cloudflare, relaunch(), &wrangler(), port, dir);
    edge.relaunch = Some(relaunch);
    edge
}

/// Starts the runtime `tool` with `command` (which puts it in a process
/// group of its own), and waits until it accepts connections on `port`;
/// `dir` is removed when the edge stops.
fn launch(platform: Platform, mut command: Command, tool: &Path, port: u16, dir: PathBuf) -> Edge {
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => panic!(
            "cannot start {}: {e}; `make test` installs it",
            tool.display()
        ),
    };
    let watchdog = watchdog(child.id(), &dir);
    let output = capture(&mut child);
    let mut edge = Edge {
        platform,
        port,
        child,
        dir,
        output,
        watchdog,
        relaunch: None,
    };
    wait_for(&mut edge, port, Duration::from_secs(60));
    edge
}

/// Collects every line the runtime prints, on stdout and stderr, as it
/// comes, so the pipes never fill.
fn capture(child: &mut Child) -> Arc<Mutex<Vec<String>>> {
    let output = Arc::new(Mutex::new(Vec::new()));
    let stdout = child
        .stdout
        .take()
        .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
    let stderr = child
        .stderr
        .take()
        .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
    for stream in [stdout, stderr].into_iter().flatten() {
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Ok(mut lines) = sink.lock() {
                    lines.push(line);
                }
            }
        });
    }
    output
}

/// The demo configuration, its origin moved to the test origin's port and
/// given 1-second first-byte and between-bytes timeouts (the origin's
/// hang mode and slow-body fault last 3 s); behaviors for
/// `/respond/rfc/*` (the RFC 9111 recipe) and `/respond/small/*` (answers
/// stored up to 100,000 bytes); and, under the default behavior,
/// extension methods passed and unsafe methods invalidating.
/// It reaches the function through the config store, as in production.
pub fn test_config(origin_url: &str) -> String {
    let demo = include_str!("../../config/demo.json");
    let mut config = on_test_origin(demo, "config/demo.json", "demo", origin_url);
    let origin = &mut config["origins"]["demo"];
    origin["first_byte_timeout_ms"] = 1000.into();
    // The origin's slow-body fault stalls 3 s.
    origin["between_bytes_timeout_ms"] = 1000.into();
    // The RFC 9111 recipe under /respond/rfc/: TTLs 0, heuristic
    // freshness, the viewer's directives honored.
    let rfc = serde_json::json!({
        "min_ttl": 0, "default_ttl": 0, "max_ttl": 31536000,
        "query_strings": {"behavior": "all"},
        "heuristic_freshness": true,
        "honor_request_directives": true,
    });
    add_behavior(&mut config, "/respond/rfc/*", "rfc", rfc);
    // Answers under /respond/small/ are stored up to 100,000 bytes.
    let mut small = config["cache_policies"]["origin-decides"].clone();
    small["max_object_bytes"] = 100_000.into();
    add_behavior(&mut config, "/respond/small/*", "small-objects", small);
    // An origin that gets the viewer's Host, under /respond/viewer-host/*:
    // what a Worker cannot send (it logs so when it loads the
    // configuration).
    let mut viewer_host = config["origins"]["demo"].clone();
    viewer_host["host_header"] = "viewer".into();
    config["origins"]["viewer-host"] = viewer_host;
    let origin_decides = config["cache_policies"]["origin-decides"].clone();
    add_behavior(
        &mut config,
        "/respond/viewer-host/*",
        "viewer-host",
        origin_decides,
    );
    if let Some(last) = config["behaviors"]
        .as_array_mut()
        .and_then(|b| b.last_mut())
    {
        last["origin"] = "viewer-host".into();
    }
    // WebDAV and the like pass (uncached) under the default behavior, and
    // a successful unsafe method invalidates what it changed there.
    config["default_behavior"]["allow_extension_methods"] = true.into();
    config["default_behavior"]["invalidate_on_unsafe_methods"] = true.into();
    config.to_string()
}

/// The configuration `text` (read from `file`), its origin `origin`
/// moved to the test origin at `origin_url` (`http://127.0.0.1:PORT`).
pub(crate) fn on_test_origin(
    text: &str,
    file: &str,
    origin: &str,
    origin_url: &str,
) -> serde_json::Value {
    let mut config: serde_json::Value = match serde_json::from_str(text) {
        Ok(config) => config,
        Err(e) => panic!("{file}: {e}"),
    };
    let port = origin_url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(8080);
    let origin = &mut config["origins"][origin];
    origin["domain"] = "127.0.0.1".into();
    origin["http_port"] = port.into();
    config
}

/// Adds the cache policy `name` (`policy`) and a behavior for `pattern`
/// using it, toward the demo origin with every query string forwarded.
fn add_behavior(
    config: &mut serde_json::Value,
    pattern: &str,
    name: &str,
    policy: serde_json::Value,
) {
    config["cache_policies"][name] = policy;
    let behavior = serde_json::json!({
        "path_pattern": pattern,
        "origin": "demo",
        "cache_policy": name,
        "origin_request_policy": "all-query-strings",
    });
    if let Some(behaviors) = config["behaviors"].as_array_mut() {
        behaviors.push(behavior);
    }
}

/// A TOML multi-line literal string (JSON never holds three quotes in a row).
fn toml_literal(text: &str) -> String {
    format!("{q}{text}{q}", q = "'".repeat(3))
}

/// A port for a runtime to listen on. Ports come from a counter below the
/// kernel's ephemeral range (where the origins' port-0 binds land), so two
/// runtimes started at once by parallel tests never get the same port: a
/// port picked by binding port 0 and releasing it could be handed out
/// twice before either runtime binds it.
fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    const FIRST: u16 = 20_000;
    const SPAN: u16 = 12_000;
    let start = u16::try_from(std::process::id() % 997).unwrap_or(0) * 12;
    for _ in 0..SPAN {
        let offset = (start + NEXT.fetch_add(1, Ordering::Relaxed)) % SPAN;
        let port = FIRST + offset;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between {FIRST} and {}", FIRST + SPAN);
}

/// Waits until `edge` accepts connections; fails with what it printed if
/// it exits first (a port taken by something else, a bad configuration).
fn wait_for(edge: &mut Edge, port: u16, limit: Duration) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = edge.child.try_wait() {
            panic!(
                "the edge runtime exited ({status}) before listening on port {port}:\n{}",
                edge.output().join("\n")
            );
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the edge runtime did not listen on port {port} within {limit:?}");
}
