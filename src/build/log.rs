//! Build logs: a pipe the container writes to, copied into the store's `logs/` folder by a thread
//! that also keeps the last lines for the progress display and error messages.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Longest line kept for display, in characters.
const MAX_LINE: usize = 300;

/// The last line of a running step's log, shared with the progress display.
pub type LastLine = Arc<Mutex<String>>;

/// Where a step's log goes: `logs/<base name of its first output>.log`, or `.check.log` for a
/// `--check` rebuild.
pub fn log_path(logs_dir: &Path, base_name: &str, check: bool) -> PathBuf {
    let suffix = if check { ".check.log" } else { ".log" };
    logs_dir.join(format!("{base_name}{suffix}"))
}

/// A running copy from the container's output to the log file.
pub struct Tee {
    thread: JoinHandle<VecDeque<String>>,
}

impl Tee {
    /// Creates the log file and a pipe; returns the tee and the pipe's write end for the
    /// container's stdout and stderr.
    pub fn start(log: &Path, last: LastLine, n_tail: usize) -> io::Result<(Tee, File)> {
        let mut file = File::create(log)?;
        let (mut reader, writer) = io::pipe()?;
        let thread = std::thread::Builder::new()
            .name("kiln-log".into())
            .spawn(move || {
                let mut tail: VecDeque<String> = VecDeque::with_capacity(n_tail + 1);
                let mut partial: Vec<u8> = Vec::new();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match reader.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(_) => break,
                    };
                    // A full disk must not stop the build: the log is best effort.
                    let _ = file.write_all(&buf[..n]);
                    partial.extend_from_slice(&buf[..n]);
                    let mut newest = None;
                    while let Some(pos) = partial.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = partial.drain(..=pos).collect();
                        let line = display_line(&line[..line.len() - 1]);
                        push_tail(&mut tail, n_tail, line.clone());
                        newest = Some(line);
                    }
                    if partial.len() > 64 * 1024 {
                        let line = display_line(&std::mem::take(&mut partial));
                        push_tail(&mut tail, n_tail, line.clone());
                        newest = Some(line);
                    }
                    if let Some(line) = newest.filter(|l| !l.trim().is_empty()) {
                        *last.lock().unwrap_or_else(|e| e.into_inner()) = line;
                    }
                }
                if !partial.is_empty() {
                    push_tail(&mut tail, n_tail, display_line(&partial));
                }
                let _ = file.flush();
                tail
            })?;
        Ok((
            Tee { thread },
            File::from(std::os::fd::OwnedFd::from(writer)),
        ))
    }

    /// Waits for the container's end of the pipe to close; returns the last lines.
    pub fn finish(self) -> Vec<String> {
        self.thread.join().map(Vec::from).unwrap_or_default()
    }
}

fn push_tail(tail: &mut VecDeque<String>, n: usize, line: String) {
    if tail.len() == n {
        tail.pop_front();
    }
    tail.push_back(line);
}

/// A log line made safe to print: lossy UTF-8, control characters (colour codes, `\r`
/// progress bars) dropped, at most [`MAX_LINE`] characters.
fn display_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    // Keep what follows the last carriage return: that is what a terminal would show.
    let text = text.rsplit('\r').find(|s| !s.is_empty()).unwrap_or("");
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip an escape sequence: ESC [ ... final byte.
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        if c == '\t' {
            out.push(' ');
        } else if !c.is_control() {
            out.push(c);
        }
        if out.chars().count() >= MAX_LINE {
            out.push('…');
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lines_drop_escapes_and_carriage_returns() {
        assert_eq!(display_line(b"\x1b[1;31mred\x1b[0m text"), "red text");
        assert_eq!(display_line(b"10%\r50%\r100%"), "100%");
        assert_eq!(display_line(b"a\tb"), "a b");
    }

    #[test]
    fn tee_keeps_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("x.log");
        let last = LastLine::default();
        let (tee, mut w) = Tee::start(&log, last.clone(), 2).unwrap();
        w.write_all(b"one\ntwo\nthree\nfour").unwrap();
        drop(w);
        assert_eq!(tee.finish(), ["three", "four"]);
        assert_eq!(*last.lock().unwrap(), "three");
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "one\ntwo\nthree\nfour"
        );
    }
}
