//! Viewer responses: built from core's steps, decorated with core's
//! headers, logged with core's line; and converting header values
//! between the Workers API (JavaScript strings) and core (bytes).
//!
//! Header values are byte strings: the runtime maps each byte to one
//! character U+0000..U+00FF (Latin-1), so the conversion is lossless both
//! ways.

use std::cell::RefCell;

use edgecache_core::flow::{EdgeReply, Finish, StoredReply};
use edgecache_core::{HeaderPair, Sent};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use worker::{ByteStream, Context, Headers, Response, ResponseBody};

thread_local! {
    /// The data center this isolate runs in (`request.cf.colo`): one per
    /// isolate, noted from each request.
    static COLO: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Notes the data center from a request's `cf` properties, for the log:
/// once, since an isolate stays in its data center.
pub(crate) fn note_colo(request: &worker::Request) {
    use worker::js_sys::Reflect;
    if COLO.with(|known| known.borrow().is_some()) {
        return;
    }
    let colo = Reflect::get(request.inner(), &"cf".into())
        .and_then(|cf| Reflect::get(&cf, &"colo".into()))
        .ok()
        .and_then(|colo| colo.as_string());
    if colo.is_some() {
        COLO.with(|known| *known.borrow_mut() = colo);
    }
}

/// Logs a request's line: what happened and what was sent (`bytes` when
/// known: the declared length; the body of a HEAD is none).
pub(crate) fn log(finish: &Finish, status: u16, origin_ms: Option<u64>, bytes: Option<u64>) {
    let line = COLO.with(|colo| {
        let colo = colo.borrow();
        let sent = Sent {
            status,
            origin_ms,
            bytes: if finish.send_body() { bytes } else { Some(0) },
            platform: "cloudflare",
            pop: colo.as_deref(),
        };
        finish.log_line(&sent)
    });
    worker::console_log!("{line}");
}

/// Header pairs owned, as read from the runtime.
pub(crate) type OwnedHeaders = Vec<(String, Vec<u8>)>;

/// A response, what happened, how long the origin took, and the writes
/// to finish once it is sent.
pub(crate) struct Served {
    response: Response,
    finish: Finish,
    origin_ms: Option<u64>,
    after: Vec<LocalBoxFuture<'static, ()>>,
}

impl Served {
    /// Work to do once the viewer has the response (`ctx.wait_until`).
    pub(crate) fn after(&mut self, work: impl Future<Output = ()> + 'static) {
        self.after.push(Box::pin(work));
    }

    /// The response to return, decorated (without a body for HEAD); logs
    /// the request's line and hands the work left to the runtime.
    pub(crate) fn send(self, ctx: &Context) -> Response {
        let Served {
            mut response,
            finish,
            origin_ms,
            after,
        } = self;
        if !finish.send_body() {
            let (builder, body) = response.into_parts();
            discard(body);
            response = builder.body(ResponseBody::Empty);
        }
        let headers = response.headers_mut();
        for (name, value) in finish.header_edits() {
            let _ = match value {
                Some(value) => headers.set(name, &value),
                None => headers.delete(name),
            };
        }
        let declared = response.headers().get("content-length").ok().flatten();
        let bytes = declared.and_then(|length| length.parse().ok());
        log(&finish, response.status_code(), origin_ms, bytes);
        for work in after {
            ctx.wait_until(within_background_window(work));
        }
        response
    }

    /// For work nobody reads the response of (a background refresh):
    /// lets the body go, and finishes the writes.
    pub(crate) async fn finish_background(self) {
        discard(self.response.into_parts().1);
        for work in self.after {
            work.await;
        }
    }
}

/// How long work may run after the response: Workers end `waitUntil`
/// work about 30 s after it. Ended here first, the work lets go of what it
/// holds (the entry's collapsing claim, its share of the isolate's
/// memory) instead of keeping waiting requests until the claim's 60 s
/// takeover.
const BACKGROUND_LIMIT: std::time::Duration = std::time::Duration::from_secs(25);

/// `work`, ended after [`BACKGROUND_LIMIT`] (a refresh whose origin is
/// slow, a large fill still being put). A put already handed to the
/// runtime goes on by itself.
async fn within_background_window(work: LocalBoxFuture<'static, ()>) {
    use futures_util::future::{Either, select};
    let limit = worker::Delay::from(BACKGROUND_LIMIT);
    if let Either::Right(_) = select(work, limit).await {
        worker::console_warn!(
            "edgecache: background work ended after {} s (Workers end it about 30 s after the response)",
            BACKGROUND_LIMIT.as_secs()
        );
    }
}

/// A response as it is.
pub(crate) fn forward(response: Response, finish: Finish, origin_ms: Option<u64>) -> Served {
    Served {
        response,
        finish,
        origin_ms,
        after: Vec::new(),
    }
}

/// A response from another platform call (`fetch`), rebuilt so that its
/// headers can be changed.
pub(crate) fn rebuilt(response: Response) -> Response {
    let status = response.status_code();
    let headers = to_headers(pairs(&owned(response.headers())));
    build(status, headers, response.into_parts().1)
}

/// A response from a stored head and body.
pub(crate) fn stored(
    reply: StoredReply,
    body: ResponseBody,
    finish: Finish,
    origin_ms: Option<u64>,
) -> Served {
    let headers = to_headers(
        reply
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice())),
    );
    forward(build(reply.status, headers, body), finish, origin_ms)
}

/// The edge's own short plain-text answer.
pub(crate) fn edge(reply: EdgeReply, origin_ms: Option<u64>) -> Served {
    forward(plain(reply.status, &reply.text), reply.finish, origin_ms)
}

/// The bytes of a header value read from the runtime.
pub(crate) fn value_bytes(value: &str) -> Vec<u8> {
    value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// A header value for the runtime, from bytes.
pub(crate) fn value_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Every header of `headers`, names lower-cased by the runtime.
pub(crate) fn owned(headers: &Headers) -> OwnedHeaders {
    headers
        .entries()
        .map(|(name, value)| (name, value_bytes(&value)))
        .collect()
}

/// Borrowed pairs of `owned`, as core reads them.
pub(crate) fn pairs(owned: &OwnedHeaders) -> Vec<HeaderPair<'_>> {
    owned
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_slice()))
        .collect()
}

/// Runtime headers from pairs. A pair the runtime refuses (a name that is
/// not a token) is dropped, never a reason to fail the request.
pub(crate) fn to_headers<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Headers {
    let headers = Headers::new();
    for (name, value) in pairs {
        let _ = headers.append(name, &value_string(value));
    }
    headers
}

/// A response with `status`, `headers` and `body`; without the body when
/// the status forbids one (the runtime would refuse it).
pub(crate) fn build(status: u16, headers: Headers, body: ResponseBody) -> Response {
    let body = if edgecache_core::has_no_content(status) {
        ResponseBody::Empty
    } else {
        body
    };
    Response::builder()
        .with_status(status)
        .with_headers(headers)
        .body(body)
}

/// Reads `body` until `limit` bytes or its end: the bytes, whether that
/// was all of it (no error, no more), and the rest when there is more.
pub(crate) async fn read_at_most(
    body: ResponseBody,
    limit: usize,
) -> (Vec<u8>, bool, Option<ByteStream>) {
    let stream = match body {
        ResponseBody::Body(bytes) => return (bytes, true, None),
        ResponseBody::Empty => return (Vec::new(), true, None),
        ResponseBody::Stream(stream) => Response::builder().stream(stream).stream(),
    };
    let Ok(mut stream) = stream else {
        return (Vec::new(), false, None);
    };
    let mut read = Vec::new();
    while read.len() < limit {
        match stream.next().await {
            Some(Ok(chunk)) => read.extend_from_slice(&chunk),
            Some(Err(_)) => return (read, false, None),
            None => return (read, true, None),
        }
    }
    (read, false, Some(stream))
}

/// A body of `read` followed by what is left of `rest`.
pub(crate) fn prefixed(read: Vec<u8>, rest: Option<ByteStream>) -> ResponseBody {
    let Some(rest) = rest else {
        return ResponseBody::Body(read);
    };
    let all = futures_util::stream::once(async move { worker::Result::Ok(read) }).chain(rest);
    match Response::from_stream(all) {
        Ok(response) => response.into_parts().1,
        Err(e) => {
            worker::console_error!("edgecache: cannot stream a body: {e}");
            ResponseBody::Empty
        }
    }
}

/// `body`, declared `length` bytes long: the runtime sends it with that
/// `Content-Length`, and a stream that ends short or runs long is an
/// error, so the viewer's connection is cut instead of ending cleanly on
/// a short body. The runtime pipes the stream itself: no byte passes
/// through wasm. `body` as it is when the runtime cannot make one.
pub(crate) fn fixed_length(body: ResponseBody, length: u64) -> ResponseBody {
    let ResponseBody::Stream(stream) = body else {
        return body;
    };
    let fixed = match u32::try_from(length) {
        Ok(length) => worker::worker_sys::FixedLengthStream::new(length),
        Err(_) => {
            worker::worker_sys::FixedLengthStream::new_big_int(worker::js_sys::BigInt::from(length))
        }
    };
    let Ok(fixed) = fixed else {
        return ResponseBody::Stream(stream);
    };
    // The pipe's promise settles with the stream; an error reaches the
    // readable side, which is what the viewer reads.
    let _ = stream.pipe_to(&fixed.writable());
    ResponseBody::Stream(fixed.readable())
}

/// Bytes `start..=end` of `body`, cut from the stream as it comes.
pub(crate) fn slice(body: ResponseBody, start: u64, end: u64) -> ResponseBody {
    let cut = move |from: u64, chunk: Vec<u8>| {
        let length = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        let first = start.saturating_sub(from).min(length);
        let last = end.saturating_add(1).saturating_sub(from).min(length);
        let (first, last) = (usize::try_from(first), usize::try_from(last));
        match (first, last) {
            (Ok(first), Ok(last)) => chunk.get(first..last).map(<[u8]>::to_vec),
            _ => None,
        }
        .unwrap_or_default()
    };
    let stream = match body {
        ResponseBody::Body(bytes) => return ResponseBody::Body(cut(0, bytes)),
        ResponseBody::Empty => return ResponseBody::Empty,
        ResponseBody::Stream(stream) => Response::builder().stream(stream).stream(),
    };
    let Ok(stream) = stream else {
        return ResponseBody::Empty;
    };
    let sliced = stream.scan(0u64, move |position, chunk| {
        let next = match chunk {
            Ok(_) if *position > end => None,
            Ok(chunk) => {
                let from = *position;
                *position = from.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
                Some(Ok(cut(from, chunk)))
            }
            Err(e) => Some(Err(e)),
        };
        futures_util::future::ready(next)
    });
    match Response::from_stream(sliced) {
        Ok(response) => response.into_parts().1,
        Err(e) => {
            worker::console_error!("edgecache: cannot stream a range: {e}");
            ResponseBody::Empty
        }
    }
}

/// Cancels a body nobody will read, so that the other branch of a teed
/// body (the cache's) does not keep a copy of it in memory.
pub(crate) fn discard(body: ResponseBody) {
    if let ResponseBody::Stream(stream) = body {
        let _ = stream.cancel();
    }
}

/// A plain-text response.
pub(crate) fn plain(status: u16, text: &str) -> Response {
    let headers = to_headers([("content-type", b"text/plain; charset=utf-8".as_slice())]);
    build(
        status,
        headers,
        ResponseBody::Body(text.as_bytes().to_vec()),
    )
}
