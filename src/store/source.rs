//! Importing host files (`./src`, `builtins.path`, `filterSource`) and texts (`builtins.toFile`)
//! into the store, content-addressed.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use super::error::{Result, StoreError};
use super::hash::Node;
use super::path::{validate_name, StorePath};
use super::tree::{self, SourceFilter};
use super::{Refs, Store};

/// Derive-key context for the store path of an imported source or text.
const SOURCE_PATH_CONTEXT: &str = "kiln 2026-11 source path v1";

/// Files modified this recently may still be changing within the filesystem's timestamp
/// granularity ("racy" in git's sense), so their hashes are not cached.
const RACY_NS: i64 = 2_000_000_000;

/// The store path of a source: hash of kind, name, content hash and references.
fn source_path(
    kind: &str,
    name: &str,
    content: &blake3::Hash,
    references: &BTreeSet<StorePath>,
) -> Result<StorePath> {
    let mut h = blake3::Hasher::new_derive_key(SOURCE_PATH_CONTEXT);
    for part in [kind, name, &content.to_hex()] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(&(references.len() as u64).to_le_bytes());
    for r in references {
        let s = r.to_absolute();
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    }
    Ok(StorePath::from_hash(&h.finalize(), name)?)
}

impl Store {
    /// Copies a host file or tree into the store, content-addressed, and returns its path.
    ///
    /// `name` defaults to the host path's basename. `filter` sees each entry below the root
    /// (absolute host path, file type) and leaves out those it rejects. Unchanged host files (same
    /// path, device, inode, size, mtime, ctime) are not rehashed, and an unchanged tree is not
    /// copied again. The result is a temporary root of this process.
    pub fn add_source(
        &self,
        host: &Path,
        name: Option<&str>,
        filter: Option<SourceFilter<'_>>,
    ) -> Result<StorePath> {
        let abs = std::path::absolute(host).map_err(StoreError::io("resolve", host))?;
        let name = match name {
            Some(n) => n.to_owned(),
            None => abs
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_owned)
                .ok_or_else(|| StoreError::NoName { path: abs.clone() })?,
        };
        validate_name(&name)?;
        let (node, content_hash) = self.hash_source(&abs, filter)?;
        let path = source_path("source", &name, &content_hash, &BTreeSet::new())?;
        if self.is_valid(&path)? {
            self.add_temp_root(&path)?;
            if self.is_valid(&path)? {
                return Ok(path);
            }
        }
        let lock = self.lock_path(&path)?;
        if !self.is_valid(&path)? {
            let tmp = self.temp_dir()?;
            let staged = tmp.path().join("src");
            tree::copy_tree(&node, &staged)?;
            self.register_inner(
                &lock,
                &staged,
                Refs::Exact(BTreeSet::new()),
                None,
                Some((&abs, content_hash)),
            )?;
        }
        self.add_temp_root(&path)?;
        Ok(path)
    }

    /// Walks and hashes a host tree, reusing cached file hashes; returns the tree and its content
    /// hash.
    fn hash_source(
        &self,
        abs: &Path,
        filter: Option<SourceFilter<'_>>,
    ) -> Result<(Node, blake3::Hash)> {
        let mut files = Vec::new();
        let mut node = tree::walk_source(abs, filter, &mut files)?;
        let lookup: Vec<_> = files.iter().map(|f| (f.key.clone(), f.stamp)).collect();
        let cached = self.db().source_cache_lookup(&lookup)?;
        let hashed = tree::fill_hashes(&mut node, |p| {
            use std::os::unix::ffi::OsStrExt;
            cached.get(p.as_os_str().as_bytes()).copied()
        })?;
        if !hashed.is_empty() {
            let now_ns = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as i64)
                .unwrap_or(0);
            let stamps: std::collections::BTreeMap<_, _> =
                files.iter().map(|f| (f.key.as_slice(), f.stamp)).collect();
            let fresh: Vec<_> = hashed
                .into_iter()
                .filter_map(|(p, h)| {
                    use std::os::unix::ffi::OsStrExt;
                    let key = p.as_os_str().as_bytes();
                    let stamp = *stamps.get(key)?;
                    (stamp.mtime_ns < now_ns - RACY_NS).then(|| (key.to_vec(), stamp, h))
                })
                .collect();
            self.db().source_cache_store(&fresh)?;
        }
        let (hash, _) = node.content_hash();
        Ok((node, hash))
    }

    /// Stores a text as a single read-only file (`builtins.toFile`); `references` are the store
    /// paths it mentions (from string context) and must be valid.
    pub fn add_text(
        &self,
        name: &str,
        contents: &[u8],
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath> {
        validate_name(name)?;
        let node = Node::File {
            path: Default::default(),
            executable: false,
            size: contents.len() as u64,
            hash: *blake3::hash(contents).as_bytes(),
        };
        let (content_hash, _) = node.content_hash();
        let path = source_path("text", name, &content_hash, references)?;
        let lock = self.lock_path(&path)?;
        if !self.is_valid(&path)? {
            let tmp = self.temp_dir()?;
            let staged = tmp.path().join("text");
            fs::write(&staged, contents).map_err(StoreError::io("write", &staged))?;
            self.register_inner(&lock, &staged, Refs::Exact(references.clone()), None, None)?;
        }
        self.add_temp_root(&path)?;
        Ok(path)
    }
}
