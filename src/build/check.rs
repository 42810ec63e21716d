//! Checks of a step's result: `--check` comparisons with a readable report, fixed-output
//! hashes, and the order in which several outputs are registered.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use kiln_lang::hash::{HashAlgo, Hasher};

use super::BuildError;
use crate::plan::FixedOutputSpec;
use crate::store::{Store, StorePath};

/// Files up to this size are shown as a unified diff when they are text.
const DIFF_MAX_BYTES: u64 = 64 * 1024;
/// At most this many differing files are described.
const MAX_FILES_SHOWN: usize = 20;
/// At most this many diff lines per file.
const MAX_DIFF_LINES: usize = 80;

/// Compares a rebuild (`rebuilt`, on the host) with the registered output `path` (at
/// `registered`, with content hash `want_hex`).
pub fn compare(
    step: &str,
    path: &StorePath,
    registered: &Path,
    rebuilt: &Path,
    want_hex: &str,
) -> Result<(), BuildError> {
    let (got, _) = Store::hash_path(rebuilt).map_err(|source| BuildError::Store {
        step: step.to_string(),
        source,
    })?;
    if got.to_hex().as_str() == want_hex {
        return Ok(());
    }
    let old = entries(registered);
    let new = entries(rebuilt);
    let mut files = Vec::new();
    let mut report = String::new();
    let mut names: Vec<&PathBuf> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    for rel in names {
        let shown = if rel.as_os_str().is_empty() {
            ".".to_string()
        } else {
            rel.display().to_string()
        };
        let what = match (old.get(rel), new.get(rel)) {
            (Some(_), None) => "only in the registered output".to_string(),
            (None, Some(_)) => "only in the rebuild".to_string(),
            (Some(a), Some(b)) => match a.differs(b) {
                Some(w) => w.to_string(),
                None if matches!(a, Entry::File { .. })
                    && !same_contents(&registered.join(rel), &rebuilt.join(rel)) =>
                {
                    "contents differ".to_string()
                }
                None => continue,
            },
            (None, None) => continue,
        };
        files.push(shown.clone());
        if files.len() > MAX_FILES_SHOWN {
            continue;
        }
        report.push_str(&format!("  {shown}: {what}\n"));
        if what == "contents differ" {
            if let Some(diff) = text_diff(&registered.join(rel), &rebuilt.join(rel), &shown) {
                report.push_str(&diff);
            }
        }
    }
    if files.len() > MAX_FILES_SHOWN {
        report.push_str(&format!(
            "  ... and {} more\n",
            files.len() - MAX_FILES_SHOWN
        ));
    }
    Err(BuildError::NotReproducible {
        step: step.to_string(),
        path: path.clone(),
        files,
        report: report.trim_end().to_string(),
    })
}

/// What the content hash sees of a file.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    File { exec: bool, size: u64 },
    Link(PathBuf),
    Dir,
    Other,
}

impl Entry {
    fn differs(&self, other: &Entry) -> Option<&'static str> {
        match (self, other) {
            (Entry::File { exec: a, size: s }, Entry::File { exec: b, size: t }) => {
                if a != b {
                    Some("executable bit differs")
                } else if s != t {
                    Some("contents differ")
                } else {
                    None // same size: decided by comparing contents below
                }
            }
            (Entry::Link(a), Entry::Link(b)) if a != b => Some("symlink target differs"),
            (a, b) if std::mem::discriminant(a) != std::mem::discriminant(b) => {
                Some("file type differs")
            }
            _ => None,
        }
    }
}

/// Every entry below `root` (the root itself as the empty path), relative.
fn entries(root: &Path) -> BTreeMap<PathBuf, Entry> {
    let mut out = BTreeMap::new();
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        let full = root.join(&rel);
        let Ok(meta) = fs::symlink_metadata(&full) else {
            continue;
        };
        let entry = if meta.is_symlink() {
            Entry::Link(fs::read_link(&full).unwrap_or_default())
        } else if meta.is_dir() {
            if let Ok(rd) = fs::read_dir(&full) {
                for e in rd.flatten() {
                    todo.push(rel.join(e.file_name()));
                }
            }
            Entry::Dir
        } else if meta.is_file() {
            Entry::File {
                exec: meta.permissions().mode() & 0o100 != 0,
                size: meta.len(),
            }
        } else {
            Entry::Other
        };
        out.insert(rel, entry);
    }
    out
}

/// Same-size regular files are compared by contents here.
fn same_contents(a: &Path, b: &Path) -> bool {
    match (fs::read(a), fs::read(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// A unified diff of two small text files, or `None` for big or binary ones.
fn text_diff(old: &Path, new: &Path, name: &str) -> Option<String> {
    let small = |p: &Path| fs::metadata(p).is_ok_and(|m| m.len() <= DIFF_MAX_BYTES);
    if !small(old) || !small(new) {
        return None;
    }
    let a = String::from_utf8(fs::read(old).ok()?).ok()?;
    let b = String::from_utf8(fs::read(new).ok()?).ok()?;
    if a.contains('\0') || b.contains('\0') {
        return None;
    }
    let diff = similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header(&format!("registered/{name}"), &format!("rebuild/{name}"))
        .to_string();
    let mut lines: Vec<&str> = diff.lines().collect();
    let more = lines.len().saturating_sub(MAX_DIFF_LINES);
    lines.truncate(MAX_DIFF_LINES);
    let mut out: String = lines.iter().map(|l| format!("    {l}\n")).collect();
    if more > 0 {
        out.push_str(&format!("    ... {more} more diff lines\n"));
    }
    Some(out)
}

/// Checks a fixed-output step's output against its declared hash.
pub fn fixed_output(
    step: &str,
    path: &StorePath,
    built: &Path,
    spec: &FixedOutputSpec,
) -> Result<(), BuildError> {
    let bad = |reason: String| BuildError::BadFixedOutput {
        step: step.to_string(),
        reason,
    };
    let algo = HashAlgo::ALL
        .into_iter()
        .find(|a| a.name() == spec.algo)
        .ok_or_else(|| bad(format!("unknown hash algorithm {}", spec.algo)))?;
    let io = |e: std::io::Error| BuildError::Io {
        step: step.to_string(),
        op: "hash",
        path: built.to_owned(),
        source: e,
    };
    let got = match spec.mode.as_str() {
        "flat" => {
            let meta = fs::symlink_metadata(built).map_err(io)?;
            if !meta.is_file() {
                return Err(bad(format!(
                    "{path} must be a single regular file (flat hash mode)"
                )));
            }
            let mut h = Hasher::new(algo);
            let mut f = fs::File::open(built).map_err(io)?;
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = f.read(&mut buf).map_err(io)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            h.finish()
        }
        "recursive" if algo == HashAlgo::Sha256 => {
            crate::plan::nar::nar_sha256(built, &|_| true).map_err(io)?
        }
        "recursive" => {
            return Err(bad(format!(
                "recursive hashes with {} are not supported, use sha256",
                spec.algo
            )))
        }
        other => return Err(bad(format!("unknown hash mode {other}"))),
    };
    let got = kiln_lang::hash::base16_encode(&got);
    if got != spec.digest.to_ascii_lowercase() {
        return Err(BuildError::HashMismatch {
            step: step.to_string(),
            path: path.clone(),
            algo: spec.algo.clone(),
            want: spec.digest.clone(),
            got,
        });
    }
    Ok(())
}

/// The order to register a step's outputs in: an output that mentions a sibling's hash goes
/// after it (the store refuses references to paths that are not valid yet). Declared order
/// otherwise; a cycle keeps the declared order and fails at registration with a clear error.
pub fn registration_order(
    outputs: &[(String, StorePath)],
    host: impl Fn(&StorePath) -> PathBuf,
) -> Vec<&StorePath> {
    let paths: Vec<&StorePath> = outputs.iter().map(|(_, p)| p).collect();
    if paths.len() < 2 {
        return paths;
    }
    // needs[i]: siblings that output i mentions.
    let needs: Vec<Vec<usize>> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let text = tree_bytes(&host(p));
            (0..paths.len())
                .filter(|&j| j != i)
                .filter(|&j| mentions(&text, paths[j].base_name().as_bytes()))
                .collect()
        })
        .collect();
    let mut order = Vec::new();
    let mut placed = vec![false; paths.len()];
    while order.len() < paths.len() {
        let next = (0..paths.len()).find(|&i| !placed[i] && needs[i].iter().all(|&j| placed[j]));
        let Some(i) = next else {
            return paths; // a cycle
        };
        placed[i] = true;
        order.push(paths[i]);
    }
    order
}

/// Names, symlink targets and file contents of a tree, concatenated (separated by NULs).
fn tree_bytes(root: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(p) = todo.pop() {
        out.extend_from_slice(p.as_os_str().as_bytes());
        out.push(0);
        let Ok(meta) = fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_symlink() {
            if let Ok(t) = fs::read_link(&p) {
                out.extend_from_slice(t.as_os_str().as_bytes());
            }
        } else if meta.is_dir() {
            if let Ok(rd) = fs::read_dir(&p) {
                todo.extend(rd.flatten().map(|e| e.path()));
            }
        } else if let Ok(data) = fs::read(&p) {
            out.extend_from_slice(&data);
        }
        out.push(0);
    }
    out
}

/// Whether `haystack` holds the store base name `base` as a whole name: siblings share their
/// hash part (`<hash>-x` and `<hash>-x-dev`), so the hash alone does not tell them apart.
fn mentions(haystack: &[u8], base: &[u8]) -> bool {
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || b"+-._?=".contains(&b);
    !base.is_empty()
        && haystack
            .windows(base.len())
            .enumerate()
            .any(|(i, w)| w == base && haystack.get(i + base.len()).is_none_or(|b| !name_byte(*b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_lists_files_and_diffs_text() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for d in [&a, &b] {
            fs::create_dir(d).unwrap();
            fs::write(d.join("same"), "same\n").unwrap();
        }
        fs::write(a.join("t"), "one\ntwo\n").unwrap();
        fs::write(b.join("t"), "one\nTWO\n").unwrap();
        fs::write(a.join("n"), "123").unwrap();
        fs::write(b.join("n"), "456").unwrap();
        fs::write(b.join("extra"), "").unwrap();
        let (want, _) = Store::hash_path(&a).unwrap();
        let p = StorePath::parse("/kiln/store/0123456789abcdfghijklmnpqrsvwxyz-x").unwrap();
        let err = compare("x", &p, &a, &b, want.to_hex().as_str()).unwrap_err();
        let BuildError::NotReproducible { files, report, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(files, &["extra", "n", "t"]);
        assert!(report.contains("-two\n    +TWO"), "{report}");
        assert!(err.to_string().contains("not reproducible"));
        assert!(compare("x", &p, &a, &a, want.to_hex().as_str()).is_ok());
    }

    #[test]
    fn siblings_are_told_apart_by_whole_name() {
        assert!(mentions(b"/kiln/store/h-x-dev/lib", b"h-x-dev"));
        assert!(!mentions(b"/kiln/store/h-x-dev/lib", b"h-x"));
        assert!(mentions(b"/kiln/store/h-x", b"h-x"));
    }
}
