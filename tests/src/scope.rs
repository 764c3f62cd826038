//! Sharing within a test binary: one demo origin, one runtime per platform
//! and configuration, and for each test a token of its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::runtime::{Edge, Platform};
use crate::{Origin, Request, config_forwarding, respond_target};

/// What a shared runtime is started with. Tests that ask for the same
/// configuration on the same platform share one runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Configuration {
    /// The test configuration ([`crate::test_config`]), with the purge token.
    Test,
    /// The test configuration with this header forwarded to the origin
    /// ([`crate::config_forwarding`]).
    Forwarding(&'static str),
    /// This text as the configuration (a bad one, say); on Cloudflare a
    /// valid one precompiled, as an operator sets it.
    Text(&'static str),
    /// This text as the configuration, as it is on both platforms: a JSON
    /// document that the Worker should refuse.
    Uncompiled(&'static str),
    /// The test configuration without a purge token.
    WithoutPurgeToken,
    /// The test configuration in a runtime that only the tests asking for
    /// this name share: for a test that acts on the whole cache (purges
    /// everything), which would reach into other tests' entries.
    Own(&'static str),
    /// The attack suite's configuration ([`crate::naive_config`]): the
    /// case study's search in front of the demo origin's naive framework,
    /// forwarding more than it keys, with session APIs and static files.
    Naive,
    /// The test configuration with HTTPS origins ([`crate::tls_config`]).
    Tls,
    /// The test configuration, on Cloudflare without the purge log's
    /// Durable Object (unreachable); on Fastly the test configuration.
    WithoutPurgeLog,
    /// On Cloudflare, a Worker running as deployed (not locally), with the
    /// test configuration as its variable or with none; on Fastly the test
    /// configuration (Viceroy always says it is local).
    Deployed {
        /// Whether the variable holds the test configuration.
        document: bool,
    },
}

impl Configuration {
    /// Starts a runtime with this configuration, and waits until it
    /// answers HTTP: no test then sees the runtime still starting.
    fn start(self, platform: Platform, origin: &Origin) -> Edge {
        let edge = self.launch(platform, origin);
        answers_http(&edge);
        edge
    }

    fn launch(self, platform: Platform, origin: &Origin) -> Edge {
        let url = origin.url();
        match self {
            Configuration::Test | Configuration::Own(_) => Edge::start(platform, &url),
            Configuration::Forwarding(header) => {
                Edge::start_with_config(platform, &url, &config_forwarding(&url, header))
            }
            Configuration::Text(config) => Edge::start_with_config(platform, &url, config),
            Configuration::Uncompiled(text) => Edge::start_with_document(platform, &url, text),
            Configuration::WithoutPurgeToken => Edge::start_without_purge_token(platform, &url),
            Configuration::Naive => {
                Edge::start_with_config(platform, &url, &crate::naive_config(&url))
            }
            Configuration::Tls => {
                Edge::start_with_config(platform, &url, &crate::tls_config(origin))
            }
            Configuration::Deployed { document } => match platform {
                Platform::Cloudflare if document => {
                    Edge::start_cloudflare_deployed(&crate::test_config(&url))
                }
                Platform::Cloudflare => Edge::start_cloudflare_deployed(""),
                Platform::Fastly => Edge::start(platform, &url),
            },
            Configuration::WithoutPurgeLog => match platform {
                Platform::Cloudflare => Edge::start_cloudflare_without_purge_log(&url),
                Platform::Fastly => Edge::start(platform, &url),
            },
        }
    }
}

/// Waits up to 30 seconds for `edge` to answer an HTTP request, whatever
/// the answer: `wrangler dev` accepts connections before workerd serves,
/// and a request in between may be reset ("Connection reset by peer").
/// The probe's path is no test's.
fn answers_http(edge: &Edge) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match Request::get(&edge.url("/e2e-probe")).try_send() {
            Ok(_) => return,
            Err(e) if Instant::now() > deadline => {
                panic!("the runtime never answered HTTP: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// The binary's origin, started by the first test that needs it.
fn shared_origin() -> &'static Origin {
    static ORIGIN: OnceLock<Origin> = OnceLock::new();
    ORIGIN.get_or_init(Origin::start)
}

/// The binary's runtime for `platform` and `configuration`, started by the
/// first test that needs it while the tests that need it too wait. The
/// runtimes are never dropped: they stop when the binary exits (see
/// [`Edge`]).
fn shared_edge(platform: Platform, configuration: Configuration) -> &'static Edge {
    type Slots = HashMap<(Platform, Configuration), &'static OnceLock<Edge>>;
    static EDGES: LazyLock<Mutex<Slots>> = LazyLock::new(Mutex::default);
    // The map is locked only to find the slot: a test whose runtime runs
    // already never waits for another one to start.
    let slot = {
        let mut slots = EDGES.lock().unwrap_or_else(PoisonError::into_inner);
        let slot: &mut &'static OnceLock<Edge> = slots
            .entry((platform, configuration))
            .or_insert_with(|| Box::leak(Box::new(OnceLock::new())));
        *slot
    };
    slot.get_or_init(|| {
        let origin = shared_origin();
        // One start at a time: starting runtimes (wrangler most) take all
        // the cores, and tests already running on a runtime have a 1 s
        // first-byte timeout to keep.
        static STARTING: Mutex<()> = Mutex::new(());
        let _one_at_a_time = STARTING.lock().unwrap_or_else(PoisonError::into_inner);
        configuration.start(platform, origin)
    })
}

/// One test's part of the shared origin and runtime: a token that no
/// other test of the binary has, put in every path, search keyword and
/// tag the test uses, so that tests running in parallel never see each
/// other's cache entries, origin counts or faults.
pub struct Scope {
    /// The binary's demo origin, shared: count with [`Scope::count`].
    pub origin: &'static Origin,
    /// The binary's runtime for the test's platform and configuration.
    pub edge: &'static Edge,
    number: u32,
}

impl Scope {
    /// A scope on the runtime with the test configuration.
    pub fn new(platform: Platform) -> Scope {
        Scope::with(platform, Configuration::Test)
    }

    /// A scope on the runtime with `configuration`.
    pub fn with(platform: Platform, configuration: Configuration) -> Scope {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let number = NEXT.fetch_add(1, Ordering::Relaxed);
        // Tokens all have the same width, so none is a prefix of another.
        assert!(number < 10_000, "more than 9999 scopes in one binary");
        Scope {
            origin: shared_origin(),
            edge: shared_edge(platform, configuration),
            number,
        }
    }

    /// The token: `t0042`.
    pub fn token(&self) -> String {
        format!("t{:04}", self.number)
    }

    /// `word` made the test's own: `flu-t0042`, for a search keyword or a tag.
    pub fn word(&self, word: &str) -> String {
        format!("{word}-{}", self.token())
    }

    /// `base` made the test's own: `/media/t0042` for `/media`.
    pub fn path(&self, base: &str) -> String {
        format!("{base}/{}", self.token())
    }

    /// The `/respond` endpoint at the test's own path, `/respond/t0042`,
    /// answering with `cache_control` (see [`respond_target`]).
    pub fn respond(&self, cache_control: &str, extra: &str) -> String {
        respond_target(&self.path("/respond"), cache_control, extra)
    }

    /// `/products/ID` with an id of the test's own that ends with `id`:
    /// even or odd as `id` is (the origin decides cacheability by it), and
    /// a prefix of another as `id` is of the other (2 and 22).
    pub fn product(&self, id: u32) -> String {
        format!("{}{id}", self.product_prefix())
    }

    /// `/products/10042`: the start of the test's product paths (the
    /// leading 1 keeps the number's zeros).
    fn product_prefix(&self) -> String {
        format!("/products/1{:04}", self.number)
    }

    /// How many of the test's requests reached the origin at `path`
    /// (without query): every request when the path is the test's own
    /// ([`Scope::path`], [`Scope::product`]), else those with the token in
    /// their query (a search keyword from [`Scope::word`]).
    pub fn count(&self, path: &str) -> u64 {
        if self.owns(path) {
            self.origin.count(path)
        } else {
            self.origin.count_with(path, &self.token())
        }
    }

    /// Whether only this test uses `path`.
    fn owns(&self, path: &str) -> bool {
        path.contains(&self.token()) || path.starts_with(&self.product_prefix())
    }

    /// Makes the origin answer `mode` (`up`, `fail`, `hang`) to the paths
    /// that start with `prefix`, which must be one of the test's own.
    pub fn set_origin_mode_under(&self, prefix: &str, mode: &str) {
        assert!(
            prefix.contains(&self.token()),
            "{prefix} is not the test's own"
        );
        self.origin.set_mode_under(prefix, mode);
    }
}
