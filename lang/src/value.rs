//! Runtime values: thunks, environments, attribute sets, strings with context.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::rc::Rc;

use crate::error::EvalResult;
use crate::eval::Eval;
use crate::ir::{Expr, LambdaExpr};
use crate::symbol::Symbol;

/// A fully evaluated head value (its children may still be thunks).
#[derive(Clone)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A 64-bit signed integer.
    Int(i64),
    /// A double.
    Float(f64),
    /// A string with its context.
    String(Rc<NixString>),
    /// An absolute, normalised path.
    Path(Rc<str>),
    /// An attribute set.
    Attrs(Rc<Attrs>),
    /// A list.
    List(Rc<Vec<Thunk>>),
    /// A function literal closed over its environment.
    Lambda(Rc<Closure>),
    /// A builtin function.
    PrimOp(Rc<PrimOp>),
    /// A builtin function applied to fewer arguments than it takes.
    PrimOpApp(Rc<PrimOpApp>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.type_name())
    }
}

impl Value {
    /// The type name Nix uses in messages and `builtins.typeOf`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => "lambda",
        }
    }

    /// A plain string without context.
    pub fn string(s: impl Into<Vec<u8>>) -> Value {
        Value::String(Rc::new(NixString::plain(s)))
    }

    /// Wraps the value in an already-evaluated thunk.
    pub fn thunk(self) -> Thunk {
        Thunk::ready(self)
    }

    /// Whether the value is a function of any kind.
    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_)
        )
    }
}

/// A string: bytes (Nix strings need not be UTF-8) plus the store paths and
/// steps it depends on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NixString {
    /// The bytes.
    pub bytes: Box<[u8]>,
    /// What the string depends on; empty for most strings.
    pub context: Context,
}

impl NixString {
    /// A string without context.
    pub fn plain(s: impl Into<Vec<u8>>) -> NixString {
        NixString {
            bytes: s.into().into_boxed_slice(),
            context: Context::default(),
        }
    }

    /// The bytes as text, replacing invalid UTF-8.
    pub fn lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// One element of a string's context.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContextElem {
    /// A plain store path (a source or an output that is already there).
    Opaque(Rc<str>),
    /// An output of a step: (path of the step's description, output name).
    Output(Rc<str>, Rc<str>),
    /// The whole closure of a step description (`drvPath` strings).
    AllOutputs(Rc<str>),
}

/// The set of things a string depends on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context(BTreeSet<ContextElem>);

impl Context {
    /// Whether there is no dependency.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds one element.
    pub fn insert(&mut self, elem: ContextElem) {
        self.0.insert(elem);
    }

    /// Adds all elements of another context.
    pub fn extend(&mut self, other: &Context) {
        self.0.extend(other.0.iter().cloned());
    }

    /// The elements, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &ContextElem> {
        self.0.iter()
    }
}

/// A function literal with its environment.
pub struct Closure {
    /// The code.
    pub lambda: Rc<LambdaExpr>,
    /// The environment it was created in.
    pub env: Rc<Env>,
}

/// The signature of a builtin's implementation: the arguments arrive
/// unevaluated so that each builtin forces only what it needs.
pub type PrimOpFn = fn(&mut Eval, &[Thunk]) -> EvalResult<Value>;

/// A builtin function.
pub struct PrimOp {
    /// Its name, as in `builtins.NAME`.
    pub name: &'static str,
    /// How many arguments it takes.
    pub arity: usize,
    /// The implementation.
    pub func: PrimOpFn,
}

/// A builtin applied to some of its arguments.
pub struct PrimOpApp {
    /// The builtin.
    pub op: Rc<PrimOp>,
    /// The arguments so far (fewer than its arity).
    pub args: Vec<Thunk>,
}

/// The slots of an environment.
pub type Slots = smallvec::SmallVec<[Thunk; 3]>;

/// An environment: the slots of one scope and the scope around it.
pub struct Env {
    /// The slots, filled once when the scope is entered. Most scopes have
    /// few slots; keeping them inline saves an allocation per function call.
    pub slots: RefCell<Slots>,
    /// The enclosing scope.
    pub parent: Option<Rc<Env>>,
}

impl Env {
    /// A new environment with the given slots.
    pub fn new(slots: Slots, parent: Option<Rc<Env>>) -> Rc<Env> {
        Rc::new(Env {
            slots: RefCell::new(slots),
            parent,
        })
    }

    /// A new environment with room for `n` slots, filled by the caller.
    pub fn with_capacity(n: usize, parent: Option<Rc<Env>>) -> Rc<Env> {
        Env::new(Slots::with_capacity(n), parent)
    }

    /// The environment `up` levels out.
    #[inline]
    fn ancestor(self: &Rc<Env>, up: u32) -> &Rc<Env> {
        let mut env = self;
        for _ in 0..up {
            env = env
                .parent
                .as_ref()
                .expect("lowering computed a valid depth");
        }
        env
    }

    /// The value at an address if its thunk is already evaluated, without
    /// touching reference counts (the hot path of variable access).
    #[inline]
    pub fn forced_value(self: &Rc<Env>, up: u32, idx: u32) -> Option<Value> {
        let slots = self.ancestor(up).slots.borrow();
        let state = slots[idx as usize].0.borrow();
        match &*state {
            ThunkState::Done(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// The thunk at an address computed by lowering.
    pub fn lookup(self: &Rc<Env>, up: u32, idx: u32) -> Thunk {
        self.ancestor(up).slots.borrow()[idx as usize].clone()
    }
}

/// A lazily evaluated value, forced at most once.
#[derive(Clone)]
pub struct Thunk(pub(crate) Rc<RefCell<ThunkState>>);

/// The states of a thunk.
pub enum ThunkState {
    /// Evaluated.
    Done(Value),
    /// An expression and the environment to evaluate it in.
    Pending(Rc<Expr>, Rc<Env>),
    /// A function application made lazily by a builtin (`map f xs`).
    Apply(Value, Box<[Thunk]>),
    /// Being evaluated: forcing it again means infinite recursion.
    Blackhole,
}

impl Thunk {
    /// An evaluated thunk.
    pub fn ready(v: Value) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Done(v))))
    }

    /// An expression to evaluate later.
    pub fn pending(expr: Rc<Expr>, env: Rc<Env>) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Pending(expr, env))))
    }

    /// `func args...`, applied later.
    pub fn apply(func: Value, args: Box<[Thunk]>) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Apply(func, args))))
    }

    /// The value if the thunk has already been forced.
    pub fn value_if_forced(&self) -> Option<Value> {
        match &*self.0.borrow() {
            ThunkState::Done(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// Whether two thunks are the same object.
    pub fn ptr_eq(&self, other: &Thunk) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// An address identifying the thunk (for "«repeated»" detection).
    pub fn addr(&self) -> usize {
        Rc::as_ptr(&self.0) as *const u8 as usize
    }
}

/// An attribute set: entries sorted by symbol id, so lookups and merges
/// compare integers. Name order is produced on demand by [`Attrs::sorted`].
#[derive(Default)]
pub struct Attrs {
    entries: Vec<Attr>,
}

/// One attribute.
#[derive(Clone)]
pub struct Attr {
    /// Its name.
    pub name: Symbol,
    /// Its value.
    pub value: Thunk,
    /// Where it was defined, if known (for `unsafeGetAttrPos`).
    pub pos: Option<crate::source::Span>,
}

impl Attrs {
    /// Builds a set from entries in any order; a later duplicate wins.
    pub fn from_entries(mut entries: Vec<Attr>) -> Attrs {
        // Stable sort keeps source order among duplicates; keep the last.
        entries.sort_by_key(|a| a.name);
        let mut out: Vec<Attr> = Vec::with_capacity(entries.len());
        for e in entries {
            match out.last_mut() {
                Some(last) if last.name == e.name => *last = e,
                _ => out.push(e),
            }
        }
        Attrs { entries: out }
    }

    /// Builds a set from entries already sorted by symbol without duplicates.
    pub fn from_sorted(entries: Vec<Attr>) -> Attrs {
        debug_assert!(entries.windows(2).all(|w| w[0].name < w[1].name));
        Attrs { entries }
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Looks up an attribute.
    pub fn get(&self, name: Symbol) -> Option<&Attr> {
        self.entries
            .binary_search_by_key(&name, |a| a.name)
            .ok()
            .map(|i| &self.entries[i])
    }

    /// The entries in symbol order (fast, but not name order).
    pub fn iter(&self) -> impl Iterator<Item = &Attr> {
        self.entries.iter()
    }

    /// The entries in name order, as Nix presents them.
    pub fn sorted(&self) -> Vec<&Attr> {
        // Fetch each name once rather than per comparison.
        let mut v: Vec<(std::rc::Rc<str>, &Attr)> =
            self.entries.iter().map(|a| (a.name.as_str(), a)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.into_iter().map(|(_, a)| a).collect()
    }

    /// `self // other`: a merge of two sorted runs.
    pub fn update(&self, other: &Attrs) -> Attrs {
        let (a, b) = (&self.entries, &other.entries);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].name.cmp(&b[j].name) {
                std::cmp::Ordering::Less => {
                    out.push(a[i].clone());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j].clone());
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.push(b[j].clone());
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Attrs { entries: out }
    }

    /// The underlying entries.
    pub fn entries(&self) -> &[Attr] {
        &self.entries
    }
}
