//! `kiln sandbox exec`: runs one command in a container, for tests and benchmarks.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};

use crate::sandbox::{self, Bind, ContainerSpec, Network, Stream};

/// Hidden developer commands of the container runtime.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Run a command in a container; exits with its status (124 on timeout).
    Exec(ExecArgs),
}

/// Arguments of `kiln sandbox exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// A root filesystem layer (bottom first); repeatable.
    #[arg(long = "layer", value_name = "DIR")]
    layers: Vec<PathBuf>,
    /// Bind a host path read-only: HOST[:TARGET].
    #[arg(long = "ro-bind", value_name = "HOST[:TARGET]")]
    ro_binds: Vec<String>,
    /// Bind a host path read-write: HOST[:TARGET].
    #[arg(long = "rw-bind", value_name = "HOST[:TARGET]")]
    rw_binds: Vec<String>,
    /// An empty writable tmpfs at DIR.
    #[arg(long = "tmpfs", value_name = "DIR")]
    tmpfs: Vec<PathBuf>,
    /// The host's store folder, for --store-path.
    #[arg(long, value_name = "DIR")]
    store_dir: Option<PathBuf>,
    /// A store entry to mount at /kiln/store/NAME.
    #[arg(long = "store-path", value_name = "NAME")]
    store_paths: Vec<String>,
    /// An environment variable of the command (nothing else is passed).
    #[arg(long = "env", value_name = "K=V")]
    env: Vec<String>,
    /// Working directory inside the container.
    #[arg(long, default_value = "/")]
    cwd: PathBuf,
    /// Network: only loopback (default) or the host's.
    #[arg(long, value_enum, default_value = "loopback")]
    network: NetworkArg,
    /// Kill the container after SECS seconds.
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Memory limit in bytes.
    #[arg(long, value_name = "BYTES")]
    memory_max: Option<u64>,
    /// Maximum number of processes.
    #[arg(long, value_name = "N")]
    pids_max: Option<u64>,
    /// User id inside the container.
    #[arg(long, default_value_t = sandbox::BUILD_UID)]
    uid: u32,
    /// Group id inside the container.
    #[arg(long, default_value_t = sandbox::BUILD_GID)]
    gid: u32,
    /// Keep the layers' /etc/passwd, /etc/group and /etc/hosts instead of generating them.
    #[arg(long)]
    keep_etc: bool,
    /// Connect the command's stdin to ours instead of /dev/null.
    #[arg(long)]
    stdin: bool,
    /// Send the command's stdout and stderr to FILE (appending) instead of ours.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Become the helper instead of re-executing kiln (this command is single-threaded): what a
    /// pre-forked helper would cost per container. Ignored with --memory-max/--pids-max.
    #[arg(long)]
    direct: bool,
    /// Print the outcome as JSON on stderr.
    #[arg(long)]
    report: bool,
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "CMD")]
    argv: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum NetworkArg {
    Loopback,
    Host,
}

/// Runs a `kiln sandbox` subcommand.
pub fn run(cmd: SandboxCommand) -> Result<ExitCode> {
    match cmd {
        SandboxCommand::Exec(args) => exec(args),
    }
}

fn parse_bind(arg: &str, writable: bool) -> Result<Bind> {
    let (host, target) = arg.split_once(':').unwrap_or((arg, arg));
    Ok(Bind {
        host: std::path::absolute(host).with_context(|| format!("bind source {host}"))?,
        target: PathBuf::from(target),
        writable,
    })
}

fn exec(args: ExecArgs) -> Result<ExitCode> {
    let mut spec = ContainerSpec::new(args.argv);
    spec.layers = args
        .layers
        .iter()
        .map(|l| std::path::absolute(l).with_context(|| format!("layer {}", l.display())))
        .collect::<Result<_>>()?;
    for b in &args.ro_binds {
        spec.binds.push(parse_bind(b, false)?);
    }
    for b in &args.rw_binds {
        spec.binds.push(parse_bind(b, true)?);
    }
    spec.tmpfs = args.tmpfs;
    spec.store_dir = args.store_dir;
    spec.store_paths = args.store_paths;
    for kv in &args.env {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--env {kv}: expected K=V");
        };
        spec.env.push((k.into(), v.into()));
    }
    spec.cwd = args.cwd;
    spec.network = match args.network {
        NetworkArg::Loopback => Network::LoopbackOnly,
        NetworkArg::Host => Network::Host,
    };
    spec.timeout = args.timeout.map(Duration::from_secs_f64);
    spec.limits.memory = args.memory_max;
    spec.limits.pids = args.pids_max;
    spec.uid = args.uid;
    spec.gid = args.gid;
    spec.generate_etc = !args.keep_etc;
    spec.stdio.stdin = if args.stdin {
        Stream::Inherit
    } else {
        Stream::Null
    };
    if let Some(path) = &args.log {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("open log {}", path.display()))?;
        spec.stdio.stdout = Stream::File(log.try_clone()?);
        spec.stdio.stderr = Stream::File(log);
    } else {
        spec.stdio.stdout = Stream::Inherit;
        spec.stdio.stderr = Stream::Inherit;
    }

    let outcome = if args.direct {
        sandbox::run_in_this_process(&spec)?
    } else {
        sandbox::run(&spec)?
    };
    if args.report {
        eprintln!("{}", serde_json::to_string(&outcome)?);
    }
    if outcome.timed_out {
        eprintln!(
            "kiln: sandbox: killed after the timeout of {}s",
            args.timeout.unwrap_or_default()
        );
        return Ok(ExitCode::from(124));
    }
    Ok(ExitCode::from(outcome.status.code().clamp(0, 255) as u8))
}
