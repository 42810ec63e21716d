//! String builtins: `replaceStrings`, path-like string functions, hashes,
//! versions, regular expressions and the string context builtins.
//!
//! Which argument is forced first, which ones are coerced and which must
//! already be strings, and what happens to the context all follow Nix 2.8's
//! `primops.cc` and `primops/context.cc`.

use std::rc::Rc;

use super::{arg_ctx, make_attrs, PrimOpTable};
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::Eval;
use crate::symbol::Symbol;
use crate::value::{Attr, Attrs, Context, ContextElem, NixString, Thunk, Value};

pub(crate) const PRIMOPS: PrimOpTable = &[
    ("appendContext", 2, append_context),
    ("baseNameOf", 1, base_name_of),
    ("compareVersions", 2, compare_versions),
    ("dirOf", 1, dir_of),
    ("getContext", 1, get_context),
    ("hasContext", 1, has_context),
    ("hashString", 2, hash_string),
    ("match", 2, match_),
    ("parseDrvName", 1, parse_drv_name),
    ("replaceStrings", 3, replace_strings),
    ("split", 2, split),
    ("splitVersion", 1, split_version),
    ("toPath", 1, to_path),
    (
        "unsafeDiscardOutputDependency",
        1,
        unsafe_discard_output_dependency,
    ),
    (
        "unsafeDiscardStringContext",
        1,
        unsafe_discard_string_context,
    ),
];

// ---- helpers ----

/// How Nix 2.8 writes a context element inside strings and messages.
fn encode_elem(e: &ContextElem) -> String {
    match e {
        ContextElem::Opaque(p) => p.to_string(),
        ContextElem::Output(drv, out) => format!("!{out}!{drv}"),
        ContextElem::AllOutputs(drv) => format!("={drv}"),
    }
}

/// Fails like Nix's `forceStringNoCtx` when a string has context.
pub(super) fn check_no_ctx(s: &NixString, ctx: &str) -> EvalResult<()> {
    // Nix names the first element of its (sorted, encoded) context.
    let Some(first) = s.context.iter().map(encode_elem).min() else {
        return Ok(());
    };
    let mut e = EvalError::new(
        ErrorKind::Other,
        format!(
            "the string '{}' is not allowed to refer to a store path (such as '{}')",
            s.lossy(),
            first
        ),
    );
    if !ctx.is_empty() {
        e.trace.push(crate::error::TraceFrame {
            span: None,
            message: ctx.to_string(),
        });
    }
    Err(e)
}

/// A builtin's argument that must be a string without context.
pub(super) fn arg_str_no_ctx(
    ev: &mut Eval,
    t: &Thunk,
    n: usize,
    name: &str,
) -> EvalResult<Rc<NixString>> {
    let s = ev.arg_str(t, n, name)?;
    check_no_ctx(&s, &arg_ctx(n, name))?;
    Ok(s)
}

/// A value (not an argument) that must be a string without context.
pub(super) fn value_str_no_ctx(v: &Value, ctx: &str) -> EvalResult<Rc<NixString>> {
    let s = match v {
        Value::String(s) => s.clone(),
        other => return Err(crate::eval::type_error(other, "a string", None, ctx)),
    };
    check_no_ctx(&s, ctx)?;
    Ok(s)
}

fn string_with(bytes: impl Into<Box<[u8]>>, context: Context) -> Value {
    Value::String(Rc::new(NixString {
        bytes: bytes.into(),
        context,
    }))
}

/// The bytes as `&str` for the modules that work on text; Nix strings are
/// nearly always UTF-8, and other bytes are replaced.
fn text(s: &NixString) -> std::borrow::Cow<'_, str> {
    s.lossy()
}

// ---- replaceStrings ----

fn replace_strings(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let from = ev.arg_list(&a[0], 0, "replaceStrings")?;
    let to = ev.arg_list(&a[1], 1, "replaceStrings")?;
    if from.len() != to.len() {
        return Err(EvalError::new(
            ErrorKind::Other,
            "'from' and 'to' arguments to 'replaceStrings' have different lengths",
        ));
    }
    let mut pats = Vec::with_capacity(from.len());
    for t in from.iter() {
        let v = ev.force(t)?;
        pats.push(ev.expect_string(
            &v,
            None,
            "while evaluating one of the strings to replace passed to builtins.replaceStrings",
        )?);
    }
    let mut reps = Vec::with_capacity(to.len());
    for t in to.iter() {
        let v = ev.force(t)?;
        reps.push(ev.expect_string(
            &v,
            None,
            "while evaluating one of the replacement strings passed to builtins.replaceStrings",
        )?);
    }
    let s = ev.arg_str(&a[2], 2, "replaceStrings")?;
    let src = &s.bytes;
    let mut context = s.context.clone();
    let mut used = vec![false; reps.len()];
    let mut out = Vec::with_capacity(src.len());
    // One past the end, so that an empty pattern also matches there.
    let mut p = 0;
    while p <= src.len() {
        let found = pats.iter().position(|pat| src[p..].starts_with(&pat.bytes));
        match found {
            Some(i) => {
                out.extend_from_slice(&reps[i].bytes);
                if pats[i].bytes.is_empty() {
                    if p < src.len() {
                        out.push(src[p]);
                    }
                    p += 1;
                } else {
                    p += pats[i].bytes.len();
                }
                if !used[i] {
                    used[i] = true;
                    context.extend(&reps[i].context);
                }
            }
            None => {
                if p < src.len() {
                    out.push(src[p]);
                }
                p += 1;
            }
        }
    }
    Ok(string_with(out, context))
}

// ---- paths as strings ----

/// Nix's `baseNameOf`: what follows the last slash, ignoring one trailing slash.
fn base_name(path: &[u8]) -> &[u8] {
    if path.is_empty() {
        return path;
    }
    let mut last = path.len() - 1;
    if path[last] == b'/' && last > 0 {
        last -= 1;
    }
    let start = path[..=last]
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(0, |i| i + 1);
    if start > last {
        return &[];
    }
    &path[start..=last]
}

/// Nix's `dirOf`: what precedes the last slash; `.` without a slash.
fn dir_name(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        None => b".",
        Some(0) => b"/",
        Some(i) => &path[..i],
    }
}

/// Nix's `canonPath` without following symlinks, on bytes.
fn canon_bytes(p: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(p.len());
    for c in p.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                if let Some(i) = out.iter().rposition(|&b| b == b'/') {
                    out.truncate(i);
                }
            }
            c => {
                out.push(b'/');
                out.extend_from_slice(c);
            }
        }
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

fn base_name_of(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_coerce(&a[0], 0, "baseNameOf", false)?;
    let base = base_name(&s.bytes).to_vec();
    Ok(string_with(base, s.context))
}

fn dir_of(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let s = ev.arg_coerce(&a[0], 0, "dirOf", false)?;
    let dir = dir_name(&s.bytes).to_vec();
    if matches!(v, Value::Path(_)) {
        return Ok(Value::Path(String::from_utf8_lossy(&dir).into()));
    }
    Ok(string_with(dir, s.context))
}

fn to_path(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_coerce(&a[0], 0, "toPath", false)?;
    if s.bytes.first() != Some(&b'/') {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("string '{}' doesn't represent an absolute path", s.lossy()),
        ));
    }
    Ok(string_with(canon_bytes(&s.bytes), s.context))
}

// ---- hashes and versions ----

fn hash_string(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let algo = arg_str_no_ctx(ev, &a[0], 0, "hashString")?;
    let algo: crate::hash::HashAlgo = text(&algo).parse().map_err(|_| {
        EvalError::new(
            ErrorKind::Other,
            format!("unknown hash algorithm '{}'", algo.lossy()),
        )
    })?;
    let s = ev.arg_str(&a[1], 1, "hashString")?;
    let digest = crate::hash::digest(algo, &s.bytes);
    Ok(Value::string(crate::hash::base16_encode(&digest)))
}

fn compare_versions(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let x = arg_str_no_ctx(ev, &a[0], 0, "compareVersions")?;
    let y = arg_str_no_ctx(ev, &a[1], 1, "compareVersions")?;
    Ok(Value::Int(
        crate::versions::compare_versions(&text(&x), &text(&y)) as i64,
    ))
}

fn split_version(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = arg_str_no_ctx(ev, &a[0], 0, "splitVersion")?;
    Ok(Value::List(Rc::new(
        crate::versions::split_version(&text(&s))
            .into_iter()
            .map(|c| Value::string(c).thunk())
            .collect(),
    )))
}

fn parse_drv_name(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = arg_str_no_ctx(ev, &a[0], 0, "parseDrvName")?;
    let (name, version) = crate::versions::parse_drv_name(&text(&s));
    Ok(make_attrs(vec![
        ("name", Value::string(name)),
        ("version", Value::string(version)),
    ]))
}

// ---- regular expressions ----

/// The compiled first argument of `match` or `split`.
fn arg_regex(ev: &mut Eval, t: &Thunk, name: &str) -> EvalResult<Rc<crate::regex::PosixRegex>> {
    let pat = arg_str_no_ctx(ev, t, 0, name)?;
    ev.regex_cache
        .get(&text(&pat))
        .map_err(|e| EvalError::new(ErrorKind::Other, e.to_string()))
}

/// The groups of a match as strings without context, `null` for those
/// that did not take part.
fn groups(hay: &[u8], spans: &[Option<(usize, usize)>]) -> Value {
    Value::List(Rc::new(
        spans
            .iter()
            .map(|g| match g {
                Some((s, e)) => Value::string(&hay[*s..*e]).thunk(),
                None => Value::Null.thunk(),
            })
            .collect(),
    ))
}

fn match_(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let re = arg_regex(ev, &a[0], "match")?;
    let s = ev.arg_str(&a[1], 1, "match")?;
    Ok(match re.match_full(&s.bytes) {
        Some(spans) => groups(&s.bytes, &spans),
        None => Value::Null,
    })
}

fn split(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let re = arg_regex(ev, &a[0], "split")?;
    let v = ev.force(&a[1])?;
    let s = ev.arg_str(&a[1], 1, "split")?;
    let matches = re.find_all(&s.bytes);
    if matches.is_empty() {
        // Nix returns the argument itself, context and all.
        return Ok(Value::List(Rc::new(vec![v.thunk()])));
    }
    let hay = &s.bytes;
    let mut out = Vec::with_capacity(2 * matches.len() + 1);
    let mut prev_end = 0;
    for spans in &matches {
        let (start, end) = spans[0].expect("a match spans its whole match");
        out.push(Value::string(&hay[prev_end..start]).thunk());
        out.push(groups(hay, &spans[1..]).thunk());
        prev_end = end;
    }
    out.push(Value::string(&hay[prev_end..]).thunk());
    Ok(Value::List(Rc::new(out)))
}

// ---- context ----

fn unsafe_discard_string_context(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_coerce(&a[0], 0, "unsafeDiscardStringContext", true)?;
    Ok(string_with(s.bytes, Context::default()))
}

fn has_context(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_str(&a[0], 0, "hasContext")?;
    Ok(Value::Bool(!s.context.is_empty()))
}

fn unsafe_discard_output_dependency(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_coerce(&a[0], 0, "unsafeDiscardOutputDependency", true)?;
    let mut context = Context::default();
    for e in s.context.iter() {
        context.insert(match e {
            ContextElem::AllOutputs(drv) => ContextElem::Opaque(drv.clone()),
            other => other.clone(),
        });
    }
    Ok(string_with(s.bytes, context))
}

#[derive(Default)]
struct ContextInfo {
    path: bool,
    all_outputs: bool,
    outputs: Vec<Rc<str>>,
}

fn get_context(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_str(&a[0], 0, "getContext")?;
    let mut infos: std::collections::BTreeMap<Rc<str>, ContextInfo> = Default::default();
    // Nix walks its context sorted by the encoded form, so the outputs of
    // one step come out sorted by name.
    let mut elems: Vec<&ContextElem> = s.context.iter().collect();
    elems.sort_by_cached_key(|e| encode_elem(e));
    for e in elems {
        match e {
            ContextElem::Opaque(p) => infos.entry(p.clone()).or_default().path = true,
            ContextElem::AllOutputs(d) => infos.entry(d.clone()).or_default().all_outputs = true,
            ContextElem::Output(d, o) => {
                infos.entry(d.clone()).or_default().outputs.push(o.clone())
            }
        }
    }
    let path = Symbol::new("path");
    let all_outputs = Symbol::new("allOutputs");
    let outputs = Symbol::new("outputs");
    let entries: Vec<Attr> = infos
        .into_iter()
        .map(|(key, info)| {
            let mut inner = Vec::new();
            if info.path {
                inner.push(Attr {
                    name: path,
                    value: Value::Bool(true).thunk(),
                    pos: None,
                });
            }
            if info.all_outputs {
                inner.push(Attr {
                    name: all_outputs,
                    value: Value::Bool(true).thunk(),
                    pos: None,
                });
            }
            if !info.outputs.is_empty() {
                let list = info
                    .outputs
                    .iter()
                    .map(|o| Value::string(o.as_bytes()).thunk())
                    .collect();
                inner.push(Attr {
                    name: outputs,
                    value: Value::List(Rc::new(list)).thunk(),
                    pos: None,
                });
            }
            Attr {
                name: Symbol::new(&key),
                value: Value::Attrs(Rc::new(Attrs::from_entries(inner))).thunk(),
                pos: None,
            }
        })
        .collect();
    Ok(Value::Attrs(Rc::new(Attrs::from_entries(entries))))
}

/// Nix's `Store::isStorePath`: directly inside the store directory, with a
/// valid hash part and name.
fn is_store_path(store_dir: &str, path: &str) -> bool {
    if !path.starts_with('/') {
        return false;
    }
    let p = canon_bytes(path.as_bytes());
    if dir_name(&p) != store_dir.as_bytes() {
        return false;
    }
    let base = base_name(&p);
    if base.len() < 33 {
        return false;
    }
    let (hash, rest) = base.split_at(32);
    let hash_ok = hash
        .iter()
        .all(|&c| (c.is_ascii_digit() || c.is_ascii_lowercase()) && !b"eout".contains(&c));
    let name = &rest[1..];
    hash_ok
        && rest[0] == b'-'
        && !name.is_empty()
        && name.len() <= 211
        && name
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"+-._?=".contains(&c))
}

fn append_context(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_str(&a[0], 0, "appendContext")?;
    let set = ev.arg_attrs(&a[1], 1, "appendContext")?;
    let mut context = s.context.clone();
    let store_dir = ev.host.store_dir().to_string();
    let (path, all_outputs, outputs) = (
        Symbol::new("path"),
        Symbol::new("allOutputs"),
        Symbol::new("outputs"),
    );
    for attr in set.sorted() {
        let name = attr.name.as_str();
        if !is_store_path(&store_dir, &name) {
            return Err(EvalError::new(
                ErrorKind::Other,
                format!("context key '{name}' is not a store path"),
            ));
        }
        let ctx =
            format!("while evaluating the context of '{name}' passed to builtins.appendContext");
        let v = ev.force(&attr.value)?;
        let info = ev.expect_attrs(&v, None, &ctx)?;
        // kiln names step descriptions `.step`; `.drv` is accepted for Nix code.
        let is_drv = name.ends_with(".step") || name.ends_with(".drv");
        if let Some(p) = info.get(path) {
            let pv = ev.force(&p.value.clone())?;
            if expect_bool(&pv, &ctx)? {
                context.insert(ContextElem::Opaque(name.clone()));
            }
        }
        if let Some(p) = info.get(all_outputs) {
            let pv = ev.force(&p.value.clone())?;
            if expect_bool(&pv, &ctx)? {
                if !is_drv {
                    return Err(EvalError::new(
                        ErrorKind::Other,
                        format!("tried to add all-outputs context of {name}, which is not a derivation, to a string"),
                    ));
                }
                context.insert(ContextElem::AllOutputs(name.clone()));
            }
        }
        if let Some(p) = info.get(outputs) {
            let pv = ev.force(&p.value.clone())?;
            let list = ev.expect_list(&pv, None, &ctx)?;
            if !list.is_empty() && !is_drv {
                return Err(EvalError::new(
                    ErrorKind::Other,
                    format!("tried to add derivation output context of {name}, which is not a derivation, to a string"),
                ));
            }
            for t in list.iter() {
                let ov = ev.force(t)?;
                let o = value_str_no_ctx(&ov, &ctx)?;
                context.insert(ContextElem::Output(name.clone(), o.lossy().into()));
            }
        }
    }
    Ok(string_with(s.bytes.clone(), context))
}

fn expect_bool(v: &Value, ctx: &str) -> EvalResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(crate::eval::type_error(other, "a Boolean", None, ctx)),
    }
}

/// A string-only evaluator for the builtins' unit tests.
#[cfg(test)]
pub(super) mod testing {
    use std::cell::RefCell;
    use std::io;
    use std::path::Path;
    use std::rc::Rc;

    use crate::host::{FileType, Host};
    use crate::Eval;

    /// A host without files that records `builtins.trace` messages.
    struct TestHost(Rc<RefCell<Vec<String>>>);

    impl Host for TestHost {
        fn read_file(&self, _: &Path) -> io::Result<Vec<u8>> {
            Err(io::ErrorKind::NotFound.into())
        }
        fn read_dir(&self, _: &Path) -> io::Result<Vec<(String, FileType)>> {
            Err(io::ErrorKind::NotFound.into())
        }
        fn file_type(&self, _: &Path) -> io::Result<FileType> {
            Err(io::ErrorKind::NotFound.into())
        }
        fn path_exists(&self, _: &Path) -> bool {
            false
        }
        fn get_env(&self, _: &str) -> Option<String> {
            None
        }
        fn trace(&self, message: &str) {
            self.0.borrow_mut().push(message.to_string());
        }
    }

    /// Evaluates `text` strictly: the printed value or the error message,
    /// and the trace messages.
    pub fn eval_traced(text: &str) -> (String, Vec<String>) {
        let traces = Rc::new(RefCell::new(Vec::new()));
        let mut ev = Eval::new(Box::new(TestHost(traces.clone())), 1 << 20);
        let result = ev
            .eval_source(text, "«test»", Path::new("/"))
            .and_then(|v| ev.force_deep(&v).map(|()| v));
        let out = match result {
            Ok(v) => crate::print::print_value(&v),
            Err(e) => format!("error: {}", e.message),
        };
        let traces = traces.borrow().clone();
        (out, traces)
    }

    /// Evaluates `text` strictly: the printed value or the error message.
    pub fn eval(text: &str) -> String {
        eval_traced(text).0
    }
}

// Expectations are Nix 2.8's output for the same expressions; `storeDir`
// keeps them independent of the store directory.
#[cfg(test)]
mod tests {
    use super::testing::eval;

    const CTX: &str = r#"let
      drv = "${builtins.storeDir}/00000000000000000000000000000000-foo.drv";
      src = "${builtins.storeDir}/11111111111111111111111111111111-src";
      s = builtins.appendContext "x" { ${drv} = { outputs = [ "out" ]; }; };
      ctx = x: builtins.attrValues (builtins.getContext x);
    in "#;

    fn with_ctx(body: &str) -> String {
        eval(&format!("{CTX}{body}"))
    }

    #[test]
    fn replace_strings_empty_pattern_and_order() {
        assert_eq!(
            eval(r#"builtins.replaceStrings [""] ["X"] "abc""#),
            r#""XaXbXcX""#
        );
        assert_eq!(
            eval(r#"builtins.replaceStrings ["a" ""] ["Y" "X"] "abc""#),
            r#""YXbXcX""#
        );
        assert_eq!(
            eval(r#"builtins.replaceStrings ["ab" "abc"] ["1" "2"] "abcab""#),
            r#""1c1""#
        );
        assert_eq!(eval(r#"builtins.replaceStrings [""] ["X"] """#), r#""X""#);
    }

    #[test]
    fn replace_strings_takes_context_of_used_replacements_only() {
        assert_eq!(
            with_ctx(r#"ctx (builtins.replaceStrings ["x"] [s] "axbx")"#),
            r#"[ { outputs = [ "out" ]; } ]"#
        );
        assert_eq!(
            with_ctx(r#"ctx (builtins.replaceStrings ["y"] [s] "axbx")"#),
            "[ ]"
        );
    }

    #[test]
    fn context_round_trip() {
        assert_eq!(
            with_ctx(
                r#"ctx (builtins.appendContext "" { ${drv} = { path = true; allOutputs = true; outputs = [ "out" "dev" "a" ]; }; })"#
            ),
            r#"[ { allOutputs = true; outputs = [ "a" "dev" "out" ]; path = true; } ]"#
        );
        assert_eq!(
            with_ctx(
                r#"ctx (builtins.unsafeDiscardOutputDependency (builtins.appendContext "" { ${drv} = { allOutputs = true; }; }))"#
            ),
            "[ { path = true; } ]"
        );
        assert_eq!(
            with_ctx(
                "[ (builtins.hasContext s) (builtins.hasContext (builtins.unsafeDiscardStringContext s)) ]"
            ),
            "[ true false ]"
        );
        assert_eq!(
            with_ctx(
                r#"builtins.hasContext (builtins.appendContext "" { ${src} = { path = false; outputs = [ ]; }; })"#
            ),
            "false"
        );
    }

    #[test]
    fn append_context_rejects_bad_keys() {
        assert_eq!(
            eval(r#"builtins.appendContext "x" { "/foo" = { }; }"#),
            "error: context key '/foo' is not a store path"
        );
        assert!(
            with_ctx(r#"builtins.appendContext "" { ${src} = { allOutputs = true; }; }"#)
                .starts_with("error: tried to add all-outputs context of ")
        );
        assert!(
            with_ctx(r#"builtins.appendContext "" { ${src} = { outputs = [ "out" ]; }; }"#)
                .starts_with("error: tried to add derivation output context of ")
        );
    }

    #[test]
    fn no_context_arguments() {
        assert!(with_ctx(r#"builtins.compareVersions s "1""#).starts_with(
            "error: the string 'x' is not allowed to refer to a store path (such as '!out!"
        ));
    }

    #[test]
    fn path_like_strings_keep_context() {
        assert_eq!(
            with_ctx(r#"map ctx [ (baseNameOf s) (dirOf s) (builtins.toPath "/${s}") ]"#),
            r#"[ [ { outputs = [ "out" ]; } ] [ { outputs = [ "out" ]; } ] [ { outputs = [ "out" ]; } ] ]"#
        );
    }

    #[test]
    fn dir_of_paths_and_strings() {
        assert_eq!(
            eval(
                r#"[ (dirOf /a/b) (dirOf /.) (dirOf "a///b") (dirOf "//") (dirOf "a") (builtins.typeOf (dirOf /a)) ]"#
            ),
            r#"[ /a / "a//" "/" "." "path" ]"#
        );
        assert_eq!(
            eval(r#"[ (baseNameOf "a//") (baseNameOf "/a/b/") (baseNameOf "/") ]"#),
            r#"[ "" "b" "" ]"#
        );
        assert_eq!(eval(r#"builtins.toPath "/a/../b//c/.""#), r#""/b/c""#);
    }

    #[test]
    fn regex_results_carry_no_context_but_split_without_match_keeps_it() {
        assert_eq!(
            with_ctx(r#"map builtins.hasContext (builtins.match "(x)(.*)" s)"#),
            "[ false false ]"
        );
        assert_eq!(
            with_ctx(r#"map builtins.hasContext (builtins.split "q" s)"#),
            "[ true ]"
        );
        assert_eq!(
            with_ctx(
                r#"map (p: if builtins.isString p then builtins.hasContext p else p) (builtins.split "(x)" s)"#
            ),
            r#"[ false [ "x" ] false ]"#
        );
    }

    #[test]
    fn split_empty_matches() {
        assert_eq!(
            eval(r#"builtins.split "x*" "abc""#),
            r#"[ "" [ ] "a" [ ] "b" [ ] "c" [ ] "" ]"#
        );
        assert_eq!(
            eval(r#"builtins.split "(a)|(b)" "ab""#),
            r#"[ "" [ "a" null ] "" [ null "b" ] "" ]"#
        );
    }

    #[test]
    fn hash_string_algorithms() {
        assert_eq!(
            eval(r#"builtins.hashString "md5" "abc""#),
            r#""900150983cd24fb0d6963f7d28e17f72""#
        );
        assert_eq!(
            eval(r#"builtins.hashString "sha3" "abc""#),
            "error: unknown hash algorithm 'sha3'"
        );
    }
}
