//! One module per subcommand. Only this layer uses `anyhow`.

pub mod eval;
pub mod parse;
