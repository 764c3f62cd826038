//! A small HTTP/1.1 server for the demo origin: one thread per
//! connection, keep-alive, request bodies framed by Content-Length or
//! chunked (read and dropped), responses framed by Content-Length; plain
//! or over TLS.
//!
//! Not tiny_http: its connection pool hands a new connection to a waiting
//! thread only when one is free, and a thread stays with its keep-alive
//! connection while it idles. A burst of new connections (workerd opens
//! one per concurrent request) then waited seconds behind idle ones.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::fault::{End, Fault};

/// A request head; its body has been read and dropped.
pub(crate) struct Request {
    pub(crate) method: String,
    /// The request target: path and query.
    pub(crate) target: String,
    /// `HTTP/1.1`, `HTTP/1.0`.
    pub(crate) version: String,
    /// Names lower-cased.
    pub(crate) headers: Vec<(String, String)>,
}

/// A response to write.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// How to break it on the wire, if at all.
    pub(crate) fault: Option<Fault>,
}

/// What answers requests; called on the connection's thread.
pub(crate) type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;

/// The longest a request head may be.
const MAX_HEAD: u64 = 64 * 1024;
/// How long an idle keep-alive connection is kept.
const IDLE: Duration = Duration::from_secs(30);

/// Accepts connections until `stopping` is set (then one more connection
/// wakes the loop), each on its own thread; over TLS with `tls`.
pub(crate) fn serve(
    listener: TcpListener,
    stopping: Arc<AtomicBool>,
    handler: Handler,
    tls: Option<Arc<ServerConfig>>,
) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::Acquire) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let handler = Arc::clone(&handler);
        let tls = tls.clone();
        std::thread::spawn(move || {
            // A peer that goes away, or fails the handshake, is not the
            // origin's problem.
            let _ = accept(stream, tls, &handler);
        });
    }
}

fn accept(stream: TcpStream, tls: Option<Arc<ServerConfig>>, handler: &Handler) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    let _ = stream.set_nodelay(true);
    let socket = stream.try_clone()?;
    let ended = match tls {
        None => connection(stream, handler),
        Some(config) => {
            let session = ServerConnection::new(config).map_err(io::Error::other)?;
            connection(StreamOwned::new(session, stream), handler)
        }
    }?;
    if ended == End::Reset {
        // Closing with a zero linger sends a reset, not a FIN.
        socket2::SockRef::from(&socket).set_linger(Some(Duration::ZERO))?;
    }
    Ok(())
}

fn connection(stream: impl Read + Write, handler: &Handler) -> io::Result<End> {
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_head(&mut reader)? {
        let keep_alive = keeps_alive(&request);
        drop_body(&mut reader, &request)?;
        let head_only = request.method == "HEAD";
        let response = handler(request);
        // The buffer holds only what was read: writing beside it is safe.
        let end = write_response(reader.get_mut(), response, head_only, keep_alive)?;
        if end != End::Open || !keep_alive {
            return Ok(end);
        }
    }
    Ok(End::Close)
}

/// The next request head, or `None` when the peer closed the connection.
fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut limited = reader.take(MAX_HEAD);
    let mut line = String::new();
    // RFC 9112 section 2.2: empty lines before a request line are ignored.
    while line.trim().is_empty() {
        line.clear();
        if limited.read_line(&mut line)? == 0 {
            return Ok(None);
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "bad request line",
        ));
    };
    let mut request = Request {
        method: method.to_string(),
        target: target.to_string(),
        version: parts.next().unwrap_or("HTTP/1.0").to_string(),
        headers: Vec::new(),
    };
    loop {
        line.clear();
        if limited.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "head cut short",
            ));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            request.headers.push((name, value.trim().to_string()));
        }
    }
    Ok(Some(request))
}

fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 closes it
/// unless asked to keep it (RFC 9112 section 9.3).
fn keeps_alive(request: &Request) -> bool {
    let connection = header(request, "connection").unwrap_or_default();
    let says = |token: &str| {
        connection
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    match request.version.as_str() {
        "HTTP/1.1" => !says("close"),
        _ => says("keep-alive"),
    }
}

/// Reads the request body and drops it: chunked or Content-Length.
fn drop_body(reader: &mut impl BufRead, request: &Request) -> io::Result<()> {
    let chunked = header(request, "transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return drop_chunks(reader);
    }
    let length = header(request, "content-length")
        .and_then(|l| l.parse::<u64>().ok())
        .unwrap_or(0);
    io::copy(&mut reader.take(length), &mut io::sink())?;
    Ok(())
}

fn drop_chunks(reader: &mut impl BufRead) -> io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = u64::from_str_radix(size, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            break;
        }
        io::copy(&mut reader.take(size + 2), &mut io::sink())?;
    }
    // Trailer fields, up to the empty line.
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            return Ok(());
        }
    }
}

fn write_response(
    writer: &mut impl Write,
    response: Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<End> {
    let status = response.status;
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    head.push_str(&format!(
        "Date: {}\r\nServer: edgecache-demo-origin\r\n",
        httpdate::fmt_http_date(SystemTime::now())
    ));
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(fault) = response.fault {
        return fault.write(writer, &head, &response.body);
    }
    // 204 and 304 carry no body and, here, no length (RFC 9110 8.6).
    let bodiless = matches!(status, 204 | 304);
    if !bodiless {
        head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if !head_only && !bodiless {
        out.extend_from_slice(&response.body);
    }
    writer.write_all(&out)?;
    writer.flush()?;
    Ok(End::Open)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        412 => "Precondition Failed",
        414 => "URI Too Long",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
