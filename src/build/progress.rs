//! What the user sees while steps run: a live display on a terminal (steps done, running and to
//! do; each running step's name and last log line; elapsed time), plain lines otherwise, JSON
//! lines with `--json`. Everything goes to stderr; stdout is for the output paths.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::log::LastLine;
use super::{BuildError, StepState, LOG_TAIL_LINES};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A live display (stderr is a terminal).
    Live,
    /// One line per step start and end.
    Plain,
    /// Only failures.
    Quiet,
    /// One JSON object per line and event.
    Json,
}

struct RunningStep {
    started: Instant,
    last: Option<LastLine>,
    bar: Option<ProgressBar>,
}

struct State {
    running: BTreeMap<usize, RunningStep>,
    n_done: usize,
    n_failed: usize,
}

/// The progress display of one build.
pub struct Progress {
    mode: ProgressMode,
    total: usize,
    multi: Option<MultiProgress>,
    main: Option<ProgressBar>,
    state: Mutex<State>,
}

impl Progress {
    /// A display for `total` steps to run.
    pub fn new(mode: ProgressMode, total: usize) -> Progress {
        let (multi, main) = if mode == ProgressMode::Live && total > 0 {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10));
            let main = multi.add(ProgressBar::new(total as u64));
            main.set_style(
                ProgressStyle::with_template(
                    "[{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} done, {msg}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            (Some(multi), Some(main))
        } else {
            (None, None)
        };
        let p = Progress {
            mode,
            total,
            multi,
            main,
            state: Mutex::new(State {
                running: BTreeMap::new(),
                n_done: 0,
                n_failed: 0,
            }),
        };
        p.update_main(&p.lock());
        p
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update_main(&self, st: &State) {
        if let Some(main) = &self.main {
            let to_do = self.total - st.n_done - st.n_failed - st.running.len();
            let failed = if st.n_failed > 0 {
                format!(", {} failed", st.n_failed)
            } else {
                String::new()
            };
            main.set_position(st.n_done as u64);
            main.set_message(format!(
                "{} running, {to_do} to do{failed}",
                st.running.len()
            ));
        }
    }

    /// Prints a line above the live display (or plainly to stderr).
    pub fn println(&self, line: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(line);
            }
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
        }
    }

    fn json(&self, value: serde_json::Value) {
        let _ = writeln!(std::io::stderr().lock(), "{value}");
    }

    /// Step `i` starts.
    pub fn started(&self, i: usize, name: &str) {
        let mut st = self.lock();
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("  {spinner:.green} {prefix:.bold} {wide_msg:.dim}")
                    .expect("valid template"),
            );
            bar.set_prefix(name.to_string());
            bar
        });
        st.running.insert(
            i,
            RunningStep {
                started: Instant::now(),
                last: None,
                bar,
            },
        );
        self.update_main(&st);
        drop(st);
        match self.mode {
            ProgressMode::Plain => self.println(&format!("building {name}")),
            ProgressMode::Json => self.json(serde_json::json!({"event": "start", "step": name})),
            ProgressMode::Live | ProgressMode::Quiet => {}
        }
    }

    /// Step `i` writes its log through `last`.
    pub fn set_last_line(&self, i: usize, last: LastLine) {
        if let Some(r) = self.lock().running.get_mut(&i) {
            r.last = Some(last);
        }
    }

    /// Refreshes the live display.
    pub fn tick(&self) {
        let st = self.lock();
        for r in st.running.values() {
            if let Some(bar) = &r.bar {
                let line = r
                    .last
                    .as_ref()
                    .map(|l| l.lock().unwrap_or_else(|e| e.into_inner()).clone())
                    .unwrap_or_default();
                bar.set_message(format!("{:>4}s {line}", r.started.elapsed().as_secs()));
                bar.tick();
            }
        }
        if let Some(main) = &self.main {
            main.tick();
        }
    }

    fn remove(&self, i: usize) -> Option<RunningStep> {
        let mut st = self.lock();
        let r = st.running.remove(&i);
        if let Some(bar) = r.as_ref().and_then(|r| r.bar.as_ref()) {
            bar.finish_and_clear();
            if let Some(m) = &self.multi {
                m.remove(bar);
            }
        }
        r
    }

    /// Step `i` ended well.
    pub fn finished(&self, i: usize, name: &str, state: StepState, elapsed: Duration) {
        self.remove(i);
        {
            let mut st = self.lock();
            st.n_done += 1;
            self.update_main(&st);
        }
        let verb = match state {
            StepState::Valid => "valid",
            StepState::Built => "built",
            StepState::Checked => "checked",
        };
        let secs = elapsed.as_secs_f64();
        match self.mode {
            ProgressMode::Plain => self.println(&format!("{verb} {name} ({secs:.1} s)")),
            ProgressMode::Json => self.json(serde_json::json!({
                "event": verb, "step": name, "seconds": secs,
            })),
            ProgressMode::Live | ProgressMode::Quiet => {}
        }
    }

    /// Step `i` failed (or was stopped).
    pub fn failed(&self, i: usize, name: &str, err: &BuildError) {
        self.remove(i);
        let stopped = matches!(err, BuildError::Stopped { .. });
        {
            let mut st = self.lock();
            st.n_failed += 1;
            self.update_main(&st);
        }
        if self.mode == ProgressMode::Json {
            let tail = err.log_tail().map(|(t, _)| t.to_vec()).unwrap_or_default();
            let event = if stopped { "stopped" } else { "failed" };
            self.json(serde_json::json!({
                "event": event, "step": name, "error": err.to_string(), "log_tail": tail,
            }));
            return;
        }
        if stopped {
            if self.mode == ProgressMode::Plain {
                self.println(&format!("stopped {name}"));
            }
            return;
        }
        self.println(&failure_text(err));
    }

    /// Removes the live display.
    pub fn finish(&self) {
        if let Some(main) = &self.main {
            main.finish_and_clear();
        }
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

/// The error and, for a builder's failure, the last lines of its log.
pub fn failure_text(err: &BuildError) -> String {
    let mut text = format!("kiln: error: {err}");
    if let Some((tail, log)) = err.log_tail() {
        if tail.is_empty() {
            text.push_str(&format!("\n  (the log is empty: {})", log.display()));
        } else {
            text.push_str(&format!(
                "\n  last {} log lines ({}):",
                tail.len().min(LOG_TAIL_LINES),
                log.display()
            ));
            for line in tail {
                text.push_str(&format!("\n  | {line}"));
            }
        }
    }
    text
}
