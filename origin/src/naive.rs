//! A naive web framework, for the attack suite (`tests/tests/attacks.rs`):
//! the origin edgecache's poisoning guard has to survive. It reflects what
//! it is sent (parameters, cookies, proxy headers) without escaping, trusts
//! every proxy header (read as CGI names them: `_` for `-`), reads
//! parameter names as PHP does, answers a
//! logged-in user's `/api/me` with no Cache-Control, and routes loosely:
//! `;` parameters, `\`, encoded `/` and trailing segments do not change
//! what answers.

use serde_json::json;

use crate::routes::{Incoming, Reply, decode};
use crate::state::State;

/// The site's name in absolute links, unless a proxy header names another.
pub(crate) const SITE: &str = "naive.example";

/// The session cookie `/api/me` answers for.
pub(crate) const SESSION_COOKIE: &str = "session";

/// The search's parameters: the case study's whitelist.
const SEARCH_PARAMS: [&str; 5] = ["Keyword", "Limit", "Page", "PracticeId", "Zipcode"];

/// The longest parameter value (decoded) the framework accepts: 400 above.
const MAX_VALUE: usize = 2048;

/// The longest query the framework accepts: 414 above.
const MAX_QUERY: usize = 4096;

/// The longest header value the framework accepts: 400 above.
const MAX_HEADER: usize = 4096;

/// The site-wide Cache-Control the framework puts on its 400 and 405 pages.
const ERROR_CACHE_CONTROL: &str = "max-age=300";

/// How many characters of a campaign name the embed shows.
const CAMPAIGN_SHOWN: usize = 64;

/// Whether the naive framework answers `path`: its decoded first segment
/// is `naive`, `api` or `static`.
pub(crate) fn handles(path: &str) -> bool {
    matches!(
        segments(path).first().map(String::as_str),
        Some("naive" | "api" | "static")
    )
}

/// Answers a request for the naive framework. `X-Original-URL` and
/// `X-Rewrite-URL` replace the path routed (as Symfony and Zend do); the
/// decoded path's first segments choose the route and the rest is ignored;
/// a path whose first segments name nothing is routed again with its dot
/// segments resolved.
pub(crate) fn route(req: &Incoming, state: &State) -> Reply {
    let path = ["x-original-url", "x-rewrite-url"]
        .iter()
        .find_map(|name| header(req, name))
        .map_or(req.path.as_str(), |url| {
            url.split('?').next().unwrap_or_default()
        });
    let segments = segments(path);
    dispatch(&segments, req, state)
        .or_else(|| dispatch(&resolve(&segments), req, state))
        .unwrap_or_else(|| Reply::new(404, "text/html", "<h1>Not Found</h1>\n"))
}

fn dispatch(segments: &[String], req: &Incoming, state: &State) -> Option<Reply> {
    let words: Vec<&str> = segments.iter().map(String::as_str).collect();
    let page = |answer: fn(&Incoming, &State) -> Reply| {
        Some(framework_checks(req).unwrap_or_else(|| answer(req, state)))
    };
    match words.as_slice() {
        ["naive", "gzip", rest @ ..] => {
            let inner: Vec<String> = std::iter::once("naive")
                .chain(rest.iter().copied())
                .map(str::to_string)
                .collect();
            dispatch(&inner, req, state).map(|reply| compressed(reply, req))
        }
        ["naive", "search", ..] => page(search),
        ["naive", "embed", ..] => page(embed),
        ["naive", "practice", ..] => page(practice),
        ["naive", "home", ..] => Some(home(req)),
        ["naive", "login", ..] => Some(login(req)),
        ["api", rest @ ..] => api(rest, req),
        ["static", name] => static_file(name),
        _ => None,
    }
}

/// `reply` gzip-compressed when the request accepts gzip (as nginx's
/// `gzip on` and `gzip_vary on` do).
fn compressed(mut reply: Reply, req: &Incoming) -> Reply {
    let accepts_gzip = header(req, "accept-encoding").is_some_and(|codings| {
        codings.split(',').any(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("gzip")
        })
    });
    if !accepts_gzip {
        return reply;
    }
    reply.body = crate::gzip::gzip(&reply.body);
    reply
        .header("Content-Encoding", "gzip")
        .header("Vary", "Accept-Encoding")
}

/// The path's segments as the router reads them: percent-decoded (`%2F`
/// too), `\` read as `/`, `;` parameters, empty and `.` segments dropped.
pub(crate) fn segments(raw_path: &str) -> Vec<String> {
    decode(&raw_path.replace('+', "%2B"))
        .replace('\\', "/")
        .split('/')
        .map(|segment| segment.split(';').next().unwrap_or_default())
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .map(str::to_string)
        .collect()
}

/// `segments` with each `..` removing the segment before it.
fn resolve(segments: &[String]) -> Vec<String> {
    let mut resolved: Vec<String> = Vec::with_capacity(segments.len());
    for segment in segments {
        if segment == ".." {
            resolved.pop();
        } else {
            resolved.push(segment.clone());
        }
    }
    resolved
}

/// A parameter as PHP reads it into `$_GET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PhpValue {
    /// `name=value`.
    Scalar(String),
    /// `name[]=a&name[]=b`, `name[0]=a`, `name[key]=a`.
    Array(Vec<String>),
}

/// The query as PHP reads it: pairs split on `&` and `;` (as Rack and old
/// Python did), names decoded and cut at a NUL, leading spaces dropped,
/// `.` and ` ` made `_`, `name[...]` an array of `name` (a `[` without
/// `]` made `_`); a later name replaces an earlier one.
pub(crate) fn php_params(raw_query: &str) -> Vec<(String, PhpValue)> {
    let mut params: Vec<(String, PhpValue)> = Vec::new();
    for pair in raw_query.split(['&', ';']).filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some((name, is_array)) = php_name(&decode(name)) else {
            continue;
        };
        let value = decode(value);
        let slot = params.iter_mut().find(|(n, _)| *n == name);
        match (slot, is_array) {
            (Some((_, PhpValue::Array(items))), true) => items.push(value),
            (Some((_, old)), true) => *old = PhpValue::Array(vec![value]),
            (Some((_, old)), false) => *old = PhpValue::Scalar(value),
            (None, true) => params.push((name, PhpValue::Array(vec![value]))),
            (None, false) => params.push((name, PhpValue::Scalar(value))),
        }
    }
    params
}

/// The name PHP registers for a decoded `name`, and whether it is an array.
fn php_name(decoded: &str) -> Option<(String, bool)> {
    let name = decoded.split('\0').next().unwrap_or_default();
    let name = name.trim_start_matches(' ');
    let mut base = String::with_capacity(name.len());
    for (at, c) in name.char_indices() {
        match c {
            ' ' | '.' => base.push('_'),
            '[' if name[at..].contains(']') => return (!base.is_empty()).then_some((base, true)),
            '[' => {
                base.push('_');
                base.push_str(&name[at + 1..]);
                break;
            }
            c => base.push(c),
        }
    }
    (!base.is_empty()).then_some((base, false))
}

/// `$_GET[name]` as a naive page reads it: an array's first item.
pub(crate) fn php_read(params: &[(String, PhpValue)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, value)| match value {
            PhpValue::Scalar(value) => Some(value.clone()),
            PhpValue::Array(items) => items.first().cloned(),
        })
}

/// What the framework answers before a page runs: 400 for a header or a
/// parameter too long, 414 for a query too long, 500 for a control
/// character in a parameter, 405 for a method override, a redirect to
/// https when a proxy header says the viewer came over http, and a React
/// Server Components payload when Next.js's headers ask for one.
fn framework_checks(req: &Incoming) -> Option<Reply> {
    let error = |status: u16, text: &str| {
        Reply::new(status, "text/html", format!("<h1>{text}</h1>\n"))
            .header("Cache-Control", ERROR_CACHE_CONTROL)
    };
    if req.headers.iter().any(|(_, v)| v.len() > MAX_HEADER) {
        return Some(error(400, "Request Header Or Cookie Too Large"));
    }
    if req.raw_query.len() > MAX_QUERY {
        return Some(Reply::new(414, "text/html", "<h1>URI Too Long</h1>\n"));
    }
    if req.query.iter().any(|(_, v)| v.len() > MAX_VALUE) {
        return Some(error(400, "Bad Request"));
    }
    if req
        .query
        .iter()
        .any(|(_, v)| v.chars().any(char::is_control))
    {
        return Some(Reply::new(
            500,
            "text/html",
            "<h1>Internal Server Error</h1>\n",
        ));
    }
    let overridden = [
        "x-http-method-override",
        "x-http-method",
        "x-method-override",
    ]
    .iter()
    .find_map(|name| header(req, name));
    if overridden.is_some_and(|m| !m.eq_ignore_ascii_case("GET") && !m.eq_ignore_ascii_case("HEAD"))
    {
        return Some(error(405, "Method Not Allowed"));
    }
    if scheme(req) == "http" {
        let location = format!("https://{}{}", host(req), request_uri(req));
        return Some(
            Reply::new(301, "text/html", "<h1>Moved Permanently</h1>\n")
                .header("Location", location),
        );
    }
    let flight = header(req, "rsc") == Some("1")
        || [
            "next-router-prefetch",
            "next-router-state-tree",
            "x-middleware-prefetch",
        ]
        .iter()
        .any(|name| header(req, name).is_some());
    if flight {
        return Some(Reply::new(
            200,
            "text/x-component",
            "0:[\"$\",\"div\",null,{\"children\":\"flight\"}]\n",
        ));
    }
    None
}

/// The scheme the viewer used, as the proxy headers say (https without them).
fn scheme(req: &Incoming) -> String {
    let named = [
        "x-forwarded-proto",
        "x-forwarded-scheme",
        "x-url-scheme",
        "x-forwarded-protocol",
    ]
    .iter()
    .find_map(|name| header(req, name))
    .map(str::to_ascii_lowercase);
    let off = |name: &str| header(req, name).is_some_and(|v| v.eq_ignore_ascii_case("off"));
    named
        .or_else(|| forwarded(req, "proto"))
        .or_else(|| (off("front-end-https") || off("x-forwarded-ssl")).then(|| "http".into()))
        .unwrap_or_else(|| "https".into())
}

/// The site's host as the proxy headers say, with a forwarded port.
fn host(req: &Incoming) -> String {
    let host = [
        "x-forwarded-host",
        "x-http-host-override",
        "x-host",
        "x-forwarded-server",
        "x-original-host",
    ]
    .iter()
    .find_map(|name| header(req, name))
    .map(str::to_string)
    .or_else(|| forwarded(req, "host"))
    .unwrap_or_else(|| SITE.to_string());
    match header(req, "x-forwarded-port") {
        Some(port) if port != "443" => format!("{host}:{port}"),
        _ => host,
    }
}

/// A parameter of the `Forwarded` header (RFC 7239).
fn forwarded(req: &Incoming, parameter: &str) -> Option<String> {
    header(req, "forwarded")?
        .split([';', ','])
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| name.eq_ignore_ascii_case(parameter))
        .map(|(_, value)| value.trim_matches('"').to_string())
}

/// The path and query the viewer asked for, as the proxy headers say.
fn request_uri(req: &Incoming) -> String {
    ["x-forwarded-uri", "x-original-uri", "x-forwarded-path"]
        .iter()
        .find_map(|name| header(req, name))
        .map(str::to_string)
        .unwrap_or_else(|| match req.raw_query.as_str() {
            "" => req.path.clone(),
            query => format!("{}?{query}", req.path),
        })
}

/// `https://naive.example`, or what the proxy headers say, with
/// `X-Forwarded-Prefix`.
fn base_url(req: &Incoming) -> String {
    let prefix = header(req, "x-forwarded-prefix").unwrap_or_default();
    format!("{}://{}{prefix}", scheme(req), host(req))
}

/// The search page: slow, no Cache-Control. Reflects the query as sent in
/// a "did you mean" link and its other parameters, decoded, in an
/// analytics snippet; `callback` makes it JSONP; `Page=0` redirects to
/// `Page=1` keeping the rest of the query; `ref` sets a cookie.
fn search(req: &Incoming, state: &State) -> Reply {
    std::thread::sleep(state.options.search_delay);
    let params = php_params(&req.raw_query);
    let read = |name: &str| php_read(&params, name);
    if read("Page").as_deref() == Some("0") {
        let fixed = req.raw_query.replace("Page=0", "Page=1");
        return Reply::new(301, "text/html", "<h1>Moved Permanently</h1>\n")
            .header("Location", format!("{}?{fixed}", req.path));
    }
    let keyword = read("Keyword").unwrap_or_default();
    let zipcode = read("Zipcode").unwrap_or_default();
    let tracking: Vec<(&str, &str)> = req
        .query
        .iter()
        .filter(|(name, _)| !SEARCH_PARAMS.contains(&name.as_str()) && name != "callback")
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let mut reply = match read("callback") {
        Some(callback) => {
            let data = json!({
                "keyword": keyword,
                "zipcode": zipcode,
                "results": ["Main Street Clinic"],
                "tracking": tracking.iter().map(|(n, v)| (n.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            });
            Reply::new(
                200,
                "application/javascript",
                format!("{callback}({data});\n"),
            )
        }
        None => {
            let base = base_url(req);
            let uri = request_uri(req);
            let analytics = tracking
                .iter()
                .map(|(name, value)| format!("\"{name}\": \"{value}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let link = format!("{}?{}", req.path, req.raw_query);
            Reply::new(
                200,
                "text/html; charset=utf-8",
                format!(
                    "<!doctype html>\n<html><head><title>Search</title>\n\
                     <link rel=\"canonical\" href=\"{base}{uri}\">\n\
                     <script src=\"{base}/static/app.js\"></script></head>\n\
                     <body><h1>Results for {keyword}</h1>\n\
                     <ul><li>Main Street Clinic, {zipcode}</li></ul>\n\
                     <p>Did you mean <a href=\"{link}\">{keyword}</a>?</p>\n\
                     <script>analytics({{{analytics}}});</script>\n</body></html>\n"
                ),
            )
        }
    };
    if read("ref").is_some() {
        reply = reply.header("Set-Cookie", "ref_seen=1; Path=/");
    }
    reply
}

/// An embeddable widget that reflects what it is sent transformed, never
/// as sent: `return_to` through PHP's `json_encode` (which writes `/` as
/// `\/`), `campaign` cut to its first 64 characters, `promo` decoded twice.
fn embed(req: &Incoming, _: &State) -> Reply {
    let params = php_params(&req.raw_query);
    let read = |name: &str| php_read(&params, name).unwrap_or_default();
    let keyword = read("Keyword");
    let campaign: String = read("campaign").chars().take(CAMPAIGN_SHOWN).collect();
    let promo = decode(&read("promo"));
    let widget = json!({"returnTo": read("return_to")})
        .to_string()
        .replace('/', "\\/");
    Reply::new(
        200,
        "text/html; charset=utf-8",
        format!(
            "<!doctype html>\n<html><body><h2>Clinics for {keyword}</h2>\n\
             <p class=\"campaign\">{campaign}</p>\n<p class=\"promo\">{promo}</p>\n\
             <a class=\"back\">Back</a>\n\
             <script>var widget = {widget}; document.querySelector(\"a.back\").href = widget.returnTo;</script>\n\
             </body></html>\n"
        ),
    )
}

/// A practice's page, read PHP-like from `Practice_Id`.
fn practice(req: &Incoming, _: &State) -> Reply {
    let params = php_params(&req.raw_query);
    let id = php_read(&params, "Practice_Id").unwrap_or_default();
    let keyword = php_read(&params, "Keyword").unwrap_or_default();
    Reply::new(
        200,
        "text/html; charset=utf-8",
        format!(
            "<!doctype html>\n<html><body><h1>Practice {id}</h1>\n<p>{keyword}</p></body></html>\n"
        ),
    )
}

/// The login page's way back: a redirect to wherever `next` says (an open
/// redirect, as naive frameworks have).
fn login(req: &Incoming) -> Reply {
    let next = php_read(&php_params(&req.raw_query), "next").unwrap_or_else(|| "/".into());
    Reply::new(302, "text/html", "<h1>Found</h1>\n").header("Location", next)
}

/// The home page, `public` for ten minutes, in the `theme` and `lang` the
/// cookies ask for (decoded, unescaped).
fn home(req: &Incoming) -> Reply {
    let theme = cookie(req, "theme").unwrap_or_else(|| "light".into());
    let lang = cookie(req, "lang").unwrap_or_else(|| "en".into());
    Reply::new(
        200,
        "text/html; charset=utf-8",
        format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head>\
             <link rel=\"stylesheet\" href=\"/static/theme-{theme}.css\"></head>\n\
             <body class=\"theme-{theme}\"><h1>Welcome</h1></body></html>\n"
        ),
    )
    .header("Cache-Control", "public, max-age=600")
}

/// The API, mounted four times: `/api/` with no Cache-Control (and
/// `/api/shared/`, the same), `/api/cached/` with `max-age=60`,
/// `/api/public/` with `public, max-age=60`. Below a mount, `me` answers
/// the session's user and echoes the session, `profile` answers the
/// session's user without it; `catalog` is the same for everyone.
fn api(rest: &[&str], req: &Incoming) -> Option<Reply> {
    let (cache_control, rest) = match rest {
        ["cached", rest @ ..] => (Some("max-age=60"), rest),
        ["public", rest @ ..] => (Some("public, max-age=60"), rest),
        ["shared", rest @ ..] => (None, rest),
        rest => (None, rest),
    };
    let reply = match rest {
        ["me", ..] => me(req),
        ["profile", ..] => profile(req),
        ["catalog", ..] => Reply::json(
            200,
            &json!({"catalog": ["Main Street Clinic", "Harbor Clinic"]}),
        ),
        _ => return None,
    };
    Some(match cache_control {
        Some(cache_control) => reply.header("Cache-Control", cache_control),
        None => reply,
    })
}

/// The logged-in user, by the session cookie; `{"user": null}` without one.
fn me(req: &Incoming) -> Reply {
    match cookie(req, SESSION_COOKIE) {
        Some(session) => Reply::json(
            200,
            &json!({
                "user": format!("user-{session}"),
                "email": format!("{session}@users.{SITE}"),
                "session": session,
            }),
        ),
        None => Reply::json(200, &json!({"user": null})),
    }
}

/// The logged-in user's profile, looked up by the session cookie (the
/// user is the session's second `-`-separated part: `sess-alice-1` is
/// alice's), without the session in it.
fn profile(req: &Incoming) -> Reply {
    let user = cookie(req, SESSION_COOKIE)
        .and_then(|session| session.split('-').nth(1).map(str::to_string));
    match user {
        Some(user) => Reply::json(
            200,
            &json!({"name": user, "email": format!("{user}@users.{SITE}"), "plan": "pro"}),
        ),
        None => Reply::json(200, &json!({"name": null})),
    }
}

/// `/static/NAME.css` or `.js`: the same for everyone, no Cache-Control.
fn static_file(name: &str) -> Option<Reply> {
    let content_type = if name.ends_with(".css") {
        "text/css"
    } else if name.ends_with(".js") {
        "application/javascript"
    } else {
        return None;
    };
    Some(Reply::new(200, content_type, format!("/* {name} */\n")))
}

/// A request header, its name read as CGI reads it (PHP's `$_SERVER`,
/// Rack's env, and so Puma before 6.4.3): `_` and `-` alike, so
/// `X-Forwarded_Proto` is `X-Forwarded-Proto`.
fn header<'r>(req: &'r Incoming, name: &str) -> Option<&'r str> {
    let cgi = |n: &str| n.replace('_', "-").to_ascii_lowercase();
    let wanted = cgi(name);
    req.headers
        .iter()
        .find(|(n, _)| cgi(n) == wanted)
        .map(|(_, v)| v.as_str())
}

/// A cookie's value, without the quotes around it (as Express's `cookie`
/// and Go's `net/http` read it), percent-decoded (as PHP and Express do).
fn cookie(req: &Incoming, name: &str) -> Option<String> {
    req.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| {
            let unquoted = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            decode(unquoted)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_on_the_decoded_first_segments() {
        let table = [
            ("/api/me", vec!["api", "me"]),
            ("/api/me;x.css", vec!["api", "me"]),
            ("/api/me%2f..%2fx.css", vec!["api", "me", "..", "x.css"]),
            ("/api/me/..;/x.css", vec!["api", "me", "..", "x.css"]),
            ("/api/me%5Cx.css", vec!["api", "me", "x.css"]),
            ("/api/me\\x.css", vec!["api", "me", "x.css"]),
            ("/api/./me//a+b", vec!["api", "me", "a+b"]),
        ];
        for (path, want) in table {
            assert_eq!(segments(path), want, "{path}");
        }
        let resolved = resolve(&segments("/static/t1/..%2F..%2Fapi%2Fme"));
        assert_eq!(resolved, ["api", "me"]);
        assert!(handles("/api;x.css"));
        assert!(handles("/naive/search"));
        assert!(!handles("/search/pcp"));
        assert!(!handles("/"));
    }

    #[test]
    fn reads_parameter_names_as_php_does() {
        let params = php_params(
            "Practice.Id=1&Keyword=flu&Keyword[]=a&Keyword[0]=b&%20Zipcode=2&Limit%00x=3&Page[=4&a;b=5",
        );
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("Practice_Id"), Some(PhpValue::Scalar("1".into())));
        assert_eq!(
            get("Keyword"),
            Some(PhpValue::Array(vec!["a".into(), "b".into()]))
        );
        assert_eq!(get("Zipcode"), Some(PhpValue::Scalar("2".into())));
        assert_eq!(get("Limit"), Some(PhpValue::Scalar("3".into())));
        assert_eq!(get("Page_"), Some(PhpValue::Scalar("4".into())));
        assert_eq!(get("b"), Some(PhpValue::Scalar("5".into())));
        assert_eq!(php_read(&params, "Keyword").as_deref(), Some("a"));
        // A later scalar replaces an array, and the other way round.
        let params = php_params("Zipcode[]=1&Zipcode=2&Keyword=flu&Keyword[x]=cold");
        assert_eq!(php_read(&params, "Zipcode").as_deref(), Some("2"));
        assert_eq!(php_read(&params, "Keyword").as_deref(), Some("cold"));
    }
}
