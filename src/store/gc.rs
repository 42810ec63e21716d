//! Roots and garbage collection.
//!
//! Roots are symlinks in `roots/`: either *direct* (pointing into `store/`) or *indirect*
//! (pointing at a link elsewhere, such as a `result` link made by `kiln build -o`; the root holds
//! whatever that link points to, and is removed once the link is gone).
//!
//! Temporary roots keep paths that a running process uses: each process appends them to its own
//! file in `temproots/`, which it keeps locked for its lifetime. Appending happens under a shared
//! lock on `locks/gc.lock`, which GC holds exclusively for its whole run, so GC sees every
//! temporary root added before it started, and nobody adds one while it runs. A temporary-roots
//! file whose lock can be taken belongs to a dead process. A path whose per-path lock is held
//! (being built or registered) is never deleted either.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::error::{Result, StoreError};
use super::lock::{self, LockMode, PathLock};
use super::path::{nix_base32, StorePath, STORE_DIR};
use super::Store;

/// What one GC run did (or, with `dry_run`, would do).
#[derive(Debug, Default)]
pub struct GcReport {
    /// Deleted valid paths and their sizes, in deletion order.
    pub deleted: Vec<(StorePath, u64)>,
    /// Entries of `store/` that were not valid (left by crashes) and were removed.
    pub garbage: Vec<(String, u64)>,
    /// Indirect roots whose link was gone, removed.
    pub dangling_roots: Vec<PathBuf>,
    /// Total bytes freed.
    pub bytes_freed: u64,
}

/// A root found in `roots/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// The link in `roots/`.
    pub link: PathBuf,
    /// For an indirect root, the link it points at.
    pub indirect: Option<PathBuf>,
    /// The store path it keeps, if any (`None`: dangling or pointing outside the store).
    pub path: Option<StorePath>,
}

impl Store {
    fn gc_lock_path(&self) -> PathBuf {
        self.root.join("locks/gc.lock")
    }

    /// Keeps `path` alive for as long as this process runs. After adding it, check that the path
    /// is (still) valid: a GC that was running may have deleted it just before.
    pub fn add_temp_root(&self, path: &StorePath) -> Result<()> {
        let mut guard = self.temp_roots.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(self.create_temp_roots_file()?);
        }
        let (_, file) = guard.as_mut().expect("just created");
        let gc_lock_path = self.gc_lock_path();
        let _gc = lock::lock_file(&gc_lock_path, LockMode::Shared)?;
        file.write_all(format!("{}\n", path.base_name()).as_bytes())
            .map_err(StoreError::io("write", self.root.join("temproots")))
    }

    fn create_temp_roots_file(&self) -> Result<(PathBuf, fs::File)> {
        loop {
            let p = self.root.join("temproots").join(lock::unique_name());
            let file = fs::OpenOptions::new()
                .append(true)
                .create_new(true)
                .open(&p)
                .map_err(StoreError::io("create", &p))?;
            file.lock().map_err(StoreError::io("lock", &p))?;
            // GC may have taken it for a dead process's file and deleted it in between.
            use std::os::unix::fs::MetadataExt;
            if file.metadata().map(|m| m.nlink()).unwrap_or(0) > 0 {
                return Ok((p, file));
            }
        }
    }

    /// Makes `roots/<name>` a direct root of `path`.
    // Part of the API for the build and image code, not used by the CLI yet.
    #[allow(dead_code)]
    pub fn add_root(&self, name: &str, path: &StorePath) -> Result<PathBuf> {
        super::path::validate_name(name)?;
        let link = self.root.join("roots").join(name);
        replace_symlink(&self.host_path(path), &link)?;
        Ok(link)
    }

    /// Makes the link at `link` (anywhere on the host) an indirect root: whatever store path it
    /// points to is kept until the link is removed or repointed.
    pub fn add_indirect_root(&self, link: &Path) -> Result<PathBuf> {
        let abs = std::path::absolute(link).map_err(StoreError::io("resolve", link))?;
        let hash = blake3::hash(abs.as_os_str().as_bytes());
        let root = self
            .root
            .join("roots")
            .join(format!("auto-{}", nix_base32(&hash.as_bytes()[..20])));
        replace_symlink(&abs, &root)?;
        Ok(root)
    }

    /// Points `link` at `path` (replacing it atomically) and registers it as an indirect root:
    /// what `kiln build -o result` does.
    pub fn make_result_link(&self, link: &Path, path: &StorePath) -> Result<()> {
        replace_symlink(&self.host_path(path), link)?;
        self.add_indirect_root(link)?;
        Ok(())
    }

    /// The roots in `roots/`, sorted by link name.
    pub fn roots(&self) -> Result<Vec<Root>> {
        let dir = self.root.join("roots");
        let mut links: Vec<_> = fs::read_dir(&dir)
            .map_err(StoreError::io("read", &dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        links.sort();
        let mut out = Vec::new();
        for link in links {
            let Ok(target) = fs::read_link(&link) else {
                continue; // not a symlink: not a root
            };
            if let Some(path) = self.store_path_of_target(&target) {
                out.push(Root {
                    link,
                    indirect: None,
                    path: Some(path),
                });
                continue;
            }
            // Indirect: the target is a link elsewhere; follow it.
            let path = fs::canonicalize(&target)
                .ok()
                .and_then(|t| self.store_path_of_target(&t));
            let path = match path {
                Some(p) => Some(p),
                None => fs::read_link(&target)
                    .ok()
                    .and_then(|t| self.store_path_of_target(&t)),
            };
            out.push(Root {
                link,
                indirect: Some(target),
                path,
            });
        }
        Ok(out)
    }

    /// The store path a link target names, whether as a host path or as `/kiln/store/...`.
    fn store_path_of_target(&self, target: &Path) -> Option<StorePath> {
        let s = target.to_str()?;
        if s.starts_with(STORE_DIR) {
            return StorePath::from_path_prefix(s).ok().map(|(p, _)| p);
        }
        let rest = target.strip_prefix(self.store_dir()).ok()?;
        let base = rest.components().next()?.as_os_str().to_str()?;
        StorePath::from_base_name(base).ok()
    }

    /// Temporary roots of live processes; files of dead ones are deleted unless `dry_run`.
    fn temp_roots(&self, dry_run: bool) -> Result<BTreeSet<StorePath>> {
        let dir = self.root.join("temproots");
        let mut files: Vec<_> = fs::read_dir(&dir)
            .map_err(StoreError::io("read", &dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        let mut roots = BTreeSet::new();
        for file in files {
            match lock::lock_file_no_create(&file)? {
                Some(held) => {
                    // Nobody holds it: its process is gone (our own file is locked by us, and a
                    // second fd conflicts with it, so we never get here for it).
                    if !dry_run {
                        let _ = fs::remove_file(&file);
                    }
                    drop(held);
                }
                None => {
                    let Ok(text) = fs::read_to_string(&file) else {
                        continue;
                    };
                    roots.extend(
                        text.lines()
                            .filter_map(|l| StorePath::from_base_name(l).ok()),
                    );
                }
            }
        }
        Ok(roots)
    }

    /// Deletes every valid path that no root, temporary root or lock keeps, and every entry of
    /// `store/` that is not valid. With `dry_run`, only reports what it would delete.
    pub fn gc(&self, dry_run: bool) -> Result<GcReport> {
        let gc_lock_path = self.gc_lock_path();
        let _gc = lock::lock_file(&gc_lock_path, LockMode::Wait)?;
        let mut report = GcReport::default();

        let mut roots = self.temp_roots(dry_run)?;
        for root in self.roots()? {
            match (&root.path, &root.indirect) {
                (Some(p), _) => {
                    roots.insert(p.clone());
                }
                (None, Some(target)) if fs::symlink_metadata(target).is_err() => {
                    if !dry_run {
                        let _ = fs::remove_file(&root.link);
                    }
                    report.dangling_roots.push(root.link.clone());
                }
                (None, _) => {}
            }
        }

        let graph = self.db().graph()?;
        let mut live = BTreeSet::new();
        let mut todo: Vec<&StorePath> = roots.iter().filter(|r| graph.contains_key(r)).collect();
        while let Some(p) = todo.pop() {
            if live.insert(p.clone()) {
                todo.extend(graph[p].iter().filter(|r| !live.contains(*r)));
            }
        }

        for path in referrers_first(&graph, &live) {
            let Some(lock) = PathLock::acquire(&self.root.join("locks"), &path, LockMode::Try)?
            else {
                continue; // someone is using it right now
            };
            let host = self.host_path(&path);
            let size = super::tree::tree_size(&host);
            if dry_run {
                // Whether a referrer is being kept cannot change the answer: all referrers of a
                // dead path are dead too.
                report.deleted.push((path, size));
                report.bytes_freed += size;
                continue;
            }
            if !self.db().delete_if_unreferenced(&path)? {
                continue;
            }
            self.discard_entry(&host)?;
            report.deleted.push((path, size));
            report.bytes_freed += size;
            lock.remove();
        }

        // Entries without a row: crashes between rename and insert, or foreign files.
        let store_dir = self.store_dir();
        let mut entries: Vec<_> = fs::read_dir(&store_dir)
            .map_err(StoreError::io("read", &store_dir))?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        entries.sort();
        for name in entries {
            let name = name.to_string_lossy().into_owned();
            let host = store_dir.join(&name);
            let lock = match StorePath::from_base_name(&name) {
                Ok(p) => {
                    let Some(lock) =
                        PathLock::acquire(&self.root.join("locks"), &p, LockMode::Try)?
                    else {
                        continue;
                    };
                    if self.is_valid(&p)? {
                        continue;
                    }
                    Some(lock)
                }
                Err(_) => None,
            };
            let size = super::tree::tree_size(&host);
            if !dry_run {
                self.discard_entry(&host)?;
            }
            report.garbage.push((name, size));
            report.bytes_freed += size;
            if let (Some(lock), false) = (lock, dry_run) {
                lock.remove();
            }
        }
        Ok(report)
    }
}

/// The dead paths (valid but not live), ordered so that every path comes before its references.
fn referrers_first(
    graph: &BTreeMap<StorePath, BTreeSet<StorePath>>,
    live: &BTreeSet<StorePath>,
) -> Vec<StorePath> {
    let mut done = BTreeSet::new();
    let mut post = Vec::new();
    for start in graph.keys().filter(|p| !live.contains(*p)) {
        // Iterative DFS: references are emitted before referrers (post-order).
        let mut stack = vec![(start, false)];
        while let Some((p, expanded)) = stack.pop() {
            if expanded {
                post.push(p.clone());
                continue;
            }
            if !done.insert(p) {
                continue;
            }
            stack.push((p, true));
            for r in &graph[p] {
                if !done.contains(r) && !live.contains(r) {
                    stack.push((r, false));
                }
            }
        }
    }
    post.reverse();
    post
}

/// Creates or atomically replaces a symlink.
fn replace_symlink(target: &Path, link: &Path) -> Result<()> {
    let parent = link.parent().unwrap_or(Path::new("."));
    let tmp = parent.join(format!(".kiln-link-{}", lock::unique_name()));
    std::os::unix::fs::symlink(target, &tmp).map_err(StoreError::io("create symlink", &tmp))?;
    fs::rename(&tmp, link).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        StoreError::io("create symlink", link)(e)
    })
}
