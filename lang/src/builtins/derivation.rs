//! Derivations and the store: `derivationStrict` (and the `derivation`
//! wrapper, written in the language), `toFile`, `path`, `filterSource`,
//! `storePath`, `placeholder`.
//!
//! Nothing here touches the store itself: every builtin turns its arguments
//! into a request to the [`Host`](crate::host::Host), which records steps and
//! copies sources. Attribute conventions follow Nix 2.8's
//! `prim_derivationStrict`; kiln's own attributes (`rootfs`, `hostPaths`,
//! `timeout`, `allowNetwork`) are settings of the step, not environment
//! variables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::PrimOpTable;
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::{Coerce, Eval};
use crate::hash::{nix_base32_encode, parse_hash, HashAlgo};
use crate::host::{AddPath, DerivationRecord, FileType, FixedOutput};
use crate::source::Span;
use crate::symbol::Symbol;
use crate::value::{Attr, Attrs, Context, ContextElem, NixString, Thunk, Value};

pub(crate) const PRIMOPS: PrimOpTable = &[
    ("derivationStrict", 1, derivation_strict),
    ("filterSource", 2, filter_source),
    ("path", 1, path),
    ("placeholder", 1, placeholder),
    ("storePath", 1, store_path),
    ("toFile", 2, to_file),
];

/// The source of `derivation`, compiled once per evaluator by
/// [`install_derivation`].
const DERIVATION_NIX: &str = include_str!("derivation.nix");

/// Name of the embedded file in messages.
const DERIVATION_NIX_NAME: &str = "«kiln»/derivation.nix";

/// Compiles the embedded `derivation` wrapper and binds it as the global
/// `derivation` (and `builtins.derivation`, through `slot`). Evaluating the
/// file only builds a closure, so this costs one small parse.
pub(crate) fn install_derivation(ev: &mut Eval, slot: &Thunk) {
    let expr = ev
        .compile(DERIVATION_NIX, DERIVATION_NIX_NAME, Path::new("/"), &[])
        .unwrap_or_else(|_| panic!("the embedded {DERIVATION_NIX_NAME} compiles"));
    let env = crate::value::Env::new(Default::default(), None);
    let v = ev
        .eval(&expr, &env)
        .unwrap_or_else(|_| panic!("the embedded {DERIVATION_NIX_NAME} evaluates"));
    *slot.0.borrow_mut() = crate::value::ThunkState::Done(v.clone());
    ev.globals.insert(Symbol::new("derivation"), v.clone());
    ev.globals.insert(Symbol::new("__derivation"), v);
}

/// Where a set was written: the earliest attribute position in it.
fn set_span(attrs: &Attrs) -> Option<Span> {
    attrs
        .iter()
        .filter_map(|a| a.pos)
        .min_by_key(|s| (s.file, s.start))
}

fn want_bool(v: &Value, span: Option<Span>, ctx: &str) -> EvalResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(crate::eval::type_error(other, "a Boolean", span, ctx)),
    }
}

fn err_at(kind: ErrorKind, msg: String, span: Option<Span>) -> Box<EvalError> {
    let mut e = EvalError::new(kind, msg);
    e.span = span;
    e
}

/// Whether `name` is a valid store path name (Nix's `checkName`).
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.starts_with('.') {
        return Err("it starts with '.'".into());
    }
    if name.len() > 211 {
        return Err("it is longer than 211 characters".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "+-._?=".contains(*c)))
    {
        return Err(format!("it contains the character '{c}'"));
    }
    Ok(())
}

/// Forces one attribute, framing errors with the attribute's position.
fn force_attr(ev: &mut Eval, attr: &Attr, drv: &str) -> EvalResult<Value> {
    let t = attr.value.clone();
    ev.force(&t).map_err(|e| {
        ev.frame(
            e,
            attr.pos,
            &format!(
                "while evaluating the attribute '{}' of the derivation '{drv}'",
                attr.name
            ),
        )
    })
}

/// Coerces an attribute's value as Nix does for the environment: paths are
/// copied to the store, lists are space-joined, `true` is "1".
fn coerce_attr(ev: &mut Eval, v: &Value, attr: &Attr, drv: &str) -> EvalResult<NixString> {
    ev.coerce_to_string(v, Coerce::ToString, true).map_err(|e| {
        ev.frame(
            e,
            attr.pos,
            &format!(
                "while evaluating the attribute '{}' of the derivation '{drv}'",
                attr.name
            ),
        )
    })
}

fn list_items(ev: &mut Eval, v: &Value, attr: &Attr, drv: &str) -> EvalResult<Vec<Value>> {
    let l = ev
        .expect_list(
            v,
            attr.pos,
            &format!(
                "while evaluating the attribute '{}' of the derivation '{drv}'",
                attr.name
            ),
        )
        .map_err(|e| {
            let mut e = e;
            if e.span.is_none() {
                e.span = attr.pos;
            }
            e
        })?;
    let mut out = Vec::with_capacity(l.len());
    for t in l.iter() {
        out.push(ev.force(t)?);
    }
    Ok(out)
}

fn derivation_strict(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let attrs = ev.arg_attrs(&a[0], 0, "derivationStrict")?;
    let here = set_span(&attrs);
    let name_sym = Symbol::new("name");
    let Some(name_attr) = attrs.get(name_sym).cloned() else {
        return Err(err_at(
            ErrorKind::Other,
            "required attribute 'name' missing".into(),
            here,
        ));
    };
    let nv = force_attr(ev, &name_attr, "«unnamed»")?;
    let name = ev
        .coerce_to_string(&nv, Coerce::Interpolate, false)
        .map_err(|e| {
            ev.frame(
                e,
                name_attr.pos,
                "while evaluating the derivation attribute 'name'",
            )
        })?
        .lossy()
        .into_owned();
    if let Err(why) = check_name(&name) {
        return Err(err_at(
            ErrorKind::Other,
            format!("invalid derivation name '{name}': {why}"),
            name_attr.pos,
        ));
    }
    if name.ends_with(".drv") || name.ends_with(".step") {
        return Err(err_at(
            ErrorKind::Other,
            format!("invalid derivation name '{name}': names may not end in '.drv' or '.step'"),
            name_attr.pos,
        ));
    }

    let ignore_nulls = match attrs.get(Symbol::new("__ignoreNulls")) {
        Some(at) => {
            let v = force_attr(ev, &at.clone(), &name)?;
            want_bool(
                &v,
                at.pos.or(here),
                "while evaluating the attribute '__ignoreNulls'",
            )?
        }
        None => false,
    };

    let mut rec = DerivationRecord {
        name: name.clone(),
        ..DerivationRecord::default()
    };
    let mut outputs: Option<(Vec<String>, Option<Span>)> = None;
    let mut hash: Option<(String, Option<Span>)> = None;
    let mut hash_algo = String::new();
    let mut hash_mode: Option<(String, Option<Span>)> = None;
    let mut network_span = None;
    let mut seen_builder = false;
    let mut seen_system = false;
    for attr in attrs.sorted() {
        let attr = attr.clone();
        let key = attr.name.as_str();
        if &*key == "__ignoreNulls" {
            continue;
        }
        if matches!(&*key, "__contentAddressed" | "__impure") {
            // Experimental in Nix 2.8 (and disabled there by default).
            return Err(err_at(
                ErrorKind::Other,
                format!("derivation '{name}': the attribute '{key}' is not supported (an experimental Nix feature)"),
                attr.pos,
            ));
        }
        let v = force_attr(ev, &attr, &name)?;
        if ignore_nulls && matches!(v, Value::Null) {
            continue;
        }
        match &*key {
            "rootfs" => {
                for item in list_items(ev, &v, &attr, &name)? {
                    let s = coerce_attr(ev, &item, &attr, &name)?;
                    let layer = s.lossy().into_owned();
                    if !layer.starts_with(&format!("{}/", ev.host.store_dir())) {
                        return Err(err_at(
                            ErrorKind::Other,
                            format!(
                                "layer '{layer}' of 'rootfs' in derivation '{name}' is not a store path"
                            ),
                            attr.pos,
                        ));
                    }
                    rec.context.extend(&s.context);
                    rec.rootfs.push(layer);
                }
                continue;
            }
            "hostPaths" => {
                for item in list_items(ev, &v, &attr, &name)? {
                    let s = ev
                        .coerce_to_string(&item, Coerce::Interpolate, false)
                        .map_err(|e| ev.frame(e, attr.pos, "while evaluating 'hostPaths'"))?;
                    let p = s.lossy().into_owned();
                    if !p.starts_with('/') {
                        return Err(err_at(
                            ErrorKind::Other,
                            format!(
                                "host path '{p}' in derivation '{name}' is not an absolute path"
                            ),
                            attr.pos,
                        ));
                    }
                    rec.host_paths.push(crate::eval::canon_path(&p));
                }
                continue;
            }
            "timeout" => {
                match v {
                    Value::Null => {}
                    Value::Int(n) if n > 0 => rec.timeout = Some(n as u64),
                    _ => {
                        return Err(err_at(
                            ErrorKind::Type,
                            format!(
                            "'timeout' of derivation '{name}' must be a positive integer (seconds)"
                        ),
                            attr.pos,
                        ))
                    }
                }
                continue;
            }
            "allowNetwork" => {
                match v {
                    Value::Bool(b) => rec.allow_network = b,
                    _ => {
                        return Err(err_at(
                            ErrorKind::Type,
                            format!("'allowNetwork' of derivation '{name}' must be a Boolean"),
                            attr.pos,
                        ))
                    }
                }
                network_span = attr.pos;
                continue;
            }
            "args" => {
                for item in list_items(ev, &v, &attr, &name)? {
                    let s = coerce_attr(ev, &item, &attr, &name)?;
                    rec.context.extend(&s.context);
                    rec.args.push(s.lossy().into_owned());
                }
                continue;
            }
            "outputs" => {
                let mut names = Vec::new();
                let items = match &v {
                    Value::List(_) => list_items(ev, &v, &attr, &name)?,
                    _ => vec![v.clone()],
                };
                for item in items {
                    let s = coerce_attr(ev, &item, &attr, &name)?;
                    names.extend(s.lossy().split_ascii_whitespace().map(str::to_owned));
                }
                outputs = Some((names, attr.pos));
            }
            _ => {}
        }
        let s = coerce_attr(ev, &v, &attr, &name)?;
        rec.context.extend(&s.context);
        let text = s.lossy().into_owned();
        match &*key {
            "builder" => {
                rec.builder = text.clone();
                seen_builder = true;
            }
            "system" => {
                rec.system = text.clone();
                seen_system = true;
            }
            "outputHash" => hash = Some((text.clone(), attr.pos)),
            "outputHashAlgo" => hash_algo = text.clone(),
            "outputHashMode" => hash_mode = Some((text.clone(), attr.pos)),
            "passAsFile" => {
                rec.pass_as_file = text.split_ascii_whitespace().map(str::to_owned).collect()
            }
            _ => {}
        }
        rec.env.insert(key.to_string(), text);
    }
    for (seen, what) in [(seen_builder, "builder"), (seen_system, "system")] {
        if !seen {
            return Err(err_at(
                ErrorKind::Other,
                format!("required attribute '{what}' missing in derivation '{name}'"),
                here,
            ));
        }
    }

    let (outs, outs_span) = outputs.unwrap_or_else(|| (vec!["out".to_string()], None));
    if outs.is_empty() {
        return Err(err_at(
            ErrorKind::Other,
            format!("derivation '{name}' cannot have an empty set of outputs"),
            outs_span,
        ));
    }
    let mut seen = BTreeSet::new();
    for o in &outs {
        if o == "drv" || o == "step" || check_name(o).is_err() {
            return Err(err_at(
                ErrorKind::Other,
                format!("invalid derivation output name '{o}' in derivation '{name}'"),
                outs_span,
            ));
        }
        if !seen.insert(o.clone()) {
            return Err(err_at(
                ErrorKind::Other,
                format!("duplicate derivation output '{o}' in derivation '{name}'"),
                outs_span,
            ));
        }
    }
    rec.outputs = outs;

    if let Some((h, hspan)) = hash {
        let algo = if hash_algo.is_empty() {
            None
        } else {
            Some(hash_algo.parse::<HashAlgo>().map_err(|e| {
                err_at(
                    ErrorKind::Other,
                    format!("invalid 'outputHashAlgo' in derivation '{name}': {e}"),
                    hspan,
                )
            })?)
        };
        let (algo, digest) = parse_hash(&h, algo).map_err(|e| {
            err_at(
                ErrorKind::Other,
                format!("invalid 'outputHash' in derivation '{name}': {e}"),
                hspan,
            )
        })?;
        let recursive = match hash_mode {
            None => false,
            Some((m, _)) if m == "flat" => false,
            Some((m, _)) if m == "recursive" => true,
            Some((m, mspan)) => {
                return Err(err_at(
                    ErrorKind::Other,
                    format!(
                        "invalid value '{m}' for 'outputHashMode' in derivation '{name}' (expected 'flat' or 'recursive')"
                    ),
                    mspan,
                ))
            }
        };
        if rec.outputs != ["out"] {
            return Err(err_at(
                ErrorKind::Other,
                format!(
                    "multiple outputs are not supported in fixed-output derivations ('{name}')"
                ),
                outs_span.or(hspan),
            ));
        }
        rec.fixed_output = Some(FixedOutput {
            algo,
            digest,
            recursive,
        });
    }
    if rec.allow_network && rec.fixed_output.is_none() {
        return Err(err_at(
            ErrorKind::Other,
            format!(
                "derivation '{name}' sets 'allowNetwork' but has no 'outputHash': only fixed-output steps may use the network"
            ),
            network_span,
        ));
    }

    let res = ev
        .host
        .derivation(rec)
        .map_err(|m| err_at(ErrorKind::Other, m, here))?;
    let drv: Rc<str> = res.drv_path.as_str().into();
    let mut entries = vec![Attr {
        name: Symbol::new("drvPath"),
        value: with_context(&res.drv_path, ContextElem::AllOutputs(drv.clone())).thunk(),
        pos: None,
    }];
    for (out, path) in &res.outputs {
        entries.push(Attr {
            name: Symbol::new(out),
            value: with_context(path, ContextElem::Output(drv.clone(), out.as_str().into()))
                .thunk(),
            pos: None,
        });
    }
    Ok(Value::Attrs(Rc::new(Attrs::from_entries(entries))))
}

/// A string with a one-element context.
fn with_context(s: &str, elem: ContextElem) -> Value {
    let mut context = Context::default();
    context.insert(elem);
    Value::String(Rc::new(NixString {
        bytes: s.as_bytes().into(),
        context,
    }))
}

/// `placeholder "out"`: a string the builder replaces by the output's path.
/// As in Nix it is `/` and the base-32 SHA-256 of a fixed prefix and the
/// output name; kiln's prefix is `kiln-output:`.
pub fn placeholder_for(output: &str) -> String {
    let digest = crate::hash::digest(HashAlgo::Sha256, format!("kiln-output:{output}").as_bytes());
    format!("/{}", nix_base32_encode(&digest))
}

fn placeholder(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let s = ev.arg_str(&a[0], 0, "placeholder")?;
    Ok(Value::string(placeholder_for(&s.lossy())))
}

fn to_file(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let name = ev.arg_str(&a[0], 0, "toFile")?.lossy().into_owned();
    let contents = ev.arg_str(&a[1], 1, "toFile")?;
    if let Err(why) = check_name(&name) {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("invalid file name '{name}' in 'toFile': {why}"),
        ));
    }
    let mut refs = BTreeSet::new();
    for e in contents.context.iter() {
        match e {
            ContextElem::Opaque(p) => {
                refs.insert(p.to_string());
            }
            ContextElem::Output(d, _) | ContextElem::AllOutputs(d) => {
                return Err(EvalError::new(
                    ErrorKind::Other,
                    format!("in 'toFile': the file '{name}' cannot refer to the outputs of '{d}'"),
                ))
            }
        }
    }
    let p = ev
        .host
        .add_text(&name, &contents.bytes, &refs)
        .map_err(|m| EvalError::new(ErrorKind::Io, m))?;
    Ok(with_context(&p, ContextElem::Opaque(p.as_str().into())))
}

/// Walks `root` below its top, calling `filter (path) (type)` on every
/// entry in name order; rejected folders are not entered (as in Nix).
fn walk_filter(
    ev: &mut Eval,
    dir: &Path,
    filter: &Value,
    keep: &mut BTreeSet<PathBuf>,
) -> EvalResult<()> {
    let mut entries = ev.host.read_dir(dir).map_err(|e| {
        EvalError::new(
            ErrorKind::Io,
            format!(
                "cannot read '{}': {}",
                dir.display(),
                crate::load::io_msg(&e)
            ),
        )
    })?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, ft) in entries {
        let p = dir.join(&name);
        let arg_path = Value::string(p.to_string_lossy().into_owned());
        let arg_type = Value::string(ft.nix_name());
        let r = ev.call2(filter, arg_path.thunk(), arg_type.thunk())?;
        let ok = want_bool(
            &r,
            None,
            "while evaluating the return value of the path filter function",
        )?;
        if ok {
            keep.insert(p.clone());
            if ft == FileType::Directory {
                walk_filter(ev, &p, filter, keep)?;
            }
        }
    }
    Ok(())
}

/// The shared body of `builtins.path` and `filterSource`.
fn add_path(
    ev: &mut Eval,
    path: &Path,
    name: Option<String>,
    filter: Option<Value>,
    sha256: Option<Vec<u8>>,
) -> EvalResult<Value> {
    if let Some(n) = &name {
        if let Err(why) = check_name(n) {
            return Err(EvalError::new(
                ErrorKind::Other,
                format!("invalid store path name '{n}': {why}"),
            ));
        }
    }
    if ev.host.file_type(path).is_err() {
        return Err(EvalError::new(
            ErrorKind::Io,
            format!("path '{}' does not exist", path.display()),
        ));
    }
    let keep = match &filter {
        Some(f) => {
            let mut keep = BTreeSet::new();
            if matches!(ev.host.file_type(path), Ok(FileType::Directory)) {
                walk_filter(ev, path, f, &mut keep)?;
            }
            Some(keep)
        }
        None => None,
    };
    let req = AddPath {
        path,
        name: name.as_deref(),
        include: keep.as_ref(),
        sha256: sha256.as_deref(),
    };
    let p = ev
        .host
        .add_path(&req)
        .map_err(|m| EvalError::new(ErrorKind::Io, m))?;
    Ok(with_context(&p, ContextElem::Opaque(p.as_str().into())))
}

fn path(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let args = ev.arg_attrs(&a[0], 0, "path")?;
    let mut fields: BTreeMap<String, Thunk> = BTreeMap::new();
    for at in args.iter() {
        let k = at.name.as_str().to_string();
        if !matches!(&*k, "path" | "name" | "filter" | "recursive" | "sha256") {
            return Err(EvalError::new(
                ErrorKind::Other,
                format!("unsupported argument '{k}' to 'builtins.path'"),
            ));
        }
        fields.insert(k, at.value.clone());
    }
    let Some(pt) = fields.get("path") else {
        return Err(EvalError::new(
            ErrorKind::Other,
            "missing required 'path' attribute in the first argument to builtins.path",
        ));
    };
    let p = ev.arg_path(pt, 0, "path")?;
    let name = match fields.get("name") {
        Some(t) => Some(ev.arg_str(t, 0, "path")?.lossy().into_owned()),
        None => None,
    };
    let filter = match fields.get("filter") {
        Some(t) => Some(ev.arg_fn(t, 0, "path")?),
        None => None,
    };
    if let Some(t) = fields.get("recursive") {
        let v = ev.force(t)?;
        if !want_bool(&v, None, "while evaluating 'recursive'")? {
            return Err(EvalError::new(
                ErrorKind::Other,
                "'recursive = false' is not supported by builtins.path in kiln",
            ));
        }
    }
    let sha256 = match fields.get("sha256") {
        Some(t) => {
            let s = ev.arg_str(t, 0, "path")?.lossy().into_owned();
            let (_, d) = parse_hash(&s, Some(HashAlgo::Sha256))
                .map_err(|e| EvalError::new(ErrorKind::Other, format!("invalid 'sha256': {e}")))?;
            Some(d)
        }
        None => None,
    };
    add_path(ev, &p, name, filter, sha256)
}

fn filter_source(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.arg_fn(&a[0], 0, "filterSource")?;
    let p = ev.arg_path(&a[1], 1, "filterSource")?;
    add_path(ev, &p, None, Some(f), None)
}

fn store_path(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let p = ev.arg_path(&a[0], 0, "storePath")?;
    let s = p.to_string_lossy().into_owned();
    let top = ev
        .host
        .store_path(&s)
        .map_err(|m| EvalError::new(ErrorKind::Other, m))?;
    let mut context = Context::default();
    context.insert(ContextElem::Opaque(top.as_str().into()));
    Ok(Value::String(Rc::new(NixString {
        bytes: s.into_bytes().into(),
        context,
    })))
}
