//! Raw system calls of the sandbox. Every `unsafe` block of kiln lives in this file, each with a
//! `// SAFETY:` note; the rest of `sandbox` uses the safe wrappers below or the `nix` crate.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

use nix::errno::Errno;
use nix::unistd::Pid;

/// Turns a raw return value into a `Result`, reading `errno` on failure.
fn check(rc: libc::c_long) -> Result<libc::c_long, Errno> {
    if rc < 0 {
        Err(Errno::last())
    } else {
        Ok(rc)
    }
}

/// Makes `fd` (owned by the caller, usually close-on-exec) appear as descriptor `target` in the
/// program that `cmd` starts, without close-on-exec. See dup2(2) and fcntl(2).
pub fn pass_fd(cmd: &mut Command, fd: RawFd, target: RawFd) {
    // SAFETY: the closure runs in the child between fork and exec. It calls only dup2(2) and
    // fcntl(2), which are async-signal-safe, and allocates nothing (`last_os_error` just reads
    // errno). `fd` stays open in the parent until `spawn` returns.
    unsafe {
        cmd.pre_exec(move || {
            if fd == target {
                // dup2 onto itself keeps FD_CLOEXEC, so clear it by hand.
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags < 0 || libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                    return Err(io::Error::last_os_error());
                }
            } else if libc::dup2(fd, target) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Takes ownership of descriptor `fd` that the parent handed over at exec (see [`pass_fd`]) and
/// marks it close-on-exec. Returns `None` if `fd` is not open.
pub fn take_inherited_fd(fd: RawFd) -> Option<OwnedFd> {
    // SAFETY: fcntl(2) F_GETFD/F_SETFD only inspect and flag the descriptor table entry.
    let open = unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFD);
        flags >= 0 && libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC) >= 0
    };
    // SAFETY: the descriptor is open, and by the helper protocol nothing else in this freshly
    // exec'd process refers to it, so this `OwnedFd` is its only owner.
    open.then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The two sides of [`fork`].
pub enum Forked {
    /// In the parent, with the child's pid.
    Parent(Pid),
    /// In the child.
    Child,
}

/// fork(2). Only the sandbox helper and its pid 1 call this.
pub fn fork() -> Result<Forked, Errno> {
    // SAFETY: callers are the `__sandbox-init` helper and its descendants, which are exec'd fresh
    // and start no threads, so the child is a complete copy of a single-threaded process and may
    // allocate, lock and run destructors freely.
    match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Parent { child } => Ok(Forked::Parent(child)),
        nix::unistd::ForkResult::Child => Ok(Forked::Child),
    }
}

/// Marks every descriptor from `first` upwards close-on-exec: close_range(2) with
/// `CLOSE_RANGE_CLOEXEC` (Linux 5.11).
pub fn cloexec_from(first: u32) -> Result<(), Errno> {
    // SAFETY: close_range only changes descriptor flags; it touches no memory of ours.
    check(unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    })
    .map(drop)
}

/// setdomainname(2) in the current UTS namespace.
pub fn setdomainname(name: &CStr) -> Result<(), Errno> {
    let len = name.to_bytes().len();
    // SAFETY: `name` points to `len` readable bytes for the duration of the call.
    check(unsafe { libc::setdomainname(name.as_ptr(), len) }.into()).map(drop)
}

/// Brings the loopback interface `lo` up: ioctl(SIOCSIFFLAGS) on a datagram socket, see
/// netdevice(7). A fresh network namespace starts with `lo` down.
pub fn loopback_up() -> Result<(), Errno> {
    // SAFETY: socket(2) takes plain integers.
    let fd = check(
        unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) }.into(),
    )?;
    // SAFETY: `fd` was just returned by socket(2); nothing else owns it.
    let sock = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
    // SAFETY: `ifreq` is plain old data for which all-zero bytes are a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    req.ifr_ifru.ifru_flags =
        (libc::IFF_UP | libc::IFF_LOOPBACK | libc::IFF_RUNNING) as libc::c_short;
    // SAFETY: SIOCSIFFLAGS reads one `struct ifreq`, which lives across the call.
    check(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) }.into()).map(drop)
}

// The new mount API (Linux 5.2; `lowerdir+` for overlayfs since 6.8): fsopen(2), fsconfig(2),
// fsmount(2), move_mount(2), mount_setattr(2). Constants from <linux/mount.h>.
const FSOPEN_CLOEXEC: libc::c_uint = 1;
const FSCONFIG_SET_STRING: libc::c_uint = 1;
const FSCONFIG_CMD_CREATE: libc::c_uint = 6;
const FSMOUNT_CLOEXEC: libc::c_uint = 1;
const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 4;

/// `MOUNT_ATTR_RDONLY` from <linux/mount.h>.
pub const MOUNT_ATTR_RDONLY: u64 = 0x1;
/// `MOUNT_ATTR_NOSUID` from <linux/mount.h>.
pub const MOUNT_ATTR_NOSUID: u64 = 0x2;
/// `MOUNT_ATTR_NODEV` from <linux/mount.h>.
pub const MOUNT_ATTR_NODEV: u64 = 0x4;

/// `struct mount_attr` from <linux/mount.h>.
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// fsopen(2): a filesystem context for `fstype`.
pub fn fsopen(fstype: &CStr) -> Result<OwnedFd, Errno> {
    // SAFETY: `fstype` is NUL-terminated and outlives the call.
    let fd = check(unsafe { libc::syscall(libc::SYS_fsopen, fstype.as_ptr(), FSOPEN_CLOEXEC) })?;
    // SAFETY: the kernel just returned this new descriptor to us.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// fsconfig(2) `FSCONFIG_SET_STRING`: sets `key=value` on a filesystem context.
pub fn fsconfig_set_string(fs: &OwnedFd, key: &CStr, value: &CStr) -> Result<(), Errno> {
    // SAFETY: both strings are NUL-terminated and outlive the call; aux must be 0.
    check(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            FSCONFIG_SET_STRING,
            key.as_ptr(),
            value.as_ptr(),
            0,
        )
    })
    .map(drop)
}

/// fsconfig(2) `FSCONFIG_CMD_CREATE`: creates the superblock.
pub fn fsconfig_create(fs: &OwnedFd) -> Result<(), Errno> {
    // SAFETY: no pointers are passed (key and value are NULL, as the command requires).
    check(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            FSCONFIG_CMD_CREATE,
            std::ptr::null::<libc::c_char>(),
            std::ptr::null::<libc::c_void>(),
            0,
        )
    })
    .map(drop)
}

/// fsmount(2): a detached mount of a created filesystem context, with `MOUNT_ATTR_*` flags.
pub fn fsmount(fs: &OwnedFd, attrs: u64) -> Result<OwnedFd, Errno> {
    // SAFETY: plain integer arguments.
    let fd =
        check(unsafe { libc::syscall(libc::SYS_fsmount, fs.as_raw_fd(), FSMOUNT_CLOEXEC, attrs) })?;
    // SAFETY: the kernel just returned this new descriptor to us.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// move_mount(2): attaches the detached mount `mnt` at `target`.
pub fn move_mount(mnt: &OwnedFd, target: &CStr) -> Result<(), Errno> {
    // SAFETY: both paths are NUL-terminated and outlive the call.
    check(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            mnt.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH,
        )
    })
    .map(drop)
}

/// mount_setattr(2) (Linux 5.12): adds the `MOUNT_ATTR_*` flags in `set` to the mount at `path`,
/// and to all mounts below it when `recursive`. Unlike `MS_REMOUNT` it leaves the other flags,
/// including the ones a user namespace locks, alone.
pub fn mount_setattr(path: &CStr, recursive: bool, set: u64) -> Result<(), Errno> {
    let attr = MountAttr {
        attr_set: set,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let flags = if recursive { libc::AT_RECURSIVE } else { 0 };
    // SAFETY: `path` is NUL-terminated, `attr` lives across the call and its size is passed.
    check(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            path.as_ptr(),
            flags,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    })
    .map(drop)
}
