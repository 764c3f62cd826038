//! `edgecache generate`: a synthetic access log shaped like the case
//! studies, so the simulator, the benchmarks and docs/cli.md can show their
//! figures without a private log.
//!
//! The mix, for `config/demo.json`'s behaviors:
//! - 55% media (`/media/track-NNNNNN.mp3`): Zipf popularity over a
//!   catalogue that grows with the log (one track per 150 media requests),
//!   0.3% of them missing (404);
//! - 25% search (`/search/pcp`, some `/search/allergy`): Zipf keywords and
//!   zip codes, parameters in random order, 40% with tracking parameters
//!   (`utm_*`, `gclid`), 3% with a parameter repeated;
//! - 17% products (`/products/NNNNN`): Zipf popularity (one product per 50
//!   product requests, a flatter tail than media), 30% with `utm_source`; which of them the origin
//!   lets be cached is the simulator's `--assume`;
//! - 3% API calls on the default behavior: `POST /api/orders`, `GET /api/health`.
//!
//! Timestamps rise evenly over `days` from 2026-11-01T00:00:00Z.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::Error;
use crate::rng::{Rng, Zipf};
use crate::time::{civil_from_days, month_abbreviation};

/// The log format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// CloudFront standard logs (W3C, tab-separated, with `#Fields:`).
    Cloudfront,
    /// Combined Log Format.
    Combined,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Workload {
    /// How many log lines to write.
    pub requests: u64,
    /// The random seed: the same seed gives the same log.
    pub seed: u64,
    /// How many days the timestamps span, from 2026-11-01T00:00:00Z.
    pub days: u64,
    /// The log format to write.
    pub format: Format,
}

/// 2026-11-01T00:00:00Z.
const START: i64 = 1_793_491_200;

const KEYWORDS: [&str; 24] = [
    "flu",
    "allergy",
    "dentist",
    "pediatrics",
    "dermatology",
    "cardiology",
    "physical+therapy",
    "urgent+care",
    "vision",
    "orthopedics",
    "covid+test",
    "vaccines",
    "chiropractor",
    "ent",
    "oncology",
    "neurology",
    "obgyn",
    "psychiatry",
    "podiatry",
    "urology",
    "nutrition",
    "sleep",
    "acupuncture",
    "massage",
];

const CAMPAIGNS: [&str; 4] = ["newsletter", "google", "facebook", "partner"];

const CLOUDFRONT_FIELDS: &str = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";

/// One generated request.
struct Line {
    method: &'static str,
    path: String,
    query: String,
    status: u16,
    bytes: u64,
    content_type: &'static str,
}

/// The generator's state: popularity tables and the random source.
struct Generator {
    rng: Rng,
    media: Zipf,
    products: Zipf,
    keywords: Zipf,
    zipcodes: Zipf,
}

impl Generator {
    fn new(workload: &Workload) -> Self {
        let n = workload.requests as f64;
        let catalogue =
            |share: f64, per_item: f64, floor: usize| ((n * share / per_item) as usize).max(floor);
        Generator {
            rng: Rng::new(workload.seed),
            media: Zipf::new(catalogue(0.55, 150.0, 100), 1.0),
            products: Zipf::new(catalogue(0.17, 50.0, 50), 0.8),
            keywords: Zipf::new(KEYWORDS.len() * 20, 1.0),
            zipcodes: Zipf::new(400, 0.9),
        }
    }

    fn line(&mut self) -> Line {
        let roll = self.rng.unit();
        if roll < 0.55 {
            self.media()
        } else if roll < 0.80 {
            self.search()
        } else if roll < 0.97 {
            self.product()
        } else {
            self.api()
        }
    }

    fn media(&mut self) -> Line {
        if self.rng.chance(0.003) {
            let missing = self.rng.below(1_000_000);
            return line(
                "GET",
                format!("/media/missing-{missing}.mp3"),
                String::new(),
                404,
                230,
                "text/html",
            );
        }
        let track = self.media.sample(&mut self.rng);
        let bytes = 2_000_000 + (track as u64 * 7919) % 6_000_000;
        line(
            "GET",
            format!("/media/track-{track:06}.mp3"),
            String::new(),
            200,
            bytes,
            "audio/mpeg",
        )
    }

    fn search(&mut self) -> Line {
        let keyword = self.keywords.sample(&mut self.rng);
        let mut params = vec![
            format!(
                "Keyword={}{}",
                KEYWORDS[keyword % KEYWORDS.len()],
                suffix(keyword / KEYWORDS.len())
            ),
            format!("Zipcode={}", 10_001 + self.zipcodes.sample(&mut self.rng)),
            format!("Limit={}", [10, 10, 10, 20, 50][self.rng.below(5) as usize]),
        ];
        if self.rng.chance(0.3) {
            params.push(format!("Page={}", 2 + self.rng.below(3)));
        }
        if self.rng.chance(0.4) {
            params.push(format!(
                "utm_source={}",
                CAMPAIGNS[self.rng.below(4) as usize]
            ));
            params.push(format!("gclid={:016x}", self.rng.next_u64()));
        }
        if self.rng.chance(0.03) {
            params.push(params[0].clone());
        }
        shuffle(&mut self.rng, &mut params);
        let path = if self.rng.chance(0.15) {
            "/search/allergy"
        } else {
            "/search/pcp"
        };
        line(
            "GET",
            path.to_string(),
            params.join("&"),
            200,
            4_000 + self.rng.below(8_000),
            "application/json",
        )
    }

    fn product(&mut self) -> Line {
        let product = self.products.sample(&mut self.rng);
        let query = if self.rng.chance(0.3) {
            format!("utm_source={}", CAMPAIGNS[self.rng.below(4) as usize])
        } else {
            String::new()
        };
        line(
            "GET",
            format!("/products/{product}"),
            query,
            200,
            1_500 + self.rng.below(3_000),
            "application/json",
        )
    }

    fn api(&mut self) -> Line {
        if self.rng.chance(0.5) {
            line(
                "POST",
                "/api/orders".to_string(),
                String::new(),
                201,
                120,
                "application/json",
            )
        } else {
            line(
                "GET",
                "/api/health".to_string(),
                String::new(),
                200,
                20,
                "application/json",
            )
        }
    }
}

fn line(
    method: &'static str,
    path: String,
    query: String,
    status: u16,
    bytes: u64,
    content_type: &'static str,
) -> Line {
    Line {
        method,
        path,
        query,
        status,
        bytes,
        content_type,
    }
}

/// Distinguishes the 20 keywords that share a base word: `flu`, `flu1`, ...
fn suffix(n: usize) -> String {
    if n == 0 { String::new() } else { n.to_string() }
}

/// Fisher-Yates.
fn shuffle(rng: &mut Rng, items: &mut [String]) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// Writes the workload to `output` (gzip for `.gz`), or standard output.
pub fn write(workload: &Workload, output: Option<&Path>) -> Result<(), Error> {
    let shown = output.map_or_else(
        || "standard output".to_string(),
        |p| p.display().to_string(),
    );
    let failed = |e: std::io::Error| Error::new(format!("{shown}: {e}"));
    let sink: Box<dyn Write> = match output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| Error::io(path, &e))?;
            if path.extension().is_some_and(|e| e == "gz") {
                Box::new(flate2::write::GzEncoder::new(
                    file,
                    flate2::Compression::fast(),
                ))
            } else {
                Box::new(file)
            }
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 16, sink);
    write_lines(workload, &mut out).map_err(failed)?;
    out.into_inner()
        .map_err(|e| failed(e.into_error()))?
        .flush()
        .map_err(failed)
}

/// Writes every line of `workload` to `out`.
pub fn write_lines(workload: &Workload, out: &mut impl Write) -> std::io::Result<()> {
    let mut generator = Generator::new(workload);
    let span = workload.days.max(1) as i64 * 86_400;
    if workload.format == Format::Cloudfront {
        writeln!(out, "#Version: 1.0")?;
        writeln!(out, "#Fields: {CLOUDFRONT_FIELDS}")?;
    }
    for i in 0..workload.requests {
        let at = START
            + (i128::from(i) * i128::from(span) / i128::from(workload.requests.max(1))) as i64;
        let request = generator.line();
        let client = generator.rng.next_u64();
        match workload.format {
            Format::Cloudfront => cloudfront_line(out, at, &request, client)?,
            Format::Combined => combined_line(out, at, &request, client)?,
        }
    }
    Ok(())
}

fn cloudfront_line(out: &mut impl Write, at: i64, l: &Line, client: u64) -> std::io::Result<()> {
    let (y, mo, d) = civil_from_days(at.div_euclid(86_400));
    let s = at.rem_euclid(86_400);
    let query = if l.query.is_empty() { "-" } else { &l.query };
    writeln!(
        out,
        "{y:04}-{mo:02}-{d:02}\t{:02}:{:02}:{:02}\tIAD89-C1\t{}\t10.{}.{}.{}\t{}\td111111abcdef8.cloudfront.net\t{}\t{}\t-\tMozilla/5.0%20(X11;%20Linux%20x86_64)\t{query}\t-\t-\t{client:016x}\tapi.example.com\thttps\t300\t0.010\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\t-\tHTTP/2.0\t-\t-\t{}\t0.010\t-\t{}\t{}\t-\t-",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        l.bytes + 300,
        client >> 56,
        (client >> 48) & 0xff,
        (client >> 40) & 0xff,
        l.method,
        l.path,
        l.status,
        1024 + (client & 0x7fff),
        l.content_type,
        l.bytes,
    )
}

fn combined_line(out: &mut impl Write, at: i64, l: &Line, client: u64) -> std::io::Result<()> {
    let (y, mo, d) = civil_from_days(at.div_euclid(86_400));
    let s = at.rem_euclid(86_400);
    let separator = if l.query.is_empty() { "" } else { "?" };
    writeln!(
        out,
        "10.{}.{}.{} - - [{d:02}/{}/{y:04}:{:02}:{:02}:{:02} +0000] \"{} {}{separator}{} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
        client >> 56,
        (client >> 48) & 0xff,
        (client >> 40) & 0xff,
        month_abbreviation(mo),
        s / 3600,
        s % 3600 / 60,
        s % 60,
        l.method,
        l.path,
        l.query,
        l.status,
        l.bytes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(format: Format, requests: u64) -> String {
        let mut out = Vec::new();
        let workload = Workload {
            requests,
            seed: 42,
            days: 1,
            format,
        };
        write_lines(&workload, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_same_seed_writes_the_same_log() {
        assert_eq!(
            generated(Format::Cloudfront, 500),
            generated(Format::Cloudfront, 500)
        );
    }

    #[test]
    fn cloudfront_lines_have_every_declared_field() {
        let log = generated(Format::Cloudfront, 200);
        let fields = CLOUDFRONT_FIELDS.split(' ').count();
        assert_eq!(fields, 33);
        for line in log.lines().filter(|l| !l.starts_with('#')) {
            assert_eq!(line.split('\t').count(), fields, "{line}");
        }
    }

    #[test]
    fn the_mix_follows_the_case_studies() {
        let log = generated(Format::Combined, 20_000);
        let count =
            |needle: &str| log.lines().filter(|l| l.contains(needle)).count() as f64 / 20_000.0;
        assert!((0.53..0.57).contains(&count("/media/")));
        assert!((0.23..0.27).contains(&count("/search/")));
        assert!((0.15..0.19).contains(&count("/products/")));
        assert!((0.07..0.13).contains(&count("gclid=")));
    }
}
