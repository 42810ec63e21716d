//! `kiln store add-source PATH [--name N]` (hidden; for tests and scripts)

use std::path::PathBuf;
use std::process::ExitCode;

use crate::store::Store;

/// Arguments of `kiln store add-source`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Host file or folder to import.
    path: PathBuf,
    /// Store name (default: the basename).
    #[arg(long)]
    name: Option<String>,
}

/// Imports and prints the store path.
pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let path = store.add_source(&args.path, args.name.as_deref(), None)?;
    println!("{path}");
    Ok(ExitCode::SUCCESS)
}
