//! The builtins: registration and helpers shared by their implementations.
//!
//! Each submodule lists its primops in a `PRIMOPS` table of
//! `(name, arity, function)`; [`install`] puts them into the `builtins` set and,
//! for the few that Nix also binds globally, into the global scope. Every
//! builtin is also reachable globally as `__name`, as in Nix.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::{canon_path, Eval};
use crate::source::Span;
use crate::symbol::Symbol;
use crate::value::{Attr, Attrs, NixString, PrimOp, PrimOpFn, Thunk, Value};

mod core;
mod data;
mod derivation;
mod io;
mod lists;
mod strings;

pub use derivation::placeholder_for;

/// A table of builtins: name, number of arguments, implementation.
pub(crate) type PrimOpTable = &'static [(&'static str, usize, PrimOpFn)];

/// Builtins that are also bound without the `__` prefix in the global scope.
const GLOBAL_NAMES: &[&str] = &[
    "abort",
    "baseNameOf",
    "break",
    "derivation",
    "derivationStrict",
    "dirOf",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "placeholder",
    "removeAttrs",
    "scopedImport",
    "throw",
    "toString",
];

/// Puts every builtin and constant into the evaluator's global scope.
pub fn install(ev: &mut Eval) {
    let tables: &[PrimOpTable] = &[
        core::PRIMOPS,
        data::PRIMOPS,
        derivation::PRIMOPS,
        io::PRIMOPS,
        lists::PRIMOPS,
        strings::PRIMOPS,
    ];
    let mut entries: Vec<Attr> = Vec::new();
    for table in tables {
        for (name, arity, func) in table.iter() {
            let v = Value::PrimOp(Rc::new(PrimOp {
                name,
                arity: *arity,
                func: *func,
            }));
            add(ev, &mut entries, name, v);
        }
    }
    let constants: Vec<(&str, Value)> = vec![
        ("true", Value::Bool(true)),
        ("false", Value::Bool(false)),
        ("null", Value::Null),
        ("currentSystem", Value::string("x86_64-linux")),
        ("nixVersion", Value::string("2.8.0")),
        ("langVersion", Value::Int(6)),
        ("currentTime", io::current_time()),
        ("storeDir", Value::string(ev.host.store_dir().to_string())),
    ];
    for (name, v) in constants {
        add(ev, &mut entries, name, v);
    }
    // `derivation` is written in the language; it is compiled once the
    // builtins it uses exist, and put into the set through this thunk.
    let drv = Thunk::ready(Value::Null);
    entries.push(Attr {
        name: Symbol::new("derivation"),
        value: drv.clone(),
        pos: None,
    });
    // `builtins` contains itself; a thunk makes the cycle possible.
    let me = Thunk::ready(Value::Null);
    entries.push(Attr {
        name: Symbol::new("builtins"),
        value: me.clone(),
        pos: None,
    });
    let attrs = Value::Attrs(Rc::new(Attrs::from_entries(entries)));
    *me.0.borrow_mut() = crate::value::ThunkState::Done(attrs.clone());
    ev.globals.insert(Symbol::new("builtins"), attrs);
    derivation::install_derivation(ev, &drv);
}

fn add(ev: &mut Eval, entries: &mut Vec<Attr>, name: &str, v: Value) {
    entries.push(Attr {
        name: Symbol::new(name),
        value: v.clone().thunk(),
        pos: None,
    });
    if matches!(name, "true" | "false" | "null") || GLOBAL_NAMES.contains(&name) {
        ev.globals.insert(Symbol::new(name), v.clone());
    }
    ev.globals.insert(Symbol::new(&format!("__{name}")), v);
}

/// Sets the `__nixPath` global from search path entries `(prefix, path)`.
pub fn set_search_path(ev: &mut Eval, entries: &[(String, String)]) {
    let items: Vec<Thunk> = entries
        .iter()
        .map(|(prefix, path)| {
            Value::Attrs(Rc::new(Attrs::from_entries(vec![
                Attr {
                    name: ev.syms.prefix,
                    value: Value::string(prefix.clone()).thunk(),
                    pos: None,
                },
                Attr {
                    name: ev.syms.path,
                    value: Value::string(path.clone()).thunk(),
                    pos: None,
                },
            ])))
            .thunk()
        })
        .collect();
    let list = Value::List(Rc::new(items));
    ev.globals.insert(Symbol::new("__nixPath"), list.clone());
    // Keep `builtins.nixPath` in step with the global.
    if let Some(Value::Attrs(b)) = ev.globals.get(&Symbol::new("builtins")).cloned() {
        let extra = Attrs::from_entries(vec![Attr {
            name: Symbol::new("nixPath"),
            value: list.thunk(),
            pos: None,
        }]);
        let merged = b.update(&extra);
        // The set contains itself: point its `builtins` attribute at the new set.
        let merged = Rc::new(merged);
        if let Some(me) = merged.get(Symbol::new("builtins")) {
            *me.value.0.borrow_mut() = crate::value::ThunkState::Done(Value::Attrs(merged.clone()));
        }
        ev.globals
            .insert(Symbol::new("builtins"), Value::Attrs(merged));
    }
}

/// Resolves `<path>` against `__nixPath`, as Nix's `findFile` does.
pub fn find_file(ev: &mut Eval, path: &str, span: Span) -> EvalResult<Value> {
    let list = ev
        .globals
        .get(&Symbol::new("__nixPath"))
        .cloned()
        .unwrap_or(Value::List(Rc::new(Vec::new())));
    find_with_builtin(ev, &list, path).map_err(|e| {
        let mut e = e;
        if e.span.is_none() {
            e.span = Some(span);
        }
        e
    })
}

/// Looks `path` up in `list`, then in the embedded entries (`<kiln>`,
/// `<nix>`), which are not part of `__nixPath`; the first list's error wins.
pub(crate) fn find_with_builtin(ev: &mut Eval, list: &Value, path: &str) -> EvalResult<Value> {
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
    find_in(ev, list, path).or_else(|e| find_in(ev, &builtin, path).map_err(|_| e))
}

pub(crate) fn find_in(ev: &mut Eval, list: &Value, path: &str) -> EvalResult<Value> {
    let items = ev.expect_list(list, None, "while evaluating the search path")?;
    for item in items.iter() {
        let iv = ev.force(item)?;
        let a = ev.expect_attrs(&iv, None, "while evaluating a search path entry")?;
        let prefix = match a.get(ev.syms.prefix) {
            Some(p) => {
                let pv = ev.force(&p.value.clone())?;
                ev.expect_string(
                    &pv,
                    None,
                    "while evaluating the prefix of a search path entry",
                )?
                .lossy()
                .into_owned()
            }
            None => String::new(),
        };
        let Some(p) = a.get(ev.syms.path) else {
            continue;
        };
        let pv = ev.force(&p.value.clone())?;
        let base = ev
            .coerce_to_string(&pv, crate::eval::Coerce::Interpolate, false)?
            .lossy()
            .into_owned();
        let rest = if prefix.is_empty() {
            Some(path.to_string())
        } else if path == prefix {
            Some(String::new())
        } else {
            path.strip_prefix(&format!("{prefix}/"))
                .map(|r| r.to_string())
        };
        let Some(rest) = rest else { continue };
        let candidate = if rest.is_empty() {
            base.clone()
        } else {
            format!("{}/{}", base.trim_end_matches('/'), rest)
        };
        if ev.host.path_exists(Path::new(&candidate)) {
            return Ok(Value::Path(canon_path(&candidate).into()));
        }
    }
    // A throw, as in Nix: `builtins.tryEval <missing>` is `{ success = false; }`.
    Err(EvalError::new(
        ErrorKind::Throw,
        format!("file '{path}' was not found in the search path (add it with -I or $KILN_PATH)"),
    ))
}

/// Names the n-th argument of a builtin in messages.
pub(crate) fn nth(n: usize) -> &'static str {
    ["first", "second", "third", "fourth"][n.min(3)]
}

/// Context line for a type error in a builtin's argument.
pub(crate) fn arg_ctx(n: usize, name: &str) -> String {
    format!(
        "while evaluating the {} argument passed to builtins.{name}",
        nth(n)
    )
}

impl Eval {
    /// Forces a builtin's argument to an integer.
    pub(crate) fn arg_int(&mut self, t: &Thunk, n: usize, name: &str) -> EvalResult<i64> {
        match self.force(t)? {
            Value::Int(i) => Ok(i),
            other => Err(crate::eval::type_error(
                &other,
                "an integer",
                None,
                &arg_ctx(n, name),
            )),
        }
    }

    /// Forces a builtin's argument to a list.
    pub(crate) fn arg_list(
        &mut self,
        t: &Thunk,
        n: usize,
        name: &str,
    ) -> EvalResult<Rc<Vec<Thunk>>> {
        let v = self.force(t)?;
        self.expect_list(&v, None, &arg_ctx(n, name))
    }

    /// Forces a builtin's argument to a set.
    pub(crate) fn arg_attrs(&mut self, t: &Thunk, n: usize, name: &str) -> EvalResult<Rc<Attrs>> {
        let v = self.force(t)?;
        self.expect_attrs(&v, None, &arg_ctx(n, name))
    }

    /// Forces a builtin's argument to a string (no coercion).
    pub(crate) fn arg_str(&mut self, t: &Thunk, n: usize, name: &str) -> EvalResult<Rc<NixString>> {
        let v = self.force(t)?;
        self.expect_string(&v, None, &arg_ctx(n, name))
    }

    /// Forces a builtin's argument to a function.
    pub(crate) fn arg_fn(&mut self, t: &Thunk, n: usize, name: &str) -> EvalResult<Value> {
        let v = self.force(t)?;
        if v.is_function() || matches!(&v, Value::Attrs(a) if a.get(self.syms.functor).is_some()) {
            Ok(v)
        } else {
            Err(crate::eval::type_error(
                &v,
                "a function",
                None,
                &arg_ctx(n, name),
            ))
        }
    }

    /// Coerces a builtin's argument to a string as interpolation does.
    pub(crate) fn arg_coerce(
        &mut self,
        t: &Thunk,
        n: usize,
        name: &str,
        copy: bool,
    ) -> EvalResult<NixString> {
        let v = self.force(t)?;
        self.coerce_to_string(&v, crate::eval::Coerce::Interpolate, copy)
            .map_err(|e| self.frame(e, None, &arg_ctx(n, name)))
    }

    /// Coerces a builtin's argument to an absolute path (for file builtins).
    pub(crate) fn arg_path(&mut self, t: &Thunk, n: usize, name: &str) -> EvalResult<PathBuf> {
        let s = self.arg_coerce(t, n, name, false)?;
        let s = s.lossy().into_owned();
        if !s.starts_with('/') {
            return Err(EvalError::new(
                ErrorKind::Type,
                format!("string '{s}' doesn't represent an absolute path"),
            ));
        }
        Ok(PathBuf::from(canon_path(&s)))
    }

    /// Calls a function value with one argument.
    pub(crate) fn call1(&mut self, f: &Value, a: Thunk) -> EvalResult<Value> {
        self.apply(f.clone(), &[a], None)
    }

    /// Calls a function value with two arguments.
    pub(crate) fn call2(&mut self, f: &Value, a: Thunk, b: Thunk) -> EvalResult<Value> {
        self.apply(f.clone(), &[a, b], None)
    }
}

/// A set from `(name, value)` pairs.
pub(crate) fn make_attrs(pairs: Vec<(&str, Value)>) -> Value {
    Value::Attrs(Rc::new(Attrs::from_entries(
        pairs
            .into_iter()
            .map(|(n, v)| Attr {
                name: Symbol::new(n),
                value: v.thunk(),
                pos: None,
            })
            .collect(),
    )))
}
