//! Verification: rehash valid paths and compare with the recorded content hashes.

use std::fs;

use super::error::Result;
use super::path::StorePath;
use super::Store;

/// A path whose contents no longer match its recorded hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupt {
    /// The path.
    pub path: StorePath,
    /// The recorded content hash (hex).
    pub expected: String,
    /// The hash of what is on disk now (hex), or the error that stopped hashing it.
    pub actual: String,
}

/// What a verification found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// How many paths were checked.
    pub n_checked: usize,
    /// Valid paths whose contents changed.
    pub corrupt: Vec<Corrupt>,
    /// Paths asked about (or registered) that are missing: not valid, or gone from disk.
    pub missing: Vec<StorePath>,
}

impl VerifyReport {
    /// Whether nothing is corrupt or missing.
    pub fn is_ok(&self) -> bool {
        self.corrupt.is_empty() && self.missing.is_empty()
    }
}

impl Store {
    /// Rehashes `paths` (every valid path if `None`) and reports corrupt and missing ones, sorted.
    pub fn verify(&self, paths: Option<&[StorePath]>) -> Result<VerifyReport> {
        let paths: Vec<StorePath> = match paths {
            Some(p) => p.to_vec(),
            None => self.all_paths()?.into_iter().collect(),
        };
        let mut report = VerifyReport {
            n_checked: paths.len(),
            ..Default::default()
        };
        let mut to_hash = Vec::new();
        for path in paths {
            match self.query_info(&path)? {
                None => report.missing.push(path),
                Some(info) if fs::symlink_metadata(self.host_path(&path)).is_err() => {
                    report.missing.push(info.path)
                }
                Some(info) => to_hash.push(info),
            }
        }
        // Paths one at a time (each hashes its files in parallel), so memory stays flat.
        report.corrupt = to_hash
            .iter()
            .filter_map(|info| {
                let actual = match Store::hash_path(&self.host_path(&info.path)) {
                    Ok((h, _)) => h.to_hex().to_string(),
                    Err(e) => e.to_string(),
                };
                (actual != info.content_hash).then(|| Corrupt {
                    path: info.path.clone(),
                    expected: info.content_hash.clone(),
                    actual,
                })
            })
            .collect::<Vec<_>>();
        report.missing.sort();
        report.missing.dedup();
        report.corrupt.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(report)
    }
}
