//! Lowering: rnix syntax tree → IR with statically resolved variables.
//!
//! This is also where the checks live that Nix makes while parsing but rnix
//! does not: duplicate attributes (across nested attribute paths), duplicate
//! formals, undefined variables, the pipe operators.
//!
//! Only trees without syntax errors reach this module, so missing children
//! (`None` from rnix accessors) cannot happen; they lower to `null` defensively.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use rnix::ast::{self, AstToken, HasEntry, InterpolPart};
use rowan::ast::AstNode;

use crate::error::{ErrorKind, EvalError};
use crate::ir::{
    AttrName, AttrsExpr, BinOp, DynamicAttr, Expr, Formal, LambdaExpr, Param, StrPart,
};
use crate::source::{FileId, SourceFile, Span};
use crate::symbol::Symbol;
use crate::value::Value;

/// Deeper expression nesting than this is an error rather than a risk to the stack.
const MAX_DEPTH: usize = 10_000;

/// What lowering needs to know about the file and the global scope.
pub struct LowerCtx<'a> {
    /// The file being lowered.
    pub file: FileId,
    /// Its directory, for relative path literals.
    pub dir: &'a Path,
    /// `$HOME`, for `~/` paths.
    pub home: Option<&'a str>,
    /// The outermost scope: `builtins`, `true`, `map`…
    pub globals: &'a HashMap<Symbol, Value>,
    /// Names bound by `scopedImport`; they form the first environment level.
    pub extra_scope: &'a [Symbol],
    /// The file's text and line table, for positions in messages.
    pub source: &'a SourceFile,
}

enum Scope {
    Names(HashMap<Symbol, u32>),
    With,
}

struct Lowerer<'a> {
    ctx: &'a LowerCtx<'a>,
    scopes: Vec<Scope>,
    errors: Vec<Box<EvalError>>,
    depth: usize,
    /// The attribute name the next lambda is bound to, for stack traces.
    pending_name: Option<Symbol>,
}

/// Lowers a parsed file. Returns the expression or every error found.
pub fn lower(root: &rnix::Root, ctx: &LowerCtx) -> Result<Rc<Expr>, Vec<Box<EvalError>>> {
    let mut l = Lowerer {
        ctx,
        scopes: Vec::new(),
        errors: Vec::new(),
        depth: 0,
        pending_name: None,
    };
    if !ctx.extra_scope.is_empty() {
        let names = ctx
            .extra_scope
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, i as u32))
            .collect();
        l.scopes.push(Scope::Names(names));
    }
    let expr = match root.expr() {
        Some(e) => l.lower(e),
        None => l.null(),
    };
    if l.errors.is_empty() {
        Ok(expr)
    } else {
        Err(l.errors)
    }
}

/// An attribute key while building a set.
enum Key {
    Static(Symbol),
    Dynamic(ast::Attr),
}

/// An attribute set being assembled from its entries (Nix's `addAttr`).
struct PSet {
    recursive: bool,
    names: Vec<(Symbol, PEntry)>,
    index: HashMap<Symbol, usize>,
    dynamics: Vec<(ast::Attr, PVal, Span)>,
}

struct PEntry {
    val: PVal,
    span: Span,
}

enum PVal {
    Expr(ast::Expr),
    Set(PSet),
    /// `inherit x;`: the variable from the enclosing scope.
    Inherit(Symbol, Span),
    /// `inherit (e) x;`.
    InheritFrom(ast::Expr, Symbol, Span),
}

impl PSet {
    fn new(recursive: bool) -> PSet {
        PSet {
            recursive,
            names: Vec::new(),
            index: HashMap::new(),
            dynamics: Vec::new(),
        }
    }

    fn insert(&mut self, name: Symbol, entry: PEntry) {
        self.index.insert(name, self.names.len());
        self.names.push((name, entry));
    }
}

fn unparen(mut e: ast::Expr) -> ast::Expr {
    while let ast::Expr::Paren(p) = &e {
        match p.expr() {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

impl<'a> Lowerer<'a> {
    fn span(&self, node: &impl AstNode<Language = rnix::NixLanguage>) -> Span {
        let r = node.syntax().text_range();
        Span {
            file: self.ctx.file,
            start: r.start().into(),
            end: r.end().into(),
        }
    }

    fn error(&mut self, msg: impl Into<String>, span: Span) {
        self.errors.push(EvalError::at(ErrorKind::Parse, msg, span));
    }

    fn null(&self) -> Rc<Expr> {
        Rc::new(Expr::Const(Value::Null))
    }

    /// Resolves a variable, skipping the `skip` innermost scopes.
    fn resolve(&mut self, name: Symbol, skip: usize, span: Span) -> Rc<Expr> {
        let mut withs = Vec::new();
        for (up, scope) in self.scopes.iter().rev().enumerate().skip(skip) {
            match scope {
                Scope::Names(names) => {
                    if let Some(idx) = names.get(&name) {
                        return Rc::new(Expr::Var {
                            up: up as u32,
                            idx: *idx,
                        });
                    }
                }
                Scope::With => withs.push((up as u32, 0)),
            }
        }
        if let Some(v) = self.ctx.globals.get(&name) {
            return Rc::new(Expr::Const(v.clone()));
        }
        if withs.is_empty() {
            self.error(format!("undefined variable '{name}'"), span);
            return self.null();
        }
        Rc::new(Expr::WithVar {
            name,
            withs: withs.into_boxed_slice(),
            span,
        })
    }

    /// Whether a name is bound by an enclosing `let`, function or `rec` set.
    fn is_lexical(&self, name: Symbol) -> bool {
        self.scopes
            .iter()
            .any(|s| matches!(s, Scope::Names(n) if n.contains_key(&name)))
    }

    fn lower(&mut self, e: ast::Expr) -> Rc<Expr> {
        self.depth += 1;
        let out = if self.depth > MAX_DEPTH {
            let span = self.span(&e);
            self.error("expression nested too deeply", span);
            self.null()
        } else {
            self.lower_inner(e)
        };
        self.depth -= 1;
        out
    }

    fn lower_opt(&mut self, e: Option<ast::Expr>) -> Rc<Expr> {
        match e {
            Some(e) => self.lower(e),
            None => self.null(),
        }
    }

    fn lower_inner(&mut self, e: ast::Expr) -> Rc<Expr> {
        let span = self.span(&e);
        let name = self.pending_name.take();
        match e {
            ast::Expr::Paren(p) => {
                self.pending_name = name;
                self.lower_opt(p.expr())
            }
            ast::Expr::Root(r) => self.lower_opt(r.expr()),
            ast::Expr::Literal(lit) => match lit.kind() {
                ast::LiteralKind::Integer(i) => match i.value() {
                    Ok(v) => Rc::new(Expr::Const(Value::Int(v))),
                    Err(_) => {
                        self.error(format!("invalid integer '{}'", i.syntax().text()), span);
                        self.null()
                    }
                },
                ast::LiteralKind::Float(f) => match f.value() {
                    Ok(v) => Rc::new(Expr::Const(Value::Float(v))),
                    Err(_) => {
                        self.error(format!("invalid float '{}'", f.syntax().text()), span);
                        self.null()
                    }
                },
                ast::LiteralKind::Uri(u) => {
                    Rc::new(Expr::Const(Value::string(u.syntax().text().to_string())))
                }
            },
            ast::Expr::Ident(id) => {
                let text = id.syntax().text().to_string();
                self.resolve(Symbol::new(&text), 0, span)
            }
            ast::Expr::Str(s) => self.lower_string(s.normalized_parts(), span),
            ast::Expr::PathAbs(p) => self.lower_path(p.parts(), span, PathKind::Abs),
            ast::Expr::PathRel(p) => self.lower_path(p.parts(), span, PathKind::Rel),
            ast::Expr::PathHome(p) => self.lower_path(p.parts(), span, PathKind::Home),
            ast::Expr::PathSearch(p) => {
                let text = p
                    .content()
                    .map(|c| c.text().to_string())
                    .unwrap_or_default();
                let inner = text.trim_start_matches('<').trim_end_matches('>');
                // Nix turns `<p>` into `__findFile __nixPath "p"`, so both can be
                // rebound lexically; do the same when they are.
                let find_sym = Symbol::new("__findFile");
                let path_sym = Symbol::new("__nixPath");
                if self.is_lexical(find_sym) || self.is_lexical(path_sym) {
                    let find = self.resolve(find_sym, 0, span);
                    let path = self.resolve(path_sym, 0, span);
                    Rc::new(Expr::Apply {
                        func: find,
                        args: vec![path, Rc::new(Expr::Const(Value::string(inner)))].into(),
                        span,
                    })
                } else {
                    Rc::new(Expr::SearchPath {
                        path: Rc::from(inner),
                        span,
                    })
                }
            }
            ast::Expr::List(l) => {
                let items: Vec<_> = l.items().map(|i| self.lower(i)).collect();
                Rc::new(Expr::List(items.into()))
            }
            ast::Expr::AttrSet(set) => {
                let pset = self.build_pset(&set, set.rec_token().is_some());
                self.lower_pset(pset)
            }
            ast::Expr::LegacyLet(l) => {
                let mut pset = PSet::new(true);
                self.add_entries(&mut pset, &l);
                let set = self.lower_pset(pset);
                Rc::new(Expr::Select {
                    expr: set,
                    path: vec![AttrName::Static(Symbol::new("body"))].into(),
                    default: None,
                    span,
                })
            }
            ast::Expr::LetIn(l) => self.lower_let(&l),
            ast::Expr::With(w) => {
                let ns = self.lower_opt(w.namespace());
                self.scopes.push(Scope::With);
                let body = self.lower_opt(w.body());
                self.scopes.pop();
                Rc::new(Expr::With { ns, body })
            }
            ast::Expr::Select(s) => {
                let expr = self.lower_opt(s.expr());
                let path = self.lower_attrpath(s.attrpath());
                let default = s.default_expr().map(|d| self.lower(d));
                if let Some(v) = constant_select(&expr, &path) {
                    return Rc::new(Expr::Const(v));
                }
                Rc::new(Expr::Select {
                    expr,
                    path,
                    default,
                    span,
                })
            }
            ast::Expr::HasAttr(h) => {
                let expr = self.lower_opt(h.expr());
                let path = self.lower_attrpath(h.attrpath());
                Rc::new(Expr::HasAttr { expr, path })
            }
            ast::Expr::Apply(_) => {
                // Flatten `f a b c` into one application.
                let mut args = Vec::new();
                let mut cur = e;
                while let ast::Expr::Apply(a) = &cur {
                    args.push(a.argument());
                    match a.lambda() {
                        Some(f) => cur = f,
                        None => break,
                    }
                }
                let func = self.lower(cur);
                let args: Vec<_> = args.into_iter().rev().map(|a| self.lower_opt(a)).collect();
                Rc::new(Expr::Apply {
                    func,
                    args: args.into(),
                    span,
                })
            }
            ast::Expr::Lambda(lam) => self.lower_lambda(&lam, span, name),
            ast::Expr::IfElse(i) => {
                let cond = self.lower_opt(i.condition());
                let then = self.lower_opt(i.body());
                let els = self.lower_opt(i.else_body());
                Rc::new(Expr::If {
                    cond,
                    then,
                    els,
                    span,
                })
            }
            ast::Expr::Assert(a) => {
                let cond = self.lower_opt(a.condition());
                let body = self.lower_opt(a.body());
                let cspan = a.condition().map(|c| self.span(&c)).unwrap_or(span);
                Rc::new(Expr::Assert {
                    cond,
                    body,
                    span: cspan,
                })
            }
            ast::Expr::UnaryOp(u) => {
                let expr = self.lower_opt(u.expr());
                match u.operator() {
                    Some(ast::UnaryOpKind::Invert) => Rc::new(Expr::Not { expr, span }),
                    _ => Rc::new(Expr::Negate { expr, span }),
                }
            }
            ast::Expr::BinOp(b) => {
                let op = match b.operator() {
                    Some(op) => op,
                    None => return self.null(),
                };
                let op = match op {
                    ast::BinOpKind::Concat => BinOp::Concat,
                    ast::BinOpKind::Update => BinOp::Update,
                    ast::BinOpKind::Add => BinOp::Add,
                    ast::BinOpKind::Sub => BinOp::Sub,
                    ast::BinOpKind::Mul => BinOp::Mul,
                    ast::BinOpKind::Div => BinOp::Div,
                    ast::BinOpKind::And => BinOp::And,
                    ast::BinOpKind::Or => BinOp::Or,
                    ast::BinOpKind::Implication => BinOp::Impl,
                    ast::BinOpKind::Equal => BinOp::Eq,
                    ast::BinOpKind::NotEqual => BinOp::NotEq,
                    ast::BinOpKind::Less => BinOp::Less,
                    ast::BinOpKind::LessOrEq => BinOp::LessEq,
                    ast::BinOpKind::More => BinOp::More,
                    ast::BinOpKind::MoreOrEq => BinOp::MoreEq,
                    ast::BinOpKind::PipeLeft | ast::BinOpKind::PipeRight => {
                        self.error(
                            "the pipe operators '|>' and '<|' are not supported (as in Nix without the experimental feature 'pipe-operators')",
                            span,
                        );
                        return self.null();
                    }
                };
                let lhs = self.lower_opt(b.lhs());
                let rhs = self.lower_opt(b.rhs());
                Rc::new(Expr::BinOp { op, lhs, rhs, span })
            }
            ast::Expr::CurPos(_) => Rc::new(Expr::CurPos(span)),
            ast::Expr::Error(_) => {
                self.error("syntax error", span);
                self.null()
            }
        }
    }

    fn lower_string(&mut self, parts: Vec<InterpolPart<String>>, span: Span) -> Rc<Expr> {
        let all_literal = parts.iter().all(|p| matches!(p, InterpolPart::Literal(_)));
        if all_literal {
            let mut s = String::new();
            for p in parts {
                if let InterpolPart::Literal(l) = p {
                    s.push_str(&l);
                }
            }
            return Rc::new(Expr::Const(Value::string(s)));
        }
        let parts: Vec<StrPart> = parts
            .into_iter()
            .map(|p| match p {
                InterpolPart::Literal(l) => StrPart::Lit(Rc::from(l.into_bytes())),
                InterpolPart::Interpolation(i) => {
                    let ispan = self.span(&i);
                    StrPart::Expr(self.lower_opt(i.expr()), ispan)
                }
            })
            .collect();
        Rc::new(Expr::Interpolate {
            parts: parts.into(),
            span,
        })
    }

    fn lower_path(
        &mut self,
        parts: Vec<InterpolPart<ast::PathContent>>,
        span: Span,
        kind: PathKind,
    ) -> Rc<Expr> {
        let mut out: Vec<StrPart> = Vec::new();
        for (i, p) in parts.into_iter().enumerate() {
            match p {
                InterpolPart::Literal(l) => {
                    let mut text = l.text().to_string();
                    if i == 0 {
                        text = match kind {
                            PathKind::Abs => text,
                            PathKind::Rel => format!("{}/{}", self.ctx.dir.display(), text),
                            PathKind::Home => match self.ctx.home {
                                Some(h) => format!("{}{}", h, &text[1..]),
                                None => {
                                    self.error(
                                        "the path '~/…' cannot be resolved because $HOME is not set",
                                        span,
                                    );
                                    text
                                }
                            },
                        };
                    }
                    out.push(StrPart::Lit(Rc::from(text.into_bytes())));
                }
                InterpolPart::Interpolation(ip) => {
                    let ispan = self.span(&ip);
                    out.push(StrPart::Expr(self.lower_opt(ip.expr()), ispan));
                }
            }
        }
        Rc::new(Expr::Path {
            parts: out.into(),
            span,
        })
    }

    fn lower_attrpath(&mut self, path: Option<ast::Attrpath>) -> Box<[AttrName]> {
        let Some(path) = path else {
            return Box::new([]);
        };
        path.attrs()
            .map(|a| match self.attr_key(&a) {
                Key::Static(s) => AttrName::Static(s),
                Key::Dynamic(a) => {
                    let span = self.span(&a);
                    AttrName::Dynamic(self.lower_dynamic_name(a), span)
                }
            })
            .collect()
    }

    fn attr_key(&self, a: &ast::Attr) -> Key {
        match a {
            ast::Attr::Ident(id) => Key::Static(Symbol::new(&id.syntax().text().to_string())),
            ast::Attr::Str(s) => match literal_str(s) {
                Some(text) => Key::Static(Symbol::new(&text)),
                None => Key::Dynamic(a.clone()),
            },
            ast::Attr::Dynamic(d) => match d.expr().map(unparen) {
                Some(ast::Expr::Str(s)) => match literal_str(&s) {
                    Some(text) => Key::Static(Symbol::new(&text)),
                    None => Key::Dynamic(a.clone()),
                },
                _ => Key::Dynamic(a.clone()),
            },
        }
    }

    fn lower_dynamic_name(&mut self, a: ast::Attr) -> Rc<Expr> {
        match a {
            ast::Attr::Ident(id) => {
                Rc::new(Expr::Const(Value::string(id.syntax().text().to_string())))
            }
            ast::Attr::Str(s) => {
                let span = self.span(&s);
                self.lower_string(s.normalized_parts(), span)
            }
            ast::Attr::Dynamic(d) => self.lower_opt(d.expr()),
        }
    }

    fn build_pset(&mut self, node: &impl HasEntry, recursive: bool) -> PSet {
        let mut pset = PSet::new(recursive);
        self.add_entries(&mut pset, node);
        pset
    }

    fn add_entries(&mut self, pset: &mut PSet, node: &impl HasEntry) {
        for entry in node.entries() {
            match entry {
                ast::Entry::Inherit(inh) => {
                    let from = inh.from().and_then(|f| f.expr());
                    for attr in inh.attrs() {
                        let span = self.span(&attr);
                        let name = match self.attr_key(&attr) {
                            Key::Static(s) => s,
                            Key::Dynamic(_) => {
                                self.error("dynamic attributes not allowed in inherit", span);
                                continue;
                            }
                        };
                        let val = match &from {
                            Some(f) => PVal::InheritFrom(f.clone(), name, span),
                            None => PVal::Inherit(name, span),
                        };
                        if let Some(&i) = pset.index.get(&name) {
                            let prev = pset.names[i].1.span;
                            self.dup_attr(&name.to_string(), span, prev);
                            continue;
                        }
                        pset.insert(name, PEntry { val, span });
                    }
                }
                ast::Entry::AttrpathValue(apv) => {
                    let span = self.span(&apv);
                    let keys: Vec<Key> = match apv.attrpath() {
                        Some(p) => p.attrs().map(|a| self.attr_key(&a)).collect(),
                        None => continue,
                    };
                    let Some(value) = apv.value() else { continue };
                    let val = match unparen(value.clone()) {
                        ast::Expr::AttrSet(s) => {
                            PVal::Set(self.build_pset(&s, s.rec_token().is_some()))
                        }
                        _ => PVal::Expr(value),
                    };
                    let pretty = keys
                        .iter()
                        .map(|k| match k {
                            Key::Static(s) => s.to_string(),
                            Key::Dynamic(_) => "\"${…}\"".to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(".");
                    self.add_attr(pset, keys, val, span, &pretty);
                }
            }
        }
    }

    fn dup_attr(&mut self, path: &str, span: Span, prev: Span) {
        let prev_desc = self.describe_pos(prev);
        self.error(
            format!("attribute '{path}' already defined at {prev_desc}"),
            span,
        );
    }

    fn describe_pos(&self, span: Span) -> String {
        let lc = self.ctx.source.line_col(span.start);
        format!("{}:{}:{}", self.ctx.source.name, lc.line, lc.col)
    }

    /// Nix's `addAttr`: walks the attribute path, creating or entering nested
    /// sets, and merges a set literal into an existing one.
    fn add_attr(
        &mut self,
        mut set: &mut PSet,
        keys: Vec<Key>,
        val: PVal,
        span: Span,
        pretty: &str,
    ) {
        let n = keys.len();
        let mut keys = keys.into_iter();
        for _ in 0..n - 1 {
            match keys.next().expect("counted") {
                Key::Static(name) => {
                    if let Some(&i) = set.index.get(&name) {
                        let entry = &set.names[i].1;
                        let prev = entry.span;
                        if !matches!(entry.val, PVal::Set(_)) {
                            self.dup_attr(pretty, span, prev);
                            return;
                        }
                        match &mut set.names[i].1.val {
                            PVal::Set(inner) => set = inner,
                            _ => unreachable!("checked above"),
                        }
                    } else {
                        set.insert(
                            name,
                            PEntry {
                                val: PVal::Set(PSet::new(false)),
                                span,
                            },
                        );
                        let i = set.names.len() - 1;
                        match &mut set.names[i].1.val {
                            PVal::Set(inner) => set = inner,
                            _ => unreachable!("just inserted"),
                        }
                    }
                }
                Key::Dynamic(attr) => {
                    set.dynamics.push((attr, PVal::Set(PSet::new(false)), span));
                    let i = set.dynamics.len() - 1;
                    match &mut set.dynamics[i].1 {
                        PVal::Set(inner) => set = inner,
                        _ => unreachable!("just inserted"),
                    }
                }
            }
        }
        match keys.next().expect("attribute paths are never empty") {
            Key::Static(name) => {
                if let Some(&i) = set.index.get(&name) {
                    let prev = set.names[i].1.span;
                    match (&mut set.names[i].1.val, val) {
                        (PVal::Set(existing), PVal::Set(new)) => {
                            for (k, entry) in new.names {
                                if let Some(&j) = existing.index.get(&k) {
                                    let prev = existing.names[j].1.span;
                                    let p = format!("{pretty}.{k}");
                                    self.dup_attr(&p, entry.span, prev);
                                    continue;
                                }
                                existing.insert(k, entry);
                            }
                            existing.dynamics.extend(new.dynamics);
                        }
                        _ => self.dup_attr(pretty, span, prev),
                    }
                } else {
                    set.insert(name, PEntry { val, span });
                }
            }
            Key::Dynamic(attr) => set.dynamics.push((attr, val, span)),
        }
    }

    fn lower_pval(&mut self, val: PVal, name: Option<Symbol>, inherit_skip: usize) -> Rc<Expr> {
        match val {
            PVal::Expr(e) => {
                self.pending_name = name;
                let out = self.lower(e);
                self.pending_name = None;
                out
            }
            PVal::Set(s) => self.lower_pset(s),
            PVal::Inherit(n, span) => self.resolve(n, inherit_skip, span),
            PVal::InheritFrom(from, n, span) => {
                let expr = self.lower(from);
                Rc::new(Expr::Select {
                    expr,
                    path: vec![AttrName::Static(n)].into(),
                    default: None,
                    span,
                })
            }
        }
    }

    fn lower_pset(&mut self, mut set: PSet) -> Rc<Expr> {
        // Sorted by symbol, the static attributes need no sorting at run time.
        set.names.sort_by_key(|(name, _)| *name);
        if set.recursive {
            let names: HashMap<Symbol, u32> = set
                .names
                .iter()
                .enumerate()
                .map(|(i, (n, _))| (*n, i as u32))
                .collect();
            self.scopes.push(Scope::Names(names));
            let mut statics = Vec::new();
            let mut slots = Vec::new();
            for (name, entry) in set.names {
                let e = self.lower_pval(entry.val, Some(name), 1);
                slots.push(e.clone());
                statics.push((name, e, entry.span));
            }
            let dynamics = self.lower_dynamics(set.dynamics);
            self.scopes.pop();
            Rc::new(Expr::Attrs(Box::new(AttrsExpr {
                env_slots: Some(slots.into()),
                statics: statics.into(),
                dynamics,
                recursive: true,
            })))
        } else {
            let mut statics = Vec::new();
            for (name, entry) in set.names {
                let e = self.lower_pval(entry.val, Some(name), 0);
                statics.push((name, e, entry.span));
            }
            let dynamics = self.lower_dynamics(set.dynamics);
            Rc::new(Expr::Attrs(Box::new(AttrsExpr {
                env_slots: None,
                statics: statics.into(),
                dynamics,
                recursive: false,
            })))
        }
    }

    fn lower_dynamics(&mut self, dynamics: Vec<(ast::Attr, PVal, Span)>) -> Box<[DynamicAttr]> {
        dynamics
            .into_iter()
            .map(|(attr, val, span)| {
                let name = self.lower_dynamic_name(attr);
                let value = self.lower_pval(val, None, 0);
                DynamicAttr { name, value, span }
            })
            .collect()
    }

    fn lower_let(&mut self, l: &ast::LetIn) -> Rc<Expr> {
        let pset = self.build_pset(l, true);
        if let Some((attr, _, _)) = pset.dynamics.first() {
            let s = self.span(attr);
            self.error("dynamic attributes not allowed in let", s);
        }
        let names: HashMap<Symbol, u32> = pset
            .names
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (*n, i as u32))
            .collect();
        self.scopes.push(Scope::Names(names));
        let mut slots = Vec::new();
        for (name, entry) in pset.names {
            slots.push(self.lower_pval(entry.val, Some(name), 1));
        }
        let body = self.lower_opt(l.body());
        self.scopes.pop();
        Rc::new(Expr::Let {
            slots: slots.into(),
            body,
        })
    }

    fn lower_lambda(&mut self, lam: &ast::Lambda, span: Span, name: Option<Symbol>) -> Rc<Expr> {
        let mut names = HashMap::new();
        let param = match lam.param() {
            Some(ast::Param::IdentParam(p)) => {
                let n = Symbol::new(
                    &p.ident()
                        .map(|i| i.syntax().text().to_string())
                        .unwrap_or_default(),
                );
                names.insert(n, 0);
                Param::Ident(n)
            }
            Some(ast::Param::Pattern(pat)) => {
                let mut formals: Vec<(Symbol, Option<ast::Expr>, Span)> = Vec::new();
                for entry in pat.pat_entries() {
                    let fspan = self.span(&entry);
                    let n = Symbol::new(
                        &entry
                            .ident()
                            .map(|i| i.syntax().text().to_string())
                            .unwrap_or_default(),
                    );
                    if names.contains_key(&n) {
                        self.error(format!("duplicate formal function argument '{n}'"), fspan);
                        continue;
                    }
                    names.insert(n, formals.len() as u32);
                    formals.push((n, entry.default(), fspan));
                }
                let bind = pat.pat_bind().and_then(|b| b.ident()).map(|i| {
                    let n = Symbol::new(&i.syntax().text().to_string());
                    if names.contains_key(&n) {
                        let s = self.span(&i);
                        self.error(format!("duplicate formal function argument '{n}'"), s);
                    }
                    n
                });
                if let Some(b) = bind {
                    names.insert(b, formals.len() as u32);
                }
                let n_formals = formals.len();
                self.scopes.push(Scope::Names(names));
                let formals: Vec<Formal> = formals
                    .into_iter()
                    .map(|(name, default, span)| Formal {
                        name,
                        default: default.map(|d| self.lower(d)),
                        span,
                    })
                    .collect();
                let body = self.lower_opt(lam.body());
                self.scopes.pop();
                let n_slots = n_formals as u32 + bind.is_some() as u32;
                return Rc::new(Expr::Lambda(Rc::new(LambdaExpr {
                    param: Param::Pattern {
                        formals: formals.into(),
                        ellipsis: pat.ellipsis_token().is_some(),
                        bind,
                    },
                    n_slots,
                    body,
                    span,
                    name,
                })));
            }
            None => {
                self.error("function without a parameter", span);
                return self.null();
            }
        };
        self.scopes.push(Scope::Names(names));
        let body = self.lower_opt(lam.body());
        self.scopes.pop();
        Rc::new(Expr::Lambda(Rc::new(LambdaExpr {
            param,
            n_slots: 1,
            body,
            span,
            name,
        })))
    }
}

enum PathKind {
    Abs,
    Rel,
    Home,
}

/// `builtins.name` (a constant set, an attribute that is already a value)
/// folded into the value itself, so hot calls like `builtins.substring`
/// skip the lookup.
fn constant_select(expr: &Expr, path: &[AttrName]) -> Option<Value> {
    let (Expr::Const(Value::Attrs(set)), [AttrName::Static(name)]) = (expr, path) else {
        return None;
    };
    set.get(*name)?.value.value_if_forced()
}

/// The text of a string without interpolations, or `None`.
fn literal_str(s: &ast::Str) -> Option<String> {
    let mut out = String::new();
    for p in s.normalized_parts() {
        match p {
            InterpolPart::Literal(l) => out.push_str(&l),
            InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}
