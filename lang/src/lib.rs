//! kiln-lang: Nix's expression language for kiln.
//!
//! The pipeline is `source --rnix--> syntax tree --lower--> IR --eval--> values`.
//! The crate does no IO of its own: files, directories and the environment are
//! reached through the [`host::Host`] trait that the caller supplies, so that the
//! engine can add store-writing builtins and tests can run on strings alone.

pub mod builtins;
pub mod data;
pub mod error;
pub mod eval;
pub mod hash;
pub mod host;
pub mod ir;
pub mod load;
pub mod lower;
pub mod output;
pub mod parse;
pub mod print;
pub mod regex;
pub mod source;
pub mod suggest;
pub mod symbol;
pub mod value;
pub mod versions;

pub use error::{ErrorKind, EvalError, EvalResult};
pub use eval::Eval;
pub use host::{FileType, Host};
pub use value::Value;
