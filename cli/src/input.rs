//! Reading the files commands name: a path, or `-` for standard input.
//! Logs are plain or gzip (recognized by the magic bytes, not the name;
//! concatenated members, as `cat a.gz b.gz` makes, are read through),
//! with the bytes read counted for the progress bar, and lines of bounded
//! length so that one huge line cannot exhaust memory.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use flate2::read::MultiGzDecoder;

use crate::Error;

/// The name that stands for standard input on the command line.
pub(crate) const STDIN: &str = "-";

/// Whether `path` is `-`, standard input.
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// How messages and reports name `path`: as given, or `standard input`.
pub(crate) fn name(path: &Path) -> String {
    if is_stdin(path) {
        "standard input".to_string()
    } else {
        path.display().to_string()
    }
}

/// An I/O error reading `path`, naming it as [`name`] does.
pub(crate) fn read_error(path: &Path, error: &io::Error) -> Error {
    Error::new(format!("{}: {error}", name(path)))
}

/// Refuses a command line that names standard input (`-`) more than once:
/// it can be read only once.
pub fn stdin_once<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Result<(), Error> {
    let count = paths.into_iter().filter(|p| is_stdin(p)).count();
    if count > 1 {
        return Err(Error::new(format!(
            "`-` (standard input) is given {count} times: standard input can be read only once"
        )));
    }
    Ok(())
}

/// The whole of `path` (or standard input) as text, e.g. a configuration.
pub(crate) fn read_to_string(path: &Path) -> Result<String, Error> {
    let read = if is_stdin(path) {
        let mut text = String::new();
        io::stdin().lock().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    read.map_err(|e| read_error(path, &e))
}

/// A line longer than this is counted malformed and skipped.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// An open log file, or standard input.
pub(crate) struct LogInput {
    /// The lines, uncompressed.
    pub reader: Box<dyn BufRead>,
    /// Bytes of the file (compressed, for gzip) read so far.
    pub consumed: Rc<Cell<u64>>,
    /// Whether the input is gzip.
    pub gzip: bool,
}

/// Counts the bytes that pass through.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Opens `path` (`-`: standard input), uncompressing gzip.
pub(crate) fn open(path: &Path) -> Result<LogInput, Error> {
    let source: Box<dyn Read> = if is_stdin(path) {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(path).map_err(|e| read_error(path, &e))?)
    };
    let consumed = Rc::new(Cell::new(0));
    let mut buffered = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: source,
            count: Rc::clone(&consumed),
        },
    );
    let gzip = buffered
        .fill_buf()
        .map_err(|e| read_error(path, &e))?
        .starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    Ok(LogInput {
        reader,
        consumed,
        gzip,
    })
}

/// What [`next_line`] read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LineRead {
    /// A line is in the buffer (without its `\n` or `\r\n`).
    Line,
    /// A line over [`MAX_LINE`] was skipped; the buffer holds its start.
    TooLong,
    /// The end of the input.
    End,
}

/// Reads the next line into `buf`, keeping at most [`MAX_LINE`] bytes.
pub(crate) fn next_line(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> io::Result<LineRead> {
    buf.clear();
    // One byte over the limit tells an overlong line from one just at it.
    let read = reader.take(MAX_LINE as u64 + 1).read_until(b'\n', buf)?;
    if read == 0 {
        return Ok(LineRead::End);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() > MAX_LINE {
        buf.truncate(MAX_LINE);
        skip_line(reader)?;
        return Ok(LineRead::TooLong);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(LineRead::Line)
}

/// Discards the rest of an overlong line.
fn skip_line(reader: &mut dyn BufRead) -> io::Result<()> {
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(());
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = available.len();
                reader.consume(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(LineRead, Vec<u8>)> {
        let mut reader = BufReader::with_capacity(7, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let read = next_line(&mut reader, &mut buf).unwrap();
            if read == LineRead::End {
                return out;
            }
            out.push((read, buf.clone()));
        }
    }

    #[test]
    fn splits_lines_across_buffer_refills() {
        let got = lines(b"first line\r\nsecond\n\nlast without newline");
        let texts: Vec<&[u8]> = got.iter().map(|(_, l)| l.as_slice()).collect();
        assert_eq!(
            texts,
            [&b"first line"[..], b"second", b"", b"last without newline"]
        );
        assert!(got.iter().all(|(r, _)| *r == LineRead::Line));
    }

    #[test]
    fn standard_input_is_named_and_read_once() {
        assert_eq!(name(Path::new("-")), "standard input");
        assert_eq!(name(Path::new("./-")), "./-");
        assert!(stdin_once([Path::new("a"), Path::new("-")]).is_ok());
        let twice = stdin_once([Path::new("-"), Path::new("a"), Path::new("-")]);
        let message = twice.unwrap_err().to_string();
        assert!(message.contains("given 2 times"), "{message}");
    }

    #[test]
    fn skips_an_overlong_line_and_goes_on() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\nnext\n");
        let got = lines(&input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, LineRead::TooLong);
        assert_eq!(got[0].1.len(), MAX_LINE);
        assert_eq!(got[1], (LineRead::Line, b"next".to_vec()));
    }
}
