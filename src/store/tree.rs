//! Walking file trees: normalising an output before registration, reading a tree to hash it,
//! and copying a source tree.

use std::collections::BTreeSet;
use std::fs::{self, File, FileType, Metadata};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustix::fs::{AtFlags, Timestamps, CWD};

use super::db::FileStamp;
use super::error::{Result, StoreError};
use super::hash::{hash_and_scan_file, hash_file, Node, RefScanner};
use super::path::StorePath;

/// Above this many files and folders, normalisation syncs the filesystem once instead of each.
const SYNCFS_THRESHOLD: usize = 32;

/// The mtime every stored file gets (as Nix does).
const NORMAL_MTIME: i64 = 1;

/// Whether the owner-execute bit is set; the only permission bit that survives normalisation.
fn is_executable(meta: &Metadata) -> bool {
    meta.mode() & 0o100 != 0
}

fn set_mtime(path: &Path) -> Result<()> {
    let t = rustix::fs::Timespec {
        tv_sec: NORMAL_MTIME,
        tv_nsec: 0,
    };
    let times = Timestamps {
        last_access: t,
        last_modification: t,
    };
    rustix::fs::utimensat(CWD, path, &times, AtFlags::SYMLINK_NOFOLLOW)
        .map_err(|e| StoreError::io("set mtime of", path)(e.into()))
}

/// Drops extended attributes. `security.*` ones may be kernel-managed (SELinux labels) and are
/// left if the kernel refuses; they never enter the content hash anyway.
fn drop_xattrs(path: &Path) -> Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    let n = match rustix::fs::llistxattr(path, &mut buf[..]) {
        Ok(n) => n,
        Err(rustix::io::Errno::OPNOTSUPP) => return Ok(()),
        Err(e) => return Err(StoreError::io("list xattrs of", path)(e.into())),
    };
    for name in buf[..n].split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = std::ffi::OsStr::from_bytes(name);
        match rustix::fs::lremovexattr(path, name) {
            Ok(()) => {}
            Err(_) if name.as_bytes().starts_with(b"security.") => {}
            Err(e) => return Err(StoreError::io("remove xattrs of", path)(e.into())),
        }
    }
    Ok(())
}

fn fsync(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(StoreError::io("fsync", path))
}

fn chmod(path: &Path, mode: u32) -> Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(StoreError::io("set permissions of", path))
}

/// Result of normalising an output in place.
pub struct Normalised {
    /// The tree with file hashes filled in.
    pub node: Node,
    /// Candidate paths the tree mentions (in contents, names or symlink targets).
    pub references: BTreeSet<StorePath>,
}

/// Normalises `root` in place (modes 0444/0555, mtime 1, no xattrs, no setuid/setgid/sticky),
/// hashes it, scans it for references and fsyncs everything. The top folder is left 0755 so that
/// it can still be renamed (renaming a folder to a new parent needs write access to it); the
/// caller sets it to 0555 once it is in place.
pub fn normalise(root: &Path, scanner: &RefScanner) -> Result<Normalised> {
    let mut scanner = scanner.fork();
    let mut dirs = Vec::new();
    let mut symlinks = Vec::new();
    let mut node = walk_normalise(root, &mut dirs, &mut symlinks, &mut scanner)?;

    let files = node.files_mut();
    // One fsync per file costs a journal commit each (5000 files took 6 s); past a few files a
    // single syncfs of the store's filesystem is much cheaper and just as durable.
    let per_file_sync = files.len() + dirs.len() <= SYNCFS_THRESHOLD;
    let found: Vec<BTreeSet<StorePath>> = files
        .into_par_iter()
        .map(|(path, _size, hash)| {
            let meta = fs::symlink_metadata(path).map_err(StoreError::io("stat", path))?;
            chmod(path, if is_executable(&meta) { 0o555 } else { 0o444 })?;
            drop_xattrs(path)?;
            let mut s = scanner.fork();
            *hash = *hash_and_scan_file(path, &mut s)
                .map_err(StoreError::io("read", path))?
                .as_bytes();
            set_mtime(path)?;
            if per_file_sync {
                fsync(path)?;
            }
            Ok(s.take_found())
        })
        .collect::<Result<_>>()?;
    for link in &symlinks {
        set_mtime(link)?;
    }
    // Deepest first, so a folder's mtime is set after everything inside it.
    for dir in dirs.iter().rev() {
        drop_xattrs(dir)?;
        chmod(dir, if dir == root { 0o755 } else { 0o555 })?;
        set_mtime(dir)?;
        if per_file_sync {
            fsync(dir)?;
        }
    }
    if !per_file_sync {
        let fd = File::open(root).map_err(StoreError::io("open", root))?;
        rustix::fs::syncfs(&fd)
            .map_err(|e| StoreError::io("sync filesystem of", root)(e.into()))?;
    }
    let mut references = scanner.take_found();
    references.extend(found.into_iter().flatten());
    Ok(Normalised { node, references })
}

fn walk_normalise(
    path: &Path,
    dirs: &mut Vec<PathBuf>,
    symlinks: &mut Vec<PathBuf>,
    scanner: &mut RefScanner,
) -> Result<Node> {
    let meta = fs::symlink_metadata(path).map_err(StoreError::io("stat", path))?;
    let ft = meta.file_type();
    if ft.is_file() {
        Ok(Node::File {
            path: path.to_owned(),
            executable: is_executable(&meta),
            size: meta.len(),
            hash: [0; 32],
        })
    } else if ft.is_symlink() {
        let target = fs::read_link(path).map_err(StoreError::io("read link", path))?;
        let target = target.as_os_str().as_bytes().to_vec();
        scanner.scan_whole(&target);
        symlinks.push(path.to_owned());
        Ok(Node::Symlink { target })
    } else if ft.is_dir() {
        // Readable and writable while we work; the final mode comes at the end.
        chmod(path, 0o755)?;
        dirs.push(path.to_owned());
        let mut entries = std::collections::BTreeMap::new();
        for entry in fs::read_dir(path).map_err(StoreError::io("read", path))? {
            let entry = entry.map_err(StoreError::io("read", path))?;
            let name = entry.file_name().as_bytes().to_vec();
            scanner.scan_whole(&name);
            let child = walk_normalise(&entry.path(), dirs, symlinks, scanner)?;
            entries.insert(name, child);
        }
        Ok(Node::Directory { entries })
    } else {
        Err(StoreError::UnsupportedFileType {
            path: path.to_owned(),
        })
    }
}

/// A host file seen while walking a source, with what the hash cache keys on.
pub struct SourceFile {
    /// Host path bytes (the cache key).
    pub key: Vec<u8>,
    /// Stat data.
    pub stamp: FileStamp,
}

/// A filter on source entries: absolute host path and type; false leaves the entry out.
pub type SourceFilter<'a> = &'a dyn Fn(&Path, FileType) -> bool;

/// Walks a host tree for import, without hashing: the filter is applied to every entry below the
/// root (not to the root itself, as in Nix), and files get their stamps.
pub fn walk_source(
    root: &Path,
    filter: Option<SourceFilter<'_>>,
    files: &mut Vec<SourceFile>,
) -> Result<Node> {
    let meta = match fs::metadata(root) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::SourceMissing {
                path: root.to_owned(),
            })
        }
        Err(e) => return Err(StoreError::io("stat", root)(e)),
    };
    walk_source_inner(root, meta, filter, files)
}

fn walk_source_inner(
    path: &Path,
    meta: Metadata,
    filter: Option<SourceFilter<'_>>,
    files: &mut Vec<SourceFile>,
) -> Result<Node> {
    let ft = meta.file_type();
    if ft.is_file() {
        files.push(SourceFile {
            key: path.as_os_str().as_bytes().to_vec(),
            stamp: FileStamp {
                dev: meta.dev(),
                ino: meta.ino(),
                size: meta.len(),
                mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
                ctime_ns: meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
            },
        });
        Ok(Node::File {
            path: path.to_owned(),
            executable: is_executable(&meta),
            size: meta.len(),
            hash: [0; 32],
        })
    } else if ft.is_symlink() {
        let target = fs::read_link(path).map_err(StoreError::io("read link", path))?;
        Ok(Node::Symlink {
            target: target.as_os_str().as_bytes().to_vec(),
        })
    } else if ft.is_dir() {
        let mut entries = std::collections::BTreeMap::new();
        let mut children: Vec<_> = fs::read_dir(path)
            .map_err(StoreError::io("read", path))?
            .collect::<Result<_, _>>()
            .map_err(StoreError::io("read", path))?;
        children.sort_by_key(|e| e.file_name());
        for entry in children {
            let child_path = entry.path();
            let meta =
                fs::symlink_metadata(&child_path).map_err(StoreError::io("stat", &child_path))?;
            if let Some(f) = filter {
                if !f(&child_path, meta.file_type()) {
                    continue;
                }
            }
            let child = walk_source_inner(&child_path, meta, filter, files)?;
            entries.insert(entry.file_name().as_bytes().to_vec(), child);
        }
        Ok(Node::Directory { entries })
    } else {
        Err(StoreError::UnsupportedFileType {
            path: path.to_owned(),
        })
    }
}

/// Reads a tree as it is (no changes, file hashes not filled in).
pub fn walk_tree(root: &Path) -> Result<Node> {
    let meta = fs::symlink_metadata(root).map_err(StoreError::io("stat", root))?;
    walk_source_inner(root, meta, None, &mut Vec::new())
}

/// Reads a tree as it is (no changes) into a hashed node: used by verify and `hash_path`.
pub fn hash_tree(root: &Path) -> Result<Node> {
    let mut node = walk_tree(root)?;
    fill_hashes(&mut node, |_| None)?;
    Ok(node)
}

/// Fills in every file hash, taking `known` ones from the caller and hashing the rest in
/// parallel. Returns the indices (in sorted file order) that had to be hashed.
pub fn fill_hashes(
    node: &mut Node,
    known: impl Fn(&Path) -> Option<[u8; 32]> + Sync,
) -> Result<Vec<(PathBuf, [u8; 32])>> {
    let files = node.files_mut();
    let hashed: Vec<Option<(PathBuf, [u8; 32])>> = files
        .into_par_iter()
        .map(|(path, size, hash)| {
            if let Some(h) = known(path) {
                *hash = h;
                return Ok(None);
            }
            *hash = *hash_file(path, size)
                .map_err(StoreError::io("read", path))?
                .as_bytes();
            Ok(Some((path.to_owned(), *hash)))
        })
        .collect::<Result<_>>()?;
    Ok(hashed.into_iter().flatten().collect())
}

/// Copies a walked source tree to `dest` (which must not exist). Files are copied in parallel.
pub fn copy_tree(node: &Node, dest: &Path) -> Result<()> {
    let mut copies = Vec::new();
    make_skeleton(node, dest, &mut copies)?;
    copies.into_par_iter().try_for_each(|(src, dst)| {
        fs::copy(src, &dst)
            .map(|_| ())
            .map_err(StoreError::io("copy", src))
    })
}

fn make_skeleton<'a>(
    node: &'a Node,
    dest: &Path,
    copies: &mut Vec<(&'a Path, PathBuf)>,
) -> Result<()> {
    match node {
        Node::File { path, .. } => copies.push((path, dest.to_owned())),
        Node::Symlink { target } => {
            std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), dest)
                .map_err(StoreError::io("create symlink", dest))?
        }
        Node::Directory { entries } => {
            fs::create_dir(dest).map_err(StoreError::io("create", dest))?;
            for (name, child) in entries {
                make_skeleton(child, &dest.join(std::ffi::OsStr::from_bytes(name)), copies)?;
            }
        }
    }
    Ok(())
}

/// Apparent size of a tree (file lengths and symlink target lengths), for GC reports.
pub fn tree_size(path: &Path) -> u64 {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return 0;
    };
    if meta.is_dir() {
        let Ok(rd) = fs::read_dir(path) else { return 0 };
        rd.filter_map(|e| e.ok())
            .map(|e| tree_size(&e.path()))
            .sum()
    } else {
        meta.len()
    }
}

/// Sets the normal mtime on a path that was just renamed (a folder's `..` changed).
pub fn normalise_top_mtime(path: &Path) -> Result<()> {
    set_mtime(path)?;
    fsync(path)
}
