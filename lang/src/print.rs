//! Printing values exactly as `nix-instantiate --eval` does.

use std::collections::HashSet;
use std::rc::Rc;

use crate::value::{Thunk, Value};

/// Prints a value; unevaluated parts show as `<CODE>`.
pub fn print_value(v: &Value) -> String {
    let mut out = String::new();
    let mut seen = HashSet::new();
    print_into(&mut out, v, None, &mut seen);
    out
}

/// Nix quotes a string with these escapes.
pub fn quote_string(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.push(b'"');
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'$' if bytes.get(i + 1) == Some(&b'{') => out.extend_from_slice(b"\\$"),
            _ => out.push(b),
        }
    }
    out.push(b'"');
    String::from_utf8_lossy(&out).into_owned()
}

/// An attribute name as Nix prints it: bare if it is an identifier (and not
/// a keyword other than `or`), quoted otherwise.
pub fn attr_name(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit",
    ];
    let mut chars = name.chars();
    let ident = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'));
    if ident && !KEYWORDS.contains(&name) {
        name.to_string()
    } else {
        quote_string(name.as_bytes())
    }
}

/// Formats a float like C++'s `ostream << double` (`%g`, 6 significant digits).
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let sci = format!("{f:.5e}");
    let (mant, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("exponent is an integer");
    if !(-4..6).contains(&exp) {
        let mant = trim_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        trim_zeros(&format!("{f:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Key for «repeated» detection. Nix compares `Value` addresses; here sets
/// are identified by their storage, and small lists (which Nix stores inside
/// the value) by the thunk holding them.
fn repeat_key(v: &Value, holder: Option<&Thunk>) -> Option<usize> {
    match v {
        Value::Attrs(a) if !a.is_empty() => Some(Rc::as_ptr(a) as *const u8 as usize),
        Value::List(l) if !l.is_empty() => {
            if l.len() > 2 {
                Some(Rc::as_ptr(l) as *const u8 as usize)
            } else {
                holder.map(|t| t.addr())
            }
        }
        _ => None,
    }
}

fn print_into(out: &mut String, v: &Value, holder: Option<&Thunk>, seen: &mut HashSet<usize>) {
    if let Some(key) = repeat_key(v, holder) {
        if !seen.insert(key) {
            out.push_str("«repeated»");
            return;
        }
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::String(s) => out.push_str(&quote_string(&s.bytes)),
        Value::Path(p) => out.push_str(p),
        Value::Attrs(a) => {
            out.push_str("{ ");
            for attr in a.sorted() {
                out.push_str(&attr_name(&attr.name.as_str()));
                out.push_str(" = ");
                print_thunk(out, &attr.value, seen);
                out.push_str("; ");
            }
            out.push('}');
        }
        Value::List(l) => {
            out.push_str("[ ");
            for t in l.iter() {
                print_thunk(out, t, seen);
                out.push(' ');
            }
            out.push(']');
        }
        Value::Lambda(_) => out.push_str("<LAMBDA>"),
        Value::PrimOp(_) => out.push_str("<PRIMOP>"),
        Value::PrimOpApp(_) => out.push_str("<PRIMOP-APP>"),
    }
}

fn print_thunk(out: &mut String, t: &Thunk, seen: &mut HashSet<usize>) {
    match t.value_if_forced() {
        Some(v) => print_into(out, &v, Some(t), seen),
        None => out.push_str("<CODE>"),
    }
}

#[cfg(test)]
mod tests {
    use super::format_float;

    #[test]
    fn floats_print_like_cpp_streams() {
        assert_eq!(format_float(3.4), "3.4");
        assert_eq!(format_float(2.5), "2.5");
        assert_eq!(format_float(1.0), "1");
        assert_eq!(format_float(1e20), "1e+20");
        assert_eq!(format_float(0.0001), "0.0001");
        assert_eq!(format_float(0.00001), "1e-05");
        assert_eq!(format_float(123456.7), "123457");
        assert_eq!(format_float(1234567.0), "1.23457e+06");
    }
}
