//! Content hashes: a canonical, NAR-like serialisation of a file tree, hashed with blake3.
//!
//! The serialisation (version 1) is, per node:
//! - regular file: `f`, `x` or `-` (executable bit), size as u64 LE, blake3 of the contents (32 bytes);
//! - symlink: `l`, target length as u64 LE, target bytes;
//! - directory: `d`, number of entries as u64 LE, then per entry sorted by name bytes: name length
//!   as u64 LE, name bytes, the entry's node.
//!
//! Files enter by their blake3 hash rather than inline, which lets source imports reuse the hash
//! of an unchanged file without reading it, and makes a file's hash the same as `b3sum` prints.
//! The whole stream is hashed with `blake3::Hasher::new_derive_key(CONTENT_CONTEXT)`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::path::{is_base32_byte, StorePath, HASH_LEN};

/// The derive-key context of content hashes; changing the serialisation means a new context.
pub const CONTENT_CONTEXT: &str = "kiln 2026-11 content v1";

/// Files at least this big are hashed with several threads.
const PARALLEL_THRESHOLD: u64 = 1 << 20;

/// Read size when hashing; large enough for blake3's parallel mode to pay off.
const CHUNK: usize = 8 << 20;

/// One node of a file tree, as the content hash sees it.
#[derive(Debug, Clone)]
pub enum Node {
    /// A regular file.
    File {
        /// Where the file is on disk (needed to hash or copy it).
        path: PathBuf,
        /// Whether the owner-execute bit is set.
        executable: bool,
        /// Size in bytes.
        size: u64,
        /// blake3 of the contents, once known.
        hash: [u8; 32],
    },
    /// A symbolic link and its target bytes.
    Symlink {
        /// The link target, unresolved.
        target: Vec<u8>,
    },
    /// A directory; entries sorted by name bytes.
    Directory {
        /// Entries by name.
        entries: BTreeMap<Vec<u8>, Node>,
    },
}

impl Node {
    /// The content hash and the size of the serialisation with contents inline ("nar size").
    pub fn content_hash(&self) -> (blake3::Hash, u64) {
        let mut hasher = blake3::Hasher::new_derive_key(CONTENT_CONTEXT);
        let size = self.serialise(&mut hasher);
        (hasher.finalize(), size)
    }

    fn serialise(&self, h: &mut blake3::Hasher) -> u64 {
        match self {
            Node::File {
                executable,
                size,
                hash,
                ..
            } => {
                h.update(if *executable { b"fx" } else { b"f-" });
                h.update(&size.to_le_bytes());
                h.update(hash);
                2 + 8 + size
            }
            Node::Symlink { target } => {
                h.update(b"l");
                h.update(&(target.len() as u64).to_le_bytes());
                h.update(target);
                1 + 8 + target.len() as u64
            }
            Node::Directory { entries } => {
                h.update(b"d");
                h.update(&(entries.len() as u64).to_le_bytes());
                let mut n = 1 + 8;
                for (name, child) in entries {
                    h.update(&(name.len() as u64).to_le_bytes());
                    h.update(name);
                    n += 8 + name.len() as u64 + child.serialise(h);
                }
                n
            }
        }
    }

    /// Mutable references to every file's hash slot, in sorted order, for filling in parallel.
    pub fn files_mut(&mut self) -> Vec<(&Path, u64, &mut [u8; 32])> {
        let mut out = Vec::new();
        fn go<'a>(node: &'a mut Node, out: &mut Vec<(&'a Path, u64, &'a mut [u8; 32])>) {
            match node {
                Node::File {
                    path, size, hash, ..
                } => out.push((path.as_path(), *size, hash)),
                Node::Symlink { .. } => {}
                Node::Directory { entries } => entries.values_mut().for_each(|c| go(c, out)),
            }
        }
        go(self, &mut out);
        out
    }
}

/// Hashes a file's contents with plain blake3 (what `b3sum` prints), using several threads for
/// big files. Reads into a buffer rather than mmap-ing, so a file truncated underneath us gives a
/// wrong hash (caught later) instead of SIGBUS.
pub fn hash_file(path: &Path, size_hint: u64) -> io::Result<blake3::Hash> {
    let mut file = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    if size_hint < PARALLEL_THRESHOLD {
        hasher.update_reader(&mut file)?;
        return Ok(hasher.finalize());
    }
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = read_full(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update_rayon(&buf[..n]);
        if n < buf.len() {
            break;
        }
    }
    Ok(hasher.finalize())
}

/// Hashes a file and scans it for references at once.
pub fn hash_and_scan_file(path: &Path, scanner: &mut RefScanner) -> io::Result<blake3::Hash> {
    let mut file = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = read_full(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update_rayon(&buf[..n]);
        scanner.feed(&buf[..n]);
        if n < buf.len() {
            break;
        }
    }
    Ok(hasher.finalize())
}

/// Reads until `buf` is full or the file ends.
fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Finds which candidate store paths a byte stream mentions, by looking for their 32-character
/// hash parts, as Nix does. Works across chunk boundaries.
#[derive(Clone)]
pub struct RefScanner {
    candidates: std::sync::Arc<HashMap<[u8; HASH_LEN], StorePath>>,
    tail: Vec<u8>,
    found: BTreeSet<StorePath>,
}

impl RefScanner {
    /// A scanner looking for the given paths.
    pub fn new(candidates: &BTreeSet<StorePath>) -> Self {
        let map = candidates
            .iter()
            .map(|p| {
                let mut key = [0u8; HASH_LEN];
                key.copy_from_slice(p.hash_part().as_bytes());
                (key, p.clone())
            })
            .collect();
        RefScanner {
            candidates: std::sync::Arc::new(map),
            tail: Vec::new(),
            found: BTreeSet::new(),
        }
    }

    /// A fresh scanner for another stream, sharing the candidates.
    pub fn fork(&self) -> Self {
        RefScanner {
            candidates: self.candidates.clone(),
            tail: Vec::new(),
            found: BTreeSet::new(),
        }
    }

    /// Scans the next bytes of the current stream.
    pub fn feed(&mut self, data: &[u8]) {
        if self.candidates.is_empty() || data.is_empty() {
            return;
        }
        let keep = HASH_LEN - 1;
        if !self.tail.is_empty() {
            // Only matches that straddle the boundary: the tail and the head are each shorter
            // than a hash part.
            let head = &data[..data.len().min(keep)];
            let mut joined = Vec::with_capacity(self.tail.len() + head.len());
            joined.extend_from_slice(&self.tail);
            joined.extend_from_slice(head);
            self.search(&joined);
        }
        self.search(data);
        if data.len() >= keep {
            self.tail.clear();
            self.tail.extend_from_slice(&data[data.len() - keep..]);
        } else {
            self.tail.extend_from_slice(data);
            let excess = self.tail.len().saturating_sub(keep);
            self.tail.drain(..excess);
        }
    }

    /// Ends the current stream (so that the next `feed` does not join onto it).
    pub fn end_stream(&mut self) {
        self.tail.clear();
    }

    /// Scans a whole, separate byte string (a name, a symlink target).
    pub fn scan_whole(&mut self, data: &[u8]) {
        self.end_stream();
        self.feed(data);
        self.end_stream();
    }

    /// Nix's scan: test the window's last byte first and skip past any non-base-32 byte.
    fn search(&mut self, s: &[u8]) {
        let mut i = 0;
        'outer: while i + HASH_LEN <= s.len() {
            for j in (0..HASH_LEN).rev() {
                if !is_base32_byte(s[i + j]) {
                    i += j + 1;
                    continue 'outer;
                }
            }
            if let Some(p) = self.candidates.get(&s[i..i + HASH_LEN]) {
                self.found.insert(p.clone());
            }
            i += 1;
        }
    }

    /// Moves the references found so far out of the scanner.
    pub fn take_found(&mut self) -> BTreeSet<StorePath> {
        std::mem::take(&mut self.found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(c: char, name: &str) -> StorePath {
        StorePath::new(&c.to_string().repeat(32), name).unwrap()
    }

    #[test]
    fn scanner_finds_across_chunks() {
        let a = sp('a', "a");
        let b = sp('b', "b");
        let cands: BTreeSet<_> = [a.clone(), b.clone()].into();
        let text = format!(
            "xx /kiln/store/{}-a/bin yy {}",
            "a".repeat(32),
            "b".repeat(31)
        );
        for split in 0..text.len() {
            let mut s = RefScanner::new(&cands);
            let (x, y) = text.as_bytes().split_at(split);
            for byte in x.chunks(3) {
                s.feed(byte);
            }
            s.feed(y);
            assert_eq!(s.take_found(), [a.clone()].into(), "split {split}");
        }
    }

    #[test]
    fn tree_hash_depends_on_exec_bit_and_names() {
        let f = |x| Node::File {
            path: PathBuf::new(),
            executable: x,
            size: 3,
            hash: *blake3::hash(b"abc").as_bytes(),
        };
        let d = |name: &[u8], x| Node::Directory {
            entries: [(name.to_vec(), f(x))].into(),
        };
        let h = |n: &Node| n.content_hash().0;
        assert_ne!(h(&d(b"a", false)), h(&d(b"a", true)));
        assert_ne!(h(&d(b"a", false)), h(&d(b"b", false)));
        assert_eq!(h(&d(b"a", false)), h(&d(b"a", false)));
        assert_eq!(d(b"a", false).content_hash().1, 1 + 8 + 8 + 1 + 2 + 8 + 3);
    }
}
