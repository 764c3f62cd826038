//! A demo origin that plays the case studies' APIs, so that one command
//! shows a MISS then a HIT, and the end-to-end tests have a real origin
//! process to count requests at:
//!
//! | path | answers |
//! |---|---|
//! | `/search/pcp`, `/search/allergy` | JSON of the whitelisted parameters after a slow "search" (2 s by default), no Cache-Control, an ETag |
//! | `/search/partner` | a third-party-backed search: `Cache-Control: max-age=1` |
//! | `/media/NAME` | deterministic bytes (256 KiB, or `NAME-5m.mp3` for 5 MiB) with ETag, Last-Modified, Range and conditional requests |
//! | `/products/ID` | even ids `public, max-age=604800`, odd ids `no-cache` with an ETag |
//! | `/respond?status=&cc=&cdn-cc=&surrogate-control=&location=&content-location=&expires=&set-cookie=&vary=&etag=&last-modified=&age=&surrogate-key=&cache-tag=&tags=&delay_ms=&body=&size=` | whatever the query asks for (`size=N`: the body repeated to N bytes); the same under any path below it (`/respond/t7/a?...`), so that each test may have paths of its own |
//! | `/respond?...&fault=NAME` | the same, broken on the wire: `cut-length` (the whole length declared, half the body sent, closed), `cut-chunked` (no last chunk), `reset-head` (a TCP reset before any byte), `reset-body` (a reset after half the body), `slow-body` (half, a stall of `stall_ms`, default 3000, then the rest), `interim` (`100` and `103` before the answer), `garbage-header` (control bytes and a line without a colon), `extra-bytes` (a second response smuggled after the body) |
//! | `/echo` | the request it received, as JSON (method, target, headers) |
//! | `/naive/search` | a naive framework's search page (for the attack suite): no Cache-Control; reflects the query as sent in a "did you mean" link and its other parameters decoded in an analytics snippet, `callback=` makes it JSONP, `Page=0` redirects keeping the query, `ref=` sets a cookie |
//! | `/naive/embed` | a widget reflecting `return_to` through PHP's `json_encode` (`/` as `\/`), `campaign` cut to 64 characters, `promo` decoded twice |
//! | `/naive/practice` | a practice page read from `Practice_Id` |
//! | `/naive/gzip/...` | any page above, gzip-compressed when the request accepts gzip (`Vary: Accept-Encoding`), as nginx's `gzip on` does |
//! | `/naive/login?next=URL` | 302 to `next`, whatever it is (an open redirect) |
//! | `/naive/home` | `public, max-age=600`, in the `theme` and `lang` its cookies name (unquoted, decoded, unescaped) |
//! | `/naive/search`, `/naive/embed`, `/naive/practice`: before the page | the framework first: 400 (`max-age=300`) for a header or a parameter over its limits, 414 for a query over 4 KiB, 500 for a control character in a parameter, 405 (`max-age=300`) for a method override, 301 to https when `X-Forwarded-Proto` and the like say http, a React Server Components payload for `RSC: 1` and Next.js's prefetch headers; links absolute on `X-Forwarded-Host` and the like, `X-Forwarded-Uri`, `X-Forwarded-Prefix`; `X-Original-URL` and `X-Rewrite-URL` route another path; header names read as CGI does (`X-Forwarded_Proto` is `X-Forwarded-Proto`); parameter names read as PHP does (`Practice.Id` is `Practice_Id`, `Keyword[0]` and ` Keyword` are `Keyword`) |
//! | `/api/me` | the user of the `session` cookie, echoing the session, no Cache-Control (`{"user": null}` without one); the same under `/api/shared/`, with `max-age=60` under `/api/cached/`, `public, max-age=60` under `/api/public/`; `/api/profile` the session's user without the session; `/api/catalog` the same for everyone |
//! | `/static/NAME.css`, `/static/NAME.js` | a small file, no Cache-Control |
//! | `/__origin/stats` | requests received per path and per target, and the headers of the last request per path |
//! | `POST /__origin/reset`, `POST /__origin/mode?set=up\|fail\|hang` | control: forget the counts and modes; answer normally, 503 to everything, or hang |
//! | `POST /__origin/mode?set=up\|fail\|hang&prefix=/PATH` | the same for the paths that start with `/PATH` only |
//! | `POST /__origin/mode?set=FAULT&prefix=/PATH` | `/respond` paths that start with `/PATH` answer broken so (`set=cut-length`, see `fault=` above) |
//!
//! Paths under `/naive/`, `/api/` and `/static/` are routed loosely, as
//! naive frameworks do: on the percent-decoded path (`%2F` too) with `\`
//! read as `/`, `;` parameters dropped, only the first segments deciding
//! (`/api/me/x.css`, `/api/me;x.css` and `/api/me%2f..%2fx.css` are
//! `/api/me`), then with dot segments resolved (`/static/..%2Fapi%2Fme`).
//!
//! The same origin may also listen for HTTPS ([`RunningOrigin::serve_tls`],
//! `--tls-addr` with `--tls-cert` and `--tls-key`), on other ports with
//! other certificates, answering from the same state.
//!
//! Control endpoints are not counted. A path's mode is the one set for the
//! longest prefix it starts with, else the one set without a prefix: tests
//! that share one origin each fail or hang their own paths only.

mod fault;
mod gzip;
mod http;
mod media;
mod naive;
mod routes;
mod state;
mod tls;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

pub use fault::Fault;
pub use gzip::{gunzip, gzip};
pub use state::Mode;
use state::State;
pub use tls::TlsIdentity;

/// How the origin behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long a search takes.
    pub search_delay: Duration,
    /// How long a request hangs in `hang` mode before it is answered.
    pub hang: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            search_delay: Duration::from_millis(2000),
            hang: Duration::from_secs(30),
        }
    }
}

/// A running origin; stops when dropped.
pub struct RunningOrigin {
    addr: SocketAddr,
    handler: http::Handler,
    stopping: Arc<AtomicBool>,
    /// Each listener's address and accept loop, the plain one first.
    acceptors: Vec<(SocketAddr, JoinHandle<()>)>,
}

/// Starts the origin on `addr` (`127.0.0.1:0` picks a free port).
pub fn start(addr: &str, options: Options) -> io::Result<RunningOrigin> {
    let state = Arc::new(State::new(options));
    // One thread per connection, so a hanging or slow answer never holds
    // up the others.
    let handler: http::Handler = Arc::new(move |request| routes::handle(request, &state));
    let mut origin = RunningOrigin {
        addr: "127.0.0.1:0".parse().map_err(io::Error::other)?,
        handler,
        stopping: Arc::new(AtomicBool::new(false)),
        acceptors: Vec::new(),
    };
    origin.addr = origin.listen(addr, None)?;
    Ok(origin)
}

impl RunningOrigin {
    /// The address it listens on for plain HTTP.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Also answers HTTPS on `addr`, presenting `identity`, from the same
    /// state (counts, modes); returns the address it listens on.
    ///
    /// # Errors
    /// When `addr` cannot be bound.
    pub fn serve_tls(&mut self, addr: &str, identity: &TlsIdentity) -> io::Result<SocketAddr> {
        self.listen(addr, Some(Arc::clone(&identity.config)))
    }

    fn listen(
        &mut self,
        addr: &str,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        let handler = Arc::clone(&self.handler);
        let stopping = Arc::clone(&self.stopping);
        let acceptor = std::thread::spawn(move || http::serve(listener, stopping, handler, tls));
        self.acceptors.push((local, acceptor));
        Ok(local)
    }

    /// Blocks until the origin is stopped from elsewhere.
    pub fn wait(mut self) {
        for (_, acceptor) in std::mem::take(&mut self.acceptors) {
            let _ = acceptor.join();
        }
    }
}

impl Drop for RunningOrigin {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Release);
        for (addr, acceptor) in std::mem::take(&mut self.acceptors) {
            // Wakes the accept loop, which then sees it is stopping.
            let _ = TcpStream::connect(addr);
            let _ = acceptor.join();
        }
    }
}
