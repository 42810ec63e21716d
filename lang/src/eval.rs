//! The lazy evaluator: forcing thunks, applying functions, operators.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::error::{ErrorKind, EvalError, EvalResult, TraceFrame};
use crate::host::Host;
use crate::ir::{AttrName, AttrsExpr, BinOp, Expr, Param, StrPart};
use crate::source::{SourceMap, Span};
use crate::symbol::Symbol;
use crate::value::{
    Attr, Attrs, Closure, Context, Env, NixString, PrimOpApp, Thunk, ThunkState, Value,
};

/// Trace frames kept per error; deeper ones only add to a count.
const MAX_FRAMES: usize = 64;

/// Frequently used names, interned once.
pub struct Syms {
    /// `__functor`
    pub functor: Symbol,
    /// `__toString`
    pub to_string: Symbol,
    /// `outPath`
    pub out_path: Symbol,
    /// `type`
    pub type_: Symbol,
    /// `__overrides`
    pub overrides: Symbol,
    /// `file`
    pub file: Symbol,
    /// `line`
    pub line: Symbol,
    /// `column`
    pub column: Symbol,
    /// `name`
    pub name: Symbol,
    /// `value`
    pub value: Symbol,
    /// `drvPath`
    pub drv_path: Symbol,
    /// `prefix`
    pub prefix: Symbol,
    /// `path`
    pub path: Symbol,
}

impl Syms {
    fn new() -> Syms {
        Syms {
            functor: Symbol::new("__functor"),
            to_string: Symbol::new("__toString"),
            out_path: Symbol::new("outPath"),
            type_: Symbol::new("type"),
            overrides: Symbol::new("__overrides"),
            file: Symbol::new("file"),
            line: Symbol::new("line"),
            column: Symbol::new("column"),
            name: Symbol::new("name"),
            value: Symbol::new("value"),
            drv_path: Symbol::new("drvPath"),
            prefix: Symbol::new("prefix"),
            path: Symbol::new("path"),
        }
    }
}

/// How a value is turned into a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coerce {
    /// Interpolation: only strings, paths and sets with `__toString`/`outPath`.
    Interpolate,
    /// `toString`: also numbers, booleans, null and lists.
    ToString,
}

/// The evaluator state for one evaluation session.
pub struct Eval {
    /// Every file loaded so far.
    pub sources: SourceMap,
    /// IO and store access.
    pub host: Box<dyn Host>,
    /// The global scope.
    pub globals: HashMap<Symbol, Value>,
    /// Names used on hot paths.
    pub syms: Syms,
    /// Values of files imported so far, by absolute path.
    pub import_cache: HashMap<PathBuf, Value>,
    /// Search path entries consulted after `__nixPath` (the embedded `<kiln>`),
    /// like Nix's built-in `<nix/...>`; they are not part of `__nixPath`.
    pub builtin_search_path: Vec<(String, String)>,
    /// Compiled patterns of `builtins.match` and `builtins.split`.
    pub regex_cache: crate::regex::RegexCache,
    /// Address of the evaluation stack's base, for overflow detection.
    stack_base: usize,
    /// How many bytes of stack evaluation may use.
    stack_limit: usize,
}

impl Eval {
    /// A new evaluator. `stack_limit` is how much of the current thread's
    /// stack evaluation may use before reporting a stack overflow.
    pub fn new(host: Box<dyn Host>, stack_limit: usize) -> Eval {
        let marker = 0u8;
        let mut ev = Eval {
            sources: SourceMap::default(),
            host,
            globals: HashMap::new(),
            syms: Syms::new(),
            import_cache: HashMap::new(),
            builtin_search_path: Vec::new(),
            regex_cache: crate::regex::RegexCache::new(),
            stack_base: &marker as *const u8 as usize,
            stack_limit,
        };
        crate::builtins::install(&mut ev);
        ev
    }

    /// Fails with "stack overflow" when evaluation has used up its stack.
    #[inline]
    fn check_stack(&self) -> EvalResult<()> {
        let marker = 0u8;
        let here = &marker as *const u8 as usize;
        if self.stack_base.saturating_sub(here) > self.stack_limit {
            return Err(EvalError::new(
                ErrorKind::StackOverflow,
                "stack overflow (possible infinite recursion)",
            ));
        }
        Ok(())
    }

    /// Forces a thunk to its head value.
    #[inline]
    pub fn force(&mut self, t: &Thunk) -> EvalResult<Value> {
        if let ThunkState::Done(v) = &*t.0.borrow() {
            return Ok(v.clone());
        }
        self.force_slow(t)
    }

    #[inline(never)]
    fn force_slow(&mut self, t: &Thunk) -> EvalResult<Value> {
        self.check_stack()?;
        let state = std::mem::replace(&mut *t.0.borrow_mut(), ThunkState::Blackhole);
        let result = match &state {
            ThunkState::Pending(e, env) => self.eval(e, env),
            ThunkState::Apply(f, args) => self.apply(f.clone(), args, None),
            ThunkState::Blackhole => {
                return Err(EvalError::new(
                    ErrorKind::InfiniteRecursion,
                    "infinite recursion encountered",
                ))
            }
            ThunkState::Done(_) => unreachable!("handled above"),
        };
        match result {
            Ok(v) => {
                *t.0.borrow_mut() = ThunkState::Done(v.clone());
                Ok(v)
            }
            Err(mut e) => {
                if e.span.is_none() {
                    if let ThunkState::Pending(expr, _) = &state {
                        e.span = expr.span();
                    }
                }
                // Put the work back so that forcing again repeats the same
                // error (Nix's tryEval relies on this) instead of reporting
                // infinite recursion.
                *t.0.borrow_mut() = state;
                Err(e)
            }
        }
    }

    /// A thunk for an expression, without allocating for constants and variables.
    pub fn thunk_of(&self, e: &Rc<Expr>, env: &Rc<Env>) -> Thunk {
        match &**e {
            Expr::Const(v) => Thunk::ready(v.clone()),
            Expr::Var { up, idx } => env.lookup(*up, *idx),
            _ => Thunk::pending(e.clone(), env.clone()),
        }
    }

    /// Like [`Eval::thunk_of`], for slots of an environment being filled:
    /// variables of that same environment may not be there yet.
    fn slot_thunk(&self, e: &Rc<Expr>, env: &Rc<Env>) -> Thunk {
        match &**e {
            Expr::Var { up: 0, .. } => Thunk::pending(e.clone(), env.clone()),
            _ => self.thunk_of(e, env),
        }
    }

    fn new_rec_env(&self, slots: &[Rc<Expr>], parent: &Rc<Env>) -> Rc<Env> {
        let env = Env::with_capacity(slots.len(), Some(parent.clone()));
        for s in slots.iter() {
            let t = self.slot_thunk(s, &env);
            env.slots.borrow_mut().push(t);
        }
        env
    }

    /// Evaluates an expression to its head value.
    pub fn eval(&mut self, e: &Rc<Expr>, env: &Rc<Env>) -> EvalResult<Value> {
        // Leaves first, without touching reference counts.
        match &**e {
            Expr::Const(v) => return Ok(v.clone()),
            Expr::Var { up, idx } => {
                if let Some(v) = env.forced_value(*up, *idx) {
                    return Ok(v);
                }
                let t = env.lookup(*up, *idx);
                return self.force_slow(&t);
            }
            _ => {}
        }
        self.check_stack()?;
        let mut e = e.clone();
        let mut env = env.clone();
        // Scoping forms continue in a loop rather than recursing, to save stack.
        loop {
            match &*e {
                Expr::Const(v) => return Ok(v.clone()),
                Expr::Var { up, idx } => {
                    let t = env.lookup(*up, *idx);
                    return self.force(&t);
                }
                Expr::Let { slots, body } => {
                    env = self.new_rec_env(slots, &env);
                    e = body.clone();
                }
                Expr::With { ns, body } => {
                    let t = self.thunk_of(ns, &env);
                    env = Env::new(smallvec::smallvec![t], Some(env));
                    e = body.clone();
                }
                Expr::If {
                    cond,
                    then,
                    els,
                    span,
                } => {
                    let c = self.eval(cond, &env)?;
                    let b = self.expect_bool(&c, *span, "while evaluating a branch condition")?;
                    e = if b { then.clone() } else { els.clone() };
                }
                Expr::Assert { cond, body, span } => {
                    let c = self.eval(cond, &env)?;
                    if !self.expect_bool(
                        &c,
                        *span,
                        "while evaluating the condition of an assertion",
                    )? {
                        return Err(self.assertion_failed(*span));
                    }
                    e = body.clone();
                }
                // Hot forms get their own small functions: one big match
                // would give every recursion level the largest frame of all.
                Expr::Apply { func, args, span } => {
                    return self.eval_apply(func, args, *span, &env)
                }
                Expr::Select {
                    expr,
                    path,
                    default,
                    span,
                } => return self.eval_select(expr, path, default.as_ref(), *span, &env),
                Expr::BinOp { op, lhs, rhs, span } => {
                    return self.eval_binop(*op, lhs, rhs, *span, &env)
                }
                _ => return self.eval_other(&e, &env),
            }
        }
    }

    #[inline(never)]
    fn eval_apply(
        &mut self,
        func: &Rc<Expr>,
        args: &[Rc<Expr>],
        span: Span,
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        let f = self.eval(func, env)?;
        let args: smallvec::SmallVec<[Thunk; 4]> =
            args.iter().map(|a| self.thunk_of(a, env)).collect();
        self.apply(f, &args, Some(span))
    }

    #[inline(never)]
    fn eval_other(&mut self, e: &Rc<Expr>, env: &Rc<Env>) -> EvalResult<Value> {
        match &**e {
            Expr::Lambda(l) => Ok(Value::Lambda(Rc::new(Closure {
                lambda: l.clone(),
                env: env.clone(),
            }))),
            Expr::List(items) => Ok(Value::List(Rc::new(
                items.iter().map(|i| self.thunk_of(i, env)).collect(),
            ))),
            Expr::Attrs(a) => self.eval_attrs(a, env),
            Expr::Not { expr, span } => {
                let v = self.eval(expr, env)?;
                Ok(Value::Bool(!self.expect_bool(
                    &v,
                    *span,
                    "in the argument of the not operator",
                )?))
            }
            Expr::Negate { expr, span } => {
                let v = self.eval(expr, env)?;
                self.arith(BinOp::Sub, Value::Int(0), v, *span)
            }
            Expr::HasAttr { expr, path } => {
                let mut v = self.eval(expr, env)?;
                for name in path.iter() {
                    let sym = self.attr_name(name, env)?;
                    let next = match &v {
                        Value::Attrs(a) => match a.get(sym) {
                            Some(attr) => attr.value.clone(),
                            None => return Ok(Value::Bool(false)),
                        },
                        _ => return Ok(Value::Bool(false)),
                    };
                    v = self.force(&next)?;
                }
                Ok(Value::Bool(true))
            }
            Expr::WithVar { name, withs, span } => {
                for (up, idx) in withs.iter() {
                    let t = env.lookup(*up, *idx);
                    let ns = self.force(&t)?;
                    let attrs = self.expect_attrs(
                        &ns,
                        Some(*span),
                        "while evaluating the namespace of a 'with'",
                    )?;
                    if let Some(a) = attrs.get(*name) {
                        let t = a.value.clone();
                        return self.force(&t);
                    }
                }
                Err(EvalError::at(
                    ErrorKind::MissingAttr,
                    format!("undefined variable '{name}'"),
                    *span,
                ))
            }
            Expr::Interpolate { parts, .. } => {
                let mut out = Vec::new();
                let mut ctx = Context::default();
                for p in parts.iter() {
                    match p {
                        StrPart::Lit(l) => out.extend_from_slice(l),
                        StrPart::Expr(e, pspan) => {
                            let v = self.eval(e, env)?;
                            let s = self
                                .coerce_to_string(&v, Coerce::Interpolate, true)
                                .map_err(|e| {
                                    self.frame(
                                        e,
                                        Some(*pspan),
                                        "while evaluating a string interpolation",
                                    )
                                })?;
                            out.extend_from_slice(&s.bytes);
                            ctx.extend(&s.context);
                        }
                    }
                }
                Ok(Value::String(Rc::new(NixString {
                    bytes: out.into(),
                    context: ctx,
                })))
            }
            Expr::Path { parts, .. } => {
                let mut out = Vec::new();
                for p in parts.iter() {
                    match p {
                        StrPart::Lit(l) => out.extend_from_slice(l),
                        StrPart::Expr(e, pspan) => {
                            let v = self.eval(e, env)?;
                            let s = self
                                .coerce_to_string(&v, Coerce::Interpolate, false)
                                .map_err(|e| {
                                    self.frame(e, Some(*pspan), "while evaluating a path segment")
                                })?;
                            out.extend_from_slice(&s.bytes);
                        }
                    }
                }
                Ok(Value::Path(
                    canon_path(&String::from_utf8_lossy(&out)).into(),
                ))
            }
            Expr::SearchPath { path, span } => crate::builtins::find_file(self, path, *span),
            Expr::CurPos(span) => Ok(self.pos_value(*span)),
            Expr::Const(_)
            | Expr::Apply { .. }
            | Expr::Select { .. }
            | Expr::BinOp { .. }
            | Expr::Var { .. }
            | Expr::Let { .. }
            | Expr::With { .. }
            | Expr::If { .. }
            | Expr::Assert { .. } => self.eval(e, env),
        }
    }

    #[cold]
    #[inline(never)]
    fn assertion_failed(&self, span: Span) -> Box<EvalError> {
        EvalError::at(
            ErrorKind::Assert,
            format!("assertion '{}' failed", self.snippet(span)),
            span,
        )
    }

    /// The source text of a span (for assertion messages).
    pub fn snippet(&self, span: Span) -> String {
        let f = self.sources.file(span.file);
        f.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
            .to_string()
    }

    /// `{ file, line, column }` for a position.
    pub fn pos_value(&self, span: Span) -> Value {
        let f = self.sources.file(span.file);
        let lc = f.line_col(span.start);
        let attrs = Attrs::from_entries(vec![
            Attr {
                name: self.syms.file,
                value: Value::string(f.name.clone()).thunk(),
                pos: None,
            },
            Attr {
                name: self.syms.line,
                value: Value::Int(lc.line as i64).thunk(),
                pos: None,
            },
            Attr {
                name: self.syms.column,
                value: Value::Int(lc.col as i64).thunk(),
                pos: None,
            },
        ]);
        Value::Attrs(Rc::new(attrs))
    }

    fn attr_name(&mut self, name: &AttrName, env: &Rc<Env>) -> EvalResult<Symbol> {
        match name {
            AttrName::Static(s) => Ok(*s),
            AttrName::Dynamic(e, span) => {
                let v = self.eval(e, env)?;
                let s =
                    self.expect_string(&v, Some(*span), "while evaluating an attribute name")?;
                Ok(Symbol::new(&s.lossy()))
            }
        }
    }

    #[inline(never)]
    fn eval_select(
        &mut self,
        expr: &Rc<Expr>,
        path: &[AttrName],
        default: Option<&Rc<Expr>>,
        span: Span,
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        let mut v = self.eval(expr, env)?;
        for name in path.iter() {
            let sym = self.attr_name(name, env)?;
            let next = match &v {
                Value::Attrs(a) => match a.get(sym) {
                    Some(attr) => attr.value.clone(),
                    None => {
                        if let Some(d) = default {
                            return self.eval(d, env);
                        }
                        return Err(self.missing_attr(sym, a, span));
                    }
                },
                other => {
                    if let Some(d) = default {
                        return self.eval(d, env);
                    }
                    return Err(EvalError::at(
                        ErrorKind::Type,
                        format!(
                            "value is {} while a set was expected (selecting attribute '{}')",
                            describe_type(other),
                            sym
                        ),
                        span,
                    ));
                }
            };
            v = self.force(&next)?;
        }
        Ok(v)
    }

    /// "attribute 'x' missing", with a suggestion of close names.
    pub fn missing_attr(&self, sym: Symbol, attrs: &Attrs, span: Span) -> Box<EvalError> {
        let name = sym.as_str();
        let mut close: Vec<Rc<str>> = attrs
            .iter()
            .map(|a| a.name.as_str())
            .filter(|n| {
                let d = crate::suggest::edit_distance(n, &name);
                d <= 2.max(name.len() / 3) && d < name.len().max(1)
            })
            .collect();
        close.sort();
        let mut msg = format!("attribute '{name}' missing");
        match close.len() {
            0 => {}
            1 => msg.push_str(&format!("; did you mean '{}'?", close[0])),
            _ => msg.push_str(&format!(
                "; did you mean one of {}?",
                close
                    .iter()
                    .take(5)
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
        EvalError::at(ErrorKind::MissingAttr, msg, span)
    }

    fn eval_attrs(&mut self, a: &AttrsExpr, env: &Rc<Env>) -> EvalResult<Value> {
        let (scope, mut entries): (Rc<Env>, Vec<Attr>) = match &a.env_slots {
            None => {
                let entries = a
                    .statics
                    .iter()
                    .map(|(name, e, span)| Attr {
                        name: *name,
                        value: self.thunk_of(e, env),
                        pos: Some(*span),
                    })
                    .collect();
                (env.clone(), entries)
            }
            Some(slots) => {
                let scope = self.new_rec_env(slots, env);
                let entries = {
                    let s = scope.slots.borrow();
                    a.statics
                        .iter()
                        .enumerate()
                        .map(|(i, (name, _, span))| Attr {
                            name: *name,
                            value: s[i].clone(),
                            pos: Some(*span),
                        })
                        .collect()
                };
                (scope, entries)
            }
        };
        let n_static = entries.len();
        for crate::ir::DynamicAttr {
            name: name_e,
            value: value_e,
            span,
        } in a.dynamics.iter()
        {
            let nv = self.eval(name_e, &scope)?;
            if matches!(nv, Value::Null) {
                continue;
            }
            let s = self.expect_string(
                &nv,
                Some(*span),
                "while evaluating the name of a dynamic attribute",
            )?;
            let sym = Symbol::new(&s.lossy());
            if entries.iter().any(|e| e.name == sym) {
                return Err(EvalError::at(
                    ErrorKind::Other,
                    format!("dynamic attribute '{sym}' already defined"),
                    *span,
                ));
            }
            entries.push(Attr {
                name: sym,
                value: self.thunk_of(value_e, &scope),
                pos: Some(*span),
            });
        }
        let mut attrs = if entries.len() == n_static {
            // Lowering sorted the static attributes by symbol.
            Attrs::from_sorted(entries)
        } else {
            Attrs::from_entries(entries)
        };
        if a.recursive {
            if let Some(ov) = attrs.get(self.syms.overrides) {
                let ov = ov.value.clone();
                let ov = self.force(&ov)?;
                let ov =
                    self.expect_attrs(&ov, None, "while evaluating the '__overrides' attribute")?;
                let mut slots = scope.slots.borrow_mut();
                for o in ov.iter() {
                    if let Some(i) = a.statics.iter().position(|(n, _, _)| *n == o.name) {
                        slots[i] = o.value.clone();
                    }
                }
                drop(slots);
                attrs = attrs.update(&ov);
            }
        }
        Ok(Value::Attrs(Rc::new(attrs)))
    }

    /// Applies a function value to arguments.
    pub fn apply(&mut self, f: Value, args: &[Thunk], span: Option<Span>) -> EvalResult<Value> {
        // The common case, one argument to a function literal, stays small.
        if let (Value::Lambda(c), [arg]) = (&f, args) {
            return self.call_lambda(c, arg.clone(), span);
        }
        self.apply_slow(f, args, span)
    }

    #[inline(never)]
    fn apply_slow(&mut self, f: Value, args: &[Thunk], span: Option<Span>) -> EvalResult<Value> {
        self.check_stack()?;
        let mut f = f;
        let mut args = args;
        while !args.is_empty() {
            match f {
                Value::Lambda(c) => {
                    f = self.call_lambda(&c, args[0].clone(), span)?;
                    args = &args[1..];
                }
                Value::PrimOp(op) => {
                    if args.len() < op.arity {
                        return Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                            op,
                            args: args.to_vec(),
                        })));
                    }
                    f = (op.func)(self, &args[..op.arity]).map_err(|e| {
                        self.frame(e, span, &format!("while calling the '{}' builtin", op.name))
                    })?;
                    args = &args[op.arity..];
                }
                Value::PrimOpApp(app) => {
                    let mut all = app.args.clone();
                    let need = app.op.arity - all.len();
                    let take = need.min(args.len());
                    all.extend_from_slice(&args[..take]);
                    args = &args[take..];
                    if all.len() < app.op.arity {
                        return Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                            op: app.op.clone(),
                            args: all,
                        })));
                    }
                    let op = app.op.clone();
                    f = (op.func)(self, &all).map_err(|e| {
                        self.frame(e, span, &format!("while calling the '{}' builtin", op.name))
                    })?;
                }
                Value::Attrs(ref a) if a.get(self.syms.functor).is_some() => {
                    let functor = a.get(self.syms.functor).expect("checked").value.clone();
                    let functor = self.force(&functor)?;
                    let me = Thunk::ready(f.clone());
                    f = self.apply(functor, &[me, args[0].clone()], span)?;
                    args = &args[1..];
                }
                other => {
                    let msg = format!(
                        "attempt to call something which is not a function but {}",
                        describe_type(&other)
                    );
                    return Err(match span {
                        Some(s) => EvalError::at(ErrorKind::Type, msg, s),
                        None => EvalError::new(ErrorKind::Type, msg),
                    });
                }
            }
        }
        Ok(f)
    }

    fn call_lambda(
        &mut self,
        c: &Rc<Closure>,
        arg: Thunk,
        span: Option<Span>,
    ) -> EvalResult<Value> {
        let env = match &c.lambda.param {
            Param::Ident(_) => Env::new(smallvec::smallvec![arg], Some(c.env.clone())),
            Param::Pattern { .. } => self.bind_pattern(c, arg, span)?,
        };
        match self.eval(&c.lambda.body, &env) {
            Ok(v) => Ok(v),
            Err(e) => Err(self.call_frame(e, span, c)),
        }
    }

    #[cold]
    #[inline(never)]
    fn call_frame(&self, e: Box<EvalError>, span: Option<Span>, c: &Closure) -> Box<EvalError> {
        self.frame(e, span, &self.call_desc(c))
    }

    /// The environment of a call to a function with a `{ ... }` pattern.
    #[inline(never)]
    fn bind_pattern(
        &mut self,
        c: &Rc<Closure>,
        arg: Thunk,
        span: Option<Span>,
    ) -> EvalResult<Rc<Env>> {
        let lambda = &c.lambda;
        let Param::Pattern {
            formals,
            ellipsis,
            bind,
        } = &lambda.param
        else {
            unreachable!("called for patterns only")
        };

        let argv = self.force(&arg)?;
        let attrs = match &argv {
            Value::Attrs(a) => a.clone(),
            other => {
                let msg = format!("value is {} while a set was expected", describe_type(other));
                let e = match span {
                    Some(s) => EvalError::at(ErrorKind::Type, msg, s),
                    None => EvalError::new(ErrorKind::Type, msg),
                };
                return Err(self.frame(e, Some(lambda.span), &self.call_desc(c)));
            }
        };
        let env = Env::with_capacity(lambda.n_slots as usize, Some(c.env.clone()));
        let mut used = 0usize;
        for formal in formals.iter() {
            let t = match attrs.get(formal.name) {
                Some(a) => {
                    used += 1;
                    a.value.clone()
                }
                None => match &formal.default {
                    Some(d) => self.slot_thunk(d, &env),
                    None => {
                        let msg = format!(
                            "{} called without required argument '{}'",
                            self.fn_name(c),
                            formal.name
                        );
                        let e = match span {
                            Some(s) => EvalError::at(ErrorKind::Argument, msg, s),
                            None => EvalError::at(ErrorKind::Argument, msg, lambda.span),
                        };
                        return Err(e);
                    }
                },
            };
            env.slots.borrow_mut().push(t);
        }
        if !*ellipsis && used < attrs.len() {
            for a in attrs.sorted() {
                if !formals.iter().any(|f| f.name == a.name) {
                    let mut msg = format!(
                        "{} called with unexpected argument '{}'",
                        self.fn_name(c),
                        a.name
                    );
                    let close: Vec<String> = formals
                        .iter()
                        .map(|f| f.name.to_string())
                        .filter(|f| crate::suggest::edit_distance(f, &a.name.as_str()) <= 2)
                        .collect();
                    if let Some(c) = close.first() {
                        msg.push_str(&format!("; did you mean '{c}'?"));
                    }
                    let e = match span {
                        Some(s) => EvalError::at(ErrorKind::Argument, msg, s),
                        None => EvalError::at(ErrorKind::Argument, msg, lambda.span),
                    };
                    return Err(e);
                }
            }
        }
        if bind.is_some() {
            env.slots.borrow_mut().push(arg);
        }
        Ok(env)
    }

    fn fn_name(&self, c: &Closure) -> String {
        match c.lambda.name {
            Some(n) => format!("function '{n}'"),
            None => "anonymous function".to_string(),
        }
    }

    fn call_desc(&self, c: &Closure) -> String {
        match c.lambda.name {
            Some(n) => format!("while calling '{n}'"),
            None => "while calling anonymous function".to_string(),
        }
    }

    /// Adds a frame to an error's trace.
    pub fn frame(&self, mut e: Box<EvalError>, span: Option<Span>, msg: &str) -> Box<EvalError> {
        if e.span.is_none() {
            e.span = span;
            return e;
        }
        if e.trace.len() < MAX_FRAMES {
            e.trace.push(TraceFrame {
                span,
                message: msg.to_string(),
            });
        }
        e
    }

    #[inline(never)]
    fn eval_binop(
        &mut self,
        op: BinOp,
        lhs: &Rc<Expr>,
        rhs: &Rc<Expr>,
        span: Span,
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        match op {
            BinOp::And => {
                let l = self.eval(lhs, env)?;
                if !self.expect_bool(&l, span, "in the left operand of the AND (&&) operator")? {
                    return Ok(Value::Bool(false));
                }
                let r = self.eval(rhs, env)?;
                Ok(Value::Bool(self.expect_bool(
                    &r,
                    span,
                    "in the right operand of the AND (&&) operator",
                )?))
            }
            BinOp::Or => {
                let l = self.eval(lhs, env)?;
                if self.expect_bool(&l, span, "in the left operand of the OR (||) operator")? {
                    return Ok(Value::Bool(true));
                }
                let r = self.eval(rhs, env)?;
                Ok(Value::Bool(self.expect_bool(
                    &r,
                    span,
                    "in the right operand of the OR (||) operator",
                )?))
            }
            BinOp::Impl => {
                let l = self.eval(lhs, env)?;
                if !self.expect_bool(&l, span, "in the left operand of the IMPL (->) operator")? {
                    return Ok(Value::Bool(true));
                }
                let r = self.eval(rhs, env)?;
                Ok(Value::Bool(self.expect_bool(
                    &r,
                    span,
                    "in the right operand of the IMPL (->) operator",
                )?))
            }
            _ => {
                let l = self.eval(lhs, env)?;
                let r = self.eval(rhs, env)?;
                // Integers are the common case (loops, counters): answer them
                // without the general operator machinery.
                if let (Value::Int(a), Value::Int(b)) = (&l, &r) {
                    let (a, b) = (*a, *b);
                    let fast = match op {
                        BinOp::Add => a.checked_add(b).map(Value::Int),
                        BinOp::Sub => a.checked_sub(b).map(Value::Int),
                        BinOp::Mul => a.checked_mul(b).map(Value::Int),
                        BinOp::Eq => Some(Value::Bool(a == b)),
                        BinOp::NotEq => Some(Value::Bool(a != b)),
                        BinOp::Less => Some(Value::Bool(a < b)),
                        BinOp::LessEq => Some(Value::Bool(a <= b)),
                        BinOp::More => Some(Value::Bool(a > b)),
                        BinOp::MoreEq => Some(Value::Bool(a >= b)),
                        _ => None,
                    };
                    if let Some(v) = fast {
                        return Ok(v);
                    }
                }
                self.binop_values(op, l, r, span)
            }
        }
    }

    /// Applies a strict binary operator to two values.
    pub fn binop_values(&mut self, op: BinOp, l: Value, r: Value, span: Span) -> EvalResult<Value> {
        match op {
            BinOp::Eq => Ok(Value::Bool(self.values_equal(&l, &r)?)),
            BinOp::NotEq => Ok(Value::Bool(!self.values_equal(&l, &r)?)),
            BinOp::Less => Ok(Value::Bool(self.less_than(&l, &r, span)?)),
            BinOp::More => Ok(Value::Bool(self.less_than(&r, &l, span)?)),
            BinOp::LessEq => Ok(Value::Bool(!self.less_than(&r, &l, span)?)),
            BinOp::MoreEq => Ok(Value::Bool(!self.less_than(&l, &r, span)?)),
            BinOp::Concat => {
                let a = self.expect_list(
                    &l,
                    Some(span),
                    "in the left operand of the list concatenation (++) operator",
                )?;
                let b = self.expect_list(
                    &r,
                    Some(span),
                    "in the right operand of the list concatenation (++) operator",
                )?;
                if a.is_empty() {
                    return Ok(Value::List(b));
                }
                if b.is_empty() {
                    return Ok(Value::List(a));
                }
                let mut v = Vec::with_capacity(a.len() + b.len());
                v.extend_from_slice(&a);
                v.extend_from_slice(&b);
                Ok(Value::List(Rc::new(v)))
            }
            BinOp::Update => {
                let a = self.expect_attrs(
                    &l,
                    Some(span),
                    "in the left operand of the update (//) operator",
                )?;
                let b = self.expect_attrs(
                    &r,
                    Some(span),
                    "in the right operand of the update (//) operator",
                )?;
                if b.is_empty() {
                    return Ok(Value::Attrs(a));
                }
                if a.is_empty() {
                    return Ok(Value::Attrs(b));
                }
                Ok(Value::Attrs(Rc::new(a.update(&b))))
            }
            BinOp::Add => self.add(l, r, span),
            BinOp::Sub | BinOp::Mul | BinOp::Div => self.arith(op, l, r, span),
            BinOp::And | BinOp::Or | BinOp::Impl => {
                unreachable!("lazy operators are handled by eval_binop")
            }
        }
    }

    fn add(&mut self, l: Value, r: Value, span: Span) -> EvalResult<Value> {
        match (&l, &r) {
            (Value::Int(_) | Value::Float(_), _) => self.arith(BinOp::Add, l, r, span),
            (Value::Path(p), _) => {
                let s = self.coerce_to_string(&r, Coerce::Interpolate, false)?;
                if !s.context.is_empty() {
                    return Err(EvalError::at(
                        ErrorKind::Type,
                        "a string that refers to a store path cannot be appended to a path",
                        span,
                    ));
                }
                let joined = format!("{}{}", p, s.lossy());
                Ok(Value::Path(canon_path(&joined).into()))
            }
            _ => {
                let a = self
                    .coerce_to_string(&l, Coerce::Interpolate, true)
                    .map_err(|e| {
                        self.frame(e, Some(span), "while evaluating the left operand of '+'")
                    })?;
                let b = self
                    .coerce_to_string(&r, Coerce::Interpolate, true)
                    .map_err(|e| {
                        self.frame(e, Some(span), "while evaluating the right operand of '+'")
                    })?;
                let mut bytes = Vec::with_capacity(a.bytes.len() + b.bytes.len());
                bytes.extend_from_slice(&a.bytes);
                bytes.extend_from_slice(&b.bytes);
                let mut context = a.context.clone();
                context.extend(&b.context);
                Ok(Value::String(Rc::new(NixString {
                    bytes: bytes.into(),
                    context,
                })))
            }
        }
    }

    /// Integer and float arithmetic with Nix's overflow and division rules.
    pub fn arith(&mut self, op: BinOp, l: Value, r: Value, span: Span) -> EvalResult<Value> {
        let (opname, gerund) = match op {
            BinOp::Add => ("add", "adding"),
            BinOp::Sub => ("subtract", "subtracting"),
            BinOp::Mul => ("multiply", "multiplying"),
            _ => ("divide", "dividing"),
        };
        match (&l, &r) {
            (Value::Int(a), Value::Int(b)) => {
                let (a, b) = (*a, *b);
                let res = match op {
                    BinOp::Add => a.checked_add(b),
                    BinOp::Sub => a.checked_sub(b),
                    BinOp::Mul => a.checked_mul(b),
                    _ => {
                        if b == 0 {
                            return Err(EvalError::at(
                                ErrorKind::Arithmetic,
                                "division by zero",
                                span,
                            ));
                        }
                        a.checked_div(b)
                    }
                };
                match res {
                    Some(v) => Ok(Value::Int(v)),
                    None => Err(EvalError::at(
                        ErrorKind::Arithmetic,
                        format!("integer overflow in {gerund} {a} and {b}"),
                        span,
                    )),
                }
            }
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                let a = as_f64(&l);
                let b = as_f64(&r);
                let v = match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    _ => {
                        if b == 0.0 {
                            return Err(EvalError::at(
                                ErrorKind::Arithmetic,
                                "division by zero",
                                span,
                            ));
                        }
                        a / b
                    }
                };
                Ok(Value::Float(v))
            }
            (Value::Int(_) | Value::Float(_), other) | (other, _) => Err(EvalError::at(
                ErrorKind::Type,
                format!(
                    "cannot {} {} {} {}",
                    opname,
                    describe_type(other),
                    if op == BinOp::Add {
                        "to"
                    } else if op == BinOp::Sub {
                        "from"
                    } else {
                        "and"
                    },
                    describe_type(if std::ptr::eq(other, &l) { &r } else { &l })
                ),
                span,
            )),
        }
    }

    /// Deep equality as Nix defines it.
    pub fn values_equal(&mut self, a: &Value, b: &Value) -> EvalResult<bool> {
        self.check_stack()?;
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                as_f64(a) == as_f64(b)
            }
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Null, Value::Null) => true,
            (Value::String(x), Value::String(y)) => x.bytes == y.bytes,
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if p.ptr_eq(q) {
                        continue;
                    }
                    let pv = self.force(p)?;
                    let qv = self.force(q)?;
                    if !self.values_equal(&pv, &qv)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                // Derivations are equal when their outputs are.
                if self.is_derivation(x)? && self.is_derivation(y)? {
                    if let (Some(p), Some(q)) =
                        (x.get(self.syms.out_path), y.get(self.syms.out_path))
                    {
                        let (p, q) = (p.value.clone(), q.value.clone());
                        let pv = self.force(&p)?;
                        let qv = self.force(&q)?;
                        return self.values_equal(&pv, &qv);
                    }
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if p.name != q.name {
                        return Ok(false);
                    }
                    if p.value.ptr_eq(&q.value) {
                        continue;
                    }
                    let pv = self.force(&p.value)?;
                    let qv = self.force(&q.value)?;
                    if !self.values_equal(&pv, &qv)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        })
    }

    /// Whether a set is a derivation (`type = "derivation"`).
    pub fn is_derivation(&mut self, a: &Attrs) -> EvalResult<bool> {
        match a.get(self.syms.type_) {
            Some(t) => {
                let t = t.value.clone();
                let v = self.force(&t)?;
                Ok(matches!(&v, Value::String(s) if &*s.bytes == b"derivation"))
            }
            None => Ok(false),
        }
    }

    /// Nix's `<` on numbers, strings, paths and lists.
    pub fn less_than(&mut self, a: &Value, b: &Value, span: Span) -> EvalResult<bool> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x < y),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                Ok(as_f64(a) < as_f64(b))
            }
            (Value::String(x), Value::String(y)) => Ok(x.bytes < y.bytes),
            (Value::Path(x), Value::Path(y)) => Ok(x < y),
            (Value::List(x), Value::List(y)) => {
                for (p, q) in x.iter().zip(y.iter()) {
                    let pv = self.force(p)?;
                    let qv = self.force(q)?;
                    if !self.values_equal(&pv, &qv)? {
                        return self.less_than(&pv, &qv, span);
                    }
                }
                Ok(x.len() < y.len())
            }
            _ => Err(EvalError::at(
                ErrorKind::Type,
                format!(
                    "cannot compare {} with {}",
                    describe_type(a),
                    describe_type(b)
                ),
                span,
            )),
        }
    }

    /// Turns a value into a string as interpolation or `toString` do.
    pub fn coerce_to_string(
        &mut self,
        v: &Value,
        mode: Coerce,
        copy_to_store: bool,
    ) -> EvalResult<NixString> {
        self.check_stack()?;
        match v {
            Value::String(s) => Ok((**s).clone()),
            Value::Path(p) => {
                if copy_to_store {
                    let (path, context) = self
                        .host
                        .copy_to_store(Path::new(&**p))
                        .map_err(|m| EvalError::new(ErrorKind::Io, m))?;
                    Ok(NixString {
                        bytes: path.into_bytes().into(),
                        context,
                    })
                } else {
                    Ok(NixString::plain(p.as_bytes()))
                }
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get(self.syms.to_string) {
                    let f = f.value.clone();
                    let f = self.force(&f)?;
                    let r = self.apply(f, &[v.clone().thunk()], None)?;
                    return self.coerce_to_string(&r, mode, copy_to_store);
                }
                if let Some(o) = a.get(self.syms.out_path) {
                    let o = o.value.clone();
                    let o = self.force(&o)?;
                    return self.coerce_to_string(&o, mode, copy_to_store);
                }
                Err(EvalError::new(
                    ErrorKind::Type,
                    "cannot coerce a set to a string",
                ))
            }
            _ if mode == Coerce::ToString => match v {
                Value::Null => Ok(NixString::plain("")),
                Value::Bool(true) => Ok(NixString::plain("1")),
                Value::Bool(false) => Ok(NixString::plain("")),
                Value::Int(i) => Ok(NixString::plain(i.to_string())),
                Value::Float(f) => Ok(NixString::plain(format!("{f:.6}"))),
                Value::List(items) => {
                    let mut out = NixString::default();
                    let mut bytes = Vec::new();
                    let n = items.len();
                    for (i, item) in items.iter().enumerate() {
                        let iv = self.force(item)?;
                        let s = self.coerce_to_string(&iv, mode, copy_to_store)?;
                        bytes.extend_from_slice(&s.bytes);
                        out.context.extend(&s.context);
                        let empty_list = matches!(&iv, Value::List(l) if l.is_empty());
                        if i + 1 < n && !empty_list {
                            bytes.push(b' ');
                        }
                    }
                    out.bytes = bytes.into();
                    Ok(out)
                }
                _ => Err(EvalError::new(
                    ErrorKind::Type,
                    format!("cannot coerce {} to a string", describe_type(v)),
                )),
            },
            _ => Err(EvalError::new(
                ErrorKind::Type,
                format!("cannot coerce {} to a string", describe_type(v)),
            )),
        }
    }

    /// Forces a value and everything inside it (`--strict`, `deepSeq`).
    pub fn force_deep(&mut self, v: &Value) -> EvalResult<()> {
        let mut seen = HashSet::new();
        self.force_deep_inner(v, &mut seen)
    }

    fn force_deep_inner(&mut self, v: &Value, seen: &mut HashSet<usize>) -> EvalResult<()> {
        self.check_stack()?;
        match v {
            Value::Attrs(a) => {
                if !seen.insert(Rc::as_ptr(a) as *const u8 as usize) {
                    return Ok(());
                }
                for attr in a.sorted() {
                    let t = attr.value.clone();
                    let av = self.force(&t).map_err(|e| {
                        self.frame(
                            e,
                            attr.pos,
                            &format!("while evaluating the attribute '{}'", attr.name),
                        )
                    })?;
                    self.force_deep_inner(&av, seen)?;
                }
            }
            Value::List(l) => {
                if !seen.insert(Rc::as_ptr(l) as *const u8 as usize) {
                    return Ok(());
                }
                for (i, t) in l.iter().enumerate() {
                    let iv = self.force(t).map_err(|e| {
                        self.frame(e, None, &format!("while evaluating list element {i}"))
                    })?;
                    self.force_deep_inner(&iv, seen)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Forces a value to a bool or fails with a type error.
    pub fn expect_bool(&self, v: &Value, span: Span, ctx: &str) -> EvalResult<bool> {
        match v {
            Value::Bool(b) => Ok(*b),
            other => Err(type_error(other, "a Boolean", Some(span), ctx)),
        }
    }

    /// The set inside a value, or a type error.
    pub fn expect_attrs(&self, v: &Value, span: Option<Span>, ctx: &str) -> EvalResult<Rc<Attrs>> {
        match v {
            Value::Attrs(a) => Ok(a.clone()),
            other => Err(type_error(other, "a set", span, ctx)),
        }
    }

    /// The list inside a value, or a type error.
    pub fn expect_list(
        &self,
        v: &Value,
        span: Option<Span>,
        ctx: &str,
    ) -> EvalResult<Rc<Vec<Thunk>>> {
        match v {
            Value::List(l) => Ok(l.clone()),
            other => Err(type_error(other, "a list", span, ctx)),
        }
    }

    /// The string inside a value (not coerced), or a type error.
    pub fn expect_string(
        &self,
        v: &Value,
        span: Option<Span>,
        ctx: &str,
    ) -> EvalResult<Rc<NixString>> {
        match v {
            Value::String(s) => Ok(s.clone()),
            other => Err(type_error(other, "a string", span, ctx)),
        }
    }
}

/// "value is an integer while a set was expected".
#[cold]
#[inline(never)]
pub fn type_error(v: &Value, expected: &str, span: Option<Span>, ctx: &str) -> Box<EvalError> {
    let msg = format!(
        "value is {} while {} was expected",
        describe_type(v),
        expected
    );
    let mut e = match span {
        Some(s) => EvalError::at(ErrorKind::Type, msg, s),
        None => EvalError::new(ErrorKind::Type, msg),
    };
    if !ctx.is_empty() {
        e.trace.push(TraceFrame {
            span: None,
            message: ctx.to_string(),
        });
    }
    e
}

/// "an integer", "a set"… as Nix words types in messages.
pub fn describe_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a Boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a float",
        Value::String(_) => "a string",
        Value::Path(_) => "a path",
        Value::Attrs(_) => "a set",
        Value::List(_) => "a list",
        Value::Lambda(_) => "a function",
        Value::PrimOp(_) => "a built-in function",
        Value::PrimOpApp(_) => "a partially applied built-in function",
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

/// Normalises an absolute path like Nix's `canonPath`: removes `.`, `..`
/// and repeated slashes without touching the filesystem.
pub fn canon_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = String::with_capacity(p.len());
    for c in &parts {
        out.push('/');
        out.push_str(c);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}
