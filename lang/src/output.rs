//! JSON and XML writers: `builtins.toJSON`, `builtins.toXML`, and the
//! `--json` and `--xml` output of `kiln eval`.
//!
//! Both follow Nix 2.8 byte for byte: JSON has no whitespace, sets are
//! written in name order, floats print like C++ streams (`%g`); XML is
//! `printValueAsXML` with its two-space indentation and escapes. Both force
//! what they write as they go (Nix's `strict` mode), so a value need not be
//! deeply forced first, and a derivation is written without forcing the
//! attributes that the format leaves out.

use std::collections::HashSet;
use std::rc::Rc;

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::{Coerce, Eval};
use crate::ir::Param;
use crate::print::format_float;
use crate::source::Span;
use crate::value::{Attr, Attrs, Context, NixString, Thunk, Value};

/// Nesting deeper than this is reported as a stack overflow. Nix 2.8's
/// recursive writers overflow their stack between 60,000 and 70,000 levels;
/// kiln stops at a fixed depth instead of relying on the thread's stack.
const MAX_DEPTH: usize = 65_536;

/// The value as JSON, like `nix-instantiate --eval --json` (without a final
/// newline). Bytes that are not UTF-8 are replaced.
pub fn to_json_string(ev: &mut Eval, v: &Value) -> EvalResult<String> {
    let s = to_json(ev, v)?;
    Ok(String::from_utf8_lossy(&s.bytes).into_owned())
}

/// The value as XML, like `nix-instantiate --eval --xml`: the XML
/// declaration, then `<expr>…</expr>` and a newline. With `with_locations`
/// attributes and functions carry `path`, `line` and `column` (Nix's default;
/// `--no-location` and `builtins.toXML` leave them out).
pub fn to_xml_string(ev: &mut Eval, v: &Value, with_locations: bool) -> EvalResult<String> {
    let s = to_xml(ev, v, with_locations)?;
    Ok(String::from_utf8_lossy(&s.bytes).into_owned())
}

/// `builtins.toJSON`: the JSON text, with the union of the contexts of the
/// strings (and store paths of the paths) written.
pub fn to_json(ev: &mut Eval, v: &Value) -> EvalResult<NixString> {
    let mut w = JsonWriter {
        out: Vec::new(),
        context: Context::default(),
    };
    w.value(ev, v, 0)?;
    Ok(NixString {
        bytes: w.out.into(),
        context: w.context,
    })
}

/// `builtins.toXML` (without locations): the XML text with the union of the
/// contexts of the strings written.
pub fn to_xml(ev: &mut Eval, v: &Value, with_locations: bool) -> EvalResult<NixString> {
    let mut w = XmlWriter {
        out: b"<?xml version='1.0' encoding='utf-8'?>\n".to_vec(),
        context: Context::default(),
        drvs_seen: HashSet::new(),
        locations: with_locations,
    };
    w.open(0, "expr", Vec::new());
    w.value(ev, v, 1)?;
    w.close(0, "expr");
    Ok(NixString {
        bytes: w.out.into(),
        context: w.context,
    })
}

fn too_deep() -> Box<EvalError> {
    EvalError::new(
        ErrorKind::StackOverflow,
        "stack overflow (possible infinite recursion)",
    )
}

/// Forces an attribute's value, naming the attribute in the trace.
fn force_attr(ev: &mut Eval, attr: &Attr) -> EvalResult<Value> {
    let t = attr.value.clone();
    ev.force(&t).map_err(|e| {
        ev.frame(
            e,
            attr.pos,
            &format!("while evaluating the attribute '{}'", attr.name),
        )
    })
}

/// Calls `__toString` on a set, if it has one, and coerces the result as
/// Nix's `tryAttrsToString` does (no `toString` coercions, no store copy).
fn attrs_to_string(ev: &mut Eval, v: &Value, a: &Attrs) -> EvalResult<Option<NixString>> {
    let Some(f) = a.get(ev.syms.to_string) else {
        return Ok(None);
    };
    let f = f.value.clone();
    let f = ev.force(&f)?;
    let r = ev.apply(f, &[Thunk::ready(v.clone())], None)?;
    ev.coerce_to_string(&r, Coerce::Interpolate, false)
        .map(Some)
}

/// Writes JSON text.
struct JsonWriter {
    out: Vec<u8>,
    context: Context,
}

impl JsonWriter {
    fn value(&mut self, ev: &mut Eval, v: &Value, depth: usize) -> EvalResult<()> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        match v {
            Value::Null => self.out.extend_from_slice(b"null"),
            Value::Bool(b) => self
                .out
                .extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Int(i) => self.out.extend_from_slice(i.to_string().as_bytes()),
            Value::Float(f) => self.out.extend_from_slice(format_float(*f).as_bytes()),
            Value::String(s) => {
                self.context.extend(&s.context);
                json_string(&mut self.out, &s.bytes);
            }
            Value::Path(_) => {
                let s = ev.coerce_to_string(v, Coerce::Interpolate, true)?;
                self.context.extend(&s.context);
                json_string(&mut self.out, &s.bytes);
            }
            Value::Attrs(a) => {
                if let Some(s) = attrs_to_string(ev, v, a)? {
                    self.context.extend(&s.context);
                    json_string(&mut self.out, &s.bytes);
                    return Ok(());
                }
                if let Some(o) = a.get(ev.syms.out_path) {
                    let ov = force_attr(ev, o)?;
                    return self.value(ev, &ov, depth + 1);
                }
                self.out.push(b'{');
                for (i, attr) in a.sorted().into_iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    json_string(&mut self.out, attr.name.as_str().as_bytes());
                    self.out.push(b':');
                    let av = force_attr(ev, attr)?;
                    self.value(ev, &av, depth + 1)?;
                }
                self.out.push(b'}');
            }
            Value::List(l) => {
                self.out.push(b'[');
                for (i, t) in l.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    let iv = ev.force(t).map_err(|e| {
                        ev.frame(e, None, &format!("while evaluating list element {i}"))
                    })?;
                    self.value(ev, &iv, depth + 1)?;
                }
                self.out.push(b']');
            }
            Value::Lambda(_) => {
                return Err(EvalError::new(
                    ErrorKind::Type,
                    "cannot convert a function to JSON",
                ))
            }
            Value::PrimOp(op) => {
                return Err(EvalError::new(
                    ErrorKind::Type,
                    format!("cannot convert the built-in function '{}' to JSON", op.name),
                ))
            }
            Value::PrimOpApp(app) => {
                return Err(EvalError::new(
                    ErrorKind::Type,
                    format!(
                        "cannot convert the partially applied built-in function '{}' to JSON",
                        app.op.name
                    ),
                ))
            }
        }
        Ok(())
    }
}

/// A JSON string literal as Nix 2.8 writes it: `"` and `\` escaped, `\n`,
/// `\r` and `\t` by name, other control characters as `\u00xx`; everything
/// else, including bytes that are not UTF-8, as is.
fn json_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// Writes XML as Nix's `XMLWriter` does with indentation on.
struct XmlWriter {
    out: Vec<u8>,
    context: Context,
    /// `drvPath`s of the derivations written so far: later ones are `<repeated />`.
    drvs_seen: HashSet<Vec<u8>>,
    locations: bool,
}

/// The attributes of an XML element; written sorted by name, as Nix keeps
/// them in a `std::map`.
type XmlAttrs = Vec<(&'static str, Vec<u8>)>;

impl XmlWriter {
    fn start(&mut self, level: usize, name: &str, mut attrs: XmlAttrs) {
        self.out.extend(std::iter::repeat_n(b' ', level * 2));
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        attrs.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in attrs {
            self.out.push(b' ');
            self.out.extend_from_slice(k.as_bytes());
            self.out.extend_from_slice(b"=\"");
            for b in v {
                match b {
                    b'"' => self.out.extend_from_slice(b"&quot;"),
                    b'<' => self.out.extend_from_slice(b"&lt;"),
                    b'>' => self.out.extend_from_slice(b"&gt;"),
                    b'&' => self.out.extend_from_slice(b"&amp;"),
                    b'\n' => self.out.extend_from_slice(b"&#xA;"),
                    _ => self.out.push(b),
                }
            }
            self.out.push(b'"');
        }
    }

    fn open(&mut self, level: usize, name: &str, attrs: XmlAttrs) {
        self.start(level, name, attrs);
        self.out.extend_from_slice(b">\n");
    }

    fn close(&mut self, level: usize, name: &str) {
        self.out.extend(std::iter::repeat_n(b' ', level * 2));
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b">\n");
    }

    fn empty(&mut self, level: usize, name: &str, attrs: XmlAttrs) {
        self.start(level, name, attrs);
        self.out.extend_from_slice(b" />\n");
    }

    /// `path`, `line` and `column` of a position.
    fn position(&self, ev: &Eval, span: Span, attrs: &mut XmlAttrs) {
        let file = ev.sources.file(span.file);
        let lc = file.line_col(span.start);
        attrs.push(("path", file.name.clone().into_bytes()));
        attrs.push(("line", lc.line.to_string().into_bytes()));
        attrs.push(("column", lc.col.to_string().into_bytes()));
    }

    fn value(&mut self, ev: &mut Eval, v: &Value, level: usize) -> EvalResult<()> {
        if level > MAX_DEPTH {
            return Err(too_deep());
        }
        match v {
            Value::Int(i) => self.empty(level, "int", vec![("value", i.to_string().into_bytes())]),
            Value::Bool(b) => self.empty(
                level,
                "bool",
                vec![(
                    "value",
                    if *b {
                        b"true".to_vec()
                    } else {
                        b"false".to_vec()
                    },
                )],
            ),
            Value::String(s) => {
                self.context.extend(&s.context);
                self.empty(level, "string", vec![("value", s.bytes.to_vec())]);
            }
            Value::Path(p) => self.empty(level, "path", vec![("value", p.as_bytes().to_vec())]),
            Value::Null => self.empty(level, "null", Vec::new()),
            Value::Float(f) => self.empty(
                level,
                "float",
                vec![("value", format_float(*f).into_bytes())],
            ),
            Value::Attrs(a) => {
                if ev.is_derivation(a)? {
                    let mut attrs = XmlAttrs::new();
                    let mut drv_path = Vec::new();
                    if let Some(d) = a.get(ev.syms.drv_path) {
                        if let Value::String(s) = force_attr(ev, d)? {
                            drv_path = s.bytes.to_vec();
                            attrs.push(("drvPath", drv_path.clone()));
                        }
                    }
                    if let Some(o) = a.get(ev.syms.out_path) {
                        if let Value::String(s) = force_attr(ev, o)? {
                            attrs.push(("outPath", s.bytes.to_vec()));
                        }
                    }
                    self.open(level, "derivation", attrs);
                    if !drv_path.is_empty() && self.drvs_seen.insert(drv_path) {
                        self.attrs(ev, a, level + 1)?;
                    } else {
                        self.empty(level + 1, "repeated", Vec::new());
                    }
                    self.close(level, "derivation");
                } else {
                    self.open(level, "attrs", Vec::new());
                    self.attrs(ev, a, level + 1)?;
                    self.close(level, "attrs");
                }
            }
            Value::List(l) => {
                self.open(level, "list", Vec::new());
                for (i, t) in l.iter().enumerate() {
                    let iv = ev.force(t).map_err(|e| {
                        ev.frame(e, None, &format!("while evaluating list element {i}"))
                    })?;
                    self.value(ev, &iv, level + 1)?;
                }
                self.close(level, "list");
            }
            Value::Lambda(c) => {
                let mut attrs = XmlAttrs::new();
                if self.locations {
                    self.position(ev, c.lambda.span, &mut attrs);
                }
                self.open(level, "function", attrs);
                match &c.lambda.param {
                    Param::Ident(name) => self.empty(
                        level + 1,
                        "varpat",
                        vec![("name", name.as_str().as_bytes().to_vec())],
                    ),
                    Param::Pattern {
                        formals,
                        ellipsis,
                        bind,
                    } => {
                        let mut attrs = XmlAttrs::new();
                        if let Some(b) = bind {
                            attrs.push(("name", b.as_str().as_bytes().to_vec()));
                        }
                        if *ellipsis {
                            attrs.push(("ellipsis", b"1".to_vec()));
                        }
                        self.open(level + 1, "attrspat", attrs);
                        let mut names: Vec<Rc<str>> =
                            formals.iter().map(|f| f.name.as_str()).collect();
                        names.sort();
                        for n in names {
                            self.empty(level + 2, "attr", vec![("name", n.as_bytes().to_vec())]);
                        }
                        self.close(level + 1, "attrspat");
                    }
                }
                self.close(level, "function");
            }
            Value::PrimOp(_) | Value::PrimOpApp(_) => self.empty(level, "unevaluated", Vec::new()),
        }
        Ok(())
    }

    /// The `<attr>` elements of a set, in name order.
    fn attrs(&mut self, ev: &mut Eval, a: &Attrs, level: usize) -> EvalResult<()> {
        for attr in a.sorted() {
            let mut attrs = vec![("name", attr.name.as_str().as_bytes().to_vec())];
            if self.locations {
                if let Some(span) = attr.pos {
                    self.position(ev, span, &mut attrs);
                }
            }
            self.open(level, "attr", attrs);
            let av = force_attr(ev, attr)?;
            self.value(ev, &av, level + 1)?;
            self.close(level, "attr");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::json_string;

    #[test]
    fn json_strings_escape_like_nix_2_8() {
        let mut out = Vec::new();
        json_string(&mut out, b"a\"\\\n\r\t\x01\x08\x0c\x1f\x7f\xff/");
        assert_eq!(
            out,
            b"\"a\\\"\\\\\\n\\r\\t\\u0001\\u0008\\u000c\\u001f\x7f\xff/\"".to_vec()
        );
    }
}
