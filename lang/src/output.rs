//! `--json` and `--xml` output of `kiln eval`.

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::Eval;
use crate::value::Value;

/// The value as JSON, like `builtins.toJSON`.
pub fn to_json_string(ev: &mut Eval, v: &Value) -> EvalResult<String> {
    let _ = (ev, v);
    Err(EvalError::new(
        ErrorKind::Other,
        "JSON output is not available yet",
    ))
}

/// The value as XML, like `nix-instantiate --eval --xml`.
pub fn to_xml_string(ev: &mut Eval, v: &Value, with_locations: bool) -> EvalResult<String> {
    let _ = (ev, v, with_locations);
    Err(EvalError::new(
        ErrorKind::Other,
        "XML output is not available yet",
    ))
}
