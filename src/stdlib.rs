//! The standard library written in the kiln language, embedded in the binary.
//!
//! It is unpacked once into a cache folder named after its content hash, so
//! that `<kiln/lib>` is an ordinary path every file builtin can read.

use std::path::PathBuf;

use anyhow::{Context, Result};
use include_dir::{include_dir, Dir};

static STDLIB: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/stdlib");

/// The folder holding the unpacked standard library.
pub fn stdlib_dir() -> Result<PathBuf> {
    let mut hasher = blake3::Hasher::new();
    let mut files = Vec::new();
    collect(&STDLIB, &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, contents) in &files {
        hasher.update(path.to_string_lossy().as_bytes());
        hasher.update(&[0]);
        hasher.update(&(contents.len() as u64).to_le_bytes());
        hasher.update(contents);
    }
    let id = hasher.finalize().to_hex();
    let base = cache_home().join("kiln");
    let dir = base.join(format!("stdlib-{}", &id[..16]));
    if dir.is_dir() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&base)
        .with_context(|| format!("cannot create '{}'", base.display()))?;
    // Unpack into a temporary folder and rename, so a concurrent or
    // interrupted run never sees a half-written library.
    let tmp = tempfile::Builder::new()
        .prefix(".stdlib-")
        .tempdir_in(&base)
        .with_context(|| format!("cannot create a temporary folder in '{}'", base.display()))?;
    for (path, contents) in &files {
        let target = tmp.path().join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, contents)
            .with_context(|| format!("cannot write '{}'", target.display()))?;
    }
    let tmp = tmp.keep();
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another process won the race; its copy is identical.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(dir)
}

fn collect(dir: &'static Dir<'static>, out: &mut Vec<(PathBuf, &'static [u8])>) {
    for f in dir.files() {
        out.push((f.path().to_path_buf(), f.contents()));
    }
    for d in dir.dirs() {
        collect(d, out);
    }
}

fn cache_home() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x);
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => PathBuf::from(h).join(".cache"),
        None => std::env::temp_dir(),
    }
}
