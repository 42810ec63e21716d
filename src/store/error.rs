//! Errors of the store.

use std::io;
use std::path::PathBuf;

use super::path::{PathError, StorePath};

/// Anything that can go wrong in the store; every message names the path involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A filesystem operation failed.
    #[error("cannot {op} {path}: {source}")]
    Io {
        /// What we tried to do ("read", "rename", ...).
        op: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The metadata database failed.
    #[error("store database {path}: {source}")]
    Db {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The database was written by a newer kiln.
    #[error(
        "store database {path} has schema version {found}, this kiln understands up to {supported}"
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// The version found.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A store path or name is malformed.
    #[error(transparent)]
    Path(#[from] PathError),
    /// A file that is not a regular file, directory or symlink.
    #[error("cannot store {path}: only regular files, directories and symlinks are allowed")]
    UnsupportedFileType {
        /// The offending file.
        path: PathBuf,
    },
    /// A source to import does not exist.
    #[error("source path {path} does not exist")]
    SourceMissing {
        /// The host path.
        path: PathBuf,
    },
    /// A source's name could not be derived from its path.
    #[error("cannot derive a store name from {path}: give one explicitly")]
    NoName {
        /// The host path.
        path: PathBuf,
    },
    /// A path that should be in the store is not.
    #[error("{path} is not a valid store path (not registered in the store)")]
    NotValid {
        /// The store path.
        path: StorePath,
    },
    /// A host path or argument does not name anything in the store.
    #[error("{arg} is not in the store")]
    NotInStore {
        /// The argument as given.
        arg: String,
    },
    /// An output refers to a path that is not valid.
    #[error("cannot register {path}: it refers to {reference}, which is not valid")]
    InvalidReference {
        /// The path being registered.
        path: StorePath,
        /// The missing reference.
        reference: StorePath,
    },
    /// A source changed while it was copied, so the copy does not match the hash.
    #[error("source {path} changed while it was being copied into the store; try again")]
    SourceChanged {
        /// The host path.
        path: PathBuf,
    },
}

impl StoreError {
    /// Wraps an io error with what we tried and where.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| StoreError::Io { op, path, source }
    }
}

/// Results of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
