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
//! | `/respond?status=&cc=&expires=&set-cookie=&vary=&etag=&last-modified=&age=&surrogate-key=&cache-tag=&delay_ms=&body=` | whatever the query asks for; the same under any path below it (`/respond/t7/a?...`), so that each test may have paths of its own |
//! | `/echo` | the request it received, as JSON (method, target, headers) |
//! | `/__origin/stats` | requests received per path and per target, and the headers of the last request per path |
//! | `POST /__origin/reset`, `POST /__origin/mode?set=up\|fail\|hang` | control: forget the counts and modes; answer normally, 503 to everything, or hang |
//! | `POST /__origin/mode?set=up\|fail\|hang&prefix=/PATH` | the same for the paths that start with `/PATH` only |
//!
//! Control endpoints are not counted. A path's mode is the one set for the
//! longest prefix it starts with, else the one set without a prefix: tests
//! that share one origin each fail or hang their own paths only.

mod http;
mod media;
mod routes;
mod state;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
    stopping: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

/// Starts the origin on `addr` (`127.0.0.1:0` picks a free port).
pub fn start(addr: &str, options: Options) -> io::Result<RunningOrigin> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let state = Arc::new(State::new(options));
    let stopping = Arc::new(AtomicBool::new(false));
    // One thread per connection, so a hanging or slow answer never holds
    // up the others.
    let handler: http::Handler = Arc::new(move |request| routes::handle(request, &state));
    let acceptor = {
        let stopping = Arc::clone(&stopping);
        std::thread::spawn(move || http::serve(listener, stopping, handler))
    };
    Ok(RunningOrigin {
        addr: local,
        stopping,
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
        self.stopping.store(true, Ordering::Release);
        // Wakes the accept loop, which then sees it is stopping.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}
