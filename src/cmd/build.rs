//! `kiln build [FILE] [-A ATTR]... [-o LINK] [-j N] [--keep-going] [--keep-failed] [--check]
//! [--pure]`: evaluates FILE, builds what its derivations need, prints their output paths and
//! makes `result` links (GC roots). The tokio runtime is built here, by hand, so that no other
//! command (in particular the single-threaded `__sandbox-init` helper) ever starts one.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::build::{self, Graph, Options, ProgressMode};
use crate::plan::Step;
use crate::session::SearchPathArgs;
use crate::store::{Store, StorePath};

/// Arguments of `kiln build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to build (a folder means its kiln.nix). Default: ./kiln.nix.
    file: Option<PathBuf>,
    /// Build only this attribute path of the result (repeatable).
    #[arg(short = 'A', long = "attr")]
    attr: Vec<String>,
    /// Name of the result link; several outputs get LINK, LINK-2, LINK-3...
    #[arg(short = 'o', long = "out-link", default_value = "result")]
    out_link: PathBuf,
    /// Make no result links.
    #[arg(long)]
    no_link: bool,
    /// Steps to run at once (default: the number of cores).
    #[arg(short = 'j', long = "jobs")]
    jobs: Option<usize>,
    /// Keep building what does not depend on a failed step.
    #[arg(short = 'k', long)]
    keep_going: bool,
    /// Keep the folders of failed steps and print where.
    #[arg(short = 'K', long)]
    keep_failed: bool,
    /// Rebuild steps that are already built and fail if the result differs.
    #[arg(long)]
    check: bool,
    /// Refuse impure steps (those that use hostPaths).
    #[arg(long)]
    pure: bool,
    /// Print only errors.
    #[arg(short, long)]
    quiet: bool,
    /// Progress as JSON lines on stderr, the results as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Add a search path entry (PATH or PREFIX=PATH), before $KILN_PATH.
    #[arg(short = 'I', long = "include")]
    include: Vec<String>,
}

/// A derivation the file asks for.
struct Root {
    attr: String,
    step: String,
    output: String,
    path: StorePath,
}

/// What the evaluation thread hands back.
struct Evaluated {
    steps: Vec<Step>,
    roots: Vec<Root>,
    store: Store,
}

/// Runs `kiln build`.
pub fn run(args: Args, store_flag: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let file = args.file.clone();
    let attrs = args.attr.clone();
    let search = SearchPathArgs {
        include: args.include.clone(),
    };
    let evaluated =
        crate::session::with_big_stack(move || evaluate(file, attrs, search, store_flag));
    let Some(Evaluated {
        steps,
        roots,
        store,
    }) = evaluated?
    else {
        return Ok(ExitCode::FAILURE);
    };
    let store = Arc::new(store);

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = args.jobs.unwrap_or(cores).max(1);
    let progress = if args.json {
        ProgressMode::Json
    } else if args.quiet {
        ProgressMode::Quiet
    } else if std::io::stderr().is_terminal() && std::env::var("TERM").as_deref() != Ok("dumb") {
        ProgressMode::Live
    } else {
        ProgressMode::Plain
    };
    let opts = Options {
        jobs,
        keep_going: args.keep_going,
        keep_failed: args.keep_failed,
        check: args.check,
        pure: args.pure,
        progress,
        cores,
    };
    let targets: Vec<String> = roots.iter().map(|r| r.step.clone()).collect();
    let graph = Graph::new(steps, &targets);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(jobs + 8)
        .thread_name("kiln-build")
        .enable_all()
        .build()
        .context("cannot start the build runtime")?;
    let report = runtime.block_on(build::build(store.clone(), graph, opts));
    drop(runtime);

    if report.interrupted {
        eprintln!("kiln: interrupted; nothing half-built was registered");
        return Ok(ExitCode::from(130));
    }
    if !report.errors.is_empty() {
        let n = report.errors.len();
        anyhow::bail!(
            "build failed: {n} step{} failed{}",
            if n == 1 { "" } else { "s" },
            if args.check
                && report
                    .errors
                    .iter()
                    .any(|e| matches!(e, build::BuildError::NotReproducible { .. }))
            {
                " (not reproducible)"
            } else {
                ""
            }
        );
    }

    let mut json_out = Vec::new();
    for (k, root) in roots.iter().enumerate() {
        let host = store.host_path(&root.path);
        if !args.no_link {
            let link = if k == 0 {
                args.out_link.clone()
            } else {
                let mut name = args.out_link.clone().into_os_string();
                name.push(format!("-{}", k + 1));
                PathBuf::from(name)
            };
            store
                .make_result_link(&link, &root.path)
                .with_context(|| format!("cannot make the link {}", link.display()))?;
        }
        if args.json {
            json_out.push(serde_json::json!({
                "attr": root.attr,
                "output": root.output,
                "path": root.path.to_string(),
                "hostPath": host,
            }));
        } else {
            println!("{}", host.display());
        }
    }
    if args.json {
        println!("{}", serde_json::Value::Array(json_out));
    } else if progress != ProgressMode::Quiet {
        let built = report.count(build::StepState::Built);
        let checked = report.count(build::StepState::Checked);
        if built + checked > 0 {
            let what = if checked > 0 {
                format!("{checked} checked, {built} built")
            } else {
                format!("{built} built")
            };
            eprintln!("kiln: {what} in {:.1} s", report.elapsed.as_secs_f64());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Evaluates the file on the big-stack thread; `None` after printing an evaluation error.
fn evaluate(
    file: Option<PathBuf>,
    attrs: Vec<String>,
    search: SearchPathArgs,
    store_flag: Option<PathBuf>,
) -> anyhow::Result<Option<Evaluated>> {
    let (mut ev, state) = crate::session::new_eval(&search, store_flag)?;
    let found = match super::plan::roots(&mut ev, file, attrs) {
        Ok(r) => r,
        Err(e) => {
            eprint!("{}", e.render(&ev.sources));
            return Ok(None);
        }
    };
    let plan = state.plan.borrow();
    let mut roots = Vec::new();
    for (attr, drv_path, output) in found {
        let step = plan
            .step_by_drv_path(&drv_path)
            .with_context(|| format!("{drv_path} is not a step of this evaluation"))?;
        let out = step
            .outputs
            .get(&output)
            .with_context(|| format!("step {} has no output {output}", step.name))?;
        roots.push(Root {
            attr,
            step: step.hash.clone(),
            output,
            path: StorePath::parse(out)?,
        });
    }
    let hashes: Vec<String> = roots.iter().map(|r| r.step.clone()).collect();
    let steps: Vec<Step> = plan
        .closure_in_order(&hashes)
        .into_iter()
        .cloned()
        .collect();
    // Our own handle on the store; the evaluation's ends with this thread, so the sources it
    // imported become our temporary roots first.
    let eval_store = state.store().map_err(anyhow::Error::msg)?;
    let store = Store::open(eval_store.root())?;
    for s in &steps {
        for src in &s.input_sources {
            if let Ok(p) = StorePath::parse(src) {
                store.add_temp_root(&p)?;
            }
        }
    }
    Ok(Some(Evaluated {
        steps,
        roots,
        store,
    }))
}
