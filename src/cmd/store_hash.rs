//! `kiln store hash PATH` (hidden): the content hash the store would record, for benchmarks.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::store::Store;

/// Arguments of `kiln store hash`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Host file or folder.
    path: PathBuf,
}

/// Prints `blake3:<hex> <nar size>`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (hash, size) = Store::hash_path(&args.path)?;
    println!("blake3:{} {size}", hash.to_hex());
    Ok(ExitCode::SUCCESS)
}
