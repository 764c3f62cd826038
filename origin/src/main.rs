//! `edgecache-demo-origin [--addr 127.0.0.1:8080] [--search-delay-ms 2000] [--hang-ms 30000]
//! [--tls-addr 127.0.0.1:8443 --tls-cert CHAIN.pem --tls-key KEY.pem]`

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use demo_origin::{Options, TlsIdentity, start};

const USAGE: &str = "usage: edgecache-demo-origin [--addr HOST:PORT] [--search-delay-ms MS] \
    [--hang-ms MS] [--tls-addr HOST:PORT --tls-cert CHAIN.pem --tls-key KEY.pem]";

fn main() -> ExitCode {
    let mut addr = "127.0.0.1:8080".to_string();
    let mut options = Options::default();
    let (mut tls_addr, mut tls_cert, mut tls_key) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next();
        let millis = value.as_deref().and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value, millis) {
            ("--addr", Some(v), _) => addr = v,
            ("--search-delay-ms", _, Some(ms)) => options.search_delay = Duration::from_millis(ms),
            ("--hang-ms", _, Some(ms)) => options.hang = Duration::from_millis(ms),
            ("--tls-addr", Some(v), _) => tls_addr = Some(v),
            ("--tls-cert", Some(v), _) => tls_cert = Some(v),
            ("--tls-key", Some(v), _) => tls_key = Some(v),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let tls = match (tls_addr, tls_cert, tls_key) {
        (None, None, None) => None,
        (Some(addr), Some(cert), Some(key)) => match TlsIdentity::from_files(&cert, &key) {
            Ok(identity) => Some((addr, identity)),
            Err(e) => {
                eprintln!("edgecache-demo-origin: {cert}, {key}: {e}");
                return ExitCode::FAILURE;
            }
        },
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match start(&addr, options) {
        Ok(mut origin) => {
            if let Some((addr, identity)) = tls {
                match origin.serve_tls(&addr, &identity) {
                    Ok(local) => println!("edgecache demo origin listening on https://{local}"),
                    Err(e) => {
                        eprintln!("edgecache-demo-origin: cannot listen on {addr}: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
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
