//! One step, on a blocking thread: inputs, locks, container, checks, registration.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::env::{self, BUILD_DIR};
use super::log::{self, LastLine, Tee};
use super::{check, BuildError, Graph, Shared, StepState, LOG_TAIL_LINES};
use crate::plan::Step;
use crate::sandbox::{self, Bind, ContainerSpec, ExitStatus, Network, Stream};
use crate::store::{RegisterInfo, Store, StorePath, StoreTempDir};

/// Runs step `i`: builds it (or, with `is_check`, rebuilds it and compares).
pub(super) fn run(
    shared: &Shared,
    graph: &Graph,
    i: usize,
    is_check: bool,
) -> Result<(StepState, Duration), BuildError> {
    let started = Instant::now();
    let step = &graph.steps[i];
    let ctx = Ctx { shared, step, i };
    if shared.stopping.load(Ordering::SeqCst) {
        return Err(ctx.stopped());
    }
    let store = &*shared.store;

    // Inputs: outputs of other steps, imported sources, rootfs layers. Each becomes a temporary
    // root before its validity is checked, so a concurrent GC cannot take it away meanwhile.
    let mut inputs: BTreeSet<StorePath> = BTreeSet::new();
    for (hash, outs) in &step.inputs {
        let Some(&d) = graph.by_hash.get(hash) else {
            return Err(BuildError::MissingInput {
                step: step.name.clone(),
                path: format!("step {hash}"),
            });
        };
        for o in outs {
            let p = graph.steps[d]
                .outputs
                .get(o)
                .ok_or_else(|| BuildError::MissingInput {
                    step: step.name.clone(),
                    path: format!("output {o} of {}", graph.steps[d].name),
                })?;
            inputs.insert(ctx.parse(p, "input")?);
        }
    }
    for p in &step.input_sources {
        inputs.insert(ctx.parse(p, "input")?);
    }
    let mut layers = Vec::new();
    for layer in &step.rootfs {
        let p = StorePath::parse(layer).map_err(|_| BuildError::BadRootfs {
            step: step.name.clone(),
            layer: layer.clone(),
        })?;
        layers.push(store.host_path(&p));
        inputs.insert(p);
    }
    for p in &inputs {
        store.add_temp_root(p).map_err(|e| ctx.store(e))?;
        let valid = store.is_valid(p).map_err(|e| ctx.store(e))?;
        if !valid || fs::symlink_metadata(store.host_path(p)).is_err() {
            return Err(BuildError::MissingInput {
                step: step.name.clone(),
                path: p.to_string(),
            });
        }
    }
    let closure = store.closure(&inputs).map_err(|e| ctx.store(e))?;

    let outputs: Vec<(String, StorePath)> = step
        .output_names
        .iter()
        .filter_map(|o| step.outputs.get(o).map(|p| (o, p)))
        .map(|(o, p)| Ok((o.clone(), ctx.parse(p, "output")?)))
        .collect::<Result<_, BuildError>>()?;
    if outputs.is_empty() {
        return Err(BuildError::BadPath {
            step: step.name.clone(),
            what: "outputs".into(),
            path: "(none)".into(),
        });
    }

    // The store's protocol: locks (sorted, so two kilns never deadlock), then validity.
    let mut sorted: Vec<&StorePath> = outputs.iter().map(|(_, p)| p).collect();
    sorted.sort();
    // Outputs of one step share their hash part, and locks are per hash part: one lock each.
    sorted.dedup_by(|a, b| a.hash_part() == b.hash_part());
    let mut locks = Vec::new();
    if !is_check {
        for p in sorted {
            locks.push(store.lock_path(p).map_err(|e| ctx.store(e))?);
        }
        if super::outputs_valid(store, step)? {
            for (_, p) in &outputs {
                store.add_temp_root(p).map_err(|e| ctx.store(e))?;
            }
            return Ok((StepState::Valid, started.elapsed()));
        }
    }

    let tmp = store.temp_dir().map_err(|e| ctx.store(e))?;
    let result = build_in(&ctx, &tmp, &closure, &layers, &outputs, is_check);
    let mut locks = Some(locks);
    let result = result.and_then(|()| {
        if is_check {
            for (_, p) in &outputs {
                let info = store.info(p).map_err(|e| ctx.store(e))?;
                check::compare(
                    &step.name,
                    p,
                    &store.host_path(p),
                    &built_path(&tmp, p),
                    &info.content_hash,
                )?;
            }
            Ok(StepState::Checked)
        } else {
            register(
                &ctx,
                locks.take().unwrap_or_default(),
                &tmp,
                &closure,
                &outputs,
            )?;
            Ok(StepState::Built)
        }
    });
    match result {
        Ok(state) => Ok((state, started.elapsed())),
        Err(e) => {
            if shared.opts.keep_failed && !matches!(e, BuildError::Stopped { .. }) {
                if let Some(kept) = keep(store, &tmp, &outputs[0].1) {
                    shared.progress.println(&format!(
                        "kiln: kept the folder of {}: {} (build folder: {}/build)",
                        step.name,
                        kept.display(),
                        kept.display()
                    ));
                }
            }
            Err(e)
        }
    }
}

/// A step and the scheduler's state, for errors.
struct Ctx<'a> {
    shared: &'a Shared,
    step: &'a Step,
    /// The step's index in the graph.
    i: usize,
}

impl Ctx<'_> {
    fn store(&self, source: crate::store::StoreError) -> BuildError {
        BuildError::Store {
            step: self.step.name.clone(),
            source,
        }
    }

    fn io(&self, op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BuildError {
        let (step, path) = (self.step.name.clone(), path.to_owned());
        move |source| BuildError::Io {
            step,
            op,
            path,
            source,
        }
    }

    fn stopped(&self) -> BuildError {
        BuildError::Stopped {
            step: self.step.name.clone(),
        }
    }

    fn parse(&self, p: &str, what: &str) -> Result<StorePath, BuildError> {
        StorePath::parse(p).map_err(|_| BuildError::BadPath {
            step: self.step.name.clone(),
            what: what.into(),
            path: p.into(),
        })
    }
}

/// Where the builder leaves output `p` on the host: in the temporary folder's `store/`, which
/// the container sees as `/kiln/store`.
fn built_path(tmp: &StoreTempDir, p: &StorePath) -> PathBuf {
    tmp.path().join("store").join(p.base_name())
}

/// Runs the container in `tmp`: `tmp/store` is `/kiln/store` (writable, holding mount points
/// for the input closure), `tmp/build` is `/build`.
fn build_in(
    ctx: &Ctx,
    tmp: &StoreTempDir,
    closure: &BTreeSet<StorePath>,
    layers: &[PathBuf],
    outputs: &[(String, StorePath)],
    is_check: bool,
) -> Result<(), BuildError> {
    let (shared, step) = (ctx.shared, ctx.step);
    let store = &*shared.store;
    let store_dir = tmp.path().join("store");
    let build_dir = tmp.path().join("build");
    for dir in [&store_dir, &build_dir] {
        fs::create_dir(dir).map_err(ctx.io("create", dir))?;
    }
    // Mount points for the inputs: the sandbox binds each over an empty file or folder here.
    for p in closure {
        let point = store_dir.join(p.base_name());
        let host = store.host_path(p);
        let is_dir = fs::metadata(&host).map_err(ctx.io("stat", &host))?.is_dir();
        if is_dir {
            fs::create_dir(&point).map_err(ctx.io("create", &point))?;
        } else {
            fs::write(&point, b"").map_err(ctx.io("create", &point))?;
        }
    }

    // passAsFile: the value goes into a file in /build, its name into `<name>Path`.
    let mut pass_as_file = BTreeMap::new();
    for name in &step.pass_as_file {
        if let Some(value) = step.env.get(name) {
            let file = format!(".attr-{name}");
            let host = build_dir.join(&file);
            fs::write(&host, value).map_err(ctx.io("write", &host))?;
            pass_as_file.insert(name.clone(), format!("{BUILD_DIR}/{file}"));
        }
    }
    let mut input_bins = Vec::new();
    for p in closure_in_input_order(step, closure) {
        if store.host_path(p).join("bin").is_dir() {
            input_bins.push(format!("{p}/bin"));
        }
    }
    let has_root = !layers.is_empty() || !step.host_paths.is_empty();
    let env = env::step_env(
        step,
        &input_bins,
        has_root,
        shared.opts.cores,
        &pass_as_file,
    );

    let mut spec = ContainerSpec::new(
        std::iter::once(step.builder.clone())
            .chain(step.args.iter().cloned())
            .collect(),
    );
    spec.layers = layers.to_vec();
    spec.binds.push(Bind {
        host: store_dir.clone(),
        target: "/kiln/store".into(),
        writable: true,
    });
    spec.binds.push(Bind {
        host: build_dir.clone(),
        target: BUILD_DIR.into(),
        writable: true,
    });
    for hp in &step.host_paths {
        spec.binds.push(Bind {
            host: hp.into(),
            target: hp.into(),
            writable: false,
        });
    }
    spec.store_dir = Some(store.store_dir());
    spec.store_paths = closure.iter().map(|p| p.base_name().to_string()).collect();
    spec.env = env.into_iter().collect();
    spec.cwd = BUILD_DIR.into();
    if step.fixed_output.is_some() && step.flags.network {
        spec.network = Network::Host;
    }
    spec.timeout = step.timeout.map(Duration::from_secs);

    let log_file = log::log_path(&store.logs_dir(), outputs[0].1.base_name(), is_check);
    let last = LastLine::default();
    shared.progress.set_last_line(ctx.i, last.clone());
    let (tee, writer) =
        Tee::start(&log_file, last, LOG_TAIL_LINES).map_err(ctx.io("create", &log_file))?;
    let stderr = writer.try_clone().map_err(ctx.io("open", &log_file))?;
    spec.stdio.stdout = Stream::File(writer);
    spec.stdio.stderr = Stream::File(stderr);
    // The other outputs' logs are the same file.
    for (_, p) in &outputs[1..] {
        let other = log::log_path(&store.logs_dir(), p.base_name(), is_check);
        let _ = fs::remove_file(&other);
        let _ = fs::hard_link(&log_file, &other);
    }

    let running = sandbox::spawn(&spec);
    // Our copies of the pipe's write end must go, or the tee never sees the end.
    drop(spec);
    let running = match running {
        Ok(r) => r,
        Err(source) => {
            tee.finish();
            return Err(BuildError::Sandbox {
                step: step.name.clone(),
                source,
            });
        }
    };
    let idx = ctx.i;
    if let Ok(handle) = running.stop_handle() {
        shared
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(idx, handle);
    }
    if shared.stopping.load(Ordering::SeqCst) {
        if let Some(h) = shared
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&idx)
        {
            let _ = h.stop();
        }
    }
    let outcome = running.wait();
    shared
        .running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&idx);
    let log_tail = tee.finish();
    if shared.stopping.load(Ordering::SeqCst) {
        return Err(ctx.stopped());
    }
    let outcome = outcome.map_err(|source| BuildError::Sandbox {
        step: step.name.clone(),
        source,
    })?;
    if outcome.stopped {
        return Err(ctx.stopped());
    }
    if outcome.timed_out {
        return Err(BuildError::TimedOut {
            step: step.name.clone(),
            secs: step.timeout.unwrap_or(0),
            log_tail,
            log: log_file,
        });
    }
    if !outcome.status.success() {
        let status = match outcome.status {
            ExitStatus::Exited(code) => format!("exited with status {code}"),
            ExitStatus::Signaled(sig) => format!("was killed by signal {sig}"),
        };
        return Err(BuildError::Failed {
            step: step.name.clone(),
            status,
            log_tail,
            log: log_file,
        });
    }
    for (name, p) in outputs {
        if fs::symlink_metadata(built_path(tmp, p)).is_err() {
            return Err(BuildError::NoOutput {
                step: step.name.clone(),
                output: name.clone(),
                path: p.clone(),
            });
        }
    }
    if let Some(fixed) = &step.fixed_output {
        let (_, p) = &outputs[0];
        check::fixed_output(&step.name, p, &built_path(tmp, p), fixed)?;
    }
    Ok(())
}

/// The closure's paths with the direct inputs first (in the order the plan lists them), so that
/// `PATH` prefers what the step names over what its inputs pull in.
fn closure_in_input_order<'a>(step: &Step, closure: &'a BTreeSet<StorePath>) -> Vec<&'a StorePath> {
    let direct: BTreeSet<&str> = step.input_sources.iter().map(String::as_str).collect();
    let mut first: Vec<&StorePath> = Vec::new();
    let mut rest: Vec<&StorePath> = Vec::new();
    for p in closure {
        if direct.contains(p.to_string().as_str()) {
            first.push(p);
        } else {
            rest.push(p);
        }
    }
    first.extend(rest);
    first
}

/// Registers the outputs; each may refer to the input closure and to the step's other outputs.
/// Outputs that refer to a sibling go after it.
fn register(
    ctx: &Ctx,
    locks: Vec<crate::store::PathLock>,
    tmp: &StoreTempDir,
    closure: &BTreeSet<StorePath>,
    outputs: &[(String, StorePath)],
) -> Result<(), BuildError> {
    let store: &Store = &ctx.shared.store;
    if ctx.shared.stopping.load(Ordering::SeqCst) {
        return Err(ctx.stopped());
    }
    let mut candidates = closure.clone();
    candidates.extend(outputs.iter().map(|(_, p)| p.clone()));
    let info = || RegisterInfo {
        step_hash: Some(ctx.step.hash.clone()),
        candidate_references: candidates.clone(),
    };
    if let [(_, p)] = outputs {
        let lock = locks
            .iter()
            .find(|l| l.path() == p)
            .expect("output is locked");
        store
            .register_locked(lock, &built_path(tmp, p), info())
            .map_err(|e| ctx.store(e))?;
        return Ok(());
    }
    // Several outputs share one lock file, but a `PathLock` registers only the path it was
    // taken for: release ours and let `register` lock each path in turn. Another kiln may start
    // the same step meanwhile; it then finds the outputs valid or registers identical ones.
    let order = check::registration_order(outputs, |p| built_path(tmp, p));
    drop(locks);
    for p in order {
        store
            .register(&built_path(tmp, p), p, info())
            .map_err(|e| ctx.store(e))?;
    }
    Ok(())
}

/// Moves a failed step's folder to `<store root>/kept/<name>-<unique>`, out of reach of the
/// store's sweeps, and returns it.
fn keep(store: &Store, tmp: &StoreTempDir, first: &StorePath) -> Option<PathBuf> {
    let kept_root = store.root().join("kept");
    fs::create_dir_all(&kept_root).ok()?;
    let dest = kept_root.join(format!(
        "{}-{}",
        first.base_name(),
        crate::store::lock::unique_name()
    ));
    fs::rename(tmp.path(), &dest).ok()?;
    Some(dest)
}
