//! Builtins that read the outside world: files, directories, the
//! environment and the search path. All of it goes through `ev.host`.

use std::path::Path;
use std::rc::Rc;

use super::{make_attrs, PrimOpTable};
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
    let path = ev.arg_path(&a[0], 0, "pathExists")?;
    // Nix 2.8 uses lstat: a dangling symlink exists.
    Ok(Value::Bool(ev.host.file_type(&path).is_ok()))
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
    ev.expect_list(
        &list,
        None,
        "while evaluating the first argument passed to builtins.findFile",
    )?;
    let name = ev.arg_str_no_ctx(&a[1], 1, "findFile")?;
    let name = name.lossy().into_owned();
    let builtin = Value::List(Rc::new(
        ev.builtin_search_path
            .clone()
            .into_iter()
            .map(|(prefix, path)| {
                make_attrs(vec![
                    ("prefix", Value::string(prefix)),
                    ("path", Value::string(path)),
                ])
                .thunk()
            })
            .collect(),
    ));
    match super::find_in(ev, &list, &name) {
        Ok(v) => Ok(v),
        Err(e) => super::find_in(ev, &builtin, &name).map_err(|_| e),
    }
}
