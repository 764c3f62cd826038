//! A small HTTP client for scenarios: every status is an answer, not an error.

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
    /// The body; empty for a HEAD.
    pub body: Vec<u8>,
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
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
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
        let body = response.body_mut().read_to_vec().unwrap_or_default();
        Ok(Got {
            status: response.status().as_u16(),
            headers,
            body,
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

    /// The body as JSON, `Null` when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}
