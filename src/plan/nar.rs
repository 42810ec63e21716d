//! Nix's archive format (NAR), only to compute the SHA-256 that
//! `builtins.path { sha256 = ...; }` and recursive fixed outputs are checked
//! against, so that hashes written for Nix stay valid in kiln.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use kiln_lang::hash::{HashAlgo, Hasher};

/// Feeds `s` as a NAR string: length (u64 LE), bytes, zero padding to 8.
fn put(h: &mut Hasher, s: &[u8]) {
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s);
    let pad = (8 - s.len() % 8) % 8;
    h.update(&[0u8; 8][..pad]);
}

/// SHA-256 of the NAR serialisation of `root`; `keep` decides, for each
/// entry below the root, whether it is part of the tree.
pub fn nar_sha256(root: &Path, keep: &dyn Fn(&Path) -> bool) -> io::Result<Vec<u8>> {
    let mut h = Hasher::new(HashAlgo::Sha256);
    put(&mut h, b"nix-archive-1");
    node(&mut h, root, keep)?;
    Ok(h.finish())
}

fn node(h: &mut Hasher, path: &Path, keep: &dyn Fn(&Path) -> bool) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let meta = fs::symlink_metadata(path)?;
    put(h, b"(");
    put(h, b"type");
    let ft = meta.file_type();
    if ft.is_symlink() {
        put(h, b"symlink");
        put(h, b"target");
        put(h, fs::read_link(path)?.as_os_str().as_bytes());
    } else if ft.is_dir() {
        put(h, b"directory");
        let mut names: Vec<_> = fs::read_dir(path)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for name in names {
            let child = path.join(&name);
            if !keep(&child) {
                continue;
            }
            put(h, b"entry");
            put(h, b"(");
            put(h, b"name");
            put(h, name.as_bytes());
            put(h, b"node");
            node(h, &child, keep)?;
            put(h, b")");
        }
    } else {
        put(h, b"regular");
        if meta.permissions().mode() & 0o100 != 0 {
            put(h, b"executable");
            put(h, b"");
        }
        put(h, b"contents");
        let len = meta.len();
        h.update(&len.to_le_bytes());
        let mut f = fs::File::open(path)?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        let pad = ((8 - len % 8) % 8) as usize;
        h.update(&[0u8; 8][..pad]);
    }
    put(h, b")");
    Ok(())
}
