//! `edgecache-demo-origin [--addr 127.0.0.1:8080] [--search-delay-ms 2000] [--hang-ms 30000]`

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use demo_origin::{Options, start};

fn main() -> ExitCode {
    let mut addr = "127.0.0.1:8080".to_string();
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next();
        let millis = value.as_deref().and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value, millis) {
            ("--addr", Some(v), _) => addr = v,
            ("--search-delay-ms", _, Some(ms)) => options.search_delay = Duration::from_millis(ms),
            ("--hang-ms", _, Some(ms)) => options.hang = Duration::from_millis(ms),
            _ => {
                eprintln!(
                    "usage: edgecache-demo-origin [--addr HOST:PORT] [--search-delay-ms MS] [--hang-ms MS]"
                );
                return ExitCode::from(2);
            }
        }
    }
    match start(&addr, options) {
        Ok(origin) => {
            // Scripts and tests wait for this line to learn the port.
            println!("edgecache demo origin listening on {}", origin.url());
            let _ = std::io::stdout().flush();
            origin.wait();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("edgecache-demo-origin: cannot listen on {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}
