//! The processes behind [`super::spawn`]:
//!
//! 1. the **helper** (`kiln __sandbox-init`, re-executed from `/proc/self/exe`, single-threaded):
//!    reads the request, unshares the namespaces, writes its own id maps, forks pid 1, then
//!    supervises it (timeout, stop requests) and answers the caller;
//! 2. **pid 1** of the new pid namespace: builds the root filesystem, forks the command, reaps
//!    zombies, forwards signals, reports the command's status and exits with it — which makes the
//!    kernel kill everything left in the namespace;
//! 3. the **command**: new session, its own user namespace mapping the build uid, seccomp, exec.

use std::ffi::{CString, OsStr};
use std::fmt::Display;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sched::{unshare, CloneFlags};
use nix::sys::prctl;
use nix::sys::resource::{setrlimit, Resource};
use nix::sys::signal::{kill, SigSet, Signal};
use nix::sys::stat::{umask, Mode};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{chdir, execve, getgid, getppid, getuid, pipe2, setsid, Pid};
use serde::{Deserialize, Serialize};

use super::sys::{self, Forked};
use super::{mounts, seccomp, ExitStatus, Network, Outcome, Reply, Request, STOP};

/// The hidden first argument that turns `kiln` into the helper.
pub(super) const HELPER_ARG: &str = "__sandbox-init";
/// The descriptor on which the helper finds its socket to the caller.
pub(super) const SOCKET_FD: RawFd = 3;

/// Signals that pid 1 passes on to the command instead of ignoring them.
const FORWARDED: [Signal; 7] = [
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
];

/// Becomes the sandbox helper, and never returns, if this process was started as
/// `kiln __sandbox-init`. `main` must call this first, before any thread or runtime starts:
/// `unshare(CLONE_NEWUSER)` fails in a multi-threaded process (unshare(2)).
pub fn enter_helper_if_requested() {
    if std::env::args_os().nth(1).as_deref() == Some(OsStr::new(HELPER_ARG)) {
        helper_main()
    }
}

/// Adds context to an error, giving the lower-case messages the helper reports.
trait Ctx<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T, String>;
}

impl<T, E: Display> Ctx<T> for Result<T, E> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T, String> {
        self.map_err(|e| format!("{}: {e}", what()))
    }
}

/// What pid 1 tells the helper just before it exits.
#[derive(Serialize, Deserialize)]
enum InitReport {
    Setup(String),
    Exec { what: String, errno: i32 },
    Done(ExitStatus),
}

/// Everything prepared before the namespaces exist, while the host is still visible.
struct Prepared {
    plan: mounts::Plan,
    filters: Vec<seccompiler::BpfProgram>,
    argv: Vec<CString>,
    env: Vec<CString>,
    candidates: Vec<CString>,
}

impl Prepared {
    fn new(req: &Request) -> Result<Prepared, String> {
        let spec = &req.spec;
        let cstring = |s: String| CString::new(s).ctx(|| "argument with a NUL byte".into());
        let argv = spec
            .argv
            .iter()
            .map(|a| cstring(a.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let env = spec
            .env
            .iter()
            .map(|(k, v)| cstring(format!("{k}={v}")))
            .collect::<Result<Vec<_>, _>>()?;
        let prog = &spec.argv[0];
        let candidates = if prog.contains('/') {
            vec![cstring(prog.clone())?]
        } else {
            // execvp(3) semantics, but with the container's PATH rather than ours.
            let path = spec
                .env
                .iter()
                .rev()
                .find(|(k, _)| k == "PATH")
                .map_or("/usr/local/bin:/usr/bin:/bin", |(_, v)| v.as_str());
            path.split(':')
                .map(|dir| if dir.is_empty() { "." } else { dir })
                .map(|dir| cstring(format!("{dir}/{prog}")))
                .collect::<Result<Vec<_>, _>>()?
        };
        Ok(Prepared {
            plan: mounts::Plan::new(spec)?,
            filters: seccomp::filters()?,
            argv,
            env,
            candidates,
        })
    }
}

fn helper_main() -> ! {
    let Some(fd) = sys::take_inherited_fd(SOCKET_FD) else {
        eprintln!("kiln: {HELPER_ARG} is internal to the sandbox and not meant to be run by hand");
        std::process::exit(2);
    };
    let mut sock = UnixStream::from(fd);
    // Descriptors a careless caller leaked must not reach the container.
    let _ = sys::cloexec_from(SOCKET_FD as u32 + 1);
    let request = match read_request(&mut sock) {
        Ok(request) => request,
        Err(_) => std::process::exit(2),
    };
    // Die with the caller (prctl(2) PR_SET_PDEATHSIG); if it already died, we were re-parented.
    if prctl::set_pdeathsig(Signal::SIGKILL).is_err()
        || getppid().as_raw() as u32 != request.parent_pid
    {
        std::process::exit(1);
    }
    let reply = match contain(&request, Some(&sock)) {
        Ok(outcome) => outcome,
        Err(msg) => Reply::Setup(msg),
    };
    let body = serde_json::to_vec(&reply).expect("reply serialises");
    let _ = sock.write_all(&body);
    std::process::exit(0)
}

fn read_request(sock: &mut UnixStream) -> std::io::Result<Request> {
    let mut len = [0u8; 4];
    sock.read_exact(&mut len)?;
    let mut body = vec![0u8; u32::from_le_bytes(len) as usize];
    sock.read_exact(&mut body)?;
    Ok(serde_json::from_slice(&body)?)
}

/// Writes `/proc/self/{setgroups,uid_map,gid_map}` in the order user_namespaces(7) requires:
/// `setgroups` must say `deny` before an unprivileged process may write `gid_map`.
fn write_id_maps(
    inside_uid: u32,
    outside_uid: u32,
    inside_gid: u32,
    outside_gid: u32,
) -> Result<(), String> {
    match fs::write("/proc/self/setgroups", "deny") {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("write /proc/self/setgroups: {e}"))
        }
        _ => {}
    }
    fs::write(
        "/proc/self/uid_map",
        format!("{inside_uid} {outside_uid} 1\n"),
    )
    .ctx(|| "write /proc/self/uid_map".into())?;
    fs::write(
        "/proc/self/gid_map",
        format!("{inside_gid} {outside_gid} 1\n"),
    )
    .ctx(|| "write /proc/self/gid_map".into())
}

/// The helper's work: namespaces, pid 1, supervision. `sock` is the caller's socket, on which
/// it may ask to stop the container; without one (in-process use) the container runs to its end.
pub(super) fn contain(req: &Request, sock: Option<&UnixStream>) -> Result<Reply, String> {
    let start = Instant::now();
    let spec = &req.spec;
    let prepared = Prepared::new(req)?;
    let (uid, gid) = (getuid(), getgid());
    if uid.is_root() {
        // Only root can drop supplementary groups, and only before the user namespace exists
        // (afterwards setgroups is denied). Rootless callers keep theirs, shown as nogroup.
        nix::unistd::setgroups(&[]).ctx(|| "setgroups([])".into())?;
    }
    let mut flags = CloneFlags::CLONE_NEWUSER
        | CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWPID
        | CloneFlags::CLONE_NEWUTS
        | CloneFlags::CLONE_NEWIPC;
    if spec.network == Network::LoopbackOnly {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    // unshare(2): the new user namespace owns the others, and we hold all capabilities in it.
    // EINVAL here means the process has several threads.
    unshare(flags).ctx(|| format!("unshare({flags:?})"))?;
    // Map the caller to uid/gid 0 of the outer namespace, which builds the container. The
    // command then enters a nested namespace mapping 0 to the build user (see `command`).
    write_id_maps(0, uid.as_raw(), 0, gid.as_raw())?;

    let (status_r, status_w) = pipe2(OFlag::O_CLOEXEC).ctx(|| "pipe2".into())?;
    let (life_r, life_w) = pipe2(OFlag::O_CLOEXEC).ctx(|| "pipe2".into())?;
    // CLONE_NEWPID applies to children: this one is pid 1 of the new namespace.
    let pid1 = match sys::fork().ctx(|| "fork pid 1".into())? {
        Forked::Child => {
            drop(status_r);
            drop(life_w);
            pid1_main(req, &prepared, status_w, life_r)
        }
        Forked::Parent(pid) => pid,
    };
    drop(status_w);
    drop(life_r);
    let supervised = supervise(pid1, status_r, sock, spec.timeout);
    drop(life_w);
    let Supervised {
        report,
        timed_out,
        stopped,
    } = supervised?;
    let elapsed = start.elapsed();
    let killed = timed_out || stopped;
    let status = match serde_json::from_slice::<InitReport>(&report) {
        Ok(InitReport::Done(status)) => status,
        Ok(InitReport::Setup(msg)) => return Ok(Reply::Setup(msg)),
        Ok(InitReport::Exec { what, errno }) => return Ok(Reply::Exec { what, errno }),
        Err(_) if killed => ExitStatus::Signaled(Signal::SIGKILL as i32),
        Err(_) => {
            return Err(format!(
                "container init (pid {pid1}) died without reporting the command's status"
            ))
        }
    };
    Ok(Reply::Done(Outcome {
        status,
        timed_out,
        stopped,
        oom_killed: false,
        limits_enforced: true,
        elapsed,
    }))
}

struct Supervised {
    report: Vec<u8>,
    timed_out: bool,
    stopped: bool,
}

/// Waits for pid 1 to report and exit, killing it (and with it the whole pid namespace) when
/// the deadline passes or the caller asks or goes away.
fn supervise(
    pid1: Pid,
    status_r: OwnedFd,
    sock: Option<&UnixStream>,
    timeout: Option<Duration>,
) -> Result<Supervised, String> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut status = File::from(status_r);
    let mut out = Supervised {
        report: Vec::new(),
        timed_out: false,
        stopped: false,
    };
    let mut killed = false;
    loop {
        let mut wait = PollTimeout::NONE;
        if let (Some(deadline), false) = (deadline, killed) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let _ = kill(pid1, Signal::SIGKILL);
                out.timed_out = true;
                killed = true;
                continue;
            }
            let ms = left.as_millis().saturating_add(1).min(i32::MAX as u128) as i32;
            wait = PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX);
        }
        let mut fds = vec![PollFd::new(status.as_fd(), PollFlags::POLLIN)];
        if let (Some(sock), false) = (sock, killed) {
            fds.push(PollFd::new(sock.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, wait) {
            Err(Errno::EINTR) | Ok(0) => continue,
            Err(e) => return Err(format!("poll: {e}")),
            Ok(_) => {}
        }
        let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
        let status_ready = ready(&fds[0]);
        let sock_ready = fds.get(1).is_some_and(ready);
        drop(fds);
        if sock_ready {
            // A stop byte, or EOF because the caller dropped its handle or died.
            let mut byte = [0u8; 1];
            let n = sock.map_or(Ok(0), |mut s| s.read(&mut byte)).unwrap_or(0);
            if n == 0 || byte[0] == STOP {
                let _ = kill(pid1, Signal::SIGKILL);
                out.stopped = true;
                killed = true;
            }
        }
        if status_ready {
            let mut buf = [0u8; 4096];
            match status.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.report.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("read the report of pid 1: {e}")),
            }
        }
    }
    while let Err(Errno::EINTR) = waitpid(pid1, None) {}
    Ok(out)
}

/// Pid 1 of the container. Never returns.
fn pid1_main(req: &Request, prepared: &Prepared, status_w: OwnedFd, life_r: OwnedFd) -> ! {
    let report = pid1(req, prepared, life_r);
    let mut status = File::from(status_w);
    let _ = status.write_all(&serde_json::to_vec(&report).expect("report serialises"));
    std::process::exit(0)
}

fn pid1(req: &Request, prepared: &Prepared, life_r: OwnedFd) -> InitReport {
    let spec = &req.spec;
    // Die with the helper. If it died before the death signal was armed, the other end of the
    // life pipe is already closed and poll(2) reports POLLHUP at once.
    let mut life = [PollFd::new(life_r.as_fd(), PollFlags::POLLIN)];
    if prctl::set_pdeathsig(Signal::SIGKILL).is_err()
        || poll(&mut life, PollTimeout::ZERO).map_or(true, |n| n > 0)
    {
        std::process::exit(1);
    }
    if let Err(msg) = setup(spec, prepared) {
        return InitReport::Setup(msg);
    }

    // Block the signals we handle synchronously before forking, so none is lost; the command
    // unblocks them (the mask survives execve(2)).
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGCHLD);
    for sig in FORWARDED {
        mask.add(sig);
    }
    if let Err(e) = mask.thread_block() {
        return InitReport::Setup(format!("sigprocmask: {e}"));
    }
    let (err_r, err_w) = match pipe2(OFlag::O_CLOEXEC) {
        Ok(pair) => pair,
        Err(e) => return InitReport::Setup(format!("pipe2: {e}")),
    };
    let child = match sys::fork() {
        Ok(Forked::Child) => {
            drop(err_r);
            command_main(req, prepared, err_w)
        }
        Ok(Forked::Parent(child)) => child,
        Err(e) => return InitReport::Setup(format!("fork the command: {e}")),
    };
    drop(err_w);
    // The close-on-exec pipe reads EOF once execve succeeded, or the reason it did not.
    let mut failure = Vec::new();
    let _ = File::from(err_r).read_to_end(&mut failure);
    if !failure.is_empty() {
        let _ = waitpid(child, None);
        let (what, errno) = serde_json::from_slice::<(String, i32)>(&failure)
            .unwrap_or_else(|_| ("start the command".into(), Errno::EIO as i32));
        return InitReport::Exec { what, errno };
    }
    loop {
        match mask.wait() {
            Ok(Signal::SIGCHLD) => loop {
                // Reap everything; only the command's end ends the container.
                match waitpid(None::<Pid>, Some(WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::Exited(pid, code)) if pid == child => {
                        return InitReport::Done(ExitStatus::Exited(code))
                    }
                    Ok(WaitStatus::Signaled(pid, sig, _)) if pid == child => {
                        return InitReport::Done(ExitStatus::Signaled(sig as i32))
                    }
                    Ok(WaitStatus::StillAlive) | Err(_) => break,
                    Ok(_) => continue,
                }
            },
            Ok(sig) => {
                let _ = kill(child, sig);
            }
            Err(_) => {}
        }
    }
}

/// The parts of pid 1's setup that need its namespaces: the root, the host name, `lo`.
fn setup(spec: &super::ContainerSpec, prepared: &Prepared) -> Result<(), String> {
    mounts::setup(&prepared.plan)?;
    nix::unistd::sethostname(&spec.hostname).ctx(|| format!("sethostname {}", spec.hostname))?;
    sys::setdomainname(c"(none)").ctx(|| "setdomainname".into())?;
    if spec.network == Network::LoopbackOnly {
        sys::loopback_up().ctx(|| "bring up lo (ioctl SIOCSIFFLAGS)".into())?;
    }
    Ok(())
}

/// The command's process (pid 2). Never returns: it execs or reports why not.
fn command_main(req: &Request, prepared: &Prepared, err_w: OwnedFd) -> ! {
    let (what, errno) = exec_command(req, prepared);
    let mut err = File::from(err_w);
    let _ = err.write_all(&serde_json::to_vec(&(what, errno as i32)).expect("serialises"));
    std::process::exit(127)
}

/// Only returns on failure, with the step that failed.
fn exec_command(req: &Request, prepared: &Prepared) -> (String, Errno) {
    let spec = &req.spec;
    let io_errno =
        |e: std::io::Error| Errno::from_raw(e.raw_os_error().unwrap_or(Errno::EIO as i32));
    macro_rules! step {
        ($what:expr, $call:expr) => {
            if let Err(e) = $call {
                return ($what.to_string(), e);
            }
        };
    }
    step!("sigprocmask", SigSet::empty().thread_set_mask());
    // No controlling terminal: stops TIOCSTI injection into the caller's tty (CVE-2017-5226).
    step!("setsid", setsid());
    if spec.uid != 0 || spec.gid != 0 {
        // A nested user namespace mapping the build user to the outer uid 0 (the caller):
        // execve(2) as a non-zero uid then drops every capability, so the command cannot
        // mount, and the outer namespace owns all mounts anyway.
        step!("unshare(CLONE_NEWUSER)", unshare(CloneFlags::CLONE_NEWUSER));
        if let Err(msg) = write_id_maps(spec.uid, 0, spec.gid, 0) {
            return (msg, Errno::EPERM);
        }
    }
    step!(
        format!("chdir {}", spec.cwd.display()),
        chdir(spec.cwd.as_path())
    );
    umask(Mode::from_bits_truncate(0o022));
    step!(
        "setrlimit RLIMIT_CORE",
        setrlimit(Resource::RLIMIT_CORE, 0, 0)
    );
    if let Some(n) = req.rlimit_pids {
        // Counted per user namespace and uid (Linux 5.14+), and this namespace is new: the
        // limit covers exactly the container's processes.
        step!(
            "setrlimit RLIMIT_NPROC",
            setrlimit(Resource::RLIMIT_NPROC, n, n)
        );
    }
    step!("close_range", sys::cloexec_from(3));
    // Set after the unshare above, which may reset it (credentials changed).
    step!(
        "prctl PR_SET_PDEATHSIG",
        prctl::set_pdeathsig(Signal::SIGKILL)
    );
    step!("prctl PR_SET_NO_NEW_PRIVS", prctl::set_no_new_privs());
    for filter in &prepared.filters {
        if let Err(e) = seccompiler::apply_filter(filter) {
            let errno = match e {
                seccompiler::Error::Seccomp(io) => io_errno(io),
                _ => Errno::EINVAL,
            };
            return ("seccomp".into(), errno);
        }
    }
    let mut err = Errno::ENOENT;
    for path in &prepared.candidates {
        let Err(e) = execve(path, &prepared.argv, &prepared.env);
        match e {
            Errno::ENOENT | Errno::ENOTDIR => {}
            Errno::EACCES => err = e,
            other => {
                err = other;
                break;
            }
        }
    }
    (format!("execve {}", spec.argv[0]), err)
}
