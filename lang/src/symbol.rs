//! Interned attribute and variable names.
//!
//! Attribute sets are sorted by symbol id, so lookups and merges compare
//! integers; output that must be in name order sorts by the text explicitly.

use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::value::Value;

/// An interned name. Two symbols are equal exactly when their texts are equal.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(u32);

#[derive(Default)]
struct Interner {
    ids: HashMap<Rc<str>, Symbol>,
    names: Vec<Rc<str>>,
    /// Each name as a language string, made on first use: `attrNames` and
    /// `mapAttrs` hand out names over and over.
    values: Vec<Option<Value>>,
}

thread_local! {
    // Evaluation is single-threaded, so a thread-local table needs no locking.
    static INTERNER: RefCell<Interner> = RefCell::new(Interner::default());
}

impl Symbol {
    /// Interns a name.
    pub fn new(name: &str) -> Symbol {
        INTERNER.with(|i| {
            let mut i = i.borrow_mut();
            if let Some(sym) = i.ids.get(name) {
                return *sym;
            }
            let sym = Symbol(i.names.len() as u32);
            let rc: Rc<str> = Rc::from(name);
            i.names.push(rc.clone());
            i.values.push(None);
            i.ids.insert(rc, sym);
            sym
        })
    }

    /// The text of the name.
    pub fn as_str(self) -> Rc<str> {
        INTERNER.with(|i| i.borrow().names[self.0 as usize].clone())
    }

    /// The name as a string value (shared, not copied, on every call).
    pub fn to_value(self) -> Value {
        INTERNER.with(|i| {
            let mut i = i.borrow_mut();
            let idx = self.0 as usize;
            if let Some(v) = &i.values[idx] {
                return v.clone();
            }
            let v = Value::string(i.names[idx].as_bytes());
            i.values[idx] = Some(v.clone());
            v
        })
    }

    /// Compares two symbols by their text.
    pub fn cmp_text(self, other: Symbol) -> std::cmp::Ordering {
        if self == other {
            return std::cmp::Ordering::Equal;
        }
        INTERNER.with(|i| {
            let i = i.borrow();
            i.names[self.0 as usize].cmp(&i.names[other.0 as usize])
        })
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}
