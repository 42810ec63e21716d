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
    use std::io;
    use std::path::Path;
    use std::rc::Rc;

    use super::{json_string, to_json, to_xml_string};
    use crate::host::{FileType, Host};
    use crate::symbol::Symbol;
    use crate::value::{Attr, Attrs, Context, ContextElem, NixString, Value};
    use crate::Eval;

    /// A host without files.
    struct NoHost;

    impl Host for NoHost {
        fn read_file(&self, _: &Path) -> io::Result<Vec<u8>> {
            Err(io::Error::from(io::ErrorKind::NotFound))
        }
        fn read_dir(&self, _: &Path) -> io::Result<Vec<(String, FileType)>> {
            Err(io::Error::from(io::ErrorKind::NotFound))
        }
        fn file_type(&self, _: &Path) -> io::Result<FileType> {
            Err(io::Error::from(io::ErrorKind::NotFound))
        }
        fn path_exists(&self, _: &Path) -> bool {
            false
        }
        fn get_env(&self, _: &str) -> Option<String> {
            None
        }
    }

    fn eval_source(ev: &mut Eval, expr: &str) -> Value {
        ev.eval_source(expr, "«test»", Path::new("/"))
            .unwrap_or_else(|e| panic!("{}", e.message))
    }

    fn json(expr: &str) -> Result<String, String> {
        let mut ev = Eval::new(Box::new(NoHost), 1 << 20);
        let v = eval_source(&mut ev, expr);
        super::to_json_string(&mut ev, &v).map_err(|e| e.message.clone())
    }

    #[test]
    fn json_strings_escape_like_nix_2_8() {
        let mut out = Vec::new();
        json_string(&mut out, b"a\"\\\n\r\t\x01\x08\x0c\x1f\x7f\xff/");
        assert_eq!(
            out,
            b"\"a\\\"\\\\\\n\\r\\t\\u0001\\u0008\\u000c\\u001f\x7f\xff/\"".to_vec()
        );
    }

    #[test]
    fn json_values_as_nix_2_8_writes_them() {
        assert_eq!(
            json(r#"{ b = [ 1 (-2) 1.5 0.1 1.0e20 (1.0 / 3) null true ]; a = { }; "c d" = "x"; }"#)
                .unwrap(),
            r#"{"a":{},"b":[1,-2,1.5,0.1,1e+20,0.333333,null,true],"c d":"x"}"#
        );
        assert_eq!(
            json(r#"{ __toString = s: s.x; x = "won"; outPath = abort "no"; }"#).unwrap(),
            r#""won""#
        );
        assert_eq!(json(r#"{ outPath = { outPath = 42; }; }"#).unwrap(), "42");
        assert_eq!(
            json(r#"{ type = "derivation"; outPath = "/o"; other = throw "no"; }"#).unwrap(),
            r#""/o""#
        );
        assert_eq!(
            json("{ a = x: x; }").unwrap_err(),
            "cannot convert a function to JSON"
        );
        assert_eq!(
            json("builtins.map").unwrap_err(),
            "cannot convert the built-in function 'map' to JSON"
        );
        assert_eq!(
            json("builtins.map (x: x)").unwrap_err(),
            "cannot convert the partially applied built-in function 'map' to JSON"
        );
        assert_eq!(
            json("{ __toString = s: 42; }").unwrap_err(),
            "cannot coerce an integer to a string"
        );
    }

    #[test]
    fn json_context_is_the_union_of_string_contexts() {
        let with_ctx = |s: &str| {
            let mut context = Context::default();
            context.insert(ContextElem::Opaque(Rc::from(s)));
            Value::String(Rc::new(NixString {
                bytes: s.as_bytes().into(),
                context,
            }))
        };
        let v = Value::Attrs(Rc::new(Attrs::from_entries(vec![
            Attr {
                name: Symbol::new("a"),
                value: with_ctx("/kiln/store/a").thunk(),
                pos: None,
            },
            Attr {
                name: Symbol::new("b"),
                value: Value::List(Rc::new(vec![with_ctx("/kiln/store/b").thunk()])).thunk(),
                pos: None,
            },
        ])));
        let mut ev = Eval::new(Box::new(NoHost), 1 << 20);
        let s = to_json(&mut ev, &v).unwrap();
        let elems: Vec<_> = s.context.iter().cloned().collect();
        assert_eq!(
            elems,
            vec![
                ContextElem::Opaque(Rc::from("/kiln/store/a")),
                ContextElem::Opaque(Rc::from("/kiln/store/b")),
            ]
        );
    }

    #[test]
    fn xml_locations_name_file_line_and_column() {
        let mut ev = Eval::new(Box::new(NoHost), 1 << 20);
        let v = eval_source(&mut ev, "{\n  f = { y, x ? 1 }: x;\n}");
        assert_eq!(
            to_xml_string(&mut ev, &v, true).unwrap(),
            "<?xml version='1.0' encoding='utf-8'?>\n<expr>\n  <attrs>\n    \
             <attr column=\"3\" line=\"2\" name=\"f\" path=\"«test»\">\n      \
             <function column=\"7\" line=\"2\" path=\"«test»\">\n        <attrspat>\n          \
             <attr name=\"x\" />\n          <attr name=\"y\" />\n        </attrspat>\n      \
             </function>\n    </attr>\n  </attrs>\n</expr>\n"
        );
        assert_eq!(
            to_xml_string(&mut ev, &v, false).unwrap(),
            "<?xml version='1.0' encoding='utf-8'?>\n<expr>\n  <attrs>\n    \
             <attr name=\"f\">\n      <function>\n        <attrspat>\n          \
             <attr name=\"x\" />\n          <attr name=\"y\" />\n        </attrspat>\n      \
             </function>\n    </attr>\n  </attrs>\n</expr>\n"
        );
    }

    #[test]
    fn deep_nesting_is_a_stack_overflow_error() {
        let r = std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn(|| {
                let mut ev = Eval::new(Box::new(NoHost), 1 << 29);
                let v = eval_source(
                    &mut ev,
                    "builtins.foldl' (t: h: { inherit t; }) null (builtins.genList (x: x) 70000)",
                );
                // (XML this deep would be gigabytes of indentation first.)
                let json = to_json(&mut ev, &v).map(|_| ()).map_err(|e| e.kind);
                std::mem::forget(v);
                json
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(r, Err(crate::ErrorKind::StackOverflow));
    }
}
