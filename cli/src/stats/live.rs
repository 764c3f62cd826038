//! The report redrawn in place every second while a tail is piped in
//! (`fastly log-tail | edgecache stats -`), until the input ends.

use std::io::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::lock;
use super::tally::Tally;
use crate::Error;

/// How often the report is redrawn.
const EVERY: Duration = Duration::from_secs(1);
/// How often the reader is checked for the end.
const POLL: Duration = Duration::from_millis(50);
/// Cursor home, then clear the screen.
const CLEAR: &str = "\x1b[H\x1b[2J";

/// Runs `read` on a thread of its own, redrawing what `tally` holds every
/// second on standard output; once it ends, clears the screen (if drawn
/// on) for the final report.
pub(crate) fn run(
    names: &[String],
    tally: &Mutex<Tally>,
    read: impl FnOnce() -> Result<(), Error> + Send,
) -> Result<(), Error> {
    std::thread::scope(|scope| {
        let reader = scope.spawn(read);
        let mut drawn = false;
        let mut last = Instant::now();
        while !reader.is_finished() {
            std::thread::sleep(POLL);
            if last.elapsed() >= EVERY {
                let text = lock(tally).report(names).text();
                draw(&format!(
                    "{CLEAR}{text}(reading; the final report comes at the end of the input)\n"
                ));
                drawn = true;
                last = Instant::now();
            }
        }
        if drawn {
            draw(CLEAR);
        }
        reader
            .join()
            .unwrap_or_else(|_| Err(Error::new("the reader stopped unexpectedly")))
    })
}

/// Writes to standard output; a closed pipe or terminal is not an error.
fn draw(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
