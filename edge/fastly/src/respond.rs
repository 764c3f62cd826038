//! Viewer responses: built from core's steps, decorated with core's
//! headers, logged with core's line, and sent.

use std::time::Instant;

use edgecache_core::HeaderPair;
use edgecache_core::flow::{EdgeReply, Finish, StoredReply};
use fastly::{Body, Response};

/// A response, what happened, and how long the origin took.
pub(crate) struct Served {
    response: Response,
    finish: Finish,
    origin_ms: Option<u64>,
}

impl Served {
    /// Sends the response, decorated (without a body for HEAD), and logs
    /// the request's line.
    pub(crate) fn send(self) {
        let Served {
            mut response,
            finish,
            origin_ms,
        } = self;
        if !finish.send_body() {
            let _ = response.take_body();
        }
        for (name, value) in finish.header_edits() {
            match value {
                Some(value) => response.set_header(name, value),
                None => drop(response.remove_header(name)),
            }
        }
        let status = response.get_status().as_u16();
        log::info!("{}", finish.log_line(status, origin_ms));
        response.send_to_client();
    }
}

/// Milliseconds since `started`, for the log line.
pub(crate) fn millis(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The origin's response as received.
pub(crate) fn forward(response: Response, finish: Finish, origin_ms: Option<u64>) -> Served {
    Served {
        response,
        finish,
        origin_ms,
    }
}

/// A response from a stored head and a body stream.
pub(crate) fn stored(
    reply: StoredReply,
    body: Body,
    finish: Finish,
    origin_ms: Option<u64>,
) -> Served {
    let mut response = Response::from_status(reply.status).with_body(body);
    for (name, value) in &reply.headers {
        response.append_header(name.as_str(), value.as_slice());
    }
    forward(response, finish, origin_ms)
}

/// The edge's own short plain-text answer.
pub(crate) fn edge(reply: EdgeReply, origin_ms: Option<u64>) -> Served {
    let response = plain(reply.status, &reply.text);
    forward(response, reply.finish, origin_ms)
}

/// A plain-text response.
pub(crate) fn plain(status: u16, text: &str) -> Response {
    Response::from_status(status)
        .with_header("content-type", "text/plain; charset=utf-8")
        .with_body(text.to_string())
}

/// The headers of `response`, as core reads them.
pub(crate) fn pairs(response: &Response) -> Vec<HeaderPair<'_>> {
    response
        .get_headers()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect()
}
