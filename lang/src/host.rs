//! The evaluator's only door to the outside world.
//!
//! Everything that reads files, the environment or writes to a store goes
//! through [`Host`], like Tvix's `EvalIO`. The `kiln` binary supplies the real
//! implementation; tests can supply one backed by strings.

use std::io;
use std::path::Path;

use crate::value::Context;

/// The type of a directory entry, as `builtins.readDir` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// Anything else (socket, device, fifo).
    Unknown,
}

impl FileType {
    /// The name `builtins.readDir` uses.
    pub fn nix_name(self) -> &'static str {
        match self {
            FileType::Regular => "regular",
            FileType::Directory => "directory",
            FileType::Symlink => "symlink",
            FileType::Unknown => "unknown",
        }
    }
}

/// IO and store access for the evaluator.
pub trait Host {
    /// Reads a whole file.
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Lists a directory: names and types, in any order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>>;
    /// The type of a path without following a final symlink, or an error if
    /// it does not exist.
    fn file_type(&self, path: &Path) -> io::Result<FileType>;
    /// Whether a path exists (following symlinks).
    fn path_exists(&self, path: &Path) -> bool;
    /// An environment variable.
    fn get_env(&self, name: &str) -> Option<String>;
    /// Copies a path into the store (for `"${./src}"`), returning the store
    /// path and the context that refers to it.
    fn copy_to_store(&self, path: &Path) -> Result<(String, Context), String> {
        Err(format!(
            "cannot copy '{}' to the store: this evaluation has no store",
            path.display()
        ))
    }
    /// The store directory paths are shown under (`/kiln/store`).
    fn store_dir(&self) -> &str {
        "/kiln/store"
    }
    /// Writes a message from `builtins.trace` and warnings.
    fn trace(&self, message: &str) {
        eprintln!("{message}");
    }
}
