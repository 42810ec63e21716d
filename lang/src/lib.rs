//! kiln-lang: Nix's expression language for kiln.
//!
//! The pipeline is `source --rnix--> syntax tree --lower--> IR --eval--> values`.
//! The crate does no IO of its own: files, directories and the environment are
//! reached through the [`host::Host`] trait that the caller supplies, so that the
//! engine can add store-writing builtins and tests can run on strings alone.
