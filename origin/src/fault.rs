//! Faults an origin makes on the wire, for the end-to-end tests of what
//! the edge stores and serves when an answer does not arrive whole:
//! `/respond/...?fault=NAME` answers what the query asks for, broken so.

use std::io::{self, Write};
use std::time::Duration;

/// How an answer is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `cut-length`: declares the whole length, sends half the body, closes.
    CutLength,
    /// `cut-chunked`: chunked, half the body, no last chunk, closes.
    CutChunked,
    /// `reset-head`: resets the connection before any byte of the answer.
    ResetBeforeHead,
    /// `reset-body`: the head and half the body, then a reset.
    ResetMidBody,
    /// `slow-body`: half the body, a stall of `stall_ms` (default 3000),
    /// then the rest.
    SlowBody(Duration),
    /// `interim`: `100 Continue` and `103 Early Hints` before the answer.
    Interim,
    /// `garbage-header`: a header line holding bytes no field may hold.
    GarbageHeader,
    /// `extra-bytes`: a whole answer, then more bytes than its
    /// `Content-Length` said: a second response, smuggled.
    ExtraBytes,
}

/// How the connection ends after an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// It stays open for the next request, if the request asked so.
    Open,
    /// It is closed.
    Close,
    /// It is reset (TCP RST).
    Reset,
}

impl Fault {
    /// Its name, as [`Fault::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Fault::CutLength => "cut-length",
            Fault::CutChunked => "cut-chunked",
            Fault::ResetBeforeHead => "reset-head",
            Fault::ResetMidBody => "reset-body",
            Fault::SlowBody(_) => "slow-body",
            Fault::Interim => "interim",
            Fault::GarbageHeader => "garbage-header",
            Fault::ExtraBytes => "extra-bytes",
        }
    }

    /// The fault `name` names; `stall_ms` for `slow-body`.
    pub fn parse(name: &str, stall_ms: Option<u64>) -> Option<Fault> {
        Some(match name {
            "cut-length" => Fault::CutLength,
            "cut-chunked" => Fault::CutChunked,
            "reset-head" => Fault::ResetBeforeHead,
            "reset-body" => Fault::ResetMidBody,
            "slow-body" => Fault::SlowBody(Duration::from_millis(stall_ms.unwrap_or(3000))),
            "interim" => Fault::Interim,
            "garbage-header" => Fault::GarbageHeader,
            "extra-bytes" => Fault::ExtraBytes,
            _ => return None,
        })
    }

    /// Writes `head` (the status line and fields, without the length
    /// and the empty line) and `body`, broken as the fault says.
    pub(crate) fn write(self, out: &mut impl Write, head: &str, body: &[u8]) -> io::Result<End> {
        let half = &body[..body.len() / 2];
        let length = format!("Content-Length: {}\r\n\r\n", body.len());
        match self {
            Fault::ResetBeforeHead => return Ok(End::Reset),
            Fault::CutLength => write_all(out, &[head.as_bytes(), length.as_bytes(), half])?,
            Fault::ResetMidBody => {
                write_all(out, &[head.as_bytes(), length.as_bytes(), half])?;
                return Ok(End::Reset);
            }
            Fault::CutChunked => {
                let chunk = format!("{:x}\r\n", half.len());
                let parts = [head.as_bytes(), b"Transfer-Encoding: chunked\r\n\r\n"];
                write_all(out, &parts)?;
                write_all(out, &[chunk.as_bytes(), half, b"\r\n"])?;
            }
            Fault::SlowBody(stall) => {
                write_all(out, &[head.as_bytes(), length.as_bytes(), half])?;
                std::thread::sleep(stall);
                write_all(out, &[&body[half.len()..]])?;
            }
            Fault::Interim => {
                let interim: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n\
                    HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
                write_all(out, &[interim, head.as_bytes(), length.as_bytes(), body])?;
                return Ok(End::Open);
            }
            Fault::GarbageHeader => {
                let garbage: &[u8] = b"X-Garbage: \x01\x00\x7f\r\nno colon here\r\n";
                write_all(out, &[head.as_bytes(), garbage, length.as_bytes(), body])?;
            }
            Fault::ExtraBytes => {
                let smuggled: &[u8] = b"HTTP/1.1 200 OK\r\nCache-Control: public, max-age=600\r\n\
                    Content-Length: 9\r\n\r\nsmuggled\n";
                write_all(out, &[head.as_bytes(), length.as_bytes(), body, smuggled])?;
            }
        }
        Ok(End::Close)
    }
}

fn write_all(out: &mut impl Write, parts: &[&[u8]]) -> io::Result<()> {
    for part in parts {
        out.write_all(part)?;
    }
    out.flush()
}
