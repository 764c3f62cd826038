//! Viewer responses: built from core's steps, decorated with core's
//! headers, logged with core's line, and sent.

use std::time::Instant;

use edgecache_core::flow::{EdgeReply, Finish, StoredReply};
use edgecache_core::{HeaderPair, Sent};
use fastly::{Body, Response};

use crate::cache::Fill;

/// A response, what happened, how long the origin took, and the body
/// still to copy into the cache when the response is a fill's.
pub(crate) struct Served {
    response: Response,
    finish: Finish,
    origin_ms: Option<u64>,
    fill: Option<Fill>,
}

impl Served {
    /// The same response, streamed back from an entry whose body `fill`
    /// copies once the response is sent.
    pub(crate) fn filling(self, fill: Fill) -> Served {
        Served {
            fill: Some(fill),
            ..self
        }
    }

    /// Sends the response, decorated (without a body for HEAD), copies a
    /// fill's body into the cache, and logs the request's line: what
    /// really happened, a cut body included.
    pub(crate) fn send(self) {
        let Served {
            mut response,
            finish,
            origin_ms,
            fill,
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
        let declared = response
            .get_header_str("content-length")
            .and_then(|length| length.parse::<u64>().ok());
        // The body streams back from the entry as the fill writes it.
        response.send_to_client();
        let (finish, bytes) = match fill.map(Fill::copy) {
            Some(Err(cut)) => (finish.cut(cut), None),
            Some(Ok(copied)) => (finish, Some(copied)),
            None => (finish, declared),
        };
        let pop = std::env::var("FASTLY_POP").ok();
        let sent = Sent {
            status,
            origin_ms,
            bytes: if finish.send_body() { bytes } else { Some(0) },
            platform: "fastly",
            pop: pop.as_deref(),
        };
        log::info!("{}", finish.log_line(&sent));
    }

    /// Copies a fill's body into the cache without sending the response
    /// (a background refresh's).
    pub(crate) fn finish_unsent(self) {
        if let Some(fill) = self.fill {
            let _ = fill.copy();
        }
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
        fill: None,
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

/// The headers of an origin's `response`, as core reads them, with the
/// `Content-Length` its body declared (the platform keeps the framing to
/// itself): the length core counts the body against, and stores for hits.
pub(crate) fn origin_pairs(response: &mut Response) -> Vec<(String, Vec<u8>)> {
    let declared = response
        .try_get_body_mut()
        .and_then(fastly::Body::known_length);
    let mut pairs: Vec<(String, Vec<u8>)> = pairs(response)
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.to_vec()))
        .collect();
    let listed = pairs
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-length"));
    let framed = !edgecache_core::has_no_content(response.get_status().as_u16());
    if let (false, true, Some(length)) = (listed, framed, declared) {
        pairs.push((
            "content-length".to_string(),
            length.to_string().into_bytes(),
        ));
    }
    pairs
}
