//! `edgecache`: check a configuration, explain a decision, predict the
//! hit ratio from access logs, generate a workload. See `edgecache --help`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use edgecache_cli::{Error, check, explain, generate, simulate};

#[derive(Parser)]
#[command(
    name = "edgecache",
    version,
    about = "The edgecache command line: the edge's own decisions, run locally"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a configuration: every problem with its JSON path and a hint (exit 1 on errors).
    Check {
        config: PathBuf,
        /// Print the configuration with every default filled in.
        #[arg(long)]
        print: bool,
        #[arg(long)]
        json: bool,
    },
    /// Explain one request: behavior, cache key, origin request, and the decision on a response.
    Explain(ExplainArgs),
    /// Replay access logs through the configuration and a cache model; report hit ratios.
    Simulate(SimulateArgs),
    /// Write a synthetic access log shaped like the case studies (media, search, products).
    Generate(GenerateArgs),
    /// Print the JSON Schema (draft 2020-12) of the configuration document, for editors.
    Schema,
}

#[derive(Args)]
struct ExplainArgs {
    config: PathBuf,
    /// The request method, e.g. GET.
    method: String,
    /// An absolute URL, or a path with its query.
    url: String,
    /// A viewer request header, "Name: value" (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// The origin's status line, e.g. "HTTP/1.1 200" (default: a 200 with no headers).
    #[arg(long, value_name = "STATUS-LINE")]
    response: Option<String>,
    /// An origin response header, "Name: value" (repeatable).
    #[arg(short = 'R', long = "response-header", value_name = "HEADER")]
    response_headers: Vec<String>,
    /// The time of the request: Unix seconds or an HTTP date (default: now).
    #[arg(long)]
    now: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct SimulateArgs {
    config: PathBuf,
    /// CloudFront standard logs or Common/Combined Log Format files, plain or gzip.
    #[arg(required = true)]
    logs: Vec<PathBuf>,
    /// Cache capacity: a number of objects, or bytes with a unit (500MB, 10GiB). Default: unbounded.
    #[arg(long)]
    capacity: Option<String>,
    /// What the origin answers for a behavior: PATTERN=CACHE-CONTROL[:SHARE%], e.g. '/products/*=no-cache:30%'.
    #[arg(long = "assume", value_name = "RULE")]
    assume: Vec<String>,
    /// The log format (default: recognized from each file's first line).
    #[arg(long, value_enum, default_value_t = simulate::Format::Auto)]
    format: simulate::Format,
    /// The Host of requests whose log has none (Common/Combined Log Format).
    #[arg(long, default_value = "localhost")]
    host: String,
    /// Write a chart of the hit ratio over time per behavior.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    #[arg(long)]
    json: bool,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct GenerateArgs {
    /// How many log lines.
    #[arg(long, default_value_t = 1_000_000)]
    requests: u64,
    /// The random seed: the same seed gives the same log.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many days the log spans.
    #[arg(long, default_value_t = 1)]
    days: u64,
    #[arg(long, value_enum, default_value_t = generate::Format::Cloudfront)]
    format: generate::Format,
    /// Write here (gzip when the name ends in .gz); default standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("edgecache: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Check {
            config,
            print,
            json,
        } => {
            let report = check::run(&config, print)?;
            emit(if json {
                to_json(&report)?
            } else {
                report.text()
            })?;
            Ok(if report.valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Schema => {
            let schema = schemars::schema_for!(edgecache_core::schema::RawConfig);
            emit(to_json(&schema)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain(args) => {
            let config = check::load_config(&args.config)?;
            let input = explain::Input {
                method: args.method,
                url: args.url,
                headers: args.headers,
                response: args.response,
                response_headers: args.response_headers,
                now: explain::parse_now(args.now.as_deref())?,
            };
            let explanation = explain::explain(&config, &input)?;
            emit(if args.json {
                to_json(&explanation)?
            } else {
                explanation.text()
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Simulate(args) => {
            let config = check::load_config(&args.config)?;
            let options = simulate::Options {
                capacity: args
                    .capacity
                    .as_deref()
                    .map(simulate::Capacity::parse)
                    .transpose()?,
                assume: simulate::Assumptions::parse(&config, &args.assume)?,
                format: args.format,
                host: args.host,
                progress: !args.quiet,
            };
            let report = simulate::run(&config, &args.logs, &options)?;
            if let Some(svg) = &args.svg {
                std::fs::write(svg, report.svg()).map_err(|e| Error::io(svg, &e))?;
            }
            emit(if args.json {
                to_json(&report)?
            } else {
                report.text()
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate(args) => {
            let workload = generate::Workload {
                requests: args.requests,
                seed: args.seed,
                days: args.days,
                format: args.format,
            };
            generate::write(&workload, args.output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn to_json(value: &impl serde::Serialize) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::new(format!("cannot write JSON: {e}")))
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
fn emit(text: String) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::new(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}
