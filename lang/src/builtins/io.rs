//! Builtins that read the outside world: files, directories, the
//! environment and the search path. All of it goes through `ev.host`.

use std::path::Path;
use std::rc::Rc;

use super::PrimOpTable;
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::Eval;
use crate::hash::{base16_encode, digest, HashAlgo};
use crate::load::io_msg;
use crate::symbol::Symbol;
use crate::value::{Attr, Attrs, NixString, Thunk, Value};

pub(crate) const PRIMOPS: PrimOpTable = &[
    ("findFile", 2, find_file),
    ("getEnv", 1, get_env),
    ("hashFile", 2, hash_file),
    ("pathExists", 1, path_exists),
    ("readDir", 1, read_dir),
    ("readFile", 1, read_file),
];

/// `builtins.currentTime`: seconds since the epoch when evaluation started.
/// Impure, as in Nix.
pub(crate) fn current_time() -> Value {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Value::Int(secs)
}

/// Reads a whole file, naming the path in errors.
fn read_bytes(ev: &Eval, path: &Path) -> EvalResult<Vec<u8>> {
    ev.host.read_file(path).map_err(|e| {
        let what = if e.kind() == std::io::ErrorKind::IsADirectory {
            "reading from file"
        } else {
            "opening file"
        };
        EvalError::new(
            ErrorKind::Io,
            format!("{what} '{}': {}", path.display(), io_msg(&e)),
        )
    })
}

fn read_file(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let path = ev.arg_path(&a[0], 0, "readFile")?;
    let bytes = read_bytes(ev, &path)?;
    if bytes.contains(&0) {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!(
                "the contents of the file '{}' cannot be represented as a Nix string",
                path.display()
            ),
        ));
    }
    Ok(Value::String(Rc::new(NixString::plain(bytes))))
}

fn read_dir(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let path = ev.arg_path(&a[0], 0, "readDir")?;
    let entries = ev.host.read_dir(&path).map_err(|e| {
        EvalError::new(
            ErrorKind::Io,
            format!("opening directory '{}': {}", path.display(), io_msg(&e)),
        )
    })?;
    let attrs: Vec<Attr> = entries
        .into_iter()
        .map(|(name, ty)| Attr {
            name: Symbol::new(&name),
            value: Value::string(ty.nix_name()).thunk(),
            pos: None,
        })
        .collect();
    Ok(Value::Attrs(Rc::new(Attrs::from_entries(attrs))))
}

fn path_exists(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let raw = ev.force(&a[0])?;
    let trailing_slash =
        matches!(&raw, Value::String(s) if s.bytes.len() > 1 && s.bytes.ends_with(b"/"));
    let path = ev.arg_path(&a[0], 0, "pathExists")?;
    // Nix 2.8 calls lstat on the string as given: a dangling symlink exists,
    // and `"${file}/"` does not (only a directory, or a link to one, has a
    // trailing slash).
    let exists = if trailing_slash {
        ev.host.read_dir(&path).is_ok()
    } else {
        ev.host.file_type(&path).is_ok()
    };
    Ok(Value::Bool(exists))
}

fn get_env(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let name = ev.arg_str_no_ctx(&a[0], 0, "getEnv")?;
    let value = ev.host.get_env(&name.lossy()).unwrap_or_default();
    Ok(Value::string(value))
}

fn hash_file(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let algo = ev.arg_str_no_ctx(&a[0], 0, "hashFile")?;
    let algo: HashAlgo = algo
        .lossy()
        .parse()
        .map_err(|e: crate::hash::HashError| EvalError::new(ErrorKind::Other, e.to_string()))?;
    let path = ev.arg_path(&a[1], 1, "hashFile")?;
    let bytes = read_bytes(ev, &path)?;
    Ok(Value::string(base16_encode(&digest(algo, &bytes))))
}

/// `__findFile nixPath name`: what `<name>` means when `__findFile` or
/// `__nixPath` is rebound. Looks in `nixPath`, then in the built-in entries.
fn find_file(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let list = ev.force(&a[0])?;
    let items = ev.expect_list(
        &list,
        None,
        "while evaluating the first argument passed to builtins.findFile",
    )?;
    // Nix rejects an entry without `path` before searching.
    for item in items.iter() {
        let iv = ev.force(item)?;
        let entry = ev.expect_attrs(&iv, None, "while evaluating a search path entry")?;
        if entry.get(ev.syms.path).is_none() {
            return Err(EvalError::new(
                ErrorKind::MissingAttr,
                "attribute 'path' missing for call to 'findFile'",
            ));
        }
    }
    let name = ev.arg_str_no_ctx(&a[1], 1, "findFile")?;
    let name = name.lossy().into_owned();
    super::find_with_builtin(ev, &list, &name)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io;
    use std::path::{Path, PathBuf};

    use crate::host::{FileType, Host};
    use crate::print::print_value;
    use crate::{ErrorKind, Eval};

    /// A filesystem of regular files and symlinks held in memory.
    #[derive(Default)]
    struct MemHost {
        files: BTreeMap<PathBuf, Vec<u8>>,
        links: BTreeMap<PathBuf, PathBuf>,
    }

    impl MemHost {
        fn resolve(&self, p: &Path) -> PathBuf {
            let mut out = PathBuf::from("/");
            for c in p.components().skip(1) {
                out.push(c);
                if let Some(t) = self.links.get(&out) {
                    out = t.clone();
                }
            }
            out
        }

        fn is_dir(&self, p: &Path) -> bool {
            p == Path::new("/") || self.files.keys().any(|f| f.starts_with(p) && f != p)
        }
    }

    impl Host for MemHost {
        fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
            let p = self.resolve(path);
            if self.is_dir(&p) {
                return Err(io::Error::from(io::ErrorKind::IsADirectory));
            }
            self.files
                .get(&p)
                .cloned()
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
        }

        fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
            let p = self.resolve(path);
            if !self.is_dir(&p) {
                return Err(io::Error::from(io::ErrorKind::NotADirectory));
            }
            let mut out: Vec<(String, FileType)> = Vec::new();
            for f in self.files.keys().chain(self.links.keys()) {
                if let Ok(rest) = f.strip_prefix(&p) {
                    let first = rest.components().next().expect("a child");
                    let name = first.as_os_str().to_string_lossy().into_owned();
                    if out.iter().any(|(n, _)| *n == name) {
                        continue;
                    }
                    out.push((name.clone(), self.file_type(&p.join(&name))?));
                }
            }
            Ok(out)
        }

        fn file_type(&self, path: &Path) -> io::Result<FileType> {
            if self.links.contains_key(path) {
                Ok(FileType::Symlink)
            } else if self.files.contains_key(path) {
                Ok(FileType::Regular)
            } else if self.is_dir(path) {
                Ok(FileType::Directory)
            } else {
                Err(io::Error::from(io::ErrorKind::NotFound))
            }
        }

        fn path_exists(&self, path: &Path) -> bool {
            let p = self.resolve(path);
            self.files.contains_key(&p) || self.is_dir(&p)
        }

        fn get_env(&self, name: &str) -> Option<String> {
            (name == "KILN_TEST_VAR").then(|| "hello".to_string())
        }
    }

    fn eval(expr: &str) -> Result<String, (ErrorKind, String)> {
        let mut host = MemHost::default();
        for (p, c) in [
            ("/d/a.txt", &b"abc"[..]),
            ("/d/sub/b.nix", b"1 + 2"),
            ("/d/nul", b"a\0b"),
            ("/p1/x.nix", b"\"p1\""),
            ("/p2/x.nix", b"\"p2\""),
            ("/p2/y.nix", b"\"p2y\""),
        ] {
            host.files.insert(PathBuf::from(p), c.to_vec());
        }
        host.links.insert("/d/link".into(), "/d/sub".into());
        host.links.insert("/d/dangling".into(), "/nowhere".into());
        let mut ev = Eval::new(Box::new(host), 1 << 20);
        crate::builtins::set_search_path(&mut ev, &[]);
        let v = ev
            .eval_source(expr, "«test»", Path::new("/"))
            .and_then(|v| ev.force_deep(&v).map(|_| v))
            .map_err(|e| (e.kind, e.message.clone()))?;
        Ok(print_value(&v))
    }

    #[test]
    fn read_file_reads_through_the_host() {
        assert_eq!(eval("builtins.readFile /d/a.txt").unwrap(), r#""abc""#);
        assert_eq!(
            eval("builtins.readFile \"/d/link/b.nix\"").unwrap(),
            r#""1 + 2""#
        );
        let (kind, msg) = eval("builtins.readFile /d/missing").unwrap_err();
        assert_eq!(kind, ErrorKind::Io);
        assert!(msg.starts_with("opening file '/d/missing': "), "{msg}");
        let (_, msg) = eval("builtins.readFile /d/nul").unwrap_err();
        assert!(msg.contains("'/d/nul' cannot be represented"), "{msg}");
        let (_, msg) = eval("builtins.readFile \"rel\"").unwrap_err();
        assert_eq!(msg, "string 'rel' doesn't represent an absolute path");
    }

    #[test]
    fn read_dir_names_entry_types() {
        assert_eq!(
            eval("builtins.readDir /d").unwrap(),
            r#"{ a.txt = "regular"; dangling = "symlink"; link = "symlink"; nul = "regular"; sub = "directory"; }"#
                .replace("a.txt", "\"a.txt\"")
        );
        assert_eq!(
            eval("builtins.readDir /d/link").unwrap(),
            r#"{ "b.nix" = "regular"; }"#
        );
        let (_, msg) = eval("builtins.readDir /d/a.txt").unwrap_err();
        assert!(msg.starts_with("opening directory '/d/a.txt': "), "{msg}");
    }

    #[test]
    fn path_exists_uses_lstat_semantics() {
        assert_eq!(
            eval(r#"map builtins.pathExists [ /d/a.txt /d/dangling /d/nope "/d/a.txt/" "/d/link/" "/d/sub/../a.txt" ]"#)
                .unwrap(),
            "[ true true false false true true ]"
        );
        let (kind, _) = eval("builtins.pathExists \"zorglub\"").unwrap_err();
        assert_eq!(kind, ErrorKind::Type);
    }

    #[test]
    fn get_env_defaults_to_the_empty_string() {
        assert_eq!(
            eval(r#"[ (builtins.getEnv "KILN_TEST_VAR") (builtins.getEnv "NOPE") ]"#).unwrap(),
            r#"[ "hello" "" ]"#
        );
        assert!(eval("builtins.getEnv [ ]").is_err());
    }

    #[test]
    fn hash_file_is_base16() {
        assert_eq!(
            eval(r#"map (a: builtins.hashFile a /d/a.txt) [ "md5" "sha1" ]"#).unwrap(),
            r#"[ "900150983cd24fb0d6963f7d28e17f72" "a9993e364706816aba3e25717850c26c9cd0d89d" ]"#
        );
        let (_, msg) = eval(r#"builtins.hashFile "md4" /d/a.txt"#).unwrap_err();
        assert_eq!(msg, "unknown hash algorithm 'md4'");
        let (kind, _) = eval(r#"builtins.hashFile "sha256" /d/missing"#).unwrap_err();
        assert_eq!(kind, ErrorKind::Io);
    }

    #[test]
    fn find_file_searches_the_given_path() {
        let sp = r#"[ { path = "/p1"; } { prefix = "q"; path = /p2; } ]"#;
        assert_eq!(
            eval(&format!("builtins.findFile {sp} \"x.nix\"")).unwrap(),
            "/p1/x.nix"
        );
        assert_eq!(
            eval(&format!("builtins.findFile {sp} \"q/y.nix\"")).unwrap(),
            "/p2/y.nix"
        );
        // `<x.nix>` calls the `__findFile` in scope with the `__nixPath` in scope.
        assert_eq!(
            eval("let __nixPath = [ { path = /p2; } ]; in import <x.nix>").unwrap(),
            r#""p2""#
        );
        assert_eq!(
            eval("let __findFile = p: n: n; in <x.nix>").unwrap(),
            r#""x.nix""#
        );
        // Not found is a throw, so tryEval catches it, as in Nix.
        assert_eq!(eval("(builtins.tryEval <nope>).success").unwrap(), "false");
        let (_, msg) = eval(r#"builtins.findFile [ { prefix = "x"; } ] "x""#).unwrap_err();
        assert_eq!(msg, "attribute 'path' missing for call to 'findFile'");
    }

    #[test]
    fn current_time_is_an_int() {
        assert_eq!(
            eval("builtins.typeOf builtins.currentTime").unwrap(),
            r#""int""#
        );
    }
}
