//! The lowered form of a program: expressions with statically resolved variables.
//!
//! Lowering (see `lower.rs`) turns each variable into an `(up, idx)` address of
//! an environment slot, so evaluation never looks names up by string except
//! for variables that can only come from a `with`.

use std::rc::Rc;

use crate::source::Span;
use crate::symbol::Symbol;
use crate::value::Value;

/// A lowered expression.
#[derive(Debug)]
pub enum Expr {
    /// A constant: numbers, plain strings, builtins.
    Const(Value),
    /// A lexical variable: `up` environments out, slot `idx`.
    Var { up: u32, idx: u32 },
    /// A variable that only a `with` can provide; the `with` scopes are listed
    /// innermost first as environment addresses of their attribute set thunk.
    WithVar {
        name: Symbol,
        withs: Box<[(u32, u32)]>,
        span: Span,
    },
    /// A string with interpolations.
    Interpolate { parts: Box<[StrPart]>, span: Span },
    /// A path literal with interpolations; the first part already holds the
    /// resolved absolute prefix where there is one.
    Path { parts: Box<[StrPart]>, span: Span },
    /// A `<name/sub>` search path lookup.
    SearchPath { path: Rc<str>, span: Span },
    /// A list literal.
    List(Box<[Rc<Expr>]>),
    /// An attribute set literal, possibly `rec`.
    Attrs(Box<AttrsExpr>),
    /// `e.a.b or default`.
    Select {
        expr: Rc<Expr>,
        path: Box<[AttrName]>,
        default: Option<Rc<Expr>>,
        span: Span,
    },
    /// `e ? a.b`.
    HasAttr {
        expr: Rc<Expr>,
        path: Box<[AttrName]>,
    },
    /// `f a b c`, flattened.
    Apply {
        func: Rc<Expr>,
        args: Box<[Rc<Expr>]>,
        span: Span,
    },
    /// A function.
    Lambda(Rc<LambdaExpr>),
    /// `let ... in body` and recursive scopes: a new environment whose slots
    /// are the given expressions, evaluated lazily in that same environment.
    Let {
        slots: Box<[Rc<Expr>]>,
        body: Rc<Expr>,
    },
    /// `with ns; body`: a new environment whose one slot is `ns`, evaluated in
    /// the outer environment.
    With { ns: Rc<Expr>, body: Rc<Expr> },
    /// `if c then a else b`.
    If {
        cond: Rc<Expr>,
        then: Rc<Expr>,
        els: Rc<Expr>,
        span: Span,
    },
    /// `assert c; body`.
    Assert {
        cond: Rc<Expr>,
        body: Rc<Expr>,
        span: Span,
    },
    /// A binary operator.
    BinOp {
        op: BinOp,
        lhs: Rc<Expr>,
        rhs: Rc<Expr>,
        span: Span,
    },
    /// `!e`.
    Not { expr: Rc<Expr>, span: Span },
    /// `-e`.
    Negate { expr: Rc<Expr>, span: Span },
    /// `__curPos`.
    CurPos(Span),
}

impl Expr {
    /// Where the expression is written, for the kinds that record it.
    pub fn span(&self) -> Option<Span> {
        match self {
            Expr::WithVar { span, .. }
            | Expr::Interpolate { span, .. }
            | Expr::Path { span, .. }
            | Expr::SearchPath { span, .. }
            | Expr::Select { span, .. }
            | Expr::Apply { span, .. }
            | Expr::If { span, .. }
            | Expr::Assert { span, .. }
            | Expr::BinOp { span, .. }
            | Expr::Not { span, .. }
            | Expr::Negate { span, .. }
            | Expr::CurPos(span) => Some(*span),
            Expr::Lambda(l) => Some(l.span),
            _ => None,
        }
    }
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `++`
    Concat,
    /// `//`
    Update,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `->`
    Impl,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Less,
    /// `<=`
    LessEq,
    /// `>`
    More,
    /// `>=`
    MoreEq,
}

/// A piece of an interpolated string or path.
#[derive(Debug)]
pub enum StrPart {
    /// Literal text.
    Lit(Rc<[u8]>),
    /// `${e}`.
    Expr(Rc<Expr>, Span),
}

/// An attribute name in a select, `?` or attribute path.
#[derive(Debug)]
pub enum AttrName {
    /// A name known when lowering.
    Static(Symbol),
    /// `${e}` or `"${e}"`.
    Dynamic(Rc<Expr>, Span),
}

/// An attribute set literal.
#[derive(Debug)]
pub struct AttrsExpr {
    /// For `rec` sets and sets with `inherit (e)`: the slots of the new
    /// environment the values are evaluated in (static attribute values
    /// first, in `statics` order, then the `inherit (e)` sources). `None`
    /// for a plain set: values are evaluated in the enclosing environment.
    pub env_slots: Option<Box<[Rc<Expr>]>>,
    /// Attributes with names known when lowering, with their values.
    /// When `env_slots` is set, the value of static attribute `i` is slot `i`.
    pub statics: Box<[(Symbol, Rc<Expr>, Span)]>,
    /// `"${name}" = value;` attributes, in source order.
    pub dynamics: Box<[DynamicAttr]>,
    /// Whether this is a `rec` set (for `__overrides`).
    pub recursive: bool,
}

/// `"${name}" = value;` in a set literal.
#[derive(Debug)]
pub struct DynamicAttr {
    /// Evaluates to the name (or null to skip the attribute).
    pub name: Rc<Expr>,
    /// The value.
    pub value: Rc<Expr>,
    /// Where it is written.
    pub span: Span,
}

/// A function literal.
#[derive(Debug)]
pub struct LambdaExpr {
    /// How the argument is bound.
    pub param: Param,
    /// Number of slots in the function's environment.
    pub n_slots: u32,
    /// The body.
    pub body: Rc<Expr>,
    /// Where the function is written.
    pub span: Span,
    /// The name it is bound to, if any, for stack traces.
    pub name: Option<Symbol>,
}

/// How a function binds its argument.
#[derive(Debug)]
pub enum Param {
    /// `x: ...`: slot 0.
    Ident(Symbol),
    /// `{ a, b ? d, ... } @ x: ...`: formal `i` is slot `i`, the whole argument
    /// (when bound) is the slot after the formals.
    Pattern {
        formals: Box<[Formal]>,
        ellipsis: bool,
        bind: Option<Symbol>,
    },
}

/// One formal argument of a pattern.
#[derive(Debug)]
pub struct Formal {
    /// Its name.
    pub name: Symbol,
    /// Its default, evaluated in the function's environment.
    pub default: Option<Rc<Expr>>,
    /// Where it is written.
    pub span: Span,
}
