//! Locks (flock through `std::fs::File::lock`), private temporary folders and file removal.
//!
//! flock locks die with the process, which is what makes every protocol here crash-safe: a lock
//! that can be taken belongs to nobody alive. Lock files may be deleted by whoever holds them;
//! after taking a lock we check that the file is still linked and start over if not, so two
//! processes never believe they hold "the" lock through different inodes.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{Result, StoreError};
use super::path::StorePath;

/// How a lock is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// Exclusive, waiting for it.
    Wait,
    /// Exclusive, giving up at once if someone holds it.
    Try,
    /// Shared, waiting for it.
    Shared,
}

/// Opens (creating) `path` and locks it; `None` only with [`LockMode::Try`] when it is held.
pub fn lock_file(path: &Path, mode: LockMode) -> Result<Option<File>> {
    loop {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(StoreError::io("open lock file", path))?;
        match mode {
            LockMode::Wait => file.lock().map_err(StoreError::io("lock", path))?,
            LockMode::Shared => file.lock_shared().map_err(StoreError::io("lock", path))?,
            LockMode::Try => match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Ok(None),
                Err(TryLockError::Error(e)) => return Err(StoreError::io("lock", path)(e)),
            },
        }
        let meta = file.metadata().map_err(StoreError::io("stat", path))?;
        if meta.nlink() > 0 {
            return Ok(Some(file));
        }
        // The holder before us deleted the file: lock the new one instead.
    }
}

/// An exclusive lock on one store path, held until dropped.
///
/// Whoever builds or registers a path holds it, so a second process wanting the same path waits
/// and then finds it valid; GC skips paths whose lock it cannot take.
#[derive(Debug)]
pub struct PathLock {
    path: StorePath,
    lock_path: PathBuf,
    file: File,
}

impl PathLock {
    pub(crate) fn acquire(
        locks_dir: &Path,
        path: &StorePath,
        mode: LockMode,
    ) -> Result<Option<Self>> {
        let lock_path = locks_dir.join(format!("{}.lock", path.hash_part()));
        Ok(lock_file(&lock_path, mode)?.map(|file| PathLock {
            path: path.clone(),
            lock_path,
            file,
        }))
    }

    /// The locked store path.
    pub fn path(&self) -> &StorePath {
        &self.path
    }

    /// Deletes the lock file, then releases the lock (used by GC after deleting the path).
    pub(crate) fn remove(self) {
        let _ = fs::remove_file(&self.lock_path);
        drop(self.file);
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name no other process or thread will pick.
pub fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{n}-{nanos:09}", std::process::id())
}

/// A private folder under the store's `tmp/`, on the store's filesystem so that its contents can
/// be renamed into `store/`. Removed on drop; if the process dies, the next store open sweeps it
/// (its lock file, `tmp/<name>.lock`, is then free).
#[derive(Debug)]
pub struct StoreTempDir {
    dir: PathBuf,
    lock_path: PathBuf,
    _lock: File,
}

impl StoreTempDir {
    pub(crate) fn create(tmp_root: &Path) -> Result<Self> {
        loop {
            let name = unique_name();
            let lock_path = tmp_root.join(format!("{name}.lock"));
            let file = match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock_path)
            {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(StoreError::io("create", &lock_path)(e)),
            };
            file.lock().map_err(StoreError::io("lock", &lock_path))?;
            // A sweeper may have taken the lock between create and lock and deleted the file.
            if file.metadata().map(|m| m.nlink()).unwrap_or(0) == 0 {
                continue;
            }
            let dir = tmp_root.join(&name);
            fs::create_dir(&dir).map_err(StoreError::io("create", &dir))?;
            return Ok(StoreTempDir {
                dir,
                lock_path,
                _lock: file,
            });
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for StoreTempDir {
    fn drop(&mut self) {
        // Folder first, lock file last: a folder without its lock file means its owner is gone.
        let _ = remove_tree(&self.dir);
        let _ = fs::remove_file(&self.lock_path);
    }
}

/// Removes what dead processes left in `tmp/`.
pub fn sweep_tmp(tmp_root: &Path) -> Result<()> {
    let mut names: Vec<_> = fs::read_dir(tmp_root)
        .map_err(StoreError::io("read", tmp_root))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        if let Some(stem) = name.strip_suffix(".lock") {
            let lock_path = tmp_root.join(name);
            if let Some(lock) = lock_file_no_create(&lock_path)? {
                let _ = remove_tree(&tmp_root.join(stem));
                let _ = fs::remove_file(&lock_path);
                drop(lock);
            }
        } else if !tmp_root.join(format!("{name}.lock")).exists() {
            let _ = remove_tree(&tmp_root.join(name));
        }
    }
    Ok(())
}

/// Try-locks an existing file without creating it; `None` if held or gone.
pub fn lock_file_no_create(path: &Path) -> Result<Option<File>> {
    let file = match OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io("open", path)(e)),
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(StoreError::io("lock", path)(e)),
    }
}

/// Removes a file or tree even where normalisation made folders read-only; a missing path is fine.
pub fn remove_tree(path: &Path) -> io::Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return match fs::remove_file(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            r => r,
        };
    }
    make_dirs_writable(path)?;
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

fn make_dirs_writable(dir: &Path) -> io::Result<()> {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            make_dirs_writable(&entry.path())?;
        }
    }
    Ok(())
}
