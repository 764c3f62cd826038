//! Request routing and the answers of each endpoint.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::fault::Fault;
use crate::media;
use crate::naive;
use crate::state::{Mode, State};

/// An answer before it is written: status, headers, body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::new(status, "application/json", value.to_string())
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request as the routes see it.
pub(crate) struct Incoming {
    pub(crate) method: String,
    pub(crate) path: String,
    /// The query as received, undecoded.
    pub(crate) raw_query: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
}

impl Incoming {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn handle(request: crate::http::Request, state: &State) -> crate::http::Response {
    let target = request.target;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let incoming = Incoming {
        method: request.method,
        path: path.to_string(),
        raw_query: query.to_string(),
        query: parse_query(query),
        headers: request.headers,
    };
    let reply = if let Some(control) = path.strip_prefix("/__origin/") {
        control_reply(control, &incoming, state)
    } else {
        state.record(path, &target, incoming.headers.clone());
        match state.mode_for(path) {
            Mode::Fail => Reply::new(503, "text/plain", "origin failing on purpose\n"),
            Mode::Hang => {
                std::thread::sleep(state.options.hang);
                route(&incoming, state)
            }
            Mode::Up | Mode::Fault(_) => route(&incoming, state),
        }
    };
    let reply = media::conditional_or_range(&incoming, reply);
    crate::http::Response {
        status: reply.status,
        headers: reply.headers,
        body: reply.body,
        fault: fault(&incoming, state),
    }
}

/// The fault a `/respond` request asks for (`fault=NAME`, `stall_ms=`),
/// else the one its path's mode says.
fn fault(req: &Incoming, state: &State) -> Option<Fault> {
    let respond = req.path == "/respond" || req.path.starts_with("/respond/");
    if !respond || req.path.starts_with("/__origin/") {
        return None;
    }
    let stall_ms = req.param("stall_ms").and_then(|v| v.parse().ok());
    match (req.param("fault"), state.mode_for(&req.path)) {
        (_, Mode::Fail | Mode::Hang) => None,
        (Some(name), _) => Fault::parse(name, stall_ms),
        (None, Mode::Fault(fault)) => Some(fault),
        (None, Mode::Up) => None,
    }
}

fn route(req: &Incoming, state: &State) -> Reply {
    let path = req.path.as_str();
    if naive::handles(path) {
        return naive::route(req, state);
    }
    if let Some(kind) = path.strip_prefix("/search/") {
        return search(kind, req, state);
    }
    if let Some(name) = path.strip_prefix("/media/") {
        return media::file(name);
    }
    if let Some(id) = path.strip_prefix("/products/") {
        return product(id);
    }
    if path == "/respond" || path.starts_with("/respond/") {
        return respond(req);
    }
    match path {
        "/" => Reply::new(200, "text/plain", "edgecache demo origin\n"),
        "/echo" => Reply::json(
            200,
            &json!({"method": req.method, "path": req.path, "query": req.query, "headers": req.headers}),
        )
        .header("Cache-Control", "no-store"),
        _ => Reply::new(404, "text/plain", "no such thing here\n"),
    }
}

/// The search APIs: slow, keyed on five parameters, no Cache-Control (the
/// cache policy decides), an ETag that depends only on the parameters.
fn search(kind: &str, req: &Incoming, state: &State) -> Reply {
    const PARAMS: [&str; 5] = ["Keyword", "Limit", "Page", "PracticeId", "Zipcode"];
    let params: serde_json::Map<String, serde_json::Value> = PARAMS
        .iter()
        .filter_map(|p| req.param(p).map(|v| (p.to_string(), json!(v))))
        .collect();
    let etag = format!("\"{:016x}\"", fnv(format!("{kind}{params:?}").as_bytes()));
    let body = json!({
        "search": kind,
        "params": params,
        "results": [{"practice": "Main Street Clinic", "distance_km": 1.2}],
        "generated_at": unix_now(),
    });
    match kind {
        "pcp" | "allergy" => {
            std::thread::sleep(state.options.search_delay);
            Reply::json(200, &body).header("ETag", etag)
        }
        // Answered by a third party: only good for a second.
        "partner" => Reply::json(200, &body).header("Cache-Control", "max-age=1"),
        _ => Reply::new(404, "text/plain", "no such search\n"),
    }
}

/// Products: the origin decides per item. Even ids are static for a week,
/// odd ids change any time and must be revalidated.
fn product(id: &str) -> Reply {
    let Ok(number) = id.parse::<u64>() else {
        return Reply::new(404, "text/plain", "no such product\n");
    };
    let body = json!({"id": number, "name": format!("Product {number}"), "fetched_at": unix_now()});
    let cache_control = if number % 2 == 0 {
        "public, max-age=604800"
    } else {
        "no-cache"
    };
    Reply::json(200, &body)
        .header("Cache-Control", cache_control)
        .header("ETag", format!("\"product-{number}-v1\""))
        .header("Surrogate-Key", format!("product-{number} products"))
}

/// Answers exactly what the query asks for.
fn respond(req: &Incoming) -> Reply {
    if let Some(ms) = req.param("delay_ms").and_then(|v| v.parse().ok()) {
        std::thread::sleep(Duration::from_millis(ms));
    }
    let status = req
        .param("status")
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let body = format!("{}\n", req.param("body").unwrap_or("ok"));
    let body = match req.param("size").and_then(|v| v.parse::<usize>().ok()) {
        Some(size) => body.bytes().cycle().take(size).collect(),
        None => body.into_bytes(),
    };
    let mut reply = Reply::new(status, "text/plain", body);
    let fields = [
        ("cc", "Cache-Control"),
        ("cdn-cc", "CDN-Cache-Control"),
        ("surrogate-control", "Surrogate-Control"),
        ("location", "Location"),
        ("content-location", "Content-Location"),
        ("set-cookie", "Set-Cookie"),
        ("vary", "Vary"),
        ("etag", "ETag"),
        ("last-modified", "Last-Modified"),
        ("age", "Age"),
        ("surrogate-key", "Surrogate-Key"),
        ("cache-tag", "Cache-Tag"),
    ];
    for (param, header) in fields {
        if let Some(value) = req.param(param) {
            reply = reply.header(header, value);
        }
    }
    // `tags=N`: N surrogate keys of 19 bytes (`product-tag-0000042`), more
    // than a URL could carry.
    if let Some(count) = req.param("tags").and_then(|v| v.parse::<usize>().ok()) {
        let tags: Vec<String> = (0..count.min(100_000))
            .map(|i| format!("product-tag-{i:07}"))
            .collect();
        reply = reply.header("Surrogate-Key", tags.join(" "));
    }
    if let Some(seconds) = req.param("expires").and_then(|v| v.parse::<u64>().ok()) {
        let at = SystemTime::now() + Duration::from_secs(seconds);
        reply = reply.header("Expires", httpdate::fmt_http_date(at));
    }
    reply.header("X-Origin-Time", unix_now().to_string())
}

fn control_reply(control: &str, req: &Incoming, state: &State) -> Reply {
    match (req.method.as_str(), control) {
        ("GET", "stats") => Reply::json(200, &state.stats()),
        ("POST", "reset") => {
            state.reset();
            Reply::new(200, "text/plain", "reset\n")
        }
        ("POST", "mode") => set_mode(req, state),
        _ => Reply::new(404, "text/plain", "unknown control endpoint\n"),
    }
}

/// `set=up|fail|hang|FAULT`, for every path, or with `prefix=/PATH` for the
/// paths that start with it only.
fn set_mode(req: &Incoming, state: &State) -> Reply {
    let Some(mode) = req.param("set").and_then(Mode::parse) else {
        return Reply::new(400, "text/plain", "set=up|fail|hang|FAULT[&prefix=/PATH]\n");
    };
    match req.param("prefix") {
        None => state.set_mode(mode),
        Some(prefix) if prefix.starts_with('/') => state.set_mode_under(prefix, mode),
        Some(_) => return Reply::new(400, "text/plain", "the prefix is a path: /...\n"),
    }
    Reply::new(200, "text/plain", "mode set\n")
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// Percent-decoding, `+` as a space (form encoding).
pub(crate) fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(text.get(i + 1..i + 3).unwrap_or(""), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// FNV-1a: a stable, dependency-free hash for ETags.
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
