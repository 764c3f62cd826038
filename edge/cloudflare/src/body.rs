//! A fill's body, checked as it streams: counted against the length the
//! origin declared (core's `BodyCheck`), and given at most the origin's
//! `between_bytes_timeout_ms` between two chunks (`fetch` has no such
//! timeout of its own). A body that does not arrive whole ends in an
//! error instead of a clean end: the viewer's response is cut, and
//! `cache.put` of the other branch fails, so nothing is stored.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use edgecache_core::flow::{BodyCheck, BodyCut};
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use worker::{ByteStream, Delay, Response, ResponseBody};

/// How a checked body ended, once it has: read by the fill when its
/// write is done.
#[derive(Clone, Default)]
pub(crate) struct Verdict(Rc<Cell<Option<Result<u64, BodyCut>>>>);

impl Verdict {
    /// `None` while the body streams (or when nobody read it to the end).
    pub(crate) fn get(&self) -> Option<Result<u64, BodyCut>> {
        self.0.get()
    }

    fn set(&self, verdict: Result<u64, BodyCut>) {
        self.0.set(Some(verdict));
    }
}

/// What the checked stream carries along.
struct Checking {
    stream: ByteStream,
    check: BodyCheck,
    between: Duration,
    verdict: Verdict,
    done: bool,
}

/// `body`, checked as it streams; the verdict, once it has ended.
pub(crate) fn checked(
    body: ResponseBody,
    check: BodyCheck,
    between: Duration,
) -> (ResponseBody, Verdict) {
    let verdict = Verdict::default();
    let stream = match body {
        ResponseBody::Stream(stream) => Response::builder().stream(stream).stream(),
        whole => {
            let length = match &whole {
                ResponseBody::Body(bytes) => bytes.len(),
                _ => 0,
            };
            let mut check = check;
            verdict.set(check.received(length).and_then(|()| check.ended()));
            return (whole, verdict);
        }
    };
    let stream = match stream {
        Ok(stream) => stream,
        Err(e) => {
            worker::console_error!("edgecache: cannot read a body: {e}");
            verdict.set(Err(check.broke()));
            return (ResponseBody::Empty, verdict);
        }
    };
    let state = Checking {
        stream,
        check,
        between,
        verdict: verdict.clone(),
        done: false,
    };
    let checked = futures_util::stream::unfold(state, next);
    match Response::from_stream(checked) {
        Ok(response) => (response.into_parts().1, verdict),
        Err(e) => {
            worker::console_error!("edgecache: cannot stream a body: {e}");
            verdict.set(Err(BodyCut::Broken { received: 0 }));
            (ResponseBody::Empty, verdict)
        }
    }
}

/// The next chunk, or the error that ends a body that is not whole.
async fn next(mut state: Checking) -> Option<(worker::Result<Vec<u8>>, Checking)> {
    if state.done {
        return None;
    }
    let chunk = {
        let limit = Delay::from(state.between);
        match select(state.stream.next(), limit).await {
            Either::Left((chunk, _)) => Some(chunk),
            Either::Right(_) => None,
        }
    };
    let step = match chunk {
        Some(Some(Ok(chunk))) => state.check.received(chunk.len()).map(|()| Some(chunk)),
        Some(Some(Err(_))) | None => Err(state.check.broke()),
        Some(None) => state.check.ended().map(|_| None),
    };
    match step {
        Ok(Some(chunk)) => Some((Ok(chunk), state)),
        Ok(None) => {
            state.verdict.set(Ok(state.check.received_so_far()));
            None
        }
        Err(cut) => {
            state.verdict.set(Err(cut));
            state.done = true;
            let error = worker::Error::RustError(format!("edgecache: {cut}"));
            Some((Err(error), state))
        }
    }
}
