//! Data builtins: `toJSON`, `fromJSON`, `fromTOML` and `toXML`.
//!
//! The writers live in [`crate::output`] (the CLI's `--json` and `--xml` use
//! them too); the readers in [`crate::data`], which yields a plain
//! [`Data`] tree that is turned into values here.

use std::rc::Rc;

use super::{arg_ctx, PrimOpTable};
use crate::data::{from_json, from_toml, Data};
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::Eval;
use crate::symbol::Symbol;
use crate::value::{Attr, Attrs, ContextElem, NixString, Thunk, Value};

pub(crate) const PRIMOPS: PrimOpTable = &[
    ("fromJSON", 1, from_json_prim),
    ("fromTOML", 1, from_toml_prim),
    ("toJSON", 1, to_json_prim),
    ("toXML", 1, to_xml_prim),
];

fn to_json_prim(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let s = crate::output::to_json(ev, &v)?;
    Ok(Value::String(Rc::new(s)))
}

fn to_xml_prim(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let s = crate::output::to_xml(ev, &v, false)?;
    Ok(Value::String(Rc::new(s)))
}

fn from_json_prim(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_str_no_ctx(&a[0], 0, "fromJSON")?;
    let text = std::str::from_utf8(&s.bytes).map_err(|e| {
        EvalError::new(
            ErrorKind::Other,
            format!(
                "JSON parse error at byte {}: invalid UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    let data = from_json(text).map_err(|e| EvalError::new(ErrorKind::Other, e.to_string()))?;
    Ok(data_to_value(data))
}

fn from_toml_prim(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_str_no_ctx(&a[0], 0, "fromTOML")?;
    let text = std::str::from_utf8(&s.bytes).map_err(|e| {
        EvalError::new(
            ErrorKind::Other,
            format!(
                "while parsing a TOML string: invalid UTF-8 at byte {}",
                e.valid_up_to()
            ),
        )
    })?;
    let data = from_toml(text).map_err(|e| EvalError::new(ErrorKind::Other, e.to_string()))?;
    Ok(data_to_value(data))
}

/// What is left to do while converting a [`Data`] tree.
enum Work {
    /// Convert this node and push its value.
    Visit(Data),
    /// Pop this many values into a list.
    List(usize),
    /// Pop one value per name into a set.
    Attrs(Vec<String>),
}

/// Turns a [`Data`] tree into a value, without recursion (JSON nesting is
/// unbounded). Strings are cut at their first NUL, as Nix 2.8's C strings
/// are; attribute names keep it.
pub(crate) fn data_to_value(data: Data) -> Value {
    let mut work = vec![Work::Visit(data)];
    let mut done: Vec<Value> = Vec::new();
    while let Some(w) = work.pop() {
        match w {
            Work::Visit(mut d) => match &mut d {
                Data::Null => done.push(Value::Null),
                Data::Bool(b) => done.push(Value::Bool(*b)),
                Data::Int(i) => done.push(Value::Int(*i)),
                Data::Float(f) => done.push(Value::Float(*f)),
                Data::String(s) => {
                    let bytes = s.as_bytes();
                    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                    done.push(Value::String(Rc::new(NixString::plain(&bytes[..end]))));
                }
                Data::List(items) => {
                    let items = std::mem::take(items);
                    work.push(Work::List(items.len()));
                    work.extend(items.into_iter().rev().map(Work::Visit));
                }
                Data::Attrs(items) => {
                    let items = std::mem::take(items);
                    let mut names = Vec::with_capacity(items.len());
                    let mut values = Vec::with_capacity(items.len());
                    for (k, v) in items {
                        names.push(k);
                        values.push(v);
                    }
                    work.push(Work::Attrs(names));
                    work.extend(values.into_iter().rev().map(Work::Visit));
                }
            },
            Work::List(n) => {
                let items: Vec<Thunk> = done.drain(done.len() - n..).map(Thunk::ready).collect();
                done.push(Value::List(Rc::new(items)));
            }
            Work::Attrs(names) => {
                let values = done.drain(done.len() - names.len()..);
                let entries: Vec<Attr> = names
                    .iter()
                    .zip(values)
                    .map(|(n, v)| Attr {
                        name: Symbol::new(n),
                        value: Thunk::ready(v),
                        pos: None,
                    })
                    .collect();
                done.push(Value::Attrs(Rc::new(Attrs::from_entries(entries))));
            }
        }
    }
    done.pop().expect("one value per tree")
}

impl Eval {
    /// Forces a builtin's argument to a string without context, as Nix's
    /// `forceStringNoCtx` does.
    pub(crate) fn arg_str_no_ctx(
        &mut self,
        t: &Thunk,
        n: usize,
        name: &str,
    ) -> EvalResult<Rc<NixString>> {
        let s = self.arg_str(t, n, name)?;
        if let Some(elem) = s.context.iter().next() {
            let path = match elem {
                ContextElem::Opaque(p) | ContextElem::AllOutputs(p) => p.clone(),
                ContextElem::Output(p, _) => p.clone(),
            };
            return Err(self.frame(
                EvalError::new(
                    ErrorKind::Type,
                    format!(
                        "the string '{}' is not allowed to refer to a store path (such as '{}')",
                        s.lossy(),
                        path
                    ),
                ),
                None,
                &arg_ctx(n, name),
            ));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::data_to_value;
    use crate::data::from_json;
    use crate::print::print_value;

    #[test]
    fn json_data_becomes_values() {
        let d = from_json(r#"{"b": [1, 2.5, "x\u0000y", null, true], "a": {}}"#).unwrap();
        assert_eq!(
            print_value(&data_to_value(d)),
            r#"{ a = { }; b = [ 1 2.5 "x" null true ]; }"#
        );
    }

    #[test]
    fn deep_json_converts_without_recursion() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let v = data_to_value(from_json(&text).unwrap());
        assert!(matches!(v, crate::value::Value::List(_)));
        // Dropping a value this deep is the evaluator's business; keep it.
        std::mem::forget(v);
    }
}
