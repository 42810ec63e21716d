//! List and set builtins: `sort`, `genericClosure`, `partition`, `groupBy`,
//! `zipAttrsWith`, `catAttrs`, the bit operations, `unsafeGetAttrPos` and
//! `break`.
//!
//! Evaluation order (which argument is forced first, which element is forced
//! when) follows Nix 2.8's `primops.cc`, so that the same program fails with
//! the same error.

use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use super::strings::{arg_str_no_ctx, value_str_no_ctx};
use super::PrimOpTable;
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::{describe_type, type_error, Eval};
use crate::source::{FileId, Span};
use crate::symbol::Symbol;
use crate::value::{Attr, Attrs, Thunk, Value};

pub(crate) const PRIMOPS: PrimOpTable = &[
    ("bitAnd", 2, bit_and),
    ("bitOr", 2, bit_or),
    ("bitXor", 2, bit_xor),
    ("break", 1, break_),
    ("catAttrs", 2, cat_attrs),
    ("genericClosure", 1, generic_closure),
    ("groupBy", 2, group_by),
    ("partition", 2, partition),
    ("sort", 2, sort),
    ("unsafeGetAttrPos", 2, unsafe_get_attr_pos),
    ("zipAttrsWith", 2, zip_attrs_with),
];

// ---- bit operations ----

fn bit_op(ev: &mut Eval, a: &[Thunk], name: &str, f: fn(i64, i64) -> i64) -> EvalResult<Value> {
    let x = ev.arg_int(&a[0], 0, name)?;
    let y = ev.arg_int(&a[1], 1, name)?;
    Ok(Value::Int(f(x, y)))
}

fn bit_and(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    bit_op(ev, a, "bitAnd", |x, y| x & y)
}

fn bit_or(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    bit_op(ev, a, "bitOr", |x, y| x | y)
}

fn bit_xor(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    bit_op(ev, a, "bitXor", |x, y| x ^ y)
}

/// `break x`: the debugger's breakpoint; without a debugger it is the identity.
fn break_(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    ev.force(&a[0])
}

// ---- sets ----

fn unsafe_get_attr_pos(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let name = arg_str_no_ctx(ev, &a[0], 0, "unsafeGetAttrPos")?;
    let set = ev.arg_attrs(&a[1], 1, "unsafeGetAttrPos")?;
    let sym = Symbol::new(&name.lossy());
    Ok(match set.get(sym).and_then(|attr| attr.pos) {
        Some(span) => ev.pos_value(span),
        None => Value::Null,
    })
}

fn cat_attrs(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let name = arg_str_no_ctx(ev, &a[0], 0, "catAttrs")?;
    let sym = Symbol::new(&name.lossy());
    let list = ev.arg_list(&a[1], 1, "catAttrs")?;
    let mut out = Vec::new();
    for t in list.iter() {
        let v = ev.force(t)?;
        let set = ev.expect_attrs(
            &v,
            None,
            "while evaluating an element in the list passed as second argument to builtins.catAttrs",
        )?;
        if let Some(attr) = set.get(sym) {
            out.push(attr.value.clone());
        }
    }
    Ok(Value::List(Rc::new(out)))
}

fn zip_attrs_with(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.arg_fn(&a[0], 0, "zipAttrsWith")?;
    let list = ev.arg_list(&a[1], 1, "zipAttrsWith")?;
    let mut sets = Vec::with_capacity(list.len());
    for t in list.iter() {
        let v = ev.force(t)?;
        sets.push(ev.expect_attrs(
            &v,
            None,
            "while evaluating a value of the list passed as second argument to builtins.zipAttrsWith",
        )?);
    }
    let mut values: HashMap<Symbol, Vec<Thunk>> = HashMap::new();
    for set in &sets {
        for attr in set.iter() {
            values
                .entry(attr.name)
                .or_default()
                .push(attr.value.clone());
        }
    }
    let entries: Vec<Attr> = values
        .into_iter()
        .map(|(name, vals)| Attr {
            name,
            value: Thunk::apply(
                f.clone(),
                Box::new([name.to_value().thunk(), Value::List(Rc::new(vals)).thunk()]),
            ),
            pos: None,
        })
        .collect();
    Ok(Value::Attrs(Rc::new(Attrs::from_entries(entries))))
}

// ---- lists ----

fn expect_bool_result(v: &Value, ctx: &str) -> EvalResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(type_error(other, "a Boolean", None, ctx)),
    }
}

fn partition(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.arg_fn(&a[0], 0, "partition")?;
    let list = ev.arg_list(&a[1], 1, "partition")?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for t in list.iter() {
        ev.force(t)?;
        let r = ev.call1(&f, t.clone())?;
        if expect_bool_result(
            &r,
            "while evaluating the return value of the partition function passed to builtins.partition",
        )? {
            right.push(t.clone());
        } else {
            wrong.push(t.clone());
        }
    }
    Ok(super::make_attrs(vec![
        ("right", Value::List(Rc::new(right))),
        ("wrong", Value::List(Rc::new(wrong))),
    ]))
}

fn group_by(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.arg_fn(&a[0], 0, "groupBy")?;
    let list = ev.arg_list(&a[1], 1, "groupBy")?;
    let mut groups: HashMap<Symbol, Vec<Thunk>> = HashMap::new();
    for t in list.iter() {
        let r = ev.call1(&f, t.clone())?;
        let name = value_str_no_ctx(
            &r,
            "while evaluating the return value of the grouping function passed to builtins.groupBy",
        )?;
        groups
            .entry(Symbol::new(&name.lossy()))
            .or_default()
            .push(t.clone());
    }
    let entries: Vec<Attr> = groups
        .into_iter()
        .map(|(name, items)| Attr {
            name,
            value: Value::List(Rc::new(items)).thunk(),
            pos: None,
        })
        .collect();
    Ok(Value::Attrs(Rc::new(Attrs::from_entries(entries))))
}

/// A span that stands for "no position", for calling [`Eval::less_than`].
fn no_span() -> Span {
    Span {
        file: FileId(0),
        start: 0,
        end: 0,
    }
}

/// Nix 2.8's `CompareValues`: `<` on numbers, strings, paths and lists;
/// anything else (including two sets) cannot be compared.
fn compare_lt(ev: &mut Eval, x: &Value, y: &Value) -> EvalResult<bool> {
    let span = no_span();
    ev.less_than(x, y, span).map_err(|mut e| {
        if e.span == Some(span) {
            e.span = None;
        }
        e
    })
}

/// The comparator of `builtins.sort`.
enum Comparator {
    /// `builtins.lessThan`: compared directly, as Nix does.
    LessThan,
    /// Any other function.
    Function(Value),
}

impl Comparator {
    fn lt(&self, ev: &mut Eval, x: &Thunk, y: &Thunk) -> EvalResult<bool> {
        match self {
            Comparator::LessThan => {
                let xv = ev.force(x)?;
                let yv = ev.force(y)?;
                compare_lt(ev, &xv, &yv)
            }
            Comparator::Function(f) => {
                let r = ev.call2(f, x.clone(), y.clone())?;
                expect_bool_result(
                    &r,
                    "while evaluating the return value of the sorting function passed to builtins.sort",
                )
            }
        }
    }
}

fn sort(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let f = ev.arg_fn(&a[0], 0, "sort")?;
    let list = ev.arg_list(&a[1], 1, "sort")?;
    for t in list.iter() {
        ev.force(t)?;
    }
    let cmp = match &f {
        Value::PrimOp(op) if op.name == "lessThan" => Comparator::LessThan,
        _ => Comparator::Function(f),
    };
    let mut items: Vec<Thunk> = list.to_vec();
    let mut sorter = StableSort { ev, cmp: &cmp };
    sorter.sort(&mut items)?;
    Ok(Value::List(Rc::new(items)))
}

/// libstdc++'s `std::stable_sort` (GCC 12, with a buffer of half the list,
/// which it always obtains), which Nix 2.8 uses: the same comparisons in the
/// same order, so that comparators with side effects (`trace`), errors or
/// inconsistent answers behave as in Nix.
struct StableSort<'a> {
    ev: &'a mut Eval,
    cmp: &'a Comparator,
}

/// `std::__stable_sort`'s chunk size for the initial insertion sorts.
const CHUNK: usize = 7;

impl StableSort<'_> {
    fn lt(&mut self, x: &Thunk, y: &Thunk) -> EvalResult<bool> {
        self.cmp.lt(self.ev, x, y)
    }

    fn sort(&mut self, v: &mut [Thunk]) -> EvalResult<()> {
        let n = v.len();
        if n == 0 {
            return Ok(());
        }
        let mid = n.div_ceil(2);
        let mut buf: Vec<Thunk> = v[..mid].to_vec();
        self.merge_sort_with_buffer(&mut v[..mid], &mut buf)?;
        self.merge_sort_with_buffer(&mut v[mid..], &mut buf)?;
        self.merge_adaptive(v, mid, &mut buf)
    }

    fn merge_sort_with_buffer(&mut self, v: &mut [Thunk], buf: &mut [Thunk]) -> EvalResult<()> {
        let len = v.len();
        let mut step = CHUNK;
        let mut start = 0;
        while len - start >= CHUNK {
            self.insertion_sort(&mut v[start..start + CHUNK])?;
            start += CHUNK;
        }
        self.insertion_sort(&mut v[start..])?;
        while step < len {
            self.merge_sort_loop(v, &mut buf[..len], step)?;
            step *= 2;
            self.merge_sort_loop(&buf[..len], v, step)?;
            step *= 2;
        }
        Ok(())
    }

    fn insertion_sort(&mut self, v: &mut [Thunk]) -> EvalResult<()> {
        for i in 1..v.len() {
            if self.lt(&v[i], &v[0])? {
                v[..=i].rotate_right(1);
            } else {
                let val = v[i].clone();
                let mut k = i;
                // Unguarded in libstdc++: `val < v[0]` is known to be false.
                while k > 0 && self.lt(&val, &v[k - 1])? {
                    v[k] = v[k - 1].clone();
                    k -= 1;
                }
                v[k] = val;
            }
        }
        Ok(())
    }

    fn merge_sort_loop(&mut self, src: &[Thunk], dst: &mut [Thunk], step: usize) -> EvalResult<()> {
        let len = src.len();
        let two = 2 * step;
        let mut first = 0;
        let mut out = 0;
        while len - first >= two {
            out = self.move_merge(
                &src[first..first + step],
                &src[first + step..first + two],
                dst,
                out,
            )?;
            first += two;
        }
        let step = step.min(len - first);
        self.move_merge(&src[first..first + step], &src[first + step..], dst, out)?;
        Ok(())
    }

    fn move_merge(
        &mut self,
        a: &[Thunk],
        b: &[Thunk],
        dst: &mut [Thunk],
        mut out: usize,
    ) -> EvalResult<usize> {
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if self.lt(&b[j], &a[i])? {
                dst[out] = b[j].clone();
                j += 1;
            } else {
                dst[out] = a[i].clone();
                i += 1;
            }
            out += 1;
        }
        for t in a[i..].iter().chain(b[j..].iter()) {
            dst[out] = t.clone();
            out += 1;
        }
        Ok(out)
    }

    /// Merges the sorted runs `v[..mid]` and `v[mid..]`.
    fn merge_adaptive(&mut self, v: &mut [Thunk], mid: usize, buf: &mut [Thunk]) -> EvalResult<()> {
        let n = v.len();
        let (len1, len2) = (mid, n - mid);
        if len1 <= len2 {
            buf[..len1].clone_from_slice(&v[..mid]);
            let (mut i, mut j, mut out) = (0, mid, 0);
            while i < len1 && j < n {
                if self.lt(&v[j], &buf[i])? {
                    v[out] = v[j].clone();
                    j += 1;
                } else {
                    v[out] = buf[i].clone();
                    i += 1;
                }
                out += 1;
            }
            v[out..out + (len1 - i)].clone_from_slice(&buf[i..len1]);
            return Ok(());
        }
        buf[..len2].clone_from_slice(&v[mid..]);
        if len2 == 0 {
            return Ok(());
        }
        let (mut l1, mut l2, mut out) = (mid - 1, len2 - 1, n);
        loop {
            if self.lt(&buf[l2], &v[l1])? {
                out -= 1;
                v[out] = v[l1].clone();
                if l1 == 0 {
                    v[out - (l2 + 1)..out].clone_from_slice(&buf[..=l2]);
                    return Ok(());
                }
                l1 -= 1;
            } else {
                out -= 1;
                v[out] = buf[l2].clone();
                if l2 == 0 {
                    return Ok(());
                }
                l2 -= 1;
            }
        }
    }
}

// ---- genericClosure ----

/// A key that can be hashed and is equal exactly when Nix 2.8's
/// `CompareValues` finds neither key less than the other.
#[derive(PartialEq, Eq, Hash)]
enum HashKey {
    /// An integer, or a float with an integral value.
    Int(i64),
    /// Any other float, by its bits.
    Float(u64),
    /// A string's bytes.
    Str(Box<[u8]>),
    /// A path.
    Path(Rc<str>),
}

/// Which keys `CompareValues` can compare with each other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyClass {
    Number,
    String,
    Path,
    List,
    Other,
}

fn key_class(v: &Value) -> KeyClass {
    match v {
        Value::Int(_) | Value::Float(_) => KeyClass::Number,
        Value::String(_) => KeyClass::String,
        Value::Path(_) => KeyClass::Path,
        Value::List(_) => KeyClass::List,
        _ => KeyClass::Other,
    }
}

/// The keys seen by `genericClosure`: Nix keeps them in a `std::set`
/// ordered by `CompareValues`; numbers, strings and paths are hashed here
/// instead, lists are kept sorted and searched with the same comparison.
#[derive(Default)]
struct KeySet {
    /// The first key, standing for the set's type in error messages.
    first: Option<Value>,
    hashed: HashSet<HashKey>,
    lists: Vec<Value>,
}

impl KeySet {
    /// Adds a key; false if an equivalent key was there already.
    fn insert(&mut self, ev: &mut Eval, key: Value) -> EvalResult<bool> {
        let Some(first) = &self.first else {
            self.first = Some(key.clone());
            return self.add(ev, key);
        };
        let (class, first_class) = (key_class(&key), key_class(first));
        if class == KeyClass::Other || class != first_class {
            return Err(EvalError::new(
                ErrorKind::Type,
                format!(
                    "cannot compare {} with {}",
                    describe_type(&key),
                    describe_type(first)
                ),
            ));
        }
        self.add(ev, key)
    }

    fn add(&mut self, ev: &mut Eval, key: Value) -> EvalResult<bool> {
        let hk = match &key {
            Value::Int(i) => HashKey::Int(*i),
            Value::Float(f) => {
                if f.is_nan() {
                    // NaN is neither less nor greater than anything.
                    return Ok(self.hashed.is_empty());
                }
                if f.fract() == 0.0
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(f)
                {
                    HashKey::Int(*f as i64)
                } else {
                    HashKey::Float(f.to_bits())
                }
            }
            Value::String(s) => HashKey::Str(s.bytes.clone()),
            Value::Path(p) => HashKey::Path(p.clone()),
            _ => return self.add_sorted(ev, key),
        };
        Ok(self.hashed.insert(hk))
    }

    /// Binary insertion into the sorted list of non-hashable keys, asking
    /// the questions `std::set::insert` asks: `new < old` on the way down,
    /// then `predecessor < new`.
    fn add_sorted(&mut self, ev: &mut Eval, key: Value) -> EvalResult<bool> {
        let (mut lo, mut hi) = (0, self.lists.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            let probe = self.lists[mid].clone();
            if compare_lt(ev, &key, &probe)? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if lo > 0 {
            let pred = self.lists[lo - 1].clone();
            if !compare_lt(ev, &pred, &key)? {
                return Ok(false);
            }
        }
        self.lists.insert(lo, key);
        Ok(true)
    }
}

/// `attribute 'NAME' missing for call to 'genericClosure'`.
fn closure_attr(set: &Attrs, name: &str) -> EvalResult<Thunk> {
    match set.get(Symbol::new(name)) {
        Some(a) => Ok(a.value.clone()),
        None => Err(EvalError::new(
            ErrorKind::MissingAttr,
            format!("attribute '{name}' missing for call to 'genericClosure'"),
        )),
    }
}

fn generic_closure(ev: &mut Eval, a: &[Thunk]) -> EvalResult<Value> {
    let args = ev.arg_attrs(&a[0], 0, "genericClosure")?;
    let start = closure_attr(&args, "startSet")?;
    let start = ev.force(&start)?;
    let start = ev.expect_list(
        &start,
        None,
        "while evaluating the 'startSet' attribute passed as argument to builtins.genericClosure",
    )?;
    let mut work: VecDeque<Thunk> = start.iter().cloned().collect();
    let op = closure_attr(&args, "operator")?;
    let op = ev.force(&op)?;
    let key_sym = Symbol::new("key");
    let mut done = KeySet::default();
    let mut res = Vec::new();
    while let Some(e) = work.pop_front() {
        let ev_e = ev.force(&e)?;
        let set = ev.expect_attrs(
            &ev_e,
            None,
            "while evaluating one of the elements generated by (or initially passed to) builtins.genericClosure",
        )?;
        let Some(key) = set.get(key_sym) else {
            return Err(EvalError::new(
                ErrorKind::MissingAttr,
                "attribute 'key' required",
            ));
        };
        let key = key.value.clone();
        let key = ev.force(&key)?;
        if !done.insert(ev, key)? {
            continue;
        }
        res.push(e.clone());
        let next = ev.call1(&op, e)?;
        let next = ev.expect_list(
            &next,
            None,
            "while evaluating the return value of the `operator` passed to builtins.genericClosure",
        )?;
        for t in next.iter() {
            ev.force(t)?;
            work.push_back(t.clone());
        }
    }
    Ok(Value::List(Rc::new(res)))
}

// Expectations are Nix 2.8's output for the same expressions.
#[cfg(test)]
mod tests {
    use super::super::strings::testing::{eval, eval_traced};

    #[test]
    fn sort_asks_what_libstdcxx_asks() {
        let (out, traces) = eval_traced(
            r#"builtins.sort (a: b: builtins.trace "${toString a}<${toString b}" (a < b)) [ 5 3 8 1 9 2 7 4 6 0 11 ]"#,
        );
        assert_eq!(out, "[ 0 1 2 3 4 5 6 7 8 9 11 ]");
        let want = "3<5 8<3 8<5 1<3 9<1 9<8 2<1 2<9 2<8 2<5 2<3 2<1 4<7 6<4 6<7 6<4 0<4 \
                    11<0 11<7 11<9 7<9 7<8 7<5 6<5 4<5 4<3 0<3 0<2 0<1";
        let got: Vec<String> = traces
            .iter()
            .map(|t| t.trim_start_matches("trace: ").to_string())
            .collect();
        assert_eq!(got.join(" "), want);
    }

    #[test]
    fn sort_with_inconsistent_comparators() {
        assert_eq!(
            eval("builtins.sort (a: b: true) [ 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 ]"),
            "[ 17 16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 ]"
        );
        assert_eq!(
            eval(
                "builtins.sort (a: b: (builtins.bitAnd a 3) < (builtins.bitAnd b 1)) (builtins.genList (i: i + 1) 30)"
            ),
            "[ 4 8 16 24 1 2 3 5 6 7 9 10 12 11 13 14 15 17 18 20 19 21 22 23 25 26 28 27 29 30 ]"
        );
    }

    #[test]
    fn sort_errors() {
        assert_eq!(
            eval("builtins.sort builtins.lessThan [ 1 \"a\" ]"),
            "error: cannot compare a string with an integer"
        );
        assert_eq!(
            eval("builtins.sort (a: b: 1) [ 1 2 ]"),
            "error: value is an integer while a Boolean was expected"
        );
        assert_eq!(
            eval("builtins.sort 1 [ ]"),
            "error: value is an integer while a function was expected"
        );
    }

    #[test]
    fn generic_closure_keys() {
        assert_eq!(
            eval(
                "builtins.genericClosure { startSet = [ {key = 1;} {key = 1.0;} {key = 2.5;} {key = 2.5;} {key = 2;} ]; operator = x: [ ]; }"
            ),
            "[ { key = 1; } { key = 2.5; } { key = 2; } ]"
        );
        assert_eq!(
            eval(
                "builtins.genericClosure { startSet = [ {key = [1];} {key = [1.0];} {key = [2 \"a\"];} {key = [];} {key = [];} ]; operator = x: [ ]; }"
            ),
            "[ { key = [ 1 ]; } { key = [ 2 \"a\" ]; } { key = [ ]; } ]"
        );
        assert_eq!(
            eval("builtins.genericClosure { startSet = [ {key = [1];} {key = [\"a\"];} ]; operator = x: [ ]; }"),
            "error: cannot compare a string with an integer"
        );
        assert_eq!(
            eval("builtins.genericClosure { startSet = [ {key = true;} {key = true;} ]; operator = x: [ ]; }"),
            "error: cannot compare a Boolean with a Boolean"
        );
        assert_eq!(
            eval("builtins.genericClosure { startSet = [ {key = {};} ]; operator = x: [ ]; }"),
            "[ { key = { }; } ]"
        );
    }

    #[test]
    fn generic_closure_large() {
        assert_eq!(
            eval(
                "builtins.length (builtins.genericClosure { startSet = [ { key = 0; } ]; \
                 operator = x: if x.key < 30000 then [ { key = x.key + 1; } { key = x.key / 2; } ] else [ ]; })"
            ),
            "30001"
        );
    }

    #[test]
    fn zip_group_partition() {
        assert_eq!(
            eval("builtins.zipAttrsWith (n: v: v) [ { a = 1; } { b = 2; a = 3; } ]"),
            "{ a = [ 1 3 ]; b = [ 2 ]; }"
        );
        assert_eq!(
            eval("builtins.groupBy (x: if x > 2 then \"big\" else \"small\") [ 1 2 3 4 ]"),
            "{ big = [ 3 4 ]; small = [ 1 2 ]; }"
        );
        assert_eq!(
            eval("builtins.partition (x: x > 2) [ 1 3 2 4 ]"),
            "{ right = [ 3 4 ]; wrong = [ 1 2 ]; }"
        );
    }

    #[test]
    fn attr_pos() {
        assert_eq!(
            eval("builtins.unsafeGetAttrPos \"a\" { a = 1; }"),
            "{ column = 33; file = \"«test»\"; line = 1; }"
        );
        assert_eq!(eval("builtins.unsafeGetAttrPos \"b\" { a = 1; }"), "null");
    }
}
