//! The container runtime: runs one command in fresh Linux namespaces (user, mount, pid, uts, ipc
//! and, unless asked otherwise, network) with a root filesystem assembled from layers and binds.
//!
//! # Architecture invariants
//! - This is the only module that makes namespace or mount system calls, and all `unsafe` code of
//!   kiln lives in [`sys`].
//! - Nothing here forks the calling process: [`spawn`] re-executes `/proc/self/exe` as the
//!   single-threaded helper `kiln __sandbox-init` (see [`enter_helper_if_requested`], which `main`
//!   calls before anything else), so callers may be multi-threaded (tokio).
//! - The spec is plain data; the helper receives it as JSON over a socket and answers with an
//!   [`Outcome`] or an error. Processes: caller → helper (outside the namespaces, enforces the
//!   timeout) → pid 1 of the new pid namespace (builds the root, reaps, forwards signals) → the
//!   command.
//!
//! `docs/sandbox.md` describes what the command sees.

mod cgroup;
mod helper;
mod mounts;
mod seccomp;
mod sys;

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Once;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use helper::enter_helper_if_requested;

/// The overlayfs stacking limit of the kernel (500 lower layers), minus the one that kiln adds on
/// top for mount points and generated `/etc` files.
pub const MAX_LAYERS: usize = 499;

/// Everything a container is made of. Plain data: the caller fills it in, [`run`] or [`spawn`]
/// starts it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ContainerSpec {
    /// Directories merged read-only with overlayfs at `/`, bottom layer first. May be empty: the
    /// root is then an empty read-only tmpfs holding only the mount points below.
    pub layers: Vec<PathBuf>,
    /// Host paths mounted into the container, in addition to the layers.
    pub binds: Vec<Bind>,
    /// Extra empty, writable tmpfs directories (for example `/build` when it need not survive).
    pub tmpfs: Vec<PathBuf>,
    /// Host folder of the store; each of `store_paths` is bind-mounted read-only from it at
    /// `/kiln/store/<name>`.
    pub store_dir: Option<PathBuf>,
    /// Names (not paths) of store entries to mount, for example `<hash>-hello`.
    pub store_paths: Vec<String>,
    /// The command's environment, exactly: nothing is inherited or added.
    pub env: Vec<(String, String)>,
    /// The command and its arguments. A name without `/` is looked up in the `PATH` of `env`.
    pub argv: Vec<String>,
    /// Working directory of the command, inside the container.
    pub cwd: PathBuf,
    /// Host name (and nothing else) of the container's UTS namespace.
    pub hostname: String,
    /// Whether the container gets its own network namespace.
    pub network: Network,
    /// Kill the whole container after this long and report `timed_out`.
    pub timeout: Option<Duration>,
    /// Resource limits.
    pub limits: Limits,
    /// User id of the command inside the container; the caller's uid maps to it.
    pub uid: u32,
    /// Group id of the command inside the container; the caller's gid maps to it.
    pub gid: u32,
    /// Write `/etc/passwd`, `/etc/group` and `/etc/hosts`, hiding those of the layers.
    pub generate_etc: bool,
    /// Where the command's standard streams go. Not sent to the helper: the helper inherits them.
    #[serde(skip)]
    pub stdio: Stdio,
}

/// The build user inside containers: uid 1000, gid 1000 (see `docs/sandbox.md`).
pub const BUILD_UID: u32 = 1000;
/// See [`BUILD_UID`].
pub const BUILD_GID: u32 = 1000;

impl ContainerSpec {
    /// A spec for `argv` with the defaults of a build step: no layers, no binds, empty
    /// environment, cwd `/`, hostname `localhost`, loopback-only network, no timeout or limits,
    /// the build user, generated `/etc` files, stdin `/dev/null` and inherited stdout/stderr.
    pub fn new(argv: Vec<String>) -> Self {
        ContainerSpec {
            layers: Vec::new(),
            binds: Vec::new(),
            tmpfs: Vec::new(),
            store_dir: None,
            store_paths: Vec::new(),
            env: Vec::new(),
            argv,
            cwd: PathBuf::from("/"),
            hostname: "localhost".into(),
            network: Network::LoopbackOnly,
            timeout: None,
            limits: Limits::default(),
            uid: BUILD_UID,
            gid: BUILD_GID,
            generate_etc: true,
            stdio: Stdio::default(),
        }
    }

    /// Checks the spec without touching the system: absolute paths, no `..`, layer count.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let bad = |msg: String| Err(SandboxError::InvalidSpec(msg));
        if self.argv.is_empty() {
            return bad("argv is empty".into());
        }
        if self.layers.len() > MAX_LAYERS {
            return bad(format!(
                "{} layers: overlayfs stacks at most {MAX_LAYERS} here, merge layers first",
                self.layers.len()
            ));
        }
        for layer in &self.layers {
            if !layer.is_absolute() {
                return bad(format!("layer {} is not an absolute path", layer.display()));
            }
        }
        for bind in &self.binds {
            if !bind.host.is_absolute() {
                return bad(format!(
                    "bind source {} is not absolute",
                    bind.host.display()
                ));
            }
            check_target(&bind.target)?;
        }
        for dir in &self.tmpfs {
            check_target(dir)?;
        }
        if !self.store_paths.is_empty() && self.store_dir.is_none() {
            return bad("store_paths given without store_dir".into());
        }
        for name in &self.store_paths {
            if name.is_empty() || name.contains('/') || name == "." || name == ".." {
                return bad(format!("store path name {name:?} is not a plain name"));
            }
        }
        if !self.cwd.is_absolute() {
            return bad(format!("cwd {} is not absolute", self.cwd.display()));
        }
        for (key, value) in &self.env {
            if key.is_empty() || key.contains('=') || key.contains('\0') || value.contains('\0') {
                return bad(format!("environment variable {key:?} is malformed"));
            }
        }
        if self.argv.iter().any(|a| a.contains('\0')) {
            return bad("argv contains a NUL byte".into());
        }
        Ok(())
    }
}

/// A mount target must be absolute, normalised, and not `/` itself.
fn check_target(target: &Path) -> Result<(), SandboxError> {
    let ok = target.is_absolute()
        && target.components().count() > 1
        && target
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
    if ok {
        Ok(())
    } else {
        Err(SandboxError::InvalidSpec(format!(
            "mount target {} must be an absolute path below / without . or ..",
            target.display()
        )))
    }
}

/// A host path mounted into the container.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bind {
    /// Absolute path on the host (a file or a directory; symlinks are followed).
    pub host: PathBuf,
    /// Absolute path inside the container.
    pub target: PathBuf,
    /// Mount read-write; otherwise read-only (recursively).
    pub writable: bool,
}

/// Network isolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Network {
    /// A new network namespace with only `lo` (up).
    LoopbackOnly,
    /// Share the host's network (fixed-output fetches); `/etc/resolv.conf` comes from the host.
    Host,
}

/// Resource limits. Enforced with cgroups as root; see [`Outcome::limits_enforced`].
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Limits {
    /// Memory limit in bytes (cgroup memory controller; needs root on this machine).
    pub memory: Option<u64>,
    /// Maximum number of processes (cgroup pids controller as root, `RLIMIT_NPROC` in the
    /// container's own user namespace otherwise).
    pub pids: Option<u64>,
}

/// Where the command's standard streams go.
#[derive(Debug, Default)]
pub struct Stdio {
    /// Standard input; builds use [`Stream::Null`].
    pub stdin: Stream,
    /// Standard output.
    pub stdout: Stream,
    /// Standard error.
    pub stderr: Stream,
}

/// One standard stream of the command.
#[derive(Debug, Default)]
pub enum Stream {
    /// `/dev/null`.
    #[default]
    Null,
    /// The caller's own stream.
    Inherit,
    /// An open file, pipe or socket (for example a build log).
    File(File),
}

impl Stream {
    fn to_std(&self) -> Result<std::process::Stdio, SandboxError> {
        Ok(match self {
            Stream::Null => std::process::Stdio::null(),
            Stream::Inherit => std::process::Stdio::inherit(),
            Stream::File(f) => f.try_clone().map_err(SandboxError::Spawn)?.into(),
        })
    }
}

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExitStatus {
    /// It exited with this code.
    Exited(i32),
    /// A signal killed it.
    Signaled(i32),
}

impl ExitStatus {
    /// Whether the command exited with code 0.
    #[allow(dead_code)] // for the scheduler (issue 4, item 5)
    pub fn success(self) -> bool {
        self == ExitStatus::Exited(0)
    }

    /// The shell convention: the exit code, or 128 + the signal number.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Exited(code) => code,
            ExitStatus::Signaled(sig) => 128 + sig,
        }
    }
}

/// What happened to a container.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    /// How the command (the container's main process) ended.
    pub status: ExitStatus,
    /// The timeout expired and the container was killed.
    pub timed_out: bool,
    /// The container was stopped through [`StopHandle::stop`] or because the caller went away.
    pub stopped: bool,
    /// The cgroup memory controller killed a process for exceeding the memory limit.
    pub oom_killed: bool,
    /// Whether all requested limits were enforced (false when running rootless without cgroups).
    pub limits_enforced: bool,
    /// Wall time from the helper's namespace setup to the end of the container.
    pub elapsed: Duration,
}

/// Failures of the container runtime itself (not of the command, which is an [`Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The spec is inconsistent.
    #[error("invalid container spec: {0}")]
    InvalidSpec(String),
    /// The helper process could not be started.
    #[error("start sandbox helper /proc/self/exe: {0}")]
    Spawn(#[source] io::Error),
    /// The helper broke the protocol or died without answering.
    #[error("sandbox helper: {0}")]
    Helper(String),
    /// Building the container failed (namespaces, mounts, pivot_root...).
    #[error("sandbox setup: {0}")]
    Setup(String),
    /// The command could not be started inside the container.
    #[error("cannot run {argv0} in the sandbox: {what}: {errno}")]
    Exec {
        /// The command as given.
        argv0: String,
        /// The step that failed, such as `execve` or `chdir /build`.
        what: String,
        /// The error.
        errno: nix::errno::Errno,
    },
    /// Creating or configuring a cgroup failed.
    #[error(transparent)]
    Cgroup(#[from] cgroup::CgroupError),
}

/// The request the caller sends to the helper.
#[derive(Serialize, Deserialize)]
struct Request {
    /// The caller's pid: the helper exits if it was re-parented before arming its death signal.
    parent_pid: u32,
    /// Limits the caller could not enforce with cgroups, for the helper to approximate.
    rlimit_pids: Option<u64>,
    spec: ContainerSpec,
}

/// The helper's answer.
#[derive(Serialize, Deserialize)]
enum Reply {
    Done(Outcome),
    Setup(String),
    Exec { what: String, errno: i32 },
}

/// Byte the caller sends to the helper to stop the container.
const STOP: u8 = b'k';

/// A running container, started by [`spawn`].
#[derive(Debug)]
pub struct Running {
    helper: Child,
    sock: UnixStream,
    cgroup: Option<cgroup::Group>,
    limits_enforced: bool,
    argv0: String,
}

/// Stops a running container from another thread; see [`Running::stop_handle`].
#[allow(dead_code)] // for the scheduler's Ctrl-C handling (issue 4, item 5)
#[derive(Debug)]
pub struct StopHandle(UnixStream);

#[allow(dead_code)] // for the scheduler's Ctrl-C handling (issue 4, item 5)
impl StopHandle {
    /// Kills every process of the container. [`Running::wait`] then returns with `stopped` set.
    pub fn stop(&self) -> io::Result<()> {
        (&self.0).write_all(&[STOP])
    }
}

static ROOTLESS_NOTICE: Once = Once::new();

/// Starts a container and returns without waiting for it. The calling thread must outlive the
/// container: the helper dies with it (`PR_SET_PDEATHSIG` tracks the parent thread).
pub fn spawn(spec: &ContainerSpec) -> Result<Running, SandboxError> {
    spec.validate()?;
    let wants_limits = spec.limits.memory.is_some() || spec.limits.pids.is_some();
    let cgroup = if wants_limits && nix::unistd::geteuid().is_root() {
        cgroup::Group::create(&spec.limits)?
    } else {
        None
    };
    let rlimit_pids = if cgroup.is_none() {
        spec.limits.pids
    } else {
        None
    };
    let limits_enforced = !wants_limits || cgroup.is_some() || spec.limits.memory.is_none();
    if !limits_enforced {
        ROOTLESS_NOTICE.call_once(|| {
            eprintln!(
                "kiln: notice: memory limits need cgroups, which this user cannot configure here \
                 (root with cgroup v1/v2 controllers, or a delegated cgroup v2 subtree); \
                 containers run without a memory limit"
            )
        });
    }

    let (sock, helper_sock) = UnixStream::pair().map_err(SandboxError::Spawn)?;
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg0("kiln-sandbox")
        .arg(helper::HELPER_ARG)
        .env_clear()
        .stdin(spec.stdio.stdin.to_std()?)
        .stdout(spec.stdio.stdout.to_std()?)
        .stderr(spec.stdio.stderr.to_std()?);
    sys::pass_fd(&mut cmd, helper_sock.as_raw_fd(), helper::SOCKET_FD);
    let helper = cmd.spawn().map_err(SandboxError::Spawn)?;
    drop(helper_sock);
    let mut running = Running {
        helper,
        sock,
        cgroup,
        limits_enforced,
        argv0: spec.argv[0].clone(),
    };
    if let Some(group) = &running.cgroup {
        // The helper blocks on the request, so it is in the cgroup before it forks.
        if let Err(err) = group.add(running.helper.id()) {
            let _ = running.helper.kill();
            let _ = running.helper.wait();
            return Err(err.into());
        }
    }
    let request = Request {
        parent_pid: std::process::id(),
        rlimit_pids,
        spec: ContainerSpec {
            stdio: Stdio::default(),
            ..clone_plain(spec)
        },
    };
    let body = serde_json::to_vec(&request).expect("container spec serialises");
    let sent = (|| {
        running.sock.write_all(&(body.len() as u32).to_le_bytes())?;
        running.sock.write_all(&body)
    })();
    if let Err(err) = sent {
        let _ = running.helper.kill();
        let _ = running.helper.wait();
        return Err(SandboxError::Helper(format!("send the spec: {err}")));
    }
    Ok(running)
}

/// A copy of the serialisable part of a spec.
fn clone_plain(spec: &ContainerSpec) -> ContainerSpec {
    ContainerSpec {
        layers: spec.layers.clone(),
        binds: spec.binds.clone(),
        tmpfs: spec.tmpfs.clone(),
        store_dir: spec.store_dir.clone(),
        store_paths: spec.store_paths.clone(),
        env: spec.env.clone(),
        argv: spec.argv.clone(),
        cwd: spec.cwd.clone(),
        hostname: spec.hostname.clone(),
        network: spec.network,
        timeout: spec.timeout,
        limits: spec.limits,
        uid: spec.uid,
        gid: spec.gid,
        generate_etc: spec.generate_etc,
        stdio: Stdio::default(),
    }
}

impl Running {
    /// A handle that stops the container from another thread.
    #[allow(dead_code)] // for the scheduler's Ctrl-C handling (issue 4, item 5)
    pub fn stop_handle(&self) -> io::Result<StopHandle> {
        self.sock.try_clone().map(StopHandle)
    }

    /// Waits for the container to end.
    pub fn wait(mut self) -> Result<Outcome, SandboxError> {
        let mut answer = Vec::new();
        let read = self.sock.read_to_end(&mut answer);
        let status = self.helper.wait();
        let oom_killed = self.cgroup.as_ref().is_some_and(|g| g.oom_killed());
        if let Some(group) = self.cgroup.take() {
            group.remove();
        }
        read.map_err(|e| SandboxError::Helper(format!("read the reply: {e}")))?;
        let status = status.map_err(|e| SandboxError::Helper(format!("wait: {e}")))?;
        let reply: Reply = serde_json::from_slice(&answer)
            .map_err(|_| SandboxError::Helper(format!("ended ({status}) without a valid reply")))?;
        let mut outcome = reply.into_result(std::mem::take(&mut self.argv0))?;
        outcome.oom_killed |= oom_killed;
        outcome.limits_enforced = self.limits_enforced;
        Ok(outcome)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Dropped before `wait` finished: kill the helper; pid 1 follows through its death
        // signal and takes the whole pid namespace with it. After `wait` these are no-ops.
        let _ = self.helper.kill();
        let _ = self.helper.wait();
        if let Some(group) = self.cgroup.take() {
            group.remove();
        }
    }
}

/// Runs a container to completion from this very process, skipping the helper's re-exec (about
/// 1 ms): the process itself becomes the helper and enters the new user namespace. Only for
/// single-threaded callers that end afterwards, such as `kiln sandbox exec`; a multi-threaded
/// caller gets an `unshare` error (EINVAL). The command's streams are set up by dup2(2) on this
/// process's own 0, 1 and 2. Specs with cgroup limits go through [`run`] instead.
pub fn run_in_this_process(spec: &ContainerSpec) -> Result<Outcome, SandboxError> {
    spec.validate()?;
    if spec.limits.memory.is_some() || spec.limits.pids.is_some() {
        return run(spec);
    }
    let dup = |stream: &Stream, fd: i32| -> Result<(), SandboxError> {
        let file = match stream {
            Stream::Inherit => return Ok(()),
            Stream::Null => File::options()
                .read(fd == 0)
                .write(fd != 0)
                .open("/dev/null")
                .map_err(SandboxError::Spawn)?,
            Stream::File(f) => f.try_clone().map_err(SandboxError::Spawn)?,
        };
        let done = match fd {
            0 => nix::unistd::dup2_stdin(&file),
            1 => nix::unistd::dup2_stdout(&file),
            _ => nix::unistd::dup2_stderr(&file),
        };
        done.map_err(|e| SandboxError::Spawn(e.into()))
    };
    dup(&spec.stdio.stdin, 0)?;
    dup(&spec.stdio.stdout, 1)?;
    dup(&spec.stdio.stderr, 2)?;
    let request = Request {
        parent_pid: std::process::id(),
        rlimit_pids: None,
        spec: clone_plain(spec),
    };
    match helper::contain(&request, None) {
        Ok(reply) => reply.into_result(spec.argv[0].clone()),
        Err(msg) => Err(SandboxError::Setup(msg)),
    }
}

impl Reply {
    fn into_result(self, argv0: String) -> Result<Outcome, SandboxError> {
        match self {
            Reply::Done(outcome) => Ok(outcome),
            Reply::Setup(msg) => Err(SandboxError::Setup(msg)),
            Reply::Exec { what, errno } => Err(SandboxError::Exec {
                argv0,
                what,
                errno: nix::errno::Errno::from_raw(errno),
            }),
        }
    }
}

/// Runs a container to completion: [`spawn`] then [`Running::wait`].
pub fn run(spec: &ContainerSpec) -> Result<Outcome, SandboxError> {
    spawn(spec)?.wait()
}
