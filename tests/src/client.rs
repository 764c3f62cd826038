//! A small HTTP client for scenarios: every status is an answer, not an
//! error, and a redirect is not followed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ureq::Agent;

/// A request being built.
pub struct Request {
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Got {
    /// The status code.
    pub status: u16,
    /// The header fields, names as the server sent them.
    pub headers: Vec<(String, String)>,
    /// The body; empty for a HEAD, and what arrived of a cut one.
    pub body: Vec<u8>,
    /// Whether the body was cut: the connection ended or broke before the
    /// framing said the body was whole.
    pub cut: bool,
}

impl Request {
    /// A GET of `url`.
    pub fn get(url: &str) -> Request {
        Request::new("GET", url)
    }

    /// A HEAD of `url`.
    pub fn head(url: &str) -> Request {
        Request::new("HEAD", url)
    }

    /// A POST to `url`, with no body unless given one.
    pub fn post(url: &str) -> Request {
        Request::new("POST", url)
    }

    fn new(method: &'static str, url: &str) -> Request {
        Request {
            method,
            url: url.to_string(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header field.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// A body to send (POST).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = Some(body.into());
        self
    }

    /// Sends it; a transport error fails the scenario with the URL.
    pub fn send(self) -> Got {
        match self.try_send() {
            Ok(got) => got,
            Err(e) => panic!("{e}"),
        }
    }

    /// Sends it; a transport error is the method, the URL and the error.
    pub fn try_send(self) -> Result<Got, String> {
        // Redirects are answers too: a test looks at their Location.
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let result = match self.method {
            "GET" => with_headers(agent.get(&self.url), &self.headers).call(),
            "HEAD" => with_headers(agent.head(&self.url), &self.headers).call(),
            _ => match &self.body {
                Some(body) => with_headers(agent.post(&self.url), &self.headers).send(&body[..]),
                None => with_headers(agent.post(&self.url), &self.headers).send_empty(),
            },
        };
        let mut response = match result {
            Ok(response) => response,
            Err(e) => return Err(format!("{} {}: {e}", self.method, self.url)),
        };
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let cut =
            std::io::Read::read_to_end(&mut response.body_mut().as_reader(), &mut body).is_err();
        Ok(Got {
            status: response.status().as_u16(),
            headers,
            body,
            cut,
        })
    }
}

fn with_headers<B>(
    mut request: ureq::RequestBuilder<B>,
    headers: &[(String, String)],
) -> ureq::RequestBuilder<B> {
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request
}

impl Got {
    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `X-Cache`, or "" when missing.
    pub fn x_cache(&self) -> &str {
        self.header("x-cache").unwrap_or_default()
    }

    /// `Cache-Status`, or "" when missing.
    pub fn cache_status(&self) -> &str {
        self.header("cache-status").unwrap_or_default()
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, `Null` when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A GET of `target` written on the wire exactly as given (a `\\` in the
/// path, say, which a URL parser would refuse or rewrite), with `headers`,
/// on a connection of its own to `base` (`http://127.0.0.1:PORT`). A
/// connection the server closes without an answer is status 0.
pub fn raw_get(base: &str, target: &str, headers: &[(&str, &str)]) -> Got {
    raw_request(base, "GET", target, headers)
}

/// [`raw_get`] with another method (an extension method, say), and no body.
pub fn raw_request(base: &str, method: &str, target: &str, headers: &[(&str, &str)]) -> Got {
    let address = base.trim_start_matches("http://");
    let mut stream = match TcpStream::connect(address) {
        Ok(stream) => stream,
        Err(e) => panic!("{method} {base}{target}: {e}"),
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {address}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !matches!(method, "GET" | "HEAD") {
        request.push_str("Content-Length: 0\r\n");
    }
    request.push_str("Connection: close\r\n\r\n");
    if let Err(e) = stream.write_all(request.as_bytes()) {
        panic!("{method} {base}{target}: {e}");
    }
    // Read until the answer is whole: a server may keep the connection
    // open whatever the request said. A reset after the answer is no
    // failure: what was read counts.
    let mut answer = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    while !is_whole(&answer) {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
    parse_answer(&answer)
}

/// Whether `answer` holds a whole HTTP/1.1 answer to a GET: its head and
/// its body, as long as Content-Length says, or up to the last chunk.
fn is_whole(answer: &[u8]) -> bool {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let got = parse_answer(answer);
    let body = &answer[end + 4..];
    if got
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
    {
        return body.ends_with(b"0\r\n\r\n");
    }
    match got
        .header("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        Some(length) => body.len() >= length,
        None => matches!(got.status, 204 | 304),
    }
}

/// An HTTP/1.1 answer read whole: its status, headers and body (dechunked).
fn parse_answer(answer: &[u8]) -> Got {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Got {
            status: 0,
            headers: Vec::new(),
            body: answer.to_vec(),
            cut: true,
        };
    };
    let head = String::from_utf8_lossy(&answer[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    let rest = &answer[end + 4..];
    let chunked = headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().contains("chunked")
    });
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Got {
        status,
        headers,
        body,
        cut: false,
    }
}

/// The data of a chunked body, up to its last chunk or its end.
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            break;
        };
        let start = line_end + 2;
        if size == 0 || rest.len() < start + size {
            break;
        }
        body.extend_from_slice(&rest[start..start + size]);
        rest = rest.get(start + size + 2..).unwrap_or_default();
    }
    body
}
