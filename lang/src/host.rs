//! The evaluator's only door to the outside world.
//!
//! Everything that reads files, the environment or writes to a store goes
//! through [`Host`], like Tvix's `EvalIO`. The `kiln` binary supplies the real
//! implementation; tests can supply one backed by strings.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use crate::hash::HashAlgo;
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

/// How a fixed-output step's output is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedOutput {
    /// The hash algorithm.
    pub algo: HashAlgo,
    /// The expected digest.
    pub digest: Vec<u8>,
    /// `outputHashMode = "recursive"`: the hash is over a serialisation of the
    /// whole tree (NAR), not over a single file's contents.
    pub recursive: bool,
}

/// Everything `derivationStrict` learnt from its attributes, handed to the
/// host, which turns it into a step of the build plan.
#[derive(Clone, Debug, Default)]
pub struct DerivationRecord {
    /// The step's name (validated as a store path name).
    pub name: String,
    /// `system`.
    pub system: String,
    /// `builder`.
    pub builder: String,
    /// `args`.
    pub args: Vec<String>,
    /// The environment: every attribute that is not one of kiln's own
    /// (`rootfs`, `hostPaths`, `timeout`, `allowNetwork`) or `__ignoreNulls`.
    pub env: BTreeMap<String, String>,
    /// The output names, in the order declared (the first is the default).
    pub outputs: Vec<String>,
    /// The union of the contexts of all attributes: what the step depends on.
    pub context: Context,
    /// `rootfs`: store paths of the layers merged at `/`, bottom first.
    pub rootfs: Vec<String>,
    /// `hostPaths`: absolute host paths bind-mounted read-only (impure).
    pub host_paths: Vec<String>,
    /// `outputHash` and friends, for fixed-output steps.
    pub fixed_output: Option<FixedOutput>,
    /// `timeout` in seconds.
    pub timeout: Option<u64>,
    /// `allowNetwork` (only with `fixed_output`).
    pub allow_network: bool,
    /// `passAsFile`: environment variables the builder gets as files.
    pub pass_as_file: Vec<String>,
}

/// What the host answers for a derivation: its step path and output paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DerivationResult {
    /// `/kiln/store/<hash32>-<name>.step`.
    pub drv_path: String,
    /// Output name to store path.
    pub outputs: BTreeMap<String, String>,
}

/// A request to copy a host path into the store (`builtins.path`).
#[derive(Clone, Debug)]
pub struct AddPath<'a> {
    /// The absolute host path.
    pub path: &'a Path,
    /// The store path's name (default: the basename).
    pub name: Option<&'a str>,
    /// When filtered: the entries below `path` to keep (absolute paths).
    pub include: Option<&'a BTreeSet<PathBuf>>,
    /// `sha256`: the expected SHA-256 of the NAR serialisation of the result.
    pub sha256: Option<&'a [u8]>,
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
    /// Copies a host path into the store with a name, a filter or an expected
    /// hash (`builtins.path`, `filterSource`); returns the store path.
    fn add_path(&self, req: &AddPath<'_>) -> Result<String, String> {
        Err(format!(
            "cannot copy '{}' to the store: this evaluation has no store",
            req.path.display()
        ))
    }
    /// Stores a text file (`builtins.toFile`) that refers to `references`.
    fn add_text(
        &self,
        name: &str,
        _contents: &[u8],
        _references: &BTreeSet<String>,
    ) -> Result<String, String> {
        Err(format!(
            "cannot write '{name}' to the store: this evaluation has no store"
        ))
    }
    /// Checks that `path` is (inside) a valid store path for
    /// `builtins.storePath`; returns the top-level store path.
    fn store_path(&self, path: &str) -> Result<String, String> {
        Err(format!(
            "cannot use store path '{path}': this evaluation has no store"
        ))
    }
    /// Records a derivation as a step of the plan; returns its paths.
    fn derivation(&self, record: DerivationRecord) -> Result<DerivationResult, String> {
        Err(format!(
            "cannot instantiate derivation '{}': this evaluation has no build plan",
            record.name
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
