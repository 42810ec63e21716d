//! The store: content- and step-addressed outputs under one folder, their metadata in SQLite,
//! per-path locks, atomic registration, verification and garbage collection.
//!
//! Layout of a store root (default `$XDG_DATA_HOME/kiln`):
//! - `store/<hash32>-<name>`: the paths; mounted at `/kiln/store` inside containers;
//! - `db.sqlite`: metadata ([`db`]); a path is *valid* iff it has a row there;
//! - `roots/`: GC roots (symlinks), `temproots/`: per-process temporary roots;
//! - `locks/`: `<hash32>.lock` per path and `gc.lock`; `tmp/`: private working folders; `logs/`.
//!
//! # Invariants
//! - Nothing appears in `store/` except by one `rename` of a complete, normalised, fsynced tree.
//! - A path is valid only after it is in `store/`, and only if its references are valid.
//! - An entry in `store/` without a row is garbage (a crash between rename and insert) and is
//!   removed by GC or by the next registration of the same path, both under the path's lock.
//! - GC deletes nothing reachable from a root, a live process's temporary root, or a locked path.
//!
//! Deliberately absent: namespaces, tar, the network; the store knows hashes and files only.

pub mod db;
pub mod error;
pub mod gc;
pub mod hash;
pub mod lock;
pub mod path;
pub mod source;
pub mod tree;
pub mod verify;

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

pub use db::PathInfo;
pub use error::{Result, StoreError};
pub use lock::{PathLock, StoreTempDir};
pub use path::{StorePath, STORE_DIR};

use db::Db;
use hash::RefScanner;
use lock::LockMode;

/// What the build code knows about an output it registers.
#[derive(Debug, Clone, Default)]
pub struct RegisterInfo {
    /// The step hash that produced the output (recorded, not checked).
    pub step_hash: Option<String>,
    /// Paths the output may refer to (normally the step's input closure); only those whose hash
    /// part occurs in the output become references. The path itself is always a candidate.
    pub candidate_references: BTreeSet<StorePath>,
}

/// The outcome of a registration.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The path's metadata (from this registration, or the existing one).
    pub info: PathInfo,
    /// True if the path was already valid and the offered output was discarded.
    pub already_valid: bool,
}

/// How references of a new path are decided.
enum Refs {
    /// Scan the output for these candidates (plus the path itself).
    Scan(BTreeSet<StorePath>),
    /// Exactly these (sources and texts declare theirs).
    Exact(BTreeSet<StorePath>),
}

/// An open store. Cheap to share between threads (`&Store` is `Sync`).
pub struct Store {
    root: PathBuf,
    db: Mutex<Db>,
    /// This process's temporary-roots file, created on first use and locked while we live.
    temp_roots: Mutex<Option<(PathBuf, fs::File)>>,
}

impl Drop for Store {
    fn drop(&mut self) {
        // Our temporary roots end with us; GC would also remove the file once we are gone.
        let slot = self.temp_roots.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some((path, file)) = slot.take() {
            let _ = fs::remove_file(path);
            drop(file);
        }
    }
}

impl Store {
    /// The store root to use when none is given: `$KILN_STORE`, else `$XDG_DATA_HOME/kiln`,
    /// else `~/.local/share/kiln`.
    pub fn default_root() -> Option<PathBuf> {
        let non_empty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        if let Some(dir) = non_empty("KILN_STORE") {
            return Some(dir.into());
        }
        if let Some(dir) = non_empty("XDG_DATA_HOME") {
            return Some(PathBuf::from(dir).join("kiln"));
        }
        non_empty("HOME").map(|h| PathBuf::from(h).join(".local/share/kiln"))
    }

    /// Opens the store at `root`, creating its layout if needed, and sweeps `tmp/` of what dead
    /// processes left behind.
    pub fn open(root: impl AsRef<Path>) -> Result<Store> {
        let root = root.as_ref();
        fs::create_dir_all(root).map_err(StoreError::io("create", root))?;
        // Canonical, so that links into the store can be recognised by prefix.
        let root = root
            .canonicalize()
            .map_err(StoreError::io("resolve", root))?;
        for sub in ["store", "roots", "temproots", "logs", "tmp", "locks"] {
            let dir = root.join(sub);
            fs::create_dir_all(&dir).map_err(StoreError::io("create", &dir))?;
        }
        let db = Db::open(&root.join("db.sqlite"))?;
        lock::sweep_tmp(&root.join("tmp"))?;
        Ok(Store {
            root,
            db: Mutex::new(db),
            temp_roots: Mutex::new(None),
        })
    }

    fn db(&self) -> MutexGuard<'_, Db> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The store root on the host.
    // Part of the API for the build and image code, not used by the CLI yet.
    #[allow(dead_code)]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The host folder that containers see as `/kiln/store`.
    pub fn store_dir(&self) -> PathBuf {
        self.root.join("store")
    }

    /// Where a store path lives on the host.
    pub fn host_path(&self, path: &StorePath) -> PathBuf {
        self.store_dir().join(path.base_name())
    }

    /// Folder for build logs (kept by the build code).
    // Part of the API for the build and image code, not used by the CLI yet.
    #[allow(dead_code)]
    pub fn logs_dir(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// Resolves a command-line argument to a store path: `/kiln/store/<h>-<n>[/...]`, a bare
    /// `<h>-<n>`, or a host path (or symlink, such as `result`) into this store's `store/`.
    pub fn parse_path_arg(&self, arg: &str) -> Result<StorePath> {
        if arg.starts_with(STORE_DIR) {
            return Ok(StorePath::from_path_prefix(arg)?.0);
        }
        let host = Path::new(arg);
        if fs::symlink_metadata(host).is_ok() {
            let resolved = host
                .canonicalize()
                .map_err(StoreError::io("resolve", host))?;
            let base = resolved
                .strip_prefix(self.store_dir())
                .ok()
                .and_then(|rest| rest.components().next())
                .and_then(|c| c.as_os_str().to_str())
                .ok_or_else(|| StoreError::NotInStore {
                    arg: arg.to_owned(),
                })?;
            return Ok(StorePath::from_base_name(base)?);
        }
        if arg.contains('/') {
            return Err(StoreError::NotInStore {
                arg: arg.to_owned(),
            });
        }
        Ok(StorePath::from_base_name(arg)?)
    }

    /// Locks a store path exclusively, waiting for any other holder. Build code holds this while
    /// deciding whether to build, building and registering, so the same path is built once.
    pub fn lock_path(&self, path: &StorePath) -> Result<PathLock> {
        let lock = PathLock::acquire(&self.root.join("locks"), path, LockMode::Wait)?;
        Ok(lock.expect("waiting lock always returns a lock"))
    }

    /// A private folder in the store's `tmp/` for building an output; removed on drop.
    pub fn temp_dir(&self) -> Result<StoreTempDir> {
        StoreTempDir::create(&self.root.join("tmp"))
    }

    /// Whether the path is registered (complete and in the database).
    pub fn is_valid(&self, path: &StorePath) -> Result<bool> {
        self.db().is_valid(path)
    }

    /// Metadata of a valid path, or `None`.
    pub fn query_info(&self, path: &StorePath) -> Result<Option<PathInfo>> {
        self.db().query_info(path)
    }

    /// Metadata of a path that must be valid.
    pub fn info(&self, path: &StorePath) -> Result<PathInfo> {
        self.query_info(path)?
            .ok_or_else(|| StoreError::NotValid { path: path.clone() })
    }

    /// The references of a valid path.
    pub fn references(&self, path: &StorePath) -> Result<BTreeSet<StorePath>> {
        Ok(self.info(path)?.references)
    }

    /// The valid paths that refer to `path`.
    pub fn referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>> {
        self.db().referrers(path)
    }

    /// Every valid path, sorted.
    pub fn all_paths(&self) -> Result<BTreeSet<StorePath>> {
        Ok(self.db().graph()?.into_keys().collect())
    }

    /// The paths and everything they refer to, transitively; every start path must be valid.
    pub fn closure<'a>(
        &self,
        paths: impl IntoIterator<Item = &'a StorePath>,
    ) -> Result<BTreeSet<StorePath>> {
        let db = self.db();
        let mut out = BTreeSet::new();
        let mut todo: Vec<StorePath> = paths.into_iter().cloned().collect();
        while let Some(p) = todo.pop() {
            if out.contains(&p) {
                continue;
            }
            let info = db
                .query_info(&p)?
                .ok_or_else(|| StoreError::NotValid { path: p.clone() })?;
            todo.extend(info.references.into_iter().filter(|r| !out.contains(r)));
            out.insert(p);
        }
        Ok(out)
    }

    /// The closure of `paths` in dependency order: every path after all its references (self
    /// references aside), ties broken by path, so images and caches get a deterministic order.
    pub fn closure_in_dependency_order<'a>(
        &self,
        paths: impl IntoIterator<Item = &'a StorePath>,
    ) -> Result<Vec<StorePath>> {
        let closure = self.closure(paths)?;
        let mut refs = std::collections::BTreeMap::new();
        for p in &closure {
            let mut r = self.references(p)?;
            r.remove(p);
            refs.insert(p.clone(), r);
        }
        let mut done = BTreeSet::new();
        let mut out = Vec::with_capacity(closure.len());
        for start in &closure {
            // Iterative post-order DFS: references are emitted before their referrers.
            let mut stack = vec![(start, false)];
            while let Some((p, expanded)) = stack.pop() {
                if expanded {
                    out.push(p.clone());
                } else if done.insert(p) {
                    stack.push((p, true));
                    stack.extend(
                        refs[p]
                            .iter()
                            .rev()
                            .filter(|r| !done.contains(*r))
                            .map(|r| (r, false)),
                    );
                }
            }
        }
        Ok(out)
    }

    /// Registers an output: takes the path's lock (waiting for another process building it) and
    /// calls [`Store::register_locked`].
    pub fn register(
        &self,
        output: &Path,
        path: &StorePath,
        info: RegisterInfo,
    ) -> Result<Registered> {
        let lock = self.lock_path(path)?;
        self.register_locked(&lock, output, info)
    }

    /// Registers `output` (a file or folder, ideally in [`Store::temp_dir`]) as the lock's path.
    ///
    /// The output is moved into a private folder, normalised, hashed, scanned for references,
    /// fsynced, renamed into `store/` in one step and then recorded in the database; it is
    /// consumed either way. If the path is already valid the output is discarded. The new path
    /// becomes a temporary root of this process.
    pub fn register_locked(
        &self,
        lock: &PathLock,
        output: &Path,
        info: RegisterInfo,
    ) -> Result<Registered> {
        self.register_inner(
            lock,
            output,
            Refs::Scan(info.candidate_references),
            info.step_hash,
            None,
        )
    }

    fn register_inner(
        &self,
        lock: &PathLock,
        output: &Path,
        refs: Refs,
        step_hash: Option<String>,
        expected: Option<(&Path, blake3::Hash)>,
    ) -> Result<Registered> {
        let path = lock.path().clone();
        if let Some(existing) = self.query_info(&path)? {
            let _ = lock::remove_tree(output);
            self.add_temp_root(&path)?;
            return Ok(Registered {
                info: existing,
                already_valid: true,
            });
        }
        let tmp = self.temp_dir()?;
        let staged = tmp.path().join("out");
        if fs::symlink_metadata(output).is_ok_and(|m| m.is_dir()) {
            use std::os::unix::fs::PermissionsExt;
            // Moving a folder to a new parent needs write access to it (its `..` changes).
            fs::set_permissions(output, fs::Permissions::from_mode(0o755))
                .map_err(StoreError::io("set permissions of", output))?;
        }
        match fs::rename(output, &staged) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
                let node = tree::walk_tree(output)?;
                tree::copy_tree(&node, &staged)?;
                let _ = lock::remove_tree(output);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::SourceMissing {
                    path: output.to_owned(),
                })
            }
            Err(e) => return Err(StoreError::io("move", output)(e)),
        }

        let scanner = match &refs {
            Refs::Scan(cands) => {
                let mut cands = cands.clone();
                cands.insert(path.clone());
                RefScanner::new(&cands)
            }
            Refs::Exact(_) => RefScanner::new(&BTreeSet::new()),
        };
        let normalised = tree::normalise(&staged, &scanner).map_err(|e| match e {
            // Name the file as the caller knows it, not inside our private folder.
            StoreError::UnsupportedFileType { path: p } => StoreError::UnsupportedFileType {
                path: p
                    .strip_prefix(&staged)
                    .map(|rel| output.join(rel))
                    .unwrap_or(p),
            },
            other => other,
        })?;
        let (content_hash, nar_size) = normalised.node.content_hash();
        if let Some((source, want)) = expected {
            if want != content_hash {
                return Err(StoreError::SourceChanged {
                    path: source.to_owned(),
                });
            }
        }
        let references = match refs {
            Refs::Scan(_) => normalised.references,
            Refs::Exact(r) => r,
        };

        let dest = self.host_path(&path);
        // Left over from a crash between rename and insert: we hold the lock, so it is garbage.
        if fs::symlink_metadata(&dest).is_ok() {
            self.discard_entry(&dest)?;
        }
        fs::rename(&staged, &dest).map_err(StoreError::io("rename into store", &dest))?;
        let is_dir = fs::symlink_metadata(&dest)
            .map_err(StoreError::io("stat", &dest))?
            .is_dir();
        if is_dir {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&dest, fs::Permissions::from_mode(0o555))
                .map_err(StoreError::io("set permissions of", &dest))?;
            tree::normalise_top_mtime(&dest)?;
        }
        fs::File::open(self.store_dir())
            .and_then(|d| d.sync_all())
            .map_err(StoreError::io("fsync", self.store_dir()))?;

        let info = PathInfo {
            path: path.clone(),
            content_hash: content_hash.to_hex().to_string(),
            nar_size,
            references,
            step_hash,
            registered_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        };
        if let Err(e) = self.db().insert(&info) {
            let _ = self.discard_entry(&dest);
            return Err(e);
        }
        self.add_temp_root(&path)?;
        Ok(Registered {
            info,
            already_valid: false,
        })
    }

    /// Removes an entry of `store/` by renaming it into a private folder first, so that a crash
    /// never leaves a half-deleted tree visible under its name.
    fn discard_entry(&self, entry: &Path) -> Result<()> {
        let tmp = self.temp_dir()?;
        let grave = tmp.path().join("gone");
        if let Ok(meta) = fs::symlink_metadata(entry) {
            if meta.is_dir() {
                use std::os::unix::fs::PermissionsExt;
                // Moving a folder to a new parent needs write access to it (its `..` changes).
                fs::set_permissions(entry, fs::Permissions::from_mode(0o755))
                    .map_err(StoreError::io("set permissions of", entry))?;
            }
        }
        match fs::rename(entry, &grave) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::io("move out of store", entry)(e)),
        }
        lock::remove_tree(&grave).map_err(StoreError::io("remove", &grave))
    }

    /// The content hash and nar size of any host file or tree, as the store would record them.
    pub fn hash_path(host: &Path) -> Result<(blake3::Hash, u64)> {
        if fs::symlink_metadata(host).is_err() {
            return Err(StoreError::SourceMissing {
                path: host.to_owned(),
            });
        }
        Ok(tree::hash_tree(host)?.content_hash())
    }
}

#[cfg(test)]
mod tests;
