use super::*;

const FIELDS: &str = "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";

const CLOUDFRONT_LINE: &str = "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/search/pcp\t200\t-\tMozilla/5.0%20(Windows%20NT%2010.0)\tKeyword=flu&utm_source=x\tsession=abc\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\tapi.example.com\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-";

fn cloudfront(lines: &[&str]) -> Vec<String> {
    let mut parser = LineParser::new(Format::Cloudfront);
    lines
        .iter()
        .map(|l| format!("{:?}", parser.parse(l)))
        .collect()
}

#[test]
fn reads_a_cloudfront_standard_log_line() {
    let mut parser = LineParser::new(Format::Auto);
    assert_eq!(parser.parse("#Version: 1.0"), Parsed::Skip);
    assert_eq!(parser.parse(FIELDS), Parsed::Skip);
    let Parsed::Record(record) = parser.parse(CLOUDFRONT_LINE) else {
        panic!("not read")
    };
    assert_eq!(
        record,
        Record {
            time: 1_575_493_351,
            method: "GET",
            scheme: Scheme::Https,
            host: Some("api.example.com"),
            path: "/search/pcp",
            query: Some("Keyword=flu&utm_source=x"),
            status: Some(200),
            bytes: 78,
            user_agent: Some("Mozilla/5.0%20(Windows%20NT%2010.0)"),
            referer: None,
            cookie: Some("session=abc"),
        }
    );
}

#[test]
fn follows_the_fields_line_in_any_order_and_subset() {
    let mut parser = LineParser::new(Format::Cloudfront);
    parser.parse("#Fields: cs-uri-stem time cs-method date");
    let Parsed::Record(record) = parser.parse("/a 00:00:01 HEAD 1970-01-02") else {
        panic!()
    };
    assert_eq!(
        (record.path, record.method, record.time),
        ("/a", "HEAD", 86_401)
    );
    assert_eq!(
        (record.host, record.status, record.query),
        (None, None, None)
    );
}

#[test]
fn malformed_cloudfront_lines_say_why() {
    let short = CLOUDFRONT_LINE
        .split('\t')
        .take(10)
        .collect::<Vec<_>>()
        .join("\t");
    let bad_date = CLOUDFRONT_LINE.replace("2019-12-04", "2019-13-04");
    let bad_status = CLOUDFRONT_LINE.replace("\t200\t", "\tOK\t");
    let got = cloudfront(&[
        CLOUDFRONT_LINE,
        "#Fields: date",
        FIELDS,
        &short,
        &bad_date,
        &bad_status,
        "",
    ]);
    assert_eq!(
        got,
        [
            "Malformed(\"an entry before any #Fields: line\")",
            "Malformed(\"the #Fields: line lacks date, time, cs-method or cs-uri-stem\")",
            "Skip",
            "Malformed(\"fewer fields than the #Fields: line names\")",
            "Malformed(\"date or time is not YYYY-MM-DD HH:MM:SS\")",
            "Malformed(\"sc-status is not a number\")",
            "Skip",
        ]
    );
}

#[test]
fn reads_combined_and_common_log_format() {
    let mut parser = LineParser::new(Format::Auto);
    let line = r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /media/a.mp3?x=1 HTTP/1.0" 200 2326 "http://example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#;
    let Parsed::Record(record) = parser.parse(line) else {
        panic!()
    };
    assert_eq!(record.time, 971_211_336);
    assert_eq!(
        (record.method, record.path, record.query),
        ("GET", "/media/a.mp3", Some("x=1"))
    );
    assert_eq!((record.status, record.bytes), (Some(200), 2326));
    assert_eq!(record.referer, Some("http://example.com/start.html"));
    assert_eq!(record.user_agent, Some("Mozilla/4.08 [en] (Win98; I ;Nav)"));
    let common = r#"10.0.0.1 - - [01/Nov/2026:00:00:00 +0000] "HEAD http://api.example.com/x HTTP/1.1" 304 -"#;
    let Parsed::Record(record) = parser.parse(common) else {
        panic!()
    };
    assert_eq!(
        (record.host, record.path, record.bytes),
        (Some("api.example.com"), "/x", 0)
    );
    assert_eq!((record.referer, record.user_agent), (None, None));
}

#[test]
fn malformed_combined_lines_say_why() {
    let mut parser = LineParser::new(Format::Combined);
    let table = [
        ("garbage", "no [timestamp]"),
        (
            r#"h - - [10/Oct/2000:13:55:36 -0700] GET"#,
            "no \"request line\" after the timestamp",
        ),
        (
            r#"h - - [10/Foo/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1"#,
            "timestamp is not dd/Mon/yyyy:HH:MM:SS +zzzz",
        ),
        (
            r#"h - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1 200 1"#,
            "the request line has no closing quote",
        ),
        (
            r#"h - - [10/Oct/2000:13:55:36 -0700] "GET" 200 1"#,
            "the request line is not \"METHOD target VERSION\"",
        ),
        (
            r#"h - - [10/Oct/2000:13:55:36 -0700] "GET * HTTP/1.1" 200 1"#,
            "the request target is not a path",
        ),
        (
            r#"h - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" abc 1"#,
            "the status is not a number",
        ),
    ];
    for (line, why) in table {
        assert_eq!(parser.parse(line), Parsed::Malformed(why), "{line}");
    }
}
