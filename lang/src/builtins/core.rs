//! Core builtins: types, control flow, arithmetic, import, and the most used
//! list, set and string functions.

use std::rc::Rc;

use super::{arg_ctx, make_attrs, PrimOpTable};
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::{Coerce, Eval};
use crate::ir::{BinOp, Param};
use crate::symbol::Symbol;
use crate::value::{Attr, Attrs, NixString, Thunk, Value};

pub(crate) const PRIMOPS: PrimOpTable = &[
    ("abort", 1, abort),
    ("add", 2, add),
    ("addErrorContext", 2, add_error_context),
    ("all", 2, all),
    ("any", 2, any),
    ("attrNames", 1, attr_names),
    ("attrValues", 1, attr_values),
    ("ceil", 1, ceil),
    ("concatLists", 1, concat_lists),
    ("concatMap", 2, concat_map),
    ("concatStringsSep", 2, concat_strings_sep),
    ("deepSeq", 2, deep_seq),
    ("div", 2, div),
    ("elem", 2, elem),
    ("elemAt", 2, elem_at),
    ("filter", 2, filter),
    ("floor", 1, floor),
    ("foldl'", 3, foldl),
    ("functionArgs", 1, function_args),
    ("genList", 2, gen_list),
    ("getAttr", 2, get_attr),
    ("hasAttr", 2, has_attr),
    ("head", 1, head),
    ("import", 1, import),
    ("intersectAttrs", 2, intersect_attrs),
    ("isAttrs", 1, is_attrs),
    ("isBool", 1, is_bool),
    ("isFloat", 1, is_float),
    ("isFunction", 1, is_function),
    ("isInt", 1, is_int),
    ("isList", 1, is_list),
    ("isNull", 1, is_null),
    ("isPath", 1, is_path),
    ("isString", 1, is_string),
    ("length", 1, length),
    ("lessThan", 2, less_than),
    ("listToAttrs", 1, list_to_attrs),
    ("map", 2, map),
    ("mapAttrs", 2, map_attrs),
    ("mul", 2, mul),
    ("removeAttrs", 2, remove_attrs),
    ("scopedImport", 2, scoped_import),
    ("seq", 2, seq),
    ("stringLength", 1, string_length),
    ("sub", 2, sub),
    ("substring", 3, substring),
    ("tail", 1, tail),
    ("throw", 1, throw),
    ("toString", 1, to_string),
    ("trace", 2, trace),
    ("tryEval", 1, try_eval),
    ("typeOf", 1, type_of),
];

fn abort(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_coerce_more(&a[0], 0, "abort")?;
    Err(EvalError::new(
        ErrorKind::Abort,
        format!(
            "evaluation aborted with the following error message: '{}'",
            s.lossy()
        ),
    ))
}

fn throw(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_coerce_more(&a[0], 0, "throw")?;
    Err(EvalError::new(ErrorKind::Throw, s.lossy().into_owned()))
}

fn add_error_context(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    match ev.force(&a[1]) {
        Ok(v) => Ok(v),
        Err(mut e) => {
            if let Ok(s) = ev.arg_coerce_more(&a[0], 0, "addErrorContext") {
                e.trace.push(crate::error::TraceFrame {
                    span: None,
                    message: s.lossy().into_owned(),
                });
            }
            Err(e)
        }
    }
}

fn arith(ev: &mut Eval, a: &[Thunk], op: BinOp, name: &str) -> EvalResult<Value> {
    let l = ev.force(&a[0])?;
    let r = ev.force(&a[1])?;
    for (i, v) in [&l, &r].into_iter().enumerate() {
        if !matches!(v, Value::Int(_) | Value::Float(_)) {
            return Err(crate::eval::type_error(
                v,
                "an integer",
                None,
                &arg_ctx(i, name),
            ));
        }
    }
    let span = crate::source::Span {
        file: crate::source::FileId(0),
        start: 0,
        end: 0,
    };
    ev.arith(op, l, r, span).map_err(|mut e| {
        e.span = None;
        e
    })
}

fn add(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    arith(ev, a, BinOp::Add, "add")
}

fn sub(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    arith(ev, a, BinOp::Sub, "sub")
}

fn mul(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    arith(ev, a, BinOp::Mul, "mul")
}

fn div(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    arith(ev, a, BinOp::Div, "div")
}

fn less_than(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let l = ev.force(&a[0])?;
    let r = ev.force(&a[1])?;
    let span = crate::source::Span {
        file: crate::source::FileId(0),
        start: 0,
        end: 0,
    };
    ev.less_than(&l, &r, span)
        .map(Value::Bool)
        .map_err(|mut e| {
            e.span = None;
            e
        })
}

fn float_arg(ev: &mut Eval, t: &Thunk, name: &str) -> EvalResult<f64> {
    match ev.force(t)? {
        Value::Int(i) => Ok(i as f64),
        Value::Float(f) => Ok(f),
        other => Err(crate::eval::type_error(
            &other,
            "a float",
            None,
            &arg_ctx(0, name),
        )),
    }
}

fn float_to_int(f: f64, name: &str) -> EvalResult<Value> {
    // i64::MAX is not exactly representable; 2^63 is the first float that does not fit.
    if !f.is_finite() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        return Err(EvalError::new(
            ErrorKind::Arithmetic,
            format!("builtins.{name}: result {f} does not fit in an integer"),
        ));
    }
    Ok(Value::Int(f as i64))
}

fn ceil(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = float_arg(ev, &a[0], "ceil")?;
    float_to_int(f.ceil(), "ceil")
}

fn floor(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = float_arg(ev, &a[0], "floor")?;
    float_to_int(f.floor(), "floor")
}

fn type_check(ev: &mut Eval, a: &[Thunk], f: fn(&Value) -> bool) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    Ok(Value::Bool(f(&v)))
}

fn is_attrs(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    type_check(ev, a, |v| matches!(v, Value::Attrs(_)))
}
fn is_bool(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    type_check(ev, a, |v| matches!(v, Value::Bool(_)))
}
fn is_float(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    type_check(ev, a, |v| matches!(v, Value::Float(_)))
}
fn is_function(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    type_check(ev, a, Value::is_function)
}
fn is_int(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    type_check(ev, a, |v| matches!(v, Value::Int(_)))
}
fn is_list(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    type_check(ev, a, |v| matches!(v, Value::List(_)))
}
fn is_null(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    type_check(ev, a, |v| matches!(v, Value::Null))
}
fn is_path(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    type_check(ev, a, |v| matches!(v, Value::Path(_)))
}
fn is_string(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    type_check(ev, a, |v| matches!(v, Value::String(_)))
}

fn type_of(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    Ok(Value::string(v.type_name()))
}

fn seq(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    ev.force(&a[0])?;
    ev.force(&a[1])
}

fn deep_seq(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    ev.force_deep(&v)?;
    ev.force(&a[1])
}

fn try_eval(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    match ev.force(&a[0]) {
        Ok(v) => Ok(make_attrs(vec![
            ("success", Value::Bool(true)),
            ("value", v),
        ])),
        Err(e) if e.is_catchable() => Ok(make_attrs(vec![
            ("success", Value::Bool(false)),
            ("value", Value::Bool(false)),
        ])),
        Err(e) => Err(e),
    }
}

fn trace(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let shown = match &v {
        Value::String(s) => s.lossy().into_owned(),
        other => {
            ev.force_deep(other)?;
            crate::print::print_value(other)
        }
    };
    ev.host.trace(&format!("trace: {shown}"));
    ev.force(&a[1])
}

fn to_string(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_coerce_more(&a[0], 0, "toString")?;
    Ok(Value::String(Rc::new(s)))
}

fn import(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let path = ev.arg_path(&a[0], 0, "import")?;
    ev.import_file(&path)
}

fn scoped_import(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let scope = ev.arg_attrs(&a[0], 0, "scopedImport")?;
    let path = ev.arg_path(&a[1], 1, "scopedImport")?;
    let pairs: Vec<(Symbol, Thunk)> = scope.iter().map(|a| (a.name, a.value.clone())).collect();
    ev.scoped_import(&pairs, &path)
}

// ---- lists ----

fn length(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    Ok(Value::Int(ev.arg_list(&a[0], 0, "length")?.len() as i64))
}

fn head(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let l = ev.arg_list(&a[0], 0, "head")?;
    match l.first() {
        Some(t) => {
            let t = t.clone();
            ev.force(&t)
        }
        None => Err(EvalError::new(
            ErrorKind::Other,
            "'builtins.head' called on an empty list",
        )),
    }
}

fn tail(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let l = ev.arg_list(&a[0], 0, "tail")?;
    if l.is_empty() {
        return Err(EvalError::new(
            ErrorKind::Other,
            "'builtins.tail' called on an empty list",
        ));
    }
    Ok(Value::List(Rc::new(l[1..].to_vec())))
}

fn elem_at(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let l = ev.arg_list(&a[0], 0, "elemAt")?;
    let i = ev.arg_int(&a[1], 1, "elemAt")?;
    if i < 0 || i as usize >= l.len() {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("list index {i} is out of bounds"),
        ));
    }
    let t = l[i as usize].clone();
    ev.force(&t)
}

fn map(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let l = ev.arg_list(&a[1], 1, "map")?;
    Ok(Value::List(Rc::new(
        l.iter()
            .map(|t| Thunk::apply(f.clone(), Box::new([t.clone()])))
            .collect(),
    )))
}

fn filter(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.arg_fn(&a[0], 0, "filter")?;
    let l = ev.arg_list(&a[1], 1, "filter")?;
    let mut out = Vec::new();
    for t in l.iter() {
        let r = ev.call1(&f, t.clone())?;
        match r {
            Value::Bool(true) => out.push(t.clone()),
            Value::Bool(false) => {}
            other => {
                return Err(crate::eval::type_error(
                    &other,
                    "a Boolean",
                    None,
                    "while evaluating the return value of the filtering function passed to builtins.filter",
                ))
            }
        }
    }
    if out.len() == l.len() {
        return Ok(Value::List(l));
    }
    Ok(Value::List(Rc::new(out)))
}

fn foldl(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.arg_fn(&a[0], 0, "foldl'")?;
    let l = ev.arg_list(&a[2], 2, "foldl'")?;
    let mut acc = a[1].clone();
    if l.is_empty() {
        return ev.force(&acc);
    }
    for t in l.iter() {
        let v = ev.call2(&f, acc, t.clone())?;
        acc = Thunk::ready(v);
    }
    ev.force(&acc)
}

fn gen_list(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let n = ev.arg_int(&a[1], 1, "genList")?;
    if n < 0 {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("cannot create list of size {n}"),
        ));
    }
    let f = ev.force(&a[0])?;
    Ok(Value::List(Rc::new(
        (0..n)
            .map(|i| Thunk::apply(f.clone(), Box::new([Value::Int(i).thunk()])))
            .collect(),
    )))
}

fn concat_lists(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let l = ev.arg_list(&a[0], 0, "concatLists")?;
    let mut out = Vec::new();
    for t in l.iter() {
        let v = ev.force(t)?;
        let inner = ev.expect_list(
            &v,
            None,
            "while evaluating a value of the list passed to builtins.concatLists",
        )?;
        out.extend_from_slice(&inner);
    }
    Ok(Value::List(Rc::new(out)))
}

fn concat_map(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.arg_fn(&a[0], 0, "concatMap")?;
    let l = ev.arg_list(&a[1], 1, "concatMap")?;
    let mut out = Vec::new();
    for t in l.iter() {
        let v = ev.call1(&f, t.clone())?;
        let inner = ev.expect_list(
            &v,
            None,
            "while evaluating the return value of the function passed to builtins.concatMap",
        )?;
        out.extend_from_slice(&inner);
    }
    Ok(Value::List(Rc::new(out)))
}

fn any_all(ev: &mut Eval, a: &[Thunk], want: bool, name: &str) -> EvalResult<Value> {
    let f = ev.arg_fn(&a[0], 0, name)?;
    let l = ev.arg_list(&a[1], 1, name)?;
    for t in l.iter() {
        let r = ev.call1(&f, t.clone())?;
        let b = match r {
            Value::Bool(b) => b,
            other => {
                return Err(crate::eval::type_error(
                    &other,
                    "a Boolean",
                    None,
                    &format!(
                    "while evaluating the return value of the function passed to builtins.{name}"
                ),
                ))
            }
        };
        if b == want {
            return Ok(Value::Bool(want));
        }
    }
    Ok(Value::Bool(!want))
}

fn any(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    any_all(ev, a, true, "any")
}

fn all(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    any_all(ev, a, false, "all")
}

fn elem(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let x = ev.force(&a[0])?;
    let l = ev.arg_list(&a[1], 1, "elem")?;
    for t in l.iter() {
        let v = ev.force(t)?;
        if ev.values_equal(&x, &v)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

// ---- sets ----

fn attr_names(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_attrs(&a[0], 0, "attrNames")?;
    Ok(Value::List(Rc::new(
        s.sorted()
            .into_iter()
            .map(|a| a.name.to_value().thunk())
            .collect(),
    )))
}

fn attr_values(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_attrs(&a[0], 0, "attrValues")?;
    Ok(Value::List(Rc::new(
        s.sorted().into_iter().map(|a| a.value.clone()).collect(),
    )))
}

fn sym_arg(ev: &mut Eval, t: &Thunk, n: usize, name: &str) -> EvalResult<Symbol> {
    let s = ev.arg_str(t, n, name)?;
    Ok(Symbol::new(&s.lossy()))
}

fn get_attr(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let name = sym_arg(ev, &a[0], 0, "getAttr")?;
    let s = ev.arg_attrs(&a[1], 1, "getAttr")?;
    match s.get(name) {
        Some(attr) => {
            let t = attr.value.clone();
            ev.force(&t)
        }
        None => {
            let mut e = ev.missing_attr(
                name,
                &s,
                crate::source::Span {
                    file: crate::source::FileId(0),
                    start: 0,
                    end: 0,
                },
            );
            e.span = None;
            Err(e)
        }
    }
}

fn has_attr(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let name = sym_arg(ev, &a[0], 0, "hasAttr")?;
    let s = ev.arg_attrs(&a[1], 1, "hasAttr")?;
    Ok(Value::Bool(s.get(name).is_some()))
}

fn remove_attrs(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_attrs(&a[0], 0, "removeAttrs")?;
    let names = ev.arg_list(&a[1], 1, "removeAttrs")?;
    let mut remove = std::collections::HashSet::new();
    for t in names.iter() {
        let v = ev.force(t)?;
        let n = ev.expect_string(
            &v,
            None,
            "while evaluating the values of the second argument passed to builtins.removeAttrs",
        )?;
        remove.insert(Symbol::new(&n.lossy()));
    }
    let kept: Vec<Attr> = s
        .iter()
        .filter(|a| !remove.contains(&a.name))
        .cloned()
        .collect();
    Ok(Value::Attrs(Rc::new(Attrs::from_sorted(kept))))
}

fn list_to_attrs(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let l = ev.arg_list(&a[0], 0, "listToAttrs")?;
    let mut entries: Vec<Attr> = Vec::with_capacity(l.len());
    for t in l.iter() {
        let v = ev.force(t)?;
        let item = ev.expect_attrs(
            &v,
            None,
            "while evaluating an element of the list passed to builtins.listToAttrs",
        )?;
        let name_t = match item.get(ev.syms.name) {
            Some(n) => n.value.clone(),
            None => {
                return Err(EvalError::new(
                    ErrorKind::MissingAttr,
                    "attribute 'name' missing (in an element of the list passed to builtins.listToAttrs)",
                ))
            }
        };
        let nv = ev.force(&name_t)?;
        let name = ev.expect_string(&nv, None, "while evaluating the `name` attribute of an element of the list passed to builtins.listToAttrs")?;
        let value = match item.get(ev.syms.value) {
            Some(v) => v.value.clone(),
            None => {
                return Err(EvalError::new(
                    ErrorKind::MissingAttr,
                    "attribute 'value' missing (in an element of the list passed to builtins.listToAttrs)",
                ))
            }
        };
        entries.push(Attr {
            name: Symbol::new(&name.lossy()),
            value,
            pos: item.get(ev.syms.value).and_then(|a| a.pos),
        });
    }
    // The first occurrence of a name wins.
    entries.reverse();
    Ok(Value::Attrs(Rc::new(Attrs::from_entries(entries))))
}

fn map_attrs(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let s = ev.arg_attrs(&a[1], 1, "mapAttrs")?;
    let entries: Vec<Attr> = s
        .iter()
        .map(|attr| Attr {
            name: attr.name,
            value: Thunk::apply(
                f.clone(),
                Box::new([attr.name.to_value().thunk(), attr.value.clone()]),
            ),
            pos: attr.pos,
        })
        .collect();
    Ok(Value::Attrs(Rc::new(Attrs::from_sorted(entries))))
}

fn intersect_attrs(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let x = ev.arg_attrs(&a[0], 0, "intersectAttrs")?;
    let y = ev.arg_attrs(&a[1], 1, "intersectAttrs")?;
    let kept: Vec<Attr> = y
        .iter()
        .filter(|a| x.get(a.name).is_some())
        .cloned()
        .collect();
    Ok(Value::Attrs(Rc::new(Attrs::from_sorted(kept))))
}

fn function_args(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    match &f {
        Value::Lambda(c) => match &c.lambda.param {
            Param::Ident(_) => Ok(Value::Attrs(Rc::new(Attrs::default()))),
            Param::Pattern { formals, .. } => Ok(Value::Attrs(Rc::new(Attrs::from_entries(
                formals
                    .iter()
                    .map(|f| Attr {
                        name: f.name,
                        value: Value::Bool(f.default.is_some()).thunk(),
                        pos: Some(f.span),
                    })
                    .collect(),
            )))),
        },
        Value::PrimOp(_) | Value::PrimOpApp(_) => Ok(Value::Attrs(Rc::new(Attrs::default()))),
        other => Err(crate::eval::type_error(
            other,
            "a function",
            None,
            &arg_ctx(0, "functionArgs"),
        )),
    }
}

// ---- strings ----

fn string_length(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_coerce(&a[0], 0, "stringLength", true)?;
    Ok(Value::Int(s.bytes.len() as i64))
}

fn substring(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let start = ev.arg_int(&a[0], 0, "substring")?;
    let len = ev.arg_int(&a[1], 1, "substring")?;
    let s = ev.arg_coerce(&a[2], 2, "substring", true)?;
    if start < 0 {
        return Err(EvalError::new(
            ErrorKind::Other,
            "negative start position in substring",
        ));
    }
    let n = s.bytes.len();
    let from = (start as usize).min(n);
    let to = if len < 0 {
        n
    } else {
        from.saturating_add(len as usize).min(n)
    };
    Ok(Value::String(Rc::new(NixString {
        bytes: s.bytes[from..to].into(),
        context: s.context,
    })))
}

fn concat_strings_sep(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let sep = ev.arg_str(&a[0], 0, "concatStringsSep")?;
    let l = ev.arg_list(&a[1], 1, "concatStringsSep")?;
    let mut out = NixString {
        bytes: Box::new([]),
        context: sep.context.clone(),
    };
    let mut bytes = Vec::new();
    for (i, t) in l.iter().enumerate() {
        if i > 0 {
            bytes.extend_from_slice(&sep.bytes);
        }
        let v = ev.force(t)?;
        let s = ev
            .coerce_to_string(&v, Coerce::Interpolate, true)
            .map_err(|e| ev.frame(e, None, "while evaluating one element of the list of strings to concat passed to builtins.concatStringsSep"))?;
        bytes.extend_from_slice(&s.bytes);
        out.context.extend(&s.context);
    }
    out.bytes = bytes.into();
    Ok(Value::String(Rc::new(out)))
}

impl Eval {
    /// Coerces a builtin's argument as `toString` does (paths stay paths, as
    /// Nix's `toString` never copies to the store).
    pub(crate) fn arg_coerce_more(
        &mut self,
        t: &Thunk,
        n: usize,
        name: &str,
    ) -> EvalResult<NixString> {
        let v = self.force(t)?;
        self.coerce_to_string(&v, Coerce::ToString, false)
            .map_err(|e| self.frame(e, None, &arg_ctx(n, name)))
    }
}
