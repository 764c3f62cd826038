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
//! | `/respond?status=&cc=&expires=&set-cookie=&vary=&etag=&last-modified=&age=&surrogate-key=&cache-tag=&delay_ms=&body=` | whatever the query asks for |
//! | `/echo` | the request it received, as JSON (method, target, headers) |
//! | `/__origin/stats` | requests received per path and per target, and the headers of the last request per path |
//! | `POST /__origin/reset`, `POST /__origin/mode?set=up\|fail\|hang` | control: forget the counts; answer normally, 503 to everything, or hang |
//!
//! Control endpoints are not counted.

mod media;
mod routes;
mod state;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use state::Mode;
use state::State;

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
    server: Arc<tiny_http::Server>,
    acceptor: Option<JoinHandle<()>>,
}

/// Starts the origin on `addr` (`127.0.0.1:0` picks a free port).
pub fn start(addr: &str, options: Options) -> io::Result<RunningOrigin> {
    let server = tiny_http::Server::http(addr).map_err(io::Error::other)?;
    let local = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| io::Error::other("not an IP listener"))?;
    let server = Arc::new(server);
    let state = Arc::new(State::new(options));
    let acceptor = {
        let server = Arc::clone(&server);
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let state = Arc::clone(&state);
                // One thread per request: a hanging or slow answer never
                // holds up the others.
                std::thread::spawn(move || routes::handle(request, &state));
            }
        })
    };
    Ok(RunningOrigin {
        addr: local,
        server,
        acceptor: Some(acceptor),
    })
}

impl RunningOrigin {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Blocks until the origin is stopped from elsewhere.
    pub fn wait(mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl Drop for RunningOrigin {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}
