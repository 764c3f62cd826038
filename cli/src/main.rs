//! `edgecache`: check a configuration, explain a decision, predict the
//! hit ratio from access logs, generate a workload. See `edgecache --help`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use edgecache_cli::{Error, check, explain, generate, import, simulate, stats};

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
        /// The configuration file; `-` for standard input.
        config: PathBuf,
        /// Print the configuration with every default filled in.
        #[arg(long)]
        print: bool,
        /// Also check against a platform's limits (config store size), each with its source.
        #[arg(long, value_enum)]
        platform: Option<edgecache_cli::platform::Platform>,
        /// Write the precompiled text form for a config store to standard output (the report goes to standard error).
        #[arg(long)]
        compile: bool,
        #[arg(long)]
        json: bool,
    },
    /// Explain one request: behavior, cache key, origin request, and the decision on a response.
    Explain(ExplainArgs),
    /// Replay access logs through the configuration and a cache model; report hit ratios.
    Simulate(SimulateArgs),
    /// Summarize the edge's own JSON log lines: outcomes, hit ratio, reasons, statuses, events.
    Stats(StatsArgs),
    /// Write a synthetic access log shaped like the case studies (media, search, products).
    Generate(GenerateArgs),
    /// Print the JSON Schema (draft 2020-12) of the configuration document, for editors.
    Schema,
    /// Turn another CDN's configuration into an edgecache configuration.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
}

#[derive(Subcommand)]
enum ImportSource {
    /// A CloudFront distribution (`aws cloudfront get-distribution-config`): the configuration
    /// to standard output, one line per setting not carried over to standard error.
    Cloudfront(ImportCloudfrontArgs),
}

#[derive(Args)]
struct ImportCloudfrontArgs {
    /// The output of `aws cloudfront get-distribution-config` (or `get-distribution`); `-` for standard input.
    distribution: PathBuf,
    /// A custom cache policy a behavior uses: `aws cloudfront get-cache-policy` output, or ID=FILE
    /// for `get-cache-policy-config` output (repeatable).
    #[arg(long = "cache-policy", value_name = "FILE")]
    cache_policies: Vec<String>,
    /// A custom origin request policy a behavior uses: `aws cloudfront get-origin-request-policy`
    /// output, or ID=FILE (repeatable).
    #[arg(long = "origin-request-policy", value_name = "FILE")]
    origin_request_policies: Vec<String>,
}

#[derive(Args)]
struct ExplainArgs {
    /// The configuration file; `-` for standard input.
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
    /// The configuration file; `-` for standard input.
    config: PathBuf,
    /// CloudFront standard logs or Common/Combined Log Format files, plain or gzip; `-` for standard input.
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
struct StatsArgs {
    /// The edge's log lines, plain or gzip, as logged or as `fastly log-tail` or
    /// `wrangler tail --format json` print them; `-` (the default) for standard input.
    files: Vec<PathBuf>,
    /// What each row is.
    #[arg(long, value_enum, default_value_t = stats::GroupBy::Behavior)]
    by: stats::GroupBy,
    /// Write a chart of the hit ratio over time per row (the eight busiest).
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    #[arg(long)]
    json: bool,
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
            platform,
            compile,
            json,
        } => {
            let options = check::Options {
                print,
                platform,
                compile,
            };
            let report = check::run(&config, options)?;
            let text = if json {
                to_json(&report)?
            } else {
                report.text()
            };
            if compile && !json {
                // Standard output holds the form alone, for a config store.
                eprint!("{text}");
                if let Some(precompiled) = &report.precompiled {
                    emit(format!("{precompiled}\n"))?;
                }
            } else {
                emit(text)?;
            }
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
            edgecache_cli::stdin_once(
                args.logs.iter().chain([&args.config]).map(PathBuf::as_path),
            )?;
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
            let chart = args.svg.as_deref().map(|svg| (svg, report.svg()));
            emit_report(&report, report.text(), chart, args.json)
        }
        Command::Stats(args) => stats_command(args),
        Command::Import {
            source: ImportSource::Cloudfront(args),
        } => import_cloudfront(args),
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

fn stats_command(args: StatsArgs) -> Result<ExitCode, Error> {
    let mut files = args.files;
    if files.is_empty() {
        files.push(PathBuf::from("-"));
    }
    edgecache_cli::stdin_once(files.iter().map(PathBuf::as_path))?;
    let options = stats::Options {
        by: args.by,
        live: stats::live_wanted(&files, args.json),
    };
    let report = stats::run(&files, &options)?;
    let chart = args.svg.as_deref().map(|svg| (svg, report.svg()));
    emit_report(&report, report.text(), chart, args.json)
}

/// Writes a report's chart where `--svg` asked, then the report: as JSON
/// with `--json`, else as `text`.
fn emit_report(
    report: &impl serde::Serialize,
    text: String,
    chart: Option<(&std::path::Path, String)>,
    json: bool,
) -> Result<ExitCode, Error> {
    if let Some((file, svg)) = chart {
        std::fs::write(file, svg).map_err(|e| Error::io(file, &e))?;
    }
    emit(if json { to_json(report)? } else { text })?;
    Ok(ExitCode::SUCCESS)
}

fn import_cloudfront(args: ImportCloudfrontArgs) -> Result<ExitCode, Error> {
    let request = import::Request {
        distribution: args.distribution,
        cache_policies: args.cache_policies,
        origin_request_policies: args.origin_request_policies,
    };
    let imported = import::cloudfront(&request)?;
    let mut err = std::io::stderr().lock();
    for note in &imported.notes {
        let _ = writeln!(err, "{note}");
    }
    emit(imported.json)?;
    Ok(ExitCode::SUCCESS)
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
