//! The container's root filesystem, built by pid 1 inside the new mount namespace.
//!
//! Order (after bubblewrap's two-`pivot_root` scheme, see `shared/SANDBOX.md` §7):
//! 1. make every mount private, so nothing propagates back to the host;
//! 2. mount a scratch tmpfs on the host's `/tmp` and `pivot_root` into it: the host's tree is
//!    now `/oldroot` (complete, since the scratch tmpfs left its `/tmp`), and host paths are read
//!    from there;
//! 3. write the *skeleton* (every top-level mount point plus the generated `/etc` files) and
//!    mount the root at `/newroot`: an overlay of the skeleton above the layers, or, without
//!    layers, a tmpfs holding the skeleton;
//! 4. mount `/proc`, `/dev`, `/tmp`, the store paths, binds and tmpfs dirs, parents first;
//! 5. `pivot_root` into `/newroot` and detach everything else.

use std::ffi::CString;
use std::fs::{self, OpenOptions};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, DirBuilderExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::unistd::{chdir, pivot_root};

use super::sys;
use super::{ContainerSpec, Network};

/// Host directory the scratch tmpfs is mounted on. Any directory works: after the first
/// `pivot_root` the host's own `/tmp` is visible again under `/oldroot/tmp`.
const SCRATCH: &str = "/tmp";
const OLD: &str = "/oldroot";
const NEW: &str = "/newroot";
const SKEL: &str = "/skel";

/// Device nodes bind-mounted from the host's `/dev` (a user namespace cannot mknod).
const DEVICES: [&str; 6] = ["null", "zero", "full", "random", "urandom", "tty"];

/// What is mounted at a target.
#[derive(Debug)]
enum Kind {
    Proc,
    Dev,
    Tmpfs {
        mode: u32,
    },
    Bind {
        host: PathBuf,
        writable: bool,
        dir: bool,
    },
}

/// What the mount point of a target lives on, which decides who creates it.
#[derive(Debug)]
enum Parent {
    /// The root: the mount point is part of the skeleton.
    Root,
    /// A tmpfs of ours: created just before mounting.
    Scratch,
    /// A bind or `/proc`: it must already exist there.
    Fixed(PathBuf),
}

#[derive(Debug)]
struct Op {
    target: PathBuf,
    kind: Kind,
    parent: Parent,
}

impl Op {
    fn is_dir(&self) -> bool {
        !matches!(self.kind, Kind::Bind { dir: false, .. })
    }
}

/// The mounts of one container, computed in the helper while the host is visible.
#[derive(Debug)]
pub(super) struct Plan {
    /// Host paths of the layers, top first (overlayfs order).
    layers_top_first: Vec<PathBuf>,
    ops: Vec<Op>,
    /// `/etc/passwd`, `/etc/group`, `/etc/hosts`.
    etc: Option<[(&'static str, String); 3]>,
}

impl Plan {
    /// Plans the mounts of `spec`, checking that every host path exists.
    pub(super) fn new(spec: &ContainerSpec) -> Result<Plan, String> {
        let mut ops = vec![
            op("/proc", Kind::Proc),
            op("/dev", Kind::Dev),
            op("/tmp", Kind::Tmpfs { mode: 0o1777 }),
        ];
        let bind = |host: &Path, target: &Path, writable: bool| -> Result<Op, String> {
            let meta =
                fs::metadata(host).map_err(|e| format!("bind source {}: {e}", host.display()))?;
            Ok(op(
                target,
                Kind::Bind {
                    host: host.to_path_buf(),
                    writable,
                    dir: meta.is_dir(),
                },
            ))
        };
        if let Some(store) = &spec.store_dir {
            for name in &spec.store_paths {
                let target = Path::new("/kiln/store").join(name);
                ops.push(bind(&store.join(name), &target, false)?);
            }
        }
        for b in &spec.binds {
            ops.push(bind(&b.host, &b.target, b.writable)?);
        }
        for dir in &spec.tmpfs {
            ops.push(op(dir, Kind::Tmpfs { mode: 0o755 }));
        }
        let resolv = Path::new("/etc/resolv.conf");
        if spec.network == Network::Host && resolv.exists() {
            ops.push(bind(resolv, resolv, false)?);
        }
        // Parents before children; equal depths keep their order, so later ones stack on top.
        ops.sort_by_key(|o| o.target.components().count());
        for i in 0..ops.len() {
            let parent = ops[..i]
                .iter()
                .filter(|p| ops[i].target.starts_with(&p.target) && ops[i].target != p.target)
                .max_by_key(|p| p.target.components().count())
                .map_or(Parent::Root, |p| match p.kind {
                    Kind::Dev | Kind::Tmpfs { .. } => Parent::Scratch,
                    Kind::Proc | Kind::Bind { .. } => Parent::Fixed(p.target.clone()),
                });
            ops[i].parent = parent;
        }
        let etc = spec
            .generate_etc
            .then(|| etc_files(spec.uid, spec.gid, &spec.hostname));
        Ok(Plan {
            layers_top_first: spec.layers.iter().rev().cloned().collect(),
            ops,
            etc,
        })
    }
}

fn op(target: impl AsRef<Path>, kind: Kind) -> Op {
    Op {
        target: target.as_ref().to_path_buf(),
        kind,
        parent: Parent::Root,
    }
}

/// The generated `/etc` files: root, the build user, nobody; localhost.
fn etc_files(uid: u32, gid: u32, hostname: &str) -> [(&'static str, String); 3] {
    let mut passwd = String::from("root:x:0:0:root:/root:/bin/sh\n");
    let mut group = String::from("root:x:0:\n");
    if uid != 0 {
        passwd += &format!("kiln:x:{uid}:{gid}:kiln build user:/build:/bin/sh\n");
    }
    if gid != 0 {
        group += &format!("kiln:x:{gid}:\n");
    }
    passwd += "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
    group += "nogroup:x:65534:\n";
    let mut hosts = String::from("127.0.0.1 localhost\n::1 localhost\n");
    if hostname != "localhost" {
        hosts += &format!("127.0.0.1 {hostname}\n");
    }
    [("passwd", passwd), ("group", group), ("hosts", hosts)]
}

/// `/oldroot/<path>`: where a host path is visible after the first `pivot_root`.
fn host(path: &Path) -> PathBuf {
    Path::new(OLD).join(path.strip_prefix("/").unwrap_or(path))
}

/// `<root>/<target>`.
fn under(root: &str, target: &Path) -> PathBuf {
    Path::new(root).join(target.strip_prefix("/").unwrap_or(target))
}

fn cpath(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).expect("validated paths have no NUL")
}

/// Mounts with errors naming the call, the source and the target (mount(2)).
fn do_mount(
    source: Option<&Path>,
    target: &Path,
    fstype: Option<&str>,
    flags: MsFlags,
    data: Option<&str>,
) -> Result<(), String> {
    mount(source, target, fstype, flags, data).map_err(|e| {
        format!(
            "mount {} on {} (type {}, {data:?}): {e}",
            source.map_or("none".into(), |s| s.display().to_string()),
            target.display(),
            fstype.unwrap_or("bind"),
        )
    })
}

fn mkdir(path: &Path, mode: u32) -> Result<(), String> {
    match fs::DirBuilder::new().mode(mode).create(path) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            Err(format!("mkdir {}: {e}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Creates a directory or an empty file to mount on, with its parents.
fn create_mount_point(path: &Path, dir: bool) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("mkdir {}: {e}", parent.display()))?;
    }
    if dir {
        mkdir(path, 0o755)
    } else {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map(drop)
            .map_err(|e| format!("create {}: {e}", path.display()))
    }
}

/// Builds the root and enters it. Runs in pid 1, in the new namespaces.
pub(super) fn setup(plan: &Plan) -> Result<(), String> {
    let none = None::<&Path>;
    do_mount(
        none,
        Path::new("/"),
        None,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None,
    )?;
    let scratch = Path::new(SCRATCH);
    do_mount(
        Some(Path::new("tmpfs")),
        scratch,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=0755"),
    )?;
    for dir in [OLD, NEW, SKEL] {
        mkdir(&under(SCRATCH, Path::new(dir)), 0o755)?;
    }
    // pivot_root(2): the scratch tmpfs becomes `/`, the host's tree moves to `/oldroot`.
    pivot_root(scratch, &under(SCRATCH, Path::new(OLD)))
        .map_err(|e| format!("pivot_root {SCRATCH}: {e}"))?;
    chdir("/").map_err(|e| format!("chdir /: {e}"))?;

    let new = Path::new(NEW);
    let skeleton = if plan.layers_top_first.is_empty() {
        do_mount(
            Some(Path::new("tmpfs")),
            new,
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some("mode=0755"),
        )?;
        NEW
    } else {
        SKEL
    };
    for op in plan.ops.iter().filter(|o| matches!(o.parent, Parent::Root)) {
        create_mount_point(&under(skeleton, &op.target), op.is_dir())?;
    }
    if let Some(files) = &plan.etc {
        let etc = under(skeleton, Path::new("/etc"));
        mkdir(&etc, 0o755)?;
        for (name, text) in files {
            let path = etc.join(name);
            fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
        }
    }
    if !plan.layers_top_first.is_empty() {
        let mut lowers = vec![PathBuf::from(SKEL)];
        lowers.extend(plan.layers_top_first.iter().map(|l| host(l)));
        mount_overlay(&lowers, new)?;
    }

    for op in &plan.ops {
        apply(op)?;
    }
    if plan.layers_top_first.is_empty() {
        // The overlay is read-only from the start; the tmpfs root becomes so now.
        let attrs = sys::MOUNT_ATTR_RDONLY | sys::MOUNT_ATTR_NOSUID | sys::MOUNT_ATTR_NODEV;
        sys::mount_setattr(&cpath(new), false, attrs)
            .map_err(|e| format!("mount_setattr {NEW} read-only: {e}"))?;
    }

    // pivot_root(2) "new_root and put_old may be the same directory": the old root ends up on
    // top of `/` and is lazily detached with everything below it, host tree included.
    chdir(new).map_err(|e| format!("chdir {NEW}: {e}"))?;
    pivot_root(".", ".").map_err(|e| format!("pivot_root {NEW}: {e}"))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(|e| format!("umount2 old root: {e}"))?;
    chdir("/").map_err(|e| format!("chdir /: {e}"))
}

/// Mounts one planned target under `/newroot`.
fn apply(op: &Op) -> Result<(), String> {
    let target = under(NEW, &op.target);
    match &op.parent {
        Parent::Root => {}
        Parent::Scratch => create_mount_point(&target, op.is_dir())?,
        Parent::Fixed(parent) => {
            if fs::symlink_metadata(&target).is_err() {
                return Err(format!(
                    "mount point {} does not exist inside {}",
                    op.target.display(),
                    parent.display()
                ));
            }
        }
    }
    let tmpfs = Some(Path::new("tmpfs"));
    match &op.kind {
        Kind::Proc => do_mount(
            Some(Path::new("proc")),
            &target,
            Some("proc"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            None,
        ),
        Kind::Tmpfs { mode } => do_mount(
            tmpfs,
            &target,
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some(&format!("mode={mode:o}")),
        ),
        Kind::Dev => setup_dev(&target),
        Kind::Bind {
            host: src,
            writable,
            ..
        } => {
            let src = host(src);
            do_mount(
                Some(&src),
                &target,
                None,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None,
            )?;
            let mut attrs = sys::MOUNT_ATTR_NOSUID | sys::MOUNT_ATTR_NODEV;
            if !writable {
                attrs |= sys::MOUNT_ATTR_RDONLY;
            }
            // Recursive, and keeps the flags a user namespace locks (a plain MS_REMOUNT must
            // repeat them or fails with EPERM).
            sys::mount_setattr(&cpath(&target), true, attrs)
                .map_err(|e| format!("mount_setattr {}: {e}", op.target.display()))
        }
    }
}

/// A minimal `/dev`, like Nix's and bubblewrap's.
fn setup_dev(dev: &Path) -> Result<(), String> {
    do_mount(
        Some(Path::new("tmpfs")),
        dev,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("mode=0755,size=64k"),
    )?;
    for name in DEVICES {
        let src = host(&Path::new("/dev").join(name));
        if fs::symlink_metadata(&src).is_err() {
            continue;
        }
        let node = dev.join(name);
        create_mount_point(&node, false)?;
        do_mount(Some(&src), &node, None, MsFlags::MS_BIND, None)?;
    }
    let links = [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("ptmx", "pts/ptmx"),
    ];
    for (name, to) in links {
        symlink(to, dev.join(name)).map_err(|e| format!("symlink /dev/{name}: {e}"))?;
    }
    let pts = dev.join("pts");
    mkdir(&pts, 0o755)?;
    // devpts(5) newinstance: a private pty namespace. Needs uid 0 mapped, which the outer user
    // namespace has.
    do_mount(
        Some(Path::new("devpts")),
        &pts,
        Some("devpts"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("newinstance,ptmxmode=0666,mode=0620"),
    )?;
    let shm = dev.join("shm");
    mkdir(&shm, 0o755)?;
    do_mount(
        Some(Path::new("tmpfs")),
        &shm,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=1777"),
    )
}

/// A read-only overlay of `lowers` (top first) at `target`. Uses fsconfig(2) `lowerdir+` (one
/// call per layer, Linux 6.8), which has no length limit; older kernels get the legacy option
/// string, limited to one page.
fn mount_overlay(lowers: &[PathBuf], target: &Path) -> Result<(), String> {
    let fs = match sys::fsopen(c"overlay") {
        Ok(fs) => fs,
        Err(Errno::ENOSYS) => return mount_overlay_legacy(lowers, target),
        Err(e) => return Err(format!("fsopen overlay: {e}")),
    };
    for (i, lower) in lowers.iter().enumerate() {
        match sys::fsconfig_set_string(&fs, c"lowerdir+", &cpath(lower)) {
            Err(Errno::EINVAL) if i == 0 => return mount_overlay_legacy(lowers, target),
            Err(e) => {
                return Err(format!(
                    "overlay lowerdir+ {}: {e}{}",
                    lower.display(),
                    fs_log(&fs)
                ))
            }
            Ok(()) => {}
        }
    }
    sys::fsconfig_create(&fs).map_err(|e| format!("create overlay: {e}{}", fs_log(&fs)))?;
    let attrs = sys::MOUNT_ATTR_RDONLY | sys::MOUNT_ATTR_NOSUID | sys::MOUNT_ATTR_NODEV;
    let mnt =
        sys::fsmount(&fs, attrs).map_err(|e| format!("fsmount overlay: {e}{}", fs_log(&fs)))?;
    sys::move_mount(&mnt, &cpath(target))
        .map_err(|e| format!("move_mount overlay to {}: {e}", target.display()))
}

/// The kernel's messages about a filesystem context (fsopen(2): read them from the fd).
fn fs_log(fs: &std::os::fd::OwnedFd) -> String {
    let Ok(dup) = fs.try_clone() else {
        return String::new();
    };
    let mut file = fs::File::from(dup);
    let mut log = String::new();
    let mut buf = [0u8; 1024];
    while let Ok(n) = file.read(&mut buf) {
        if n == 0 {
            break;
        }
        log += " (";
        log += String::from_utf8_lossy(&buf[..n]).trim_end();
        log += ")";
    }
    log
}

fn mount_overlay_legacy(lowers: &[PathBuf], target: &Path) -> Result<(), String> {
    let escape = |p: &PathBuf| {
        let s = p.to_string_lossy();
        s.replace('\\', "\\\\")
            .replace(':', "\\:")
            .replace(',', "\\,")
    };
    let data = format!(
        "lowerdir={}",
        lowers.iter().map(escape).collect::<Vec<_>>().join(":")
    );
    if data.len() >= 4096 {
        return Err(format!(
            "{} layers do not fit the one-page mount(2) option string of this kernel \
             (no fsconfig lowerdir+): merge layers first",
            lowers.len() - 1
        ));
    }
    do_mount(
        Some(Path::new("overlay")),
        target,
        Some("overlay"),
        MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(&data),
    )
}
