//! The scheduler: runs the steps of a plan, each in its own container, in parallel and in
//! dependency order, and registers their outputs in the store.
//!
//! # Architecture invariants
//! - Async code never forks: every container is started from a blocking thread
//!   ([`tokio::task::spawn_blocking`]) through [`crate::sandbox::spawn`], which re-executes the
//!   single-threaded helper.
//! - An output is registered only after its step succeeded, its outputs exist and (for
//!   fixed-output steps) match the declared hash; a failed, timed-out or interrupted step leaves
//!   nothing in the store (its temporary folder is removed, or kept with `--keep-failed`).
//! - Each step follows the store's protocol: temporary roots for its inputs, then the locks of its
//!   outputs, then a validity check under the locks, then the build, then registration.
//! - `--check` rebuilds into a temporary folder and never touches the registered output.
//!
//! `docs/build.md` describes what a step sees and the command line.

mod check;
mod env;
mod log;
mod progress;
mod step;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::plan::Step;
use crate::sandbox::StopHandle;
use crate::store::{Store, StoreError, StorePath};

pub use progress::ProgressMode;

/// Lines of a failed step's log shown with its error.
pub const LOG_TAIL_LINES: usize = 25;

/// Everything that can go wrong while building; every message names the step.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The builder exited with a non-zero status or was killed by a signal.
    #[error("step {step} failed: builder {status}")]
    Failed {
        /// The step's name.
        step: String,
        /// `exited with status 3` or `was killed by signal 9`.
        status: String,
        /// The last lines of its log.
        log_tail: Vec<String>,
        /// Where the whole log is.
        log: PathBuf,
    },
    /// The step ran longer than its `timeout`.
    #[error("step {step} timed out after {secs} s and was killed")]
    TimedOut {
        /// The step's name.
        step: String,
        /// The limit.
        secs: u64,
        /// The last lines of its log.
        log_tail: Vec<String>,
        /// Where the whole log is.
        log: PathBuf,
    },
    /// The builder succeeded but did not create one of its outputs.
    #[error("step {step} produced no output {output} ({path})")]
    NoOutput {
        /// The step's name.
        step: String,
        /// The output name (`out`, `dev`...).
        output: String,
        /// The output's store path.
        path: StorePath,
    },
    /// An input is neither valid in the store nor produced by another step.
    #[error("step {step}: input {path} is missing from the store (deleted? evaluate again)")]
    MissingInput {
        /// The step's name.
        step: String,
        /// The input.
        path: String,
    },
    /// A `rootfs` entry is not a store path.
    #[error("step {step}: rootfs layer {layer} is not a store path")]
    BadRootfs {
        /// The step's name.
        step: String,
        /// The layer as given.
        layer: String,
    },
    /// A path in the plan is malformed.
    #[error("step {step}: {what} {path} is not a store path")]
    BadPath {
        /// The step's name.
        step: String,
        /// What the path is (`output out`...).
        what: String,
        /// The path as given.
        path: String,
    },
    /// `--pure` and the step borrows host paths.
    #[error("step {step} is impure (it uses host paths {paths}), and --pure refuses impure steps")]
    Impure {
        /// The step's name.
        step: String,
        /// Its host paths, comma-separated.
        paths: String,
    },
    /// The container could not be started.
    #[error("step {step}: {source}")]
    Sandbox {
        /// The step's name.
        step: String,
        /// The runtime's error.
        source: crate::sandbox::SandboxError,
    },
    /// A store operation failed.
    #[error("step {step}: {source}")]
    Store {
        /// The step's name.
        step: String,
        /// The store's error.
        source: StoreError,
    },
    /// A filesystem operation of the scheduler failed.
    #[error("step {step}: cannot {op} {path}: {source}")]
    Io {
        /// The step's name.
        step: String,
        /// What was tried.
        op: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A fixed-output step's output does not have the declared hash.
    #[error("step {step}: fixed output {path} has {algo} hash {got}, but {want} was declared")]
    HashMismatch {
        /// The step's name.
        step: String,
        /// The output.
        path: StorePath,
        /// The algorithm.
        algo: String,
        /// Declared, hex.
        want: String,
        /// Found, hex.
        got: String,
    },
    /// A fixed-output declaration this kiln cannot check.
    #[error("step {step}: cannot check fixed output: {reason}")]
    BadFixedOutput {
        /// The step's name.
        step: String,
        /// Why.
        reason: String,
    },
    /// `--check`: the rebuild differs from the registered output.
    #[error("step {step} is not reproducible: {path} differs when rebuilt ({n} files differ)\n{report}", n = files.len())]
    NotReproducible {
        /// The step's name.
        step: String,
        /// The output that differs.
        path: StorePath,
        /// The files that differ, relative to the output.
        files: Vec<String>,
        /// The list of files and unified diffs of small text files.
        report: String,
    },
    /// A dependency failed, so the step was not run (`--keep-going`).
    #[error("step {step} was not built because {dep} failed")]
    DependencyFailed {
        /// The step's name.
        step: String,
        /// The failed dependency's name.
        dep: String,
    },
    /// Ctrl-C, or another step failed without `--keep-going`: the step was stopped.
    #[error("step {step} was stopped")]
    Stopped {
        /// The step's name.
        step: String,
    },
}

impl BuildError {
    /// The last log lines and log file, for errors that have them.
    pub fn log_tail(&self) -> Option<(&[String], &PathBuf)> {
        match self {
            BuildError::Failed { log_tail, log, .. }
            | BuildError::TimedOut { log_tail, log, .. } => Some((log_tail, log)),
            _ => None,
        }
    }
}

/// How to build.
#[derive(Debug, Clone)]
pub struct Options {
    /// Steps run at once.
    pub jobs: usize,
    /// Keep building what does not depend on a failed step.
    pub keep_going: bool,
    /// Keep the folders of failed steps (and of `--check` rebuilds that differ).
    pub keep_failed: bool,
    /// Rebuild steps whose outputs are valid and compare.
    pub check: bool,
    /// Refuse steps that use host paths.
    pub pure: bool,
    /// The progress display.
    pub progress: ProgressMode,
    /// `KILN_BUILD_CORES`.
    pub cores: usize,
}

/// The steps of a plan and the outputs wanted from it.
#[derive(Debug)]
pub struct Graph {
    steps: Vec<Step>,
    by_hash: HashMap<String, usize>,
    targets: Vec<usize>,
}

impl Graph {
    /// A graph of `steps` (a plan's steps, any order, dependencies included) whose `targets`
    /// (step hashes) are to be built.
    pub fn new(steps: Vec<Step>, targets: &[String]) -> Graph {
        let by_hash: HashMap<String, usize> = steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.hash.clone(), i))
            .collect();
        let mut seen = BTreeSet::new();
        let targets = targets
            .iter()
            .filter_map(|h| by_hash.get(h).copied())
            .filter(|i| seen.insert(*i))
            .collect();
        Graph {
            steps,
            by_hash,
            targets,
        }
    }

    /// Indices of the steps `i` depends on.
    fn deps(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.steps[i]
            .inputs
            .keys()
            .filter_map(|h| self.by_hash.get(h).copied())
    }

    /// Every step the targets depend on, targets included.
    fn closure(&self) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        let mut todo = self.targets.clone();
        while let Some(i) = todo.pop() {
            if out.insert(i) {
                todo.extend(self.deps(i));
            }
        }
        out
    }
}

/// What happened to one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Its outputs were already valid.
    Valid,
    /// It was built now.
    Built,
    /// `--check`: rebuilt, and the result was identical.
    Checked,
}

/// The result of [`build`].
#[derive(Debug, Default)]
pub struct Report {
    /// Steps that ended well, by step index.
    pub done: BTreeMap<usize, StepState>,
    /// Failures, in the order they happened (dependency failures last).
    pub errors: Vec<BuildError>,
    /// Ctrl-C stopped the build.
    pub interrupted: bool,
    /// Wall time.
    pub elapsed: Duration,
}

impl Report {
    /// Number of steps in a state.
    pub fn count(&self, state: StepState) -> usize {
        self.done.values().filter(|s| **s == state).count()
    }
}

/// State shared by the scheduler and its workers.
struct Shared {
    store: Arc<Store>,
    opts: Options,
    /// Set on Ctrl-C, or on the first failure without `--keep-going`.
    stopping: AtomicBool,
    /// Stop handles of the running containers, by step index.
    running: Mutex<HashMap<usize, StopHandle>>,
    progress: progress::Progress,
}

impl Shared {
    fn stop_all(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        for handle in running.values() {
            let _ = handle.stop();
        }
    }
}

/// Checks what the plan asks for before anything runs: `--pure`, and store paths.
fn precheck(graph: &Graph, needed: &BTreeSet<usize>, pure: bool) -> Vec<BuildError> {
    let mut errors = Vec::new();
    for &i in needed {
        let s = &graph.steps[i];
        if pure && (s.flags.impure || !s.host_paths.is_empty()) {
            errors.push(BuildError::Impure {
                step: s.name.clone(),
                paths: s.host_paths.join(", "),
            });
        }
        for layer in &s.rootfs {
            if StorePath::from_path_prefix(layer).map(|(_, rest)| rest.is_empty()) != Ok(true) {
                errors.push(BuildError::BadRootfs {
                    step: s.name.clone(),
                    layer: layer.clone(),
                });
            }
        }
        for (o, p) in &s.outputs {
            if StorePath::parse(p).is_err() {
                errors.push(BuildError::BadPath {
                    step: s.name.clone(),
                    what: format!("output {o}"),
                    path: p.clone(),
                });
            }
        }
    }
    errors
}

/// Whether every output of a step is valid.
fn outputs_valid(store: &Store, step: &Step) -> Result<bool, BuildError> {
    for p in step.outputs.values() {
        let path = StorePath::parse(p).map_err(|e| BuildError::Store {
            step: step.name.clone(),
            source: e.into(),
        })?;
        let valid = store.is_valid(&path).map_err(|source| BuildError::Store {
            step: step.name.clone(),
            source,
        })?;
        if !valid {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Builds what the graph's targets need. Must run inside a multi-threaded tokio runtime;
/// Ctrl-C stops every container and returns a report with `interrupted` set.
pub async fn build(store: Arc<Store>, graph: Graph, opts: Options) -> Report {
    let start = Instant::now();
    let mut report = Report::default();
    let graph = Arc::new(graph);

    let closure = graph.closure();
    let pre = precheck(&graph, &closure, opts.pure);
    if !pre.is_empty() {
        for e in &pre {
            eprintln!("{}", progress::failure_text(e));
        }
        report.errors = pre;
        return report;
    }

    // Which steps run: a step whose outputs are valid is skipped together with everything only
    // it needed, unless --check asks to rebuild it.
    let mut to_run: BTreeMap<usize, bool> = BTreeMap::new(); // index -> is a check rebuild
    let mut visited = BTreeSet::new();
    let mut todo: Vec<usize> = graph.targets.clone();
    while let Some(i) = todo.pop() {
        if !visited.insert(i) {
            continue;
        }
        match outputs_valid(&store, &graph.steps[i]) {
            Ok(true) if !opts.check => {
                report.done.insert(i, StepState::Valid);
            }
            Ok(valid) => {
                to_run.insert(i, valid);
                todo.extend(graph.deps(i));
            }
            Err(e) => report.errors.push(e),
        }
    }
    if !report.errors.is_empty() {
        for e in &report.errors {
            eprintln!("{}", progress::failure_text(e));
        }
        return report;
    }

    // Dependency counts among the steps that run.
    let mut waiting_on: BTreeMap<usize, usize> = BTreeMap::new();
    let mut dependents: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &i in to_run.keys() {
        let deps: BTreeSet<usize> = graph.deps(i).filter(|d| to_run.contains_key(d)).collect();
        waiting_on.insert(i, deps.len());
        for d in deps {
            dependents.entry(d).or_default().push(i);
        }
    }
    let mut ready: VecDeque<usize> = waiting_on
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(i, _)| *i)
        .collect();

    let shared = Arc::new(Shared {
        store,
        progress: progress::Progress::new(opts.progress, to_run.len()),
        opts,
        stopping: AtomicBool::new(false),
        running: Mutex::new(HashMap::new()),
    });
    let ticker = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_millis(100));
            loop {
                interval.tick().await;
                shared.progress.tick();
            }
        })
    };

    let mut tasks = tokio::task::JoinSet::new();
    let mut failed: BTreeMap<usize, String> = BTreeMap::new(); // index -> name of failed root cause
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let mut ctrl_c_armed = true;
    loop {
        while !shared.stopping.load(Ordering::SeqCst) && tasks.len() < shared.opts.jobs.max(1) {
            let Some(i) = ready.pop_front() else { break };
            let is_check = to_run[&i];
            let (shared2, graph2) = (shared.clone(), graph.clone());
            shared.progress.started(i, &graph.steps[i].name);
            tasks.spawn_blocking(move || (i, step::run(&shared2, &graph2, i, is_check)));
        }
        if tasks.is_empty() {
            break;
        }
        let joined = tokio::select! {
            j = tasks.join_next() => j,
            r = &mut ctrl_c, if ctrl_c_armed => {
                ctrl_c_armed = false;
                if r.is_ok() {
                    report.interrupted = true;
                    shared.progress.println("kiln: interrupted, stopping all steps");
                    shared.stop_all();
                }
                continue;
            }
        };
        let Some(joined) = joined else { break };
        let (i, result) = joined.expect("build workers do not panic");
        let name = graph.steps[i].name.clone();
        match result {
            Ok((state, elapsed)) => {
                shared.progress.finished(i, &name, state, elapsed);
                report.done.insert(i, state);
                for &d in dependents.get(&i).map(Vec::as_slice).unwrap_or(&[]) {
                    let n = waiting_on.get_mut(&d).expect("dependent is scheduled");
                    *n -= 1;
                    if *n == 0 && !failed.contains_key(&d) {
                        ready.push_back(d);
                    }
                }
            }
            Err(e) => {
                let stopped = matches!(e, BuildError::Stopped { .. });
                shared.progress.failed(i, &name, &e);
                if !stopped || report.interrupted {
                    report.errors.push(e);
                }
                // Everything downstream of the failure is not built.
                let mut down = vec![i];
                while let Some(j) = down.pop() {
                    for &d in dependents.get(&j).map(Vec::as_slice).unwrap_or(&[]) {
                        if failed.insert(d, name.clone()).is_none() {
                            down.push(d);
                        }
                    }
                }
                if !shared.opts.keep_going && !shared.stopping.load(Ordering::SeqCst) {
                    shared.stop_all();
                }
            }
        }
    }
    ticker.abort();
    shared.progress.finish();
    if !report.interrupted {
        // Stopped steps of a failing build without --keep-going are not worth an error each.
        report
            .errors
            .retain(|e| !matches!(e, BuildError::Stopped { .. }));
        for (d, cause) in &failed {
            if !report.done.contains_key(d) && shared.opts.keep_going {
                let e = BuildError::DependencyFailed {
                    step: graph.steps[*d].name.clone(),
                    dep: cause.clone(),
                };
                if shared.opts.progress != ProgressMode::Json {
                    eprintln!("{}", progress::failure_text(&e));
                }
                report.errors.push(e);
            }
        }
    }
    report.elapsed = start.elapsed();
    report
}
